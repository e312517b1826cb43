//! `weir policy explain`: what the policy decides for a request described by flags, or for an
//! exchange in the ledger (decided again now, beside what was recorded then).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use serde::Serialize;
use weir_config::{Config, Router};
use weir_ledger::query::{self, Exchange};
use weir_policy::{Date, Decision, Policy, data};

use super::recorded::Recorded;
use super::request::{OwnedRoute, Request, reroutes, route_of, vendor_route};
use crate::cli::{ExplainArgs, TextFormat};
use crate::ledger::table::{Align, Table};
use crate::ledger::{self, outcome_name, time};

/// The model a target is decided for when none is given: no model rule matches it.
const NO_MODEL: &str = "(no model)";

/// `weir policy explain`.
pub fn explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let (config, policy) = super::in_force(args.config.config.as_deref(), args.policy.as_deref())?;
    if let Some(id) = &args.id {
        return exchange(&args, id.trim(), &config, &policy);
    }
    let request = from_flags(&args, &config, &policy)?;
    let date = args
        .date
        .unwrap_or_else(|| Date::from_unix_seconds(time::now_ms().div_euclid(1000)));
    let decision = request.decide(&policy, date);
    let mut out = std::io::stdout().lock();
    match args.format {
        TextFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &decision)?;
            writeln!(out)?;
        }
        TextFormat::Text => write!(out, "{decision}")?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The request the flags describe, routed through the configuration.
fn from_flags(args: &ExplainArgs, config: &Config, policy: &Policy) -> anyhow::Result<Request> {
    for f in &args.finding {
        if data::kind_of(f).is_none() {
            let names: Vec<&str> = data::CATEGORIES.iter().map(|(c, _)| *c).collect();
            bail!(
                "unknown finding category \"{f}\"; categories are {}",
                names.join(", ")
            );
        }
    }
    let cwd = match &args.cwd {
        Some(dir) => Some(
            std::path::absolute(dir)
                .map_err(|e| anyhow!("cannot make --cwd {} absolute: {e}", dir.display()))?
                .display()
                .to_string(),
        ),
        None => None,
    };
    let router = Router::new(config);
    let model = args.model.as_deref();
    let route = match (&args.vendor, model) {
        (Some(vendor), _) => Some(vendor_route(config, vendor, model.unwrap_or(NO_MODEL))?),
        (None, Some(m)) => match router.resolve(m) {
            Some(r) => Some(route_of(&r)),
            None => bail!(
                "nothing serves model \"{m}\": no route of the configuration and no enabled \
                 vendor's models match it (`weir config check` lists them); pass --vendor NAME \
                 to decide for one vendor"
            ),
        },
        (None, None) => None,
    };
    Ok(Request {
        tool: args.tool.clone(),
        version: args.version.clone(),
        user: args.user.clone(),
        project: args.project.clone(),
        cwd,
        remotes: args.remote.clone(),
        model: args.model.clone(),
        route,
        reroutes: reroutes(policy, &router, model.unwrap_or(NO_MODEL)),
        findings: args.finding.clone(),
    })
}

/// The request an exchange recorded, routed as the configuration routes its model now.
fn from_exchange(x: &Exchange, config: &Config, policy: &Policy) -> anyhow::Result<Request> {
    if x.tunnel.is_some() {
        bail!(
            "{} is a forward-proxy connection: the policy decides model requests only",
            x.id
        );
    }
    let Some(start) = &x.start else {
        bail!(
            "the ledger has no start entry for {}: nothing is known to decide",
            x.id
        );
    };
    // The ledger records where the request was allowed to go (after the policy left targets
    // out or rerouted it), so the model is routed again; the recorded route only when nothing
    // serves the model any more.
    let router = Router::new(config);
    let route = match router.resolve(&start.model) {
        Some(r) => Some(route_of(&r)),
        None => (!start.targets.is_empty()).then(|| OwnedRoute {
            name: start.route.clone(),
            targets: start
                .targets
                .iter()
                .map(|t| (t.vendor.clone(), t.jurisdiction.clone(), t.model.clone()))
                .collect(),
        }),
    };
    let mut findings: Vec<String> = Vec::new();
    for f in x.finish.iter().flat_map(|f| &f.findings) {
        // Inspection findings are filed under `fingerprint` or `marker`; their rule is the
        // kind the policy names (`time-zone`, `invisible`).
        let category = match f.category.as_str() {
            "fingerprint" | "marker" => &f.rule,
            _ => &f.category,
        };
        if !findings.contains(category) {
            findings.push(category.clone());
        }
    }
    Ok(Request {
        tool: start.client.tool.clone(),
        version: start.client.version.clone(),
        user: start.user.clone(),
        project: start.project.clone(),
        cwd: None,
        remotes: Vec::new(),
        model: Some(start.model.clone()),
        route,
        reroutes: reroutes(policy, &router, &start.model),
        findings,
    })
}

/// `weir policy explain ID`.
fn exchange(
    args: &ExplainArgs,
    id: &str,
    config: &Config,
    policy: &Policy,
) -> anyhow::Result<ExitCode> {
    let mut opened = ledger::open(args.config.config.as_deref())?;
    let rows = opened.store.exchange(id).map_err(|e| anyhow!("{e}"))?;
    let Some(x) = query::exchanges(&rows).into_iter().next() else {
        bail!(
            "no exchange {id} in the ledger at {}: `weir log` lists exchange ids (clients also \
             get them in the request-id header)",
            opened.location.describe()
        );
    };
    let request = from_exchange(&x, config, policy)?;
    let date = args
        .date
        .unwrap_or_else(|| Date::from_unix_seconds(x.at_ms.div_euclid(1000)));
    let decision = request.decide(policy, date);
    let records: &[weir_ledger::Decision] = x.finish.as_ref().map_or(&[], |f| &f.decisions);
    let mut out = std::io::stdout().lock();
    match args.format {
        TextFormat::Json => {
            let doc = ExchangeJson {
                exchange: &x.id,
                time: time::iso_ms(x.at_ms),
                outcome: outcome_name(&x),
                decision: &decision,
                recorded: records,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        TextFormat::Text => compare(&mut out, &x, &request, &decision, records)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct ExchangeJson<'a> {
    exchange: &'a str,
    time: String,
    outcome: &'static str,
    /// What the policy decides now.
    decision: &'a Decision,
    /// The policy records kept then.
    recorded: &'a [weir_ledger::Decision],
}

/// The exchange, the decision now, the records then, and whether they agree.
fn compare(
    out: &mut impl Write,
    x: &Exchange,
    request: &Request,
    now: &Decision,
    records: &[weir_ledger::Decision],
) -> anyhow::Result<()> {
    writeln!(
        out,
        "{} at {}, outcome {}",
        x.id,
        time::iso(x.at_ms),
        outcome_name(x)
    )?;
    let mut facts: Vec<String> = Vec::new();
    let tool = request.tool.as_deref().unwrap_or("unknown tool");
    facts.push(match &request.version {
        Some(v) => format!("{tool} {v}"),
        None => tool.to_owned(),
    });
    if let Some(u) = &request.user {
        facts.push(format!("user {u}"));
    }
    if let Some(p) = &request.project {
        facts.push(format!("project {p}"));
    }
    if let Some(m) = &request.model {
        facts.push(format!("model {m}"));
    }
    if let Some(s) = &x.start {
        facts.push(format!("route {}", s.route));
    }
    if !request.findings.is_empty() {
        facts.push(format!("findings {}", request.findings.join(", ")));
    }
    writeln!(out, "  {}", facts.join(", "))?;

    let digest = &now.digest[..now.digest.len().min(12)];
    writeln!(
        out,
        "\nnow ({} sha256:{digest}, decided for {}):",
        now.policy, now.date
    )?;
    for line in now.to_string().lines() {
        writeln!(out, "  {line}")?;
    }

    let Some(then) = Recorded::of(records) else {
        writeln!(
            out,
            "\nthen: no policy records (no policy was in force when it was handled)"
        )?;
        return Ok(());
    };
    match (then.policy, then.mode, then.date) {
        (Some(p), Some(m), Some(d)) => {
            writeln!(out, "\nthen ({p}, {}, decided for {d}):", m.as_str())?
        }
        _ => writeln!(out, "\nthen:")?,
    }
    let mut t = Table::new(&[
        ("effect", Align::Left),
        ("rule", Align::Left),
        ("reason", Align::Left),
    ]);
    for r in records {
        t.row(vec![r.effect.clone(), r.rule.clone(), r.reason.clone()]);
    }
    let mut table = Vec::new();
    t.write(&mut table)?;
    for line in String::from_utf8_lossy(&table).lines() {
        writeln!(out, "  {line}")?;
    }

    let verdict = |refused: bool| if refused { "refused" } else { "allowed" };
    let (was, is) = (then.refusal.is_some(), now.is_refused());
    writeln!(out)?;
    if was == is {
        writeln!(out, "same verdict: {} then and now", verdict(is))?;
    } else {
        writeln!(
            out,
            "the verdict changed: {} then, {} now",
            verdict(was),
            verdict(is)
        )?;
    }
    if let Some(d) = then.digest()
        && d != digest
    {
        writeln!(
            out,
            "the policy changed since: sha256:{d} decided then, sha256:{digest} now"
        )?;
    }
    Ok(())
}
