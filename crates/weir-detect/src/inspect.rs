//! One request inspected: which tool sent it ([`crate::identify`]), what it discloses about the
//! machine and the person ([`crate::environ`]), and the hidden markers in it
//! ([`crate::marker`]); and the request rewritten as the organisation chose per finding kind.
//!
//! Rewriting touches only the string values that hold something to change: each is decoded,
//! edited and re-encoded in place, every other byte of the body stays as the client wrote it.
//! The same input always gives the same output (pseudonyms are stable per install), so a
//! conversation resent turn after turn keeps its prompt-cache prefix.

use std::ops::Range;

use crate::environ::{self, Fact, FactKind};
use crate::identify::{self, ClientId};
use crate::json;
use crate::marker::{self, Marker, MarkerKind};
use crate::request::{Field, Request, Role};
use crate::texts::{self, Place, Text};

/// A kind of inspection finding: an environment fact or a marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Something the request discloses about the machine or the person.
    Fact(FactKind),
    /// A hidden marker.
    Marker(MarkerKind),
}

impl Kind {
    /// Every kind, facts first.
    pub fn all() -> impl Iterator<Item = Kind> {
        FactKind::ALL
            .iter()
            .map(|k| Kind::Fact(*k))
            .chain(MarkerKind::ALL.iter().map(|k| Kind::Marker(*k)))
    }

    /// The kind's name in reports, configuration and the ledger (`time-zone`, `tag`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Fact(k) => k.as_str(),
            Kind::Marker(k) => k.as_str(),
        }
    }

    /// Reads a name written by [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::all().find(|k| k.as_str() == s)
    }

    /// The ledger category: `fingerprint` for facts, `marker` for markers.
    pub fn category(self) -> &'static str {
        match self {
            Kind::Fact(_) => "fingerprint",
            Kind::Marker(_) => "marker",
        }
    }
}

/// What is done about a finding of some kind before the request leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Treatment {
    /// Recorded and shown; the request goes as it is.
    #[default]
    Report,
    /// Invisible characters and markers removed (markers only).
    Strip,
    /// Rewritten to a plain form: confusables to ASCII, dates to ISO 8601, time zones to UTC,
    /// home paths to `~`, names and ids to a stable per-install pseudonym.
    Normalize,
}

impl Treatment {
    /// The name used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Treatment::Report => "report",
            Treatment::Strip => "strip",
            Treatment::Normalize => "normalize",
        }
    }

    /// What the ledger says was done (`reported`, `stripped`, `normalized`).
    pub fn done(self) -> &'static str {
        match self {
            Treatment::Report => "reported",
            Treatment::Strip => "stripped",
            Treatment::Normalize => "normalized",
        }
    }

    /// Reads a name written by [`Treatment::as_str`].
    pub fn parse(s: &str) -> Option<Treatment> {
        [Treatment::Report, Treatment::Strip, Treatment::Normalize]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// A finding with where it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen<T> {
    /// The header, URL or body value that holds it.
    pub field: Field,
    /// Who wrote that text.
    pub role: Role,
    /// Which text of the request (an index into [`Inspection::texts`]).
    pub text: usize,
    /// The finding; its span is in the decoded text.
    pub item: T,
}

/// What inspection found in one request (borrowing the request's texts).
#[derive(Debug, Clone)]
pub struct Inspection<'a> {
    /// The tool that sent it.
    pub client: ClientId,
    /// What it discloses, in request order.
    pub facts: Vec<Seen<Fact>>,
    /// The hidden markers in it, in request order.
    pub markers: Vec<Seen<Marker>>,
    /// The request's texts the findings point into.
    pub texts: Vec<Text<'a>>,
}

/// Inspects `req`.
pub fn inspect(req: &Request) -> Inspection<'_> {
    let texts = texts::texts(req);
    let mut facts = Vec::new();
    let mut markers = Vec::new();
    let mut found_facts = Vec::new();
    let mut found_markers = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        match &t.place {
            Place::Header(name) => environ::scan_header(name, &t.text, &mut found_facts),
            _ => environ::scan_text(t.key.as_deref(), &t.text, &mut found_facts),
        }
        // A URL and header values are the tool's own text but not prose: only hidden
        // characters there matter, and the marker scan of metadata reports those.
        marker::scan(&t.text, t.role, &mut found_markers);
        if found_facts.is_empty() && found_markers.is_empty() {
            continue;
        }
        let field = t.field(&req.body);
        facts.extend(found_facts.drain(..).map(|item| Seen {
            field: field.clone(),
            role: t.role,
            text: i,
            item,
        }));
        markers.extend(found_markers.drain(..).map(|item| Seen {
            field: field.clone(),
            role: t.role,
            text: i,
            item,
        }));
    }
    Inspection {
        client: identify::identify(req),
        facts,
        markers,
        texts,
    }
}

/// A request body rewritten by [`Inspection::rewrite`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The new body.
    pub body: Vec<u8>,
    /// What was changed: the kind, where, and how.
    pub applied: Vec<(Kind, Field, Treatment)>,
}

/// One edit of a decoded text.
struct Edit {
    span: Range<usize>,
    with: String,
    kind: Kind,
    treatment: Treatment,
}

impl Inspection<'_> {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty() && self.markers.is_empty()
    }

    /// `body` (the body inspected) with every finding whose kind `treat` does not leave as
    /// [`Treatment::Report`] rewritten; `None` when nothing changes. Only body values are
    /// rewritten (headers are the tool's transport, and weir does not forward them as they are).
    /// `pseudonym` gives the stand-in for a name or id (stable per install).
    pub fn rewrite(
        &self,
        body: &[u8],
        treat: &dyn Fn(Kind) -> Treatment,
        pseudonym: &dyn Fn(FactKind, &str) -> String,
    ) -> Option<Rewrite> {
        let mut edits: Vec<(usize, Edit)> = Vec::new();
        for s in &self.markers {
            let kind = Kind::Marker(s.item.kind);
            let treatment = treat(kind);
            let with = match treatment {
                Treatment::Report => continue,
                // Stripping removes what shows nothing; a visible look-alike stays.
                Treatment::Strip if !s.item.kind.is_hidden() => continue,
                Treatment::Strip => String::new(),
                Treatment::Normalize => s.item.plain.clone().unwrap_or_default(),
            };
            edits.push((
                s.text,
                Edit {
                    span: s.item.span.clone(),
                    with,
                    kind,
                    treatment,
                },
            ));
        }
        for s in &self.facts {
            let kind = Kind::Fact(s.item.kind);
            if treat(kind) != Treatment::Normalize {
                continue;
            }
            if let Some(with) = environ::normalized(&s.item, pseudonym) {
                edits.push((
                    s.text,
                    Edit {
                        span: s.item.span.clone(),
                        with,
                        kind,
                        treatment: Treatment::Normalize,
                    },
                ));
            }
        }
        // Body values only, each edited once, in body order.
        edits.retain(|(i, _)| matches!(self.texts[*i].place, Place::Body { .. }));
        if edits.is_empty() {
            return None;
        }
        edits.sort_by_key(|(i, e)| (*i, e.span.start, std::cmp::Reverse(e.span.end)));
        let mut out = Vec::with_capacity(body.len() + 64);
        let mut copied = 0;
        let mut applied = Vec::new();
        let mut k = 0;
        while k < edits.len() {
            let i = edits[k].0;
            let mut end = k;
            while end < edits.len() && edits[end].0 == i {
                end += 1;
            }
            let text = &self.texts[i];
            let Place::Body { raw, .. } = &text.place else {
                k = end;
                continue;
            };
            let group = &edits[k..end];
            let spans: Vec<(Range<usize>, &str)> = group
                .iter()
                .map(|(_, e)| (e.span.clone(), e.with.as_str()))
                .collect();
            let (new, done) = texts::replace_spans(&text.text, &spans);
            if new.as_str() != text.text {
                out.extend_from_slice(&body[copied..raw.start]);
                json::encode(new.as_bytes(), &mut out);
                copied = raw.end;
                let field = text.field(body);
                applied.extend(done.into_iter().map(|i| {
                    let e = &group[i].1;
                    (e.kind, field.clone(), e.treatment)
                }));
            }
            k = end;
        }
        if applied.is_empty() {
            return None;
        }
        out.extend_from_slice(&body[copied..]);
        Some(Rewrite { body: out, applied })
    }
}
