//! Shared helpers: owned request facts that borrow into [`Facts`], and line lookups so that
//! expected citations follow the test policies when they are edited.
#![allow(dead_code)]

use weir_policy::{Date, Decision, Facts, Policy, Route, Target, decide};

/// The request, owned; [`Req::decide`] lends it to the decision function.
#[derive(Debug, Clone, Default)]
pub struct Req {
    pub tool: Option<String>,
    pub version: Option<String>,
    pub user: Option<String>,
    pub project: Option<String>,
    pub cwd: Option<String>,
    pub remotes: Vec<String>,
    pub model: Option<String>,
    pub route: Option<(String, Vec<[String; 3]>)>,
    pub reroutes: Vec<(String, Vec<[String; 3]>)>,
    pub findings: Vec<String>,
}

fn targets(ts: &[(&str, &str, &str)]) -> Vec<[String; 3]> {
    ts.iter()
        .map(|(v, j, m)| [v.to_string(), j.to_string(), m.to_string()])
        .collect()
}

/// A request from `tool` (`version` may be empty: unknown).
pub fn req(tool: &str, version: &str) -> Req {
    Req {
        tool: (!tool.is_empty()).then(|| tool.to_owned()),
        version: (!version.is_empty()).then(|| version.to_owned()),
        ..Req::default()
    }
}

impl Req {
    pub fn user(mut self, u: &str) -> Req {
        self.user = Some(u.into());
        self
    }

    pub fn named(mut self, p: &str) -> Req {
        self.project = Some(p.into());
        self
    }

    pub fn cwd(mut self, c: &str) -> Req {
        self.cwd = Some(c.into());
        self
    }

    pub fn remote(mut self, r: &str) -> Req {
        self.remotes.push(r.into());
        self
    }

    pub fn route(mut self, name: &str, ts: &[(&str, &str, &str)]) -> Req {
        self.route = Some((name.into(), targets(ts)));
        self
    }

    pub fn reroute(mut self, name: &str, ts: &[(&str, &str, &str)]) -> Req {
        self.reroutes.push((name.into(), targets(ts)));
        self
    }

    pub fn model(mut self, m: &str) -> Req {
        self.model = Some(m.into());
        self
    }

    pub fn finding(mut self, c: &str) -> Req {
        self.findings.push(c.into());
        self
    }

    /// Decides this request under `policy` on `date` (`YYYY-MM-DD`).
    pub fn decide(&self, policy: &Policy, date: &str) -> Decision {
        fn to_targets(ts: &[[String; 3]]) -> Vec<Target<'_>> {
            ts.iter()
                .map(|[v, j, m]| Target {
                    vendor: v,
                    jurisdiction: j,
                    model: m,
                })
                .collect()
        }
        let route_targets = self.route.as_ref().map(|(_, ts)| to_targets(ts));
        let reroute_targets: Vec<Vec<Target<'_>>> =
            self.reroutes.iter().map(|(_, ts)| to_targets(ts)).collect();
        let reroutes: Vec<Route<'_>> = self
            .reroutes
            .iter()
            .zip(&reroute_targets)
            .map(|((name, _), ts)| Route { name, targets: ts })
            .collect();
        let remotes: Vec<&str> = self.remotes.iter().map(String::as_str).collect();
        let findings: Vec<&str> = self.findings.iter().map(String::as_str).collect();
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
                .zip(route_targets.as_ref())
                .map(|((name, _), ts)| Route { name, targets: ts }),
            reroutes: &reroutes,
            findings: &findings,
        };
        decide(policy, &facts, date.parse::<Date>().expect("test date"))
    }
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the policy"))
        + 1
}

/// Parses a test policy, which must be valid.
pub fn policy(text: &str) -> Policy {
    Policy::parse(text, "policy.toml").unwrap_or_else(|e| panic!("{e}"))
}
