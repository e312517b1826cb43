//! The decision function: facts and a date in, a [`Decision`] out. Pure, total (every input
//! gives a decision; nothing panics), and deterministic.
//!
//! Order of evaluation: teams, then the project and its class (rules may be scoped to either),
//! then the tool, the data actions (which may change the route), and the route's targets. The
//! refusal reported is the first that applies in that order; every rule that applied is in the
//! explanation either way.

use std::borrow::Cow;
use std::sync::Arc;

use crate::data::DataAction;
use crate::date::Date;
use crate::decision::{
    Applied, DataVerdict, Decision, Effect, Refusal, RefusalKind, Status, TargetVerdict,
};
use crate::facts::{Facts, Route, Target};
use crate::glob::{normalize_remote, split_path};
use crate::policy::{
    Class, DefaultVerdict, Mode, Place, Policy, RuleKind, RuleRef, Scope, TargetRule,
    TargetSubject, Verdict,
};
use crate::version::Version;

/// How specific a matching rule is; a higher value wins. Compared as a tuple: the subject
/// first (a version range over a bare tool id; a vendor with models over a vendor over one
/// jurisdiction over a jurisdiction group), then a team scope, then a class scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Specificity {
    subject: u8,
    team: bool,
    class: bool,
}

/// Among matching rules, the one that decides: the most specific; at equal specificity `deny`
/// over `allow`; then the one written first (which only changes the rule cited).
fn better(a: (Specificity, Verdict, usize), b: (Specificity, Verdict, usize)) -> bool {
    let rank =
        |(s, v, i): (Specificity, Verdict, usize)| (s, v == Verdict::Deny, std::cmp::Reverse(i));
    rank(a) > rank(b)
}

/// What [`choose`] reads of an allow/deny rule, a tool rule or a target rule alike.
struct Ruled<'p> {
    rule: &'p RuleRef,
    scope: &'p Scope,
    verdict: Verdict,
    reason: Option<&'p Arc<str>>,
}

impl<'p> From<&'p crate::policy::ToolRule> for Ruled<'p> {
    fn from(r: &'p crate::policy::ToolRule) -> Ruled<'p> {
        Ruled {
            rule: &r.rule,
            scope: &r.scope,
            verdict: r.verdict,
            reason: r.reason.as_ref(),
        }
    }
}

impl<'p> From<&'p TargetRule> for Ruled<'p> {
    fn from(r: &'p TargetRule) -> Ruled<'p> {
        Ruled {
            rule: &r.rule,
            scope: &r.scope,
            verdict: r.verdict,
            reason: r.reason.as_ref(),
        }
    }
}

/// Among the rules matching one subject (each with its index and subject level), the one that
/// decides, as (verdict, index); `None` when none is in effect. Every matching rule goes into
/// the explanation: out of its dates as not in effect (in rule order), then the others as
/// decided or overridden. `gated`: something outside the rules (a class limit) decides, so
/// every matching rule is overridden.
fn choose<'p>(
    matching: impl Iterator<Item = (usize, Ruled<'p>, u8)>,
    subject: &Arc<str>,
    today: Date,
    gated: bool,
    rules: &mut Vec<Applied>,
) -> Option<(Verdict, usize)> {
    let mut best: Option<(Specificity, Verdict, usize)> = None;
    let mut candidates: Vec<(usize, Ruled<'p>)> = Vec::new();
    for (i, r, level) in matching {
        if !r.scope.in_effect(today) {
            rules.push(applied(
                r.rule,
                subject,
                verdict_effect(r.verdict),
                Status::NotInEffect,
                r.reason,
            ));
            continue;
        }
        let key = (specificity(level, r.scope), r.verdict, i);
        if best.is_none_or(|b| better(key, b)) {
            best = Some(key);
        }
        candidates.push((i, r));
    }
    for (i, r) in candidates {
        let status = if !gated && best.is_some_and(|b| b.2 == i) {
            Status::Decided
        } else {
            Status::Overridden
        };
        rules.push(applied(
            r.rule,
            subject,
            verdict_effect(r.verdict),
            status,
            r.reason,
        ));
    }
    best.map(|(_, v, i)| (v, i))
}

/// The request's context, worked out once.
struct Who<'p> {
    teams: Vec<usize>,
    class: Option<usize>,
    class_def: Option<&'p Class>,
    project: Option<Arc<str>>,
}

impl Who<'_> {
    fn in_scope(&self, scope: &Scope) -> bool {
        (scope.teams.is_empty() || scope.teams.iter().any(|t| self.teams.contains(t)))
            && (scope.classes.is_empty() || self.class.is_some_and(|c| scope.classes.contains(&c)))
    }
}

fn specificity(subject: u8, scope: &Scope) -> Specificity {
    Specificity {
        subject,
        team: !scope.teams.is_empty(),
        class: !scope.classes.is_empty(),
    }
}

fn applied(
    rule: &RuleRef,
    subject: &Arc<str>,
    effect: Effect,
    status: Status,
    reason: Option<&Arc<str>>,
) -> Applied {
    Applied {
        rule: rule.id.clone(),
        kind: rule.kind,
        line: rule.line,
        subject: subject.clone(),
        effect,
        status,
        reason: reason.cloned(),
    }
}

fn verdict_effect(v: Verdict) -> Effect {
    match v {
        Verdict::Allow => Effect::Allow,
        Verdict::Deny => Effect::Deny,
    }
}

/// A value from the request as explanations and refusals show it: on one line and short, since
/// the client chose it (a user agent, a header). Control characters become `?`; past 80
/// characters it is cut with `…`.
fn shown(s: &str) -> Cow<'_, str> {
    const MAX: usize = 80;
    if s.len() <= MAX && !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out: String = s
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    Cow::Owned(out)
}

/// Decides one request on `today` (the UTC date of the request; see [`Date`]).
pub fn decide(policy: &Policy, facts: &Facts<'_>, today: Date) -> Decision {
    let mut rules: Vec<Applied> = Vec::new();
    if policy.mode == Mode::Observe {
        let r = policy.mode_rule.clone().unwrap_or(RuleRef {
            id: "mode".into(),
            kind: RuleKind::Mode,
            line: None,
        });
        rules.push(applied(
            &r,
            &"policy".into(),
            Effect::Observe,
            Status::Decided,
            Some(&"decisions are recorded, not enforced".into()),
        ));
    }
    let who = who(policy, facts, &mut rules);
    let mut d = Decision {
        policy: policy.origin.clone(),
        digest: policy.digest.clone(),
        date: today,
        mode: policy.mode,
        refusal: None,
        project: who.project.clone(),
        class: who.class_def.map(|c| c.name.clone()),
        teams: who
            .teams
            .iter()
            .map(|&t| policy.teams[t].name.clone())
            .collect(),
        model: facts
            .model
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|m| shown(m).into_owned()),
        route: None,
        rerouted: false,
        targets: Vec::new(),
        data: Vec::new(),
        rules: Vec::new(),
    };

    let tool_refusal = tool(policy, facts, today, &who, &d, &mut rules);
    let (data_refusal, reroute) = data(policy, facts, &who, &mut d, &mut rules);

    // The route: the model's, unless a data action sends the request elsewhere.
    let mut route_refusal = None;
    let mut route: Option<Route<'_>> = facts.route;
    if let Some((name, rule, category)) = reroute {
        if facts.route.is_some_and(|r| r.name == name) {
            // Already on that route.
        } else if let Some(r) = facts.reroutes.iter().find(|r| r.name == name) {
            route = Some(*r);
            d.rerouted = true;
        } else {
            route = None;
            route_refusal = Some(Refusal {
                kind: RefusalKind::Route,
                message: format!(
                    "weir: policy reroutes requests containing {category}{} to route {name}, which \
                     is not available ({})",
                    for_project(&d),
                    d.cite(rule.line)
                ),
                rule: rule.id.clone(),
                line: rule.line,
            });
        }
    }
    let mut target_refusal = None;
    if let Some(r) = route {
        d.route = Some(r.name.to_owned());
        for (i, t) in r.targets.iter().enumerate() {
            let v = target(policy, t, i, today, &who, &mut rules);
            d.targets.push(v);
        }
        if !d.targets.is_empty() && !d.targets.iter().any(|t| t.allowed) {
            target_refusal = Some(targets_refusal(policy, &d, r.name));
        }
    }

    d.refusal = tool_refusal
        .or(data_refusal)
        .or(route_refusal)
        .or(target_refusal);
    d.rules = rules;
    d
}

/// Teams, project and class.
fn who<'p>(policy: &'p Policy, facts: &Facts<'_>, rules: &mut Vec<Applied>) -> Who<'p> {
    let mut teams = Vec::new();
    if let Some(user) = facts.user.map(str::trim).filter(|u| !u.is_empty()) {
        let user = user.to_ascii_lowercase();
        for (i, t) in policy.teams.iter().enumerate() {
            if let Some(m) = t.members.iter().find(|m| m.matches(&user)) {
                teams.push(i);
                rules.push(applied(
                    &t.rule,
                    &format!("team {}", t.name).into(),
                    Effect::Member,
                    Status::Decided,
                    Some(&format!("member pattern {}", m.as_str()).into()),
                ));
            }
        }
    }

    // Every project the request matches, with how: 2 named, 1 remote, 0 working directory.
    let explicit = facts.project.map(str::trim).filter(|p| !p.is_empty());
    let remotes: Vec<String> = facts.remotes.iter().map(|r| normalize_remote(r)).collect();
    let remote_segments: Vec<Vec<&str>> = remotes
        .iter()
        .map(|r| r.split('/').filter(|s| !s.is_empty()).collect())
        .collect();
    let cwd_segments = facts.cwd.map(split_path);
    let mut matched: Vec<(usize, u8, String)> = Vec::new();
    for (i, p) in policy.projects.iter().enumerate() {
        if explicit.is_some_and(|e| e.eq_ignore_ascii_case(&p.name)) {
            matched.push((i, 2, "named by the client".to_owned()));
        } else if let Some(pat) = p
            .remotes
            .iter()
            .find(|pat| remote_segments.iter().any(|r| pat.matches_segments(r)))
        {
            matched.push((i, 1, format!("git remote matches {}", pat.as_str())));
        } else if let Some(segs) = &cwd_segments
            && let Some(pat) = p.paths.iter().find(|pat| pat.matches_segments(segs))
        {
            matched.push((i, 0, format!("working directory matches {}", pat.as_str())));
        }
    }
    // The strictest class wins (classes are written least strict first), so that a restricted
    // repository stays restricted whatever directory or name it is used under; then the
    // strongest evidence, then file order.
    let winner = matched
        .iter()
        .enumerate()
        .max_by_key(|(k, (i, how, _))| (policy.projects[*i].class, *how, std::cmp::Reverse(*k)))
        .map(|(k, _)| k);
    let mut project = None;
    let mut class = None;
    for (k, (i, _, why)) in matched.iter().enumerate() {
        let p = &policy.projects[*i];
        let status = if Some(k) == winner {
            project = Some(p.name.clone());
            class = Some(p.class);
            Status::Decided
        } else {
            Status::Overridden
        };
        rules.push(applied(
            &p.rule,
            &format!("project {}", p.name).into(),
            Effect::Class(policy.classes[p.class].name.clone()),
            status,
            Some(&why.as_str().into()),
        ));
    }
    if winner.is_none() {
        project = explicit.map(|e| Arc::from(shown(e)));
        if let Some((rule, c)) = &policy.defaults.class {
            class = Some(*c);
            rules.push(applied(
                rule,
                &match &project {
                    Some(p) => format!("project {p}"),
                    None => "request".to_owned(),
                }
                .into(),
                Effect::Class(policy.classes[*c].name.clone()),
                Status::Decided,
                Some(&"no project matched".into()),
            ));
        }
    }
    Who {
        teams,
        class,
        class_def: class.map(|c| &policy.classes[c]),
        project,
    }
}

/// ` for project acme (restricted)`, or what is known of it.
fn for_project(d: &Decision) -> String {
    match (&d.project, &d.class) {
        (Some(p), Some(c)) => format!(" for project {p} ({c})"),
        (Some(p), None) => format!(" for project {p}"),
        (None, Some(c)) => format!(" for {c} projects"),
        (None, None) => String::new(),
    }
}

/// `: reason (policy.toml:5)`, or `: rule at policy.toml:5` when the rule gives no reason.
fn because(d: &Decision, reason: Option<&Arc<str>>, line: Option<usize>) -> String {
    match reason {
        Some(r) => format!(": {r} ({})", d.cite(line)),
        None => match line {
            Some(_) => format!(": rule at {}", d.cite(line)),
            None => ": built-in default".to_owned(),
        },
    }
}

fn dates(scope: &Scope) -> String {
    let mut s = String::new();
    if let Some(f) = scope.from {
        s.push_str(&format!(" since {f}"));
    }
    if let Some(u) = scope.until {
        s.push_str(&format!(" until {u}"));
    }
    s
}

fn tool(
    policy: &Policy,
    facts: &Facts<'_>,
    today: Date,
    who: &Who<'_>,
    d: &Decision,
    rules: &mut Vec<Applied>,
) -> Option<Refusal> {
    let id = facts
        .tool
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("unknown");
    let raw_version = facts.version.map(str::trim).filter(|v| !v.is_empty());
    let version = raw_version.and_then(Version::parse);
    let (id_shown, raw_version) = (shown(id), raw_version.map(shown));
    let subject: Arc<str> = match &raw_version {
        Some(v) => format!("tool {id_shown} {v}").into(),
        None => format!("tool {id_shown}").into(),
    };
    let matching = policy.tools.iter().enumerate().filter_map(|(i, r)| {
        let named = r.names.iter().any(|n| n.eq_ignore_ascii_case(id));
        let in_range = r
            .versions
            .as_ref()
            .is_none_or(|range| version.as_ref().is_some_and(|v| range.contains(v)));
        (named && in_range && who.in_scope(&r.scope))
            .then(|| (i, Ruled::from(r), 1 + u8::from(r.versions.is_some())))
    });
    let best = choose(matching, &subject, today, false, rules);
    match best {
        Some((Verdict::Allow, _)) => None,
        Some((Verdict::Deny, i)) => {
            let r = &policy.tools[i];
            let mut what = format!("tool {id_shown}");
            if let (Some(range), Some(v)) = (&r.versions, raw_version) {
                what.push_str(&format!(" {v} (versions {range})"));
            }
            if !r.scope.teams.is_empty() {
                let names: Vec<&str> = r
                    .scope
                    .teams
                    .iter()
                    .filter(|t| who.teams.contains(t))
                    .map(|&t| &*policy.teams[t].name)
                    .collect();
                what.push_str(&format!(" for team {}", names.join(", ")));
            }
            if !r.scope.classes.is_empty() {
                what.push_str(&for_project(d));
            }
            Some(Refusal {
                kind: RefusalKind::Tool,
                message: format!(
                    "weir: policy denies {what}{}{}",
                    dates(&r.scope),
                    because(d, r.reason.as_ref(), r.rule.line)
                ),
                rule: r.rule.id.clone(),
                line: r.rule.line,
            })
        }
        None => {
            let def: &DefaultVerdict = &policy.defaults.tool;
            rules.push(applied(
                &def.rule,
                &subject,
                verdict_effect(def.verdict),
                Status::Decided,
                def.reason.as_ref(),
            ));
            (def.verdict == Verdict::Deny).then(|| Refusal {
                kind: RefusalKind::Tool,
                message: format!(
                    "weir: policy denies tool {id_shown}: {} ({})",
                    def.reason.as_deref().unwrap_or("no rule allows it"),
                    d.cite(def.rule.line)
                ),
                rule: def.rule.id.clone(),
                line: def.rule.line,
            })
        }
    }
}

/// A reroute a data action asks for: the route, the rule, and the category that caused it.
type Reroute<'p> = (&'p str, &'p RuleRef, Arc<str>);

/// Data actions per category present. Returns a `block` refusal, and the reroute to apply (the
/// one whose rule is written first, when several categories reroute).
fn data<'p>(
    policy: &'p Policy,
    facts: &Facts<'_>,
    who: &Who<'p>,
    d: &mut Decision,
    rules: &mut Vec<Applied>,
) -> (Option<Refusal>, Option<Reroute<'p>>) {
    let mut refusal = None;
    let mut reroute: Option<Reroute<'p>> = None;
    for (k, category) in facts.findings.iter().enumerate() {
        let raw = category.trim();
        if facts.findings[..k].iter().any(|c| c.trim() == raw) {
            continue;
        }
        let category: Arc<str> = shown(raw).into();
        let class_rule = who
            .class_def
            .and_then(|c| c.data.iter().find(|r| r.category == raw));
        let global = || policy.data.iter().find(|r| r.category == raw);
        let found: Option<(&'p RuleRef, &'p DataAction, Option<&'p Arc<str>>)> = class_rule
            .map(|r| {
                (
                    &r.rule,
                    &r.action,
                    who.class_def.and_then(|c| c.reason.as_ref()),
                )
            })
            .or_else(|| global().map(|r| (&r.rule, &r.action, None)))
            .or_else(|| policy.defaults.data.as_ref().map(|(r, a)| (r, a, None)));
        let Some((rule, action, reason)) = found else {
            d.data.push(DataVerdict {
                category: category.to_string(),
                action: None,
                rule: None,
                line: None,
            });
            continue;
        };
        rules.push(applied(
            rule,
            &category,
            Effect::Data(action.clone()),
            Status::Decided,
            reason,
        ));
        d.data.push(DataVerdict {
            category: category.to_string(),
            action: Some(action.clone()),
            rule: Some(rule.id.clone()),
            line: rule.line,
        });
        match action {
            DataAction::Block if refusal.is_none() => {
                refusal = Some(Refusal {
                    kind: RefusalKind::Data,
                    message: format!(
                        "weir: policy blocks requests containing {category}{}{}",
                        for_project(d),
                        because(d, reason, rule.line)
                    ),
                    rule: rule.id.clone(),
                    line: rule.line,
                });
            }
            DataAction::Reroute(route) => {
                let earlier = reroute.as_ref().is_some_and(|(_, r, _)| {
                    r.line.unwrap_or(usize::MAX) <= rule.line.unwrap_or(usize::MAX)
                });
                if !earlier {
                    reroute = Some((route.as_str(), rule, category.clone()));
                }
            }
            _ => {}
        }
    }
    (refusal, reroute)
}

fn place_matches(place: &Place, jurisdiction: &str) -> Option<u8> {
    match place {
        Place::One(c) => c.eq_ignore_ascii_case(jurisdiction).then_some(2),
        Place::Group(g, members) => (g.eq_ignore_ascii_case(jurisdiction)
            || members.iter().any(|m| m.eq_ignore_ascii_case(jurisdiction)))
        .then_some(1),
    }
}

/// How specifically `rule` names the target (already trimmed), if it does.
fn target_subject(rule: &TargetRule, t: &Target<'_>) -> Option<u8> {
    match &rule.subject {
        TargetSubject::Vendor { names, models } => {
            if !names.iter().any(|n| n == t.vendor) {
                return None;
            }
            if models.is_empty() {
                Some(3)
            } else {
                models.iter().any(|m| m.matches(t.model)).then_some(4)
            }
        }
        TargetSubject::Jurisdiction(places) => places
            .iter()
            .filter_map(|p| place_matches(p, t.jurisdiction))
            .max(),
    }
}

fn target(
    policy: &Policy,
    t: &Target<'_>,
    index: usize,
    today: Date,
    who: &Who<'_>,
    rules: &mut Vec<Applied>,
) -> TargetVerdict {
    // Trimmed once here; everything below compares these.
    let t = &Target {
        vendor: t.vendor,
        jurisdiction: t.jurisdiction,
        model: t.model,
    };
    let subject: Arc<str> = format!(
        "target {} {} ({}) {}",
        index + 1,
        shown(t.vendor),
        shown(t.jurisdiction),
        shown(t.model)
    )
    .into();
    // The class limit: a separate gate that rules cannot widen.
    let mut class_denies = None;
    if let Some(c) = who.class_def.filter(|c| c.limits_targets()) {
        let by_vendor = c
            .vendors
            .as_ref()
            .is_some_and(|vs| vs.iter().any(|v| v == t.vendor));
        let by_place = c
            .jurisdictions
            .as_ref()
            .is_some_and(|js| js.iter().any(|j| j.eq_ignore_ascii_case(t.jurisdiction)));
        let ok = by_vendor || by_place;
        rules.push(applied(
            &c.rule,
            &subject,
            if ok { Effect::Allow } else { Effect::Deny },
            Status::Decided,
            // The class's reason explains its limit, so it goes with a denial only.
            c.reason.as_ref().filter(|_| !ok),
        ));
        if !ok {
            class_denies = Some(&c.rule);
        }
    }

    let matching = policy.targets.iter().enumerate().filter_map(|(i, r)| {
        let level = target_subject(r, t)?;
        who.in_scope(&r.scope).then(|| (i, Ruled::from(r), level))
    });
    let best = choose(matching, &subject, today, class_denies.is_some(), rules);
    let (allowed, rule) = if let Some(rule) = class_denies {
        (false, rule)
    } else if let Some((v, i)) = best {
        (v == Verdict::Allow, &policy.targets[i].rule)
    } else {
        let def = &policy.defaults.target;
        rules.push(applied(
            &def.rule,
            &subject,
            verdict_effect(def.verdict),
            Status::Decided,
            def.reason.as_ref(),
        ));
        (def.verdict == Verdict::Allow, &def.rule)
    };
    TargetVerdict {
        vendor: shown(t.vendor).into_owned(),
        jurisdiction: shown(t.jurisdiction).into_owned(),
        model: shown(t.model).into_owned(),
        allowed,
        rule: rule.id.clone(),
        line: rule.line,
    }
}

/// The reason of the rule with this id, for the refusal message.
fn reason_of<'p>(policy: &'p Policy, id: &str) -> Option<&'p Arc<str>> {
    if let Some(c) = policy.classes.iter().find(|c| &*c.rule.id == id) {
        return c.reason.as_ref();
    }
    if let Some(r) = policy.targets.iter().find(|r| &*r.rule.id == id) {
        return r.reason.as_ref();
    }
    if &*policy.defaults.target.rule.id == id {
        return policy.defaults.target.reason.as_ref();
    }
    None
}

fn targets_refusal(policy: &Policy, d: &Decision, route: &str) -> Refusal {
    let first = &d.targets[0];
    let same_rule = d.targets.iter().all(|t| t.rule == first.rule);
    let names: Vec<String> = d
        .targets
        .iter()
        .map(|t| format!("{} ({})", t.vendor, t.jurisdiction))
        .collect();
    let message = if same_rule {
        let noun = if d.targets.len() == 1 {
            "vendor"
        } else {
            "vendors"
        };
        format!(
            "weir: policy denies {noun} {}{}{}",
            names.join(", "),
            for_project(d),
            because(d, reason_of(policy, &first.rule), first.line)
        )
    } else {
        let each: Vec<String> = d
            .targets
            .iter()
            .zip(&names)
            .map(|(t, n)| format!("{n} by rule at {}", d.cite(t.line)))
            .collect();
        format!(
            "weir: policy denies every target of route {route}{}: {}",
            for_project(d),
            each.join(", ")
        )
    };
    Refusal {
        kind: RefusalKind::Targets,
        rule: first.rule.clone(),
        line: first.line,
        message,
    }
}
