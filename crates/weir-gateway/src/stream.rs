//! The body of a stream after the commit barrier: the vendor's events go to the client as they
//! arrive (one read, one write; no buffering beyond the event being completed), and a stream
//! that breaks, stalls or outlives its deadline ends with the client protocol's error event
//! instead of a silent cut.
//!
//! No task is spawned per stream: the body is polled by the connection that sends it, so a
//! client that goes away drops the vendor connection with it, and a client that reads slowly
//! slows the vendor down through TCP.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use weir_protocol::relay::{RelayError, RelayState, StreamRelay};
use weir_protocol::translate::StreamTranslator;
use weir_protocol::{ApiError, ErrorKind, Protocol};

use weir_ledger::{AttemptResult, Outcome};

use crate::body::Body;
use crate::record::{Ending, Recording};

/// What turns the vendor's stream into the client's: a byte-exact relay when both speak the same
/// protocol, a translator otherwise.
// The relay stays inline: it is the hot path, and one pipe lives per stream.
#[allow(clippy::large_enum_variant)]
pub enum Pipe {
    /// Same protocol; the client's protocol is kept for weir's own error events.
    Relay(StreamRelay, Protocol),
    /// Different protocols.
    Translate(Box<StreamTranslator>),
}

impl Pipe {
    /// Feeds vendor bytes; the client's bytes go to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<(), RelayError> {
        match self {
            Pipe::Relay(r, _) => r.feed(chunk, out),
            Pipe::Translate(t) => t.feed(chunk, out),
        }
    }

    /// The vendor's stream ended.
    pub fn finish(&mut self, out: &mut BytesMut) -> Result<(), RelayError> {
        match self {
            Pipe::Relay(r, _) => r.finish(out),
            Pipe::Translate(t) => t.finish(out),
        }
    }

    /// Where the stream stands.
    pub fn state(&self) -> RelayState {
        match self {
            Pipe::Relay(r, _) => r.state(),
            Pipe::Translate(t) => t.state(),
        }
    }

    /// Events passed on so far.
    pub fn events(&self) -> u64 {
        match self {
            Pipe::Relay(r, _) => r.events(),
            Pipe::Translate(t) => t.events(),
        }
    }

    /// The vendor's in-stream error, if it reported one.
    pub fn vendor_error(&self) -> Option<&ApiError> {
        match self {
            Pipe::Relay(r, _) => r.vendor_error(),
            Pipe::Translate(t) => t.vendor_error(),
        }
    }

    /// The bytes that end the client's stream with `error`.
    fn fail(&mut self, error: ApiError) -> Bytes {
        match self {
            Pipe::Relay(r, protocol) => error.stream_frame(*protocol, &r.context()),
            Pipe::Translate(t) => t.fail(error).freeze(),
        }
    }
}

/// A committed stream on its way to the client.
pub struct RelayStream {
    initial: Bytes,
    upstream: Incoming,
    pipe: Pipe,
    idle: Duration,
    deadline: Instant,
    vendor: String,
    done: bool,
    recording: Arc<Recording>,
    /// Bytes received from the vendor so far.
    received: u64,
    /// What the client has been sent, for the ledger.
    answer: BytesMut,
    /// Why weir ended the stream itself, if it did.
    failure: Option<ApiError>,
    recorded: bool,
    /// Puts secrets back in place of the placeholders redaction left in the request.
    restore: Option<crate::restore::StreamRestore>,
}

impl RelayStream {
    /// `initial` holds the client bytes produced before the commit barrier; they go out first.
    /// `received` counts the vendor bytes read before it. The stream records the exchange's
    /// end in `recording` before it releases its last bytes.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        initial: Bytes,
        upstream: Incoming,
        pipe: Pipe,
        idle: Duration,
        deadline: Instant,
        vendor: &str,
        recording: Arc<Recording>,
        received: u64,
        restore: Option<crate::restore::StreamRestore>,
    ) -> Self {
        RelayStream {
            initial,
            upstream,
            pipe,
            idle,
            deadline,
            vendor: vendor.to_owned(),
            done: false,
            recording,
            received,
            answer: BytesMut::new(),
            failure: None,
            recorded: false,
            restore,
        }
    }

    /// The response body that drives this stream.
    pub fn into_body(self) -> Body {
        let stream = futures_util::stream::unfold(self, |mut s| async move {
            let bytes = s.next_bytes().await?;
            Some((Ok::<_, Infallible>(Frame::data(bytes)), s))
        });
        StreamBody::new(stream.boxed()).boxed_unsync()
    }

    fn ended(&self) -> bool {
        self.done
            || matches!(
                self.pipe.state(),
                RelayState::Finished | RelayState::VendorError
            )
    }

    /// The next bytes for the client; the end of the exchange is durable in the ledger before
    /// the last of them are released.
    async fn next_bytes(&mut self) -> Option<Bytes> {
        let bytes = self.next_chunk().await;
        // The ledger keeps the answer as the vendor gave it (placeholders, not secrets).
        if let Some(b) = &bytes {
            self.answer.extend_from_slice(b);
        }
        if self.ended() && !self.recorded {
            self.recorded = true;
            self.record_end().await;
        }
        let ended = self.ended();
        let Some(restore) = self.restore.as_mut() else {
            return bytes;
        };
        match bytes {
            Some(b) => {
                let mut out = BytesMut::from(&restore.feed(&b)[..]);
                if ended {
                    out.extend_from_slice(&restore.finish());
                    self.restore = None;
                }
                Some(out.freeze())
            }
            None => {
                let rest = restore.finish();
                self.restore = None;
                (!rest.is_empty()).then_some(rest)
            }
        }
    }

    async fn record_end(&mut self) {
        let vendor_error = self.pipe.vendor_error().cloned();
        let (outcome, error) = match (&self.failure, vendor_error) {
            (Some(f), _) => (Outcome::Interrupted, Some(f.clone())),
            (None, Some(v)) => (Outcome::VendorError, Some(v)),
            (None, None) if self.recording.failed_over() => (Outcome::FailedOver, None),
            (None, None) => (Outcome::Ok, None),
        };
        self.recording
            .settle(AttemptResult::Answered, self.received);
        self.recording
            .finish(Ending {
                outcome,
                status: 200,
                error: error.as_ref(),
                answer: &self.answer,
                streamed: true,
            })
            .await;
    }

    async fn next_chunk(&mut self) -> Option<Bytes> {
        if !self.initial.is_empty() {
            return Some(std::mem::take(&mut self.initial));
        }
        loop {
            if self.ended() {
                return None;
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Some(self.fail(
                    ErrorKind::Timeout,
                    "the vendor's answer took longer than the total timeout".into(),
                ));
            }
            match tokio::time::timeout(self.idle.min(left), self.upstream.frame()).await {
                Err(_) => {
                    let msg = format!(
                        "the vendor sent nothing for {}s",
                        self.idle.min(left).as_secs()
                    );
                    return Some(self.fail(ErrorKind::Timeout, msg));
                }
                Ok(None) => {
                    let mut out = BytesMut::new();
                    let flushed = self.pipe.finish(&mut out);
                    if flushed.is_ok() && self.ended() {
                        self.done = true;
                        return (!out.is_empty()).then(|| out.freeze());
                    }
                    let end = self.fail(
                        ErrorKind::BadGateway,
                        "the vendor's stream ended before the answer was complete".into(),
                    );
                    out.extend_from_slice(&end);
                    return Some(out.freeze());
                }
                Ok(Some(Err(e))) => {
                    return Some(self.fail(
                        ErrorKind::BadGateway,
                        format!("the vendor's stream broke: {e}"),
                    ));
                }
                Ok(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    self.received += data.len() as u64;
                    let mut out = BytesMut::new();
                    if self.pipe.feed(&data, &mut out).is_err() {
                        let end = self.fail(
                            ErrorKind::BadGateway,
                            "the vendor sent a malformed event".into(),
                        );
                        out.extend_from_slice(&end);
                        return Some(out.freeze());
                    }
                    if !out.is_empty() {
                        return Some(out.freeze());
                    }
                }
            }
        }
    }

    /// Ends the stream with an error event in the client's protocol.
    fn fail(&mut self, kind: ErrorKind, reason: String) -> Bytes {
        self.done = true;
        tracing::warn!(vendor = %self.vendor, events = self.pipe.events(), %reason, "stream ended abnormally after it started");
        // A vendor that reported an error in the stream and then went away: its own error is the
        // more useful one to pass on.
        let error = match self.pipe.vendor_error() {
            Some(vendor) => {
                let mut e = vendor.clone();
                e.message = format!("{} reported: {}", self.vendor, e.message);
                e
            }
            None => ApiError::new(
                kind,
                format!("weir: {reason} ({}); the answer is incomplete", self.vendor),
            ),
        };
        self.failure = Some(error.clone());
        self.pipe.fail(error)
    }
}
