//! `weir inspect` for a person: the tool, what it discloses grouped by kind (each value once,
//! with where it was seen), and the markers with what they are and why they matter.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Report;
use super::diff::Diff;

/// Fields named per value; the rest are counted.
const FIELDS_SHOWN: usize = 2;
/// Longest value shown whole.
const VALUE_WIDTH: usize = 60;

fn label(kind: &str) -> String {
    kind.replace('-', " ")
}

fn clip(s: &str, width: usize) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= width {
        return one_line;
    }
    let mut out: String = one_line.chars().take(width - 1).collect();
    out.push('…');
    out
}

fn places(fields: &[String]) -> String {
    let mut shown: Vec<&str> = fields
        .iter()
        .take(FIELDS_SHOWN)
        .map(String::as_str)
        .collect();
    let more = fields.len().saturating_sub(FIELDS_SHOWN);
    let extra = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    shown.dedup();
    format!("{}{extra}", shown.join(", "))
}

/// Writes one request's report.
pub fn report(out: &mut impl Write, r: &Report) -> io::Result<()> {
    writeln!(out, "{}  {} {}", r.source, r.method, clip(&r.path, 80))?;
    let c = &r.client;
    let version = c
        .version
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let session = c
        .session
        .as_deref()
        .map(|s| format!(", session {}", clip(s, 40)))
        .unwrap_or_default();
    writeln!(
        out,
        "  tool       {}{version}  ({}{session})",
        c.name, c.tool
    )?;
    if !c.signals.is_empty() {
        writeln!(
            out,
            "             identified by {}",
            clip(&c.signals.join("; "), 100)
        )?;
    }

    // Each (kind, value) once, with every field it was seen in.
    let mut facts: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    let mut order: Vec<(&str, &str)> = Vec::new();
    for f in &r.facts {
        let key = (f.kind, f.value.as_str());
        let fields = facts.entry(key).or_insert_with(|| {
            order.push(key);
            Vec::new()
        });
        if !fields.contains(&f.field) {
            fields.push(f.field.clone());
        }
    }
    if order.is_empty() {
        writeln!(
            out,
            "  discloses  nothing weir recognises about the machine or the person"
        )?;
    } else {
        writeln!(
            out,
            "  discloses  {} value{} about the machine and the person:",
            order.len(),
            if order.len() == 1 { "" } else { "s" }
        )?;
        // Grouped by kind, kinds in order of first appearance.
        let mut kinds: Vec<&str> = Vec::new();
        for (k, _) in &order {
            if !kinds.contains(k) {
                kinds.push(k);
            }
        }
        for kind in kinds {
            for (k, v) in order.iter().filter(|(k, _)| *k == kind) {
                writeln!(
                    out,
                    "    {:<18} {:<width$}  in {}",
                    label(k),
                    clip(v, VALUE_WIDTH),
                    places(&facts[&(*k, *v)]),
                    width = VALUE_WIDTH.min(v.chars().count().max(20))
                )?;
            }
        }
    }

    if r.markers.is_empty() {
        writeln!(out, "  markers    none")?;
    } else {
        let deliberate = r.markers.iter().filter(|m| m.deliberate).count();
        writeln!(
            out,
            "  markers    {} ({} look deliberate):",
            r.markers.len(),
            deliberate
        )?;
        for m in &r.markers {
            writeln!(
                out,
                "    {:<18} {}  in {} at {}..{}{}",
                label(m.kind),
                m.code_points.join(" "),
                m.field,
                m.span[0],
                m.span[1],
                if m.deliberate { "  [deliberate]" } else { "" }
            )?;
            writeln!(out, "      {}", m.why)?;
            if let Some(h) = &m.hidden {
                writeln!(out, "      hidden text: {}", clip(h, 100))?;
            }
        }
    }
    Ok(())
}

/// Writes a comparison.
pub fn diff(out: &mut impl Write, d: &Diff) -> io::Result<()> {
    writeln!(out, "A: {}\nB: {}", d.a, d.b)?;
    let show = |v: &Option<String>| v.as_deref().map_or("(absent)".to_owned(), |s| clip(s, 70));
    let mut same = true;
    if !d.client.is_empty() {
        same = false;
        writeln!(out, "\ntool")?;
        for c in &d.client {
            writeln!(
                out,
                "  {:<10} A {}\n  {:<10} B {}",
                c.name,
                show(&c.a),
                "",
                show(&c.b)
            )?;
        }
    }
    if !d.facts.only_a.is_empty() || !d.facts.only_b.is_empty() {
        same = false;
        writeln!(out, "\ndisclosed facts that differ")?;
        for (k, v) in &d.facts.only_a {
            writeln!(out, "  A only  {:<18} {}", label(k), clip(v, 70))?;
        }
        for (k, v) in &d.facts.only_b {
            writeln!(out, "  B only  {:<18} {}", label(k), clip(v, 70))?;
        }
    }
    if !d.markers.only_a.is_empty() || !d.markers.only_b.is_empty() {
        same = false;
        writeln!(out, "\nmarkers that differ")?;
        for (k, c, f) in &d.markers.only_a {
            writeln!(out, "  A only  {:<18} {c}  in {f}", label(k))?;
        }
        for (k, c, f) in &d.markers.only_b {
            writeln!(out, "  B only  {:<18} {c}  in {f}", label(k))?;
        }
    }
    if !d.headers.is_empty() {
        same = false;
        writeln!(out, "\nheaders that differ")?;
        for h in &d.headers {
            writeln!(
                out,
                "  {}\n    A {}\n    B {}",
                h.name,
                show(&h.a),
                show(&h.b)
            )?;
        }
    }
    if !d.texts.is_empty() {
        same = false;
        writeln!(
            out,
            "\nthe tool's own text that differs (instructions, metadata)"
        )?;
        for t in &d.texts {
            writeln!(out, "  {}", t.field)?;
            for l in &t.only_a {
                writeln!(out, "    A  {}", clip(l, 100))?;
            }
            for l in &t.only_b {
                writeln!(out, "    B  {}", clip(l, 100))?;
            }
        }
    }
    if same {
        writeln!(
            out,
            "\nno difference in tool, disclosed facts, markers, headers or the tool's own text"
        )?;
    }
    Ok(())
}
