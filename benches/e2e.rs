//! End to end on DynamoDB Local: dynamo-model beside hand-written aws-sdk-dynamodb code doing
//! the same requests, in the same process and run. Client CPU is this process's CPU time per
//! operation (`CLOCK_PROCESS_CPUTIME_ID`, all threads, user + system): the client's own cost,
//! apart from the server's, which runs in another process.
//!
//! Requests are driven the way a service drives them: each operation is its own tokio task on
//! the multi-threaded runtime, 16 in flight. A batch runs its chunks inside its own task (16
//! chunks in flight), on both sides.
//!
//! Workloads: put (the default, returning the stored model, and with `return_nothing`), get, a
//! query paging 2,000 items with a filter, batch puts of 25, 1,000, 10,000 and 100,000 items,
//! a conditional update (plain, and `exactly_once` against the plain hand-written one: the cost
//! of the guarantee). The server is DynamoDB Local, started by the bench (or the one at
//! `DYNAMODB_ENDPOINT`).
//!
//! Then the client settings a `Db` could choose, each beside the SDK's defaults (the same
//! hand-written requests on both clients), and scaling: puts and gets at 1 to 32 requests in
//! flight, scans at 1 to 8 segments.
//!
//! `cargo bench --bench e2e`; `E2E_ONLY='batch|update' cargo bench --bench e2e` runs only the
//! workloads (and `settings`, `scaling`) whose names contain one of the parts.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, WriteRequest};
use aws_sdk_dynamodb::Client;
use dynamo_model::local::DynamoDbLocal;
use dynamo_model::prelude::*;
use dynamo_model::BatchPolicy;
use futures::{StreamExt, TryStreamExt};
use tokio::runtime::Runtime;

mod profile;
mod server;

use profile::{hand_from_item, hand_put_request, hand_to_item, profile, s, Profile, ProfileKey};

const IN_FLIGHT: usize = 16;
/// Items read by `get` and changed by `update`.
const USERS: u64 = 5_000;
/// Items in the queried partition; a quarter are filtered out.
const FEED: u64 = 2_000;
const PAGE: u32 = 250;

struct Setup {
    rt: Runtime,
    _local: DynamoDbLocal,
    db: Db,
    client: Client,
    table: Arc<str>,
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
    let table: Arc<str> = db.table_name::<Profile>().into();
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

/// Runs `n` operations, `IN_FLIGHT` at a time, each its own task.
async fn in_flight<F, Fut>(n: u64, op: F)
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    in_flight_at(IN_FLIGHT, n, op).await;
}

/// Runs `n` operations, `at_once` at a time, each its own task.
async fn in_flight_at<F, Fut>(at_once: usize, n: u64, op: F)
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    futures::stream::iter(0..n)
        .map(|i| tokio::spawn(op(i)))
        .buffer_unordered(at_once)
        .for_each(|done| {
            done.expect("an operation panicked");
            std::future::ready(())
        })
        .await;
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

fn batch_items(n: usize) -> Vec<Profile> {
    (0..n)
        .map(|i| Profile {
            pk: format!("batch#{i}"),
            ..profile()
        })
        .collect()
}

fn batch_policy() -> BatchPolicy {
    BatchPolicy {
        concurrency: IN_FLIGHT,
        ..BatchPolicy::default()
    }
}

async fn model_batch(db: &Db, items: &[Profile]) {
    db.batch_put(items)
        .policy(batch_policy())
        .send()
        .await
        .unwrap();
}

/// What a careful user writes: chunks of 25 converted as they are sent, 16 in flight,
/// unprocessed items sent again after a backoff.
async fn sdk_batch(client: &Client, table: &str, items: &[Profile]) {
    futures::stream::iter(0..items.len().div_ceil(25))
        .map(|c| {
            sdk_chunk(
                client,
                table,
                &items[c * 25..((c + 1) * 25).min(items.len())],
            )
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<()>()
        .await;
}

async fn sdk_chunk(client: &Client, table: &str, chunk: &[Profile]) {
    let mut writes: Vec<WriteRequest> = chunk.iter().map(hand_put_request).collect();
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
type Job = std::pin::Pin<Box<dyn Future<Output = ()>>>;

/// One workload, both ways.
struct Workload {
    name: &'static str,
    /// Operations per round.
    per_round: u64,
    rounds: usize,
    ours: Box<dyn Fn(u64) -> Job>,
    hand: Box<dyn Fn(u64) -> Job>,
}

/// A workload of single-item operations: `ours` and `hand` take the operation's number.
fn each<A, B, FA, FB>(name: &'static str, per_round: u64, ours: A, hand: B) -> Workload
where
    A: Fn(u64) -> FA + Clone + 'static,
    B: Fn(u64) -> FB + Clone + 'static,
    FA: Future<Output = ()> + Send + 'static,
    FB: Future<Output = ()> + Send + 'static,
{
    Workload {
        name,
        per_round,
        rounds: ROUNDS,
        ours: Box::new(move |n| Box::pin(in_flight(n, ours.clone()))),
        hand: Box::new(move |n| Box::pin(in_flight(n, hand.clone()))),
    }
}

/// A workload of batch puts of `size` items: batches of 25 run 16 at a time (distinct
/// items), larger ones one at a time with 16 chunks in flight inside.
fn batches(
    setup: &Setup,
    name: &'static str,
    size: usize,
    per_round: u64,
    rounds: usize,
) -> Workload {
    let parallel = if size <= 25 { IN_FLIGHT } else { 1 };
    let items = Arc::new(batch_items(size * parallel));
    let slice = move |items: &Arc<Vec<Profile>>, i: u64| {
        let at = (i as usize % parallel) * size;
        (Arc::clone(items), at..at + size)
    };
    let db = setup.db.clone();
    let (client, table) = (setup.client.clone(), setup.table.clone());
    let ours_items = Arc::clone(&items);
    Workload {
        name,
        per_round,
        rounds,
        ours: Box::new(move |n| {
            let (db, items) = (db.clone(), Arc::clone(&ours_items));
            Box::pin(in_flight(n, move |i| {
                let db = db.clone();
                let (items, range) = slice(&items, i);
                async move { model_batch(&db, &items[range]).await }
            }))
        }),
        hand: Box::new(move |n| {
            let (client, table, items) = (client.clone(), table.clone(), Arc::clone(&items));
            Box::pin(in_flight(n, move |i| {
                let (client, table) = (client.clone(), table.clone());
                let (items, range) = slice(&items, i);
                async move { sdk_batch(&client, &table, &items[range]).await }
            }))
        }),
    }
}

/// A workload of single operations, each its own task owning handles to the client, as a
/// service's request tasks do: `|db, i| ours`, `|client, table, i| hand`, each an expression
/// awaited inside the task.
macro_rules! each {
    ($setup:expr, $name:expr, $per_round:expr,
     |$db:ident, $i:ident| $ours:expr,
     |$client:ident, $table:ident, $j:ident| $hand:expr $(,)?) => {{
        let (db, client, table) = (
            $setup.db.clone(),
            $setup.client.clone(),
            $setup.table.clone(),
        );
        each(
            $name,
            $per_round,
            move |$i| {
                let $db = db.clone();
                async move {
                    std::hint::black_box($ours);
                }
            },
            move |$j| {
                let ($client, $table) = (client.clone(), table.clone());
                async move {
                    std::hint::black_box($hand);
                }
            },
        )
    }};
}

fn workloads(setup: &Setup) -> Vec<Workload> {
    let put = each!(
        setup,
        "put",
        250,
        |db, i| model_put(&db, i).await,
        |client, table, i| sdk_put(&client, &table, i).await,
    );
    let put_nothing = each!(
        setup,
        "put, return_nothing",
        250,
        |db, i| model_put_nothing(&db, i).await,
        |client, table, i| sdk_put(&client, &table, i).await,
    );
    let get = each!(
        setup,
        "get",
        250,
        |db, i| model_get(&db, i).await,
        |client, table, i| sdk_get(&client, &table, i).await,
    );
    // One operation pages through the whole partition: 8 requests, 1,500 items kept.
    let query = each!(
        setup,
        "query (2,000, filtered)",
        2,
        |db, _i| model_query(&db).await,
        |client, table, _i| sdk_query(&client, &table).await,
    );
    let update = each!(
        setup,
        "conditional update",
        250,
        |db, i| model_update(&db, i).await,
        |client, table, i| sdk_update(&client, &table, i).await,
    );
    let exactly_once = each!(
        setup,
        "conditional update, exactly once",
        250,
        |db, i| model_update_exactly_once(&db, i).await,
        |client, table, i| sdk_update(&client, &table, i).await,
    );
    vec![
        put,
        put_nothing,
        get,
        query,
        batches(setup, "batch put, 25 items", 25, 40, ROUNDS),
        batches(setup, "batch put, 1,000 items", 1_000, 1, ROUNDS),
        batches(setup, "batch put, 10,000 items", 10_000, 1, 8),
        batches(setup, "batch put, 100,000 items", 100_000, 1, 3),
        update,
        exactly_once,
    ]
}

const ROUNDS: usize = 24;

/// One workload, both ways: `rounds` rounds of `per_round` operations each, the two sides
/// alternating which goes first so that drift on this shared machine (the server's JIT and
/// GC, other load) falls on both alike. Prints per-operation CPU (median over rounds), the
/// median of the per-round CPU ratios with their spread, and throughput over all rounds.
fn paired(rt: &Runtime, workload: &Workload) {
    let n = workload.per_round;
    let mut cpu = [Vec::new(), Vec::new()];
    let mut wall = [Duration::ZERO; 2];
    for round in 0..workload.rounds {
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
    let mut ratios: Vec<f64> = cpu[0].iter().zip(&cpu[1]).map(|(a, b)| a / b).collect();
    ratios.sort_by(f64::total_cmp);
    let spread = format!(
        "{:.3} ({:.2}-{:.2})",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1]
    );
    let [ours, theirs] = cpu.map(median);
    let ops = (workload.rounds as u64 * n) as f64;
    let (ours_rate, theirs_rate) = (ops / wall[0].as_secs_f64(), ops / wall[1].as_secs_f64());
    println!(
        "{:<34} {:>11} {:>11} {spread:>18}   {ours_rate:>9.1}/s {theirs_rate:>9.1}/s {:>6.3}",
        workload.name,
        human_us(ours),
        human_us(theirs),
        ours_rate / theirs_rate
    );
}

/// Runs each workload paired, after one round of each that is not counted (connections, the
/// server's JIT, caches).
fn run_all(rt: &Runtime, workloads: Vec<Workload>) {
    for workload in &workloads {
        rt.block_on((workload.ours)(workload.per_round));
        rt.block_on((workload.hand)(workload.per_round));
    }
    for workload in &workloads {
        paired(rt, workload);
    }
    println!();
}

/// Microseconds for people.
fn human_us(us: f64) -> String {
    if us >= 1e3 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{us:.1} µs")
    }
}

/// Whether `E2E_ONLY` (parts of names, separated by `|`) selects a workload or section.
fn selected(name: &str) -> bool {
    std::env::var("E2E_ONLY").map_or(true, |only| {
        only.split('|').any(|part| name.contains(part.trim()))
    })
}

/// A parallel scan written by hand: one task per segment, each paging through its segment.
async fn sdk_scan(client: &Client, table: &str, segments: i32) -> usize {
    let tasks = (0..segments).map(|segment| {
        let (client, table) = (client.clone(), table.to_owned());
        tokio::spawn(async move {
            let mut found = 0;
            let mut start = None;
            loop {
                let page = client
                    .scan()
                    .table_name(&table)
                    .segment(segment)
                    .total_segments(segments)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .unwrap();
                for item in page.items.unwrap_or_default() {
                    std::hint::black_box(hand_from_item(item).unwrap());
                    found += 1;
                }
                start = page.last_evaluated_key;
                if start.is_none() {
                    return found;
                }
            }
        })
    });
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|n| n.unwrap())
        .sum()
}

async fn model_scan(db: &Db, segments: u32) -> usize {
    db.scan::<Profile>()
        .segments(segments)
        .stream()
        .map(|item| {
            std::hint::black_box(item.unwrap());
        })
        .count()
        .await
}

/// Throughput and client CPU of both sides at one setting: `rounds` alternated rounds of
/// `job(side)`, each doing `ops` operations. Returns (ops/s, CPU µs per op) per side.
fn at_setting(
    rt: &Runtime,
    rounds: usize,
    ops: u64,
    job: impl Fn(usize) -> Job,
) -> [(f64, f64); 2] {
    let mut wall = [Duration::ZERO; 2];
    let mut cpu = [Duration::ZERO; 2];
    for round in 0..rounds {
        for side in [round % 2, 1 - round % 2] {
            let (started, cpu_started) = (Instant::now(), cpu_time());
            rt.block_on(job(side));
            wall[side] += started.elapsed();
            cpu[side] += cpu_time() - cpu_started;
        }
    }
    let total = (rounds as u64 * ops) as f64;
    [0, 1].map(|side| {
        (
            total / wall[side].as_secs_f64(),
            cpu[side].as_secs_f64() * 1e6 / total,
        )
    })
}

fn print_setting(label: &str, [ours, hand]: [(f64, f64); 2]) {
    println!(
        "{label:<28} {:>10.0}/s {:>10.0}/s {:>6.3}   {:>11} {:>11}",
        ours.0,
        hand.0,
        ours.0 / hand.0,
        human_us(ours.1),
        human_us(hand.1)
    );
}

/// Where the client stops being the limit: puts and gets at 1 to 32 requests in flight, and
/// scans of the whole table at 1 to 8 segments, both sides alternated.
fn scaling(setup: &Setup) {
    let Setup {
        rt,
        db,
        client,
        table,
        ..
    } = setup;
    println!(
        "\nscaling: throughput dynamo-model, hand-written, ratio; client CPU per operation (3 alternated rounds per setting)"
    );
    for at_once in [1usize, 2, 4, 8, 16, 32] {
        let ops = 100 * at_once.min(8) as u64;
        let put = at_setting(rt, 3, ops, |side| {
            let (db, client, table) = (db.clone(), client.clone(), table.clone());
            if side == 0 {
                Box::pin(in_flight_at(at_once, ops, move |i| {
                    let db = db.clone();
                    async move { model_put_nothing(&db, i).await }
                }))
            } else {
                Box::pin(in_flight_at(at_once, ops, move |i| {
                    let (client, table) = (client.clone(), table.clone());
                    async move { sdk_put(&client, &table, i).await }
                }))
            }
        });
        print_setting(&format!("put, {at_once} in flight"), put);
    }
    for at_once in [1usize, 2, 4, 8, 16, 32] {
        let ops = 200 * at_once.min(8) as u64;
        let get = at_setting(rt, 3, ops, |side| {
            let (db, client, table) = (db.clone(), client.clone(), table.clone());
            if side == 0 {
                Box::pin(in_flight_at(at_once, ops, move |i| {
                    let db = db.clone();
                    async move {
                        std::hint::black_box(model_get(&db, i).await);
                    }
                }))
            } else {
                Box::pin(in_flight_at(at_once, ops, move |i| {
                    let (client, table) = (client.clone(), table.clone());
                    async move {
                        std::hint::black_box(sdk_get(&client, &table, i).await);
                    }
                }))
            }
        });
        print_setting(&format!("get, {at_once} in flight"), get);
    }
    let items = rt.block_on(model_scan(db, 1));
    assert_eq!(items, rt.block_on(sdk_scan(client, table, 1)));
    for segments in [1u32, 2, 4, 8] {
        let scan = at_setting(rt, 3, items as u64, |side| {
            let (db, client, table) = (db.clone(), client.clone(), table.clone());
            if side == 0 {
                Box::pin(async move {
                    assert_eq!(model_scan(&db, segments).await, items);
                })
            } else {
                Box::pin(async move {
                    assert_eq!(sdk_scan(&client, &table, segments as i32).await, items);
                })
            }
        });
        print_setting(&format!("scan items, {segments} segments"), scan);
    }
    println!("(scans read the whole table: {items} items)\n");
}

/// The SDK settings a `Db` could choose, each against the SDK's defaults: the same
/// hand-written get (and put) on a client with one setting changed (first side) and on the
/// default client (second side), paired as the workloads are.
fn settings(setup: &Setup) -> Vec<Workload> {
    use aws_sdk_dynamodb::config::retry::RetryConfig;
    use aws_sdk_dynamodb::config::{IdentityCache, StalledStreamProtectionConfig};
    let default = setup.client.clone();
    let changed =
        |change: fn(aws_sdk_dynamodb::config::Builder) -> aws_sdk_dynamodb::config::Builder| {
            Client::from_conf(change(default.config().to_builder()).build())
        };
    let variants: [(&'static str, &'static str, Client); 3] = [
        (
            "get, stalled-stream protection off",
            "put, stalled-stream protection off",
            changed(|b| b.stalled_stream_protection(StalledStreamProtectionConfig::disabled())),
        ),
        (
            "get, no identity cache",
            "put, no identity cache",
            changed(|b| b.identity_cache(IdentityCache::no_cache())),
        ),
        (
            "get, SDK retries off",
            "put, SDK retries off",
            changed(|b| b.retry_config(RetryConfig::disabled())),
        ),
    ];
    let table = setup.table.clone();
    let get_on = |client: Client| {
        let table = table.clone();
        move |i: u64| {
            let (client, table) = (client.clone(), table.clone());
            async move {
                std::hint::black_box(sdk_get(&client, &table, i).await);
            }
        }
    };
    let put_on = |client: Client| {
        let table = table.clone();
        move |i: u64| {
            let (client, table) = (client.clone(), table.clone());
            async move { sdk_put(&client, &table, i).await }
        }
    };
    variants
        .into_iter()
        .flat_map(|(get, put, client)| {
            [
                each(get, 250, get_on(client.clone()), get_on(default.clone())),
                each(put, 250, put_on(client), put_on(default.clone())),
            ]
        })
        .collect()
}

fn main() {
    let setup = setup();
    check_equivalence(&setup);
    let rt = &setup.rt;
    let workloads: Vec<Workload> = workloads(&setup)
        .into_iter()
        .filter(|w| selected(w.name))
        .collect();
    println!(
        "\nclient CPU per operation (median of rounds), ratio (median of per-round ratios, lowest-highest) and throughput, dynamo-model vs hand-written, {IN_FLIGHT} in flight, each operation its own task"
    );
    println!(
        "{:<34} {:>11} {:>11} {:>18}   {:>11} {:>11} {:>6}",
        "workload", "ours", "hand", "CPU ratio", "ours", "hand", "ratio"
    );
    run_all(rt, workloads);
    if selected("settings") {
        println!(
            "client settings: the same hand-written request on a client with one setting changed (first) and with the SDK's defaults (second)"
        );
        run_all(rt, settings(&setup));
    }
    if selected("scaling") {
        scaling(&setup);
    }
    rt.block_on(setup.db.delete_table::<Profile>().send())
        .unwrap();
}
