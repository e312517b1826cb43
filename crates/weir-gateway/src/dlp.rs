//! Data-loss prevention on the request path: the client's body scanned before anything leaves,
//! and each finding handled as `[dlp]` says (redact, block, reroute, allow).
//!
//! Redaction replaces each finding with a placeholder from the vault (stable per client, so a
//! resent conversation stays byte-identical) and hands the exchange the placeholders to restore
//! in the answer ([`crate::restore`]). A block answers with an error naming the rule and where,
//! never the value. What the ledger records of the request is the redacted body; the vault is
//! never recorded.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http::HeaderMap;
use sha2::{Digest, Sha256};
use weir_config::{Action, DlpSettings};
use weir_detect::body::{self, Located, Memo};
use weir_detect::vault::{Originals, Scope, Vault};
use weir_detect::{Category, Detector, RuleError};
use weir_protocol::{ApiError, ErrorKind};

/// Bodies larger than this are scanned off the async workers.
const BLOCKING_SCAN: usize = 256 * 1024;

/// String values remembered per generation.
const MEMO_VALUES: usize = 200_000;

/// The scanner, its memo and the vault, shared by all requests.
pub struct Dlp {
    settings: DlpSettings,
    detector: Arc<Detector>,
    memo: Memo,
    vault: Mutex<Vault>,
}

/// What the scan of one request decided.
#[derive(Debug, Default)]
pub struct Inspection {
    /// The body to send instead of the client's (placeholders in place of findings).
    pub redacted: Option<Bytes>,
    /// The body the ledger may keep: redacted, and blocked values masked.
    pub recorded: Option<Bytes>,
    /// The placeholders to restore in the answer.
    pub originals: Option<Arc<Originals>>,
    /// What was found, for the ledger.
    pub findings: Vec<weir_ledger::Finding>,
    /// Whether the request must go to the `reroute` route.
    pub reroute: bool,
    /// Why the request is refused, if it is.
    pub block: Option<ApiError>,
}

impl Dlp {
    /// Compiles the built-in rules and the organisation's own.
    pub fn new(settings: DlpSettings) -> Result<Dlp, RuleError> {
        let detector = weir_detect::builtin::detector(settings.custom.clone())?;
        let mut key = [0u8; 32];
        let mut seed = [0u8; 8];
        // Without randomness placeholders would be guessable; fall back to time-derived bytes
        // only if the OS refuses (never on supported systems).
        if getrandom::fill(&mut key).is_err() || getrandom::fill(&mut seed).is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            key = Sha256::digest(t.to_le_bytes()).into();
            seed.copy_from_slice(&key[..8]);
        }
        Ok(Dlp {
            vault: Mutex::new(Vault::new(key, settings.vault_ttl)),
            memo: Memo::new(u64::from_le_bytes(seed), MEMO_VALUES),
            detector: Arc::new(detector),
            settings,
        })
    }

    /// Whether requests are scanned.
    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// How many rules are active.
    pub fn rules(&self) -> usize {
        self.detector.rules().len()
    }

    /// Scans `body`. A body that cannot be scanned is refused (nothing leaves unscanned): the
    /// error is the one to answer with.
    pub async fn scan(self: &Arc<Self>, body: &Bytes) -> Result<Scanned, ApiError> {
        if !self.settings.enabled {
            return Ok(Scanned::default());
        }
        if body.len() > BLOCKING_SCAN {
            let this = Arc::clone(self);
            let b = body.clone();
            match tokio::task::spawn_blocking(move || this.find(&b)).await {
                Ok(found) => found,
                Err(_) => Err(refused("the scan of this request failed")),
            }
        } else {
            self.find(body)
        }
    }

    fn find(&self, body: &Bytes) -> Result<Scanned, ApiError> {
        let found = match body::scan(&self.detector, Some(&self.memo), body) {
            Ok((found, _cost)) => found,
            Err(e) => {
                return Err(refused(&format!(
                    "the request body could not be scanned ({e})"
                )));
            }
        };
        let mut hits: Vec<Hit> = found
            .into_iter()
            .map(|l| {
                let rule = &self.detector.rules()[l.rule];
                Hit {
                    id: rule.id().to_owned(),
                    name: rule.name().to_owned(),
                    category: rule.category(),
                    located: l,
                }
            })
            .collect();
        hits.extend(self.sensitive_files(body));
        Ok(Scanned { hits })
    }

    /// Acts on what [`Dlp::scan`] found in `body`: each finding gets the action `policy` gives
    /// its category, else the one `[dlp]` gives its rule.
    pub fn act(
        &self,
        headers: &HeaderMap,
        body: &Bytes,
        scanned: Scanned,
        policy: &dyn Fn(Category) -> Option<Action>,
    ) -> Inspection {
        let scope = scope_of(headers);
        let hits = scanned.hits;
        let mut inspection = Inspection::default();
        let mut acted: Vec<(Hit, Action)> = Vec::new();
        for hit in hits {
            let Some(action) =
                policy(hit.category).or_else(|| self.settings.action(&hit.id, hit.category))
            else {
                continue;
            };
            inspection.findings.push(weir_ledger::Finding {
                rule: hit.id.clone(),
                category: hit.category.as_str().to_owned(),
                location: hit.located.path.clone(),
                action: match action {
                    Action::Allow => "reported",
                    Action::Redact => "redacted",
                    Action::Reroute => "rerouted",
                    Action::Block => "blocked",
                }
                .to_owned(),
            });
            acted.push((hit, action));
        }
        if acted.is_empty() {
            return inspection;
        }
        let blocked: Vec<&Hit> = acted
            .iter()
            .filter(|(_, a)| *a == Action::Block)
            .map(|(h, _)| h)
            .collect();
        if !blocked.is_empty() {
            let mut reasons: Vec<String> = blocked
                .iter()
                .map(|h| format!("{} (rule {}) in {}", h.name, h.id, h.located.path))
                .collect();
            reasons.dedup();
            let n = reasons.len();
            reasons.truncate(5);
            let more = if n > 5 {
                format!(" and {} more", n - 5)
            } else {
                String::new()
            };
            inspection.block = Some(
                ApiError::new(
                    ErrorKind::PermissionDenied,
                    format!(
                        "weir blocked this request: it contains {}{more}. Remove it from the \
                         conversation, or change the action for this rule in the [dlp] table of \
                         weir.toml",
                        reasons.join("; ")
                    ),
                )
                .with_code("weir_dlp_blocked"),
            );
            // The ledger keeps the request with every finding masked.
            let all: Vec<Located> = settle(acted.iter().map(|(h, _)| h.located.clone()).collect());
            let ids: Vec<(std::ops::Range<usize>, String)> = acted
                .iter()
                .map(|(h, _)| (h.located.raw.clone(), h.id.clone()))
                .collect();
            let masked = body::splice(body, &all, |l| {
                let id = ids
                    .iter()
                    .find(|(r, _)| *r == l.raw)
                    .map_or("", |(_, id)| id.as_str());
                format!("[BLOCKED:{id}]").into_bytes()
            });
            inspection.recorded = Some(Bytes::from(masked));
            return inspection;
        }
        inspection.reroute = acted.iter().any(|(_, a)| *a == Action::Reroute);
        let to_redact: Vec<(Located, String)> = acted
            .iter()
            .filter(|(_, a)| *a == Action::Redact)
            .map(|(h, _)| (h.located.clone(), h.id.clone()))
            .collect();
        if !to_redact.is_empty() {
            let now = Instant::now();
            let mut vault = self.vault.lock().unwrap_or_else(|e| e.into_inner());
            let spans = settle(to_redact.iter().map(|(l, _)| l.clone()).collect());
            let redacted = body::splice(body, &spans, |l| {
                let id = to_redact
                    .iter()
                    .find(|(r, _)| r.raw == l.raw)
                    .map_or("redacted", |(_, id)| id.as_str());
                vault.placeholder(scope, id, &l.secret, now)
            });
            inspection.originals = Some(vault.originals(scope, now));
            let redacted = Bytes::from(redacted);
            inspection.redacted = Some(redacted.clone());
            inspection.recorded = Some(redacted);
        }
        inspection
    }

    /// Tool results that carry a file the `paths` list names, each as one finding covering the
    /// result's text.
    fn sensitive_files(&self, body: &[u8]) -> Vec<Hit> {
        let results = weir_detect::paths::sensitive_results(body, &self.settings.paths);
        if results.is_empty() {
            return Vec::new();
        }
        let mut hits = Vec::new();
        let mut decoded = Vec::new();
        let _ = weir_detect::json::strings(body, |path, range| {
            let rendered = weir_detect::json::render(body, path);
            let Some(r) = results.iter().find(|r| {
                rendered == r.location
                    || (rendered.starts_with(&r.location)
                        && rendered[r.location.len()..].starts_with('[')
                        && rendered.ends_with(".text"))
            }) else {
                return;
            };
            weir_detect::json::decode(&body[range.clone()], &mut decoded, None);
            hits.push(Hit {
                id: "sensitive-file".to_owned(),
                name: format!("The content of {}", r.file),
                category: Category::Path,
                located: Located {
                    rule: usize::MAX,
                    path: rendered,
                    raw: range,
                    secret: decoded.clone(),
                },
            });
        });
        hits
    }
}

/// What the scan of one request found, before anything is done about it.
#[derive(Debug, Default)]
pub struct Scanned {
    hits: Vec<Hit>,
}

impl Scanned {
    /// The category of every finding, once each.
    pub fn categories(&self) -> Vec<Category> {
        let mut out: Vec<Category> = Vec::new();
        for h in &self.hits {
            if !out.contains(&h.category) {
                out.push(h.category);
            }
        }
        out
    }
}

/// A finding with what policy needs to know of its rule.
#[derive(Debug, Clone)]
struct Hit {
    id: String,
    name: String,
    category: Category,
    located: Located,
}

/// Spans to splice, without overlaps: a finding inside a larger one (a key inside a redacted
/// file) goes with the larger one.
fn settle(mut spans: Vec<Located>) -> Vec<Located> {
    spans.sort_by_key(|l| (l.raw.start, std::cmp::Reverse(l.raw.end)));
    let mut out: Vec<Located> = Vec::with_capacity(spans.len());
    for l in spans {
        match out.last() {
            Some(last) if l.raw.start < last.raw.end => {}
            _ => out.push(l),
        }
    }
    out
}

fn refused(why: &str) -> ApiError {
    ApiError::new(
        ErrorKind::InvalidRequest,
        format!("weir: {why}; it was not sent"),
    )
}

/// The client a placeholder belongs to: its credential and declared user, hashed.
fn scope_of(headers: &HeaderMap) -> Scope {
    let mut h = Sha256::new();
    for name in [
        "authorization",
        "x-api-key",
        "x-goog-api-key",
        "x-weir-user",
    ] {
        h.update(name.as_bytes());
        h.update([0]);
        if let Some(v) = headers.get(name) {
            h.update(v.as_bytes());
        }
        h.update([0]);
    }
    let d = h.finalize();
    let mut s = [0u8; 16];
    s.copy_from_slice(&d[..16]);
    Scope(s)
}
