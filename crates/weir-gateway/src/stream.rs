//! The body of a relayed stream after the commit barrier: the vendor's events go to the client
//! as they arrive (one read, one write; no buffering beyond the event being completed), and a
//! stream that breaks, stalls or outlives its deadline ends with the client protocol's error
//! event instead of a silent cut.
//!
//! No task is spawned per stream: the body is polled by the connection that sends it, so a
//! client that goes away drops the vendor connection with it, and a client that reads slowly
//! slows the vendor down through TCP.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use weir_protocol::relay::{RelayState, StreamRelay};
use weir_protocol::{ApiError, ErrorKind, Protocol};

use crate::body::Body;

/// A committed stream on its way to the client.
pub struct RelayStream {
    initial: Bytes,
    upstream: Incoming,
    relay: StreamRelay,
    protocol: Protocol,
    idle: Duration,
    deadline: Instant,
    vendor: String,
    done: bool,
}

impl RelayStream {
    /// `initial` holds the events read before the commit barrier; they go out first.
    pub fn new(
        initial: Bytes,
        upstream: Incoming,
        relay: StreamRelay,
        protocol: Protocol,
        idle: Duration,
        deadline: Instant,
        vendor: &str,
    ) -> Self {
        RelayStream {
            initial,
            upstream,
            relay,
            protocol,
            idle,
            deadline,
            vendor: vendor.to_owned(),
            done: false,
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

    async fn next_bytes(&mut self) -> Option<Bytes> {
        if !self.initial.is_empty() {
            return Some(std::mem::take(&mut self.initial));
        }
        loop {
            if self.done
                || matches!(
                    self.relay.state(),
                    RelayState::Finished | RelayState::VendorError
                )
            {
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
                    let flushed = self.relay.finish(&mut out);
                    let clean = matches!(
                        self.relay.state(),
                        RelayState::Finished | RelayState::VendorError
                    );
                    if flushed.is_ok() && clean {
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
                    let mut out = BytesMut::new();
                    if self.relay.feed(&data, &mut out).is_err() {
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
        tracing::warn!(vendor = %self.vendor, events = self.relay.events(), %reason, "stream ended abnormally after it started");
        // A vendor that reported an error in the stream and then went away: its own error is the
        // more useful one to pass on.
        let error = match self.relay.vendor_error() {
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
        error.stream_frame(self.protocol, &self.relay.context())
    }
}
