//! weir's policy: which tools may be used, which vendors and jurisdictions a request may go to,
//! what happens to the data in it, and from which day, written down once and decided on every
//! request with an explanation that cites the rule and its line.
//!
//! The crate does no I/O. [`Policy::parse`] takes the text of `policy.toml` (or
//! [`Policy::parse_section`] the `[policy]` table of `weir.toml`) and returns a validated
//! [`Policy`] or every error in the file, each as `policy.toml:14:3: message`.
//! [`Policy::check`] then checks the names the policy shares with the configuration (routes,
//! vendors). [`decide`] takes the policy, the [`Facts`] of one request and today's [`Date`], and
//! returns a [`Decision`]: allowed or refused and why, the project class, the targets that remain,
//! the action per finding category, and every rule that applied. The gateway passes today's UTC
//! date; tests pass any date (the one injectable clock).
//!
//! # The policy file
//!
//! An empty file is a valid policy that allows everything. Unknown keys are errors (with the
//! nearest valid key suggested), so a misspelt `untill` cannot silently make a ban permanent.
//!
//! ```toml
//! mode = "enforce"                  # or "observe": decide and record, act on nothing
//!
//! [defaults]
//! tool = "allow"                    # tools no [[tool]] rule names, including `unknown`
//! vendor = "allow"                  # targets no [[vendor]]/[[jurisdiction]] rule names
//! class = "internal"                # class of requests no [[project]] matches
//! data = "report"                   # categories no data rule names (unset: the gateway's
//!                                   # own detection settings apply)
//! # a default may carry a reason shown to the user:
//! # tool = { effect = "deny", reason = "only approved tools: see go/ai-tools" }
//!
//! [groups]                          # jurisdiction groups; EU (27 members) is built in
//! FIVE-EYES = ["US", "GB", "CA", "AU", "NZ"]
//!
//! [[team]]                          # identities (from a token or a header) per team
//! name = "platform"
//! members = ["alice@acme.com", "*@platform.acme.com"]   # `*` and `?`, any case
//!
//! [[team]]
//! name = "contractors"
//! members = ["*@partner.example"]
//!
//! # Classes, least strict first: when a request matches projects of several classes, the
//! # strictest (the one written last) wins.
//! [class.public]
//!
//! [class.internal]
//! jurisdictions = ["US", "EU", "local"]
//!
//! [class.restricted]
//! jurisdictions = ["local"]         # only targets in these jurisdictions...
//! vendors = ["azure-private"]       # ...or of these vendors
//! reason = "restricted code stays on our own hardware"
//!
//! [class.restricted.data]           # data actions for this class (over the [data] ones)
//! secret = "reroute:local"
//! email = "redact"
//!
//! [[project]]
//! name = "payments"
//! class = "restricted"
//! paths = ["/srv/acme/payments", "payments-*"]          # the directory or anything below it
//! remotes = ["github.com/acme/payments", "git@gitlab.acme.io:pay/**"]
//!
//! [[project]]
//! name = "website"
//! class = "public"
//! remotes = ["github.com/acme/website"]
//!
//! [[tool]]
//! name = "claude-code"              # a tool id, or a list of them
//! effect = "deny"
//! from = 2026-07-10                 # from the start of that day, UTC
//! reason = "classified high-risk by security (SEC-114)"
//!
//! [[tool]]
//! id = "claude-code-platform"       # optional; otherwise derived (tool.claude-code#2)
//! name = "claude-code"
//! effect = "allow"
//! team = "platform"                 # a team, or a list: more specific than the ban above
//! until = 2026-09-30                # through the end of that day, UTC
//! reason = "migration window"
//!
//! [[tool]]
//! name = "codex"
//! versions = "<0.30"                # a version range: more specific than the bare id
//! effect = "deny"
//! reason = "sends the working directory in every request"
//!
//! [[tool]]
//! name = ["cursor", "opencode"]
//! effect = "deny"
//! class = "restricted"              # only for requests of this class (or list)
//!
//! [[vendor]]
//! name = "deepseek"
//! effect = "deny"
//! reason = "vendor outside approved jurisdictions"
//!
//! [[vendor]]
//! name = "openai"
//! models = ["gpt-4o*"]              # only these models of the vendor
//! effect = "deny"
//! from = 2026-08-01
//!
//! [[jurisdiction]]
//! name = "CN"                       # a country code, "local", or a group
//! effect = "deny"
//! reason = "export control"
//!
//! [data]                            # category = action
//! secret = "redact"
//! private-key = "block"
//! payment-card = "block"
//! email = "allow"
//! time-zone = "normalize"
//! install-id = "strip"
//! invisible = "strip"
//! confusable = "normalize"
//! ```
//!
//! ## Keys
//!
//! | table | key | value |
//! |---|---|---|
//! | top | `mode` | `"enforce"` (default) or `"observe"` |
//! | `[defaults]` | `tool`, `vendor` | `"allow"` (default) or `"deny"`, or `{ effect, reason }` |
//! | | `class` | a declared class; unset: requests matching no project have no class |
//! | | `data` | an action; unset: categories without a rule get no policy action |
//! | `[groups]` | `NAME` | list of country codes / `"local"`; names longer than two letters |
//! | `[[team]]` | `name`, `members` | identity patterns (`*`, `?`; case-insensitive) |
//! | `[class.NAME]` | `jurisdictions`, `vendors` | allow-lists; a target passes if either admits it; neither set: no limit |
//! | | `reason`, `data` | shown on refusal; per-class `category = action` table |
//! | `[[project]]` | `name`, `class` | required |
//! | | `paths` | working-directory globs: `*`/`?` within a segment, `**` across; a pattern matches the directory and everything below; without a leading `/` it matches at any depth |
//! | | `remotes` | git remote globs, any URL spelling (normalised to `host/path`), starting at the host, matching the remote and anything below |
//! | `[[tool]]` | `name`, `effect` | tool id(s); `"allow"` or `"deny"` |
//! | | `versions` | a range, see [`version`] (`">=2.1, <2.3"`, `"^1.4"`, `"<1 \|\| >=3"`) |
//! | `[[vendor]]` | `name`, `effect`, `models` | vendor name(s) as in weir.toml; optional model globs |
//! | `[[jurisdiction]]` | `name`, `effect` | country code(s), `"local"`, or groups |
//! | every rule | `id`, `team`, `class`, `from`, `until`, `reason` | optional |
//! | `[data]` | `CATEGORY` | an action (see [`data`] for categories and which actions fit each) |
//!
//! A request matches a project when the client names it (header or `weir run --project`; names
//! compare without case), when one of its `remotes` matches a git remote, or when one of its
//! `paths` matches the working directory. If several projects match, the one of the strictest
//! class wins, so a restricted repository stays restricted under any name or directory; among
//! projects of that class, a named project beats a remote match, which beats a directory match,
//! then the first written wins. No match: the project is the name the client gave (if any) and
//! the class is `defaults.class`. The explanation cites the pattern that matched, never the
//! directory or remote itself.
//!
//! ## Dates
//!
//! `from` and `until` are dates (`2026-07-10`, as a TOML date or a string), evaluated in UTC: a
//! rule applies from 00:00 UTC on its `from` day through 24:00 UTC on its `until` day, both
//! inclusive. `until` before `from` is an error. Outside its dates a rule does not exist for the
//! decision (the explanation still lists it as "not in effect").
//!
//! ## Precedence
//!
//! Each subject (the tool; each target of the route) is decided by one rule:
//!
//! 1. Only rules that match apply: subject, scope (`team`: the user is in one of its teams;
//!    `class`: the request's class is one of them), version range (a rule with `versions`
//!    matches only a known version inside it), and dates.
//! 2. The most specific rule decides. Specificity compares, in this order:
//!    - the subject: for tools, a rule with `versions` beats one without; for targets, a vendor
//!      rule with `models` beats a vendor rule, which beats a rule naming the jurisdiction, which
//!      beats a rule naming a group containing it;
//!    - then a team-scoped rule beats an unscoped one;
//!    - then a class-scoped rule beats an unscoped one.
//! 3. At equal specificity `deny` beats `allow`.
//! 4. No rule matches: the `[defaults]` value decides.
//!
//! A class's `jurisdictions`/`vendors` limit is a separate gate: a target outside it is denied
//! whatever the rules say, and a target inside it still needs the rules (or default) to allow
//! it. The request goes to the allowed targets in the route's order (failover order); if the
//! route has targets and none is allowed, it is refused.
//!
//! Data: a category's action comes from the request class's `data` table, else `[data]`, else
//! `defaults.data`. `block` refuses the request. `reroute:<route>` sends it to that route
//! (whose targets are then filtered like any route's); if several categories reroute to
//! different routes, the rule written first wins.
//!
//! A refusal names the first of: a denied tool, a blocking data action, a reroute to a route
//! that is not available, no allowed target. Every rule that matched is in
//! [`Decision::rules`], with its status (decided, overridden, not in effect).
//!
//! ## Observe mode
//!
//! With `mode = "observe"` the decision is computed exactly as in enforce mode and its first
//! rule says `observe`; [`Decision::enforced_refusal`] is `None` and the gateway neither
//! refuses, reroutes, filters targets nor applies data actions: it records what the policy
//! would have done, so a team can trial a policy before enforcing it.
#![warn(missing_docs)]

pub mod data;
pub mod date;
pub mod glob;
pub mod version;

mod decide;
mod decision;
mod error;
mod facts;
mod parse;
mod policy;

pub use data::{DataAction, FindingKind};
pub use date::Date;
pub use decide::decide;
pub use decision::{
    Applied, DataVerdict, Decision, Effect, LedgerEntry, Refusal, RefusalKind, Status,
    TargetVerdict,
};
pub use error::{PolicyError, PolicyErrors};
pub use facts::{Facts, OwnedRoute, Request, Route, Target};
pub use parse::EU;
pub use policy::{Mode, Policy, References, RuleKind, RuleRef, Verdict};
pub use version::{Version, VersionRange};

impl Policy {
    /// Parses and validates a whole policy file. `origin` is the file name used in errors and
    /// in the explanations of decisions (`policy.toml`).
    pub fn parse(text: &str, origin: &str) -> Result<Policy, PolicyErrors> {
        parse::parse(text, origin)
    }

    /// Parses the table at `key` (normally `"policy"`) of a larger TOML file such as
    /// `weir.toml`, keeping that file's line numbers. `Ok(None)` when there is no such key; the
    /// rest of the file is not looked at.
    pub fn parse_section(
        text: &str,
        origin: &str,
        key: &str,
    ) -> Result<Option<Policy>, PolicyErrors> {
        parse::parse_section(text, origin, key)
    }
}
