//! The writer's contract, on the in-memory store: appends are ordered and durable when they
//! return, checkpoints are signed into the database and the file, unfinished exchanges are
//! marked interrupted on reopen, and a store that cannot write fails appends and recovers.

use std::time::Duration;

use weir_ledger::checkpoint::{self, Signer};
use weir_ledger::query;
use weir_ledger::verify;
use weir_ledger::*;

fn start(id: &str, node: &str) -> Draft {
    Draft {
        at_ms: 1,
        exchange: id.into(),
        event: Event::Start(Box::new(Start {
            node: node.into(),
            ..Start::default()
        })),
    }
}

fn interrupted(id: &str) -> Draft {
    Draft {
        at_ms: 2,
        exchange: id.into(),
        event: Event::Interrupted {
            reason: "client went away".into(),
        },
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    std::env::temp_dir().join(format!("weir-{name}-{hex}"))
}

fn options(file: Option<std::path::PathBuf>) -> Options {
    Options {
        checkpoint_every: 10,
        checkpoint_interval: Duration::from_secs(3600),
        checkpoint_file: file,
        node: "n1".into(),
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_form_one_verified_chain_with_checkpoints() {
    let dir = temp_dir("writer");
    let file = dir.join("checkpoint");
    let store = MemoryStore::new();
    let signer = Signer::from_seed("weir-ledger/test", [3; 32]);
    let public = signer.public();
    let ledger = Ledger::open(
        Box::new(store.clone()),
        Some(signer),
        options(Some(file.clone())),
    )
    .unwrap();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let ledger = ledger.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                ledger
                    .append(vec![start(&format!("req_{t}_{i}"), "n1")], vec![])
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    ledger.close();
    let mut s = store.clone();
    assert_eq!(s.head().unwrap().seq, 200);
    let cps = s.checkpoints().unwrap();
    assert!(
        cps.len() >= 2,
        "a checkpoint at least every 10 entries within batches: {cps:?}"
    );
    assert_eq!(cps.last().unwrap().0, 200, "closing signs the final head");
    let external = std::fs::read_to_string(&file).unwrap();
    assert_eq!(checkpoint::open(&external, &public).unwrap().seq, 200);
    let report = verify::verify(&mut s, Some(&public), &[external], &mut |_| {}).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.entries, 200);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn reopening_marks_this_nodes_unfinished_exchanges_interrupted() {
    let store = MemoryStore::new();
    let ledger = Ledger::open(Box::new(store.clone()), None, options(None)).unwrap();
    ledger
        .append(
            vec![
                start("a", "n1"),
                start("b", "n1"),
                start("c", "n2"),
                interrupted("b"),
            ],
            vec![],
        )
        .await
        .unwrap();
    drop(ledger);
    let _again = Ledger::open(Box::new(store.clone()), None, options(None)).unwrap();
    let mut s = store.clone();
    let xs = query::exchanges(&s.entries(0, 100).unwrap());
    let outcome = |id: &str| xs.iter().find(|x| x.id == id).unwrap().outcome();
    assert_eq!(outcome("a"), Some(Outcome::Interrupted));
    assert_eq!(outcome("b"), Some(Outcome::Interrupted));
    assert_eq!(
        outcome("c"),
        None,
        "another replica's exchange is left alone"
    );
    assert_eq!(s.head().unwrap().seq, 5);
}

#[tokio::test]
async fn a_store_that_cannot_write_fails_appends_and_recovers() {
    let store = MemoryStore::new();
    let ledger = Ledger::open(Box::new(store.clone()), None, options(None)).unwrap();
    ledger.append(vec![start("a", "n1")], vec![]).await.unwrap();
    store.fail_writes(true);
    let err = ledger
        .append(vec![start("b", "n1")], vec![])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("could not record"), "{err}");
    assert!(!ledger.healthy());
    store.fail_writes(false);
    ledger.append(vec![start("c", "n1")], vec![]).await.unwrap();
    assert!(ledger.healthy());
    let mut s = store.clone();
    let ids: Vec<String> = s
        .entries(0, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.exchange)
        .collect();
    assert_eq!(ids, ["a", "c"], "the failed append left nothing behind");
}
