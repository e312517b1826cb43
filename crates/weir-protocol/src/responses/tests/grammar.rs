//! `is_well_formed`: the R client stream grammar checker rejects each violation it names
//! (protocols.md §4.1 R, §4.2 R, §8.2 R2/R3).

use crate::responses::is_well_formed;
use crate::sse;

fn frame(kind: &str, data: &str) -> String {
    String::from_utf8(sse::encode(Some(kind), data).to_vec()).unwrap()
}

const USAGE: &str = r#"{"input_tokens":1,"input_tokens_details":{"cached_tokens":0},"output_tokens":1,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":2}"#;

fn head() -> String {
    frame(
        "response.created",
        r#"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1"}}"#,
    ) + &frame(
        "response.in_progress",
        r#"{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_1"}}"#,
    )
}

fn item(kind: &str, seq: u64, index: u64, status: &str) -> String {
    frame(
        kind,
        &format!(
            r#"{{"type":"{kind}","sequence_number":{seq},"output_index":{index},"item":{{"id":"fc_1","type":"function_call","status":"{status}","arguments":"{{}}"}}}}"#
        ),
    )
}

fn completed(seq: u64, output: &str, usage: &str) -> String {
    frame(
        "response.completed",
        &format!(
            r#"{{"type":"response.completed","sequence_number":{seq},"response":{{"id":"resp_1","status":"completed","output":[{output}],"usage":{usage}}}}}"#
        ),
    )
}

const DONE_ITEM: &str =
    r#"{"id":"fc_1","type":"function_call","status":"completed","arguments":"{}"}"#;

fn valid() -> String {
    head()
        + &item("response.output_item.added", 2, 0, "in_progress")
        + &frame(
            "response.function_call_arguments.delta",
            r#"{"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_1","output_index":0,"delta":"{}"}"#,
        )
        + &frame(
            "response.function_call_arguments.done",
            r#"{"type":"response.function_call_arguments.done","sequence_number":4,"item_id":"fc_1","output_index":0,"arguments":"{}"}"#,
        )
        + &item("response.output_item.done", 5, 0, "completed")
        + &completed(6, DONE_ITEM, USAGE)
}

#[test]
fn accepts_a_valid_stream() {
    assert_eq!(is_well_formed(&valid()), Ok(()));
}

#[test]
fn rejects_each_violation() {
    let cases: Vec<(&str, String)> = vec![
        ("no terminal event", head()),
        (
            "event name differs from type",
            valid().replacen("event: response.in_progress", "event: response.queued", 1),
        ),
        (
            "sequence does not increase",
            valid().replacen("\"sequence_number\":3", "\"sequence_number\":1", 1),
        ),
        (
            "sequence does not start at 0",
            valid().replacen("\"sequence_number\":0", "\"sequence_number\":1", 1),
        ),
        (
            "created is not first",
            valid().replacen("response.created", "response.in_progress", 2),
        ),
        (
            "wrong output_index",
            valid().replacen(
                "\"output_index\":0,\"item\"",
                "\"output_index\":1,\"item\"",
                1,
            ),
        ),
        (
            "delta for an unknown item",
            valid().replacen("\"item_id\":\"fc_1\"", "\"item_id\":\"fc_9\"", 1),
        ),
        (
            "done differs from deltas",
            valid().replacen(
                "\"output_index\":0,\"arguments\":\"{}\"",
                "\"output_index\":0,\"arguments\":\"{ }\"",
                1,
            ),
        ),
        (
            "item never done",
            head()
                + &item("response.output_item.added", 2, 0, "in_progress")
                + &completed(3, DONE_ITEM, USAGE),
        ),
        (
            "output differs from done item",
            valid().replace(
                r#"[{"id":"fc_1","type":"function_call","status":"completed""#,
                r#"[{"id":"fc_1","type":"function_call","status":"in_progress""#,
            ),
        ),
        (
            "output is missing an item",
            valid().replace(&format!("[{DONE_ITEM}]"), "[]"),
        ),
        (
            "usage lacks reasoning_tokens",
            valid().replace(r#""output_tokens_details":{"reasoning_tokens":0},"#, ""),
        ),
        (
            "frame after terminal",
            valid() + &completed(7, DONE_ITEM, USAGE),
        ),
        (
            "error without response.failed",
            head()
                + &frame(
                    "error",
                    r#"{"type":"error","sequence_number":2,"code":"x","message":"m"}"#,
                )
                + &completed(3, "", USAGE),
        ),
        ("not JSON", head() + "event: x\ndata: {nope\n\n"),
    ];
    for (what, sse) in cases {
        assert!(is_well_formed(&sse).is_err(), "accepted: {what}\n{sse}");
    }
}

#[test]
fn accepts_error_then_failed() {
    let sse = head()
        + &item("response.output_item.added", 2, 0, "in_progress")
        + &frame(
            "error",
            r#"{"type":"error","sequence_number":3,"code":"server_error","message":"m"}"#,
        )
        + &frame(
            "response.failed",
            r#"{"type":"response.failed","sequence_number":4,"response":{"id":"resp_1","status":"failed","output":[],"error":{"code":"server_error","message":"m"}}}"#,
        );
    assert_eq!(is_well_formed(&sse), Ok(()));
}
