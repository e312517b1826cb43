//! `weir policy check`: validate a policy, check the names it shares with the configuration,
//! and show what it contains.
//!
//! Which policy: FILE when given (a policy file, or a weir.toml when it has a top-level
//! `policy` key), else the one the weir.toml in use names. A configuration without a policy is
//! not an error: it means everything is allowed, which is said, with how to add one.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use weir_config::{Config, Router};
use weir_policy::{Mode, Policy, PolicyErrors};

use crate::cli::PolicyCheckArgs;
use crate::config_file::{self, PolicyText};
use crate::ledger::table::{Align, Table};

/// The configuration the policy's names are checked against, and how it is called.
struct Against {
    config: Config,
    origin: String,
}

/// `weir policy check`.
pub fn check(args: PolicyCheckArgs) -> anyhow::Result<ExitCode> {
    let (text, against) = match &args.file {
        Some(file) => match given(file, args.config.config.as_deref()) {
            Ok(found) => found,
            Err(e) => return Ok(failed(&e)),
        },
        None => {
            let Some(path) = config_file::locate(args.config.config.as_deref()) else {
                println!(
                    "no weir.toml found, so no policy: everything is allowed.\n{}",
                    HOW_TO_ADD
                );
                return Ok(ExitCode::SUCCESS);
            };
            let (config, origin) = match config_file::load(Some(&path)) {
                Ok(loaded) => loaded,
                Err(e) => return Ok(failed(&e)),
            };
            let text = match config_file::read_policy(&config, &path, &origin) {
                Ok(Some(text)) => text,
                Ok(None) => {
                    println!("{origin}: no policy: everything is allowed.\n{HOW_TO_ADD}");
                    return Ok(ExitCode::SUCCESS);
                }
                Err(e) => return Ok(failed(&e)),
            };
            (text, Some(Against { config, origin }))
        }
    };

    let policy = match text.parse() {
        Ok(Some(policy)) => policy,
        // Only an inline text may lack its table, and the configuration found it there.
        Ok(None) => Policy::default(),
        Err(errors) => return Ok(invalid(&text.origin, &errors)),
    };
    if let Some(a) = &against
        && let Err(errors) = policy.check(&config_file::references(&a.config))
    {
        return Ok(invalid(&text.origin, &errors));
    }
    let mut out = std::io::stdout().lock();
    summary(&mut out, &policy, against.as_ref())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

const HOW_TO_ADD: &str = "To add one, write the rules in policy.toml beside weir.toml and name \
it there:\n  policy = \"policy.toml\"\n(or write them in a [policy] table of weir.toml), then run \
`weir policy check` again.";

/// FILE on the command line: a weir.toml (it has a top-level `policy` key) and the policy it
/// names, or a policy file and the weir.toml in use, if any.
fn given(file: &Path, config: Option<&Path>) -> anyhow::Result<(PolicyText, Option<Against>)> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let is_config = text
        .parse::<toml::Table>()
        .is_ok_and(|t| t.contains_key("policy"));
    if is_config {
        let (config, origin) = config_file::load(Some(file))?;
        let Some(text) = config_file::read_policy(&config, file, &origin)? else {
            anyhow::bail!("{origin} names no policy");
        };
        return Ok((text, Some(Against { config, origin })));
    }
    let against = match config_file::locate(config) {
        Some(path) => {
            let (config, origin) = config_file::load(Some(&path))?;
            Some(Against { config, origin })
        }
        None => None,
    };
    Ok((
        PolicyText {
            text,
            origin: file.display().to_string(),
            inline: false,
            file: file.to_owned(),
        },
        against,
    ))
}

/// Why a reroute to route `name` would be refused today, and what to do.
fn unavailable(name: &str, a: &Against) -> String {
    let probed: Vec<&str> = a
        .config
        .routes
        .iter()
        .filter(|r| r.name == name)
        .flat_map(|r| &r.targets)
        .filter(|t| a.config.probe.iter().any(|p| p.name == t.vendor))
        .map(|t| t.vendor.as_str())
        .collect();
    if probed.is_empty() {
        format!(
            "reroute:{name}: route {name} has no enabled vendor in {}, so requests rerouted \
             there are refused (enable one of its vendors)",
            a.origin
        )
    } else {
        format!(
            "reroute:{name}: route {name} has a vendor only if {} answers when weir starts; \
             otherwise requests rerouted there are refused",
            probed.join(" or ")
        )
    }
}

/// Prints an error that kept the check from running; exit code 1.
fn failed(e: &anyhow::Error) -> ExitCode {
    eprintln!("weir: {e:#}");
    ExitCode::from(1)
}

/// Prints every error, one `file:line:col: message` a line; exit code 1.
fn invalid(origin: &str, errors: &PolicyErrors) -> ExitCode {
    eprintln!("{errors}");
    eprintln!("{origin}: {} error(s)", errors.0.len());
    ExitCode::from(1)
}

/// What a person checking the policy wants to see: that it is valid, how it runs, its rules.
fn summary(out: &mut impl Write, policy: &Policy, against: Option<&Against>) -> anyhow::Result<()> {
    writeln!(out, "{}: ok", policy.origin())?;
    match against {
        Some(a) => writeln!(
            out,
            "  names checked against {}: {} route(s), {} enabled vendor(s) and weir's catalogue",
            a.origin,
            a.config.routes.len(),
            a.config.vendors.len()
        )?,
        None => writeln!(
            out,
            "  no weir.toml found: route and vendor names were not checked (pass --config FILE)"
        )?,
    }
    let digest = policy.digest();
    writeln!(
        out,
        "mode: {}\ndigest: sha256:{} (as the ledger records it)",
        policy.mode().as_str(),
        &digest[..digest.len().min(12)]
    )?;
    let classes: Vec<&str> = policy.classes().collect();
    if !classes.is_empty() {
        writeln!(out, "classes: {} (least strict first)", classes.join(", "))?;
    }
    let teams: Vec<&str> = policy.teams().collect();
    if !teams.is_empty() {
        writeln!(out, "teams: {}", teams.join(", "))?;
    }
    let mut warnings: Vec<String> = Vec::new();
    if let Some(a) = against {
        let router = Router::new(&a.config);
        for name in policy.reroute_routes() {
            // A model no route target overrides shows as the client's own.
            match router.route_named(name, "MODEL") {
                Some(r) => {
                    let targets: Vec<String> = r
                        .targets
                        .iter()
                        .map(|t| format!("{} ({})", t.vendor.name, t.vendor.jurisdiction))
                        .collect();
                    writeln!(out, "reroute:{name} goes to {}", targets.join(" -> "))?;
                }
                None => warnings.push(unavailable(name, a)),
            }
        }
    }
    let rules = policy.rules();
    if rules.is_empty() {
        writeln!(out, "rules: none (an empty policy allows everything)")?;
    } else {
        writeln!(out, "rules ({}):", rules.len())?;
        let mut t = Table::new(&[
            ("line", Align::Right),
            ("kind", Align::Left),
            ("id", Align::Left),
        ]);
        for r in rules {
            t.row(vec![
                r.line.map_or("-".to_owned(), |l| l.to_string()),
                r.kind.as_str().to_owned(),
                r.id.to_string(),
            ]);
        }
        t.write(out)?;
    }
    if policy.mode() == Mode::Observe {
        writeln!(
            out,
            "note: observe mode: requests are decided and recorded, never refused or changed; \
             `weir report --policy` shows what enforcing would have done"
        )?;
    }
    for w in warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
