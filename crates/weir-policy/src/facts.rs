//! What weir knows about a request when it decides: borrowed from the gateway's own values, so
//! building the facts of a request copies nothing.

/// The identified exchange: who sends what, from where, to which route.
///
/// Every field is optional or may be empty; an absent fact matches no rule that needs it (a
/// request without a user is in no team, one without a version matches no versioned rule).
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// The identified tool's id (`claude-code`, `codex`, ...); `None` or empty counts as
    /// `unknown`.
    pub tool: Option<&'a str>,
    /// The tool's version as it reports it.
    pub version: Option<&'a str>,
    /// The user's identity (from an access token or a header), matched against team members.
    pub user: Option<&'a str>,
    /// A project named explicitly (a header, or `weir run --project`).
    pub project: Option<&'a str>,
    /// The working directory the tool runs in.
    pub cwd: Option<&'a str>,
    /// Git remote URLs of the working tree, in any spelling (credentials in them are never
    /// shown: remotes are normalised before use).
    pub remotes: &'a [&'a str],
    /// The model the client asked for, echoed in the decision. Rules match the models of the
    /// route's targets, which is where the request actually goes.
    pub model: Option<&'a str>,
    /// The route the model selected, with its targets in failover order. `None` when only the
    /// tool and data are decided (e.g. `weir policy explain` without a model).
    pub route: Option<Route<'a>>,
    /// Routes a data action may reroute to ([`crate::Policy::reroute_routes`]) with their
    /// targets. A reroute to a route missing here is refused: the request never goes elsewhere
    /// unchecked.
    pub reroutes: &'a [Route<'a>],
    /// Categories of the findings in the request (`secret`, `time-zone`, `invisible`, ...), in
    /// any order, repeats allowed.
    pub findings: &'a [&'a str],
}

/// A route and its targets.
#[derive(Debug, Clone, Copy)]
pub struct Route<'a> {
    /// The route's name in the configuration.
    pub name: &'a str,
    /// Where it sends requests, in failover order.
    pub targets: &'a [Target<'a>],
}

/// One place a route may send a request.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The vendor's name in the configuration.
    pub vendor: &'a str,
    /// Where its operator is: a country code, `local`, ...
    pub jurisdiction: &'a str,
    /// The model asked of it.
    pub model: &'a str,
}

/// The facts of a request as owned values, for callers that gather them before deciding (the
/// gateway across its stages, `weir policy explain` from flags or the ledger).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// Decides the request with `policy` on `today` ([`crate::decide`] on its borrowed facts).
    pub fn decide(&self, policy: &crate::Policy, today: crate::Date) -> crate::Decision {
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
        crate::decide(policy, &facts, today)
    }
}
