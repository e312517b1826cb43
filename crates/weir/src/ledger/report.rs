//! `weir report`: where code went over a period.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::ControlFlow;
use std::process::ExitCode;

use anyhow::bail;
use serde::Serialize;
use weir_ledger::Outcome;
use weir_ledger::query::{self, Dimension, Row};

use super::table::{Align, Table, csv_record, grouped, human_bytes};
use super::{Direction, matches, open, scan, time};
use crate::cli::{FilterArgs, GroupBy, ReportArgs, ReportFormat};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn dimension(g: GroupBy) -> Dimension {
    match g {
        GroupBy::Vendor => Dimension::Vendor,
        GroupBy::Jurisdiction => Dimension::Jurisdiction,
        GroupBy::Project => Dimension::Project,
        GroupBy::Tool => Dimension::Tool,
    }
}

/// Outcome columns of the CSV, in a fixed order.
fn outcome_names() -> Vec<&'static str> {
    Outcome::ALL
        .iter()
        .map(|o| o.as_str())
        .chain(["running"])
        .collect()
}

/// `weir report`.
pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    if args.policy {
        return crate::policy::report::report(args);
    }
    let (since, until) = period(&args.filter)?;
    let mut by: Vec<Dimension> = Vec::new();
    for g in &args.by {
        let d = dimension(*g);
        if !by.contains(&d) {
            by.push(d);
        }
    }
    let mut ledger = open(args.config.config.as_deref())?;
    let (filter, outcome) = super::filter(&args.filter, since, until);

    let mut groups: BTreeMap<Vec<String>, Row> = BTreeMap::new();
    scan(
        ledger.store.as_mut(),
        since,
        until,
        Direction::Forward,
        &mut |xs| {
            // Model exchanges only: forward-proxy connections carry no code weir saw.
            let kept = xs
                .iter()
                .filter(|x| x.tunnel.is_none())
                .filter(|x| matches(x, &filter, outcome));
            for row in query::report(kept, &by) {
                merge(groups.entry(row.group.clone()).or_default(), &row);
            }
            Ok(ControlFlow::Continue(()))
        },
    )?;
    let mut rows: Vec<Row> = groups
        .into_iter()
        .map(|(group, mut row)| {
            row.group = group;
            row
        })
        .collect();
    rows.sort_by(|a, b| b.bytes_out.cmp(&a.bytes_out).then(a.group.cmp(&b.group)));
    let mut total = Row::default();
    for r in &rows {
        merge(&mut total, r);
    }

    let mut out = std::io::stdout().lock();
    let names: Vec<&'static str> = by.iter().map(|d| d.as_str()).collect();
    match args.format {
        ReportFormat::Json => {
            let doc = ReportJson {
                since: time::iso_ms(since),
                until: time::iso_ms(until),
                since_ms: since,
                until_ms: until,
                by: names.clone(),
                rows: rows
                    .iter()
                    .map(|r| {
                        let group = names
                            .iter()
                            .copied()
                            .zip(r.group.iter().map(String::as_str))
                            .collect();
                        RowJson::of(Some(group), r)
                    })
                    .collect(),
                total: RowJson::of(None, &total),
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        ReportFormat::Csv => {
            let mut header: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            header.extend(
                [
                    "exchanges",
                    "sent",
                    "bytes_out",
                    "bytes_in",
                    "input_tokens",
                    "output_tokens",
                ]
                .map(str::to_owned),
            );
            header.extend(outcome_names().into_iter().map(str::to_owned));
            csv_record(&mut out, &header)?;
            for r in &rows {
                let mut fields = r.group.clone();
                fields.extend(
                    [
                        r.exchanges,
                        r.sent,
                        r.bytes_out,
                        r.bytes_in,
                        r.input_tokens,
                        r.output_tokens,
                    ]
                    .map(|n| n.to_string()),
                );
                fields.extend(
                    outcome_names()
                        .into_iter()
                        .map(|o| r.outcomes.get(o).copied().unwrap_or(0).to_string()),
                );
                csv_record(&mut out, &fields)?;
            }
        }
        ReportFormat::Table => {
            writeln!(
                out,
                "from {} to {} ({})",
                time::iso(since),
                time::iso(until),
                ledger.location.describe()
            )?;
            if rows.is_empty() {
                writeln!(
                    out,
                    "no exchanges in this period (widen it with --since, e.g. --since 90d)"
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut columns: Vec<(&'static str, Align)> =
                names.iter().map(|n| (*n, Align::Left)).collect();
            columns.extend([
                ("exchanges", Align::Right),
                ("sent", Align::Right),
                ("bytes out", Align::Right),
                ("bytes in", Align::Right),
                ("tokens in", Align::Right),
                ("tokens out", Align::Right),
                ("outcomes", Align::Left),
            ]);
            let mut t = Table::new(&columns);
            let cells = |group: Vec<String>, r: &Row| {
                let mut c = group;
                c.extend([
                    grouped(r.exchanges),
                    grouped(r.sent),
                    human_bytes(r.bytes_out),
                    human_bytes(r.bytes_in),
                    grouped(r.input_tokens),
                    grouped(r.output_tokens),
                    outcomes_text(r),
                ]);
                c
            };
            for r in &rows {
                t.row(cells(r.group.clone(), r));
            }
            let mut label = vec![String::new(); names.len()];
            if let Some(first) = label.first_mut() {
                *first = "total".into();
            }
            t.footer(cells(label, &total));
            t.write(&mut out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The period a report covers: `--since` (default: 30 days before `--until`) to `--until`
/// (default: now).
pub fn period(filter: &FilterArgs) -> anyhow::Result<(i64, i64)> {
    let until = filter.until.unwrap_or_else(|| time::now_ms() + 1);
    let since = filter.since.unwrap_or(until - 30 * DAY_MS);
    if since >= until {
        bail!(
            "--since ({}) is not before --until ({}): nothing can match",
            time::iso(since),
            time::iso(until)
        );
    }
    Ok((since, until))
}

fn merge(into: &mut Row, row: &Row) {
    into.exchanges += row.exchanges;
    into.sent += row.sent;
    into.bytes_out += row.bytes_out;
    into.bytes_in += row.bytes_in;
    into.input_tokens += row.input_tokens;
    into.output_tokens += row.output_tokens;
    for (k, v) in &row.outcomes {
        *into.outcomes.entry(k.clone()).or_default() += v;
    }
}

/// `ok 12, failed_over 1`, in the order outcomes are listed.
fn outcomes_text(r: &Row) -> String {
    outcome_names()
        .into_iter()
        .filter_map(|o| r.outcomes.get(o).map(|n| format!("{o} {}", grouped(*n))))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Serialize)]
struct ReportJson<'a> {
    since: String,
    until: String,
    since_ms: i64,
    until_ms: i64,
    by: Vec<&'static str>,
    rows: Vec<RowJson<'a>>,
    total: RowJson<'a>,
}

#[derive(Serialize)]
struct RowJson<'a> {
    /// The group's value for each dimension (absent on the total).
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<BTreeMap<&'static str, &'a str>>,
    exchanges: u64,
    sent: u64,
    bytes_out: u64,
    bytes_in: u64,
    input_tokens: u64,
    output_tokens: u64,
    outcomes: &'a BTreeMap<String, u64>,
}

impl<'a> RowJson<'a> {
    fn of(group: Option<BTreeMap<&'static str, &'a str>>, r: &'a Row) -> RowJson<'a> {
        RowJson {
            group,
            exchanges: r.exchanges,
            sent: r.sent,
            bytes_out: r.bytes_out,
            bytes_in: r.bytes_in,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            outcomes: &r.outcomes,
        }
    }
}
