//! From `weir.toml` text to a [`Config`]: a raw serde model that keeps the byte spans of every
//! value needing semantic checks, then validation that collects every error with its position.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;
use weir_protocol::Protocol;

use crate::config::{
    AuthStyle, Config, Jurisdiction, Limits, Note, PolicySource, RetryPolicy, Route, Target,
    Timeouts, Vendor, VendorEndpoint, VendorOrigin,
};
use crate::{ConfigError, ConfigErrors, Env, Glob, SecretSource, catalogue, defaults};

// ---------------------------------------------------------------------------------------------
// The file as written.

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    listen: Option<Spanned<String>>,
    access_token: Option<Spanned<String>>,
    allowed_hosts: Option<Vec<Spanned<String>>>,
    auto_vendors: Option<bool>,
    limits: Option<RawLimits>,
    timeouts: Option<RawTimeouts>,
    retry: Option<RawRetry>,
    vendors: Option<BTreeMap<Spanned<String>, Spanned<RawVendor>>>,
    routes: Option<Vec<Spanned<RawRoute>>>,
    ledger: Option<crate::ledger::RawLedger>,
    dlp: Option<crate::dlp::RawDlp>,
    proxy: Option<crate::proxy::RawProxy>,
    inspect: Option<crate::inspect::RawInspect>,
    /// A path, or the policy itself (read by `weir-policy`, which checks its keys).
    policy: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_body: Option<Spanned<Scalar>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeouts {
    header_read: Option<Spanned<Scalar>>,
    connect: Option<Spanned<Scalar>>,
    first_byte: Option<Spanned<Scalar>>,
    idle: Option<Spanned<Scalar>>,
    total: Option<Spanned<Scalar>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    max_attempts: Option<Spanned<i64>>,
    max_wait: Option<Spanned<Scalar>>,
    cutoff_cooldown: Option<Spanned<Scalar>>,
    failure_cooldown: Option<Spanned<Scalar>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    preset: Option<Spanned<String>>,
    protocol: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    auth: Option<Spanned<String>>,
    api_key: Option<Spanned<String>>,
    jurisdiction: Option<Spanned<String>>,
    models: Option<Vec<Spanned<String>>>,
    count_tokens: Option<bool>,
    enabled: Option<bool>,
    profile: Option<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    name: Option<Spanned<String>>,
    models: Option<Spanned<Vec<Spanned<String>>>>,
    targets: Option<Spanned<Vec<Spanned<String>>>>,
}

/// An integer or a string (sizes and durations accept both).
pub(crate) enum Scalar {
    Int(i64),
    Str(String),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;

        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Int(i64::try_from(v).unwrap_or(i64::MAX)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
        }

        deserializer.deserialize_any(ScalarVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Positions and errors.

pub(crate) struct Ctx<'a> {
    text: &'a str,
    origin: &'a str,
    errors: Vec<ConfigError>,
}

impl Ctx<'_> {
    /// 1-based line and column (in characters) of byte `offset`.
    fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    pub(crate) fn line(&self, span: &Range<usize>) -> usize {
        self.position(span.start).0
    }

    pub(crate) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = self.position(span.start);
        self.errors.push(ConfigError {
            origin: self.origin.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    fn into_errors(mut self) -> ConfigErrors {
        self.errors.sort_by_key(|e| (e.line, e.column));
        ConfigErrors(self.errors)
    }
}

fn note(line: Option<usize>, message: String) -> Note {
    Note { line, message }
}

// ---------------------------------------------------------------------------------------------
// The whole file.

pub(crate) fn load(text: &str, origin: &str, env: &dyn Env) -> Result<Config, ConfigErrors> {
    let mut cx = Ctx {
        text,
        origin,
        errors: Vec::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            cx.error(span, e.message().trim().to_owned());
            return Err(cx.into_errors());
        }
    };
    let mut notes = Vec::new();

    let listen = match &raw.listen {
        None => Some(defaults::LISTEN),
        Some(s) => match s.get_ref().trim().parse::<SocketAddr>() {
            Ok(addr) => Some(addr),
            Err(_) => {
                cx.error(
                    s.span(),
                    format!(
                        "listen must be an IP address and a port, like \"127.0.0.1:{port}\" or \
                         \"[::1]:{port}\" (host names are not accepted)",
                        port = defaults::PORT
                    ),
                );
                None
            }
        },
    };
    let access_token = raw
        .access_token
        .as_ref()
        .and_then(|t| secret(&mut cx, "access_token", t));
    if let (Some(addr), Some(s)) = (listen, &raw.listen)
        && !addr.ip().is_loopback()
        && raw.access_token.is_none()
    {
        cx.error(
            s.span(),
            format!(
                "listening on {addr} exposes weir beyond this machine; set access_token = \
                 \"env:NAME\" (or \"file:PATH\") so that every request must carry that token, \
                 or listen on 127.0.0.1"
            ),
        );
    }

    let allowed_hosts = raw
        .allowed_hosts
        .iter()
        .flatten()
        .filter_map(|h| {
            let host = h.get_ref().trim().to_ascii_lowercase();
            if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
                cx.error(
                    h.span(),
                    "allowed_hosts entries must be host names like \"weir.internal\", without \
                     a scheme or a path",
                );
                None
            } else {
                Some(host)
            }
        })
        .collect();

    let limits = limits(&mut cx, raw.limits.as_ref());
    let timeouts = timeouts(&mut cx, raw.timeouts.as_ref());
    let retry = retry(&mut cx, raw.retry.as_ref());
    let ledger = crate::ledger::settings(&mut cx, env, raw.ledger.as_ref());
    let auto_vendors = raw.auto_vendors.unwrap_or(defaults::AUTO_VENDORS);
    let route_names: Vec<String> = raw
        .routes
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, r)| {
            r.get_ref()
                .name
                .as_ref()
                .map_or_else(|| format!("routes[{i}]"), |n| n.get_ref().trim().to_owned())
        })
        .collect();
    let dlp = crate::dlp::settings(&mut cx, raw.dlp.as_ref(), &route_names);
    let proxy = crate::proxy::settings(&mut cx, raw.proxy.as_ref());
    let inspect = crate::inspect::settings(&mut cx, raw.inspect.as_ref());
    let policy = match &raw.policy {
        None => PolicySource::None,
        Some(v) => match v.get_ref() {
            toml::Value::Table(_) => PolicySource::Inline {
                line: cx.line(&v.span()),
            },
            toml::Value::String(path) if !path.trim().is_empty() => PolicySource::File {
                path: std::path::PathBuf::from(path.trim()),
                line: cx.line(&v.span()),
            },
            _ => {
                cx.error(
                    v.span(),
                    "policy must be the path of a policy file (policy = \"policy.toml\", relative \
                     to this file) or a [policy] table",
                );
                PolicySource::None
            }
        },
    };

    // Vendors of the file, in file order (the map is sorted by name; spans give the order).
    let mut tables: Vec<(Spanned<String>, Spanned<RawVendor>)> =
        raw.vendors.unwrap_or_default().into_iter().collect();
    tables.sort_by_key(|(name, _)| name.span().start);
    let mut vendors = Vec::new();
    // Every name the file declares, and whether the table enables it.
    let mut declared: Vec<(&str, bool)> = Vec::new();
    for (name, table) in &tables {
        let enabled = table.get_ref().enabled.unwrap_or(true);
        declared.push((name.get_ref().as_str(), enabled));
        if let Some(vendor) = vendor(&mut cx, env, &mut notes, name, table.get_ref(), enabled)
            && enabled
        {
            vendors.push(vendor);
        }
    }

    // Catalogue vendors the file does not mention: enabled by their key variable, or probed.
    let mut probe = Vec::new();
    if auto_vendors {
        for mut v in catalogue::vendors() {
            if declared.iter().any(|(n, _)| *n == v.name) {
                continue;
            }
            if catalogue::probed(&v.name) {
                probe.push(v);
                continue;
            }
            if !catalogue::auto_enabled_by_key(&v.name) {
                continue;
            }
            let set = catalogue::key_variables(&v.name)
                .iter()
                .find(|var| env.var(var).is_some());
            if let Some(var) = set {
                v.key = Some(SecretSource::Env((*var).to_owned()));
                v.origin = VendorOrigin::KeyVariable((*var).to_owned());
                notes.push(note(
                    None,
                    format!(
                        "vendor `{}` ({}) is enabled because {var} is set",
                        v.name, v.display_name
                    ),
                ));
                vendors.push(v);
            }
        }
    }

    // Routes.
    let mut known: Vec<&str> = declared.iter().map(|(n, _)| *n).collect();
    for n in catalogue::names() {
        if !declared.iter().any(|(d, _)| *d == n) {
            known.push(n);
        }
    }
    let raw_routes = raw.routes.unwrap_or_default();
    let routes = routes(&mut cx, &raw_routes, &known);
    for route in &routes {
        for (i, t) in route.targets.iter().enumerate() {
            if vendors.iter().any(|v| v.name == t.vendor)
                || route.targets[..i].iter().any(|o| o.vendor == t.vendor)
            {
                continue;
            }
            let message = unused_target(&t.vendor, &declared, &probe, auto_vendors, env);
            notes.push(note(
                Some(route.line),
                format!("route `{}`: {message}", route.name),
            ));
        }
    }

    if !cx.errors.is_empty() {
        return Err(cx.into_errors());
    }
    Ok(Config {
        listen: listen.unwrap_or(defaults::LISTEN),
        access_token,
        allowed_hosts,
        limits,
        timeouts,
        retry,
        vendors,
        routes,
        probe,
        notes,
        ledger,
        dlp,
        proxy,
        inspect,
        policy,
    })
}

/// Why a route target's vendor is not enabled, and what to do about it.
fn unused_target(
    vendor: &str,
    declared: &[(&str, bool)],
    probe: &[Vendor],
    auto_vendors: bool,
    env: &dyn Env,
) -> String {
    if let Some(p) = probe.iter().find(|p| p.name == vendor) {
        let url = p.endpoints.first().map_or("", |e| e.base_url.as_str());
        return format!(
            "vendor `{vendor}` is used only if it answers at {url} when weir starts; add a \
             [vendors.{vendor}] table to enable it regardless"
        );
    }
    if declared.iter().any(|(n, enabled)| *n == vendor && !enabled) {
        return format!("vendor `{vendor}` is disabled (enabled = false), so the route skips it");
    }
    let vars = catalogue::key_variables(vendor);
    let var_set = vars.iter().any(|v| env.var(v).is_some());
    if auto_vendors && catalogue::auto_enabled_by_key(vendor) && !var_set {
        format!(
            "vendor `{vendor}` is not enabled because {} is not set, so the route skips it \
             until it is",
            vars.join(" or ")
        )
    } else {
        format!(
            "vendor `{vendor}` is not enabled, so the route skips it; add a [vendors.{vendor}] \
             table to enable it"
        )
    }
}

fn secret(cx: &mut Ctx<'_>, field: &str, value: &Spanned<String>) -> Option<SecretSource> {
    match SecretSource::parse(value.get_ref()) {
        Ok(s) => Some(s),
        Err(message) => {
            cx.error(value.span(), format!("{field} {message}"));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Limits, timeouts, retry.

fn limits(cx: &mut Ctx<'_>, raw: Option<&RawLimits>) -> Limits {
    let mut limits = Limits {
        max_body_bytes: defaults::MAX_BODY_BYTES,
    };
    if let Some(v) = raw.and_then(|r| r.max_body.as_ref()) {
        match parse_size(v.get_ref()) {
            Some(n) => limits.max_body_bytes = n,
            None => cx.error(
                v.span(),
                "limits.max_body must be a number of bytes greater than zero, or a string like \
                 \"32 MiB\" (units: B, KB, KiB, MB, MiB, GB, GiB)",
            ),
        }
    }
    limits
}

fn parse_size(value: &Scalar) -> Option<usize> {
    let bytes: u64 = match value {
        Scalar::Int(n) => u64::try_from(*n).ok()?,
        Scalar::Str(s) => {
            let s = s.trim();
            let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            let number: u64 = s[..digits].parse().ok()?;
            let unit: u64 = match s[digits..].trim().to_ascii_lowercase().as_str() {
                "" | "b" => 1,
                "kb" => 1_000,
                "kib" => 1 << 10,
                "mb" => 1_000_000,
                "mib" => 1 << 20,
                "gb" => 1_000_000_000,
                "gib" => 1 << 30,
                _ => return None,
            };
            number.checked_mul(unit)?
        }
    };
    usize::try_from(bytes).ok().filter(|&n| n > 0)
}

/// Parses a duration; `Err(true)` when it is zero and `allow_zero` is false, `Err(false)` when it
/// is malformed.
fn parse_duration(value: &Scalar, allow_zero: bool) -> Result<Duration, bool> {
    let d = match value {
        Scalar::Int(n) => Duration::from_secs(u64::try_from(*n).map_err(|_| false)?),
        Scalar::Str(s) => {
            let s = s.trim();
            let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            let number: u64 = s[..digits].parse().map_err(|_| false)?;
            match s[digits..].trim_start() {
                "ms" => Duration::from_millis(number),
                "s" => Duration::from_secs(number),
                "m" => Duration::from_secs(number.checked_mul(60).ok_or(false)?),
                "h" => Duration::from_secs(number.checked_mul(3600).ok_or(false)?),
                _ => return Err(false),
            }
        }
    };
    if d.is_zero() && !allow_zero {
        return Err(true);
    }
    Ok(d)
}

pub(crate) fn duration(
    cx: &mut Ctx<'_>,
    field: &str,
    value: Option<&Spanned<Scalar>>,
    default: Duration,
    allow_zero: bool,
) -> Duration {
    let Some(value) = value else {
        return default;
    };
    match parse_duration(value.get_ref(), allow_zero) {
        Ok(d) => d,
        Err(zero) => {
            let message = if zero {
                format!("{field} must be longer than zero")
            } else {
                format!(
                    "{field} must be a whole number of seconds, or a string like \"500ms\", \
                     \"10s\", \"5m\" or \"1h\""
                )
            };
            cx.error(value.span(), message);
            default
        }
    }
}

fn timeouts(cx: &mut Ctx<'_>, raw: Option<&RawTimeouts>) -> Timeouts {
    let get = |f: fn(&RawTimeouts) -> &Option<Spanned<Scalar>>| raw.and_then(|r| f(r).as_ref());
    Timeouts {
        header_read: duration(
            cx,
            "timeouts.header_read",
            get(|r| &r.header_read),
            defaults::HEADER_READ_TIMEOUT,
            false,
        ),
        connect: duration(
            cx,
            "timeouts.connect",
            get(|r| &r.connect),
            defaults::CONNECT_TIMEOUT,
            false,
        ),
        first_byte: duration(
            cx,
            "timeouts.first_byte",
            get(|r| &r.first_byte),
            defaults::FIRST_BYTE_TIMEOUT,
            false,
        ),
        idle: duration(
            cx,
            "timeouts.idle",
            get(|r| &r.idle),
            defaults::IDLE_TIMEOUT,
            false,
        ),
        total: duration(
            cx,
            "timeouts.total",
            get(|r| &r.total),
            defaults::TOTAL_TIMEOUT,
            false,
        ),
    }
}

fn retry(cx: &mut Ctx<'_>, raw: Option<&RawRetry>) -> RetryPolicy {
    let get = |f: fn(&RawRetry) -> &Option<Spanned<Scalar>>| raw.and_then(|r| f(r).as_ref());
    let max_attempts = match raw.and_then(|r| r.max_attempts.as_ref()) {
        None => defaults::MAX_ATTEMPTS,
        Some(n) => match u32::try_from(*n.get_ref()) {
            Ok(n) if n >= 1 => n,
            _ => {
                cx.error(
                    n.span(),
                    "retry.max_attempts must be a whole number of at least 1 (1 means no retry \
                     and no failover)",
                );
                defaults::MAX_ATTEMPTS
            }
        },
    };
    RetryPolicy {
        max_attempts,
        max_wait: duration(
            cx,
            "retry.max_wait",
            get(|r| &r.max_wait),
            defaults::MAX_RETRY_WAIT,
            true,
        ),
        cutoff_cooldown: duration(
            cx,
            "retry.cutoff_cooldown",
            get(|r| &r.cutoff_cooldown),
            defaults::CUTOFF_COOLDOWN,
            true,
        ),
        failure_cooldown: duration(
            cx,
            "retry.failure_cooldown",
            get(|r| &r.failure_cooldown),
            defaults::FAILURE_COOLDOWN,
            true,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Vendors.

fn is_vendor_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn default_auth(protocol: Protocol) -> AuthStyle {
    match protocol {
        Protocol::Anthropic => AuthStyle::XApiKey,
        Protocol::OpenAiChat | Protocol::OpenAiResponses => AuthStyle::Bearer,
    }
}

fn parse_auth(s: &str) -> Option<AuthStyle> {
    match s {
        "bearer" => Some(AuthStyle::Bearer),
        "x-api-key" => Some(AuthStyle::XApiKey),
        "none" => Some(AuthStyle::None),
        _ => None,
    }
}

fn parse_jurisdiction(s: &str) -> Option<Jurisdiction> {
    if s.eq_ignore_ascii_case("local") {
        Some(Jurisdiction::Local)
    } else if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        Some(Jurisdiction::Country(s.to_ascii_uppercase()))
    } else {
        None
    }
}

/// Checks the scheme and strips trailing `/`.
fn normalize_base_url(url: &str) -> Result<String, String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err(
            "base_url must start with https:// (or http:// for a server on your machine or \
             network)"
                .to_owned(),
        );
    };
    if url.contains(char::is_whitespace) {
        return Err("base_url must not contain spaces".to_owned());
    }
    if rest.trim_end_matches('/').is_empty() || rest.starts_with('/') {
        return Err("base_url has no host after the scheme".to_owned());
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The host of a normalized base URL: without user info, port, or brackets around IPv6.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    }
}

fn is_loopback_url(url: &str) -> bool {
    let host = host_of(url);
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn check_anthropic_base(
    cx: &mut Ctx<'_>,
    protocol: Protocol,
    url: &str,
    span: &Range<usize>,
) -> bool {
    if protocol == Protocol::Anthropic && url.ends_with("/v1") {
        cx.error(
            span.clone(),
            "the Anthropic protocol appends /v1/messages itself; remove the trailing /v1 from \
             base_url",
        );
        return false;
    }
    true
}

fn join<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

/// Builds one `[vendors.NAME]` table; `None` when it has errors (they are recorded in `cx`).
fn vendor(
    cx: &mut Ctx<'_>,
    env: &dyn Env,
    notes: &mut Vec<Note>,
    name: &Spanned<String>,
    raw: &RawVendor,
    enabled: bool,
) -> Option<Vendor> {
    let errors_before = cx.errors.len();
    let vname = name.get_ref().as_str();
    let name_span = name.span();
    let line = cx.line(&name_span);
    if !is_vendor_name(vname) {
        cx.error(
            name_span.clone(),
            format!(
                "vendor name `{vname}` may contain only lower-case letters, digits, `-` and `_`"
            ),
        );
    }

    let mut preset_unknown = false;
    let preset = match &raw.preset {
        Some(p) => {
            let found = catalogue::vendor(p.get_ref());
            if found.is_none() {
                preset_unknown = true;
                cx.error(
                    p.span(),
                    format!(
                        "unknown preset `{}`; the catalogue has: {}",
                        p.get_ref(),
                        join(catalogue::names())
                    ),
                );
            }
            found
        }
        None => catalogue::vendor(vname),
    };

    let protocol = raw
        .protocol
        .as_ref()
        .and_then(|p| match p.get_ref().parse::<Protocol>() {
            Ok(protocol) => Some(protocol),
            Err(e) => {
                cx.error(p.span(), e.to_string());
                None
            }
        });
    let auth = raw.auth.as_ref().and_then(|a| {
        let auth = parse_auth(a.get_ref());
        if auth.is_none() {
            cx.error(
                a.span(),
                "auth must be \"bearer\" (Authorization: Bearer), \"x-api-key\" or \"none\"",
            );
        }
        auth
    });
    let base_url = raw
        .base_url
        .as_ref()
        .and_then(|u| match normalize_base_url(u.get_ref()) {
            Ok(url) => Some((url, u.span())),
            Err(message) => {
                cx.error(u.span(), message);
                None
            }
        });
    // A field that is present but invalid already has its error; do not add consequential ones.
    let fields_ok = raw.protocol.is_some() == protocol.is_some()
        && raw.base_url.is_some() == base_url.is_some();

    let endpoints = match &preset {
        Some(preset) if fields_ok => {
            preset_endpoints(cx, preset, protocol, raw.protocol.as_ref(), &base_url, auth)
        }
        Some(_) => Vec::new(),
        None if preset_unknown => Vec::new(),
        None => {
            let why = "it is not a catalogue vendor and has no preset (or set preset = \"NAME\" \
                       to start from a catalogue vendor)";
            if raw.protocol.is_none() {
                cx.error(
                    name_span.clone(),
                    format!(
                        "vendor `{vname}` needs protocol = \"anthropic\", \"openai-chat\" or \
                         \"openai-responses\": {why}"
                    ),
                );
            }
            if raw.base_url.is_none() {
                cx.error(
                    name_span.clone(),
                    format!("vendor `{vname}` needs base_url = \"https://...\": {why}"),
                );
            }
            match (protocol, &base_url) {
                (Some(p), Some((url, span))) if check_anthropic_base(cx, p, url, span) => {
                    vec![VendorEndpoint {
                        protocol: p,
                        base_url: url.clone(),
                        auth: auth.unwrap_or(default_auth(p)),
                    }]
                }
                _ => Vec::new(),
            }
        }
    };

    let jurisdiction = match &raw.jurisdiction {
        Some(j) => {
            let parsed = parse_jurisdiction(j.get_ref());
            if parsed.is_none() {
                cx.error(
                    j.span(),
                    "jurisdiction must be a two-letter ISO 3166-1 country code (like \"US\" or \
                     \"SG\"), or \"local\" for a server on your machine or network",
                );
            }
            parsed
        }
        None => match (&preset, &base_url) {
            (Some(p), _) => Some(p.jurisdiction.clone()),
            (None, Some((url, _))) if is_loopback_url(url) => Some(Jurisdiction::Local),
            (None, Some(_)) if !preset_unknown => {
                cx.error(
                    name_span.clone(),
                    format!(
                        "vendor `{vname}` needs jurisdiction = \"CC\": the two-letter ISO 3166-1 \
                         code of the country its operator is in (like \"US\"), or \"local\" if \
                         it runs on your network"
                    ),
                );
                None
            }
            _ => None,
        },
    };

    // The key: the file's, else the preset's first key variable that is set (else its first).
    let mut key_note = None;
    let key = match &raw.api_key {
        Some(k) => secret(cx, "api_key", k),
        None => match &preset {
            None => None,
            Some(p) => {
                let vars = catalogue::key_variables(&p.name);
                match vars.iter().find(|v| env.var(v).is_some()) {
                    Some(var) => Some(SecretSource::Env((*var).to_owned())),
                    None if vars.is_empty() => None,
                    None if !catalogue::auto_enabled_by_key(&p.name) => {
                        key_note = Some(format!(
                            "vendor `{vname}`: {} is not set, so its requests carry no key (set \
                             it if the server was started with an API key)",
                            vars.join(" or ")
                        ));
                        None
                    }
                    None => Some(SecretSource::Env(vars[0].to_owned())),
                }
            }
        },
    };

    let models = match &raw.models {
        Some(list) => list
            .iter()
            .filter_map(|g| match Glob::new(g.get_ref()) {
                Ok(glob) => Some(glob),
                Err(message) => {
                    cx.error(g.span(), format!("models: {message}"));
                    None
                }
            })
            .collect(),
        None => preset
            .as_ref()
            .map(|p| p.models.clone())
            .unwrap_or_default(),
    };

    let profile = match catalogue::profile_for(
        vname,
        preset.as_ref().map(|p| p.name.as_str()),
        raw.profile.as_ref().map(|t| t.get_ref()),
    ) {
        Ok(p) => p,
        Err(message) => {
            let span = raw.profile.as_ref().map(|t| t.span()).unwrap_or(0..0);
            cx.error(span, format!("profile: {message}"));
            weir_protocol::canonical::Profile::named(vname)
        }
    };

    if cx.errors.len() > errors_before {
        return None;
    }
    let jurisdiction = jurisdiction?;

    if enabled {
        match &key {
            Some(SecretSource::Env(var)) if env.var(var).is_none() => {
                key_note = Some(format!(
                    "vendor `{vname}`: its key variable {var} is not set; set it, or name \
                     another source with api_key = \"env:NAME\" or \"file:PATH\""
                ));
            }
            None if key_note.is_none() && endpoints.iter().any(|e| e.auth != AuthStyle::None) => {
                key_note = Some(format!(
                    "vendor `{vname}` has no api_key, so its requests carry no key; add api_key \
                     = \"env:NAME\" if it needs one, or auth = \"none\" to say it does not"
                ));
            }
            _ => {}
        }
        if let Some(message) = key_note {
            notes.push(note(Some(line), message));
        }
    }

    let display_name = match &preset {
        Some(p) if p.name == vname => p.display_name.clone(),
        _ => vname.to_owned(),
    };
    Some(Vendor {
        name: vname.to_owned(),
        display_name,
        endpoints,
        key,
        jurisdiction,
        models,
        count_tokens: raw
            .count_tokens
            .or(preset.as_ref().map(|p| p.count_tokens))
            .unwrap_or(false),
        forward_anthropic_beta: preset.as_ref().is_some_and(|p| p.forward_anthropic_beta),
        profile,
        origin: VendorOrigin::File { line },
    })
}

/// A preset's endpoints with the table's `protocol`, `base_url` and `auth` applied.
fn preset_endpoints(
    cx: &mut Ctx<'_>,
    preset: &Vendor,
    protocol: Option<Protocol>,
    protocol_field: Option<&Spanned<String>>,
    base_url: &Option<(String, Range<usize>)>,
    auth: Option<AuthStyle>,
) -> Vec<VendorEndpoint> {
    let mut endpoints = preset.endpoints.clone();
    match (protocol, base_url) {
        (Some(p), Some((url, span))) => {
            check_anthropic_base(cx, p, url, span);
            let auth = auth
                .or(preset.endpoint(p).map(|e| e.auth))
                .unwrap_or(default_auth(p));
            let endpoint = VendorEndpoint {
                protocol: p,
                base_url: url.clone(),
                auth,
            };
            match endpoints.iter_mut().find(|e| e.protocol == p) {
                Some(e) => *e = endpoint,
                None => endpoints.push(endpoint),
            }
        }
        (None, Some((url, span))) => {
            let first = endpoints[0].base_url.clone();
            if endpoints.iter().all(|e| e.base_url == first) {
                for e in &mut endpoints {
                    if !check_anthropic_base(cx, e.protocol, url, span) {
                        break;
                    }
                    e.base_url = url.clone();
                    e.auth = auth.unwrap_or(e.auth);
                }
            } else {
                cx.error(
                    span.clone(),
                    format!(
                        "preset `{}` has several endpoints ({}); add protocol = \"...\" to say \
                         which one this base_url replaces",
                        preset.name,
                        join(endpoints.iter().map(|e| e.protocol.as_str()))
                    ),
                );
            }
        }
        (Some(p), None) => {
            endpoints.retain(|e| e.protocol == p);
            if endpoints.is_empty() {
                let span = protocol_field.map_or(0..0, Spanned::span);
                cx.error(
                    span,
                    format!(
                        "preset `{}` has no {p} endpoint (it has {}); add base_url = \"...\" for \
                         it, or choose one of those",
                        preset.name,
                        join(preset.endpoints.iter().map(|e| e.protocol.as_str()))
                    ),
                );
            }
            if let Some(a) = auth {
                endpoints.iter_mut().for_each(|e| e.auth = a);
            }
        }
        (None, None) => {
            if let Some(a) = auth {
                endpoints.iter_mut().for_each(|e| e.auth = a);
            }
        }
    }
    endpoints
}

// ---------------------------------------------------------------------------------------------
// Routes.

fn routes(cx: &mut Ctx<'_>, raw: &[Spanned<RawRoute>], known: &[&str]) -> Vec<Route> {
    let mut routes: Vec<Route> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let line = cx.line(&r.span());
        let route = r.get_ref();
        let name = match &route.name {
            Some(n) => {
                if n.get_ref().trim().is_empty() {
                    cx.error(n.span(), "route name must not be empty");
                } else if let Some(other) = routes.iter().find(|o| o.name == *n.get_ref()) {
                    cx.error(
                        n.span(),
                        format!(
                            "route name `{}` is already used by the route at line {}; give \
                             each route its own name",
                            n.get_ref(),
                            other.line
                        ),
                    );
                }
                n.get_ref().clone()
            }
            None => format!("routes[{i}]"),
        };

        let mut models = Vec::new();
        match &route.models {
            None => cx.error(
                r.span(),
                format!(
                    "route `{name}` needs models = [\"...\"]: the model names (globs) it \
                     applies to"
                ),
            ),
            Some(list) if list.get_ref().is_empty() => cx.error(
                list.span(),
                format!("route `{name}` has no models; name at least one model glob"),
            ),
            Some(list) => {
                for g in list.get_ref() {
                    match Glob::new(g.get_ref()) {
                        Ok(glob) => models.push(glob),
                        Err(message) => cx.error(g.span(), format!("models: {message}")),
                    }
                }
            }
        }

        let mut targets = Vec::new();
        match &route.targets {
            None => cx.error(
                r.span(),
                format!(
                    "route `{name}` needs targets = [\"vendor\" or \"vendor:model\", ...], in \
                     failover order"
                ),
            ),
            Some(list) if list.get_ref().is_empty() => cx.error(
                list.span(),
                format!("route `{name}` has no targets; name at least one vendor"),
            ),
            Some(list) => {
                for t in list.get_ref() {
                    match target(t.get_ref(), known) {
                        Ok(target) => targets.push(target),
                        Err(message) => cx.error(t.span(), message),
                    }
                }
            }
        }

        routes.push(Route {
            name,
            models,
            targets,
            line,
        });
    }
    routes
}

/// Parses `vendor` or `vendor:model` (split at the first `:`).
fn target(s: &str, known: &[&str]) -> Result<Target, String> {
    let (vendor, model) = match s.split_once(':') {
        Some((v, m)) => (v, Some(m)),
        None => (s, None),
    };
    if vendor.is_empty() {
        return Err(format!(
            "route target `{s}` has no vendor; write \"vendor\" or \"vendor:model\""
        ));
    }
    if model == Some("") {
        return Err(format!(
            "route target `{s}` has no model after `:`; write \"{vendor}\" alone to keep the \
             client's model name"
        ));
    }
    if !known.contains(&vendor) {
        return Err(format!(
            "unknown vendor `{vendor}` in route target; known vendors: {} (or declare it in a \
             [vendors.{vendor}] table)",
            join(known.iter().copied())
        ));
    }
    Ok(Target {
        vendor: vendor.to_owned(),
        model: model.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let s = |v: &str| parse_size(&Scalar::Str(v.to_owned()));
        assert_eq!(s("32 MiB"), Some(32 << 20));
        assert_eq!(s("32MiB"), Some(32 << 20));
        assert_eq!(s("1 KB"), Some(1000));
        assert_eq!(s("1 kib"), Some(1024));
        assert_eq!(s("2 MB"), Some(2_000_000));
        assert_eq!(s("1 GB"), Some(1_000_000_000));
        assert_eq!(s("1 GiB"), Some(1 << 30));
        assert_eq!(s("10 B"), Some(10));
        assert_eq!(s("10"), Some(10));
        assert_eq!(s("0 MiB"), None);
        assert_eq!(s("1.5 MiB"), None);
        assert_eq!(s("MiB"), None);
        assert_eq!(s("3 parsecs"), None);
        assert_eq!(s("99999999999999999999 GiB"), None);
        assert_eq!(parse_size(&Scalar::Int(1024)), Some(1024));
        assert_eq!(parse_size(&Scalar::Int(0)), None);
        assert_eq!(parse_size(&Scalar::Int(-1)), None);
    }

    #[test]
    fn durations() {
        let d = |v: &str| parse_duration(&Scalar::Str(v.to_owned()), false);
        assert_eq!(d("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(d("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(d("10 s"), Ok(Duration::from_secs(10)));
        assert_eq!(d("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(d("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(d("0s"), Err(true));
        assert_eq!(d("10"), Err(false));
        assert_eq!(d("1.5s"), Err(false));
        assert_eq!(d("5 minutes"), Err(false));
        assert_eq!(d("s"), Err(false));
        assert_eq!(d("-1s"), Err(false));
        assert_eq!(
            parse_duration(&Scalar::Int(7), false),
            Ok(Duration::from_secs(7))
        );
        assert_eq!(parse_duration(&Scalar::Int(0), false), Err(true));
        assert_eq!(parse_duration(&Scalar::Int(0), true), Ok(Duration::ZERO));
        assert_eq!(parse_duration(&Scalar::Int(-3), true), Err(false));
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("https://api.example.com/v1/").as_deref(),
            Ok("https://api.example.com/v1")
        );
        assert_eq!(
            normalize_base_url("HTTP://localhost:8000//").as_deref(),
            Ok("HTTP://localhost:8000")
        );
        assert!(normalize_base_url("api.example.com").is_err());
        assert!(normalize_base_url("ftp://example.com").is_err());
        assert!(normalize_base_url("https://").is_err());
        assert!(normalize_base_url("https:///x").is_err());
        assert!(normalize_base_url("https://a b").is_err());
    }

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://localhost:8000",
            "http://LOCALHOST",
            "http://127.0.0.1:1234/v1",
            "http://127.9.8.7",
            "http://[::1]:8080/v1",
            "http://user:pw@localhost:1/x",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://api.openai.com/v1",
            "http://10.0.0.2:8000",
            "http://[::2]:8000",
            "http://localhost.example.com",
            "http://128.0.0.1",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn jurisdictions() {
        assert_eq!(
            parse_jurisdiction("sg"),
            Some(Jurisdiction::Country("SG".into()))
        );
        assert_eq!(parse_jurisdiction("LOCAL"), Some(Jurisdiction::Local));
        assert_eq!(parse_jurisdiction("USA"), None);
        assert_eq!(parse_jurisdiction("u1"), None);
        assert_eq!(parse_jurisdiction(""), None);
    }

    #[test]
    fn targets_split_at_the_first_colon() {
        let known = ["ollama", "anthropic"];
        assert_eq!(
            target("ollama:qwen2.5-coder:7b", &known),
            Ok(Target {
                vendor: "ollama".into(),
                model: Some("qwen2.5-coder:7b".into())
            })
        );
        assert_eq!(
            target("anthropic", &known),
            Ok(Target {
                vendor: "anthropic".into(),
                model: None
            })
        );
        assert!(target(":x", &known).is_err());
        assert!(target("anthropic:", &known).is_err());
        let err = target("nope:x", &known).unwrap_err();
        assert!(err.contains("unknown vendor `nope`"), "{err}");
        assert!(err.contains("ollama, anthropic"), "{err}");
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let cx = Ctx {
            text: "ab\néé x\n",
            origin: "t",
            errors: Vec::new(),
        };
        assert_eq!(cx.position(0), (1, 1));
        assert_eq!(cx.position(2), (1, 3));
        assert_eq!(cx.position(3), (2, 1));
        assert_eq!(cx.position(8), (2, 4)); // `x` after two 2-byte characters and a space
        assert_eq!(cx.position(4), (2, 1)); // inside `é`: rounded down to its start
        assert_eq!(cx.position(100), (3, 1));
    }
}
