//! Both ledger backends against a model of what a store holds (T4): random sequences of
//! appends, crashes, reopenings, erasures, checkpoints and meta writes, with every query
//! compared to the model after each step.
//!
//! The PostgreSQL half needs a server: `WEIR_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`). It fails, rather than skips, when there is none.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use weir_ledger::chain;
use weir_ledger::postgres::PgStore;
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::{
    Block, Content, Digest, Draft, Event, Head, Sealed, Start, Stats, Store, StoredBlock, Target,
};

/// The exchange ids appends choose from (few, so that exchanges get several entries).
const EXCHANGES: [&str; 5] = ["req_a", "req_b", "req_c", "req_d", "req_e"];
/// Block hashes are `[k; 32]` for `k` below this (few, so that blocks are stored again).
const BLOCKS: u8 = 6;
/// `meta` keys the test writes besides `format`.
const META_KEYS: [&str; 2] = ["checkpoint_key", "note"];
/// Entries are dated in `0..1000`; these windows cut that range in different ways.
const WINDOWS: [(i64, i64); 6] = [
    (0, 1000),
    (0, 250),
    (250, 600),
    (600, 600),
    (999, 1000),
    (i64::MIN, i64::MAX),
];

fn postgres_url() -> String {
    std::env::var("WEIR_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn random_hex() -> String {
    let mut r = [0u8; 8];
    getrandom::fill(&mut r).expect("the system has a random source");
    r.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone)]
enum Action {
    /// Append these drafts with these blocks.
    Append(Vec<Draft>, Vec<Block>),
    /// The process dies: the store is abandoned without being closed.
    Crash,
    /// The store is closed and opened again.
    Reopen,
    /// Erase the blocks `[k; 32]`.
    Erase(Vec<u8>),
    /// Record a checkpoint with this note at the current head.
    Checkpoint(String),
    /// Set `META_KEYS[i]` to a value.
    SetMeta(usize, String),
}

fn event() -> impl Strategy<Value = Event> {
    let start = (
        0..3u8,
        proptest::option::of("[a-z]{1,6}"),
        "[a-z0-9-]{1,10}",
        any::<bool>(),
        proptest::option::of(0..BLOCKS),
        0..100_000u64,
    )
        .prop_map(|(node, user, model, stream, digest, bytes)| {
            Event::Start(Box::new(Start {
                node: format!("node-{node}"),
                client: weir_ledger::Client {
                    tool: Some("claude-code".to_owned()),
                    version: None,
                    session: None,
                },
                user,
                project: None,
                protocol: "anthropic".to_owned(),
                path: "/v1/messages".to_owned(),
                model: model.clone(),
                stream,
                route: "default".to_owned(),
                targets: vec![Target {
                    vendor: "anthropic".to_owned(),
                    model,
                    jurisdiction: "US".to_owned(),
                    host: "api.anthropic.com".to_owned(),
                }],
                request: Content {
                    digest: digest.map(|k| Digest([k; 32])),
                    bytes,
                    stored: digest.is_some(),
                },
            }))
        });
    prop_oneof![
        "[a-z ]{0,12}".prop_map(|reason| Event::Interrupted { reason }),
        start,
    ]
}

fn draft() -> impl Strategy<Value = Draft> {
    (0..1000i64, 0..EXCHANGES.len(), event()).prop_map(|(at_ms, x, event)| Draft {
        at_ms,
        exchange: EXCHANGES[x].to_owned(),
        event,
    })
}

fn block() -> impl Strategy<Value = Block> {
    (0..BLOCKS, any::<bool>(), vec(any::<u8>(), 0..48)).prop_map(|(k, node, data)| Block {
        hash: Digest([k; 32]),
        node,
        data,
    })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (vec(draft(), 1..=5), vec(block(), 0..=3))
            .prop_map(|(d, b)| Action::Append(d, b)),
        1 => Just(Action::Crash),
        1 => Just(Action::Reopen),
        1 => vec(0..BLOCKS, 1..=3).prop_map(Action::Erase),
        1 => "[ -~]{0,40}".prop_map(Action::Checkpoint),
        1 => (0..META_KEYS.len(), "[a-z0-9]{0,16}").prop_map(|(k, v)| Action::SetMeta(k, v)),
    ]
}

/// What the store should hold, built with the chain's own sealing.
struct Model {
    head: Head,
    entries: Vec<Sealed>,
    blocks: HashMap<Digest, StoredBlock>,
    checkpoints: BTreeMap<u64, String>,
    meta: HashMap<String, String>,
}

impl Model {
    fn new() -> Model {
        Model {
            head: Head::default(),
            entries: Vec::new(),
            blocks: HashMap::new(),
            checkpoints: BTreeMap::new(),
            meta: HashMap::from([("format".to_owned(), "1".to_owned())]),
        }
    }

    fn entries_where(&self, keep: impl Fn(&Sealed) -> bool) -> Vec<Sealed> {
        self.entries.iter().filter(|e| keep(e)).cloned().collect()
    }

    fn unfinished(&self) -> Vec<(String, Vec<u8>)> {
        self.entries
            .iter()
            .filter(|e| {
                e.kind == "start"
                    && !self
                        .entries
                        .iter()
                        .any(|o| o.exchange == e.exchange && o.seq != e.seq)
            })
            .map(|e| (e.exchange.clone(), e.body.clone()))
            .collect()
    }

    fn stats(&self) -> Stats {
        Stats {
            entries: self.entries.len() as u64,
            entry_bytes: self.entries.iter().map(|e| e.body.len() as u64).sum(),
            blocks: self.blocks.len() as u64,
            block_bytes: self
                .blocks
                .values()
                .filter_map(|b| b.data.as_ref())
                .map(|d| d.len() as u64)
                .sum(),
        }
    }
}

/// A backend under test, and how to crash and reopen it.
trait Harness {
    fn store(&mut self) -> &mut dyn Store;
    fn crash(&mut self);
    fn reopen(&mut self);
}

/// An SQLite ledger in a file of its own, removed at the end of the case.
struct SqliteHarness {
    dir: PathBuf,
    store: Option<SqliteStore>,
    /// Stores abandoned by a crash: never closed while the case runs, like those of a process
    /// that died (closing would checkpoint the write-ahead log).
    abandoned: Vec<SqliteStore>,
}

impl SqliteHarness {
    fn new() -> SqliteHarness {
        let dir = std::env::temp_dir().join(format!("weir-ledger-model-{}", random_hex()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let mut h = SqliteHarness {
            dir,
            store: None,
            abandoned: Vec::new(),
        };
        h.open();
        h
    }

    fn open(&mut self) {
        let path = self.dir.join("ledger.db");
        self.store = Some(SqliteStore::open(&path).expect("opening the ledger"));
    }
}

impl Harness for SqliteHarness {
    fn store(&mut self) -> &mut dyn Store {
        self.store.as_mut().expect("the store is open")
    }

    fn crash(&mut self) {
        self.abandoned.extend(self.store.take());
        self.open();
    }

    fn reopen(&mut self) {
        self.store = None;
        self.open();
    }
}

impl Drop for SqliteHarness {
    fn drop(&mut self) {
        self.store = None;
        self.abandoned.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A PostgreSQL ledger in a schema of its own, dropped at the end of the case (also when it
/// fails).
struct PgHarness {
    admin: postgres::Client,
    url: String,
    schema: String,
    store: Option<PgStore>,
}

impl PgHarness {
    fn new() -> PgHarness {
        let url = postgres_url();
        let admin = connect_admin(&url);
        let schema = format!("weir_test_{}", random_hex());
        // The store's sessions carry the schema's name, so that a crash can end them.
        let sep = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{sep}application_name={schema}");
        let mut h = PgHarness {
            admin,
            url,
            schema,
            store: None,
        };
        h.open();
        h
    }

    fn open(&mut self) {
        self.store = Some(PgStore::connect(&self.url, &self.schema).expect("opening the ledger"));
    }
}

impl Harness for PgHarness {
    fn store(&mut self) -> &mut dyn Store {
        self.store.as_mut().expect("the store is open")
    }

    /// The server ends the store's session (as when the database restarts); the store is
    /// kept, and its next call must reconnect by itself.
    fn crash(&mut self) {
        self.admin
            .execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
                 WHERE application_name = $1",
                &[&self.schema],
            )
            .expect("ending the store's session");
    }

    fn reopen(&mut self) {
        self.store = None;
        self.open();
    }
}

impl Drop for PgHarness {
    fn drop(&mut self) {
        self.store = None;
        let _ = self
            .admin
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
    }
}

fn connect_admin(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| {
        panic!(
            "the PostgreSQL store tests need a server: set WEIR_TEST_POSTGRES \
             (default postgres://postgres@127.0.0.1:5432/test); connecting failed: {e} ({:?})",
            std::error::Error::source(&e).map(|s| s.to_string())
        )
    })
}

/// Compares everything the store answers with the model.
fn check(store: &mut dyn Store, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(store.head()?, model.head);
    prop_assert_eq!(&store.entries(0, usize::MAX)?, &model.entries);
    let mid = model.head.seq / 2;
    prop_assert_eq!(
        store.entries(mid, 3)?,
        model
            .entries_where(|e| e.seq > mid)
            .into_iter()
            .take(3)
            .collect::<Vec<_>>()
    );
    prop_assert!(store.entries(model.head.seq, 10)?.is_empty());
    prop_assert!(store.entries(0, 0)?.is_empty());
    prop_assert!(store.entries(u64::MAX, 10)?.is_empty());
    for (since, until) in WINDOWS {
        prop_assert_eq!(
            store.entries_between(since, until)?,
            model.entries_where(|e| since <= e.at_ms && e.at_ms < until),
            "entries between {} and {}",
            since,
            until
        );
    }
    for id in EXCHANGES.iter().chain(&["req_none"]) {
        prop_assert_eq!(
            store.exchange(id)?,
            model.entries_where(|e| e.exchange == *id),
            "exchange {}",
            id
        );
    }
    prop_assert_eq!(store.unfinished()?, model.unfinished());
    for k in 0..BLOCKS {
        let hash = Digest([k; 32]);
        prop_assert_eq!(
            store.block(&hash)?,
            model.blocks.get(&hash).cloned(),
            "block {}",
            k
        );
    }
    prop_assert_eq!(store.stats()?, model.stats());
    // Verify: the stored chain recomputes from the stored bodies, gap-free, up to the head.
    let head = chain::check(&store.entries(0, usize::MAX)?);
    prop_assert_eq!(head, Ok(store.head()?));
    prop_assert_eq!(
        store.checkpoints()?,
        model
            .checkpoints
            .iter()
            .map(|(s, n)| (*s, n.clone()))
            .collect::<Vec<_>>()
    );
    for key in META_KEYS.iter().chain(&["format"]) {
        prop_assert_eq!(
            store.meta(key)?,
            model.meta.get(*key).cloned(),
            "meta {}",
            key
        );
    }
    Ok(())
}

/// Runs `actions` on the store and on the model, comparing them after each.
fn run_case(h: &mut dyn Harness, actions: &[Action]) -> Result<(), TestCaseError> {
    let mut model = Model::new();
    check(h.store(), &model)?;
    for (i, action) in actions.iter().enumerate() {
        match action {
            Action::Append(drafts, blocks) => {
                let got = h.store().append(drafts, blocks)?;
                let want = chain::seal_all(&mut model.head, drafts);
                prop_assert_eq!(&got, &want, "action {}: the sealed entries", i);
                model.entries.extend(want);
                for b in blocks {
                    // Blocks already present are left as they are, erased or not.
                    model.blocks.entry(b.hash).or_insert_with(|| StoredBlock {
                        node: b.node,
                        data: Some(b.data.clone()),
                    });
                }
            }
            Action::Crash => h.crash(),
            Action::Reopen => h.reopen(),
            Action::Erase(keys) => {
                let hashes: Vec<Digest> = keys.iter().map(|k| Digest([*k; 32])).collect();
                let mut erased = 0;
                for h in &hashes {
                    if let Some(b) = model.blocks.get_mut(h) {
                        erased += u64::from(b.data.take().is_some());
                    }
                }
                prop_assert_eq!(h.store().erase(&hashes)?, erased, "action {}: erased", i);
            }
            Action::Checkpoint(note) => {
                let seq = model.head.seq;
                h.store().put_checkpoint(seq, note)?;
                model.checkpoints.insert(seq, note.clone());
            }
            Action::SetMeta(k, value) => {
                h.store().set_meta(META_KEYS[*k], value)?;
                model.meta.insert(META_KEYS[*k].to_owned(), value.clone());
            }
        }
        check(h.store(), &model).map_err(|e| {
            TestCaseError::fail(format!("after action {i} ({}): {e}", describe(action)))
        })?;
    }
    Ok(())
}

fn describe(action: &Action) -> &'static str {
    match action {
        Action::Append(..) => "append",
        Action::Crash => "crash",
        Action::Reopen => "reopen",
        Action::Erase(_) => "erase",
        Action::Checkpoint(_) => "checkpoint",
        Action::SetMeta(..) => "set meta",
    }
}

fn run_model(cases: u32, new: impl Fn() -> Box<dyn Harness>) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&vec(action(), 1..=30), |actions| {
        let mut h = new();
        run_case(&mut *h, &actions)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn sqlite_store_matches_the_model() {
    run_model(32, || Box::new(SqliteHarness::new()));
}

#[test]
fn postgres_store_matches_the_model() {
    // Fail at once, with the reason, when there is no server (rather than in every case).
    drop(connect_admin(&postgres_url()));
    run_model(16, || Box::new(PgHarness::new()));
}
