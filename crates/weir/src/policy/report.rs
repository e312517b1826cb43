//! `weir report --policy`: what the policy decided over a period, from the records the ledger
//! keeps: how many exchanges were refused (enforce mode) or would have been (observe mode),
//! rerouted or would have been, by rule, tool and project. This is how a team reads the trial
//! of a policy in observe mode before enforcing it.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::ControlFlow;
use std::process::ExitCode;

use anyhow::bail;
use serde::Serialize;
use weir_ledger::query::Exchange;
use weir_policy::Mode;

use super::recorded::Recorded;
use crate::cli::{ReportArgs, ReportFormat};
use crate::ledger::table::{Align, Table, grouped};
use crate::ledger::{Direction, filter, matches, open, scan, time};

/// Exchanges counted by what the policy did with them.
#[derive(Debug, Clone, Default, Serialize)]
struct Counts {
    /// Model exchanges in the period.
    exchanges: u64,
    /// Those with policy records.
    decided: u64,
    /// Decided and not refused.
    allowed: u64,
    /// Refused in enforce mode.
    refused: u64,
    /// Refused in observe mode: they went, enforcing would have stopped them.
    would_refuse: u64,
    /// Sent to another route by a data action, in enforce mode.
    rerouted: u64,
    /// Rerouted in observe mode.
    would_reroute: u64,
}

/// What the policy did with one exchange.
struct Verdict {
    observe: bool,
    refused: bool,
    rerouted: bool,
}

impl Counts {
    fn add(&mut self, v: Option<&Verdict>) {
        self.exchanges += 1;
        let Some(v) = v else { return };
        self.decided += 1;
        match (v.refused, v.observe) {
            (false, _) => self.allowed += 1,
            (true, false) => self.refused += 1,
            (true, true) => self.would_refuse += 1,
        }
        match (v.rerouted, v.observe) {
            (false, _) => {}
            (true, false) => self.rerouted += 1,
            (true, true) => self.would_reroute += 1,
        }
    }
}

/// One rule that denied, refused or rerouted, with the exchanges it did it to.
#[derive(Debug, Clone, Default, Serialize)]
struct RuleRow {
    /// As recorded: `tool.claude-code (policy.toml:5)`.
    rule: String,
    /// `refuse`, `deny`, `block`, `reroute:ROUTE`.
    effect: String,
    /// Exchanges decided in enforce mode.
    enforced: u64,
    /// Exchanges decided in observe mode.
    observed: u64,
    /// Exchanges by tool.
    tools: BTreeMap<String, u64>,
    /// Exchanges by project.
    projects: BTreeMap<String, u64>,
}

/// Effects worth a row: what stopped, narrowed or diverted a request.
fn reported(effect: &str) -> bool {
    matches!(effect, "refuse" | "deny" | "block") || effect.starts_with("reroute:")
}

#[derive(Default)]
struct Summary {
    total: Counts,
    modes: BTreeMap<&'static str, u64>,
    policies: BTreeMap<String, u64>,
    rules: BTreeMap<(String, String), RuleRow>,
    tools: BTreeMap<String, Counts>,
    projects: BTreeMap<String, Counts>,
}

impl Summary {
    fn add(&mut self, x: &Exchange) {
        let tool = x.tool().unwrap_or("-").to_owned();
        let project = x.project().unwrap_or("-").to_owned();
        let records = x.finish.as_ref().map_or(&[][..], |f| &f.decisions[..]);
        let recorded = Recorded::of(records);
        let verdict = recorded.as_ref().map(|r| Verdict {
            observe: r.mode == Some(Mode::Observe),
            refused: r.refusal.is_some(),
            rerouted: r.reroute().is_some(),
        });
        self.total.add(verdict.as_ref());
        self.tools
            .entry(tool.clone())
            .or_default()
            .add(verdict.as_ref());
        self.projects
            .entry(project.clone())
            .or_default()
            .add(verdict.as_ref());
        let (Some(r), Some(v)) = (recorded, verdict) else {
            return;
        };
        *self
            .modes
            .entry(r.mode.map_or("unknown", Mode::as_str))
            .or_default() += 1;
        if let Some(p) = r.policy {
            *self.policies.entry(p.to_owned()).or_default() += 1;
        }
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for d in r.rules.iter().chain(r.refusal) {
            let key = (d.rule.as_str(), d.effect.as_str());
            // The rule that refused is counted once, as `refuse`; a `deny` row counts what a
            // rule denied without refusing the request (a target left out, say).
            let refused_by_it = d.effect != "refuse" && r.refusal.is_some_and(|f| f.rule == d.rule);
            if !reported(&d.effect) || refused_by_it || seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let row = self
                .rules
                .entry((d.rule.clone(), d.effect.clone()))
                .or_insert_with(|| RuleRow {
                    rule: d.rule.clone(),
                    effect: d.effect.clone(),
                    ..RuleRow::default()
                });
            if v.observe {
                row.observed += 1;
            } else {
                row.enforced += 1;
            }
            *row.tools.entry(tool.clone()).or_default() += 1;
            *row.projects.entry(project.clone()).or_default() += 1;
        }
    }

    /// Rule rows, the most frequent first.
    fn rule_rows(&self) -> Vec<&RuleRow> {
        let mut rows: Vec<&RuleRow> = self.rules.values().collect();
        rows.sort_by(|a, b| {
            (b.enforced + b.observed)
                .cmp(&(a.enforced + a.observed))
                .then(a.rule.cmp(&b.rule))
                .then(a.effect.cmp(&b.effect))
        });
        rows
    }
}

/// `weir report --policy`.
pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    if args.format == ReportFormat::Csv {
        bail!("--policy writes a table or JSON: use --format table or --format json");
    }
    let (since, until) = crate::ledger::report::period(&args.filter)?;
    let mut ledger = open(args.config.config.as_deref())?;
    let (filter, outcome) = filter(&args.filter, since, until);
    let mut s = Summary::default();
    scan(
        ledger.store.as_mut(),
        since,
        until,
        Direction::Forward,
        &mut |xs| {
            // Model exchanges only: the policy does not decide forward-proxy connections.
            for x in xs
                .iter()
                .filter(|x| x.tunnel.is_none() && matches(x, &filter, outcome))
            {
                s.add(x);
            }
            Ok(ControlFlow::Continue(()))
        },
    )?;

    let mut out = std::io::stdout().lock();
    match args.format {
        ReportFormat::Json => {
            let doc = ReportJson {
                since: time::iso_ms(since),
                until: time::iso_ms(until),
                since_ms: since,
                until_ms: until,
                modes: &s.modes,
                policies: &s.policies,
                total: &s.total,
                rules: s.rule_rows(),
                tools: s
                    .tools
                    .iter()
                    .map(|(name, counts)| Named { name, counts })
                    .collect(),
                projects: s
                    .projects
                    .iter()
                    .map(|(name, counts)| Named { name, counts })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        ReportFormat::Table | ReportFormat::Csv => {
            writeln!(
                out,
                "policy decisions from {} to {} ({})",
                time::iso(since),
                time::iso(until),
                ledger.location.describe()
            )?;
            text(&mut out, &s)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn text(out: &mut impl Write, s: &Summary) -> anyhow::Result<()> {
    if s.total.decided == 0 {
        writeln!(
            out,
            "no policy decisions among {} exchange(s) in this period: no policy was in force \
             (weir.toml names one with policy = \"policy.toml\"), or widen the period with --since",
            grouped(s.total.exchanges)
        )?;
        return Ok(());
    }
    let enforce = s.modes.get("enforce").copied().unwrap_or(0);
    let observe = s.modes.get("observe").copied().unwrap_or(0);
    match (enforce, observe) {
        (_, 0) => writeln!(out, "made in enforce mode")?,
        (0, _) => writeln!(
            out,
            "made in observe mode: nothing was refused or rerouted; \"would refuse\" and \"would \
             reroute\" are what enforcing the policy would have done"
        )?,
        (e, o) => writeln!(
            out,
            "made in enforce mode ({} exchanges) and observe mode ({} exchanges)",
            grouped(e),
            grouped(o)
        )?,
    }
    for (policy, n) in &s.policies {
        writeln!(out, "decided by {policy}: {} exchange(s)", grouped(*n))?;
    }
    let t = &s.total;
    writeln!(
        out,
        "\n{} exchange(s), {} decided: {} allowed, {} refused, {} would refuse, {} rerouted, {} \
         would reroute",
        grouped(t.exchanges),
        grouped(t.decided),
        grouped(t.allowed),
        grouped(t.refused),
        grouped(t.would_refuse),
        grouped(t.rerouted),
        grouped(t.would_reroute)
    )?;

    let rules = s.rule_rows();
    if !rules.is_empty() {
        writeln!(
            out,
            "\nby rule (what refused, denied a target, or rerouted):"
        )?;
        let mut table = Table::new(&[
            ("effect", Align::Left),
            ("rule", Align::Left),
            ("enforced", Align::Right),
            ("observed", Align::Right),
            ("tools", Align::Left),
            ("projects", Align::Left),
        ]);
        for r in rules {
            table.row(vec![
                r.effect.clone(),
                r.rule.clone(),
                grouped(r.enforced),
                grouped(r.observed),
                counted(&r.tools),
                counted(&r.projects),
            ]);
        }
        table.write(out)?;
    }
    for (title, rows) in [("tool", &s.tools), ("project", &s.projects)] {
        writeln!(out, "\nby {title}:")?;
        let mut table = Table::new(&[
            (title, Align::Left),
            ("exchanges", Align::Right),
            ("decided", Align::Right),
            ("allowed", Align::Right),
            ("refused", Align::Right),
            ("would refuse", Align::Right),
            ("rerouted", Align::Right),
            ("would reroute", Align::Right),
        ]);
        for (name, c) in rows {
            table.row(vec![
                name.clone(),
                grouped(c.exchanges),
                grouped(c.decided),
                grouped(c.allowed),
                grouped(c.refused),
                grouped(c.would_refuse),
                grouped(c.rerouted),
                grouped(c.would_reroute),
            ]);
        }
        table.write(out)?;
    }
    Ok(())
}

/// `claude-code 12, codex 3`: the largest first.
fn counted(m: &BTreeMap<String, u64>) -> String {
    let mut v: Vec<(&String, &u64)> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(k, n)| format!("{k} {}", grouped(**n)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Serialize)]
struct ReportJson<'a> {
    since: String,
    until: String,
    since_ms: i64,
    until_ms: i64,
    /// Decided exchanges by the mode they were decided in.
    modes: &'a BTreeMap<&'static str, u64>,
    /// Decided exchanges by the policy (`ORIGIN sha256:DIGEST`) that decided them.
    policies: &'a BTreeMap<String, u64>,
    total: &'a Counts,
    rules: Vec<&'a RuleRow>,
    tools: Vec<Named<'a>>,
    projects: Vec<Named<'a>>,
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
    #[serde(flatten)]
    counts: &'a Counts,
}
