//! Finding, reading and checking `weir.toml`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::sync::Arc;

use anyhow::{Context, bail};
use weir_config::{Config, PolicySource, ProcessEnv, SecretSource};
use weir_policy::{Policy, PolicyErrors, References};

use crate::cli::CheckArgs;

/// The file a command uses: the one given, else `./weir.toml`, else
/// `$XDG_CONFIG_HOME/weir/weir.toml` (or `~/.config/weir/weir.toml`); `None` means zero-config.
pub fn locate(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = given {
        return Some(path.to_owned());
    }
    let local = PathBuf::from("weir.toml");
    if local.is_file() {
        return Some(local);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    let user = base.join("weir").join("weir.toml");
    user.is_file().then_some(user)
}

/// Loads and validates the configuration (zero-config when there is no file).
pub fn load(given: Option<&Path>) -> anyhow::Result<(Config, String)> {
    match locate(given) {
        None => {
            let config = Config::from_toml("", "(zero-config)", &ProcessEnv)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok((config, "zero-config (no weir.toml found)".into()))
        }
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read configuration file {}", path.display()))?;
            let origin = path.display().to_string();
            match Config::from_toml(&text, &origin, &ProcessEnv) {
                Ok(config) => Ok((config, origin)),
                Err(errors) => bail!(
                    "{} has {} error(s):\n{errors}\n(run `weir config check {}` after fixing them)",
                    origin,
                    errors.0.len(),
                    origin
                ),
            }
        }
    }
}

/// The configuration with the policy it names, and the files both were read from.
pub struct Loaded {
    /// The validated configuration.
    pub config: Config,
    /// How the configuration is named in messages (its path, or zero-config).
    pub origin: String,
    /// The policy in force, when the configuration names one.
    pub policy: Option<Arc<Policy>>,
    /// The files read (weir.toml, then the policy file if separate): what a reload watches.
    pub files: Vec<PathBuf>,
}

/// Loads the configuration and the policy it names, each validated; the policy is also checked
/// against the configuration (every `reroute:<route>` names a route, every vendor is known).
pub fn load_with_policy(given: Option<&Path>) -> anyhow::Result<Loaded> {
    let path = locate(given);
    let (config, origin) = load(given)?;
    let mut files: Vec<PathBuf> = path.iter().cloned().collect();
    let text = match &path {
        Some(path) => read_policy(&config, path, &origin)?,
        None => None,
    };
    let policy = match text {
        None => None,
        Some(text) => {
            if !text.inline {
                files.push(text.file.clone());
            }
            text.parse().map_err(|e| policy_errors(&text.origin, &e))?
        }
    };
    if let Some(policy) = &policy {
        policy
            .check(&references(&config))
            .map_err(|e| policy_errors(policy.origin(), &e))?;
    }
    Ok(Loaded {
        config,
        origin,
        policy: policy.map(Arc::new),
        files,
    })
}

/// The text of a policy, read but not yet parsed.
pub struct PolicyText {
    /// The policy file's text, or all of weir.toml when the policy is its `[policy]` table.
    pub text: String,
    /// How rules are cited (`origin:line`): the path of the file the text came from.
    pub origin: String,
    /// Whether `text` is weir.toml with the policy in its `[policy]` table.
    pub inline: bool,
    /// The file read.
    pub file: PathBuf,
}

impl PolicyText {
    /// Parses the policy, keeping the file's line numbers. `None` only when an inline text has
    /// no `[policy]` table after all.
    pub fn parse(&self) -> Result<Option<Policy>, PolicyErrors> {
        if self.inline {
            Policy::parse_section(&self.text, &self.origin, "policy")
        } else {
            Policy::parse(&self.text, &self.origin).map(Some)
        }
    }
}

/// Reads the policy that `config` (loaded from `path`, called `origin` in messages) names:
/// `None` when it names none.
pub fn read_policy(
    config: &Config,
    path: &Path,
    origin: &str,
) -> anyhow::Result<Option<PolicyText>> {
    Ok(Some(match &config.policy {
        PolicySource::None => return Ok(None),
        PolicySource::Inline { .. } => PolicyText {
            text: std::fs::read_to_string(path)
                .with_context(|| format!("cannot read configuration file {}", path.display()))?,
            origin: origin.to_owned(),
            inline: true,
            file: path.to_owned(),
        },
        PolicySource::File { path: file, line } => {
            let file = beside(path, file);
            let text = std::fs::read_to_string(&file).with_context(|| {
                format!(
                    "cannot read the policy file {} (named by policy = at {origin}:{line})",
                    file.display()
                )
            })?;
            PolicyText {
                text,
                origin: file.display().to_string(),
                inline: false,
                file,
            }
        }
    }))
}

/// `file` as named in the configuration at `config`: relative paths start at its directory.
pub fn beside(config: &Path, file: &Path) -> PathBuf {
    if file.is_absolute() {
        return file.to_owned();
    }
    match config.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(file),
        _ => file.to_owned(),
    }
}

/// The names a policy may use, from `config`: its routes, and every vendor it or the
/// catalogue knows (a policy may name a vendor that is not enabled today).
pub fn references(config: &Config) -> References {
    let mut vendors: Vec<String> = config.vendors.iter().map(|v| v.name.clone()).collect();
    for name in weir_config::catalogue::names() {
        if !vendors.iter().any(|v| v == name) {
            vendors.push(name.to_owned());
        }
    }
    References {
        routes: config.routes.iter().map(|r| r.name.clone()).collect(),
        vendors: Some(vendors),
    }
}

fn policy_errors(origin: &str, errors: &PolicyErrors) -> anyhow::Error {
    anyhow::anyhow!(
        "{origin} has {} policy error(s):\n{errors}\n(run `weir policy check` after fixing them)",
        errors.0.len()
    )
}

/// `weir config check`.
pub fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let given = args.file.as_deref().or(args.config.config.as_deref());
    let path = locate(given);
    let (config, origin) = match load(given) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e:#}");
            return Ok(ExitCode::from(1));
        }
    };
    println!("{origin}: ok");
    if path.is_none() {
        println!("  (no file: zero-config defaults; vendors are enabled by their key variables)");
    }
    println!("listen: {}", config.listen);
    if let Some(token) = &config.access_token {
        println!("access token: {token}");
    }
    if config.vendors.is_empty() {
        println!(
            "vendors: none enabled (set a key variable such as ANTHROPIC_API_KEY, or add [vendors.NAME])"
        );
    } else {
        println!("vendors:");
        for v in &config.vendors {
            let protocols: Vec<&str> = v.endpoints.iter().map(|e| e.protocol.as_str()).collect();
            let key = match &v.key {
                None => "no key".to_owned(),
                Some(source @ SecretSource::Env(name)) => {
                    let set = std::env::var_os(name).is_some_and(|v| !v.is_empty());
                    format!("key {source} ({})", if set { "set" } else { "NOT SET" })
                }
                Some(source @ SecretSource::File(p)) => {
                    format!(
                        "key {source} ({})",
                        if p.is_file() { "present" } else { "MISSING" }
                    )
                }
            };
            println!(
                "  {:<14} {:<6} {:<40} {key}",
                v.name,
                v.jurisdiction.to_string(),
                protocols.join(", ")
            );
        }
    }
    if !config.probe.is_empty() {
        let names: Vec<&str> = config.probe.iter().map(|v| v.name.as_str()).collect();
        println!(
            "probed at start (enabled if they answer): {}",
            names.join(", ")
        );
    }
    if !config.routes.is_empty() {
        println!("routes:");
        for r in &config.routes {
            let models: Vec<&str> = r.models.iter().map(|g| g.as_str()).collect();
            let targets: Vec<String> = r
                .targets
                .iter()
                .map(|t| match &t.model {
                    Some(m) => format!("{}:{m}", t.vendor),
                    None => t.vendor.clone(),
                })
                .collect();
            println!(
                "  {:<14} {} -> {}",
                r.name,
                models.join(", "),
                targets.join(" -> ")
            );
        }
    }
    for note in &config.notes {
        match note.line {
            Some(line) => println!("note: {origin}:{line}: {}", note.message),
            None => println!("note: {}", note.message),
        }
    }
    Ok(ExitCode::SUCCESS)
}
