//! Canonical [`Response`] → the response object a Responses client reads (protocols.md §3.1).

use super::ids;
use super::wire::{
    CustomToolCallItem, Echo, FunctionCallItem, MessageItem, OutputContent, OutputItem,
    ReasoningItem, ResponseObject,
};
use crate::canonical::{Part, Reply, Response, StopReason, ToolCall, ToolKind};

/// Writes `resp` as a Responses response object for the client `reply` describes.
///
/// The object has every field of OpenAI's, in its order; the request parameters are echoed from
/// the client's own request, the model is the client's name for it and `created_at` is
/// `reply.created`. Output items: reasoning (`encrypted_content` = the tagged signature, only
/// when the client asked for `reasoning.encrypted_content`; reasoning with neither text nor
/// such content, and redacted reasoning, are left out), one assistant message per run of text
/// (its parts `refusal` parts when the answer is a refusal), and one `function_call` per call —
/// or a `custom_tool_call` with the unwrapped input for a tool the client declared `custom`.
pub fn encode_response(resp: &Response, reply: &Reply) -> Vec<u8> {
    let id = ids::response_id(&resp.id);
    let echo = Echo::new(&reply.request);
    let refusal = resp.stop == StopReason::Refusal;
    let mut output: Vec<OutputItem> = Vec::new();
    let mut texts: Vec<OutputContent> = Vec::new();
    let flush = |texts: &mut Vec<OutputContent>, output: &mut Vec<OutputItem>| {
        if !texts.is_empty() {
            let item_id = ids::message_item_id(&id, output.len());
            output.push(OutputItem::Message(MessageItem::new(
                item_id,
                "completed",
                std::mem::take(texts),
            )));
        }
    };
    for part in &resp.content {
        match part {
            Part::Text { text, .. } if text.is_empty() => {}
            Part::Text { text, .. } if refusal => texts.push(OutputContent::Refusal {
                refusal: text.clone(),
            }),
            Part::Text { text, .. } => texts.push(OutputContent::text(text)),
            Part::Reasoning(r) => {
                flush(&mut texts, &mut output);
                let encrypted = r
                    .signature
                    .as_ref()
                    .filter(|_| reply.request.include_encrypted_reasoning)
                    .map(|s| s.to_client());
                if r.text.is_empty() && encrypted.is_none() {
                    continue;
                }
                // Derived like the stream's, not the vendor's `rs_…`: weir never sends item ids
                // back to a vendor, and a foreign vendor's ids mean nothing to the client.
                let item_id = ids::reasoning_item_id(&id, output.len());
                output.push(OutputItem::Reasoning(ReasoningItem::new(
                    item_id, &r.text, encrypted,
                )));
            }
            Part::ToolCall(call) => {
                flush(&mut texts, &mut output);
                output.push(call_item(call, reply));
            }
            Part::Image { .. } | Part::Document { .. } | Part::ToolResult(_) => {}
        }
    }
    flush(&mut texts, &mut output);
    let object = ResponseObject::new(&id, &reply.model, reply.created, &echo).finished(
        resp.stop,
        &output,
        &resp.usage,
    );
    serde_json::to_vec(&object).unwrap_or_default()
}

/// A finished call as the client sees it: under its client name, as a custom tool call when
/// the call is custom or the client declared the tool `custom`.
pub(crate) fn call_item(call: &ToolCall, reply: &Reply) -> OutputItem {
    let name = reply.client_tool_name(&call.name);
    let custom_input = match call.kind {
        ToolKind::Custom { .. } => Some(call.arguments.clone()),
        ToolKind::Function if reply.is_custom_tool(name) => {
            Some(ids::unwrap_custom_input(&call.arguments))
        }
        ToolKind::Function => None,
    };
    match custom_input {
        Some(input) => OutputItem::CustomToolCall(CustomToolCallItem {
            id: ids::custom_item_id(&call.id),
            kind: "custom_tool_call",
            status: "completed",
            call_id: call.id.clone(),
            input,
            name: name.to_owned(),
        }),
        None => OutputItem::FunctionCall(FunctionCallItem {
            id: ids::function_item_id(&call.id),
            kind: "function_call",
            status: "completed",
            arguments: call.arguments.clone(),
            call_id: call.id.clone(),
            name: name.to_owned(),
        }),
    }
}
