//! From policy text to a [`Policy`]: the TOML document is walked with the byte span of every
//! key and value, so that each problem is reported at its line and column, and every problem
//! in the file is reported at once (not just the first).

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use sha2::{Digest as _, Sha256};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::data::{DataAction, kind_of};
use crate::date::Date;
use crate::glob::{PathPattern, Wildcard};
use crate::policy::{
    Class, DataRule, Defaults, Mode, Place, Policy, Project, Reference, ReferenceKind, RuleKind,
    RuleRef, Scope, TargetRule, TargetSubject, Team, ToolRule, Verdict,
};
use crate::version::VersionRange;
use crate::{PolicyError, PolicyErrors};

type Val<'i> = Spanned<DeValue<'i>>;

/// Members of the European Union (2026), the one jurisdiction group weir knows without being
/// told. A policy's `[groups]` may redefine it.
pub const EU: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

const ROOT_KEYS: &[&str] = &[
    "mode",
    "defaults",
    "groups",
    "team",
    "class",
    "project",
    "tool",
    "vendor",
    "jurisdiction",
    "data",
];
const DEFAULTS_KEYS: &[&str] = &["tool", "vendor", "class", "data"];
const DEFAULT_VERDICT_KEYS: &[&str] = &["effect", "reason"];
const TEAM_KEYS: &[&str] = &["name", "members"];
const CLASS_KEYS: &[&str] = &["jurisdictions", "vendors", "reason", "data"];
const PROJECT_KEYS: &[&str] = &["name", "class", "paths", "remotes"];
const TOOL_KEYS: &[&str] = &[
    "id", "name", "versions", "effect", "team", "class", "from", "until", "reason",
];
const VENDOR_KEYS: &[&str] = &[
    "id", "name", "models", "effect", "team", "class", "from", "until", "reason",
];
const JURISDICTION_KEYS: &[&str] = &[
    "id", "name", "effect", "team", "class", "from", "until", "reason",
];

/// Positions and collected errors.
struct Cx<'t> {
    text: &'t str,
    origin: &'t str,
    line_starts: Vec<usize>,
    errors: Vec<PolicyError>,
}

impl<'t> Cx<'t> {
    fn new(text: &'t str, origin: &'t str) -> Cx<'t> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Cx {
            text,
            origin,
            line_starts,
            errors: Vec::new(),
        }
    }

    /// 1-based line and column (in characters) of byte `offset`.
    fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.position(span.start).0
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = self.position(span.start);
        self.errors.push(PolicyError {
            origin: self.origin.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    fn reference(&self, kind: ReferenceKind, name: &str, span: &Range<usize>) -> Reference {
        let (line, column) = self.position(span.start);
        Reference {
            kind,
            name: name.to_owned(),
            line,
            column,
        }
    }

    /// Reports every key of `t` not in `allowed`.
    fn keys(&mut self, t: &DeTable<'_>, allowed: &[&str]) {
        for k in t.keys() {
            let key = k.get_ref().as_ref();
            if !allowed.contains(&key) {
                let hint = closest(key, allowed)
                    .map(|c| format!(" (did you mean \"{c}\"?)"))
                    .unwrap_or_default();
                self.error(
                    k.span(),
                    format!(
                        "unknown key \"{key}\", expected one of {}{hint}",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn table<'v, 'i>(&mut self, v: &'v Val<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    v.span(),
                    format!("{what} must be a table, not {}", type_name(other)),
                );
                None
            }
        }
    }

    /// The tables of an array of tables (`[[tool]]`).
    fn tables<'v, 'i>(
        &mut self,
        v: &'v Val<'i>,
        what: &str,
    ) -> Vec<(&'v DeTable<'i>, Range<usize>)> {
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| {
                    self.table(item, &format!("each {what}"))
                        .map(|t| (t, item.span()))
                })
                .collect(),
            other => {
                self.error(
                    v.span(),
                    format!(
                        "{what} must be written as [[{what}]] tables, not {}",
                        type_name(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    fn string<'v>(&mut self, v: &'v Val<'_>, what: &str) -> Option<&'v str> {
        match v.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => Some(s.trim()),
            DeValue::String(_) => {
                self.error(v.span(), format!("{what} is empty"));
                None
            }
            other => {
                self.error(
                    v.span(),
                    format!("{what} must be a string, not {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A string or a non-empty array of strings, each with its span.
    fn strings<'v>(&mut self, v: &'v Val<'_>, what: &str) -> Vec<(&'v str, Range<usize>)> {
        match v.get_ref() {
            DeValue::String(_) => self
                .string(v, what)
                .map(|s| vec![(s, v.span())])
                .unwrap_or_default(),
            DeValue::Array(items) if items.is_empty() => {
                self.error(v.span(), format!("{what} is an empty list"));
                Vec::new()
            }
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| self.string(item, what).map(|s| (s, item.span())))
                .collect(),
            other => {
                self.error(
                    v.span(),
                    format!(
                        "{what} must be a string or a list of strings, not {}",
                        type_name(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    fn date(&mut self, v: &Val<'_>, what: &str) -> Option<Date> {
        let result = match v.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    Date::new(d.year, d.month, d.day).map_err(|e| e.to_string())
                }
                _ => Err(format!(
                    "{what} must be a date without a time, like 2026-07-10 (rules start and end on \
                     whole days, UTC)"
                )),
            },
            DeValue::String(s) => Date::parse(s.trim())
                .map_err(|e| format!("{what} = \"{}\" is not a date: {e}", s.trim())),
            other => Err(format!(
                "{what} must be a date like 2026-07-10, not {}",
                type_name(other)
            )),
        };
        match result {
            Ok(d) => Some(d),
            Err(message) => {
                let message = if message.starts_with(what) {
                    message
                } else {
                    format!("{what}: {message}")
                };
                self.error(v.span(), message);
                None
            }
        }
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// The allowed key nearest to a misspelt one (at most two edits away).
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(key, a), *a))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

fn get<'t, 'i>(t: &'t DeTable<'i>, key: &str) -> Option<&'t Val<'i>> {
    t.get(key)
}

/// Parses a whole policy file.
pub(crate) fn parse(text: &str, origin: &str) -> Result<Policy, PolicyErrors> {
    let mut cx = Cx::new(text, origin);
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => return Err(syntax(&mut cx, &e)),
    };
    finish(cx, root.get_ref(), text)
}

/// Parses the table at `key` of a larger file (`[policy]` of weir.toml); positions stay those
/// of the whole file. `Ok(None)` when the file has no such key.
pub(crate) fn parse_section(
    text: &str,
    origin: &str,
    key: &str,
) -> Result<Option<Policy>, PolicyErrors> {
    let mut cx = Cx::new(text, origin);
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => return Err(syntax(&mut cx, &e)),
    };
    let Some(section) = get(root.get_ref(), key) else {
        return Ok(None);
    };
    let Some(table) = cx.table(section, &format!("[{key}]")) else {
        return Err(PolicyErrors(cx.errors));
    };
    finish(cx, table, text).map(Some)
}

fn syntax(cx: &mut Cx<'_>, e: &toml::de::Error) -> PolicyErrors {
    cx.error(e.span().unwrap_or(0..0), e.message().trim().to_owned());
    PolicyErrors(std::mem::take(&mut cx.errors))
}

fn finish(mut cx: Cx<'_>, root: &DeTable<'_>, text: &str) -> Result<Policy, PolicyErrors> {
    let policy = policy(&mut cx, root, text);
    if cx.errors.is_empty() {
        Ok(policy)
    } else {
        cx.errors.sort_by_key(|e| (e.line, e.column));
        Err(PolicyErrors(cx.errors))
    }
}

/// Rule ids in use, so that derived ones stay unique.
#[derive(Default)]
struct Ids {
    used: HashSet<String>,
}

impl Ids {
    /// `explicit` when given (checked and unique), otherwise `base`, `base#2`, ...
    fn assign(&mut self, cx: &mut Cx<'_>, explicit: Option<&Val<'_>>, base: String) -> String {
        if let Some(v) = explicit
            && let Some(id) = cx.string(v, "id")
        {
            if !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                cx.error(
                    v.span(),
                    format!("id \"{id}\" may contain only letters, digits, - and _"),
                );
            } else if !self.used.insert(id.to_owned()) {
                cx.error(v.span(), format!("id \"{id}\" is used by another rule"));
            }
            return id.to_owned();
        }
        let mut id = base.clone();
        let mut n = 2;
        while !self.used.insert(id.clone()) {
            id = format!("{base}#{n}");
            n += 1;
        }
        id
    }
}

/// What the rules of one file can refer to while they are read.
struct Names {
    groups: BTreeMap<String, Vec<String>>,
    teams: Vec<String>,
    classes: Vec<String>,
}

fn policy(cx: &mut Cx<'_>, root: &DeTable<'_>, text: &str) -> Policy {
    cx.keys(root, ROOT_KEYS);
    let mut p = Policy {
        origin: cx.origin.into(),
        digest: hex(&Sha256::digest(text.as_bytes())).into(),
        ..Policy::default()
    };
    let mut ids = Ids::default();

    if let Some(v) = get(root, "mode") {
        let line = cx.line(&v.span());
        match cx.string(v, "mode") {
            Some("enforce") => p.mode = Mode::Enforce,
            Some("observe") => p.mode = Mode::Observe,
            Some(other) => cx.error(
                v.span(),
                format!("mode must be \"enforce\" or \"observe\", not \"{other}\""),
            ),
            None => {}
        }
        p.mode_rule = Some(RuleRef {
            id: "mode".into(),
            kind: RuleKind::Mode,
            line: Some(line),
        });
    }

    let mut names = Names {
        groups: BTreeMap::from([(
            "EU".to_owned(),
            EU.iter().map(|s| (*s).to_owned()).collect(),
        )]),
        teams: Vec::new(),
        classes: Vec::new(),
    };
    if let Some(v) = get(root, "groups")
        && let Some(t) = cx.table(v, "[groups]")
    {
        groups(cx, t, &mut names.groups);
    }
    if let Some(v) = get(root, "team") {
        for (t, span) in cx.tables(v, "team") {
            if let Some(team) = team(cx, t, &span, &names) {
                names.teams.push(team.name.to_string());
                p.teams.push(team);
            }
        }
    }
    if let Some(v) = get(root, "class")
        && let Some(t) = cx.table(v, "[class]")
    {
        let mut entries: Vec<_> = t.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (k, v) in entries {
            let name = k.get_ref().trim();
            if !is_name(name) {
                cx.error(
                    k.span(),
                    format!("class name \"{name}\" may contain only letters, digits, ., - and _"),
                );
                continue;
            }
            if let Some(t) = cx.table(v, &format!("[class.{name}]")) {
                let class = class(cx, &mut p, name, t, &v.span(), &names);
                names.classes.push(class.name.to_string());
                p.classes.push(class);
            }
        }
    }
    if let Some(v) = get(root, "project") {
        let mut seen: Vec<String> = Vec::new();
        for (t, span) in cx.tables(v, "project") {
            if let Some(project) = project(cx, t, &span, &names) {
                if seen.iter().any(|n| **n == *project.name) {
                    cx.error(
                        span,
                        format!("project \"{}\" is declared twice", project.name),
                    );
                    continue;
                }
                seen.push(project.name.to_string());
                p.projects.push(project);
            }
        }
    }
    if let Some(v) = get(root, "defaults")
        && let Some(t) = cx.table(v, "[defaults]")
    {
        p.defaults = defaults(cx, &mut p.references, t, &names);
    }
    if let Some(v) = get(root, "tool") {
        for (t, span) in cx.tables(v, "tool") {
            if let Some(rule) = tool(cx, &mut ids, t, &span, &names) {
                p.tools.push(rule);
            }
        }
    }
    for kind in [RuleKind::Vendor, RuleKind::Jurisdiction] {
        if let Some(v) = get(root, kind.as_str()) {
            for (t, span) in cx.tables(v, kind.as_str()) {
                if let Some(rule) = target(cx, &mut ids, &mut p.references, kind, t, &span, &names)
                {
                    p.targets.push(rule);
                }
            }
        }
    }
    p.targets.sort_by_key(|r| r.rule.line);
    if let Some(v) = get(root, "data")
        && let Some(t) = cx.table(v, "[data]")
    {
        p.data = data(cx, &mut p.references, t, "data");
    }
    p
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// A jurisdiction code as rules compare it: `local`, or upper case.
fn place_name(s: &str) -> String {
    if s.eq_ignore_ascii_case("local") {
        "local".to_owned()
    } else {
        s.to_ascii_uppercase()
    }
}

fn is_code(s: &str) -> bool {
    s == "local" || (s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()))
}

fn groups(cx: &mut Cx<'_>, t: &DeTable<'_>, groups: &mut BTreeMap<String, Vec<String>>) {
    for (k, v) in t.iter() {
        let name = place_name(k.get_ref().trim());
        if name == "local" || (name.len() == 2 && name != "EU") || !is_name(&name) {
            cx.error(
                k.span(),
                format!(
                    "group name \"{}\" must be longer than two letters (two letters are a country \
                     code) and not \"local\"",
                    k.get_ref()
                ),
            );
            continue;
        }
        let mut members = Vec::new();
        for (m, span) in cx.strings(v, &format!("groups.{name}")) {
            let code = place_name(m);
            if is_code(&code) {
                members.push(code);
            } else {
                cx.error(
                    span,
                    format!(
                        "\"{m}\" in groups.{name} is not a jurisdiction: use two-letter country \
                         codes (ISO 3166-1) or \"local\""
                    ),
                );
            }
        }
        groups.insert(name, members);
    }
}

/// Jurisdiction names in a rule or class: codes and groups.
fn places(cx: &mut Cx<'_>, v: &Val<'_>, what: &str, names: &Names) -> Vec<Place> {
    let mut out = Vec::new();
    for (s, span) in cx.strings(v, what) {
        let name = place_name(s);
        if let Some(members) = names.groups.get(&name) {
            out.push(Place::Group(name, members.clone()));
        } else if is_code(&name) {
            out.push(Place::One(name));
        } else {
            let groups: Vec<&str> = names.groups.keys().map(String::as_str).collect();
            cx.error(
                span,
                format!(
                    "unknown jurisdiction \"{s}\"; use a two-letter country code (ISO 3166-1), \
                     \"local\", or a group ({})",
                    groups.join(", ")
                ),
            );
        }
    }
    out
}

fn team(cx: &mut Cx<'_>, t: &DeTable<'_>, span: &Range<usize>, names: &Names) -> Option<Team> {
    cx.keys(t, TEAM_KEYS);
    let name = required_name(cx, t, span, "team")?;
    if names.teams.contains(&name) {
        cx.error(span.clone(), format!("team \"{name}\" is declared twice"));
        return None;
    }
    let members = match get(t, "members") {
        Some(v) => cx
            .strings(v, "members")
            .into_iter()
            .map(|(m, _)| Wildcard::new(m, true))
            .collect(),
        None => {
            cx.error(
                span.clone(),
                format!(
                    "team \"{name}\" has no members: list identities (as weir identifies users, \
                     from a token or a header), e.g. members = [\"alice@acme.com\", \"*@ops.acme.com\"]"
                ),
            );
            return None;
        }
    };
    Some(Team {
        rule: RuleRef {
            id: format!("team.{name}").into(),
            kind: RuleKind::Team,
            line: Some(cx.line(span)),
        },
        name: name.into(),
        members,
    })
}

fn required_name(
    cx: &mut Cx<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
    what: &str,
) -> Option<String> {
    let Some(v) = get(t, "name") else {
        cx.error(span.clone(), format!("this {what} has no name"));
        return None;
    };
    let name = cx.string(v, "name")?;
    if !is_name(name) {
        cx.error(
            v.span(),
            format!("{what} name \"{name}\" may contain only letters, digits, ., - and _"),
        );
        return None;
    }
    Some(name.to_owned())
}

fn class(
    cx: &mut Cx<'_>,
    p: &mut Policy,
    name: &str,
    t: &DeTable<'_>,
    span: &Range<usize>,
    names: &Names,
) -> Class {
    cx.keys(t, CLASS_KEYS);
    let jurisdictions = get(t, "jurisdictions").map(|v| {
        let mut codes = Vec::new();
        for place in places(cx, v, "jurisdictions", names) {
            match place {
                Place::One(c) => codes.push(c),
                Place::Group(g, members) => {
                    codes.push(g);
                    codes.extend(members);
                }
            }
        }
        codes
    });
    let vendors = get(t, "vendors").map(|v| {
        cx.strings(v, "vendors")
            .into_iter()
            .map(|(s, span)| {
                p.references
                    .push(cx.reference(ReferenceKind::Vendor, s, &span));
                s.to_owned()
            })
            .collect()
    });
    let reason = get(t, "reason").and_then(|v| cx.string(v, "reason").map(Into::into));
    let data = match get(t, "data") {
        Some(v) => match cx.table(v, &format!("[class.{name}.data]")) {
            Some(d) => data(cx, &mut p.references, d, &format!("class.{name}.data")),
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    Class {
        rule: RuleRef {
            id: format!("class.{name}").into(),
            kind: RuleKind::Class,
            line: Some(cx.line(span)),
        },
        name: name.into(),
        jurisdictions,
        vendors,
        reason,
        data,
    }
}

fn class_ref(cx: &mut Cx<'_>, v: &Val<'_>, names: &Names) -> Option<usize> {
    let name = cx.string(v, "class")?;
    let found = names.classes.iter().position(|c| c == name);
    if found.is_none() {
        cx.error(v.span(), unknown_class(name, names));
    }
    found
}

fn unknown_class(name: &str, names: &Names) -> String {
    if names.classes.is_empty() {
        format!("unknown class \"{name}\": declare it with a [class.{name}] table")
    } else {
        format!(
            "unknown class \"{name}\"; classes are {} (declare others with [class.NAME])",
            names.classes.join(", ")
        )
    }
}

fn project(
    cx: &mut Cx<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
    names: &Names,
) -> Option<Project> {
    cx.keys(t, PROJECT_KEYS);
    let name = required_name(cx, t, span, "project");
    let class = match get(t, "class") {
        Some(v) => class_ref(cx, v, names),
        None => {
            cx.error(
                span.clone(),
                "this project has no class: add class = \"NAME\" naming a [class.NAME] table",
            );
            None
        }
    };
    let paths: Vec<PathPattern> = get(t, "paths")
        .map(|v| {
            cx.strings(v, "paths")
                .into_iter()
                .map(|(s, _)| PathPattern::path(s))
                .collect()
        })
        .unwrap_or_default();
    let remotes: Vec<PathPattern> = get(t, "remotes")
        .map(|v| {
            cx.strings(v, "remotes")
                .into_iter()
                .filter_map(|(s, span)| {
                    let r = PathPattern::remote(s);
                    if crate::glob::normalize_remote(s).is_empty() {
                        cx.error(
                            span,
                            format!("remote pattern \"{s}\" names no host or path"),
                        );
                        None
                    } else {
                        Some(r)
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let (name, class) = (name?, class?);
    Some(Project {
        rule: RuleRef {
            id: format!("project.{name}").into(),
            kind: RuleKind::Project,
            line: Some(cx.line(span)),
        },
        name: name.into(),
        class,
        paths,
        remotes,
    })
}

fn verdict(cx: &mut Cx<'_>, v: &Val<'_>, what: &str) -> Option<Verdict> {
    match cx.string(v, what)? {
        "allow" => Some(Verdict::Allow),
        "deny" => Some(Verdict::Deny),
        other => {
            cx.error(
                v.span(),
                format!("{what} must be \"allow\" or \"deny\", not \"{other}\""),
            );
            None
        }
    }
}

fn defaults(
    cx: &mut Cx<'_>,
    references: &mut Vec<Reference>,
    t: &DeTable<'_>,
    names: &Names,
) -> Defaults {
    cx.keys(t, DEFAULTS_KEYS);
    let mut d = Defaults::default();
    for (key, slot) in [("tool", &mut d.tool), ("vendor", &mut d.target)] {
        let Some(v) = get(t, key) else { continue };
        slot.rule.line = Some(cx.line(&v.span()));
        match v.get_ref() {
            DeValue::Table(inner) => {
                cx.keys(inner, DEFAULT_VERDICT_KEYS);
                match get(inner, "effect") {
                    Some(e) => {
                        if let Some(verdict) = verdict(cx, e, &format!("defaults.{key}.effect")) {
                            slot.verdict = verdict;
                        }
                    }
                    None => cx.error(
                        v.span(),
                        format!("defaults.{key} has no effect: add effect = \"allow\" or \"deny\""),
                    ),
                }
                slot.reason =
                    get(inner, "reason").and_then(|r| cx.string(r, "reason").map(Into::into));
            }
            _ => {
                if let Some(verdict) = verdict(cx, v, &format!("defaults.{key}")) {
                    slot.verdict = verdict;
                }
            }
        }
    }
    if let Some(v) = get(t, "class")
        && let Some(i) = class_ref(cx, v, names)
    {
        d.class = Some((
            RuleRef {
                id: "defaults.class".into(),
                kind: RuleKind::Default,
                line: Some(cx.line(&v.span())),
            },
            i,
        ));
    }
    if let Some(v) = get(t, "data")
        && let Some(s) = cx.string(v, "defaults.data")
    {
        match s.parse::<DataAction>() {
            Ok(a) => {
                if let Some(route) = a.route() {
                    references.push(cx.reference(ReferenceKind::Route, route, &v.span()));
                }
                d.data = Some((
                    RuleRef {
                        id: "defaults.data".into(),
                        kind: RuleKind::Default,
                        line: Some(cx.line(&v.span())),
                    },
                    a,
                ));
            }
            Err(e) => cx.error(v.span(), format!("defaults.data: {e}")),
        }
    }
    d
}

/// The dates and scope keys shared by tool, vendor and jurisdiction rules.
fn scope(cx: &mut Cx<'_>, t: &DeTable<'_>, names: &Names) -> Scope {
    let from = get(t, "from").and_then(|v| cx.date(v, "from"));
    let until = get(t, "until").and_then(|v| cx.date(v, "until"));
    if let (Some(f), Some(u), Some(v)) = (from, until, get(t, "until"))
        && u < f
    {
        cx.error(
            v.span(),
            format!("until {u} is before from {f}: the rule would never apply"),
        );
    }
    let mut teams = Vec::new();
    if let Some(v) = get(t, "team") {
        for (name, span) in cx.strings(v, "team") {
            match names.teams.iter().position(|n| n == name) {
                Some(i) => teams.push(i),
                None if names.teams.is_empty() => cx.error(
                    span,
                    format!("unknown team \"{name}\": declare it with a [[team]] table"),
                ),
                None => cx.error(
                    span,
                    format!(
                        "unknown team \"{name}\"; teams are {}",
                        names.teams.join(", ")
                    ),
                ),
            }
        }
    }
    let mut classes = Vec::new();
    if let Some(v) = get(t, "class") {
        for (name, span) in cx.strings(v, "class") {
            match names.classes.iter().position(|n| n == name) {
                Some(i) => classes.push(i),
                None => cx.error(span, unknown_class(name, names)),
            }
        }
    }
    Scope {
        from,
        until,
        teams,
        classes,
    }
}

fn effect_of(cx: &mut Cx<'_>, t: &DeTable<'_>, span: &Range<usize>) -> Option<Verdict> {
    match get(t, "effect") {
        Some(v) => verdict(cx, v, "effect"),
        None => {
            cx.error(
                span.clone(),
                "this rule has no effect: add effect = \"deny\" or effect = \"allow\"",
            );
            None
        }
    }
}

fn subject_names<'v>(
    cx: &mut Cx<'_>,
    t: &'v DeTable<'_>,
    span: &Range<usize>,
    what: &str,
) -> Vec<(&'v str, Range<usize>)> {
    match get(t, "name") {
        Some(v) => cx.strings(v, "name"),
        None => {
            cx.error(
                span.clone(),
                format!("this rule names no {what}: add name = \"…\""),
            );
            Vec::new()
        }
    }
}

fn tool(
    cx: &mut Cx<'_>,
    ids: &mut Ids,
    t: &DeTable<'_>,
    span: &Range<usize>,
    names: &Names,
) -> Option<ToolRule> {
    cx.keys(t, TOOL_KEYS);
    let tools: Vec<String> = subject_names(cx, t, span, "tool")
        .into_iter()
        .filter_map(|(s, span)| {
            let id = s.to_ascii_lowercase();
            if id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                Some(id)
            } else {
                cx.error(
                    span,
                    format!(
                        "tool \"{s}\" is not a tool id: ids are like claude-code, codex, \
                         qwen-code, gemini-cli, aider, opencode, cursor, openai-python, unknown"
                    ),
                );
                None
            }
        })
        .collect();
    let versions = get(t, "versions").and_then(|v| {
        let text = cx.string(v, "versions")?;
        match VersionRange::parse(text) {
            Ok(r) => Some(r),
            Err(e) => {
                cx.error(v.span(), format!("versions = \"{text}\": {e}"));
                None
            }
        }
    });
    let verdict = effect_of(cx, t, span);
    let scope = scope(cx, t, names);
    let reason = get(t, "reason").and_then(|v| cx.string(v, "reason").map(Into::into));
    let first = tools.first()?.clone();
    let id = ids.assign(cx, get(t, "id"), format!("tool.{first}"));
    Some(ToolRule {
        rule: RuleRef {
            id: id.into(),
            kind: RuleKind::Tool,
            line: Some(cx.line(span)),
        },
        names: tools,
        versions,
        verdict: verdict?,
        scope,
        reason,
    })
}

fn target(
    cx: &mut Cx<'_>,
    ids: &mut Ids,
    references: &mut Vec<Reference>,
    kind: RuleKind,
    t: &DeTable<'_>,
    span: &Range<usize>,
    names: &Names,
) -> Option<TargetRule> {
    let (subject, first) = if kind == RuleKind::Vendor {
        cx.keys(t, VENDOR_KEYS);
        let vendors: Vec<String> = subject_names(cx, t, span, "vendor")
            .into_iter()
            .map(|(s, span)| {
                references.push(cx.reference(ReferenceKind::Vendor, s, &span));
                s.to_owned()
            })
            .collect();
        let models = get(t, "models")
            .map(|v| {
                cx.strings(v, "models")
                    .into_iter()
                    .map(|(m, _)| Wildcard::new(m, false))
                    .collect()
            })
            .unwrap_or_default();
        let first = vendors.first()?.clone();
        (
            TargetSubject::Vendor {
                names: vendors,
                models,
            },
            first,
        )
    } else {
        cx.keys(t, JURISDICTION_KEYS);
        let places = match get(t, "name") {
            Some(v) => places(cx, v, "name", names),
            None => {
                cx.error(
                    span.clone(),
                    "this rule names no jurisdiction: add name = \"CN\" (a country code, \
                     \"local\" or a group)",
                );
                Vec::new()
            }
        };
        let first = match places.first()? {
            Place::One(c) | Place::Group(c, _) => c.clone(),
        };
        (TargetSubject::Jurisdiction(places), first)
    };
    let verdict = effect_of(cx, t, span);
    let scope = scope(cx, t, names);
    let reason = get(t, "reason").and_then(|v| cx.string(v, "reason").map(Into::into));
    let id = ids.assign(cx, get(t, "id"), format!("{}.{first}", kind.as_str()));
    Some(TargetRule {
        rule: RuleRef {
            id: id.into(),
            kind,
            line: Some(cx.line(span)),
        },
        subject,
        verdict: verdict?,
        scope,
        reason,
    })
}

/// A `[data]` table: category = action.
fn data(
    cx: &mut Cx<'_>,
    references: &mut Vec<Reference>,
    t: &DeTable<'_>,
    prefix: &str,
) -> Vec<DataRule> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = t.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (k, v) in entries {
        let category = k.get_ref().trim();
        let Some(kind) = kind_of(category) else {
            let hint = closest(
                category,
                &crate::data::CATEGORIES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>(),
            )
            .map(|c| format!(" (did you mean \"{c}\"?)"))
            .unwrap_or_default();
            cx.error(
                k.span(),
                format!(
                    "unknown category \"{category}\"{hint}; categories are {}",
                    crate::data::CATEGORIES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        let Some(text) = cx.string(v, &format!("{prefix}.{category}")) else {
            continue;
        };
        let action = match text.parse::<DataAction>() {
            Ok(a) => a,
            Err(e) => {
                cx.error(v.span(), format!("{prefix}.{category}: {e}"));
                continue;
            }
        };
        if !action.fits(kind) {
            let what = match kind {
                crate::data::FindingKind::Content => "content found by DLP",
                crate::data::FindingKind::Environment => "an environment fact",
                crate::data::FindingKind::Marker => "a hidden marker",
            };
            cx.error(
                v.span(),
                format!("{prefix}.{category}: \"{action}\" does not apply to {category}, which is {what}"),
            );
            continue;
        }
        if let Some(route) = action.route() {
            references.push(cx.reference(ReferenceKind::Route, route, &v.span()));
        }
        out.push(DataRule {
            rule: RuleRef {
                id: format!("{prefix}.{category}").into(),
                kind: RuleKind::Data,
                line: Some(cx.line(&k.span())),
            },
            category: category.to_owned(),
            action,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("untill", "until"), 1);
        assert_eq!(edit_distance("form", "from"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(closest("untill", TOOL_KEYS), Some("until"));
        assert_eq!(closest("zzzzzz", TOOL_KEYS), None);
    }

    #[test]
    fn positions_count_characters() {
        let cx = Cx::new("ab\néé = 1\n", "p.toml");
        assert_eq!(cx.position(0), (1, 1));
        assert_eq!(cx.position(3), (2, 1));
        assert_eq!(cx.position(7), (2, 3));
        assert_eq!(cx.position(100), (3, 1));
    }
}
