//! `weir inspect --diff A B`: what differs between two requests of the same tool. Run the tool
//! twice in different places (time zone, locale, user, directory, host) and what differs is what
//! it tells the vendor about where it runs.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use weir_detect::Role;
use weir_detect::texts::{self, Place};

use super::{Report, Source};

/// Lines shown per side of a changed text.
const LINES_SHOWN: usize = 8;

/// What differs between two requests.
#[derive(Debug, Serialize)]
pub struct Diff {
    /// The first request's source.
    pub a: String,
    /// The second request's source.
    pub b: String,
    /// Tool, version and session, where they differ.
    pub client: Vec<Change>,
    /// Facts (kind and value) found in one request only.
    pub facts: Sides<(String, String)>,
    /// Markers (kind, characters, field) found in one request only.
    pub markers: Sides<(String, String, String)>,
    /// Headers whose values differ.
    pub headers: Vec<Change>,
    /// The tool's own texts (instructions, metadata) that differ: the lines of each side that
    /// the other side does not have.
    pub texts: Vec<TextChange>,
}

/// A value on each side (`None`: absent there).
#[derive(Debug, Serialize)]
pub struct Change {
    /// What it is.
    pub name: String,
    /// In the first request.
    pub a: Option<String>,
    /// In the second request.
    pub b: Option<String>,
}

/// Items found on one side only.
#[derive(Debug, Serialize)]
pub struct Sides<T> {
    /// Only in the first request.
    pub only_a: Vec<T>,
    /// Only in the second request.
    pub only_b: Vec<T>,
}

/// A text of the tool's that differs.
#[derive(Debug, Serialize)]
pub struct TextChange {
    /// Where.
    pub field: String,
    /// Lines only the first request has (at most a few).
    pub only_a: Vec<String>,
    /// Lines only the second request has.
    pub only_b: Vec<String>,
}

fn sides<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Sides<T> {
    Sides {
        only_a: a.difference(b).cloned().collect(),
        only_b: b.difference(a).cloned().collect(),
    }
}

/// Compares `a` with `b`.
pub fn diff(a: &Source, b: &Source) -> Diff {
    let ra = Report::of(a);
    let rb = Report::of(b);
    let mut client = Vec::new();
    let mut change = |name: &str, x: Option<&String>, y: Option<&String>| {
        if x != y {
            client.push(Change {
                name: name.to_owned(),
                a: x.cloned(),
                b: y.cloned(),
            });
        }
    };
    change("tool", Some(&ra.client.tool), Some(&rb.client.tool));
    change(
        "version",
        ra.client.version.as_ref(),
        rb.client.version.as_ref(),
    );
    change(
        "session",
        ra.client.session.as_ref(),
        rb.client.session.as_ref(),
    );

    let facts = |r: &Report| -> BTreeSet<(String, String)> {
        r.facts
            .iter()
            .map(|f| (f.kind.to_owned(), f.value.clone()))
            .collect()
    };
    let markers = |r: &Report| -> BTreeSet<(String, String, String)> {
        r.markers
            .iter()
            .map(|m| (m.kind.to_owned(), m.code_points.join(" "), m.field.clone()))
            .collect()
    };

    let headers_of =
        |s: &Source| -> BTreeMap<String, String> { s.request.headers.iter().cloned().collect() };
    let (ha, hb) = (headers_of(a), headers_of(b));
    let names: BTreeSet<&String> = ha.keys().chain(hb.keys()).collect();
    let headers = names
        .into_iter()
        .filter(|n| ha.get(*n) != hb.get(*n))
        // Lengths differ with any content; they tell nothing about the environment.
        .filter(|n| n.as_str() != "content-length")
        .map(|n| Change {
            name: n.clone(),
            a: ha.get(n).cloned(),
            b: hb.get(n).cloned(),
        })
        .collect();

    Diff {
        a: a.name.clone(),
        b: b.name.clone(),
        client,
        facts: sides(&facts(&ra), &facts(&rb)),
        markers: sides(&markers(&ra), &markers(&rb)),
        headers,
        texts: text_changes(a, b),
    }
}

/// The tool's own body texts (system and metadata) by field, compared line by line.
fn text_changes(a: &Source, b: &Source) -> Vec<TextChange> {
    let own = |s: &Source| -> BTreeMap<String, String> {
        let mut out = Vec::new();
        texts::body_texts(&s.request.body, &mut out);
        out.into_iter()
            .filter(|t| matches!(t.role, Role::System | Role::Meta))
            .filter(|t| matches!(t.place, Place::Body { .. }))
            .map(|t| (t.field(&s.request.body).to_string(), t.text.into_owned()))
            .collect()
    };
    let (ta, tb) = (own(a), own(b));
    let fields: BTreeSet<&String> = ta.keys().chain(tb.keys()).collect();
    let mut out = Vec::new();
    for field in fields {
        let (x, y) = (ta.get(field), tb.get(field));
        if x == y {
            continue;
        }
        fn lines(t: Option<&String>) -> BTreeSet<&str> {
            t.map(|t| t.lines().collect()).unwrap_or_default()
        }
        let (lx, ly) = (lines(x), lines(y));
        let keep = |l: &&str| !l.trim().is_empty();
        let only = |p: &BTreeSet<&str>, q: &BTreeSet<&str>, side: Option<&String>| -> Vec<String> {
            // In the text's own order, not sorted.
            side.map(|t| {
                t.lines()
                    .filter(|l| p.contains(l) && !q.contains(l))
                    .filter(keep)
                    .take(LINES_SHOWN)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
        };
        let change = TextChange {
            field: field.clone(),
            only_a: only(&lx, &ly, x),
            only_b: only(&ly, &lx, y),
        };
        if !change.only_a.is_empty() || !change.only_b.is_empty() {
            out.push(change);
        }
    }
    out
}
