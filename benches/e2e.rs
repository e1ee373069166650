//! End to end on DynamoDB Local: dynamo-model beside hand-written aws-sdk-dynamodb code doing
//! the same requests, in the same process and run. Each operation is measured twice:
//! `e2e_wall/*` is wall time per operation (throughput, server included), `e2e_cpu/*` is this
//! process's CPU time per operation (`CLOCK_PROCESS_CPUTIME_ID`, all threads, user + system):
//! the client's own cost, apart from the server's, which runs in another process.
//!
//! Workloads (16 requests in flight): put (the default, returning the stored model, and with
//! `return_nothing`), get, a query paging 2,000 items with a filter, batch puts of 25 items, a
//! conditional update (plain, and `exactly_once` against the plain hand-written one: the cost
//! of the guarantee). The server is DynamoDB Local, started by the bench
//! (or the one at `DYNAMODB_ENDPOINT`).
//!
//! `cargo bench --bench e2e`; `E2E_ONLY=batch,update cargo bench --bench e2e` runs only the
//! workloads whose names contain one of the parts.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, ReturnValue, WriteRequest};
use aws_sdk_dynamodb::Client;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dynamo_model::local::DynamoDbLocal;
use dynamo_model::prelude::*;
use dynamo_model::BatchPolicy;
use futures::{StreamExt, TryStreamExt};
use tokio::runtime::Runtime;

mod profile;
mod server;

use profile::{hand_from_item, hand_to_item, profile, s, Profile, ProfileKey};

const IN_FLIGHT: usize = 16;
/// Items read by `get` and changed by `update`.
const USERS: u64 = 5_000;
/// Items in the queried partition; a quarter are filtered out.
const FEED: u64 = 2_000;
const PAGE: u32 = 250;
const BATCH: u64 = 25;

struct Setup {
    rt: Runtime,
    _local: DynamoDbLocal,
    db: Db,
    client: Client,
    table: String,
}

fn user(i: u64) -> Profile {
    Profile {
        pk: format!("user#{}", i % USERS),
        ..profile()
    }
}

fn feed(i: u64) -> Profile {
    Profile {
        pk: "feed".into(),
        sk: format!("item#{i:05}"),
        active: !i.is_multiple_of(4),
        ..profile()
    }
}

fn setup() -> Setup {
    let (rt, local, db) = server::start("e2e");
    let client = db.client().clone();
    let table = db.table_name::<Profile>();
    rt.block_on(async {
        db.create_table::<Profile>().send().await.unwrap();
        let users: Vec<Profile> = (0..USERS).map(user).collect();
        let feed: Vec<Profile> = (0..FEED).map(feed).collect();
        db.batch_put(&users).send().await.unwrap();
        db.batch_put(&feed).send().await.unwrap();
    });
    Setup {
        rt,
        _local: local,
        db,
        client,
        table,
    }
}

/// Runs `n` operations, `IN_FLIGHT` at a time.
async fn in_flight<F, Fut>(n: u64, op: F)
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = ()>,
{
    futures::stream::iter(0..n)
        .map(op)
        .buffer_unordered(IN_FLIGHT)
        .collect::<()>()
        .await;
}

#[derive(Clone, Copy)]
enum Clock {
    Wall,
    Cpu,
}

/// CPU time of this process, every thread, user and system.
fn cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

impl Clock {
    fn measure(self, rt: &Runtime, work: impl Future<Output = ()>) -> Duration {
        let (wall, cpu) = (Instant::now(), cpu_time());
        rt.block_on(work);
        match self {
            Clock::Wall => wall.elapsed(),
            Clock::Cpu => cpu_time() - cpu,
        }
    }
}

// ---- the two implementations of each workload --------------------------------------------

/// The default put: it returns the model as stored (one more read of the item, in memory).
async fn model_put(db: &Db, i: u64) {
    std::hint::black_box(db.put(&user(i)).send().await.unwrap());
}

/// A put that returns nothing, like the hand-written one.
async fn model_put_nothing(db: &Db, i: u64) {
    db.put(&user(i)).return_nothing().send().await.unwrap();
}

async fn sdk_put(client: &Client, table: &str, i: u64) {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(hand_to_item(&user(i))))
        .send()
        .await
        .unwrap();
}

async fn model_get(db: &Db, i: u64) -> Profile {
    let key = ProfileKey::new(format!("user#{}", i % USERS), "profile");
    db.get(key).send().await.unwrap().expect("seeded")
}

async fn sdk_get(client: &Client, table: &str, i: u64) -> Profile {
    let item = client
        .get_item()
        .table_name(table)
        .key("pk", s(&format!("user#{}", i % USERS)))
        .key("sk", s("profile"))
        .send()
        .await
        .unwrap()
        .item
        .expect("seeded");
    hand_from_item(item).unwrap()
}

async fn model_query(db: &Db) -> Vec<Profile> {
    db.query::<Profile>()
        .hash("feed")
        .filter(Profile::ACTIVE.eq(true))
        .page_size(PAGE)
        .stream()
        .try_collect()
        .await
        .unwrap()
}

async fn sdk_query(client: &Client, table: &str) -> Vec<Profile> {
    let mut found = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .key_condition_expression("#pk = :pk")
            .filter_expression("#active = :active")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#active", "active")
            .expression_attribute_values(":pk", s("feed"))
            .expression_attribute_values(":active", AttributeValue::Bool(true))
            .limit(PAGE as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items.unwrap_or_default() {
            found.push(hand_from_item(item).unwrap());
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return found;
        }
    }
}

fn batch_item(i: u64) -> Profile {
    Profile {
        pk: format!("batch#{i}"),
        ..profile()
    }
}

async fn model_batch(db: &Db, batches: u64) {
    let items: Vec<Profile> = (0..batches * BATCH).map(batch_item).collect();
    let policy = BatchPolicy {
        concurrency: IN_FLIGHT,
        ..BatchPolicy::default()
    };
    db.batch_put(&items).policy(policy).send().await.unwrap();
}

/// What a careful user writes: chunks of 25, unprocessed items sent again after a backoff.
async fn sdk_batch(client: &Client, table: &str, batches: u64) {
    let items: Vec<Profile> = (0..batches * BATCH).map(batch_item).collect();
    let chunks = items.chunks(BATCH as usize).map(|chunk| {
        let mut writes: Vec<WriteRequest> = chunk
            .iter()
            .map(|p| {
                let put = PutRequest::builder()
                    .set_item(Some(hand_to_item(p)))
                    .build()
                    .unwrap();
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        async move {
            let mut attempt = 0;
            while !writes.is_empty() {
                let out = client
                    .batch_write_item()
                    .request_items(table, std::mem::take(&mut writes))
                    .send()
                    .await
                    .unwrap();
                writes = out
                    .unprocessed_items
                    .and_then(|mut left| left.remove(table))
                    .unwrap_or_default();
                if !writes.is_empty() {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(25 << attempt.min(6))).await;
                }
            }
        }
    });
    futures::stream::iter(chunks)
        .buffer_unordered(IN_FLIGHT)
        .collect::<()>()
        .await;
}

async fn model_update(db: &Db, i: u64) {
    let key = ProfileKey::new(format!("user#{}", i % USERS), "profile");
    db.update(key)
        .add(Profile::AGE, 1)
        .condition(Profile::ACTIVE.eq(true))
        .return_nothing()
        .send()
        .await
        .unwrap();
}

/// The same update, exactly once: a one-action transaction with an idempotency token, so a
/// retry after a lost response cannot apply it twice. Against the plain hand-written
/// UpdateItem, this row is the price of that guarantee.
async fn model_update_exactly_once(db: &Db, i: u64) {
    let key = ProfileKey::new(format!("user#{}", i % USERS), "profile");
    db.update(key)
        .add(Profile::AGE, 1)
        .condition(Profile::ACTIVE.eq(true))
        .return_nothing()
        .exactly_once()
        .send()
        .await
        .unwrap();
}

/// The same request: the item must exist (an update never creates half an item) and be active.
async fn sdk_update(client: &Client, table: &str, i: u64) {
    client
        .update_item()
        .table_name(table)
        .key("pk", s(&format!("user#{}", i % USERS)))
        .key("sk", s("profile"))
        .update_expression("ADD #age :one")
        .condition_expression("attribute_exists(#pk) AND #active = :active")
        .expression_attribute_names("#age", "age")
        .expression_attribute_names("#pk", "pk")
        .expression_attribute_names("#active", "active")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":active", AttributeValue::Bool(true))
        .return_values(ReturnValue::None)
        .send()
        .await
        .unwrap();
}

/// Both sides read the same data: checked once before measuring.
fn check_equivalence(setup: &Setup) {
    let Setup {
        rt,
        db,
        client,
        table,
        ..
    } = setup;
    rt.block_on(async {
        assert_eq!(model_get(db, 7).await, sdk_get(client, table, 7).await);
        let (ours, theirs) = (model_query(db).await, sdk_query(client, table).await);
        assert_eq!(ours.len(), (FEED - FEED / 4) as usize);
        assert_eq!(ours, theirs);
        let request = db
            .update(ProfileKey::new("user#1", "profile"))
            .add(Profile::AGE, 1)
            .condition(Profile::ACTIVE.eq(true))
            .request()
            .unwrap();
        let condition = request.condition_expression().unwrap_or_default();
        assert!(
            condition.contains("attribute_exists") && condition.contains(" AND "),
            "the hand-written update mirrors ours: {condition}"
        );
    });
}

/// `n` operations of one side of a workload.
type Job<'a> = std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>;

/// One workload, both ways.
struct Workload<'a> {
    name: &'static str,
    /// The criterion group: `e2e_wall/<id>`, `e2e_cpu/<id>`.
    id: &'static str,
    /// Operations per round of the paired table.
    per_round: u64,
    ours: Box<dyn Fn(u64) -> Job<'a> + 'a>,
    hand: Box<dyn Fn(u64) -> Job<'a> + 'a>,
}

fn workloads(setup: &Setup) -> Vec<Workload<'_>> {
    let Setup {
        db, client, table, ..
    } = setup;
    let table = table.as_str();
    vec![
        Workload {
            name: "put",
            id: "put",
            per_round: 250,
            ours: Box::new(move |n| Box::pin(in_flight(n, move |i| model_put(db, i)))),
            hand: Box::new(move |n| Box::pin(in_flight(n, move |i| sdk_put(client, table, i)))),
        },
        Workload {
            name: "put, return_nothing",
            id: "put_return_nothing",
            per_round: 250,
            ours: Box::new(move |n| Box::pin(in_flight(n, move |i| model_put_nothing(db, i)))),
            hand: Box::new(move |n| Box::pin(in_flight(n, move |i| sdk_put(client, table, i)))),
        },
        Workload {
            name: "get",
            id: "get",
            per_round: 250,
            ours: Box::new(move |n| {
                Box::pin(in_flight(n, move |i| async move {
                    std::hint::black_box(model_get(db, i).await);
                }))
            }),
            hand: Box::new(move |n| {
                Box::pin(in_flight(n, move |i| async move {
                    std::hint::black_box(sdk_get(client, table, i).await);
                }))
            }),
        },
        // One operation pages through the whole partition: 8 requests, 1,500 items kept.
        Workload {
            name: "query (2,000, filtered)",
            id: "query_2000_filtered",
            per_round: 2,
            ours: Box::new(move |n| {
                Box::pin(in_flight(n, move |_| async move {
                    std::hint::black_box(model_query(db).await);
                }))
            }),
            hand: Box::new(move |n| {
                Box::pin(in_flight(n, move |_| async move {
                    std::hint::black_box(sdk_query(client, table).await);
                }))
            }),
        },
        // One operation: one BatchWriteItem of 25 items.
        Workload {
            name: "batch put (25 items)",
            id: "batch_put_25",
            per_round: 20,
            ours: Box::new(move |n| Box::pin(model_batch(db, n))),
            hand: Box::new(move |n| Box::pin(sdk_batch(client, table, n))),
        },
        Workload {
            name: "conditional update",
            id: "conditional_update",
            per_round: 250,
            ours: Box::new(move |n| Box::pin(in_flight(n, move |i| model_update(db, i)))),
            hand: Box::new(move |n| Box::pin(in_flight(n, move |i| sdk_update(client, table, i)))),
        },
        Workload {
            name: "conditional update, exactly once",
            id: "conditional_update_exactly_once",
            per_round: 250,
            ours: Box::new(move |n| {
                Box::pin(in_flight(n, move |i| model_update_exactly_once(db, i)))
            }),
            hand: Box::new(move |n| Box::pin(in_flight(n, move |i| sdk_update(client, table, i)))),
        },
    ]
}

const ROUNDS: usize = 24;

/// One workload, both ways: `ROUNDS` rounds of `per_round` operations each, the two sides
/// alternating which goes first so that drift on this shared machine (the server's JIT and
/// GC, other load) falls on both alike. Prints per-operation CPU (median over rounds), the
/// median of the per-round CPU ratios, and throughput over all rounds.
fn paired(rt: &Runtime, workload: &Workload<'_>) {
    let n = workload.per_round;
    let mut cpu = [Vec::new(), Vec::new()];
    let mut wall = [Duration::ZERO; 2];
    for round in 0..ROUNDS {
        for side in [round % 2, 1 - round % 2] {
            let job = if side == 0 {
                (workload.ours)(n)
            } else {
                (workload.hand)(n)
            };
            let (started, cpu_started) = (Instant::now(), cpu_time());
            rt.block_on(job);
            cpu[side].push((cpu_time() - cpu_started).as_secs_f64() * 1e6 / n as f64);
            wall[side] += started.elapsed();
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    // Each round's two runs saw the same server state: the median of the per-round ratios is
    // the steadiest figure on a shared machine.
    let ratios: Vec<f64> = cpu[0].iter().zip(&cpu[1]).map(|(a, b)| a / b).collect();
    let [ours, theirs] = cpu.map(median);
    let ops = (ROUNDS as u64 * n) as f64;
    let (ours_rate, theirs_rate) = (ops / wall[0].as_secs_f64(), ops / wall[1].as_secs_f64());
    println!(
        "{:<24} {ours:>9.1} µs {theirs:>9.1} µs {:>6.3}   {ours_rate:>9.0}/s {theirs_rate:>9.0}/s {:>6.3}",
        workload.name,
        median(ratios),
        ours_rate / theirs_rate
    );
}

/// Whether `E2E_ONLY` (parts of workload names, comma-separated) selects the workload.
fn selected(workload: &Workload<'_>) -> bool {
    std::env::var("E2E_ONLY").map_or(true, |only| {
        only.split(',')
            .any(|part| workload.name.contains(part.trim()))
    })
}

fn e2e(c: &mut Criterion) {
    let setup = setup();
    check_equivalence(&setup);
    let rt = &setup.rt;
    let workloads: Vec<Workload<'_>> = workloads(&setup).into_iter().filter(selected).collect();
    // The figures BENCHMARKS.md quotes; also the warm-up of connections, server and caches
    // for the criterion groups below.
    println!(
        "\nclient CPU per operation (median of rounds; ratio: median of per-round ratios) and throughput, dynamo-model vs hand-written, {IN_FLIGHT} in flight"
    );
    println!(
        "{:<24} {:>12} {:>12} {:>6}   {:>11} {:>11} {:>6}",
        "workload", "ours", "hand", "ratio", "ours", "hand", "ratio"
    );
    for workload in &workloads {
        paired(rt, workload);
    }
    println!();
    for (clock, group) in [(Clock::Wall, "e2e_wall"), (Clock::Cpu, "e2e_cpu")] {
        for workload in &workloads {
            let mut g = c.benchmark_group(format!("{group}/{}", workload.id));
            g.sample_size(10).throughput(Throughput::Elements(1));
            g.bench_function("dynamo_model", |b| {
                b.iter_custom(|n| clock.measure(rt, (workload.ours)(n)))
            });
            g.bench_function("hand_written", |b| {
                b.iter_custom(|n| clock.measure(rt, (workload.hand)(n)))
            });
            g.finish();
        }
    }
    drop(workloads);
    rt.block_on(setup.db.delete_table::<Profile>().send())
        .unwrap();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = benches;
    config = config();
    targets = e2e
}
criterion_main!(benches);
