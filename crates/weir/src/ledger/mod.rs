//! The ledger commands: `weir log`, `weir report`, `weir export` and `weir verify`.
//!
//! They open the ledger the configuration names and only read it: a missing SQLite file is
//! reported, never created, and no signing key is ever made.
//!
//! They run outside the async runtime: the PostgreSQL client brings its own.

pub mod export;
pub mod log;
pub mod report;
pub mod table;
pub mod time;
pub mod verify;

use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;

use anyhow::{anyhow, bail};
use weir_config::{LedgerSettings, ProcessEnv};
use weir_gateway::StartError;
use weir_ledger::open::Location;
use weir_ledger::query::{self, Exchange, Filter};
use weir_ledger::{Outcome, Store};

use crate::cli::{FilterArgs, OutcomeFilter};
use crate::config_file;

/// A ledger opened for reading.
pub struct Opened {
    /// The store.
    pub store: Box<dyn Store>,
    /// Where it is.
    pub location: Location,
    /// The `[ledger]` settings it was found by.
    pub settings: LedgerSettings,
}

/// Where the configured ledger is, without opening it.
pub fn locate(config: Option<&Path>) -> anyhow::Result<(Location, LedgerSettings)> {
    let (config, origin) = config_file::load(config)?;
    let settings = config.ledger;
    let location = weir_gateway::ledger_location(&settings, &ProcessEnv).map_err(|e| match e {
        StartError::Ledger { location, reason } => anyhow!(
            "cannot read the ledger's database URL from {location} (named by ledger.url in {origin}): {reason}"
        ),
        other => anyhow!("{other}"),
    })?;
    Ok((location, settings))
}

/// Opens the configured ledger. A SQLite file that does not exist is an error saying so (it is
/// not created).
pub fn open(config: Option<&Path>) -> anyhow::Result<Opened> {
    let (location, settings) = locate(config)?;
    if let Location::Sqlite(path) = &location {
        if !path.exists() {
            let mut message = format!(
                "no ledger at {}: weir has not recorded anything yet (it records when `weir serve` or `weir run` handles a request)",
                path.display()
            );
            if !settings.enabled {
                message.push_str(
                    "; note that the configuration switches the ledger off ([ledger] enabled = false)",
                );
            }
            bail!(message);
        }
        if !path.is_file() {
            bail!(
                "the ledger path {} is not a file: set [ledger] path in weir.toml to the ledger's database file",
                path.display()
            );
        }
    }
    let store = weir_ledger::open::connect(&location)
        .map_err(|e| anyhow!("cannot open the ledger at {}: {e}", location.describe()))?;
    Ok(Opened {
        store,
        location,
        settings,
    })
}

/// The ledger filter for command-line filters, with the period resolved.
pub fn filter(args: &FilterArgs, since_ms: i64, until_ms: i64) -> (Filter, Option<OutcomeFilter>) {
    let outcome = match args.outcome {
        Some(OutcomeFilter::Ended(o)) => Some(o),
        _ => None,
    };
    (
        Filter {
            since_ms: Some(since_ms),
            until_ms: Some(until_ms),
            tool: args.tool.clone(),
            project: args.project.clone(),
            vendor: args.vendor.clone(),
            jurisdiction: args.jurisdiction.clone(),
            outcome,
        },
        args.outcome,
    )
}

/// Whether `x` passes the filter and the outcome asked for (which may be "still running").
pub fn matches(x: &Exchange, filter: &Filter, outcome: Option<OutcomeFilter>) -> bool {
    filter.matches(x) && (outcome != Some(OutcomeFilter::Running) || x.outcome().is_none())
}

/// The name of an exchange's outcome, `running` while it has none.
pub fn outcome_name(x: &Exchange) -> &'static str {
    x.outcome().map_or("running", Outcome::as_str)
}

/// Which way [`scan`] walks time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Oldest first.
    Forward,
    /// Newest first.
    Backward,
}

/// The first window [`scan`] reads; windows double up to [`MAX_WINDOW_MS`].
const FIRST_WINDOW_MS: i64 = 15 * 60 * 1000;

/// The largest window [`scan`] reads at once (bounds memory to about a day of entries).
const MAX_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// Visits the exchanges that started in `since..until`, a window of time at a time (so a long
/// period is never all in memory), each complete with the entries that ended it even when those
/// came after its window. Within a window exchanges come in `direction` order. `visit` may stop
/// the walk.
pub fn scan(
    store: &mut dyn Store,
    since: i64,
    until: i64,
    direction: Direction,
    visit: &mut dyn FnMut(Vec<Exchange>) -> anyhow::Result<ControlFlow<()>>,
) -> anyhow::Result<()> {
    let mut width = FIRST_WINDOW_MS;
    let mut done = false;
    let (mut lo, mut hi) = match direction {
        Direction::Forward => (since, since.saturating_add(width).min(until)),
        Direction::Backward => (until.saturating_sub(width).max(since), until),
    };
    while !done && lo < hi {
        let rows = store.entries_between(lo, hi).map_err(|e| anyhow!("{e}"))?;
        let mut xs = query::exchanges(&rows);
        drop(rows);
        // An exchange whose start is before this window was (or will be) visited in its own;
        // a forward-proxy connection is one entry.
        xs.retain(|x| x.start.is_some() || x.tunnel.is_some());
        for x in xs.iter_mut() {
            if x.finish.is_none() && x.interrupted.is_none() {
                let all = store.exchange(&x.id).map_err(|e| anyhow!("{e}"))?;
                if let Some(whole) = query::exchanges(&all).into_iter().next() {
                    *x = whole;
                }
            }
        }
        if direction == Direction::Backward {
            xs.reverse();
        }
        if visit(xs)?.is_break() {
            done = true;
        }
        width = (width * 2).min(MAX_WINDOW_MS);
        match direction {
            Direction::Forward => {
                lo = hi;
                hi = hi.saturating_add(width).min(until);
            }
            Direction::Backward => {
                hi = lo;
                lo = lo.saturating_sub(width).max(since);
            }
        }
    }
    Ok(())
}

/// Writes `value` as one line of JSON.
pub fn json_line(out: &mut impl Write, value: &impl serde::Serialize) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Whether `e` is a write to a closed pipe (`weir log | head`): not worth a message.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}
