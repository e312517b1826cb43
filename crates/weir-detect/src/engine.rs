//! The detector: every rule run over a haystack, fast.
//!
//! Two stages. Stage one finds where a rule could match: the anchor literals of all rules in one
//! multi-lane DFA pass ([`crate::anchor`]), and numbers for the number-shaped rules
//! ([`crate::number`]). Stage two runs a rule's regex only in a window around each such place,
//! bounded by the rule's `before` and `max_len`, then applies its entropy threshold, its check,
//! the placeholder list and its allow patterns. Overlapping findings are settled in favour of
//! the specific rule over the generic one, then the longer finding.

use regex::bytes::{Regex, RegexBuilder};
use regex_automata::meta;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input};

use crate::allow;
use crate::anchor::{AnchorSet, Hit};
use crate::check::Check;
use crate::entropy;
use crate::number;
use crate::rule::{Category, RuleError, RuleSpec};

/// How many leading bytes of each anchor the stage-one automaton looks for.
const ANCHOR_PREFIX: usize = 8;

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// What it was written as.
    pub spec: RuleSpec,
    regex: meta::Regex,
    group: usize,
    allow: Vec<Regex>,
}

impl Rule {
    /// The rule's id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The rule's human name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// What the rule finds.
    pub fn category(&self) -> Category {
        self.spec.category
    }
}

/// One thing found: which rule, and the span of the reported part (the secret itself, not its
/// surroundings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Finding {
    /// Offset of the reported part.
    pub start: usize,
    /// Offset just past it.
    pub end: usize,
    /// Index of the rule in [`Detector::rules`].
    pub rule: usize,
}

/// A set of compiled rules, ready to scan. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Detector {
    rules: Vec<Rule>,
    anchors: AnchorSet,
    /// For each anchor, the rules it starts.
    by_anchor: Vec<Vec<usize>>,
    /// Rules triggered by numbers, with their digit ranges.
    numeric: Vec<(usize, usize, usize)>,
    min_digits: usize,
    /// The longest reach of any rule: `before + max_len`.
    reach: usize,
}

/// The rule's own pattern, as a meta regex: it can search anchored at the trigger, so a
/// trigger that does not start a match costs a few bytes of automaton, not a window's worth.
fn compile_meta(pattern: &str) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .syntax(
            regex_automata::util::syntax::Config::new()
                .unicode(false)
                .utf8(false),
        )
        .configure(
            meta::Regex::config()
                .nfa_size_limit(Some(4 << 20))
                .hybrid_cache_capacity(2 << 20),
        )
        .build(pattern)
        .map_err(|e| e.to_string())
}

fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(4 << 20)
        .dfa_size_limit(2 << 20)
        .build()
}

impl Detector {
    /// Compiles `specs`. Fails on the first rule that cannot be used, naming it.
    pub fn new(specs: Vec<RuleSpec>) -> Result<Detector, RuleError> {
        let mut rules = Vec::with_capacity(specs.len());
        let mut ids = std::collections::HashSet::new();
        let mut anchor_ids: std::collections::HashMap<Vec<u8>, usize> = Default::default();
        let mut anchors: Vec<Vec<u8>> = Vec::new();
        let mut by_anchor: Vec<Vec<usize>> = Vec::new();
        let mut numeric = Vec::new();
        for spec in specs {
            if !ids.insert(spec.id.clone()) {
                return Err(RuleError::Duplicate(spec.id));
            }
            let invalid = |message: &str| RuleError::Invalid {
                id: spec.id.clone(),
                message: message.to_owned(),
            };
            if spec.anchors.is_empty() && spec.digits.is_none() {
                return Err(invalid(
                    "give it `anchors` (literals every match contains) or `digits` (a digit-count \
                     range for a number)",
                ));
            }
            if spec.anchors.iter().any(|a| a.is_empty()) {
                return Err(invalid("an anchor is empty"));
            }
            if spec.max_len == 0 {
                return Err(invalid("max_len must be at least 1"));
            }
            let regex = compile_meta(&spec.pattern).map_err(|e| RuleError::Pattern {
                id: spec.id.clone(),
                message: e.to_string(),
            })?;
            let names = regex.group_info();
            let group = names
                .to_index(regex_automata::PatternID::ZERO, "secret")
                .unwrap_or(if names.group_len(regex_automata::PatternID::ZERO) > 1 {
                    1
                } else {
                    0
                });
            let allow = spec
                .allow
                .iter()
                .map(|a| compile(a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| RuleError::Pattern {
                    id: spec.id.clone(),
                    message: format!("allow pattern: {e}"),
                })?;
            let index = rules.len();
            for a in &spec.anchors {
                // Only an anchor's first bytes go into the DFA (the rule's pattern checks the
                // rest): a smaller automaton stays in cache.
                let key = a.as_bytes()[..a.len().min(ANCHOR_PREFIX)].to_ascii_lowercase();
                let next = anchors.len();
                let at = *anchor_ids.entry(key.clone()).or_insert(next);
                if at == next {
                    anchors.push(key);
                    by_anchor.push(Vec::new());
                }
                if !by_anchor[at].contains(&index) {
                    by_anchor[at].push(index);
                }
            }
            if let Some([lo, hi]) = spec.digits {
                numeric.push((index, lo as usize, hi as usize));
            }
            rules.push(Rule {
                spec,
                regex,
                group,
                allow,
            });
        }
        let reach = rules
            .iter()
            .map(|r| r.spec.before + r.spec.max_len)
            .max()
            .unwrap_or(0);
        let min_digits = numeric.iter().map(|n| n.1).min().unwrap_or(usize::MAX);
        Ok(Detector {
            anchors: AnchorSet::new(&anchors),
            rules,
            by_anchor,
            numeric,
            min_digits: min_digits.max(4),
            reach,
        })
    }

    /// The rules, in the order given.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn rule_by_id(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.spec.id == id)
    }

    /// The furthest any match can reach from where its trigger starts: two findings this far
    /// apart cannot interact, so a stream can be scanned in pieces overlapping by this much.
    pub fn reach(&self) -> usize {
        self.reach
    }

    /// Everything found in `hay`, ordered by position, overlaps settled.
    pub fn scan(&self, hay: &[u8]) -> Vec<Finding> {
        let mut scratch = Scratch::new(self);
        self.scan_with(hay, &mut scratch)
    }

    /// As [`Detector::scan`], reusing buffers between calls.
    pub fn scan_with(&self, hay: &[u8], scratch: &mut Scratch) -> Vec<Finding> {
        let found = self.candidates(hay, scratch);
        settle(&self.rules, found)
    }

    /// Every finding of every rule in `hay` before overlaps are settled, sorted and without
    /// duplicates. Each one depends only on the bytes near it (see [`crate::stream`]), which
    /// is what lets a stream be scanned in overlapping windows.
    pub(crate) fn candidates(&self, hay: &[u8], scratch: &mut Scratch) -> Vec<Finding> {
        let mut found = Vec::new();
        self.anchors.find(hay, &mut scratch.hits);
        for &Hit { end, anchor } in &scratch.hits {
            let start = end - self.anchors.len_of(anchor);
            for &rule in &self.by_anchor[anchor as usize] {
                self.try_rule(hay, rule, start, end, &mut scratch.caps[rule], &mut found);
            }
        }
        if !self.numeric.is_empty() {
            number::numbers(hay, self.min_digits, |n| {
                for &(rule, lo, hi) in &self.numeric {
                    if (lo..=hi).contains(&n.digits) {
                        // A number may run on past what a rule matches (two numbers one space
                        // apart join into one): the match need only take its first digit.
                        self.try_rule(
                            hay,
                            rule,
                            n.start,
                            n.start + 1,
                            &mut scratch.caps[rule],
                            &mut found,
                        );
                    }
                }
            });
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Runs `rule` around a trigger at `start..end`: a match must begin no earlier than
    /// `before` bytes ahead of the trigger, no later than the trigger, and reach `end`. A match
    /// whose reported part fails the rule's filters does not hide a later one that passes.
    fn try_rule(
        &self,
        hay: &[u8],
        index: usize,
        start: usize,
        end: usize,
        caps: &mut Captures,
        found: &mut Vec<Finding>,
    ) {
        let rule = &self.rules[index];
        let from = start.saturating_sub(rule.spec.before);
        let limit = hay
            .len()
            .min(from + rule.spec.before + rule.spec.max_len)
            .max(end);
        // A rule whose match starts at its trigger is searched anchored there: most triggers
        // start no match, and an anchored search gives up within a few bytes.
        let anchored = rule.spec.before == 0;
        let mut at = from;
        while at <= start {
            let input = Input::new(hay).range(at..limit).anchored(if anchored {
                Anchored::Yes
            } else {
                Anchored::No
            });
            rule.regex.search_captures(&input, caps);
            let Some(m) = caps.get_match() else {
                return;
            };
            if m.start() > start {
                return;
            }
            if m.end() >= end {
                if let Some(g) = caps.get_group(rule.group) {
                    if self.accepts(rule, &hay[g.start..g.end]) {
                        found.push(Finding {
                            start: g.start,
                            end: g.end,
                            rule: index,
                        });
                        return;
                    }
                }
            }
            if anchored {
                return;
            }
            at = m.start() + 1;
        }
    }

    fn accepts(&self, rule: &Rule, part: &[u8]) -> bool {
        if part.is_empty() {
            return false;
        }
        if let Some(min) = rule.spec.entropy {
            if entropy::shannon(part) < min {
                return false;
            }
        }
        if let Some(check) = rule.spec.check {
            if !check.passes(part) {
                return false;
            }
        }
        if rule.spec.check.is_none_or(|c| !matches!(c, Check::Iban)) && allow::is_placeholder(part)
        {
            return false;
        }
        !rule.allow.iter().any(|a| a.is_match(part))
    }
}

/// Buffers one scan needs; keep one per thread to scan without allocating.
#[derive(Debug)]
pub struct Scratch {
    hits: Vec<Hit>,
    caps: Vec<Captures>,
}

impl Scratch {
    /// Buffers sized for `detector`.
    pub fn new(detector: &Detector) -> Scratch {
        Scratch {
            hits: Vec::new(),
            caps: detector
                .rules
                .iter()
                .map(|r| r.regex.create_captures())
                .collect(),
        }
    }
}

/// Whether `a` wins over `b` where they overlap: the order [`settle`] uses.
pub(crate) fn better(rules: &[Rule], a: &Finding, b: &Finding) -> bool {
    // A credential beats personal data on the same text: `user:pw@host` is a password in
    // a URL before it is an email address.
    let key = |f: &Finding| {
        let rule = &rules[f.rule].spec;
        (
            !rule.generic,
            !rule.category.is_personal(),
            f.end - f.start,
            std::cmp::Reverse(f.rule),
        )
    };
    key(a) > key(b)
}

/// Orders findings and settles overlaps: of findings that overlap, the one from a specific rule
/// beats one from a generic rule, a credential beats personal data, then the longer one wins,
/// then the earlier rule.
fn settle(rules: &[Rule], mut found: Vec<Finding>) -> Vec<Finding> {
    found.sort_unstable();
    found.dedup();
    let better = |a: &Finding, b: &Finding| better(rules, a, b);
    let mut out: Vec<Finding> = Vec::with_capacity(found.len());
    for f in found {
        match out.last_mut() {
            Some(last) if f.start < last.end => {
                if better(&f, last) {
                    *last = f;
                }
            }
            _ => out.push(f),
        }
    }
    // A replacement may now overlap the one before it.
    let mut settled: Vec<Finding> = Vec::with_capacity(out.len());
    for f in out {
        match settled.last_mut() {
            Some(last) if f.start < last.end => {
                if better(&f, last) {
                    *last = f;
                }
            }
            _ => settled.push(f),
        }
    }
    settled
}
