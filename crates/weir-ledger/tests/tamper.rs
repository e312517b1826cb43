//! Every class of tampering with a SQLite ledger is detected, and the first bad entry is named:
//! a flipped bit in stored content, an edited body or column, a deleted, inserted or reordered
//! entry from the database alone; a truncated tail, a rollback to an older copy and a chain
//! rewritten under another key against a checkpoint kept outside the database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, params};
use weir_ledger::checkpoint::{PublicKey, Signer};
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::verify::{Report, verify};
use weir_ledger::*;

const ORIGIN: &str = "weir-ledger/tamper";

struct Fixture {
    dir: PathBuf,
    public: PublicKey,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(n: usize) -> (Draft, Vec<Block>) {
    let body = format!(
        r#"{{"model":"m","messages":[{{"role":"user","content":"{}"}}]}}"#,
        format!("question {n} ").repeat(40)
    );
    let tree = content::split(body.as_bytes());
    let draft = Draft {
        at_ms: 1_700_000_000_000 + n as i64,
        exchange: format!("req_{n}"),
        event: Event::Start(Box::new(Start {
            node: "n".into(),
            model: "m".into(),
            request: Content {
                digest: Some(tree.root),
                bytes: body.len() as u64,
                stored: true,
            },
            ..Start::default()
        })),
    };
    (draft, tree.blocks)
}

/// A ledger of `n` entries with checkpoints every 10, closed; a copy of the database is taken
/// after `snapshot_at` entries.
fn ledger(n: usize, snapshot_at: usize) -> Fixture {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let dir = std::env::temp_dir().join(format!("weir-tamper-{}", u64::from_le_bytes(b)));
    std::fs::create_dir_all(&dir).unwrap();
    let signer = Signer::from_seed(ORIGIN, [9; 32]);
    let public = signer.public();
    let options = Options {
        checkpoint_every: 10,
        checkpoint_interval: Duration::from_secs(3600),
        checkpoint_file: Some(dir.join("checkpoint")),
        // Another node than the entries', so reopening leaves their exchanges open.
        node: "fixture".into(),
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut signer = Some(signer);
    let mut appended = 0;
    for stop in [snapshot_at, n] {
        let store = SqliteStore::open(&dir.join("ledger.db")).unwrap();
        let ledger = Ledger::open(Box::new(store), signer.take(), options.clone()).unwrap();
        while appended < stop {
            let (draft, blocks) = start(appended);
            runtime
                .block_on(ledger.append(vec![draft], blocks))
                .unwrap();
            appended += 1;
        }
        ledger.close();
        drop(ledger);
        if stop == snapshot_at {
            std::fs::copy(dir.join("ledger.db"), dir.join("old.db")).unwrap();
            std::fs::copy(dir.join("checkpoint"), dir.join("old-checkpoint")).unwrap();
        }
        signer = Some(Signer::from_seed(ORIGIN, [9; 32]));
    }
    Fixture { dir, public }
}

fn db(f: &Fixture) -> Connection {
    Connection::open(f.dir.join("ledger.db")).unwrap()
}

fn check(path: &Path, key: &PublicKey, external: &[String]) -> Report {
    let mut store = SqliteStore::open(path).unwrap();
    verify(&mut store, Some(key), external, &mut |_| {}).unwrap()
}

fn external(f: &Fixture) -> Vec<String> {
    vec![std::fs::read_to_string(f.dir.join("checkpoint")).unwrap()]
}

fn first_bad(f: &Fixture) -> (u64, String) {
    let r = check(&f.dir.join("ledger.db"), &f.public, &external(f));
    let p = r
        .first_bad()
        .unwrap_or_else(|| panic!("tampering went undetected"));
    (p.seq, p.what.clone())
}

#[test]
fn an_untouched_ledger_verifies() {
    let f = ledger(30, 20);
    let r = check(&f.dir.join("ledger.db"), &f.public, &external(&f));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.entries, r.checkpoints), (30, 4));
    assert!(r.blocks > 0);
}

#[test]
fn a_flipped_bit_in_stored_content_is_found_at_its_first_entry() {
    let f = ledger(30, 20);
    let conn = db(&f);
    // A block that only entry 13 references: its own question.
    let body: Vec<u8> = conn
        .query_row("SELECT body FROM entries WHERE seq = 13", [], |r| r.get(0))
        .unwrap();
    let root = match Canonical::decode(&body).unwrap().event {
        Event::Start(s) => s.request.digest.unwrap(),
        _ => unreachable!(),
    };
    let mut data: Vec<u8> = conn
        .query_row(
            "SELECT data FROM blocks WHERE hash = ?1",
            params![root.0.to_vec()],
            |r| r.get(0),
        )
        .unwrap();
    data[3] ^= 0x04;
    conn.execute(
        "UPDATE blocks SET data = ?1 WHERE hash = ?2",
        params![data, root.0.to_vec()],
    )
    .unwrap();
    let (seq, what) = first_bad(&f);
    assert_eq!(seq, 13, "{what}");
    assert!(what.contains("content"), "{what}");
}

#[test]
fn an_edited_body_or_column_is_named() {
    let f = ledger(30, 20);
    let conn = db(&f);
    let body: Vec<u8> = conn
        .query_row("SELECT body FROM entries WHERE seq = 7", [], |r| r.get(0))
        .unwrap();
    let edited = String::from_utf8(body)
        .unwrap()
        .replace("\"model\":\"m\"", "\"model\":\"x\"");
    conn.execute(
        "UPDATE entries SET body = ?1 WHERE seq = 7",
        params![edited.into_bytes()],
    )
    .unwrap();
    assert_eq!(first_bad(&f).0, 7);

    let f = ledger(30, 20);
    db(&f)
        .execute(
            "UPDATE entries SET exchange = 'req_other' WHERE seq = 9",
            [],
        )
        .unwrap();
    let (seq, what) = first_bad(&f);
    assert_eq!(seq, 9);
    assert!(what.contains("column"), "{what}");
}

#[test]
fn deleted_inserted_and_reordered_entries_are_named() {
    let f = ledger(30, 20);
    db(&f)
        .execute("DELETE FROM entries WHERE seq = 12", [])
        .unwrap();
    let (seq, what) = first_bad(&f);
    assert_eq!(seq, 12);
    assert!(what.contains("missing"), "{what}");

    // Insert: make room at 15 and put a forged entry there.
    let f = ledger(30, 20);
    let conn = db(&f);
    conn.execute("UPDATE entries SET seq = seq + 1000 WHERE seq >= 15", [])
        .unwrap();
    conn.execute("UPDATE entries SET seq = seq - 999 WHERE seq >= 1015", [])
        .unwrap();
    conn.execute(
        "INSERT INTO entries (seq, at_ms, exchange, kind, body, hash) SELECT 15, at_ms, exchange, kind, body, hash FROM entries WHERE seq = 14",
        [],
    )
    .unwrap();
    assert_eq!(first_bad(&f).0, 15);

    // Reorder: swap two entries.
    let f = ledger(30, 20);
    let conn = db(&f);
    conn.execute("UPDATE entries SET seq = -1 WHERE seq = 20", [])
        .unwrap();
    conn.execute("UPDATE entries SET seq = 20 WHERE seq = 21", [])
        .unwrap();
    conn.execute("UPDATE entries SET seq = 21 WHERE seq = -1", [])
        .unwrap();
    assert_eq!(first_bad(&f).0, 20);
}

#[test]
fn a_truncated_tail_is_found_against_the_external_checkpoint() {
    let f = ledger(30, 20);
    let conn = db(&f);
    conn.execute("DELETE FROM entries WHERE seq > 25", [])
        .unwrap();
    conn.execute("DELETE FROM checkpoints WHERE seq > 25", [])
        .unwrap();
    // From the database alone the shortened chain is consistent...
    let alone = check(&f.dir.join("ledger.db"), &f.public, &[]);
    assert!(alone.problems.is_empty(), "{:?}", alone.problems);
    // ...the checkpoint kept outside it says otherwise.
    let (seq, what) = first_bad(&f);
    assert_eq!(seq, 26);
    assert!(what.contains("truncated"), "{what}");
}

#[test]
fn a_database_rolled_back_to_an_older_copy_is_found() {
    let f = ledger(30, 20);
    std::fs::copy(f.dir.join("old.db"), f.dir.join("ledger.db")).unwrap();
    let (seq, what) = first_bad(&f);
    assert_eq!(seq, 21, "{what}");
}

#[test]
fn a_chain_rewritten_under_another_key_is_found() {
    let f = ledger(30, 20);
    let conn = db(&f);
    // The attacker edits entry 5, recomputes every hash after it, and re-signs the checkpoints.
    let rows: Vec<(i64, Vec<u8>)> = conn
        .prepare("SELECT seq, body FROM entries ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut head = Digest::default();
    let attacker = Signer::from_seed(ORIGIN, [66; 32]);
    for (seq, body) in rows {
        let body = if seq == 5 {
            String::from_utf8(body)
                .unwrap()
                .replace("\"model\":\"m\"", "\"model\":\"z\"")
                .into_bytes()
        } else {
            body
        };
        head = chain::link(&head, &chain::leaf(&body));
        conn.execute(
            "UPDATE entries SET body = ?1, hash = ?2 WHERE seq = ?3",
            params![body, head.0.to_vec(), seq],
        )
        .unwrap();
        if seq % 10 == 0 {
            let note = attacker.sign(&checkpoint::Checkpoint {
                origin: ORIGIN.into(),
                seq: seq as u64,
                head,
                at_ms: 0,
            });
            conn.execute(
                "UPDATE checkpoints SET note = ?1 WHERE seq = ?2",
                params![note, seq],
            )
            .unwrap();
        }
    }
    // Consistent in itself, and signed, but not with the ledger's key.
    let under_attackers_key = check(&f.dir.join("ledger.db"), &attacker.public(), &[]);
    assert!(
        under_attackers_key.problems.is_empty(),
        "{:?}",
        under_attackers_key.problems
    );
    let (seq, what) = first_bad(&f);
    assert_eq!(seq, 10, "{what}");
    assert!(what.contains("not signed by the ledger's key"), "{what}");
    let report = check(&f.dir.join("ledger.db"), &f.public, &external(&f));
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.seq == 30 && p.what.contains("different head")),
        "{:?}",
        report.problems
    );
}
