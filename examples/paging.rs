//! Measures paging on DynamoDB Local: a query over N items (DynamoDB pages at 1 MB), a plain
//! versus a 4-segment parallel scan, and peak memory while streaming versus collecting.
//!
//! `cargo run --release --example paging -- 50000` (default 50,000 items of ~200 bytes).

use std::time::Instant;

use dynamo_model::local::DynamoDbLocal;
use dynamo_model::prelude::*;
use dynamo_model::Capacity;
use futures::{StreamExt, TryStreamExt};

#[derive(Model, Debug, Clone)]
#[dynamo(table = "paging_events")]
struct Event {
    #[dynamo(hash_key)]
    stream: String,
    #[dynamo(range_key)]
    seq: u32,
    kind: String,
    body: String,
}

/// The process's peak resident set so far (Linux), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let local = DynamoDbLocal::start().await?;
    let db = local.db();
    db.create_table::<Event>().if_not_exists().send().await?;

    let started = Instant::now();
    let db_ref = &db;
    futures::stream::iter(0..n)
        .map(|seq| async move {
            let event = Event {
                stream: "s".into(),
                seq,
                kind: if seq % 100 == 0 { "rare" } else { "common" }.into(),
                body: format!("{seq:0>180}"),
            };
            db_ref.put(&event).return_nothing().send().await
        })
        .buffer_unordered(64)
        .try_collect::<Vec<()>>()
        .await?;
    println!(
        "seeded {n} items in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let peak_after_seeding = peak_rss_mib();

    // Streaming: one DynamoDB page in memory at a time.
    let meter = Capacity::new();
    let started = Instant::now();
    let streamed = db
        .query::<Event>()
        .hash("s")
        .capacity(&meter)
        .stream()
        .try_fold(0usize, |count, _| async move { Ok(count + 1) })
        .await?;
    let stream_secs = started.elapsed().as_secs_f64();
    let peak_after_stream = peak_rss_mib();
    println!(
        "query stream: {streamed} items in {stream_secs:.2}s ({:.0} items/s), {} DynamoDB pages, {:.0} read units",
        streamed as f64 / stream_secs,
        meter.requests(),
        meter.units()
    );

    // A filtered query with a limit: exactly 50 matches per page.
    let started = Instant::now();
    let (mut pages, mut matched, mut start) = (0, 0, None);
    loop {
        let mut query = db
            .query::<Event>()
            .hash("s")
            .filter(Event::KIND.eq("rare"))
            .limit(50);
        if let Some(cursor) = start.take() {
            query = query.start_after(cursor);
        }
        let page = query.send().await?;
        pages += 1;
        matched += page.items.len();
        match page.next {
            Some(next) => start = Some(next),
            None => break,
        }
    }
    println!(
        "filtered pages of 50: {matched} matches in {pages} pages, {:.2}s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let plain = db.scan::<Event>().count().await?;
    let plain_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let parallel = db
        .scan::<Event>()
        .segments(4)
        .stream()
        .try_fold(0usize, |c, _| async move { Ok(c + 1) })
        .await?;
    let parallel_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let sequential = db
        .scan::<Event>()
        .stream()
        .try_fold(0usize, |c, _| async move { Ok(c + 1) })
        .await?;
    let sequential_secs = started.elapsed().as_secs_f64();
    println!(
        "scan: count {plain} in {plain_secs:.2}s; read {sequential} items in {sequential_secs:.2}s plain, {parallel} in {parallel_secs:.2}s with 4 segments"
    );

    // Collecting: every item in memory at once.
    let started = Instant::now();
    let all = db.query::<Event>().hash("s").all().await?;
    let all_secs = started.elapsed().as_secs_f64();
    let peak_after_all = peak_rss_mib();
    println!("query all: {} items in {all_secs:.2}s", all.len());
    drop(all);
    println!(
        "peak RSS: {peak_after_seeding:.1} MiB after seeding, {peak_after_stream:.1} MiB after streaming {streamed} items, {peak_after_all:.1} MiB after collecting them"
    );
    db.delete_table::<Event>().send().await?;
    Ok(())
}
