//! Inspection on the request path: which tool sent the request, what it discloses about the
//! machine and the person, the hidden markers in it, and the rewrite `[inspect]` asks for,
//! done before the request is scanned for secrets, recorded, and sent.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use sha2::{Digest, Sha256};
use weir_config::InspectSettings;
use weir_detect::environ::FactKind;
use weir_detect::inspect::{self, Kind, Treatment};
use weir_detect::{Field, Request};
use weir_ledger::{Client, Finding};

/// Bodies at least this large are inspected off the async workers.
const BLOCKING: usize = 256 * 1024;
/// Fields named per kind in a ledger finding; the rest are counted.
const FIELDS_NAMED: usize = 3;

/// The inspection stage, shared by every request.
pub struct Inspector {
    settings: InspectSettings,
    /// The per-install key pseudonyms are derived from.
    key: [u8; 32],
}

/// The policy's say in how a request is rewritten: its data actions for the kinds found
/// (`strip`, `normalize`, `allow`) replace `[inspect.actions]` for this request. The plan is
/// decided here, once the request's working directory and remotes are known, because they
/// decide the project class whose data table applies.
#[derive(Clone)]
pub struct Plan {
    /// The policy in force (enforce mode only: in observe mode nothing is acted on).
    pub policy: Arc<weir_policy::Policy>,
    /// Today, from the gateway's clock.
    pub today: weir_policy::Date,
    /// The project the client named.
    pub project: Option<String>,
    /// The user the client named.
    pub user: Option<String>,
}

/// What inspection made of one request.
#[derive(Debug, Default)]
pub struct Inspected {
    /// The tool that sent it.
    pub client: Client,
    /// The working directory the request discloses (the first one), for deciding its project.
    /// Never recorded.
    pub cwd: Option<String>,
    /// The git remotes it discloses, for deciding its project. Never recorded.
    pub remotes: Vec<String>,
    /// The policy category of every kind found (`time-zone`, `invisible`, ...), once each.
    pub categories: Vec<&'static str>,
    /// Facts and markers, one finding per kind and treatment (the fields named, never values).
    pub findings: Vec<Finding>,
    /// The body to send instead, when a finding was stripped or normalised.
    pub body: Option<Bytes>,
}

impl Inspector {
    /// The stage for `settings`, with pseudonyms keyed by `key`.
    pub fn new(settings: InspectSettings, key: [u8; 32]) -> Inspector {
        Inspector { settings, key }
    }

    /// Loads the per-install pseudonym key from `path`, creating it (owner-only) on first use.
    /// Without a usable file the key lives in memory: pseudonyms then change on restart.
    pub fn load_key(path: &Path) -> [u8; 32] {
        if let Ok(bytes) = std::fs::read(path) {
            if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
                return key;
            }
        }
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            key = Sha256::digest(format!("{:?}", std::time::SystemTime::now())).into();
        }
        if let Err(e) = write_private(path, &key) {
            tracing::warn!(path = %path.display(), error = %e, "cannot keep the pseudonym key; pseudonyms will change when weir restarts");
        }
        key
    }

    /// The pseudonym key, handed to the inspector that replaces this one on reload.
    pub fn key(&self) -> [u8; 32] {
        self.key
    }

    /// Whether requests are inspected.
    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// The stand-in for a name or id: stable for this install, unrelated across installs, and
    /// shaped like the original where a shape matters (a UUID stays a UUID, hex stays hex, an
    /// email stays an email).
    pub fn pseudonym(&self, kind: FactKind, value: &str) -> String {
        pseudonym(&self.key, kind, value)
    }

    /// Inspects a request and rewrites it as configured, or as `plan` decides for the kinds
    /// the policy names.
    pub async fn inspect(
        self: &Arc<Self>,
        method: &str,
        path: &str,
        headers: &HeaderMap,
        body: &Bytes,
        plan: Option<Plan>,
    ) -> Inspected {
        if !self.settings.enabled {
            return Inspected::default();
        }
        let req = Request {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: header_pairs(headers),
            body: body.to_vec(),
        };
        if body.len() >= BLOCKING {
            let this = Arc::clone(self);
            tokio::task::spawn_blocking(move || this.run(&req, plan.as_ref()))
                .await
                .unwrap_or_default()
        } else {
            self.run(&req, plan.as_ref())
        }
    }

    fn run(&self, req: &Request, plan: Option<&Plan>) -> Inspected {
        let found = inspect::inspect(req);
        let client = client(&found.client);
        let fact = |kind: FactKind| found.facts.iter().filter(move |f| f.item.kind == kind);
        let cwd = fact(FactKind::WorkingDirectory)
            .next()
            .map(|f| f.item.value.clone());
        let mut remotes: Vec<String> = Vec::new();
        for f in fact(FactKind::GitRemote) {
            if !remotes.contains(&f.item.value) {
                remotes.push(f.item.value.clone());
            }
        }
        let mut categories: Vec<&'static str> = Vec::new();
        let kinds = found
            .facts
            .iter()
            .map(|f| Kind::Fact(f.item.kind))
            .chain(found.markers.iter().map(|m| Kind::Marker(m.item.kind)));
        for kind in kinds {
            if !categories.contains(&kind.as_str()) {
                categories.push(kind.as_str());
            }
        }
        let overrides = plan
            .map(|p| planned(p, &client, cwd.as_deref(), &remotes, &categories))
            .unwrap_or_default();
        let treatment = |k: Kind| {
            overrides
                .iter()
                .find(|(kind, _)| *kind == k.as_str())
                .map_or_else(|| self.settings.treatment(k), |(_, t)| *t)
        };
        let rewrite =
            if self.settings.rewrites() || overrides.iter().any(|(_, t)| *t != Treatment::Report) {
                found.rewrite(&req.body, &treatment, &|k, v| self.pseudonym(k, v))
            } else {
                None
            };
        // Per kind: where it was seen, and what was done there.
        let mut seen: BTreeMap<(Kind, Treatment), Vec<Field>> = BTreeMap::new();
        let applied: Vec<(Kind, Field)> = rewrite
            .as_ref()
            .map(|r| r.applied.iter().map(|(k, f, _)| (*k, f.clone())).collect())
            .unwrap_or_default();
        let mut note = |kind: Kind, field: &Field| {
            let t = if applied.iter().any(|(k, f)| *k == kind && f == field) {
                treatment(kind)
            } else {
                Treatment::Report
            };
            let fields = seen.entry((kind, t)).or_default();
            if !fields.contains(field) {
                fields.push(field.clone());
            }
        };
        for f in &found.facts {
            note(Kind::Fact(f.item.kind), &f.field);
        }
        for m in &found.markers {
            note(Kind::Marker(m.item.kind), &m.field);
        }
        let findings = seen
            .into_iter()
            .map(|((kind, t), fields)| {
                let mut location: Vec<String> = fields
                    .iter()
                    .take(FIELDS_NAMED)
                    .map(|f| f.to_string())
                    .collect();
                if fields.len() > FIELDS_NAMED {
                    location.push(format!("{} more", fields.len() - FIELDS_NAMED));
                }
                Finding {
                    rule: kind.as_str().to_owned(),
                    category: kind.category().to_owned(),
                    location: location.join(", "),
                    action: t.done().to_owned(),
                }
            })
            .collect();
        Inspected {
            client,
            cwd,
            remotes,
            categories,
            findings,
            body: rewrite.map(|r| Bytes::from(r.body)),
        }
    }
}

/// The treatments the policy decides for the kinds found: `strip` and `normalize` as they are,
/// `allow` and `report` as report. Other actions (`block`, `reroute`) act on the whole request
/// and are the gateway's to enforce; for those the configured treatment stays.
fn planned(
    plan: &Plan,
    client: &Client,
    cwd: Option<&str>,
    remotes: &[String],
    categories: &[&'static str],
) -> Vec<(&'static str, Treatment)> {
    use weir_policy::DataAction;
    let remotes: Vec<&str> = remotes.iter().map(String::as_str).collect();
    let facts = weir_policy::Facts {
        tool: client.tool.as_deref(),
        version: client.version.as_deref(),
        user: plan.user.as_deref(),
        project: plan.project.as_deref(),
        cwd,
        remotes: &remotes,
        findings: categories,
        ..weir_policy::Facts::default()
    };
    let decision = weir_policy::decide(&plan.policy, &facts, plan.today);
    categories
        .iter()
        .filter_map(|c| {
            let t = match decision.action(c)? {
                DataAction::Strip => Treatment::Strip,
                DataAction::Normalize => Treatment::Normalize,
                DataAction::Allow | DataAction::Report => Treatment::Report,
                _ => return None,
            };
            Some((*c, t))
        })
        .collect()
}

/// The tool behind a request of which only the headers are known (a forward-proxy request).
pub fn client_of(headers: &HeaderMap) -> Client {
    let req = Request {
        headers: header_pairs(headers),
        ..Request::default()
    };
    client(&weir_detect::identify(&req))
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

fn client(id: &weir_detect::ClientId) -> Client {
    Client {
        tool: Some(id.tool.clone()).filter(|t| t != "unknown"),
        version: id.version.clone(),
        session: id.session.clone(),
    }
}

/// See [`Inspector::pseudonym`].
fn pseudonym(key: &[u8; 32], kind: FactKind, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update(kind.as_str().as_bytes());
    h.update([0]);
    h.update(value.as_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let is_hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    let uuid_shaped = value.len() == 36
        && value.split('-').map(str::len).eq([8usize, 4, 4, 4, 12])
        && value.split('-').all(is_hex);
    if uuid_shaped {
        return format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        );
    }
    if value.len() >= 8 && value.len() <= 64 && is_hex(value) {
        return hex[..value.len()].to_owned();
    }
    let short = &hex[..8];
    match kind {
        FactKind::Email => format!("user-{short}@example.invalid"),
        FactKind::UserName => format!("user-{short}"),
        FactKind::Hostname => format!("host-{short}"),
        FactKind::GitAuthor => format!("author-{short}"),
        other => format!("{}-{short}", other.as_str()),
    }
}

fn write_private(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options.open(path)?.write_all(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ua(s: &str) -> Client {
        let mut h = HeaderMap::new();
        h.insert(http::header::USER_AGENT, s.parse().unwrap());
        client_of(&h)
    }

    #[test]
    fn tools_are_named_from_headers_alone() {
        let c = ua("claude-cli/2.1.3 (external, cli)");
        assert_eq!(
            (c.tool.as_deref(), c.version.as_deref()),
            (Some("claude-code"), Some("2.1.3"))
        );
        let c = ua("codex_cli_rs/0.169.0 (Debian 12; x86_64) xterm");
        assert_eq!(
            (c.tool.as_deref(), c.version.as_deref()),
            (Some("codex"), Some("0.169.0"))
        );
        let c = ua("Anthropic/Python 2.11.0");
        assert_eq!(
            (c.tool.as_deref(), c.version.as_deref()),
            (Some("anthropic-python"), Some("2.11.0"))
        );
        assert_eq!(
            ua("OpenAI/Python 3.52.0").tool.as_deref(),
            Some("openai-python")
        );
        assert_eq!(client_of(&HeaderMap::new()), Client::default());
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_keep_the_shape() {
        let a = [1u8; 32];
        let b = [2u8; 32];
        let p = pseudonym(&a, FactKind::UserName, "alice");
        assert_eq!(p, pseudonym(&a, FactKind::UserName, "alice"));
        assert_ne!(p, pseudonym(&b, FactKind::UserName, "alice"));
        assert!(p.starts_with("user-") && !p.contains("alice"));
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let u = pseudonym(&a, FactKind::DeviceId, id);
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
        assert_ne!(u, id);
        let h = pseudonym(&a, FactKind::InstallId, "deadbeefcafe0123");
        assert_eq!(h.len(), 16);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(pseudonym(&a, FactKind::Email, "a@b.c").ends_with("@example.invalid"));
    }
}
