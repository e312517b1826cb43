//! `weir log` and `weir log show`.

use std::io::Write;
use std::ops::ControlFlow;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use weir_ledger::content::{self, AssembleError};
use weir_ledger::query::{self, Exchange};
use weir_ledger::{Attempt, Content, Sealed, Store};

use super::table::{Align, Table, grouped, human_bytes};
use super::{Direction, json_line, matches, open, outcome_name, scan, time};
use crate::cli::{ContentChoice, LogArgs, LogCommand, LogFormat, ShowArgs, TextFormat};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `weir log`.
pub fn log(args: LogArgs) -> anyhow::Result<ExitCode> {
    if let Some(LogCommand::Show(mut show_args)) = args.command {
        if show_args.config.config.is_none() {
            show_args.config = args.config;
        }
        return show(show_args);
    }
    let until = args.filter.until.unwrap_or_else(|| time::now_ms() + 1);
    let since = args.filter.since.unwrap_or(until - 7 * DAY_MS);
    if since >= until {
        bail!(
            "--since ({}) is not before --until ({}): nothing can match",
            time::iso(since),
            time::iso(until)
        );
    }
    let mut ledger = open(args.config.config.as_deref())?;
    let (filter, outcome) = super::filter(&args.filter, since, until);
    let limit = args.limit as usize;
    let mut picked: Vec<Exchange> = Vec::new();
    // Newest first, until enough match; then shown oldest first.
    scan(
        ledger.store.as_mut(),
        since,
        until,
        Direction::Backward,
        &mut |xs| {
            for x in xs {
                if matches(&x, &filter, outcome) {
                    picked.push(x);
                    if picked.len() >= limit {
                        return Ok(ControlFlow::Break(()));
                    }
                }
            }
            Ok(ControlFlow::Continue(()))
        },
    )?;
    picked.reverse();

    let mut out = std::io::stdout().lock();
    match args.format {
        LogFormat::Json => {
            for x in &picked {
                json_line(&mut out, &LogLine::of(x))?;
            }
        }
        LogFormat::Table if !picked.is_empty() => {
            let mut t = Table::new(&[
                ("time (UTC)", Align::Left),
                ("id", Align::Left),
                ("tool", Align::Left),
                ("project", Align::Left),
                ("vendor", Align::Left),
                ("juris.", Align::Left),
                ("model", Align::Left),
                ("outcome", Align::Left),
                ("out", Align::Right),
                ("in", Align::Right),
                ("tokens in/out", Align::Right),
                ("ms", Align::Right),
            ]);
            for x in &picked {
                let dash = |v: Option<&str>| v.unwrap_or("-").to_owned();
                let tokens = x
                    .finish
                    .as_ref()
                    .and_then(|f| f.tokens)
                    .map_or("-".to_owned(), |t| {
                        format!("{}/{}", grouped(t.input), grouped(t.output))
                    });
                let ms = x
                    .finish
                    .as_ref()
                    .map_or("-".to_owned(), |f| grouped(f.latency.total_ms));
                // A forward-proxy connection shows where it went in place of a model.
                let (vendor, model) = match &x.tunnel {
                    Some(t) => ("proxy".to_owned(), format!("{}:{}", t.host, t.port)),
                    None => (dash(x.vendor()), dash(x.model())),
                };
                t.row(vec![
                    time::iso(x.at_ms),
                    x.id.clone(),
                    dash(x.tool()),
                    dash(x.project()),
                    vendor,
                    dash(x.jurisdiction()),
                    model,
                    outcome_name(x).to_owned(),
                    human_bytes(x.bytes_out()),
                    human_bytes(x.bytes_in()),
                    tokens,
                    ms,
                ]);
            }
            t.write(&mut out)?;
        }
        LogFormat::Table => {}
    }
    out.flush()?;
    if picked.is_empty() {
        let filtered = args.filter.tool.is_some()
            || args.filter.project.is_some()
            || args.filter.vendor.is_some()
            || args.filter.jurisdiction.is_some()
            || args.filter.outcome.is_some();
        eprintln!(
            "no exchanges{} from {} to {} in the ledger at {}{}",
            if filtered {
                " matching the filters"
            } else {
                ""
            },
            time::iso(since),
            time::iso(until),
            ledger.location.describe(),
            if args.filter.since.is_none() {
                " (an earlier period: --since 30d, or a date)"
            } else {
                ""
            }
        );
    } else if picked.len() == limit && args.format == LogFormat::Table {
        eprintln!(
            "(the newest {} shown; --limit N shows more, --since an earlier period)",
            picked.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One exchange as a line of `weir log --format json` (field names are stable).
#[derive(Debug, Serialize)]
struct LogLine<'a> {
    id: &'a str,
    time: String,
    at_ms: i64,
    tool: Option<&'a str>,
    tool_version: Option<&'a str>,
    user: Option<&'a str>,
    project: Option<&'a str>,
    protocol: Option<&'a str>,
    model_requested: Option<&'a str>,
    route: Option<&'a str>,
    vendor: Option<&'a str>,
    jurisdiction: Option<&'a str>,
    model: Option<&'a str>,
    outcome: &'static str,
    status: Option<u16>,
    error: Option<&'a str>,
    attempts: usize,
    bytes_out: u64,
    bytes_in: u64,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    first_byte_ms: Option<u64>,
    total_ms: Option<u64>,
    /// `host:port` of a forward-proxy connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    destination: Option<String>,
    seqs: &'a [u64],
}

impl<'a> LogLine<'a> {
    fn of(x: &'a Exchange) -> LogLine<'a> {
        let start = x.start.as_ref();
        let finish = x.finish.as_ref();
        let tokens = finish.and_then(|f| f.tokens);
        LogLine {
            id: &x.id,
            time: time::iso_ms(x.at_ms),
            at_ms: x.at_ms,
            tool: x.tool(),
            tool_version: start.and_then(|s| s.client.version.as_deref()),
            user: start.and_then(|s| s.user.as_deref()),
            project: x.project(),
            protocol: start.map(|s| s.protocol.as_str()),
            model_requested: start.map(|s| s.model.as_str()),
            route: start.map(|s| s.route.as_str()),
            vendor: x.vendor(),
            jurisdiction: x.jurisdiction(),
            model: x.model(),
            outcome: outcome_name(x),
            status: finish.map(|f| f.status),
            error: finish
                .and_then(|f| f.error.as_deref())
                .or(x.tunnel.as_ref().and_then(|t| t.reason.as_deref())),
            attempts: finish.map_or(0, |f| f.attempts.len()),
            bytes_out: x.bytes_out(),
            bytes_in: x.bytes_in(),
            input_tokens: tokens.map(|t| t.input),
            output_tokens: tokens.map(|t| t.output),
            first_byte_ms: finish.and_then(|f| f.latency.first_byte_ms),
            total_ms: finish.map(|f| f.latency.total_ms),
            destination: x.tunnel.as_ref().map(|t| format!("{}:{}", t.host, t.port)),
            seqs: &x.seqs,
        }
    }
}

/// `weir log show ID`.
pub fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let mut ledger = open(args.config.config.as_deref())?;
    let id = args.id.trim();
    let rows = ledger.store.exchange(id).map_err(|e| anyhow!("{e}"))?;
    let Some(x) = query::exchanges(&rows).into_iter().next() else {
        bail!(
            "no exchange {id} in the ledger at {}: `weir log` lists exchange ids (clients also get them in the request-id header)",
            ledger.location.describe()
        );
    };
    let store = ledger.store.as_mut();
    let mut out = std::io::stdout().lock();

    if args.raw {
        let (label, content) = pick(&x, args.content).map_err(|why| anyhow!("{why}"))?;
        match load(store, &content)? {
            Body::Bytes(bytes) => {
                out.write_all(&bytes)?;
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            Body::NotKept(why) => bail!("the {label} of {id} cannot be written: {why}"),
        }
    }
    if args.format == TextFormat::Json {
        let view = ShowJson {
            id: &x.id,
            time: time::iso_ms(x.at_ms),
            outcome: outcome_name(&x),
            entries: rows
                .iter()
                .map(|r| EntryJson {
                    seq: r.seq,
                    kind: &r.kind,
                    at_ms: r.at_ms,
                    time: time::iso_ms(r.at_ms),
                    hash: r.hash.hex(),
                })
                .collect(),
            exchange: &x,
        };
        serde_json::to_writer_pretty(&mut out, &view)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    write_text(&mut out, &x, &rows)?;
    writeln!(out)?;
    match pick(&x, args.content) {
        Err(why) => writeln!(out, "content: {why}")?,
        Ok((label, content)) => match load(store, &content)? {
            Body::NotKept(why) => {
                writeln!(out, "{label}, {} bytes: {why}", grouped(content.bytes))?
            }
            Body::Bytes(bytes) => {
                writeln!(
                    out,
                    "{label}, {} bytes{}:",
                    grouped(bytes.len() as u64),
                    if std::str::from_utf8(&bytes).is_ok() {
                        ""
                    } else {
                        " (not UTF-8: shown lossily; --raw writes the exact bytes)"
                    }
                )?;
                let shown = display(&bytes);
                out.write_all(&shown)?;
                if !shown.ends_with(b"\n") {
                    writeln!(out)?;
                }
            }
        },
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct ShowJson<'a> {
    id: &'a str,
    time: String,
    outcome: &'static str,
    entries: Vec<EntryJson<'a>>,
    exchange: &'a Exchange,
}

#[derive(Serialize)]
struct EntryJson<'a> {
    seq: u64,
    kind: &'a str,
    at_ms: i64,
    time: String,
    hash: String,
}

fn write_text(out: &mut impl Write, x: &Exchange, rows: &[Sealed]) -> std::io::Result<()> {
    let or_dash = |v: Option<&str>| v.unwrap_or("-").to_owned();
    writeln!(out, "exchange   {}", x.id)?;
    writeln!(out, "started    {}", time::iso_ms(x.at_ms))?;
    let status = x
        .finish
        .as_ref()
        .map_or(String::new(), |f| format!(" (HTTP {})", f.status));
    writeln!(out, "outcome    {}{status}", outcome_name(x))?;
    if let Some(reason) = &x.interrupted {
        writeln!(out, "interrupted: {reason}")?;
    }
    if let Some(t) = &x.tunnel {
        writeln!(
            out,
            "proxy      {} {}:{} by {}: {}",
            t.method,
            t.host,
            t.port,
            or_dash(t.client.tool.as_deref()),
            t.reason.as_deref().unwrap_or("allowed")
        )?;
    }
    if let Some(error) = x.finish.as_ref().and_then(|f| f.error.as_deref()) {
        writeln!(out, "error      {error}")?;
    }
    writeln!(out, "entries")?;
    for r in rows {
        writeln!(
            out,
            "  seq {:<8} {:<12} {}",
            r.seq,
            r.kind,
            time::iso_ms(r.at_ms)
        )?;
    }
    if let Some(s) = &x.start {
        writeln!(out, "request")?;
        let client = match (&s.client.tool, &s.client.version) {
            (Some(t), Some(v)) => format!("{t} {v}"),
            (Some(t), None) => t.clone(),
            _ => "-".into(),
        };
        writeln!(out, "  client     {client}")?;
        writeln!(out, "  user       {}", or_dash(s.user.as_deref()))?;
        writeln!(out, "  project    {}", or_dash(s.project.as_deref()))?;
        writeln!(out, "  protocol   {} {}", s.protocol, s.path)?;
        writeln!(
            out,
            "  model      {}{}",
            s.model,
            if s.stream { " (streamed)" } else { "" }
        )?;
        writeln!(
            out,
            "  route      {}",
            if s.route.is_empty() { "-" } else { &s.route }
        )?;
        writeln!(out, "  node       {}", s.node)?;
        for (i, t) in s.targets.iter().enumerate() {
            writeln!(
                out,
                "  {} {} model {}, {}, {}",
                if i == 0 { "targets   " } else { "          " },
                t.vendor,
                t.model,
                t.jurisdiction,
                t.host
            )?;
        }
        writeln!(out, "  body       {}", describe_content(&s.request))?;
    }
    if let Some(f) = &x.finish {
        writeln!(out, "attempts")?;
        if f.attempts.is_empty() {
            writeln!(out, "  none: nothing left weir for a vendor")?;
        }
        for (i, a) in f.attempts.iter().enumerate() {
            write_attempt(out, i + 1, a)?;
        }
        writeln!(out, "answer")?;
        writeln!(out, "  body       {}", describe_content(&f.response))?;
        match f.tokens {
            Some(t) => {
                let mut line = format!("{} in, {} out", grouped(t.input), grouped(t.output));
                if t.cache_read > 0 || t.cache_write > 0 {
                    line.push_str(&format!(
                        " (cache: {} read, {} written)",
                        grouped(t.cache_read),
                        grouped(t.cache_write)
                    ));
                }
                writeln!(out, "  tokens     {line}")?;
            }
            None => writeln!(out, "  tokens     - (not reported)")?,
        }
        let first = f
            .latency
            .first_byte_ms
            .map_or("-".to_owned(), |ms| format!("{} ms", grouped(ms)));
        writeln!(
            out,
            "  latency    first byte {first}, total {} ms",
            grouped(f.latency.total_ms)
        )?;
        if !f.findings.is_empty() {
            writeln!(out, "findings")?;
            for d in &f.findings {
                writeln!(
                    out,
                    "  {} ({}) at {}: {}",
                    d.rule, d.category, d.location, d.action
                )?;
            }
        }
        if !f.decisions.is_empty() {
            writeln!(out, "decisions")?;
            for d in &f.decisions {
                writeln!(out, "  {}: {} ({})", d.rule, d.effect, d.reason)?;
            }
        }
    }
    Ok(())
}

fn write_attempt(out: &mut impl Write, n: usize, a: &Attempt) -> std::io::Result<()> {
    writeln!(
        out,
        "  {n}. {}  model {}  protocol {}  {}  host {}",
        a.target.vendor, a.target.model, a.protocol, a.target.jurisdiction, a.target.host
    )?;
    let result = serde_json::to_value(a.result)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let status = a.status.map_or("-".to_owned(), |s| s.to_string());
    let first = a
        .first_byte_ms
        .map_or("-".to_owned(), |ms| format!("{} ms", grouped(ms)));
    writeln!(
        out,
        "     result {result}, status {status}, key {}, sent {}, received {}, first byte {first}",
        a.key.as_deref().unwrap_or("-"),
        human_bytes(a.sent.bytes),
        human_bytes(a.received),
    )
}

fn describe_content(c: &Content) -> String {
    let size = format!("{} bytes", grouped(c.bytes));
    match (c.digest, c.stored) {
        (None, _) => format!("{size}, not kept (no digest)"),
        (Some(d), true) => format!("{size}, kept ({})", short(&d.hex())),
        (Some(d), false) => format!("{size}, digest only ({})", short(&d.hex())),
    }
}

fn short(hex: &str) -> &str {
    &hex[..hex.len().min(16)]
}

/// The content asked for, with words for it, or why there is none.
pub(crate) fn pick(x: &Exchange, choice: ContentChoice) -> Result<(String, Content), String> {
    match choice {
        ContentChoice::Request => x
            .start
            .as_ref()
            .map(|s| ("the client's request".to_owned(), s.request))
            .ok_or_else(|| "the exchange's start entry, which records the request, is missing (run `weir verify`)".to_owned()),
        ContentChoice::Answer => match &x.finish {
            Some(f) => Ok(("the answer to the client".to_owned(), f.response)),
            None if x.interrupted.is_some() => Err("the exchange was interrupted: no answer was recorded".into()),
            None => Err("the exchange has not finished: its answer is recorded when it ends".into()),
        },
        ContentChoice::Sent => {
            let Some(f) = &x.finish else {
                return Err(if x.interrupted.is_some() {
                    "the exchange was interrupted before it finished: what left is recorded only when an exchange finishes (see --content request)".into()
                } else {
                    "the exchange has not finished: what left is recorded when it ends (see --content request)".into()
                });
            };
            let Some(a) = f.served_by().or(f.attempts.last()) else {
                return Err(format!(
                    "nothing left weir for a vendor (outcome {}): see --content request",
                    f.outcome.as_str()
                ));
            };
            let n = f.attempts.iter().position(|b| std::ptr::eq(a, b)).unwrap_or(0) + 1;
            Ok((
                format!(
                    "sent to {} ({}, {}; attempt {n} of {})",
                    a.target.vendor,
                    a.target.model,
                    a.target.jurisdiction,
                    f.attempts.len()
                ),
                a.sent,
            ))
        }
    }
}

/// Content read back from the ledger, or why it cannot be.
pub(crate) enum Body {
    Bytes(Vec<u8>),
    NotKept(String),
}

/// The bytes of `c`, rebuilt from the block store, or why they cannot be.
pub(crate) fn load(store: &mut dyn Store, c: &Content) -> anyhow::Result<Body> {
    let Some(digest) = c.digest else {
        return Ok(Body::NotKept(
            "not kept: the ledger kept no trace of this content ([ledger] retention = \"none\"), only its size".into(),
        ));
    };
    if !c.stored {
        return Ok(Body::NotKept(format!(
            "not kept ([ledger] retention = \"hashes-only\", or \"redacted\" for the client's request): only its digest {digest} (the root of weir's content tree) proves what it was"
        )));
    }
    match content::assemble(&digest, &mut |h| store.block(h)) {
        Ok(bytes) => Ok(Body::Bytes(bytes)),
        Err(AssembleError::Erased(_)) => Ok(Body::NotKept(format!(
            "erased from the ledger (retention); its entry still records the digest {digest}"
        ))),
        Err(AssembleError::Store(e)) => Err(anyhow!(e)).context("reading content blocks"),
        Err(e) => Ok(Body::NotKept(format!(
            "cannot be rebuilt: {e} (run `weir verify`)"
        ))),
    }
}

/// Content for a terminal: indented JSON (key order and values untouched) when it is JSON,
/// else the text as it is.
fn display(bytes: &[u8]) -> Vec<u8> {
    if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        indent_json(bytes)
    } else {
        String::from_utf8_lossy(bytes).into_owned().into_bytes()
    }
}

/// Re-indents well-formed JSON by two spaces, keeping every token as written.
fn indent_json(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                out.push(c);
            }
            b'{' | b'[' => {
                // An empty container stays on one line.
                let close = if c == b'{' { b'}' } else { b']' };
                let next = bytes[i + 1..]
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .map(|p| i + 1 + p);
                if let Some(j) = next.filter(|&j| bytes[j] == close) {
                    out.push(c);
                    out.push(close);
                    i = j + 1;
                    continue;
                }
                out.push(c);
                depth += 1;
                newline(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => out.push(c),
        }
        i += 1;
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_indented_in_its_own_order() {
        let text = br#"{"z":1, "a":[ ], "m":{"s":"x, {y}: \"q\""},"l":[1,2]}"#;
        let shown = String::from_utf8(indent_json(text)).unwrap();
        assert_eq!(
            shown,
            "{\n  \"z\": 1,\n  \"a\": [],\n  \"m\": {\n    \"s\": \"x, {y}: \\\"q\\\"\"\n  },\n  \"l\": [\n    1,\n    2\n  ]\n}\n"
        );
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        let orig: serde_json::Value = serde_json::from_slice(text).unwrap();
        assert_eq!(back, orig);
    }
}
