//! Policy on the request path: the facts of a request put together for
//! [`weir_policy::decide`], and what the gateway does with the decision.
//!
//! The decision is pure and made by the policy crate; this module only gathers what it needs
//! (the tool, the project the client names, what the request discloses about its working
//! directory and remotes, the categories found, the route's targets with their jurisdictions)
//! and turns a refusal into the client protocol's error.

use http::HeaderMap;
use weir_config::{Action, Resolved, Router};
use weir_policy::{DataAction, Decision, OwnedRoute, Policy, Request};
use weir_protocol::{ApiError, ErrorKind};

/// Header a client names its project with (`weir run --project` uses the URL instead).
pub const PROJECT_HEADER: &str = "x-weir-project";
/// Header a client names its user with.
pub const USER_HEADER: &str = "x-weir-user";

/// What the client says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    /// The project it names: in the URL (`/project/NAME/...`), else in `x-weir-project`.
    pub project: Option<String>,
    /// The user it names in `x-weir-user`.
    pub user: Option<String>,
}

impl Asked {
    /// Reads the project and user a request names.
    pub fn of(headers: &HeaderMap, url_project: Option<&str>) -> Asked {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Asked {
            project: url_project
                .map(str::to_owned)
                .or_else(|| header(PROJECT_HEADER)),
            user: header(USER_HEADER),
        }
    }
}

/// Splits `/project/NAME/rest` into `NAME` and `/rest`: how `weir run --project` names the
/// project for any tool, since every tool takes a base URL. `None` for any other path, or a
/// name that is not 1 to 100 letters, digits, `.`, `_` or `-`.
pub fn project_in_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/project/")?;
    let (name, rest) = rest.split_at(rest.find('/')?);
    let valid = !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    valid.then_some((name, rest))
}

/// The route `resolved` as the policy sees it: vendor, jurisdiction and model per target.
pub fn route_of(resolved: &Resolved) -> OwnedRoute {
    OwnedRoute {
        name: resolved.route.clone(),
        targets: resolved
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

/// Every route `policy` may reroute a request for `model` to, through `router`. A route that
/// does not exist or has no enabled vendor is left out: the decision then refuses a reroute
/// to it, so a request never goes elsewhere unchecked.
pub fn reroutes(policy: &Policy, router: &Router, model: &str) -> Vec<OwnedRoute> {
    policy
        .reroute_routes()
        .into_iter()
        .filter_map(|name| router.route_named(name, model))
        .map(|r| route_of(&r))
        .collect()
}

/// Decides `request` going to `route` on `today`, with every route a data action of `policy`
/// may send it to (both set on `request`).
pub fn decide(
    policy: &Policy,
    router: &Router,
    request: &mut Request,
    route: &Resolved,
    today: weir_policy::Date,
) -> Decision {
    let model = request.model.as_deref().unwrap_or_default();
    request.reroutes = reroutes(policy, router, model);
    request.route = Some(route_of(route));
    request.decide(policy, today)
}

/// The DLP action for a finding category under an enforced `decision`: the policy's, when it
/// names one. A policy reroute is the decision's to carry out; the finding is marked rerouted.
pub fn dlp_action(decision: &Decision, category: &str) -> Option<Action> {
    if !decision.is_enforced() {
        return None;
    }
    Some(match decision.action(category)? {
        DataAction::Allow | DataAction::Report => Action::Allow,
        DataAction::Redact => Action::Redact,
        DataAction::Block => Action::Block,
        DataAction::Reroute(_) => Action::Reroute,
        // The policy parser admits neither for content findings.
        DataAction::Strip | DataAction::Normalize => return None,
    })
}

/// `resolved` with only the targets an enforced `decision` allows, in order. `decision` must
/// have been made for this route.
pub fn allowed(decision: &Decision, mut resolved: Resolved) -> Resolved {
    if decision.is_enforced() && decision.route.as_deref() == Some(resolved.route.as_str()) {
        let keep: Vec<usize> = decision.allowed_targets().collect();
        let mut i = 0;
        resolved.targets.retain(|_| {
            let k = keep.contains(&i);
            i += 1;
            k
        });
    }
    resolved
}

/// The client's error for a refusal: a permission error whose message says which rule of
/// which file refused, in words for a person in a terminal.
pub fn refusal_error(refusal: &weir_policy::Refusal) -> ApiError {
    ApiError::new(ErrorKind::PermissionDenied, refusal.message.clone()).with_code("weir_policy")
}

/// The ledger's records of `decision`.
pub fn records(decision: &Decision) -> Vec<weir_ledger::Decision> {
    decision
        .ledger_entries()
        .into_iter()
        .map(|e| weir_ledger::Decision {
            rule: e.rule,
            effect: e.effect,
            reason: e.reason,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_in_the_path_is_split_off() {
        assert_eq!(
            project_in_path("/project/payments/v1/messages"),
            Some(("payments", "/v1/messages"))
        );
        assert_eq!(
            project_in_path("/project/web.site_2-x/chat/completions"),
            Some(("web.site_2-x", "/chat/completions"))
        );
        for not in [
            "/v1/messages",
            "/project/",
            "/project//v1/messages",
            "/project/payments",
            "/project/pay%20ments/v1/messages",
            "/projects/payments/v1/messages",
        ] {
            assert_eq!(project_in_path(not), None, "{not}");
        }
    }

    #[test]
    fn the_url_names_the_project_before_the_header() {
        let mut h = HeaderMap::new();
        h.insert(PROJECT_HEADER, "website".parse().unwrap());
        h.insert(USER_HEADER, " alice@acme.com ".parse().unwrap());
        let a = Asked::of(&h, Some("payments"));
        assert_eq!(a.project.as_deref(), Some("payments"));
        assert_eq!(a.user.as_deref(), Some("alice@acme.com"));
        assert_eq!(Asked::of(&h, None).project.as_deref(), Some("website"));
        assert_eq!(Asked::of(&HeaderMap::new(), None), Asked::default());
    }
}
