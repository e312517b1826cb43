//! Server-sent events: framing, fault injection and the streaming body.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use http::{HeaderValue, Response, header};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use serde_json::Value;

use crate::body::{Body, BoxError};
use crate::script::Fault;

/// One SSE frame `event: <name>\ndata: <json>\n\n`.
pub fn named(event: &str, data: &Value) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// One SSE frame `data: <json>\n\n`.
pub fn data(data: &Value) -> Bytes {
    Bytes::from(format!("data: {data}\n\n"))
}

/// One SSE frame `data: <text>\n\n` with literal text.
pub fn data_text(text: &str) -> Bytes {
    Bytes::from(format!("data: {text}\n\n"))
}

/// What the streaming body does next.
#[derive(Debug)]
enum Step {
    Send(Bytes),
    Sleep(u64),
    Die,
}

/// Builds a protocol's in-stream error frame from (frames sent before it, error type, message).
pub type ErrorFrame<'a> = dyn Fn(usize, Option<&str>, Option<&str>) -> Bytes + 'a;

/// The in-stream pieces of a protocol a fault may need.
pub struct FaultFrames<'a> {
    /// A frame whose data is not JSON.
    pub malformed: Bytes,
    /// Builds the protocol's in-stream error frame.
    pub error: &'a ErrorFrame<'a>,
}

/// Plans the body: `frames` with `delay_ms` between them, and `fault` applied.
fn plan(
    mut frames: Vec<Bytes>,
    fault: Option<&Fault>,
    delay_ms: u64,
    faults: &FaultFrames<'_>,
) -> VecDeque<Step> {
    let at = |events: u32| (events as usize).min(frames.len());
    let mut stall: Option<(usize, u64)> = None;
    let mut die = false;
    match fault {
        Some(Fault::DieAfterEvents { events }) => {
            frames.truncate(at(*events));
            die = true;
        }
        Some(Fault::StallAfterEvents { events, ms }) => stall = Some((at(*events), *ms)),
        Some(Fault::MalformedAfterEvents { events }) => {
            let n = at(*events);
            frames.insert(n, faults.malformed.clone());
        }
        Some(Fault::ErrorEventAfterEvents {
            events,
            error_type,
            message,
        }) => {
            let n = at(*events);
            frames.truncate(n);
            frames.push((faults.error)(n, error_type.as_deref(), message.as_deref()));
        }
        Some(Fault::Status { .. } | Fault::StallBeforeHeaders { .. }) | None => {}
    }
    let mut steps = VecDeque::with_capacity(frames.len() * 2 + 2);
    for (i, frame) in frames.into_iter().enumerate() {
        if stall.is_some_and(|(n, _)| n == i) {
            steps.push_back(Step::Sleep(stall.map_or(0, |(_, ms)| ms)));
        } else if i > 0 && delay_ms > 0 {
            steps.push_back(Step::Sleep(delay_ms));
        }
        steps.push_back(Step::Send(frame));
    }
    if let Some((n, ms)) = stall
        && n >= steps.iter().filter(|s| matches!(s, Step::Send(_))).count()
    {
        steps.push_back(Step::Sleep(ms));
    }
    if die {
        steps.push_back(Step::Die);
    }
    steps
}

/// A `200 text/event-stream` response that sends `frames` as planned.
pub fn response(
    frames: Vec<Bytes>,
    fault: Option<&Fault>,
    delay_ms: u64,
    faults: &FaultFrames<'_>,
) -> Response<Body> {
    let steps = plan(frames, fault, delay_ms, faults);
    let body = stream::unfold(steps, |mut steps| async move {
        loop {
            match steps.pop_front()? {
                Step::Sleep(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                Step::Send(bytes) => return Some((Ok(Frame::data(bytes)), steps)),
                Step::Die => {
                    // Let hyper flush what was sent so far before the connection breaks.
                    tokio::task::yield_now().await;
                    steps.clear();
                    let error: BoxError = "emulated connection drop".into();
                    return Some((Err(error), steps));
                }
            }
        }
    });
    let mut response = Response::new(StreamBody::new(body).boxed_unsync());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(n: usize) -> Vec<Bytes> {
        (0..n).map(|i| Bytes::from(format!("f{i}"))).collect()
    }

    fn describe(steps: &VecDeque<Step>) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                Step::Send(b) => String::from_utf8_lossy(b).into_owned(),
                Step::Sleep(ms) => format!("sleep{ms}"),
                Step::Die => "die".into(),
            })
            .collect()
    }

    fn error_frame(n: usize, _: Option<&str>, _: Option<&str>) -> Bytes {
        Bytes::from(format!("err{n}"))
    }

    fn faults() -> FaultFrames<'static> {
        FaultFrames {
            malformed: Bytes::from_static(b"bad"),
            error: &error_frame,
        }
    }

    #[test]
    fn plans_faults() {
        let f = faults();
        let die = plan(frames(3), Some(&Fault::die_after(2)), 0, &f);
        assert_eq!(describe(&die), ["f0", "f1", "die"]);
        let stall = plan(frames(3), Some(&Fault::stall_after(1, 50)), 5, &f);
        assert_eq!(describe(&stall), ["f0", "sleep50", "f1", "sleep5", "f2"]);
        let stall_end = plan(frames(2), Some(&Fault::stall_after(9, 50)), 0, &f);
        assert_eq!(describe(&stall_end), ["f0", "f1", "sleep50"]);
        let bad = plan(frames(3), Some(&Fault::malformed_after(1)), 0, &f);
        assert_eq!(describe(&bad), ["f0", "bad", "f1", "f2"]);
        let err = plan(frames(3), Some(&Fault::error_event_after(2)), 0, &f);
        assert_eq!(describe(&err), ["f0", "f1", "err2"]);
        let over = plan(frames(2), Some(&Fault::die_after(7)), 0, &f);
        assert_eq!(describe(&over), ["f0", "f1", "die"]);
    }
}
