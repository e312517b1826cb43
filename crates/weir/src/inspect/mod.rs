//! `weir inspect`: what a coding tool's request says about the machine and the person, and the
//! hidden markers in it, for a person (grouped and explained) or a machine (`--format json`);
//! `--diff A B` shows what differs between two requests of the same tool.

mod diff;
mod render;

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use weir_detect::capture;
use weir_detect::inspect::{self, Inspection};
use weir_detect::{Field, Request};

use crate::cli::{ContentChoice, InspectArgs, InspectFormat};
use crate::ledger;

/// One request to inspect, with where it came from.
pub struct Source {
    /// `FILE#INDEX` or the exchange id.
    pub name: String,
    /// The request.
    pub request: Request,
}

/// Runs `weir inspect`.
pub fn main(args: InspectArgs) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("weir inspect: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    if args.diff {
        let [a, b] = args.inputs.as_slice() else {
            bail!(
                "--diff compares two requests: give exactly two inputs (files or exchange ids), got {}",
                args.inputs.len()
            );
        };
        let a = one(read(a, &args)?, a)?;
        let b = one(read(b, &args)?, b)?;
        let d = diff::diff(&a, &b);
        let mut out = std::io::stdout().lock();
        match args.format {
            InspectFormat::Json => serde_json::to_writer_pretty(&mut out, &d)?,
            InspectFormat::Text => render::diff(&mut out, &d)?,
        }
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.inputs.is_empty() {
        bail!(
            "name what to inspect: capture files (weir capture writes them), HAR files, JSON request bodies, or ledger exchange ids (req_...)"
        );
    }
    let mut sources = Vec::new();
    for input in &args.inputs {
        sources.extend(read(input, &args)?);
    }
    let reports: Vec<Report> = sources.iter().map(Report::of).collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        InspectFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &reports)?;
            writeln!(out)?;
        }
        InspectFormat::Text => {
            for (i, r) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                render::report(&mut out, r)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn one(mut sources: Vec<Source>, input: &str) -> anyhow::Result<Source> {
    match sources.len() {
        1 => Ok(sources.remove(0)),
        0 => bail!("{input} holds no request"),
        n => bail!(
            "{input} holds {n} requests; --diff compares one request with one other (split the file, or name an exchange id)"
        ),
    }
}

/// Reads an input: a file (capture, raw body, HAR, JSON Lines), `-` for stdin, or an exchange id.
fn read(input: &str, args: &InspectArgs) -> anyhow::Result<Vec<Source>> {
    let path = std::path::Path::new(input);
    if input.starts_with("req_") && !path.exists() {
        return from_ledger(input, args);
    }
    let bytes = if input == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("reading stdin")?;
        b
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {input}"))?
    };
    let requests = capture::read(&bytes).map_err(|e| anyhow!("{input}: {e}"))?;
    Ok(requests
        .into_iter()
        .enumerate()
        .map(|(i, request)| Source {
            name: format!("{input}#{i}"),
            request,
        })
        .collect())
}

/// The request of a ledger exchange: the client's request if the ledger kept it, else what
/// was sent. The ledger keeps no headers, so the tool is the one recorded.
fn from_ledger(id: &str, args: &InspectArgs) -> anyhow::Result<Vec<Source>> {
    let mut opened = ledger::open(args.config.config.as_deref())?;
    let rows = opened.store.exchange(id).map_err(|e| anyhow!("{e}"))?;
    let Some(x) = weir_ledger::query::exchanges(&rows).into_iter().next() else {
        bail!(
            "no exchange {id} in the ledger at {} (`weir log` lists exchange ids)",
            opened.location.describe()
        );
    };
    let mut why = Vec::new();
    for choice in [ContentChoice::Request, ContentChoice::Sent] {
        match ledger::log::pick(&x, choice) {
            Err(e) => why.push(e),
            Ok((_, content)) => match ledger::log::load(opened.store.as_mut(), &content)? {
                ledger::log::Body::NotKept(e) => why.push(e),
                ledger::log::Body::Bytes(body) => {
                    let start = x.start.as_ref();
                    let mut headers = Vec::new();
                    if let Some(tool) = start.and_then(|s| s.client.tool.as_deref()) {
                        let version = start.and_then(|s| s.client.version.as_deref());
                        headers.push((
                            "x-weir-recorded-tool".to_owned(),
                            format!("{tool} {}", version.unwrap_or(""))
                                .trim()
                                .to_owned(),
                        ));
                    }
                    return Ok(vec![Source {
                        name: id.to_owned(),
                        request: Request {
                            method: "POST".into(),
                            path: start.map(|s| s.path.clone()).unwrap_or_default(),
                            headers,
                            body,
                        },
                    }]);
                }
            },
        }
    }
    bail!(
        "the ledger has no content of {id} to inspect: {}",
        why.join("; ")
    )
}

/// What `weir inspect --format json` writes per request (field names are stable).
#[derive(Debug, Serialize)]
pub struct Report {
    /// `FILE#INDEX` or the exchange id.
    pub source: String,
    /// The request's method.
    pub method: String,
    /// Its path and query.
    pub path: String,
    /// The tool that sent it.
    pub client: ClientView,
    /// What it discloses.
    pub facts: Vec<FactView>,
    /// Hidden markers.
    pub markers: Vec<MarkerView>,
}

/// The identified tool.
#[derive(Debug, Serialize)]
pub struct ClientView {
    /// Its id (`claude-code`, `unknown`).
    pub tool: String,
    /// Its name for people.
    pub name: String,
    /// Its version.
    pub version: Option<String>,
    /// Its session id.
    pub session: Option<String>,
    /// What identified it.
    pub signals: Vec<String>,
}

/// One disclosed fact.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct FactView {
    /// Its kind (`time-zone`, `working-directory`, ...).
    pub kind: &'static str,
    /// The value as the request holds it.
    pub value: String,
    /// Where: `header NAME`, `URL`, or a JSON path.
    pub field: String,
    /// Byte range in the decoded field.
    pub span: [usize; 2],
    /// Who wrote the text.
    pub role: &'static str,
}

/// One hidden marker.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct MarkerView {
    /// Its kind (`invisible`, `tag`, `confusable`, ...).
    pub kind: &'static str,
    /// Its characters, as `U+XXXX`.
    pub code_points: Vec<String>,
    /// Where.
    pub field: String,
    /// Byte range in the decoded field.
    pub span: [usize; 2],
    /// Who wrote the text.
    pub role: &'static str,
    /// Whether it looks placed on purpose.
    pub deliberate: bool,
    /// Why it matters, in words.
    pub why: String,
    /// The text it spells, when it encodes some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<String>,
}

fn field_name(f: &Field) -> String {
    f.to_string()
}

impl Report {
    fn of(source: &Source) -> Report {
        let found = inspect::inspect(&source.request);
        Report::from_inspection(source, &found)
    }

    fn from_inspection(source: &Source, found: &Inspection<'_>) -> Report {
        let recorded = source.request.header("x-weir-recorded-tool");
        let mut client = ClientView {
            tool: found.client.tool.clone(),
            name: found.client.name.clone(),
            version: found.client.version.clone(),
            session: found.client.session.clone(),
            signals: found.client.signals.clone(),
        };
        // A ledger exchange has no headers: the tool the gateway identified stands.
        if let (Some(r), "unknown") = (recorded, client.tool.as_str()) {
            let mut parts = r.splitn(2, ' ');
            client.tool = parts.next().unwrap_or_default().to_owned();
            client.name = client.tool.clone();
            client.version = parts.next().map(str::to_owned);
            client.signals = vec!["recorded in the ledger".into()];
        }
        Report {
            source: source.name.clone(),
            method: source.request.method.clone(),
            path: source.request.path.clone(),
            client,
            facts: found
                .facts
                .iter()
                .filter(|f| f.field != Field::Header("x-weir-recorded-tool".into()))
                .map(|f| FactView {
                    kind: f.item.kind.as_str(),
                    value: f.item.value.clone(),
                    field: field_name(&f.field),
                    span: [f.item.span.start, f.item.span.end],
                    role: f.role.as_str(),
                })
                .collect(),
            markers: found
                .markers
                .iter()
                .map(|m| MarkerView {
                    kind: m.item.kind.as_str(),
                    code_points: m
                        .item
                        .code_points
                        .iter()
                        .map(|c| format!("U+{:04X}", u32::from(*c)))
                        .collect(),
                    field: field_name(&m.field),
                    span: [m.item.span.start, m.item.span.end],
                    role: m.role.as_str(),
                    deliberate: m.item.deliberate,
                    why: m.item.why.clone(),
                    hidden: m.item.hidden.clone(),
                })
                .collect(),
        }
    }
}
