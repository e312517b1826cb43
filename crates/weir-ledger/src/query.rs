//! Exchanges put back together from their entries, filtered and summed: what `weir log` lists
//! and `weir report` totals. Pure: it works on entries already read from a store.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::chain::Sealed;
use crate::entry::{Canonical, Event, Finish, Outcome, Start, Tunnel};

/// One exchange as its entries tell it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    /// weir's id (`req_…`).
    pub id: String,
    /// When it started (ms since the Unix epoch), or when its first entry was written.
    pub at_ms: i64,
    /// Sequence numbers of its entries.
    pub seqs: Vec<u64>,
    /// Its start, if that entry was read.
    pub start: Option<Start>,
    /// Its finish, if it finished.
    pub finish: Option<Finish>,
    /// Why it was marked interrupted, if it was.
    pub interrupted: Option<String>,
    /// The forward-proxy connection this exchange is, if it is one.
    pub tunnel: Option<Tunnel>,
}

impl Exchange {
    /// How it ended; `None` while it is still running.
    pub fn outcome(&self) -> Option<Outcome> {
        if let Some(t) = &self.tunnel {
            return Some(if t.allowed {
                Outcome::Ok
            } else {
                Outcome::Blocked
            });
        }
        match (&self.finish, &self.interrupted) {
            (Some(f), _) => Some(f.outcome),
            (None, Some(_)) => Some(Outcome::Interrupted),
            (None, None) => None,
        }
    }

    /// The vendor that answered, or else the last one tried, or else the first planned.
    pub fn vendor(&self) -> Option<&str> {
        self.place().map(|t| t.vendor.as_str())
    }

    /// The jurisdiction of [`Exchange::vendor`].
    pub fn jurisdiction(&self) -> Option<&str> {
        self.place().map(|t| t.jurisdiction.as_str())
    }

    /// The model actually asked of the vendor.
    pub fn model(&self) -> Option<&str> {
        self.place()
            .map(|t| t.model.as_str())
            .or_else(|| self.start.as_ref().map(|s| s.model.as_str()))
    }

    fn place(&self) -> Option<&crate::entry::Target> {
        if let Some(f) = &self.finish {
            if let Some(a) = f.served_by().or(f.attempts.last()) {
                return Some(&a.target);
            }
            return None;
        }
        self.start.as_ref().and_then(|s| s.targets.first())
    }

    /// The coding tool.
    pub fn tool(&self) -> Option<&str> {
        self.start
            .as_ref()
            .map(|s| &s.client)
            .or(self.tunnel.as_ref().map(|t| &t.client))
            .and_then(|c| c.tool.as_deref())
    }

    /// The project.
    pub fn project(&self) -> Option<&str> {
        self.start.as_ref().and_then(|s| s.project.as_deref())
    }

    /// Bytes that left for vendors.
    pub fn bytes_out(&self) -> u64 {
        self.finish.as_ref().map_or(0, Finish::bytes_out)
    }

    /// Bytes that came back from vendors.
    pub fn bytes_in(&self) -> u64 {
        self.finish.as_ref().map_or(0, Finish::bytes_in)
    }

    /// Whether any content of this exchange left weir (an attempt reached a vendor).
    pub fn left(&self) -> bool {
        self.finish.as_ref().is_some_and(|f| !f.attempts.is_empty())
    }
}

/// Groups entries (in `seq` order) into exchanges, ordered by their first entry. Entries that
/// cannot be read are skipped (`weir verify` reports them).
pub fn exchanges(entries: &[Sealed]) -> Vec<Exchange> {
    let mut order: Vec<Exchange> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in entries {
        let Ok(c) = Canonical::decode(&row.body) else {
            continue;
        };
        let i = *index.entry(c.exchange.clone()).or_insert_with(|| {
            order.push(Exchange {
                id: c.exchange.clone(),
                at_ms: c.at_ms,
                seqs: Vec::new(),
                start: None,
                finish: None,
                interrupted: None,
                tunnel: None,
            });
            order.len() - 1
        });
        let x = &mut order[i];
        x.seqs.push(c.seq);
        match c.event {
            Event::Start(s) => {
                x.at_ms = c.at_ms;
                x.start = Some(*s);
            }
            Event::Finish(f) => x.finish = Some(*f),
            Event::Interrupted { reason } => x.interrupted = Some(reason),
            Event::Tunnel(t) => x.tunnel = Some(*t),
        }
    }
    order
}

/// Which exchanges to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Started at or after (ms since the epoch).
    pub since_ms: Option<i64>,
    /// Started before.
    pub until_ms: Option<i64>,
    /// The coding tool.
    pub tool: Option<String>,
    /// The project.
    pub project: Option<String>,
    /// The vendor.
    pub vendor: Option<String>,
    /// The jurisdiction (case-insensitive).
    pub jurisdiction: Option<String>,
    /// The outcome.
    pub outcome: Option<Outcome>,
}

impl Filter {
    /// Whether `x` passes.
    pub fn matches(&self, x: &Exchange) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        self.since_ms.is_none_or(|s| x.at_ms >= s)
            && self.until_ms.is_none_or(|u| x.at_ms < u)
            && eq(&self.tool, x.tool())
            && eq(&self.project, x.project())
            && eq(&self.vendor, x.vendor())
            && self
                .jurisdiction
                .as_deref()
                .is_none_or(|w| x.jurisdiction().is_some_and(|j| j.eq_ignore_ascii_case(w)))
            && self.outcome.is_none_or(|o| x.outcome() == Some(o))
    }
}

/// What `weir report` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The vendor that answered (or was tried last).
    Vendor,
    /// Its jurisdiction.
    Jurisdiction,
    /// The project.
    Project,
    /// The coding tool.
    Tool,
}

impl Dimension {
    /// The dimension's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Vendor => "vendor",
            Dimension::Jurisdiction => "jurisdiction",
            Dimension::Project => "project",
            Dimension::Tool => "tool",
        }
    }

    fn of(self, x: &Exchange) -> String {
        let v = match self {
            Dimension::Vendor => x.vendor(),
            Dimension::Jurisdiction => x.jurisdiction(),
            Dimension::Project => x.project(),
            Dimension::Tool => x.tool(),
        };
        v.unwrap_or("-").to_owned()
    }
}

/// One line of a report: totals for one combination of the grouped dimensions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The group's values, in the order of the dimensions asked for.
    pub group: Vec<String>,
    /// Exchanges.
    pub exchanges: u64,
    /// Exchanges whose content reached a vendor.
    pub sent: u64,
    /// Bytes sent to vendors.
    pub bytes_out: u64,
    /// Bytes received from vendors.
    pub bytes_in: u64,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Exchanges by outcome.
    pub outcomes: BTreeMap<String, u64>,
}

/// Totals of `exchanges` grouped by `by`, largest `bytes_out` first.
pub fn report<'a>(exchanges: impl IntoIterator<Item = &'a Exchange>, by: &[Dimension]) -> Vec<Row> {
    let mut groups: BTreeMap<Vec<String>, Row> = BTreeMap::new();
    for x in exchanges {
        let key: Vec<String> = by.iter().map(|d| d.of(x)).collect();
        let row = groups.entry(key.clone()).or_insert_with(|| Row {
            group: key,
            ..Row::default()
        });
        row.exchanges += 1;
        row.sent += u64::from(x.left());
        row.bytes_out += x.bytes_out();
        row.bytes_in += x.bytes_in();
        if let Some(t) = x.finish.as_ref().and_then(|f| f.tokens) {
            row.input_tokens += t.input;
            row.output_tokens += t.output;
        }
        let outcome = x.outcome().map_or("running", Outcome::as_str);
        *row.outcomes.entry(outcome.to_owned()).or_default() += 1;
    }
    let mut rows: Vec<Row> = groups.into_values().collect();
    rows.sort_by(|a, b| b.bytes_out.cmp(&a.bytes_out).then(a.group.cmp(&b.group)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{Head, seal_all};
    use crate::entry::*;

    fn target(vendor: &str, j: &str) -> Target {
        Target {
            vendor: vendor.into(),
            model: "m".into(),
            jurisdiction: j.into(),
            host: "h".into(),
        }
    }

    fn start(id: &str, at: i64, tool: &str, project: &str) -> Draft {
        Draft {
            at_ms: at,
            exchange: id.into(),
            event: Event::Start(Box::new(Start {
                client: Client {
                    tool: Some(tool.into()),
                    ..Client::default()
                },
                project: Some(project.into()),
                targets: vec![target("anthropic", "US")],
                ..Start::default()
            })),
        }
    }

    fn finish(
        id: &str,
        at: i64,
        vendors: &[(&str, &str, AttemptResult)],
        outcome: Outcome,
    ) -> Draft {
        Draft {
            at_ms: at,
            exchange: id.into(),
            event: Event::Finish(Box::new(Finish {
                outcome,
                status: 200,
                error: None,
                attempts: vendors
                    .iter()
                    .map(|(v, j, r)| Attempt {
                        target: target(v, j),
                        protocol: "anthropic".into(),
                        key: None,
                        result: *r,
                        status: Some(200),
                        sent: Content {
                            digest: None,
                            bytes: 100,
                            stored: false,
                        },
                        received: 10,
                        first_byte_ms: None,
                    })
                    .collect(),
                response: Content::default(),
                tokens: Some(Tokens {
                    input: 5,
                    output: 7,
                    ..Tokens::default()
                }),
                latency: Latency::default(),
                findings: vec![],
                decisions: vec![],
            })),
        }
    }

    fn sample() -> Vec<Exchange> {
        let drafts = vec![
            start("a", 10, "claude-code", "web"),
            start("b", 20, "codex", "web"),
            finish(
                "a",
                30,
                &[("anthropic", "US", AttemptResult::Answered)],
                Outcome::Ok,
            ),
            finish(
                "b",
                40,
                &[
                    ("anthropic", "US", AttemptResult::FailedOver),
                    ("deepseek", "CN", AttemptResult::Answered),
                ],
                Outcome::FailedOver,
            ),
            start("c", 50, "codex", "api"),
            Draft {
                at_ms: 60,
                exchange: "c".into(),
                event: Event::Interrupted {
                    reason: "weir stopped".into(),
                },
            },
            start("d", 70, "codex", "api"),
        ];
        exchanges(&seal_all(&mut Head::default(), &drafts))
    }

    #[test]
    fn entries_become_exchanges_in_start_order() {
        let xs = sample();
        assert_eq!(
            xs.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        assert_eq!(xs[1].seqs, [2, 4]);
        assert_eq!(xs[1].vendor(), Some("deepseek"), "the vendor that answered");
        assert_eq!(xs[1].bytes_out(), 200, "both attempts' bytes left");
        assert_eq!(xs[2].outcome(), Some(Outcome::Interrupted));
        assert_eq!(xs[3].outcome(), None, "still running");
        assert_eq!(
            xs[3].vendor(),
            Some("anthropic"),
            "the first planned target"
        );
    }

    #[test]
    fn filters_combine() {
        let xs = sample();
        let pick = |f: Filter| {
            xs.iter()
                .filter(|x| f.matches(x))
                .map(|x| x.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pick(Filter {
                tool: Some("codex".into()),
                ..Filter::default()
            }),
            ["b", "c", "d"]
        );
        assert_eq!(
            pick(Filter {
                jurisdiction: Some("cn".into()),
                ..Filter::default()
            }),
            ["b"]
        );
        assert_eq!(
            pick(Filter {
                outcome: Some(Outcome::Interrupted),
                ..Filter::default()
            }),
            ["c"]
        );
        assert_eq!(
            pick(Filter {
                since_ms: Some(20),
                until_ms: Some(50),
                ..Filter::default()
            }),
            ["b"]
        );
        assert_eq!(
            pick(Filter {
                project: Some("api".into()),
                vendor: Some("anthropic".into()),
                ..Filter::default()
            }),
            ["c", "d"]
        );
    }

    #[test]
    fn reports_total_by_group() {
        let xs = sample();
        let rows = report(&xs, &[Dimension::Jurisdiction]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].group, ["CN"], "most bytes first");
        assert_eq!(
            (rows[0].exchanges, rows[0].bytes_out, rows[0].input_tokens),
            (1, 200, 5)
        );
        assert_eq!(rows[0].outcomes.get("failed_over"), Some(&1));
        assert_eq!(rows[1].group, ["US"]);
        assert_eq!(
            (rows[1].exchanges, rows[1].sent, rows[1].bytes_out),
            (3, 1, 100)
        );
        assert_eq!(rows[1].outcomes.get("running"), Some(&1));
    }
}
