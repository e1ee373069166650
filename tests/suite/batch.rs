//! Batches of any size against DynamoDB Local, with unprocessed items forced: for real
//! (BatchGetItem over 16 MB) and by an SDK interceptor that holds writes back (DynamoDB Local
//! never leaves writes unprocessed by itself).

use crate::common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextMut, FinalizerInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput};
use aws_sdk_dynamodb::types::WriteRequest;
use common::accounts::{account, Account, AccountKey};
use dynamo_model::prelude::*;
use dynamo_model::{BatchPolicy, Item};

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "readings")]
struct Reading {
    #[dynamo(hash_key)]
    sensor: String,
    #[dynamo(range_key)]
    at: u32,
    value: f64,
    note: String,
}

fn reading(sensor: u32, at: u32) -> Reading {
    Reading {
        sensor: format!("sensor-{sensor}"),
        at,
        value: f64::from(at) / 4.0,
        note: "ok".into(),
    }
}

async fn setup(test: &str) -> Db {
    let db = common::db(test).await;
    db.create_table::<Reading>().send().await.unwrap();
    db
}

#[tokio::test]
async fn ten_thousand_items_put_and_get_in_key_order() {
    let db = setup("batch_10k").await;
    let items: Vec<Reading> = (0..10_000).map(|i| reading(i % 50, i)).collect();
    let started = Instant::now();
    db.batch_put(&items).send().await.unwrap();
    let put_time = started.elapsed();

    // Ask in a shuffled order, with a few keys that have no item.
    let mut keys: Vec<ReadingKey> = items.iter().rev().map(|r| r.key()).collect();
    keys.insert(17, ReadingKey::new("sensor-none", 1u32));
    keys.push(ReadingKey::new("sensor-0", 999_999u32));
    let started = Instant::now();
    let got = db.batch_get::<Reading>(keys.clone()).send().await.unwrap();
    let get_time = started.elapsed();
    eprintln!("10,000 items: batch_put {put_time:?}, batch_get {get_time:?}");

    assert_eq!(got.len(), keys.len());
    for (key, item) in keys.iter().zip(&got) {
        match item {
            Some(item) => assert_eq!(&item.key(), key),
            None => assert!(key.sensor == "sensor-none" || key.at == 999_999, "{key:?}"),
        }
    }
    assert_eq!(got.iter().flatten().count(), 10_000);
    assert_eq!(db.scan::<Reading>().count().await.unwrap(), 10_000);

    db.batch_delete(items.iter().take(4_000).map(Reading::key))
        .send()
        .await
        .unwrap();
    assert_eq!(db.scan::<Reading>().count().await.unwrap(), 6_000);
}

/// What a dashboard reads of a reading: its value, not its note.
#[derive(Attributes, Debug, Clone, PartialEq)]
struct ValueOnly {
    at: u32,
    value: f64,
}

#[tokio::test]
async fn a_batch_get_reads_a_typed_projection() {
    let db = setup("batch_select").await;
    let items: Vec<Reading> = (0..150).map(|i| reading(i % 3, i)).collect();
    db.batch_put(&items).send().await.unwrap();
    let mut keys: Vec<ReadingKey> = items.iter().map(|r| r.key()).collect();
    keys.insert(5, ReadingKey::new("sensor-none", 1u32));
    let get = db.batch_get::<Reading>(keys).select::<ValueOnly>();
    // Only the projection travels, with the key attributes that match items to keys.
    let requests = get.request().unwrap();
    assert_eq!(requests.len(), 2, "151 keys: two requests");
    let asked = &requests[0].request_items().unwrap()["batch.batch_select.readings"];
    assert_eq!(asked.projection_expression(), Some("#n0, #n1, #n2"));
    let mut names: Vec<&String> = asked
        .expression_attribute_names()
        .unwrap()
        .values()
        .collect();
    names.sort();
    assert_eq!(names, ["at", "sensor", "value"]);
    let read = get.send().await.unwrap();
    assert_eq!(read.len(), 151);
    assert_eq!(read[5], None);
    let expected: Vec<Option<ValueOnly>> = items
        .iter()
        .map(|r| {
            Some(ValueOnly {
                at: r.at,
                value: r.value,
            })
        })
        .collect();
    let mut got = read;
    got.remove(5);
    assert_eq!(got, expected);
}

#[tokio::test]
async fn duplicate_keys_are_refused_before_sending() {
    let db = setup("batch_duplicates").await;
    let err = db
        .batch_write()
        .put(&reading(1, 1))
        .put(&reading(2, 2))
        .delete(ReadingKey::new("sensor-1", 1u32))
        .send()
        .await
        .unwrap_err();
    let Error::InvalidRequest { message } = err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("sensor-1") && message.contains("twice"),
        "{message}"
    );
    assert_eq!(
        db.scan::<Reading>().count().await.unwrap(),
        0,
        "nothing was sent"
    );

    let err = db
        .batch_get::<Reading>([ReadingKey::new("a", 1u32), ReadingKey::new("a", 1u32)])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");

    // An invalid item anywhere stops the whole batch before sending.
    let mut bad = reading(3, 3);
    bad.value = f64::NAN;
    let err = db
        .batch_put(&[reading(4, 4), bad])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
    assert_eq!(db.scan::<Reading>().count().await.unwrap(), 0);
}

/// The stored `at` values of `sensor`, sorted.
async fn stored_ats(db: &Db) -> Vec<u32> {
    let mut ats: Vec<u32> = db
        .scan::<Reading>()
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.at)
        .collect();
    ats.sort_unstable();
    ats
}

#[tokio::test]
async fn a_batch_in_its_first_wave_is_refused_whole() {
    let db = setup("batch_first_wave").await;
    // 8 chunks of 25 by default: 200 writes are all checked before anything is sent.
    let mut items: Vec<Reading> = (0..200).map(|i| reading(5, i)).collect();
    items[199].value = f64::NAN;
    let err = db.batch_put(&items).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
    assert!(stored_ats(&db).await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_write_refused_after_chunks_were_sent_says_exactly_which_were() {
    let db = setup("batch_stopped").await;
    let policy = BatchPolicy {
        concurrency: 2,
        ..BatchPolicy::default()
    };
    // Write 130 is invalid: chunks 0..=3 (writes 0..100) are sent before chunk 5 is built.
    let mut items: Vec<Reading> = (0..300).map(|i| reading(6, i)).collect();
    items[130].value = f64::INFINITY;
    let err = db
        .batch_put(&items)
        .policy(policy)
        .send()
        .await
        .unwrap_err();
    let Error::BatchStopped {
        error,
        index,
        sent,
        unprocessed,
        cause,
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(matches!(*error, Error::InvalidValue { .. }), "{error:?}");
    assert_eq!((index, sent), (130, 125));
    assert!(unprocessed.is_empty() && cause.is_none());
    assert_eq!(stored_ats(&db).await, (0..125).collect::<Vec<u32>>());

    // A second write to a key within the window (2 chunks here: the writes could be sent at
    // once, in either order): the same stop, naming both writes.
    let db = setup("batch_stopped_duplicate").await;
    let mut items: Vec<Reading> = (0..300).map(|i| reading(7, i)).collect();
    items[260] = reading(7, 240);
    let err = db
        .batch_put(&items)
        .policy(policy)
        .send()
        .await
        .unwrap_err();
    let Error::BatchStopped {
        error, index, sent, ..
    } = err
    else {
        panic!("{err:?}")
    };
    let Error::InvalidRequest { message } = *error else {
        panic!("{error:?}")
    };
    assert!(
        message.contains("sensor-7") && message.contains("writes 240 and 260"),
        "{message}"
    );
    assert_eq!((index, sent), (260, 250));
    assert_eq!(stored_ats(&db).await.len(), 250);
}

/// Holds back the write whose note is `hold me` from its request, once, and returns it
/// unprocessed in that request's own response (kept in the request's config bag), so that its
/// chunk waits for a backoff and sends it again.
#[derive(Debug, Default)]
struct HoldBackOnce {
    done: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Clone)]
struct Held(String, WriteRequest);

impl aws_smithy_types::config_bag::Storable for Held {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl Intercept for HoldBackOnce {
    fn name(&self) -> &'static str {
        "hold-back-once"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(input) = context.input_mut().downcast_mut::<BatchWriteItemInput>() else {
            return Ok(());
        };
        for (table, requests) in input.request_items.iter_mut().flatten() {
            let held = requests.iter().position(|r| {
                r.put_request().and_then(|p| p.item.get("note"))
                    == Some(&aws_sdk_dynamodb::types::AttributeValue::S(
                        "hold me".into(),
                    ))
            });
            if let Some(at) = held {
                if !self.done.swap(true, Ordering::SeqCst) {
                    let request = requests.remove(at);
                    cfg.interceptor_state()
                        .store_put(Held(table.clone(), request));
                }
            }
        }
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Held(table, request)) = cfg.load::<Held>().cloned() else {
            return Ok(());
        };
        if let Some(Ok(output)) = context.output_or_error_mut() {
            if let Some(output) = output.downcast_mut::<BatchWriteItemOutput>() {
                output
                    .unprocessed_items
                    .get_or_insert_with(HashMap::new)
                    .entry(table)
                    .or_default()
                    .push(request);
            }
        }
        Ok(())
    }
}

#[tokio::test]
async fn writes_to_one_key_further_apart_than_the_window_apply_in_order() {
    let faults = Arc::new(HoldBackOnce::default());
    let config = common::local()
        .await
        .config()
        .to_builder()
        .interceptor(Shared(faults.clone()))
        .build();
    let db = Db::new(aws_sdk_dynamodb::Client::from_conf(config)).table_prefix("batch_in_order.");
    db.create_table::<Reading>().send().await.unwrap();
    // Write 9 (chunk 0) and write 120 (chunk 4) write one key. Write 9 is held back once, so
    // chunk 0 waits up to a second before sending it again; chunks sent out of order would
    // land write 120 first and write 9 over it.
    let mut items: Vec<Reading> = (0..150).map(|i| reading(9, i)).collect();
    items[9].note = "hold me".into();
    items[120] = Reading {
        note: "the later write".into(),
        ..reading(9, 9)
    };
    db.batch_put(&items)
        .policy(BatchPolicy {
            concurrency: 2,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(1),
            ..BatchPolicy::default()
        })
        .send()
        .await
        .unwrap();
    assert!(faults.done.load(Ordering::SeqCst), "write 9 was held back");
    let stored = db
        .get(ReadingKey::new("sensor-9", 9u32))
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.note, "the later write");
}

#[tokio::test]
async fn a_batch_can_be_spawned() {
    let db = setup("batch_spawned").await;
    let items: Vec<Reading> = (0..60).map(|i| reading(10, i)).collect();
    // `send` is a `Send` future: a service spawns it like any other.
    let task = tokio::spawn(async move { db.batch_put(&items).send().await.map(|()| db) });
    let db = task.await.unwrap().unwrap();
    assert_eq!(stored_ats(&db).await.len(), 60);
}

#[tokio::test]
async fn check_all_first_refuses_a_batch_of_any_size_before_sending() {
    let db = setup("batch_check_all_first").await;
    let mut items: Vec<Reading> = (0..1_000).map(|i| reading(8, i)).collect();
    items[990].note = "x".repeat(400 * 1024);
    let err = db
        .batch_put(&items)
        .policy(BatchPolicy {
            concurrency: 2,
            ..BatchPolicy::default()
        })
        .check_all_first()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ItemTooLarge { .. }), "{err:?}");
    assert!(stored_ats(&db).await.is_empty(), "nothing was sent");
    // The same batch, fixed, goes through.
    items[990].note = "ok".into();
    db.batch_put(&items).check_all_first().send().await.unwrap();
    assert_eq!(stored_ats(&db).await.len(), 1_000);
}

#[tokio::test]
async fn one_batch_writes_several_models_and_tables() {
    let db = setup("batch_mixed").await;
    db.create_table::<Account>().send().await.unwrap();
    db.put(&account("old")).send().await.unwrap();
    db.batch_write()
        .put(&reading(1, 1))
        .put(&account("new"))
        .delete(AccountKey::new("old", "account"))
        .put(&reading(1, 2))
        .send()
        .await
        .unwrap();
    assert_eq!(db.scan::<Reading>().count().await.unwrap(), 2);
    let accounts = db.scan::<Account>().all().await.unwrap();
    assert_eq!(accounts, vec![account("new")]);
}

/// Holds back the last write of every BatchWriteItem (while `faults` lasts) and reports it
/// unprocessed, the way DynamoDB does under load. A held-back write is replaced by a put of a
/// marker item into a sink table, so a request is never empty (DynamoDB refuses those).
/// Batches using it run one chunk at a time, so each response gets its own request's writes.
#[derive(Debug, Default)]
struct HoldBackWrites {
    faults: AtomicUsize,
    held: Mutex<Vec<(String, WriteRequest)>>,
    calls: AtomicUsize,
    sink: Mutex<Option<(String, WriteRequest)>>,
    /// Leave a request of one write alone: every write is then held back at most once.
    spare_single: bool,
}

impl Intercept for HoldBackWrites {
    fn name(&self) -> &'static str {
        "hold-back-writes"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(input) = context.input_mut().downcast_mut::<BatchWriteItemInput>() {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let writes: usize = input
                .request_items
                .iter()
                .flatten()
                .map(|(_, r)| r.len())
                .sum();
            if self.spare_single && writes == 1 {
                return Ok(());
            }
            let fault = self
                .faults
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if fault {
                let items = input.request_items.as_mut().unwrap();
                let table = items.keys().next().unwrap().clone();
                let requests = items.get_mut(&table).unwrap();
                let held = requests.pop().unwrap();
                if requests.is_empty() {
                    items.remove(&table);
                }
                self.held.lock().unwrap().push((table, held));
                let (sink, marker) = self.sink.lock().unwrap().clone().unwrap();
                items.entry(sink).or_default().push(marker);
            }
        }
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Ok(output)) = context.output_or_error_mut() {
            if let Some(output) = output.downcast_mut::<BatchWriteItemOutput>() {
                let held = std::mem::take(&mut *self.held.lock().unwrap());
                let unprocessed = output.unprocessed_items.get_or_insert_with(HashMap::new);
                for (table, request) in held {
                    unprocessed.entry(table).or_default().push(request);
                }
            }
        }
        Ok(())
    }
}

async fn db_with(test: &str, interceptor: Arc<HoldBackWrites>) -> Db {
    let local = common::local().await;
    let plain = common::db(test).await;
    plain.create_table::<Account>().send().await.unwrap();
    let marker = WriteRequest::builder()
        .put_request(
            aws_sdk_dynamodb::types::PutRequest::builder()
                .set_item(Some(account("held-back").to_item().unwrap()))
                .build()
                .unwrap(),
        )
        .build();
    *interceptor.sink.lock().unwrap() = Some((plain.table_name::<Account>(), marker));
    let config = local
        .config()
        .to_builder()
        .interceptor(Shared(interceptor))
        .build();
    Db::new(aws_sdk_dynamodb::Client::from_conf(config)).table_prefix(common::prefix(test))
}

fn one_chunk_at_a_time(max_attempts: u32) -> BatchPolicy {
    BatchPolicy {
        max_attempts,
        base_backoff: Duration::from_millis(1),
        concurrency: 1,
        ..BatchPolicy::default()
    }
}

/// `Intercept` for a shared interceptor, so the test can read its counters.
#[derive(Debug)]
struct Shared<T>(Arc<T>);

impl<T: Intercept> Intercept for Shared<T> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.modify_before_serialization(context, rc, cfg)
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.modify_before_attempt_completion(context, rc, cfg)
    }
}

#[tokio::test]
async fn unprocessed_writes_are_retried_until_they_land() {
    let faults = Arc::new(HoldBackWrites {
        faults: AtomicUsize::new(20),
        spare_single: true,
        ..Default::default()
    });
    let db = db_with("batch_retry", faults.clone()).await;
    db.create_table::<Reading>().send().await.unwrap();
    let items: Vec<Reading> = (0..500).map(|i| reading(i % 7, i)).collect();
    db.batch_put(&items)
        .policy(one_chunk_at_a_time(10))
        .send()
        .await
        .unwrap();
    assert_eq!(
        faults.faults.load(Ordering::SeqCst),
        0,
        "one write of each chunk held back"
    );
    assert_eq!(
        faults.calls.load(Ordering::SeqCst),
        2 * 500 / 25,
        "one retry per chunk"
    );
    let got = db
        .batch_get::<Reading>(items.iter().map(Reading::key))
        .send()
        .await
        .unwrap();
    assert_eq!(got.into_iter().flatten().collect::<Vec<_>>(), items);
}

#[tokio::test]
async fn writes_still_unprocessed_after_the_budget_are_reported_exactly() {
    let faults = Arc::new(HoldBackWrites {
        faults: AtomicUsize::new(usize::MAX),
        ..Default::default()
    });
    let db = db_with("batch_budget", faults.clone()).await;
    db.create_table::<Reading>().send().await.unwrap();
    let items: Vec<Reading> = (0..60).map(|i| reading(1, i)).collect();
    let err = db
        .batch_put(&items)
        .policy(one_chunk_at_a_time(3))
        .send()
        .await
        .unwrap_err();
    let Error::Unprocessed {
        writes,
        keys,
        cause,
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(keys.is_empty() && cause.is_none());
    // Each of the 3 chunks (25, 25, 10) has its last write held back on all 3 attempts.
    assert_eq!(writes.len(), 3);
    assert_eq!(faults.calls.load(Ordering::SeqCst), 9);
    let stored = db.scan::<Reading>().all().await.unwrap();
    assert_eq!(stored.len(), 60 - 3);
    for write in &writes {
        let request = write
            .request
            .as_ref()
            .expect("returned unprocessed: not applied");
        let item = Reading::from_item(request.put_request().unwrap().item().clone()).unwrap();
        assert_eq!(item.key().to_item().unwrap(), *write.key);
        assert!(
            !stored.contains(&item),
            "reported {item:?} as unprocessed, yet it landed"
        );
        assert!(items.contains(&item));
    }
}

/// Counts BatchGetItem calls.
#[derive(Debug, Default)]
struct CountGets(AtomicUsize);

impl Intercept for CountGets {
    fn name(&self) -> &'static str {
        "count-gets"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context
            .input_mut()
            .downcast_mut::<BatchGetItemInput>()
            .is_some()
        {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test]
async fn unprocessed_keys_from_a_read_over_16_mb_are_retried() {
    let counter = Arc::new(CountGets::default());
    let local = common::local().await;
    let config = local
        .config()
        .to_builder()
        .interceptor(Shared(counter.clone()))
        .build();
    let db = Db::new(aws_sdk_dynamodb::Client::from_conf(config)).table_prefix("batch_16mb.");
    db.create_table::<Reading>().send().await.unwrap();
    // 60 items of ~390 KB: 23 MB, more than BatchGetItem returns at once (16 MB).
    let items: Vec<Reading> = (0..60)
        .map(|i| Reading {
            note: "n".repeat(390 * 1024),
            ..reading(9, i)
        })
        .collect();
    db.batch_put(&items).send().await.unwrap();
    let got = db
        .batch_get::<Reading>(items.iter().map(Reading::key))
        .send()
        .await
        .unwrap();
    assert_eq!(got.len(), 60);
    assert!(got.iter().all(Option::is_some));
    assert!(
        counter.0.load(Ordering::SeqCst) > 1,
        "DynamoDB left keys unprocessed and they were asked again"
    );
}

/// Fails every BatchWriteItem before it is sent, as a network failure would.
#[derive(Debug, Default)]
struct FailWrites;

impl Intercept for FailWrites {
    fn name(&self) -> &'static str {
        "fail-writes"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context
            .input()
            .downcast_ref::<BatchWriteItemInput>()
            .is_some()
        {
            return Err("injected failure".into());
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_chunk_that_fails_outright_reports_every_key_in_it() {
    let plain = common::db("batch_failed_chunk").await;
    plain.create_table::<Reading>().send().await.unwrap();
    let config = common::local()
        .await
        .config()
        .to_builder()
        .interceptor(FailWrites)
        .build();
    let db =
        Db::new(aws_sdk_dynamodb::Client::from_conf(config)).table_prefix("batch_failed_chunk.");
    let items: Vec<Reading> = (0..30).map(|i| reading(4, i)).collect();
    let err = db.batch_put(&items).send().await.unwrap_err();
    let Error::Unprocessed {
        writes,
        keys,
        cause,
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(keys.is_empty());
    assert!(matches!(
        cause.as_deref(),
        Some(Error::Sdk {
            operation: "BatchWriteItem",
            ..
        })
    ));
    assert!(
        writes.iter().all(|w| w.request.is_none()),
        "outcome unknown"
    );
    let mut reported: Vec<Item> = writes.into_iter().map(|w| w.key.into_inner()).collect();
    let mut expected: Vec<Item> = items.iter().map(|r| r.key().to_item().unwrap()).collect();
    let order = |item: &Item| format!("{:?}", item.get("at"));
    reported.sort_by_key(order);
    expected.sort_by_key(order);
    assert_eq!(reported, expected, "every write of both chunks, by key");
}

/// A sample with rules, for a batch checked whole.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "samples")]
struct Sample {
    #[dynamo(hash_key)]
    id: u32,
    #[dynamo(validate(non_empty))]
    label: String,
    #[dynamo(validate(range(min = 0, max = 100)))]
    score: i64,
}

/// With `check_all_first`, every refused item is reported at once, each path naming its item
/// (`items[3] (Sample).label`), and nothing is sent; without it, the first refused item is
/// named the same way.
#[tokio::test]
async fn check_all_first_reports_every_bad_item_by_its_place() {
    let (db, requests) = common::counting::db("batch_every_bad_item").await;
    db.create_table::<Sample>().send().await.unwrap();
    let mut samples: Vec<Sample> = (0..60)
        .map(|id| Sample {
            id,
            label: format!("s{id}"),
            score: 50,
        })
        .collect();
    samples[3].label = String::new();
    samples[41].score = 101;
    samples[41].label = String::new();
    let sent = requests.sent();
    let err = db
        .batch_put(&samples)
        .check_all_first()
        .send()
        .await
        .unwrap_err();
    let Error::Validation { violations } = &err else {
        panic!("{err:?}")
    };
    let found: Vec<(&str, &str)> = violations
        .iter()
        .map(|v| (v.path.as_str(), v.rule))
        .collect();
    assert_eq!(
        found,
        [
            ("items[3] (Sample).label", "non_empty"),
            ("items[41] (Sample).label", "non_empty"),
            ("items[41] (Sample).score", "range"),
        ]
    );
    assert_eq!(requests.sent(), sent, "nothing was sent");
    // `request()` says the same.
    let again = db
        .batch_put(&samples)
        .check_all_first()
        .request()
        .unwrap_err();
    assert_eq!(again.to_string(), err.to_string());
    // Without it, the first refused item stops the batch, named by its place.
    let err = db.batch_put(&samples[..10]).send().await.unwrap_err();
    let Error::Validation { violations } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(violations[0].path, "items[3] (Sample).label");
}
