//! `weir policy check` and `weir policy explain`, and what they share: finding the policy in
//! force, the facts of a request as owned values, and reading the policy records the ledger
//! keeps (also summed up by `weir report --policy`).
//!
//! These commands only read: the configuration, the policy, the ledger.

pub mod check;
pub mod explain;
pub mod recorded;
pub mod report;
pub mod request;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use weir_config::Config;
use weir_policy::Policy;

use crate::cli::PolicyCommand;
use crate::config_file::{self, PolicyText};

/// Runs a `weir policy` subcommand.
pub fn main(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Check(args) => check::check(args),
        PolicyCommand::Explain(args) => explain::explain(*args),
    }
}

/// The configuration and the policy to decide with: `file` when given (a policy file, checked
/// against the configuration), else the one the configuration names. A configuration without a
/// policy is an error here: there is nothing to explain.
pub fn in_force(config: Option<&Path>, file: Option<&Path>) -> anyhow::Result<(Config, Policy)> {
    let Some(file) = file else {
        let loaded = config_file::load_with_policy(config)?;
        let Some(policy) = loaded.policy else {
            bail!(
                "{} names no policy, so everything is allowed and there is nothing to explain: \
                 add `policy = \"policy.toml\"` (or a [policy] table) to weir.toml, or pass \
                 --policy FILE",
                loaded.origin
            );
        };
        return Ok((loaded.config, Policy::clone(&policy)));
    };
    let (config, _) = config_file::load(config)?;
    let text = policy_file(file)?;
    let policy = text
        .parse()
        .and_then(|p| {
            let p = p.unwrap_or_default();
            p.check(&config_file::references(&config)).map(|()| p)
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "{} has {} policy error(s):\n{e}\n(`weir policy check {}` lists them)",
                text.origin,
                e.0.len(),
                text.origin
            )
        })?;
    Ok((config, policy))
}

/// A policy file named on the command line, read (not parsed).
pub fn policy_file(file: &Path) -> anyhow::Result<PolicyText> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the policy file {}", file.display()))?;
    Ok(PolicyText {
        text,
        origin: file.display().to_string(),
        inline: false,
        file: file.to_owned(),
    })
}
