//! Faults: behind a loopback proxy that answers 30% of requests with throttling, 500, 503,
//! delays, connections dropped before forwarding or after DynamoDB Local applied the request,
//! and partial batches (tests/suite/common/faults.rs), no write is applied twice, none is lost
//! silently, and no caller is told its own write conflicts with itself.
//!
//! Sized to run in seconds; the figures of a run are printed (`cargo test --test suite faults --
//! --nocapture`). `FAULTS_SCALE=5` multiplies every count (the larger run: 1,500 increments,
//! 1,000 creates, 10,000-item batches).

use crate::common;

use common::faults::{Fault, FaultProxy, Faults};
use dynamo_model::prelude::*;
use dynamo_model::{BatchProgress, Outcome};
use futures::stream::{self, StreamExt};

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "counters")]
struct Counter {
    #[dynamo(hash_key)]
    id: String,
    count: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "docs")]
struct Doc {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(version)]
    version: u64,
    n: u64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "accounts")]
struct Account {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(validate(range(min = 0)))]
    balance: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "entries")]
struct Entry {
    #[dynamo(hash_key)]
    feed: String,
    #[dynamo(range_key)]
    seq: u32,
    body: String,
}

const RATE: f64 = 0.3;

use common::faults::scale;
/// Attempts per request: at 30% faults, ten fail in a row about once in 170,000 requests.
const ATTEMPTS: u32 = 10;

/// Tallies outcomes: applied, outcome unknown, refused (known not applied).
#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    unknown: usize,
    refused: Vec<String>,
}

impl Tally {
    fn add<T>(&mut self, result: Result<T, Error>) {
        match result {
            Ok(_) => self.ok += 1,
            Err(Error::OutcomeUnknown { .. }) => self.unknown += 1,
            Err(e) => self.refused.push(e.to_string()),
        }
    }
}

async fn count_of(db: &Db, id: &str) -> i64 {
    db.get(CounterKey::new(id))
        .consistent()
        .send()
        .await
        .unwrap()
        .map_or(0, |c| c.count)
}

#[tokio::test]
async fn relative_updates_are_never_applied_twice() {
    let direct = common::db("faults_counter").await;
    direct.create_table::<Counter>().send().await.unwrap();
    for id in ["default", "exactly"] {
        direct
            .put(&Counter {
                id: id.into(),
                count: 0,
            })
            .send()
            .await
            .unwrap();
    }
    let proxy = FaultProxy::start(Faults::all(RATE, 7)).await;
    let db = proxy.db("faults_counter", ATTEMPTS).await;

    // By default an `add` that may have landed is not sent again: it is reported unknown.
    let mut default = Tally::default();
    let n = 300 * scale();
    let results: Vec<_> = stream::iter(0..n)
        .map(|_| {
            db.update(CounterKey::new("default"))
                .add(Counter::COUNT, 1)
                .return_nothing()
                .send()
        })
        .buffer_unordered(16)
        .collect()
        .await;
    results.into_iter().for_each(|r| default.add(r));
    let stored = count_of(&direct, "default").await as usize;
    eprintln!(
        "add(1) x{n}, default: {} applied, {} unknown, {} refused; counter {stored}; {}",
        default.ok,
        default.unknown,
        default.refused.len(),
        proxy.stats.summary()
    );
    assert!(default.refused.is_empty(), "{:?}", default.refused);
    assert!(
        stored >= default.ok && stored <= default.ok + default.unknown,
        "every increment reported applied landed once, and no other was doubled"
    );
    assert!(default.unknown > 0, "the faults reached the updates");

    // `exactly_once`: a one-action transaction with a token, retried safely: every increment
    // is applied once and reported so.
    let mut exactly = Tally::default();
    let results: Vec<_> = stream::iter(0..n)
        .map(|_| {
            db.update(CounterKey::new("exactly"))
                .add(Counter::COUNT, 1)
                .return_nothing()
                .exactly_once()
                .send()
        })
        .buffer_unordered(16)
        .collect()
        .await;
    results.into_iter().for_each(|r| exactly.add(r));
    let stored = count_of(&direct, "exactly").await as usize;
    eprintln!(
        "add(1) x{n}, exactly_once: {} applied, {} unknown, {} refused; counter {stored}",
        exactly.ok,
        exactly.unknown,
        exactly.refused.len()
    );
    assert_eq!((exactly.ok, stored), (n, n));
}

#[tokio::test]
async fn a_create_never_meets_its_own_item() {
    let direct = common::db("faults_create").await;
    direct.create_table::<Counter>().send().await.unwrap();
    let proxy = FaultProxy::start(Faults::all(RATE, 21)).await;
    let db = proxy.db("faults_create", ATTEMPTS).await;
    let n = 200 * scale();
    let counters: Vec<Counter> = (0..n)
        .map(|i| Counter {
            id: format!("c{i}"),
            count: i as i64,
        })
        .collect();
    let results: Vec<_> = stream::iter(&counters)
        .map(|c| db.create(c).send())
        .buffer_unordered(16)
        .collect()
        .await;
    let exists = results
        .iter()
        .filter(|r| matches!(r, Err(Error::AlreadyExists { .. })))
        .count();
    let mut tally = Tally::default();
    results.into_iter().for_each(|r| tally.add(r));
    eprintln!(
        "create x{n}: {} ok, {exists} AlreadyExists, {} unknown; {} DropAfter faults",
        tally.ok,
        tally.unknown,
        proxy.stats.of(Fault::DropAfter)
    );
    assert_eq!(exists, 0, "no create is told its own item exists");
    assert_eq!(tally.ok, n, "{:?}", tally.refused);
    for c in &counters {
        assert_eq!(
            direct
                .get(c.key())
                .consistent()
                .send()
                .await
                .unwrap()
                .as_ref(),
            Some(c)
        );
    }
}

#[tokio::test]
async fn a_versioned_put_never_conflicts_with_itself() {
    let direct = common::db("faults_version").await;
    direct.create_table::<Doc>().send().await.unwrap();
    let proxy = FaultProxy::start(Faults::all(RATE, 33)).await;
    let db = proxy.db("faults_version", ATTEMPTS).await;
    // 20 documents, each incremented 10 times by read-modify-write, the documents in parallel.
    let conflicts: Vec<usize> = stream::iter(0..20)
        .map(|i| {
            let db = &db;
            async move {
                let mut doc = db
                    .create(&Doc {
                        id: format!("d{i}"),
                        version: 0,
                        n: 0,
                    })
                    .send()
                    .await
                    .unwrap();
                let mut conflicts = 0;
                for _ in 0..10 {
                    let next = Doc {
                        n: doc.n + 1,
                        ..doc.clone()
                    };
                    match db.put(&next).send().await {
                        Ok(stored) => doc = stored,
                        Err(Error::VersionConflict { .. }) => conflicts += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
                conflicts
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let conflicts: usize = conflicts.iter().sum();
    eprintln!(
        "versioned put x200: {conflicts} VersionConflict; {}",
        proxy.stats.summary()
    );
    assert_eq!(conflicts, 0);
    for i in 0..20 {
        let doc = direct
            .get(DocKey::new(format!("d{i}")))
            .consistent()
            .send()
            .await
            .unwrap()
            .unwrap();
        assert_eq!((doc.n, doc.version), (10, 11), "d{i}");
    }
}

#[tokio::test]
async fn transactions_apply_once() {
    let direct = common::db("faults_transact").await;
    direct.create_table::<Account>().send().await.unwrap();
    let start = 1000 * scale() as i64;
    for id in ["a", "b"] {
        direct
            .put(&Account {
                id: id.into(),
                balance: start,
            })
            .send()
            .await
            .unwrap();
    }
    let proxy = FaultProxy::start(Faults::all(RATE, 45)).await;
    let db = proxy.db("faults_transact", ATTEMPTS).await;
    let n = 150 * scale();
    let results: Vec<_> = stream::iter(0..n)
        .map(|_| {
            db.transact_write()
                .update::<Account>(AccountKey::new("a"), |u| u.add(Account::BALANCE, -1))
                .update::<Account>(AccountKey::new("b"), |u| u.add(Account::BALANCE, 1))
                .send()
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let mut tally = Tally::default();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(Error::TransactionCanceled { .. })))
        .count();
    results.into_iter().for_each(|r| tally.add(r));
    let a = direct
        .get(AccountKey::new("a"))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    let b = direct
        .get(AccountKey::new("b"))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    eprintln!(
        "transfer x{n}: {} applied, {} unknown, {conflicts} canceled (concurrent transactions on one item); balances {} and {}",
        tally.ok, tally.unknown, a.balance, b.balance
    );
    assert_eq!(a.balance + b.balance, 2 * start, "no money created or lost");
    let moved = (start - a.balance) as usize;
    assert!(
        moved >= tally.ok && moved <= tally.ok + tally.unknown,
        "each transfer reported applied was applied once: {moved} moved"
    );
}

#[tokio::test]
async fn batches_lose_nothing() {
    let direct = common::db("faults_batch").await;
    direct.create_table::<Entry>().send().await.unwrap();
    let proxy = FaultProxy::start(Faults::all(RATE, 57)).await;
    let db = proxy.db("faults_batch", ATTEMPTS).await;
    let n = 2000 * scale() as u32;
    let entries: Vec<Entry> = (0..n)
        .map(|seq| Entry {
            feed: format!("f{}", seq % 7),
            seq,
            body: format!("entry {seq}"),
        })
        .collect();
    // Progress is reported after every chunk, as the chunks run concurrently.
    let mut reports: Vec<BatchProgress> = Vec::new();
    db.batch_put(&entries)
        .on_progress(|p| reports.push(*p))
        .send()
        .await
        .unwrap();
    let mut get_reports: Vec<BatchProgress> = Vec::new();
    let read = db
        .batch_get::<Entry>(entries.iter().map(Entry::key))
        .on_progress(|p| get_reports.push(*p))
        .send()
        .await
        .unwrap();
    eprintln!("batch put and get of {n}: {}", proxy.stats.summary());
    assert!(proxy.stats.of(Fault::PartialBatch) > 0);
    for (reports, chunk) in [(&reports, 25), (&get_reports, 100)] {
        assert_eq!(
            reports.len(),
            (n as usize).div_ceil(chunk),
            "one report per chunk"
        );
        assert!(reports.windows(2).all(|w| w[0].done < w[1].done
            && w[0].retried <= w[1].retried
            && w[0].requests <= w[1].requests));
        let last = reports.last().unwrap();
        assert_eq!((last.done, last.unprocessed), (n as usize, 0));
        assert!(
            last.retried > 0,
            "faults made the batch send writes again: {last:?}"
        );
        assert!(last.requests > reports.len(), "{last:?}");
    }
    let read: Vec<Entry> = read.into_iter().map(Option::unwrap).collect();
    assert_eq!(read, entries);
}

#[tokio::test]
async fn every_failure_says_what_happened() {
    let direct = common::db("faults_errors").await;
    direct.create_table::<Counter>().send().await.unwrap();
    let key = || CounterKey::new("c");

    // Throttled on every attempt: DynamoDB's code, message and request id, and nothing applied.
    let proxy = FaultProxy::start(Faults::only(Fault::Throughput)).await;
    let db = proxy.db("faults_errors", 2).await;
    let err = db
        .update(key())
        .add(Counter::COUNT, 1)
        .upsert()
        .send()
        .await
        .unwrap_err();
    let Error::Sdk {
        code,
        message,
        request_id,
        outcome,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        code.as_deref(),
        Some("ProvisionedThroughputExceededException")
    );
    assert_eq!(message.as_deref(), Some("injected by the fault proxy"));
    assert_eq!(request_id.as_deref(), Some("FAULTPROXY"));
    assert_eq!(*outcome, Outcome::NotApplied);
    assert_eq!(
        err.to_string(),
        "dynamodb UpdateItem request failed: ProvisionedThroughputExceededException: injected by the fault proxy (request id FAULTPROXY)"
    );
    drop(proxy);

    // The answer lost after DynamoDB applied it: an `add` is not sent again; the read that
    // would find its write token is lost too, and the error says so.
    let proxy = FaultProxy::start(Faults::only(Fault::DropAfter)).await;
    let db = proxy.db("faults_errors", 3).await;
    let err = db
        .update(key())
        .add(Counter::COUNT, 1)
        .upsert()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("may or may not have been applied"), "{text}");
    assert!(text.contains("may have been applied"), "{text}");
    assert!(
        text.contains("a read to learn whether it was applied failed too"),
        "{text}"
    );
    assert_eq!(
        proxy
            .stats
            .requests
            .load(std::sync::atomic::Ordering::SeqCst),
        4,
        "the update once, then the read's three attempts"
    );
    assert_eq!(count_of(&direct, "c").await, 1, "it was applied, once");
    // A put is sent again (applying it twice stores the same item), and the retry's answer is
    // lost too: unknown, after every attempt.
    let err = db
        .put(&Counter {
            id: "c".into(),
            count: 5,
        })
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    drop(proxy);

    // DynamoDB's own message, from the real server: a token reused for another transaction.
    let db = common::db("faults_errors").await;
    db.transact_write()
        .update::<Counter>(key(), |u| u.add(Counter::COUNT, 1))
        .token("reused-token")
        .send()
        .await
        .unwrap();
    let err = db
        .transact_write()
        .update::<Counter>(key(), |u| u.add(Counter::COUNT, 2))
        .token("reused-token")
        .send()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("IdempotentParameterMismatch") && text.contains(':'),
        "{text}"
    );
}

#[tokio::test]
async fn a_batch_get_keeps_what_it_read() {
    let direct = common::db("faults_partial").await;
    direct.create_table::<Entry>().send().await.unwrap();
    let entries: Vec<Entry> = (0..300)
        .map(|seq| Entry {
            feed: "f".into(),
            seq,
            body: format!("entry {seq}"),
        })
        .collect();
    direct.batch_put(&entries).send().await.unwrap();
    // Every request comes back half done, and the budget is one request per chunk.
    let proxy = FaultProxy::start(Faults::only(Fault::PartialBatch)).await;
    let db = proxy.db("faults_partial", 1).await;
    let one_attempt = dynamo_model::BatchPolicy {
        max_attempts: 1,
        ..dynamo_model::BatchPolicy::default()
    };
    let output = db
        .batch_get::<Entry>(entries.iter().map(Entry::key))
        .policy(one_attempt)
        .send_partial()
        .await
        .unwrap();
    let read = output.items.iter().filter(|i| i.is_some()).count();
    assert_eq!(read + output.unread.len(), 300);
    assert!(read >= 100 && !output.unread.is_empty(), "{read} read");
    for (item, entry) in output.items.iter().zip(&entries) {
        if let Some(item) = item {
            assert_eq!(item, entry);
        }
    }
    // `send` refuses a partial result, naming every key not read.
    let err = db
        .batch_get::<Entry>(entries.iter().map(Entry::key))
        .policy(one_attempt)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unprocessed { keys, .. } if keys.len() == output.unread.len()),
        "{err}"
    );
    drop(proxy);

    // Throttled on every request: nothing read, every key reported, and why.
    let proxy = FaultProxy::start(Faults::only(Fault::Throttling)).await;
    let db = proxy.db("faults_partial", 1).await;
    let output = db
        .batch_get::<Entry>(entries.iter().take(10).map(Entry::key))
        .policy(dynamo_model::BatchPolicy {
            max_attempts: 3,
            ..dynamo_model::BatchPolicy::default()
        })
        .send_partial()
        .await
        .unwrap();
    assert_eq!(output.unread.len(), 10);
    assert!(
        matches!(&output.cause, Some(Error::Sdk { code: Some(code), .. }) if code == "ThrottlingException"),
        "{:?}",
        output.cause
    );
    assert_eq!(
        proxy
            .stats
            .requests
            .load(std::sync::atomic::Ordering::SeqCst),
        3,
        "the budget's three attempts"
    );
}

#[tokio::test]
async fn a_batch_write_says_which_writes_were_not_applied() {
    let direct = common::db("faults_batch_outcome").await;
    direct.create_table::<Entry>().send().await.unwrap();
    let entries: Vec<Entry> = (0..30)
        .map(|seq| Entry {
            feed: "f".into(),
            seq,
            body: String::new(),
        })
        .collect();
    for (fault, expected) in [
        (Fault::Throttling, Outcome::NotApplied),
        (Fault::Internal, Outcome::Unknown),
        (Fault::DropAfter, Outcome::Unknown),
    ] {
        let proxy = FaultProxy::start(Faults::only(fault)).await;
        let db = proxy.db("faults_batch_outcome", 2).await;
        let mut last = BatchProgress::default();
        let err = db
            .batch_put(&entries)
            .on_progress(|p| last = *p)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (last.done, last.unprocessed),
            (0, 30),
            "{fault:?}: {last:?}"
        );
        let Error::Unprocessed { writes, cause, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(writes.len(), 30, "{fault:?}");
        assert!(
            writes.iter().all(|w| w.outcome == expected),
            "{fault:?}: {:?}",
            writes.iter().map(|w| w.outcome).collect::<Vec<_>>()
        );
        assert!(cause.is_some());
    }
    // Throttled: nothing was written; dropped after: everything was.
    let stored = direct
        .query::<Entry>()
        .hash("f")
        .consistent()
        .count()
        .await
        .unwrap();
    assert_eq!(
        stored, 30,
        "the dropped answers followed writes that landed"
    );
}

/// What a write that returns the item it replaced gave back, against what was stored before.
#[derive(Debug, Default)]
struct OldItems {
    right: usize,
    unknown: usize,
    /// Proved applied by the write token, the old item lost with the answer.
    lost: usize,
    wrong: Vec<String>,
}

impl OldItems {
    fn check(&mut self, what: &str, got: Result<Option<Counter>, Error>, before: &Counter) {
        match got {
            Ok(Some(old)) if &old == before => self.right += 1,
            Err(Error::OutcomeUnknown { .. }) => self.unknown += 1,
            Err(Error::AnswerLost { .. }) => self.lost += 1,
            other => self.wrong.push(format!("{what} {}: {other:?}", before.id)),
        }
    }
}

#[tokio::test]
async fn a_write_returning_the_old_item_never_returns_its_own() {
    // A retry after an attempt that landed would find the first attempt's item and return it
    // as "the item replaced": the old item is then only in the lost response.
    let direct = common::db("faults_old").await;
    direct.create_table::<Counter>().send().await.unwrap();
    let proxy = FaultProxy::start(Faults::all(RATE, 57)).await;
    let db = proxy.db("faults_old", ATTEMPTS).await;
    let n = 100 * scale();
    let before = |i: usize| Counter {
        id: format!("c{i}"),
        count: i as i64,
    };
    for i in 0..n {
        direct.put(&before(i)).send().await.unwrap();
    }
    let mut seen = OldItems::default();
    let puts: Vec<(usize, _)> = stream::iter(0..n)
        .map(|i| {
            let db = &db;
            async move {
                let next = Counter {
                    count: -1,
                    ..before(i)
                };
                (i, db.put(&next).return_old().send().await)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    for (i, got) in puts {
        seen.check("put", got, &before(i));
    }
    // Updates and deletes, one key at a time, from a known item.
    for i in 0..n {
        direct.put(&before(i)).send().await.unwrap();
        let got = db
            .update(CounterKey::new(format!("c{i}")))
            .set(Counter::COUNT, -2)
            .return_old()
            .send()
            .await;
        seen.check("update", got, &before(i));
        direct.put(&before(i)).send().await.unwrap();
        let got = db
            .delete(CounterKey::new(format!("c{i}")))
            .return_old()
            .send()
            .await;
        seen.check("delete", got, &before(i));
    }
    eprintln!(
        "return_old x{}: {} right, {} unknown, {} applied with the answer lost, {} wrong; {}",
        3 * n,
        seen.right,
        seen.unknown,
        seen.lost,
        seen.wrong.len(),
        proxy.stats.summary()
    );
    assert!(seen.wrong.is_empty(), "{:#?}", seen.wrong);
    assert_eq!(seen.right + seen.unknown + seen.lost, 3 * n);
}
