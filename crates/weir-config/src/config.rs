use std::net::SocketAddr;
use std::time::Duration;

use weir_protocol::Protocol;

use crate::{ConfigErrors, Env, Glob, SecretSource};

/// The validated configuration weir runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the listener. Default `127.0.0.1:9347` ([`crate::defaults::LISTEN`]).
    pub listen: SocketAddr,
    /// Token every request must carry (required to listen on a non-loopback address).
    pub access_token: Option<SecretSource>,
    /// Extra `Host` names accepted on a loopback listener besides `localhost`, `127.0.0.1` and
    /// `[::1]` (DNS-rebinding defence).
    pub allowed_hosts: Vec<String>,
    /// Request limits.
    pub limits: Limits,
    /// Timeouts per phase.
    pub timeouts: Timeouts,
    /// Retry and failover policy.
    pub retry: RetryPolicy,
    /// The enabled vendors: the file's `[vendors.*]` in file order, then catalogue vendors enabled
    /// by their key variable, in catalogue order. Names are unique.
    pub vendors: Vec<Vendor>,
    /// Explicit routes, in file order (the first whose globs match a model wins).
    pub routes: Vec<Route>,
    /// Catalogue vendors to enable if they answer on their default address (Ollama, when the file
    /// does not mention it). The gateway probes them at start and calls [`Config::enable`].
    pub probe: Vec<Vendor>,
    /// The ledger.
    pub ledger: crate::LedgerSettings,
    /// What happens to secrets and personal data in requests.
    pub dlp: crate::DlpSettings,
    /// Which other hosts a tool may reach through weir as its forward proxy.
    pub proxy: crate::ProxySettings,
    /// What happens to environment facts and hidden markers found in requests.
    pub inspect: crate::InspectSettings,
    /// Where the organisation's policy is written (parsed by `weir-policy`).
    pub policy: PolicySource,
    /// Things worth telling the user that are not errors (a key variable that is not set, a
    /// vendor enabled automatically).
    pub notes: Vec<Note>,
}

/// Where the policy comes from. The configuration only locates it: `weir-policy` parses and
/// validates it, so its errors carry its own line numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PolicySource {
    /// No policy: every tool, vendor and jurisdiction is allowed, data is handled by `[dlp]`
    /// and `[inspect]` alone.
    #[default]
    None,
    /// A `[policy]` table in weir.toml itself, starting at this 1-based line.
    Inline {
        /// Line of the `[policy]` header.
        line: usize,
    },
    /// `policy = "PATH"`: a file of its own, relative to weir.toml's directory unless absolute.
    File {
        /// The path as written.
        path: std::path::PathBuf,
        /// Line of the `policy` key.
        line: usize,
    },
}

/// A remark about the configuration, shown by `weir config check` and logged at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// 1-based line in the file it refers to, if any.
    pub line: Option<usize>,
    /// What to tell the user.
    pub message: String,
}

/// Request limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted, in bytes. Default 32 MiB.
    pub max_body_bytes: usize,
}

/// Timeouts, each a named default in [`crate::defaults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Reading a client's request headers.
    pub header_read: Duration,
    /// Connecting to a vendor (TCP and TLS).
    pub connect: Duration,
    /// From sending the request to the vendor's response headers (for a non-streaming request
    /// this covers the whole generation).
    pub first_byte: Duration,
    /// Longest silence between two reads of a vendor's response body.
    pub idle: Duration,
    /// Longest lifetime of one exchange with a vendor.
    pub total: Duration,
}

/// When weir retries or fails over, before the first byte reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most vendor attempts for one client request, across all targets.
    pub max_attempts: u32,
    /// Longest `Retry-After` weir waits out itself before retrying the same target.
    pub max_wait: Duration,
    /// How long a target that refused with 401/403 after having served (a cut-off) is skipped.
    pub cutoff_cooldown: Duration,
    /// How long a target that could not be reached, or was overloaded without a `Retry-After`,
    /// is skipped.
    pub failure_cooldown: Duration,
}

/// A model vendor weir may send requests to.
#[derive(Debug, Clone, PartialEq)]
pub struct Vendor {
    /// Unique name, used in routes (`anthropic`, `qwen`, ...).
    pub name: String,
    /// Name for people (`Alibaba Model Studio (Singapore)`).
    pub display_name: String,
    /// The APIs this vendor serves, at most one per protocol.
    pub endpoints: Vec<VendorEndpoint>,
    /// Where its key comes from; `None` for vendors that need none (local servers).
    pub key: Option<SecretSource>,
    /// Where the operator is.
    pub jurisdiction: Jurisdiction,
    /// Model names this vendor serves when no route names the model.
    pub models: Vec<Glob>,
    /// Whether it serves `POST /v1/messages/count_tokens` on its Anthropic endpoint.
    pub count_tokens: bool,
    /// Whether the client's `anthropic-beta` header is forwarded (only vendors that accept
    /// unknown betas).
    pub forward_anthropic_beta: bool,
    /// What it accepts in translated requests (protocols.md §2.8, §9).
    pub profile: weir_protocol::canonical::Profile,
    /// Why it is enabled.
    pub origin: VendorOrigin,
}

impl Vendor {
    /// The endpoint speaking `protocol`, if any.
    pub fn endpoint(&self, protocol: Protocol) -> Option<&VendorEndpoint> {
        self.endpoints.iter().find(|e| e.protocol == protocol)
    }

    /// Whether the vendor runs on this machine or network (`jurisdiction = "local"`).
    pub fn is_local(&self) -> bool {
        self.jurisdiction == Jurisdiction::Local
    }
}

/// One API a vendor serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorEndpoint {
    /// The protocol.
    pub protocol: Protocol,
    /// Base URL, without a trailing `/` (Anthropic: without `/v1`; OpenAI: with it).
    pub base_url: String,
    /// How the key is sent.
    pub auth: AuthStyle,
}

/// How a vendor expects its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStyle {
    /// `x-api-key: KEY`.
    XApiKey,
    /// `Authorization: Bearer KEY`.
    Bearer,
    /// No key header.
    None,
}

/// Where a vendor's operator is: an ISO 3166-1 alpha-2 country code, or this machine/network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Jurisdiction {
    /// A country, upper-case (`US`, `CN`, `SG`).
    Country(String),
    /// Runs locally (`local`).
    Local,
}

impl std::fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Jurisdiction::Country(c) => f.write_str(c),
            Jurisdiction::Local => f.write_str("local"),
        }
    }
}

/// Why a vendor is enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VendorOrigin {
    /// Declared in the file, at this 1-based line.
    File {
        /// Line of its `[vendors.NAME]` header.
        line: usize,
    },
    /// A catalogue vendor whose key variable is set.
    KeyVariable(String),
    /// A catalogue vendor that answered on its default address.
    Probed,
}

/// An explicit route from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Its `name`, or `routes[N]` (0-based) when unnamed.
    pub name: String,
    /// Globs on the model name the client sends.
    pub models: Vec<Glob>,
    /// Targets in failover order.
    pub targets: Vec<Target>,
    /// 1-based line of its `[[routes]]` header.
    pub line: usize,
}

/// `vendor` or `vendor:model` in a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// A vendor name that exists in [`Config::vendors`] or the catalogue.
    pub vendor: String,
    /// The model name sent to the vendor; `None` keeps the client's.
    pub model: Option<String>,
}

impl Config {
    /// Parses and validates `weir.toml` text. `origin` names the file in error messages; `env`
    /// supplies environment variables (for catalogue vendors enabled by their key variable).
    /// Empty text gives the zero-config setup. Unknown keys are errors. All errors found are
    /// returned together, each with line and column.
    pub fn from_toml(text: &str, origin: &str, env: &dyn Env) -> Result<Config, ConfigErrors> {
        crate::load::load(text, origin, env)
    }

    /// Enables a vendor from [`Config::probe`] (it answered on its default address): it moves to
    /// the end of [`Config::vendors`] with origin [`VendorOrigin::Probed`]. Does nothing when no vendor of that name waits in `probe`.
    pub fn enable(&mut self, name: &str) {
        if let Some(i) = self.probe.iter().position(|v| v.name == name) {
            let mut vendor = self.probe.remove(i);
            vendor.origin = VendorOrigin::Probed;
            self.vendors.push(vendor);
        }
    }

    /// The enabled vendor called `name`.
    pub fn vendor(&self, name: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.name == name)
    }
}
