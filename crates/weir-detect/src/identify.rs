//! Which coding tool sent a request, its version and its session id, from a table of signals
//! (`clients.toml`): headers, the URL path, and the shape of the body.
//!
//! Identification is data: a tool is an entry listing where it shows itself (`user-agent:
//! claude-cli/…`, an `originator` header, a `metadata.user_id` of a given shape) with a weight
//! each. The entry with the highest score wins, so a tool built on an SDK is named as the tool,
//! and a script using the SDK as the SDK. See `clients.toml` for the format.

mod select;

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::json;
use crate::request::Request;
use select::{Found, Step};

/// The table that ships with weir.
pub const BUILTIN: &str = include_str!("../clients.toml");

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId {
    /// Stable id (`claude-code`, `codex`, `openai-python`), or `unknown`.
    pub tool: String,
    /// Display name (`Claude Code`).
    pub name: String,
    /// The tool's version, when a signal carries it.
    pub version: Option<String>,
    /// The tool's session or conversation id, when it sends one.
    pub session: Option<String>,
    /// The signals that matched, as people read them: the explanation of the verdict.
    pub signals: Vec<String>,
}

impl ClientId {
    /// The verdict when nothing matched.
    fn unknown(req: &Request) -> ClientId {
        ClientId {
            tool: "unknown".to_owned(),
            name: "unknown".to_owned(),
            version: None,
            session: None,
            signals: req
                .header("user-agent")
                .map(|ua| vec![format!("no client matched; user-agent {:?}", clip(ua, 80))])
                .unwrap_or_default(),
        }
    }
}

/// Why a clients table could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    /// Not valid TOML, or not the table's format.
    #[error("clients table: {0}")]
    Format(#[from] toml::de::Error),
    /// An entry that cannot be used, named by its tool.
    #[error("clients table, client {tool:?}: {message}")]
    Invalid {
        /// The entry's `tool`.
        tool: String,
        /// What is wrong with it.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableSpec {
    client: Vec<ClientSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientSpec {
    tool: String,
    name: String,
    #[serde(default)]
    min_score: Option<i32>,
    #[serde(default)]
    signal: Vec<SignalSpec>,
    #[serde(default)]
    session: Vec<SessionSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalSpec {
    header: Option<String>,
    path: Option<String>,
    body: Option<String>,
    equals: Option<String>,
    contains: Option<String>,
    regex: Option<String>,
    #[serde(default)]
    present: Option<bool>,
    #[serde(default)]
    weight: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionSpec {
    header: Option<String>,
    body: Option<String>,
    regex: Option<String>,
    json: Option<String>,
}

/// Where a signal or session id is looked for.
#[derive(Debug, Clone)]
enum Place {
    Header(String),
    Path,
    /// Index into [`Clients::paths`].
    Body(usize),
}

/// What a signal looks for.
#[derive(Debug, Clone)]
enum Test {
    Present,
    Equals(String),
    Contains(String),
    Regex(Regex),
}

#[derive(Debug, Clone)]
struct Signal {
    place: Place,
    test: Test,
    weight: i32,
}

#[derive(Debug, Clone)]
enum Extract {
    Whole,
    Regex(Regex),
    Json(String),
}

#[derive(Debug, Clone)]
struct Session {
    place: Place,
    extract: Extract,
}

#[derive(Debug, Clone)]
struct Client {
    tool: String,
    name: String,
    min_score: i32,
    signals: Vec<Signal>,
    sessions: Vec<Session>,
}

/// A compiled clients table. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Clients {
    clients: Vec<Client>,
    /// Every body path any entry looks at, and its text (for explanations).
    paths: Vec<(String, Vec<Step>)>,
}

/// Default weight of a signal.
const WEIGHT: i32 = 10;
/// Default score a client needs.
const MIN_SCORE: i32 = 20;

static BUILTIN_CLIENTS: LazyLock<Clients> =
    LazyLock::new(|| Clients::from_toml(BUILTIN).expect("the built-in clients table is valid"));

/// Who sent `req`, by the built-in table.
pub fn identify(req: &Request) -> ClientId {
    BUILTIN_CLIENTS.identify(req)
}

impl Clients {
    /// The table that ships with weir.
    pub fn builtin() -> &'static Clients {
        &BUILTIN_CLIENTS
    }

    /// Reads and compiles a table (see `clients.toml` for the format).
    pub fn from_toml(text: &str) -> Result<Clients, ClientsError> {
        let spec: TableSpec = toml::from_str(text)?;
        let mut paths: Vec<(String, Vec<Step>)> = Vec::new();
        let mut clients = Vec::new();
        for c in spec.client {
            let invalid = |message: String| ClientsError::Invalid {
                tool: c.tool.clone(),
                message,
            };
            if c.tool.is_empty() || c.tool == "unknown" {
                return Err(invalid(
                    "`tool` must be a name other than \"unknown\"".into(),
                ));
            }
            let mut place = |header: &Option<String>,
                             path: bool,
                             body: &Option<String>|
             -> Result<Place, String> {
                match (header, path, body) {
                    (Some(h), false, None) => Ok(Place::Header(h.to_ascii_lowercase())),
                    (None, true, None) => Ok(Place::Path),
                    (None, false, Some(b)) => {
                        let steps = select::parse_path(b)
                            .ok_or_else(|| format!("body path {b:?} is not `a.b[].c`"))?;
                        let at = paths.iter().position(|(t, _)| t == b).unwrap_or_else(|| {
                            paths.push((b.clone(), steps));
                            paths.len() - 1
                        });
                        Ok(Place::Body(at))
                    }
                    _ => Err("give exactly one of `header`, `path`, `body`".into()),
                }
            };
            let mut signals = Vec::new();
            for s in &c.signal {
                let p = place(&s.header, s.path.is_some(), &s.body).map_err(invalid)?;
                let tests = [
                    s.equals.is_some(),
                    s.contains.is_some(),
                    s.regex.is_some(),
                    s.present.is_some(),
                ];
                if tests.iter().filter(|&&t| t).count() > 1 {
                    return Err(invalid(
                        "a signal takes at most one of `equals`, `contains`, `regex`, `present`"
                            .into(),
                    ));
                }
                let regex =
                    |r: &str| Regex::new(r).map_err(|e| invalid(format!("regex {r:?}: {e}")));
                let test = if let Some(path_re) = &s.path {
                    if tests.iter().any(|&t| t) {
                        return Err(invalid(
                            "a `path` signal is its own regex; it takes no other test".into(),
                        ));
                    }
                    Test::Regex(regex(path_re)?)
                } else if let Some(v) = &s.equals {
                    Test::Equals(v.clone())
                } else if let Some(v) = &s.contains {
                    Test::Contains(v.clone())
                } else if let Some(r) = &s.regex {
                    Test::Regex(regex(r)?)
                } else if s.present == Some(false) {
                    return Err(invalid("`present = false` is not a signal".into()));
                } else {
                    Test::Present
                };
                signals.push(Signal {
                    place: p,
                    test,
                    weight: s.weight.unwrap_or(WEIGHT),
                });
            }
            if signals.is_empty() {
                return Err(invalid("a client needs at least one signal".into()));
            }
            let mut sessions = Vec::new();
            for s in &c.session {
                let p = place(&s.header, false, &s.body).map_err(invalid)?;
                let extract = match (&s.regex, &s.json) {
                    (None, None) => Extract::Whole,
                    (Some(r), None) => {
                        let re = Regex::new(r).map_err(|e| invalid(format!("regex {r:?}: {e}")))?;
                        if re.capture_names().all(|n| n != Some("session")) {
                            return Err(invalid(format!(
                                "session regex {r:?} needs a group named `session`"
                            )));
                        }
                        Extract::Regex(re)
                    }
                    (None, Some(member)) => Extract::Json(member.clone()),
                    (Some(_), Some(_)) => {
                        return Err(invalid(
                            "a session takes `regex` or `json`, not both".into(),
                        ));
                    }
                };
                sessions.push(Session { place: p, extract });
            }
            clients.push(Client {
                tool: c.tool,
                name: c.name,
                min_score: c.min_score.unwrap_or(MIN_SCORE),
                signals,
                sessions,
            });
        }
        Ok(Clients { clients, paths })
    }

    /// The tool ids in the table, in order.
    pub fn tools(&self) -> impl Iterator<Item = &str> {
        self.clients.iter().map(|c| c.tool.as_str())
    }

    /// Who sent `req`.
    pub fn identify(&self, req: &Request) -> ClientId {
        let body = Body::new(req, &self.paths);
        let mut best: Option<(i32, usize, Vec<Match>)> = None;
        for (i, client) in self.clients.iter().enumerate() {
            let matched: Vec<Match> = client
                .signals
                .iter()
                .filter_map(|s| self.test(s, req, &body))
                .collect();
            let score: i32 = matched.iter().map(|m| m.weight).sum();
            if score >= client.min_score && best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, i, matched));
            }
        }
        let Some((_, i, mut matched)) = best else {
            return ClientId::unknown(req);
        };
        let client = &self.clients[i];
        // The version from the weightiest signal that carries one.
        matched.sort_by_key(|m| std::cmp::Reverse(m.weight));
        let version = matched.iter().find_map(|m| m.version.clone());
        let session = client
            .sessions
            .iter()
            .find_map(|s| self.session(s, req, &body));
        ClientId {
            tool: client.tool.clone(),
            name: client.name.clone(),
            version,
            session,
            signals: matched.into_iter().map(|m| m.why).collect(),
        }
    }

    fn place_text<'a>(&self, place: &Place, req: &'a Request, body: &'a Body) -> Option<&'a str> {
        match place {
            Place::Header(h) => req.header(h),
            Place::Path => Some(req.path.as_str()),
            Place::Body(at) => body.text(*at),
        }
    }

    fn describe(&self, place: &Place) -> String {
        match place {
            Place::Header(h) => format!("header {h}"),
            Place::Path => "URL".to_owned(),
            Place::Body(at) => format!("body {}", self.paths[*at].0),
        }
    }

    fn test(&self, s: &Signal, req: &Request, body: &Body) -> Option<Match> {
        let at = self.describe(&s.place);
        let (why, version) = match &s.test {
            Test::Present => {
                let present = match &s.place {
                    Place::Body(p) => body.found[*p].is_some(),
                    other => self.place_text(other, req, body).is_some(),
                };
                present.then(|| (format!("{at} present"), None))?
            }
            Test::Equals(v) => {
                let text = self.place_text(&s.place, req, body)?;
                (text.trim() == v).then(|| (format!("{at} = {v:?}"), None))?
            }
            Test::Contains(v) => {
                let text = self.place_text(&s.place, req, body)?;
                text.contains(v.as_str())
                    .then(|| (format!("{at} contains {v:?}"), None))?
            }
            Test::Regex(re) => {
                let text = self.place_text(&s.place, req, body)?;
                let caps = re.captures(text)?;
                let whole = caps.get(0).map_or("", |m| m.as_str());
                let version = caps.name("version").map(|m| m.as_str().to_owned());
                (format!("{at} ~ {:?}", clip(whole, 60)), version)
            }
        };
        Some(Match {
            weight: s.weight,
            why,
            version,
        })
    }

    fn session(&self, s: &Session, req: &Request, body: &Body) -> Option<String> {
        let text = self.place_text(&s.place, req, body)?.trim();
        let id = match &s.extract {
            Extract::Whole => text.to_owned(),
            Extract::Regex(re) => re.captures(text)?.name("session")?.as_str().to_owned(),
            Extract::Json(member) => {
                let inner = serde_json::from_str::<serde_json::Value>(text).ok()?;
                inner.get(member)?.as_str()?.to_owned()
            }
        };
        (!id.is_empty() && id.len() <= 256).then_some(id)
    }
}

/// A matched signal.
struct Match {
    weight: i32,
    why: String,
    version: Option<String>,
}

/// The body values the table looks at, found once per request, strings decoded.
struct Body {
    found: Vec<Option<Found>>,
    texts: Vec<Option<String>>,
}

impl Body {
    fn new(req: &Request, paths: &[(String, Vec<Step>)]) -> Body {
        if paths.is_empty() || req.body.is_empty() {
            return Body {
                found: vec![None; paths.len()],
                texts: vec![None; paths.len()],
            };
        }
        let steps: Vec<Vec<Step>> = paths.iter().map(|(_, s)| s.clone()).collect();
        let found = select::select(&req.body, &steps);
        let texts = found
            .iter()
            .map(|f| {
                let f = f.as_ref().filter(|f| f.string)?;
                let mut out = Vec::new();
                json::decode(&req.body[f.raw.clone()], &mut out, None);
                String::from_utf8(out).ok()
            })
            .collect();
        Body { found, texts }
    }

    fn text(&self, at: usize) -> Option<&str> {
        self.texts.get(at)?.as_deref()
    }
}

/// `s` cut to at most `n` bytes, on a character boundary.
fn clip(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_compiles() {
        let c = Clients::builtin();
        for tool in [
            "claude-code",
            "codex",
            "qwen-code",
            "gemini-cli",
            "aider",
            "opencode",
        ] {
            assert!(c.tools().any(|t| t == tool), "{tool}");
        }
    }

    #[test]
    fn bad_tables_are_refused_with_the_entry_named() {
        let bad = [
            "[[client]]\ntool = \"x\"\nname = \"X\"\n",
            "[[client]]\ntool = \"x\"\nname = \"X\"\n[[client.signal]]\nheader = \"a\"\npath = \"b\"\n",
            "[[client]]\ntool = \"x\"\nname = \"X\"\n[[client.signal]]\nheader = \"a\"\nregex = \"(\"\n",
            "[[client]]\ntool = \"x\"\nname = \"X\"\n[[client.signal]]\nheader = \"a\"\n[[client.session]]\nheader = \"s\"\nregex = \"x\"\n",
            "[[client]]\ntool = \"x\"\nname = \"X\"\n[[client.signal]]\nbody = \"a[x]\"\n",
        ];
        for text in bad {
            match Clients::from_toml(text) {
                Err(ClientsError::Invalid { tool, .. }) => assert_eq!(tool, "x"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(
            Clients::from_toml("[[client]]\nnope = 1\n"),
            Err(ClientsError::Format(_))
        ));
    }
}
