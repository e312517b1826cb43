//! The facts of one request as owned values (from command-line flags or a ledger exchange),
//! the routes it may take, and the decision on them.
//!
//! [`weir_policy::Facts`] borrows everything, as the gateway's own values live long enough;
//! here the values are built first and borrowed only to decide.

use weir_config::{Config, Router, catalogue};
use weir_policy::{Date, Decision, Facts, Policy, Route, Target};

/// What is known of a request.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The tool's id; `None` is `unknown`.
    pub tool: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// The user's identity.
    pub user: Option<String>,
    /// A project named explicitly.
    pub project: Option<String>,
    /// The working directory.
    pub cwd: Option<String>,
    /// Git remotes of the working tree.
    pub remotes: Vec<String>,
    /// The model asked for.
    pub model: Option<String>,
    /// The route the model selected.
    pub route: Option<OwnedRoute>,
    /// Routes the policy may reroute to, with their targets.
    pub reroutes: Vec<OwnedRoute>,
    /// Categories of the findings in the request.
    pub findings: Vec<String>,
}

/// A route and its targets, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRoute {
    /// The route's name.
    pub name: String,
    /// Its targets in failover order: (vendor, jurisdiction, model).
    pub targets: Vec<(String, String, String)>,
}

impl OwnedRoute {
    /// The route `resolved` through the configuration.
    pub fn resolved(r: &weir_config::Resolved) -> OwnedRoute {
        OwnedRoute {
            name: r.route.clone(),
            targets: r
                .targets
                .iter()
                .map(|t| {
                    (
                        t.vendor.name.clone(),
                        t.vendor.jurisdiction.to_string(),
                        t.model.clone(),
                    )
                })
                .collect(),
        }
    }

    fn targets(&self) -> Vec<Target<'_>> {
        self.targets
            .iter()
            .map(|(vendor, jurisdiction, model)| Target {
                vendor,
                jurisdiction,
                model,
            })
            .collect()
    }
}

impl Request {
    /// Decides the request with `policy` on `date`.
    pub fn decide(&self, policy: &Policy, date: Date) -> Decision {
        let remotes: Vec<&str> = self.remotes.iter().map(String::as_str).collect();
        let findings: Vec<&str> = self.findings.iter().map(String::as_str).collect();
        let route_targets = self.route.as_ref().map(OwnedRoute::targets);
        let reroute_targets: Vec<Vec<Target<'_>>> =
            self.reroutes.iter().map(OwnedRoute::targets).collect();
        let reroutes: Vec<Route<'_>> = self
            .reroutes
            .iter()
            .zip(&reroute_targets)
            .map(|(r, targets)| Route {
                name: &r.name,
                targets,
            })
            .collect();
        let facts = Facts {
            tool: self.tool.as_deref(),
            version: self.version.as_deref(),
            user: self.user.as_deref(),
            project: self.project.as_deref(),
            cwd: self.cwd.as_deref(),
            remotes: &remotes,
            model: self.model.as_deref(),
            route: self
                .route
                .as_ref()
                .zip(route_targets.as_deref())
                .map(|(r, targets)| Route {
                    name: &r.name,
                    targets,
                }),
            reroutes: &reroutes,
            findings: &findings,
        };
        weir_policy::decide(policy, &facts, date)
    }
}

/// Every route `policy` may reroute to, through the configuration's router, for a request that
/// asked for `model`. A route that does not exist or has no enabled vendor is left out, as the
/// gateway leaves it out: the decision then refuses a reroute to it.
pub fn reroutes(policy: &Policy, router: &Router, model: &str) -> Vec<OwnedRoute> {
    policy
        .reroute_routes()
        .into_iter()
        .filter_map(|name| router.route_named(name, model))
        .map(|r| OwnedRoute::resolved(&r))
        .collect()
}

/// The one-target route to `vendor` (the configuration's, else the catalogue's), for `model`.
pub fn vendor_route(config: &Config, vendor: &str, model: &str) -> anyhow::Result<OwnedRoute> {
    let jurisdiction = match config.vendor(vendor) {
        Some(v) => v.jurisdiction.to_string(),
        None => match catalogue::vendor(vendor) {
            Some(v) => v.jurisdiction.to_string(),
            None => {
                let mut known: Vec<&str> = config.vendors.iter().map(|v| v.name.as_str()).collect();
                for name in catalogue::names() {
                    if !known.contains(&name) {
                        known.push(name);
                    }
                }
                anyhow::bail!(
                    "unknown vendor \"{vendor}\": neither the configuration nor weir's catalogue \
                     has it; vendors are {}",
                    known.join(", ")
                );
            }
        },
    };
    Ok(OwnedRoute {
        name: format!("vendor:{vendor}"),
        targets: vec![(vendor.to_owned(), jurisdiction, model.to_owned())],
    })
}
