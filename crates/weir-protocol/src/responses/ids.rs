//! Client-facing ids and the small conversions every Responses encoder shares.
//!
//! Ids are derived, never random: the same vendor answer always gets the same `resp_…` id and
//! item ids, so streamed and non-streamed answers agree and snapshot tests stay stable.

/// The `resp_…` id for a vendor answer id: kept when it already is one, otherwise `resp_` and
/// the id's ASCII letters and digits (`resp_weir` when none are left).
pub(crate) fn response_id(upstream: &str) -> String {
    crate::canonical::client_id("resp_", upstream)
}

/// The part of a `resp_…` id that item ids are built from.
fn base(response_id: &str) -> &str {
    response_id.strip_prefix("resp_").unwrap_or(response_id)
}

/// A reasoning item's id: `rs_<base>_<output index>`.
pub(crate) fn reasoning_item_id(response_id: &str, index: usize) -> String {
    format!("rs_{}_{index}", base(response_id))
}

/// A message item's id: `msg_<base>_<output index>`.
pub(crate) fn message_item_id(response_id: &str, index: usize) -> String {
    format!("msg_{}_{index}", base(response_id))
}

/// A function call item's id: `fc_` and the call id's letters and digits, so the stream and the
/// non-streamed answer name the same call's item alike.
pub(crate) fn function_item_id(call_id: &str) -> String {
    format!("fc_{}", alnum(call_id))
}

/// A custom tool call item's id: `ctc_` and the call id's letters and digits.
pub(crate) fn custom_item_id(call_id: &str) -> String {
    format!("ctc_{}", alnum(call_id))
}

fn alnum(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// The raw input of a custom tool call that reached a vendor as a function taking
/// `{"input": "<raw>"}`: that string when the arguments have this shape, the arguments text
/// itself otherwise (a vendor that answered with the raw input, or an R vendor's own custom
/// call).
pub(crate) fn unwrap_custom_input(arguments: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Wrapped {
        input: String,
    }
    match serde_json::from_str::<Wrapped>(arguments) {
        Ok(w) => w.input,
        Err(_) => arguments.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // common.md / custom.md: client-side ids keep a vendor id of the right kind, otherwise take
    // its alphanumerics behind the protocol's prefix.
    #[test]
    fn response_ids_are_derived_deterministically() {
        assert_eq!(response_id("resp_abc123"), "resp_abc123");
        assert_eq!(response_id("msg_01XyZ"), "resp_msg01XyZ");
        assert_eq!(response_id("chatcmpl-9f-2"), "resp_chatcmpl9f2");
        assert_eq!(response_id(""), "resp_weir");
        assert_eq!(response_id("resp_"), "resp_resp");
        assert_eq!(message_item_id("resp_abc", 2), "msg_abc_2");
        assert_eq!(reasoning_item_id("resp_abc", 0), "rs_abc_0");
        assert_eq!(function_item_id("call_a.b:1"), "fc_callab1");
        assert_eq!(custom_item_id("call_9"), "ctc_call9");
    }

    // custom.md: a custom call's `{"input": …}` arguments are unwrapped; anything else is the
    // raw input.
    #[test]
    fn custom_input_is_unwrapped_when_wrapped() {
        assert_eq!(
            unwrap_custom_input(r#"{"input":"*** Begin Patch"}"#),
            "*** Begin Patch"
        );
        assert_eq!(unwrap_custom_input("*** Begin Patch"), "*** Begin Patch");
        assert_eq!(unwrap_custom_input(r#"{"input":3}"#), r#"{"input":3}"#);
        assert_eq!(
            unwrap_custom_input(r#"{"content":"x"}"#),
            r#"{"content":"x"}"#
        );
    }
}
