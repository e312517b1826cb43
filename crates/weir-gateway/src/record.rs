//! What the gateway tells the ledger about an exchange: a start entry, durable before the request
//! leaves, and a finish entry, durable before the client gets the answer's last byte (the
//! contract is in `weir_ledger::writer`).
//!
//! A [`Recording`] follows one exchange. The attempt loop notes each vendor the request is sent
//! to; whoever releases the answer's last byte (the non-streaming path, or the stream's body)
//! finishes it. A recording dropped unfinished (the client went away) writes an `interrupted`
//! entry on its own.
//!
//! Content is kept according to the retention mode; vendor keys never are: an attempt records
//! only a key's fingerprint.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use weir_config::{ApiKey, OnLedgerFailure, Retention};
use weir_ledger::content::{self, Tree};
use weir_ledger::{
    Attempt, AttemptResult, Block, Client, Content, Draft, Event, Finish, Latency, Ledger, Outcome,
    Start, Target, Tokens,
};
use weir_protocol::{ApiError, ErrorKind, Protocol};

/// The gateway's side of the ledger.
pub struct Recorder {
    ledger: Option<Ledger>,
    retention: Retention,
    on_failure: OnLedgerFailure,
    node: String,
}

impl Recorder {
    /// A recorder writing to `ledger` (`None`: the ledger is switched off).
    pub fn new(
        ledger: Option<Ledger>,
        retention: Retention,
        on_failure: OnLedgerFailure,
        node: String,
    ) -> Recorder {
        Recorder {
            ledger,
            retention,
            on_failure,
            node,
        }
    }

    /// The ledger, if one is kept.
    pub fn ledger(&self) -> Option<&Ledger> {
        self.ledger.as_ref()
    }

    /// Writes the one entry of a forward-proxy connection. The error (ledger down, failing
    /// closed) is the message for the client.
    pub async fn tunnel(&self, id: &str, tunnel: weir_ledger::Tunnel) -> Result<(), String> {
        let Some(ledger) = &self.ledger else {
            return Ok(());
        };
        let draft = Draft {
            at_ms: weir_ledger::writer::now_ms(),
            exchange: id.to_owned(),
            event: Event::Tunnel(Box::new(tunnel)),
        };
        match ledger.append(vec![draft], Vec::new()).await {
            Ok(()) => Ok(()),
            Err(e) if self.on_failure == OnLedgerFailure::Open => {
                tracing::error!(request_id = id, error = %e, "opening a tunnel the ledger could not record (on_ledger_failure = \"open\")");
                Ok(())
            }
            Err(e) => Err(format!(
                "weir: {e}, so the connection was not opened (the ledger fails closed)"
            )),
        }
    }

    /// Writes the start of an exchange. In fail-closed mode an error here means the request
    /// must not leave; the error is the one to answer with.
    pub async fn start(&self, facts: StartFacts<'_>) -> Result<Arc<Recording>, ApiError> {
        let started = Instant::now();
        let mut blocks = Vec::new();
        // The client's own request is kept in full mode only; in redacted mode what left is.
        let request = keep(self.retention, facts.body, Keep::Request, &mut blocks);
        let start = Start {
            node: self.node.clone(),
            client: facts.client,
            user: facts.user.and_then(named),
            project: facts.project.and_then(named),
            protocol: facts.protocol.to_string(),
            path: facts.path.to_owned(),
            model: facts.model.to_owned(),
            stream: facts.stream,
            route: facts.route.to_owned(),
            targets: facts.targets,
            request,
        };
        let recording = Arc::new(Recording {
            ledger: self.ledger.clone(),
            retention: self.retention,
            id: facts.id.to_owned(),
            protocol: facts.protocol,
            request: (facts.body.clone(), request),
            started,
            findings: facts.findings,
            decisions: facts.decisions,
            state: Mutex::new(State::default()),
        });
        let Some(ledger) = &self.ledger else {
            return Ok(recording);
        };
        let draft = Draft {
            at_ms: weir_ledger::writer::now_ms(),
            exchange: facts.id.to_owned(),
            event: Event::Start(Box::new(start)),
        };
        match ledger.append(vec![draft], blocks).await {
            Ok(()) => Ok(recording),
            Err(e) if self.on_failure == OnLedgerFailure::Open => {
                tracing::error!(request_id = facts.id, error = %e, "sending a request the ledger could not record (on_ledger_failure = \"open\")");
                Ok(recording)
            }
            Err(e) => {
                // Nothing was recorded, so nothing must be finished either.
                recording.lock().finished = true;
                Err(ApiError::new(
                    ErrorKind::Unavailable,
                    format!(
                        "weir: {e}, so the request was not sent (the ledger fails closed). \
                         Check the ledger's database (disk space, permissions, connection); weir \
                         retries on every request. To send requests unrecorded while the ledger \
                         is down, set on_ledger_failure = \"open\" in [ledger]"
                    ),
                ))
            }
        }
    }
}

/// Which content is being kept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// The client's request as it arrived.
    Request,
    /// A body that left for a vendor.
    Sent,
    /// The answer as the client got it.
    Answer,
}

/// The ledger's reference to `body` under `retention`, adding the blocks to store to `blocks`.
/// Credentials in it are masked first (`weir_ledger::mask`): what is hashed and stored never
/// holds one.
fn keep(retention: Retention, body: &[u8], what: Keep, blocks: &mut Vec<Block>) -> Content {
    let bytes = body.len() as u64;
    if retention == Retention::None {
        return Content {
            digest: None,
            bytes,
            stored: false,
        };
    }
    let body = &*weir_ledger::mask::mask(body);
    let tree = || -> Tree {
        match what {
            Keep::Answer => content::split_chunks(body),
            Keep::Request | Keep::Sent => content::split(body),
        }
    };
    let (digest, stored) = match (retention, what) {
        (Retention::None, _) => (None, false),
        (Retention::HashesOnly, _) | (Retention::Redacted, Keep::Request) => {
            (Some(tree().root), false)
        }
        (Retention::Full | Retention::Redacted, _) => {
            let t = tree();
            blocks.extend(t.blocks);
            (Some(t.root), true)
        }
    };
    Content {
        digest,
        bytes,
        stored,
    }
}

/// What the start entry says.
pub struct StartFacts<'a> {
    /// weir's request id.
    pub id: &'a str,
    /// The client's protocol.
    pub protocol: Protocol,
    /// The path it called.
    pub path: &'a str,
    /// The model it asked for.
    pub model: &'a str,
    /// Whether it asked for a stream.
    pub stream: bool,
    /// The route that matched.
    pub route: &'a str,
    /// Where the request may go.
    pub targets: Vec<Target>,
    /// The user, as the client named it.
    pub user: Option<&'a str>,
    /// The project: the one the policy matched, else the one the client named.
    pub project: Option<&'a str>,
    /// The tool that sent it, as inspection identified it.
    pub client: Client,
    /// Its body, as the ledger may keep it (redacted).
    pub body: &'a Bytes,
    /// What the data-loss scan and inspection found in it.
    pub findings: Vec<weir_ledger::Finding>,
    /// What the policy decided, as the ledger keeps it (empty without a policy).
    pub decisions: Vec<weir_ledger::Decision>,
}

/// One exchange being recorded.
pub struct Recording {
    ledger: Option<Ledger>,
    retention: Retention,
    id: String,
    protocol: Protocol,
    /// The client's body and what the start entry says of it: a body sent unchanged is
    /// not split and hashed a second time.
    request: (Bytes, Content),
    started: Instant,
    findings: Vec<weir_ledger::Finding>,
    decisions: Vec<weir_ledger::Decision>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    attempts: Vec<Attempt>,
    blocks: Vec<Block>,
    finished: bool,
    first_byte_ms: Option<u64>,
}

/// How the answer reached the client, for the finish entry.
pub struct Ending<'a> {
    /// How it ended.
    pub outcome: Outcome,
    /// The HTTP status the client got.
    pub status: u16,
    /// The error the client got.
    pub error: Option<&'a ApiError>,
    /// What the client got: a JSON body or an event stream.
    pub answer: &'a [u8],
    /// Whether `answer` is an event stream.
    pub streamed: bool,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording").field("id", &self.id).finish()
    }
}

impl Recording {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes that `body` is about to leave for `target`.
    pub fn sent(&self, target: Target, protocol: Protocol, key: Option<&ApiKey>, body: &Bytes) {
        let (request, kept) = &self.request;
        let unchanged = body.as_ptr() == request.as_ptr() && body.len() == request.len();
        let mut blocks = Vec::new();
        // In redacted mode the request itself was not stored, so what left must be.
        let sent = if unchanged && self.retention != Retention::Redacted {
            *kept
        } else {
            keep(self.retention, body, Keep::Sent, &mut blocks)
        };
        let mut state = self.lock();
        state.blocks.extend(blocks);
        state.attempts.push(Attempt {
            target,
            protocol: protocol.to_string(),
            key: key.map(ApiKey::fingerprint),
            result: AttemptResult::Failed,
            status: None,
            sent,
            received: 0,
            first_byte_ms: None,
        });
    }

    /// Notes the vendor's response headers for the last attempt.
    pub fn answered(&self, status: u16) {
        let ms = self.started.elapsed().as_millis() as u64;
        let mut state = self.lock();
        state.first_byte_ms = Some(ms);
        if let Some(a) = state.attempts.last_mut() {
            a.status = Some(status);
            a.first_byte_ms = Some(ms);
        }
    }

    /// Notes how the last attempt ended and how many bytes it received.
    pub fn settle(&self, result: AttemptResult, received: u64) {
        if let Some(a) = self.lock().attempts.last_mut() {
            a.result = result;
            a.received += received;
        }
    }

    /// Whether the last attempt got an answer from its vendor (an HTTP status).
    pub fn vendor_answered(&self) -> bool {
        self.lock()
            .attempts
            .last()
            .is_some_and(|a| a.status.is_some())
    }

    /// Whether any attempt reached a vendor before this one.
    pub fn failed_over(&self) -> bool {
        self.lock()
            .attempts
            .iter()
            .any(|a| a.result == AttemptResult::FailedOver)
    }

    /// Writes the finish entry; in strict mode it is durable when this returns. A failure is
    /// logged: the answer exists by now, and withholding it would lose it.
    pub async fn finish(&self, ending: Ending<'_>) {
        let (draft, blocks) = {
            let mut state = self.lock();
            if state.finished {
                return;
            }
            state.finished = true;
            let mut blocks = std::mem::take(&mut state.blocks);
            let response = keep(self.retention, ending.answer, Keep::Answer, &mut blocks);
            let usage = if ending.streamed {
                weir_protocol::usage::of_stream(self.protocol, ending.answer)
            } else if ending.error.is_none() {
                weir_protocol::usage::of_answer(self.protocol, ending.answer)
            } else {
                None
            };
            let finish = Finish {
                outcome: ending.outcome,
                status: ending.status,
                error: ending.error.map(|e| {
                    String::from_utf8_lossy(&weir_ledger::mask::mask(e.message.as_bytes()))
                        .into_owned()
                }),
                attempts: std::mem::take(&mut state.attempts),
                response,
                tokens: usage.map(|u| Tokens {
                    input: u.total_input(),
                    output: u.output,
                    cache_read: u.cache_read,
                    cache_write: u.cache_write,
                }),
                latency: Latency {
                    first_byte_ms: state.first_byte_ms,
                    total_ms: self.started.elapsed().as_millis() as u64,
                },
                findings: self.findings.clone(),
                decisions: self.decisions.clone(),
            };
            let draft = Draft {
                at_ms: weir_ledger::writer::now_ms(),
                exchange: self.id.clone(),
                event: Event::Finish(Box::new(finish)),
            };
            (draft, blocks)
        };
        if let Some(ledger) = &self.ledger {
            if let Err(e) = ledger.append(vec![draft], blocks).await {
                tracing::error!(request_id = %self.id, error = %e, "the ledger could not record how an exchange ended");
            }
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if state.finished {
            return;
        }
        if let Some(ledger) = &self.ledger {
            ledger.append_detached(
                vec![Draft {
                    at_ms: weir_ledger::writer::now_ms(),
                    exchange: self.id.clone(),
                    event: Event::Interrupted {
                        reason: "the client went away before the answer was complete".into(),
                    },
                }],
                Vec::new(),
            );
        }
    }
}

/// A short identifying header, with anything credential-shaped masked.
/// A name the client chose, as the ledger keeps it: trimmed, at most 200 bytes, anything
/// shaped like a credential masked.
fn named(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty() && v.len() <= 200)
        .then(|| String::from_utf8_lossy(&weir_ledger::mask::mask(v.as_bytes())).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_decides_what_is_kept() {
        let body = br#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#;
        let mut blocks = Vec::new();
        let full = keep(Retention::Full, body, Keep::Request, &mut blocks);
        assert!(full.stored && full.digest.is_some() && !blocks.is_empty());
        let mut blocks = Vec::new();
        let redacted = keep(Retention::Redacted, body, Keep::Request, &mut blocks);
        assert!(!redacted.stored && redacted.digest == full.digest && blocks.is_empty());
        let sent = keep(Retention::Redacted, body, Keep::Sent, &mut blocks);
        assert!(sent.stored && !blocks.is_empty());
        let mut blocks = Vec::new();
        let hashes = keep(Retention::HashesOnly, body, Keep::Sent, &mut blocks);
        assert!(!hashes.stored && hashes.digest.is_some() && blocks.is_empty());
        let none = keep(Retention::None, body, Keep::Sent, &mut blocks);
        assert_eq!(
            (none.digest, none.stored, none.bytes),
            (None, false, body.len() as u64)
        );
    }
}
