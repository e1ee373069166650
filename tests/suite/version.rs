//! Optimistic locking with `#[dynamo(version)]`, against DynamoDB Local.

use crate::common;

use dynamo_model::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "counters")]
struct Counter {
    #[dynamo(hash_key)]
    id: String,
    count: u64,
    #[dynamo(version)]
    version: u64,
}

fn counter(id: &str, count: u64, version: u64) -> Counter {
    Counter {
        id: id.into(),
        count,
        version,
    }
}

async fn setup(test: &str) -> Db {
    let db = common::db(test).await;
    db.create_table::<Counter>().send().await.unwrap();
    db
}

async fn read(db: &Db, id: &str) -> Counter {
    db.get(CounterKey::new(id))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn writes_check_and_bump_the_version() {
    let db = setup("version_writes").await;
    db.create(&counter("c", 0, 0)).send().await.unwrap();
    assert_eq!(
        read(&db, "c").await,
        counter("c", 0, 1),
        "create writes version 1"
    );
    assert!(matches!(
        db.create(&counter("c", 0, 0)).send().await,
        Err(Error::AlreadyExists { .. })
    ));

    let mut current = read(&db, "c").await;
    current.count = 5;
    db.put(&current).send().await.unwrap();
    assert_eq!(read(&db, "c").await, counter("c", 5, 2));

    // `current` still says version 1: it is stale now.
    let err = db.put(&current).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionConflict {
                expected: 1,
                found: Some(2),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(read(&db, "c").await.count, 5);

    // A put of a new item (version 0) requires that there is none.
    db.put(&counter("new", 1, 0)).send().await.unwrap();
    assert_eq!(read(&db, "new").await.version, 1);
    let err = db.put(&counter("new", 2, 0)).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionConflict {
                expected: 0,
                found: Some(1),
                ..
            }
        ),
        "{err:?}"
    );

    // Updates bump it too, and can require a version.
    let updated = db
        .update(CounterKey::new("c"))
        .add(Counter::COUNT, 1)
        .send()
        .await
        .unwrap();
    assert_eq!((updated.count, updated.version), (6, 3));
    let err = db
        .update(CounterKey::new("c"))
        .add(Counter::COUNT, 1)
        .if_version(2)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionConflict {
                expected: 2,
                found: Some(3),
                ..
            }
        ),
        "{err:?}"
    );
    let updated = db
        .update(CounterKey::new("c"))
        .add(Counter::COUNT, 1)
        .if_version(3)
        .send()
        .await
        .unwrap();
    assert_eq!((updated.count, updated.version), (7, 4));

    // Deletes can require a version.
    let err = db
        .delete(CounterKey::new("c"))
        .if_version(3)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionConflict {
                expected: 3,
                found: Some(4),
                ..
            }
        ),
        "{err:?}"
    );
    db.delete(CounterKey::new("c"))
        .if_version(4)
        .send()
        .await
        .unwrap();
    assert_eq!(
        db.get(CounterKey::new("c"))
            .consistent()
            .send()
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn concurrent_read_modify_write_loses_no_increment() {
    let db = setup("version_race").await;
    db.create(&counter("hot", 0, 0)).send().await.unwrap();
    let (tasks, increments) = (16, 10);
    let mut handles = Vec::new();
    let mut conflicts_seen = Vec::new();
    for _ in 0..tasks {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut conflicts = 0u32;
            for _ in 0..increments {
                loop {
                    let mut current = db
                        .get(CounterKey::new("hot"))
                        .consistent()
                        .send()
                        .await
                        .unwrap()
                        .unwrap();
                    current.count += 1;
                    match db.put(&current).send().await {
                        Ok(_) => break,
                        Err(Error::VersionConflict { .. }) => conflicts += 1,
                        Err(other) => panic!("{other}"),
                    }
                }
            }
            conflicts
        }));
    }
    for handle in handles {
        conflicts_seen.push(handle.await.unwrap());
    }
    let end = read(&db, "hot").await;
    assert_eq!(end.count, tasks * increments);
    assert_eq!(end.version, 1 + tasks * increments);
    eprintln!(
        "{tasks} tasks x {increments} increments: count {}, {} version conflicts retried",
        end.count,
        conflicts_seen.iter().sum::<u32>()
    );
}

#[tokio::test]
async fn transactions_check_and_bump_versions_too() {
    let db = setup("version_transact").await;
    db.create(&counter("t", 0, 0)).send().await.unwrap();
    let stale = counter("t", 9, 0);
    let err = db.transact_write().put(&stale).send().await.unwrap_err();
    let Error::TransactionCanceled { reasons } = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        reasons[0].code,
        dynamo_model::CancellationCode::ConditionalCheckFailed
    );
    let current = read(&db, "t").await;
    db.transact_write()
        .put(&Counter {
            count: 1,
            ..current
        })
        .send()
        .await
        .unwrap();
    assert_eq!(read(&db, "t").await, counter("t", 1, 2));
    db.transact_write()
        .update::<Counter>(CounterKey::new("t"), |u| {
            u.add(Counter::COUNT, 1).if_version(2)
        })
        .send()
        .await
        .unwrap();
    assert_eq!(read(&db, "t").await, counter("t", 2, 3));

    // The version as the model holds it (a u64), no conversion by hand.
    let current = read(&db, "t").await;
    db.update(current.key())
        .add(Counter::COUNT, 1)
        .if_version(current.version)
        .send()
        .await
        .unwrap();
    // A transactional delete checks the version without a hand-written condition.
    let err = db
        .transact_write()
        .delete_if_version::<Counter>(CounterKey::new("t"), current.version)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }), "{err:?}");
    db.transact_write()
        .delete_if_version::<Counter>(CounterKey::new("t"), current.version + 1)
        .send()
        .await
        .unwrap();
    assert!(db
        .get(CounterKey::new("t"))
        .consistent()
        .send()
        .await
        .unwrap()
        .is_none());
}
