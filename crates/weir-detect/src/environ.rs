//! Environment facts: what a request discloses about the machine it came from and the person
//! using it (time zone, locale, OS, shell, host and user names, directories, git state, ids,
//! addresses, proxies, cloud metadata).
//!
//! Coding tools put such facts into requests on purpose (an environment block in the system
//! prompt, ids in `metadata`, OS details in headers) and by the way (a tool result that prints a
//! path under the home directory). A fact is found in one of two ways:
//!
//! - **labelled**: a label names it (`Working directory: /p`, `<shell>zsh</shell>`,
//!   `"session_id": "…"`, `TZ=Asia/Tokyo`, or the JSON key that holds the whole string). The
//!   label decides the kind; the value is checked against the kind's shape, so `User: please fix
//!   this` is not a user name.
//! - **self-evident**: the shape alone says what it is (`/home/NAME`, `git@host:org/repo.git`,
//!   `Asia/Kuala_Lumpur`, an IPv4 address that is not a version number, a JavaScript date's
//!   `GMT+0800 (Malaysia Time)`). Shapes that ordinary code is full of (a 40-hex string, an
//!   https URL, a date) count only with a label.
//!
//! Matching follows the engine's two stages: every label and shape literal is found in one
//! pass of an [`crate::anchor::AnchorSet`], then a small parser runs at each hit. Facts may nest
//! (a user name inside a home directory inside a working directory); [`rewrite`] applies the
//! outermost one that has a replacement.

mod dates;
mod header;
mod labels;
mod scan;
mod shapes;
mod zones;

use std::ops::Range;

use crate::json;
use crate::request::{Field, Request};
use crate::texts::Place;

pub use header::scan_header;

/// What a fact is about. Names (see [`FactKind::as_str`]) are kebab-case and stable: reports,
/// policy and the ledger use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// An IANA zone (`Asia/Kuala_Lumpur`), a zone abbreviation or a zone's long name.
    TimeZone,
    /// An offset from UTC (`+0800`, `GMT+8`).
    UtcOffset,
    /// A locale (`ms_MY.UTF-8`, `en-GB`).
    Locale,
    /// A date written the way a locale writes it (`Montag, 18. August 2025`), or today's date
    /// as the tool stated it.
    DateFormat,
    /// The operating system (`linux`, `darwin`, `Windows`, `Ubuntu`).
    Os,
    /// The OS version or kernel release (`Linux 6.8.0-45-generic`, `24.4.0`).
    OsVersion,
    /// The CPU architecture (`x86_64`, `arm64`).
    Arch,
    /// The language runtime and its version (`node/v22.17.0`, `v22.17.0`).
    Runtime,
    /// The user's shell (`zsh`, `/bin/bash`).
    Shell,
    /// The machine's host name.
    Hostname,
    /// The login name of the person.
    UserName,
    /// The home directory (`/home/aisyah`, `C:\Users\Aisyah`).
    HomeDirectory,
    /// The directory the tool works in.
    WorkingDirectory,
    /// A git remote URL.
    GitRemote,
    /// A git branch name.
    GitBranch,
    /// A git commit hash.
    GitCommit,
    /// A git author or committer name.
    GitAuthor,
    /// An email address given as the person's (git author, account).
    Email,
    /// An id of this installation of the tool.
    InstallId,
    /// An id of the device or machine.
    DeviceId,
    /// An id of the person's account or organisation.
    AccountId,
    /// An id of the session or conversation.
    SessionId,
    /// An IP address (not loopback, not a version number).
    IpAddress,
    /// A proxy setting (`HTTPS_PROXY`, `Via`).
    Proxy,
    /// Cloud metadata: instance ids, regions, metadata endpoints.
    CloudMetadata,
}

impl FactKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FactKind; 25] = [
        FactKind::TimeZone,
        FactKind::UtcOffset,
        FactKind::Locale,
        FactKind::DateFormat,
        FactKind::Os,
        FactKind::OsVersion,
        FactKind::Arch,
        FactKind::Runtime,
        FactKind::Shell,
        FactKind::Hostname,
        FactKind::UserName,
        FactKind::HomeDirectory,
        FactKind::WorkingDirectory,
        FactKind::GitRemote,
        FactKind::GitBranch,
        FactKind::GitCommit,
        FactKind::GitAuthor,
        FactKind::Email,
        FactKind::InstallId,
        FactKind::DeviceId,
        FactKind::AccountId,
        FactKind::SessionId,
        FactKind::IpAddress,
        FactKind::Proxy,
        FactKind::CloudMetadata,
    ];

    /// The kind's name in reports and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::TimeZone => "time-zone",
            FactKind::UtcOffset => "utc-offset",
            FactKind::Locale => "locale",
            FactKind::DateFormat => "date-format",
            FactKind::Os => "os",
            FactKind::OsVersion => "os-version",
            FactKind::Arch => "arch",
            FactKind::Runtime => "runtime",
            FactKind::Shell => "shell",
            FactKind::Hostname => "hostname",
            FactKind::UserName => "user-name",
            FactKind::HomeDirectory => "home-directory",
            FactKind::WorkingDirectory => "working-directory",
            FactKind::GitRemote => "git-remote",
            FactKind::GitBranch => "git-branch",
            FactKind::GitCommit => "git-commit",
            FactKind::GitAuthor => "git-author",
            FactKind::Email => "email",
            FactKind::InstallId => "install-id",
            FactKind::DeviceId => "device-id",
            FactKind::AccountId => "account-id",
            FactKind::SessionId => "session-id",
            FactKind::IpAddress => "ip-address",
            FactKind::Proxy => "proxy",
            FactKind::CloudMetadata => "cloud-metadata",
        }
    }

    /// Parses a kind's name.
    pub fn parse(s: &str) -> Option<FactKind> {
        FactKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the kind identifies a person or a machine by itself, so that normalisation
    /// replaces it with a pseudonym.
    pub fn is_identifying(self) -> bool {
        matches!(
            self,
            FactKind::UserName
                | FactKind::Hostname
                | FactKind::GitAuthor
                | FactKind::Email
                | FactKind::InstallId
                | FactKind::DeviceId
                | FactKind::AccountId
                | FactKind::SessionId
        )
    }
}

impl std::fmt::Display for FactKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One fact found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fact {
    /// What it is.
    pub kind: FactKind,
    /// The fact as written: always the text at `span`.
    pub value: String,
    /// Byte range in the text scanned, on character boundaries.
    pub span: Range<usize>,
}

/// Appends the facts in `text` to `out`, ordered by position (a fact inside another follows
/// it). `key` is the JSON key whose string value `text` is (`"cwd"`, `"user_id"`), when known:
/// a key that names a fact makes the whole value that fact.
pub fn scan_text(key: Option<&str>, text: &str, out: &mut Vec<Fact>) {
    scan::scan(key, text, out);
}

/// The text that replaces `fact` when a request is normalised, or `None` when the fact is
/// reported but left as it is.
///
/// - time zones become `UTC`; dates become ISO 8601 (`2025-08-18`), unless already so or
///   ambiguous (`04/05/2025` with no hint which is the day);
/// - a home directory becomes `~`;
/// - user and host names, authors, emails and every id become `pseudonym(kind, value)`;
/// - everything else is reported only. A UTC offset in particular is left alone: it belongs to
///   a timestamp whose clock time would be wrong with another offset.
pub fn normalized(fact: &Fact, pseudonym: &dyn Fn(FactKind, &str) -> String) -> Option<String> {
    match fact.kind {
        FactKind::TimeZone => (fact.value != "UTC").then(|| "UTC".to_owned()),
        FactKind::DateFormat => dates::iso(&fact.value).filter(|iso| *iso != fact.value),
        FactKind::HomeDirectory => Some("~".to_owned()),
        k if k.is_identifying() => Some(pseudonym(k, &fact.value)),
        _ => None,
    }
}

/// `text` with each fact replaced by its [`normalized`] form. Of nested facts, the outermost
/// one with a replacement wins; a fact reported without one leaves the facts inside it to be
/// replaced (a working directory keeps its path, but its home-directory prefix becomes `~`).
pub fn rewrite(text: &str, facts: &[Fact], pseudonym: &dyn Fn(FactKind, &str) -> String) -> String {
    let edits: Vec<(Range<usize>, String)> = facts
        .iter()
        .filter_map(|f| Some((f.span.clone(), normalized(f, pseudonym)?)))
        .collect();
    crate::texts::replace_spans(text, &edits).0
}

/// A fact and where in a request it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    /// The header, URL or JSON string value that holds it.
    pub field: Field,
    /// The fact; for a body value its span is in the decoded string.
    pub fact: Fact,
}

/// Every fact in `req`: its headers, its URL, and each string value of its JSON body (decoded;
/// a body that is not JSON is scanned as text).
pub fn scan_request(req: &Request) -> Vec<Disclosure> {
    let mut all = Vec::new();
    let mut facts = Vec::new();
    let texts = crate::texts::texts(req);
    for t in &texts {
        match &t.place {
            Place::Header(name) => scan_header(name, &t.text, &mut facts),
            _ => scan_text(t.key.as_deref(), &t.text, &mut facts),
        }
        if !facts.is_empty() {
            let field = t.field(&req.body);
            all.extend(facts.drain(..).map(|fact| Disclosure {
                field: field.clone(),
                fact,
            }));
        }
    }
    let body = &req.body;
    let from_body = texts.iter().any(|t| matches!(t.place, Place::Body { .. }));
    // Walked again only when the body gave no text: to tell `{}` from a body that is not JSON.
    if !body.is_empty() && !from_body && json::strings(body, |_, _| {}).is_err() {
        // Not JSON: whatever the text holds still leaves.
        let text = String::from_utf8_lossy(body);
        scan_text(None, &text, &mut facts);
        all.extend(facts.drain(..).map(|fact| Disclosure {
            field: Field::Body(String::new()),
            fact,
        }));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for k in FactKind::ALL {
            assert_eq!(FactKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(FactKind::parse("nope"), None);
    }

    #[test]
    fn rewrite_prefers_the_outermost_replacement() {
        let text = "Working directory: /home/aisyah/kedai";
        let mut facts = Vec::new();
        scan_text(None, text, &mut facts);
        let out = rewrite(text, &facts, &|k, _| format!("<{k}>"));
        assert_eq!(out, "Working directory: ~/kedai");
    }
}
