//! `weir.toml`: what weir listens on, which vendors it may use, and where each model goes.
//!
//! [`Config::from_toml`] turns the file's text (empty text is a valid file) into a validated
//! [`Config`], or into every error found, each with its line and column. Vendors come from the
//! built-in [`catalogue`], enabled automatically when their key variable is set, and from the
//! file's `[vendors.*]` tables. [`Router`] maps the model name a client sends to an ordered list
//! of targets (failover order).
//!
//! The crate reads nothing from the outside world itself: environment variables come through the
//! [`Env`] trait so tests never touch the real environment, and keys are only *named* here
//! ([`SecretSource`]); the binary reads them.
#![warn(missing_docs)]

pub mod catalogue;
pub mod defaults;
pub mod dlp;
pub mod glob;
pub mod inspect;
pub mod ledger;
pub mod proxy;
pub mod route;
pub mod secret;

mod config;
mod errors;
mod load;

pub use config::{
    AuthStyle, Config, Jurisdiction, Limits, Note, PolicySource, RetryPolicy, Route, Target,
    Timeouts, Vendor, VendorEndpoint, VendorOrigin,
};
pub use dlp::{Action, DlpSettings};
pub use errors::{ConfigError, ConfigErrors};
pub use glob::Glob;
pub use inspect::InspectSettings;
pub use ledger::{
    LedgerDurability, LedgerSettings, LedgerStore, LedgerUrl, OnLedgerFailure, Retention,
};
pub use proxy::{HostPattern, HostVerdict, ProxySettings};
pub use route::{Resolved, ResolvedTarget, Router};
pub use secret::{ApiKey, SecretSource};

/// Where configuration reads environment variables from.
pub trait Env {
    /// The value of variable `name`, if set and not empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl<S: std::hash::BuildHasher> Env for std::collections::HashMap<String, String, S> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).cloned()
    }
}
