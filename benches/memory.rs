//! Memory: peak resident set size of this process while streaming a query of 1,000 and of
//! 100,000 items, while collecting the 100,000 into a `Vec`, and while writing 1,000 and
//! 100,000 items with `batch_put` (the items built before the phase starts: the figure is what
//! the batch holds beyond its input). DynamoDB Local runs in its own process, so the figures
//! are the client's alone.
//!
//! Each phase starts from a trimmed heap (`malloc_trim`) with the peak reset (`5` written to
//! `/proc/self/clear_refs`), so its peak is its own. Linux only.
//!
//! Beside the resident set, the peak of the bytes the program holds allocated (counted by the
//! global allocator): what the phase itself holds, without what the allocator keeps of freed
//! memory or the pages the system lends it, which at a few hundred kilobytes is most of a
//! resident-set difference.
//!
//! `cargo bench --bench memory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use dynamo_model::prelude::*;
use futures::{StreamExt, TryStreamExt};

mod server;

/// About 200 bytes stored.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "events")]
struct Event {
    #[dynamo(hash_key)]
    stream: String,
    #[dynamo(range_key)]
    seq: u32,
    kind: String,
    payload: String,
    amount: u64,
}

fn event(stream: &str, seq: u32) -> Event {
    Event {
        stream: stream.to_owned(),
        seq,
        kind: "order.created".into(),
        payload: format!("{seq:0>150}"),
        amount: u64::from(seq) * 7,
    }
}

/// The system allocator, counting the bytes held and their peak.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = HELD.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed to the system allocator unchanged; only the counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        unsafe { System.dealloc(block, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if !moved.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Restarts the peak of held bytes from what is held now, and returns it.
fn reset_heap_peak() -> usize {
    let now = HELD.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// Returns freed memory to the system and restarts the peak from the current size.
fn reset_peak() -> u64 {
    // SAFETY: malloc_trim only releases free heap memory.
    unsafe { libc::malloc_trim(0) };
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
    status_kib("VmRSS:")
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn mib_of_bytes(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// What one phase used: its peak RSS (KiB), the RSS over its start (KiB), and the peak of the
/// bytes held over its start.
struct Phase {
    peak: u64,
    over_start: u64,
    held: usize,
}

/// Runs `run` from a trimmed heap with both peaks reset, prints its row, and returns what it
/// used; `run` returns the number of items it handled.
fn phase(label: &str, run: impl FnOnce() -> usize) -> Phase {
    let start = reset_peak();
    let held_at_start = reset_heap_peak();
    let items = run();
    let peak = status_kib("VmHWM:");
    let used = Phase {
        peak,
        over_start: peak - start,
        held: PEAK.load(Ordering::Relaxed) - held_at_start,
    };
    println!(
        "{label:<32} {items:>8} {:>10.1} {:>+10.1} {:>+10.2}",
        mib(used.peak),
        mib(used.over_start),
        mib_of_bytes(used.held)
    );
    used
}

fn main() {
    let (rt, _local, db) = server::start("memory");
    rt.block_on(async {
        db.create_table::<Event>().send().await.unwrap();
        let small: Vec<Event> = (0..1_000).map(|i| event("small", i)).collect();
        db.batch_put(&small).send().await.unwrap();
        let medium: Vec<Event> = (0..10_000).map(|i| event("medium", i)).collect();
        db.batch_put(&medium).send().await.unwrap();
        // Written in slices, so that the seed data is not one more 100,000-item Vec.
        for start in (0..100_000).step_by(10_000) {
            let slice: Vec<Event> = (start..start + 10_000).map(|i| event("large", i)).collect();
            db.batch_put(&slice).send().await.unwrap();
        }
    });

    println!(
        "\npeak RSS of the client (MiB), DynamoDB Local in another process; peak of the bytes held (MiB) over the phase's start"
    );
    println!(
        "{:<32} {:>8} {:>10} {:>10} {:>10}",
        "phase", "items", "peak", "over start", "held"
    );
    let mut peaks = Vec::new();
    // DynamoDB pages hold up to 1 MB (about 5,000 of these items); the SDK parses a whole page
    // at once, so a page bounds what streaming holds.
    for (label, stream, page_size, collect) in [
        ("stream 1,000", "small", None, false),
        ("stream 10,000", "medium", None, false),
        ("stream 100,000", "large", None, false),
        (
            "stream 100,000, pages of 1,000",
            "large",
            Some(1_000),
            false,
        ),
        ("collect 100,000 into a Vec", "large", None, true),
    ] {
        let used = phase(label, || {
            rt.block_on(async {
                let mut query = db.query::<Event>().hash(stream);
                if let Some(size) = page_size {
                    query = query.page_size(size);
                }
                let query = query.stream();
                if collect {
                    let all: Vec<Event> = query.try_collect().await.unwrap();
                    all.len()
                } else {
                    query
                        .map(|item| std::hint::black_box(item.unwrap()))
                        .fold(0, |n, _| async move { n + 1 })
                        .await
                }
            })
        });
        peaks.push(used.peak);
    }
    println!(
        "peak, streaming 100,000 / 10,000: {:.2}x; / 1,000: {:.2}x; in pages of 1,000 / 1,000: {:.2}x; collecting / streaming 100,000: {:.2}x\n",
        peaks[2] as f64 / peaks[1] as f64,
        peaks[2] as f64 / peaks[0] as f64,
        peaks[3] as f64 / peaks[0] as f64,
        peaks[4] as f64 / peaks[2] as f64
    );
    // Batch writes: the input exists before the phase; what is measured is the batch's own.
    let mut batch_peaks = Vec::new();
    let mut batch_held = Vec::new();
    for (label, n, check_all_first) in [
        ("batch_put 1,000", 1_000, false),
        ("batch_put 100,000", 100_000, false),
        ("batch_put 100,000, check_all_first", 100_000, true),
    ] {
        let items: Vec<Event> = (0..n).map(|i| event("batch", i)).collect();
        let used = phase(label, || {
            rt.block_on(async {
                let batch = db.batch_put(&items);
                let batch = if check_all_first {
                    batch.check_all_first()
                } else {
                    batch
                };
                batch.send().await.unwrap();
            });
            items.len()
        });
        batch_peaks.push(used.over_start);
        batch_held.push(used.held);
        drop(items);
    }
    println!(
        "batch_put beyond its input, 100,000 / 1,000 items: RSS {:.2}x, held {:.2}x; checking all first: RSS {:.2}x, held {:.2}x\n",
        batch_peaks[1] as f64 / batch_peaks[0] as f64,
        batch_held[1] as f64 / batch_held[0] as f64,
        batch_peaks[2] as f64 / batch_peaks[0] as f64,
        batch_held[2] as f64 / batch_held[0] as f64
    );
    rt.block_on(db.delete_table::<Event>().send()).unwrap();
}
