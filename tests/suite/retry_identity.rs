//! Retry safety by identity: a write is `Ok` only when this call's request was applied, a
//! conflict only when it was not, and everything else is `OutcomeUnknown` — decided by the write
//! token, the version and the idempotency token, never by comparing contents.
//!
//! First each case on its own, made to happen exactly through a scripted proxy (a retry after an
//! attempt dropped before or after DynamoDB Local applied it, another writer's write placed
//! between the two attempts); then several writers at once behind a proxy that fails 30% of the
//! requests, every write unique and recorded in the item (its id appended to a log), so that
//! every verdict is checked against what landed. The figures of a run are printed
//! (`cargo test --test suite retry_identity -- --nocapture`); `FAULTS_SCALE=5` multiplies the counts.

use crate::common;

use std::collections::{HashMap, HashSet};

use common::faults::{Fault, FaultProxy, Faults};
use dynamo_model::prelude::*;
use futures::stream::{self, StreamExt};

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "ledgers")]
struct Ledger {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(version)]
    version: u64,
    /// The ids of the writes that landed, in order.
    log: Vec<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "counters")]
struct Counter {
    #[dynamo(hash_key)]
    id: String,
    count: i64,
    log: Vec<String>,
}

/// A model that keeps every attribute it does not name: the write token is never among them.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "open_docs")]
struct OpenDoc {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(flatten)]
    extra: HashMap<String, dynamo_model::aws_sdk_dynamodb::types::AttributeValue>,
}

const RATE: f64 = 0.3;
/// The SDK's standard attempts: the settings a user runs with.
const ATTEMPTS: u32 = 3;

use common::faults::scale;

fn ledger(id: &str) -> Ledger {
    Ledger {
        id: id.into(),
        version: 0,
        log: Vec::new(),
    }
}

/// A consistent read, tried until it answers (reads are safe to repeat; the proxy fails some).
async fn read_item<K: PrimaryKey + Clone>(db: &Db, key: K) -> Option<K::Model> {
    loop {
        match db.get(key.clone()).consistent().send().await {
            Ok(item) => return item,
            Err(Error::Sdk { .. }) => continue,
            Err(e) => panic!("{e}"),
        }
    }
}

/// The table of test `test`, with a counter at 0 for each of `ids`.
async fn counters(test: &str, ids: &[&str]) -> Db {
    let direct = common::db(test).await;
    direct.create_table::<Counter>().send().await.unwrap();
    for id in ids {
        let counter = Counter {
            id: (*id).into(),
            count: 0,
            log: Vec::new(),
        };
        direct.put(&counter).send().await.unwrap();
    }
    direct
}

/// The ledger `read` as stored now.
async fn read_again(db: &Db, read: &Ledger) -> Ledger {
    read_item(db, read.key()).await.unwrap()
}

/// A ledger at version 5, its log `w1..w4`.
async fn ledger_at_five(direct: &Db, id: &str) -> Ledger {
    let mut stored = direct.create(&ledger(id)).send().await.unwrap();
    for i in 1..5 {
        stored.log.push(format!("w{i}"));
        stored = direct.put(&stored).send().await.unwrap();
    }
    assert_eq!(stored.version, 5);
    stored
}

/// Appends `id` to the log of the ledger `read` (at the version read): by a versioned put, or by
/// an update `if_version`.
async fn append_to(db: &Db, read: &Ledger, id: &str, update: bool) -> Result<(), Error> {
    if update {
        db.update(read.key())
            .append(Ledger::LOG, vec![id.to_owned()])
            .if_version(read.version)
            .return_nothing()
            .send()
            .await
    } else {
        let mut next = read.clone();
        next.log.push(id.to_owned());
        db.put(&next).return_nothing().send().await
    }
}

#[tokio::test]
async fn a_retry_that_meets_another_writers_item_is_never_ok() {
    let direct = common::db("identity_create").await;
    direct.create_table::<Ledger>().send().await.unwrap();
    direct.create_table::<Counter>().send().await.unwrap();

    // Another writer created the ledger; this create's first attempt never reached DynamoDB,
    // and its retry finds version 1 written by someone else: the create was not applied.
    direct.create(&ledger("taken")).send().await.unwrap();
    let proxy = FaultProxy::start(Faults::script([Some(Fault::DropBefore)])).await;
    let db = proxy.db("identity_create", ATTEMPTS).await;
    let err = db.create(&ledger("taken")).send().await.unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");

    // Without a version, an item with another writer's token does not say whether this create
    // landed before it was overwritten: unknown, never `Ok` (the contents are identical).
    let counter = Counter {
        id: "taken".into(),
        count: 1,
        log: Vec::new(),
    };
    direct.put(&counter).send().await.unwrap();
    let proxy = FaultProxy::start(Faults::script([Some(Fault::DropBefore)])).await;
    let db = proxy.db("identity_create", ATTEMPTS).await;
    let err = db.create(&counter).send().await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the PutItem on table `retry_identity.identity_create.counters` may or may not have been applied: \
         dynamodb PutItem request failed: the connection failed before an answer came \
         (connection closed before message completed); it may have been applied; since then \
         another writer has written the item, which shows no trace of this write; read the \
         item before writing it again"
    );

    // Without the drop, the same create is told plainly.
    let err = direct.create(&counter).send().await.unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");
}

#[tokio::test]
async fn a_lost_update_is_a_conflict_not_ok() {
    let direct = common::db("identity_lost").await;
    direct.create_table::<Ledger>().send().await.unwrap();
    for (name, update) in [("put", false), ("update", true)] {
        // Two writers read version 5 and write the same version 6. This one's first attempt is
        // dropped before DynamoDB sees it; the other's lands; the retry fails its version check.
        let read = ledger_at_five(&direct, name).await;
        let mut theirs = read.clone();
        theirs.log.push("same".into());
        direct.put(&theirs).send().await.unwrap();
        let proxy = FaultProxy::start(Faults::script([Some(Fault::DropBefore)])).await;
        let db = proxy.db("identity_lost", ATTEMPTS).await;
        let result = append_to(&db, &read, "same", update).await;
        match result {
            Err(Error::VersionConflict {
                expected: 5,
                found: Some(6),
                ..
            }) => {}
            other => panic!("{name}: {other:?}"),
        }
        let stored = read_again(&direct, &read).await;
        assert_eq!((stored.version, stored.log.len()), (6, 5), "{name}");
    }
}

#[tokio::test]
async fn a_landed_write_is_never_a_conflict() {
    let direct = common::db("identity_landed").await;
    direct.create_table::<Ledger>().send().await.unwrap();
    for (name, update) in [("put", false), ("update", true)] {
        // This write lands and its answer is lost; another writer writes version 7 before the
        // retry, which then fails its version check. The write is in the table: not a conflict.
        let read = ledger_at_five(&direct, name).await;
        let proxy = FaultProxy::start(Faults::script([Some(Fault::DropAfter)])).await;
        let other = direct.clone();
        let key = read.key();
        proxy.between(Box::new(move || {
            Box::pin(async move {
                let mut stored = other.get(key).consistent().send().await.unwrap().unwrap();
                stored.log.push("theirs".into());
                other.put(&stored).send().await.unwrap();
            })
        }));
        let db = proxy.db("identity_landed", ATTEMPTS).await;
        let result = append_to(&db, &read, "mine", update).await;
        match &result {
            Err(Error::OutcomeUnknown { known, .. }) => {
                assert_eq!(known.stored_version, Some(7), "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
        let stored = read_again(&direct, &read).await;
        assert_eq!(stored.log[4..], ["mine", "theirs"], "{name}");
    }
}

#[tokio::test]
async fn a_write_token_proves_a_landed_write() {
    // Applied, the answer lost, nobody else wrote since: the retry (or, for a relative update
    // that is not sent again, a consistent read) finds this write's token, and the write is Ok.
    let direct = common::db("identity_token").await;
    direct.create_table::<Ledger>().send().await.unwrap();
    direct.create_table::<Counter>().send().await.unwrap();
    let read = ledger_at_five(&direct, "l").await;
    let counter = Counter {
        id: "c".into(),
        count: 0,
        log: Vec::new(),
    };
    direct.put(&counter).send().await.unwrap();

    let proxy = FaultProxy::start(Faults::script([Some(Fault::DropAfter)])).await;
    let db = proxy.db("identity_token", ATTEMPTS).await;
    let created = db.create(&ledger("new")).send().await.unwrap();
    assert_eq!(created.version, 1);

    let proxy = FaultProxy::start(Faults::script([Some(Fault::DropAfter)])).await;
    let db = proxy.db("identity_token", ATTEMPTS).await;
    let mut next = read.clone();
    next.log.push("put".into());
    assert_eq!(db.put(&next).send().await.unwrap().version, 6);

    let proxy = FaultProxy::start(Faults::script([Some(Fault::DropAfter)])).await;
    let db = proxy.db("identity_token", ATTEMPTS).await;
    let updated = db
        .update(read.key())
        .append(Ledger::LOG, vec!["update".to_owned()])
        .if_version(6)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.version, 7);
    assert_eq!(updated.log[4..], ["put", "update"]);

    // A relative update is not sent again once it may have landed; a read finds its token.
    let proxy = FaultProxy::start(Faults::script([Some(Fault::DropAfter)])).await;
    let db = proxy.db("identity_token", ATTEMPTS).await;
    let added = db
        .update(counter.key())
        .add(Counter::COUNT, 1)
        .send()
        .await
        .unwrap();
    assert_eq!(added.count, 1);
    assert_eq!(
        proxy
            .stats
            .requests
            .load(std::sync::atomic::Ordering::SeqCst),
        2,
        "the update, then the read that proved it"
    );
    // Dropped before it reached DynamoDB: the read finds no token, and the add is unknown.
    let proxy = FaultProxy::start(Faults::script([Some(Fault::DropBefore)])).await;
    let db = proxy.db("identity_token", ATTEMPTS).await;
    let err = db
        .update(counter.key())
        .add(Counter::COUNT, 1)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let stored = direct
        .get(counter.key())
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.count, 1);

    // The token is the library's: a read never shows it, and the stored item holds it.
    let raw = direct
        .client()
        .get_item()
        .table_name(direct.table_name::<Counter>())
        .key(
            "id",
            dynamo_model::aws_sdk_dynamodb::types::AttributeValue::S("c".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(raw.contains_key(dynamo_model::WRITE_TOKEN));

    // Not even a model that keeps unnamed attributes sees it, or writes it back.
    direct.create_table::<OpenDoc>().send().await.unwrap();
    let doc = OpenDoc {
        id: "d".into(),
        extra: HashMap::new(),
    };
    assert_eq!(direct.create(&doc).send().await.unwrap(), doc);
    let read = direct.get(doc.key()).consistent().send().await.unwrap();
    assert_eq!(read.as_ref(), Some(&doc));
    let updated = direct
        .update(doc.key())
        .set(Path::name("note"), "x")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.extra.keys().collect::<Vec<_>>(), ["note"]);
}

/// What the writers were told, by write id.
#[derive(Debug, Default)]
struct Verdicts {
    ok: HashSet<String>,
    refused: HashSet<String>,
    unknown: HashSet<String>,
}

impl Verdicts {
    fn record<T>(&mut self, id: String, result: Result<T, Error>) {
        match result {
            Ok(_) => self.ok.insert(id),
            Err(Error::OutcomeUnknown { .. }) => self.unknown.insert(id),
            Err(
                Error::VersionConflict { .. }
                | Error::AlreadyExists { .. }
                | Error::TransactionCanceled { .. }
                // Throttled on every attempt: refused, nothing applied.
                | Error::Sdk {
                    outcome: dynamo_model::Outcome::NotApplied,
                    ..
                },
            ) => self.refused.insert(id),
            Err(e) => panic!("{id}: {e:?}"),
        };
    }

    fn merge(&mut self, other: Verdicts) {
        self.ok.extend(other.ok);
        self.refused.extend(other.refused);
        self.unknown.extend(other.unknown);
    }

    /// Checks every verdict against the ids that landed: each `Ok` landed, each refusal did
    /// not, nothing landed that was not `Ok` or unknown, nothing landed twice. Returns how many
    /// unknown writes landed.
    fn check(&self, what: &str, landed: &[String]) -> usize {
        let set: HashSet<&String> = landed.iter().collect();
        assert_eq!(set.len(), landed.len(), "{what}: a write landed twice");
        let lost: Vec<_> = self.ok.iter().filter(|id| !set.contains(id)).collect();
        assert!(lost.is_empty(), "{what}: Ok but not stored: {lost:?}");
        let wrong: Vec<_> = self.refused.iter().filter(|id| set.contains(id)).collect();
        assert!(wrong.is_empty(), "{what}: refused but stored: {wrong:?}");
        let unreported: Vec<_> = landed
            .iter()
            .filter(|id| !self.ok.contains(*id) && !self.unknown.contains(*id))
            .collect();
        assert!(
            unreported.is_empty(),
            "{what}: stored, never reported: {unreported:?}"
        );
        self.unknown.iter().filter(|id| set.contains(id)).count()
    }

    fn summary(&self, landed_unknown: usize) -> String {
        format!(
            "{} Ok, {} refused, {} unknown ({landed_unknown} of them landed)",
            self.ok.len(),
            self.refused.len(),
            self.unknown.len()
        )
    }
}

/// `writers` writers at once, each making `writes` writes one after the other, each write with
/// an id of its own (`<writer>.<n>`): what each was told.
async fn concurrently<F, Fut>(writers: usize, writes: usize, write: F) -> Verdicts
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let per_writer: Vec<Verdicts> = stream::iter(0..writers)
        .map(|w| {
            let write = &write;
            async move {
                let mut verdicts = Verdicts::default();
                for i in 0..writes {
                    let id = format!("{w}.{i}");
                    let result = write(id.clone()).await;
                    verdicts.record(id, result);
                }
                verdicts
            }
        })
        .buffer_unordered(writers)
        .collect()
        .await;
    let mut verdicts = Verdicts::default();
    per_writer.into_iter().for_each(|v| verdicts.merge(v));
    verdicts
}

#[tokio::test]
async fn versioned_writers_under_faults() {
    let direct = common::db("identity_versioned").await;
    direct.create_table::<Ledger>().send().await.unwrap();
    let (writers, writes) = (8, 25 * scale());
    for (name, seed, update) in [("put", 71, false), ("update if_version", 73, true)] {
        let id = name.split(' ').next().unwrap();
        direct.create(&ledger(id)).send().await.unwrap();
        let proxy = FaultProxy::start(Faults::all(RATE, seed)).await;
        let db = proxy.db("identity_versioned", ATTEMPTS).await;
        // Each writer reads the ledger, appends one unique id and writes it back at the version
        // it read; whatever it is told, its next write has a new id.
        let verdicts = concurrently(writers, writes, |write| {
            let db = &db;
            async move {
                let read = read_item(db, LedgerKey::new(id)).await.unwrap();
                append_to(db, &read, &write, update).await
            }
        })
        .await;
        let stored = read_item(&direct, LedgerKey::new(id)).await.unwrap();
        let landed_unknown = verdicts.check(name, &stored.log);
        eprintln!(
            "{writers} writers x {writes} versioned {name}s: {}; stored version {}, log {}; {}",
            verdicts.summary(landed_unknown),
            stored.version,
            stored.log.len(),
            proxy.stats.summary()
        );
        assert_eq!(
            stored.version as usize,
            stored.log.len() + 1,
            "one version per write"
        );
        assert_eq!(stored.log.len(), verdicts.ok.len() + landed_unknown);
        assert!(verdicts.refused.len() > writers, "the writers did race");
    }
}

#[tokio::test]
async fn concurrent_creates_have_one_winner() {
    let direct = common::db("identity_creates").await;
    direct.create_table::<Ledger>().send().await.unwrap();
    direct.create_table::<Counter>().send().await.unwrap();
    let proxy = FaultProxy::start(Faults::all(RATE, 81)).await;
    let db = proxy.db("identity_creates", ATTEMPTS).await;
    let keys = 200 * scale();

    // Identical creates of an unversioned item: at most one Ok per key, none for a key not
    // created, and a key created without an Ok had its creator's outcome left open (counted).
    let results: Vec<(usize, Result<(), Error>)> = stream::iter((0..keys).flat_map(|k| [k, k]))
        .map(|k| {
            let db = &db;
            async move {
                let counter = Counter {
                    id: format!("c{k}"),
                    count: 1,
                    log: Vec::new(),
                };
                (k, db.create(&counter).return_nothing().send().await)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut ok = vec![0; keys];
    let mut unknown_at = vec![0; keys];
    let (mut exists, mut throttled, mut unknown) = (0, 0, 0);
    for (k, result) in results {
        match result {
            Ok(()) => ok[k] += 1,
            Err(Error::AlreadyExists { .. }) => exists += 1,
            Err(Error::OutcomeUnknown { .. }) => {
                unknown += 1;
                unknown_at[k] += 1;
            }
            // Throttled on every attempt: nothing applied.
            Err(Error::Sdk {
                outcome: dynamo_model::Outcome::NotApplied,
                ..
            }) => throttled += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    let stored = direct
        .batch_get::<Counter>((0..keys).map(|k| CounterKey::new(format!("c{k}"))))
        .send()
        .await
        .unwrap();
    let created = stored.iter().filter(|c| c.is_some()).count();
    eprintln!(
        "{keys} keys x 2 identical creates: {} Ok, {exists} AlreadyExists, {unknown} unknown, \
         {throttled} throttled out; {created} keys created, {} of them with one Ok",
        ok.iter().sum::<usize>(),
        ok.iter().filter(|n| **n == 1).count()
    );
    for (k, item) in stored.iter().enumerate() {
        // An Ok only for a key created, and one at most; a key created with no Ok had its
        // creator's outcome left open (its answer lost and not settled within the attempts):
        // unknown, never refused.
        assert!(
            ok[k] <= usize::from(item.is_some()),
            "c{k}: {} Ok, created: {}",
            ok[k],
            item.is_some()
        );
        if item.is_some() && ok[k] == 0 {
            assert!(
                unknown_at[k] > 0,
                "c{k}: created, and both creators refused"
            );
        }
    }

    // Creates that differ (each creator's id in the log): the one told Ok is the one stored.
    let results: Vec<(usize, String, Result<(), Error>)> =
        stream::iter((0..keys).flat_map(|k| [(k, "a"), (k, "b")]))
            .map(|(k, who)| {
                let db = &db;
                async move {
                    let mut item = ledger(&format!("l{k}"));
                    item.log.push(who.to_owned());
                    (
                        k,
                        who.to_owned(),
                        db.create(&item).return_nothing().send().await,
                    )
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
    let mut told: HashMap<usize, Verdicts> = HashMap::new();
    for (k, who, result) in results {
        told.entry(k).or_default().record(who, result);
    }
    // Each verdict against what landed: the Ok one is the one stored, a refused one is not,
    // and the one stored was told Ok or left unknown.
    for (k, verdicts) in &told {
        let stored = read_item(&direct, LedgerKey::new(format!("l{k}"))).await;
        let landed = stored.map(|l| l.log).unwrap_or_default();
        verdicts.check(&format!("l{k}"), &landed);
    }
}

#[tokio::test]
async fn relative_updates_under_faults() {
    let direct = counters("identity_relative", &["default", "exactly"]).await;
    let proxy = FaultProxy::start(Faults::all(RATE, 91)).await;
    let db = proxy.db("identity_relative", ATTEMPTS).await;
    let n = 300 * scale();
    for (id, exactly_once) in [("default", false), ("exactly", true)] {
        let results: Vec<(String, Result<(), Error>)> = stream::iter(0..n)
            .map(|i| {
                let db = &db;
                async move {
                    let write = format!("{id}{i}");
                    let update = db
                        .update(CounterKey::new(id))
                        .add(Counter::COUNT, 1)
                        .append(Counter::LOG, vec![write.clone()])
                        .return_nothing();
                    let update = if exactly_once {
                        update.exactly_once()
                    } else {
                        update
                    };
                    (write, update.send().await)
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        let mut verdicts = Verdicts::default();
        results.into_iter().for_each(|(w, r)| verdicts.record(w, r));
        let stored = read_item(&direct, CounterKey::new(id)).await.unwrap();
        let landed_unknown = verdicts.check(id, &stored.log);
        eprintln!(
            "add(1) x{n}, {id}: {}; counter {}",
            verdicts.summary(landed_unknown),
            stored.count
        );
        assert_eq!(stored.count as usize, stored.log.len());
        if exactly_once {
            // Never unknown: DynamoDB answers a resent token with the outcome. A write throttled
            // on every attempt is refused (nothing applied), which a larger FAULTS_SCALE meets.
            assert!(verdicts.unknown.is_empty(), "{:?}", verdicts.unknown);
            assert_eq!(verdicts.ok.len() + verdicts.refused.len(), n);
            assert_eq!(stored.count as usize, verdicts.ok.len());
        }
    }
}

#[tokio::test]
async fn transactions_under_faults() {
    let direct = counters("identity_transact", &["a", "b"]).await;
    let proxy = FaultProxy::start(Faults::all(RATE, 97)).await;
    let db = proxy.db("identity_transact", ATTEMPTS).await;
    let (writers, writes) = (8, 25 * scale());
    let verdicts = concurrently(writers, writes, |write| {
        let db = &db;
        async move {
            db.transact_write()
                .update::<Counter>(CounterKey::new("a"), |u| {
                    u.add(Counter::COUNT, -1)
                        .append(Counter::LOG, vec![write.clone()])
                })
                .update::<Counter>(CounterKey::new("b"), |u| {
                    u.add(Counter::COUNT, 1).append(Counter::LOG, vec![write])
                })
                .send()
                .await
                .map(drop)
        }
    })
    .await;
    let a = read_item(&direct, CounterKey::new("a")).await.unwrap();
    let b = read_item(&direct, CounterKey::new("b")).await.unwrap();
    assert_eq!(a.log, b.log, "both items or neither");
    let landed_unknown = verdicts.check("transfers", &a.log);
    eprintln!(
        "{writers} writers x {writes} transfers: {}; balances {} and {}",
        verdicts.summary(landed_unknown),
        a.count,
        b.count
    );
    assert_eq!(a.count + b.count, 0);
    assert_eq!(b.count as usize, b.log.len());
    assert_eq!(
        verdicts.unknown.len(),
        0,
        "a transaction resends with its token until it learns its outcome"
    );
}
