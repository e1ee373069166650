//! BatchWriteItem and BatchGetItem for any number of items: chunked, run with bounded
//! concurrency, unprocessed items retried with backoff, and whatever is still unprocessed
//! reported, never dropped.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;

pub use crate::error::{UnprocessedKey, UnprocessedWrite};
use crate::schema::Schema;
use crate::value::Item;

mod get;
mod write;

pub use get::{BatchGet, BatchGetOutput};
pub use write::BatchWrite;

/// How far a batch has got: reported after each chunk by the callback given to
/// [`BatchWrite::on_progress`] or [`BatchGet::on_progress`]. Counts are of writes (or keys)
/// since the batch started; chunks still run `concurrency` at a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchProgress {
    /// Writes applied (keys read) so far.
    pub done: usize,
    /// Writes (keys) sent again so far, after DynamoDB left them unprocessed or a request
    /// failed (one write sent three times counts twice).
    pub retried: usize,
    /// Writes (keys) given up after the retry budget: the batch's error lists them.
    pub unprocessed: usize,
    /// BatchWriteItem (BatchGetItem) requests sent so far, retries included.
    pub requests: usize,
}

/// A batch's progress callback.
pub(crate) type OnProgress<'a> = Box<dyn FnMut(&BatchProgress) + Send + 'a>;

/// What the chunks of a batch count as they run (they run concurrently), and the caller's
/// capacity meter.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: std::sync::atomic::AtomicUsize,
    pub(crate) retried: std::sync::atomic::AtomicUsize,
    pub(crate) meter: Option<crate::capacity::Capacity>,
}

impl Counters {
    /// What a request asks for: totals when metered or when its span is recorded.
    pub(crate) fn capacity_asked(
        &self,
        span: &tracing::Span,
    ) -> Option<aws_sdk_dynamodb::types::ReturnConsumedCapacity> {
        (self.meter.is_some() || !span.is_disabled())
            .then_some(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
    }

    /// Adds a response's capacity (one entry per table) to the meter.
    pub(crate) fn consumed(&self, consumed: &[aws_sdk_dynamodb::types::ConsumedCapacity]) {
        crate::capacity::record_all(self.meter.as_ref(), consumed);
    }

    pub(crate) fn sent(&self, retried: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.requests.fetch_add(1, Relaxed);
        if retried > 0 {
            self.retried.fetch_add(retried, Relaxed);
        }
    }

    pub(crate) fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Adds a finished chunk (`done` writes done, `left` given up) and reports.
    pub(crate) fn report(
        &self,
        progress: &mut BatchProgress,
        on_progress: &mut Option<OnProgress<'_>>,
        done: usize,
        left: usize,
    ) {
        if let Some(on_progress) = on_progress {
            progress.done += done;
            progress.unprocessed += left;
            progress.requests = self.requests();
            progress.retried = self.retried.load(std::sync::atomic::Ordering::Relaxed);
            on_progress(progress);
        }
    }
}

/// DynamoDB's limit of write requests per BatchWriteItem.
pub const MAX_BATCH_WRITE: usize = 25;
/// DynamoDB's limit of keys per BatchGetItem.
pub const MAX_BATCH_GET: usize = 100;

/// How batches retry, and how many chunks run at once.
///
/// A batch get spends one budget per chunk on everything that leaves keys unread: keys DynamoDB
/// returns unprocessed, throttling, server errors and lost connections; so does a batch write (a
/// put or delete applied twice stores what it stored once, so resending one that may have been
/// applied is safe; each write left over says whether it may have been).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPolicy {
    /// Requests per chunk, retries included (at least 1).
    pub max_attempts: u32,
    /// The first backoff; each retry doubles it, up to `max_backoff`, with full jitter.
    pub base_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// No retry starts after this long since the chunk's first request.
    pub max_elapsed: Duration,
    /// How many chunks are in flight at once. A batch write sends its chunks in order and
    /// starts one only when the chunk this many places before it is done: this is also the
    /// window within which two writes to one key are refused (see [`BatchWrite`]).
    pub concurrency: usize,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy {
            max_attempts: 10,
            base_backoff: Duration::from_millis(25),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(60),
            concurrency: 8,
        }
    }
}

impl BatchPolicy {
    /// Full jitter: a random wait between 0 and `min(max, base * 2^attempt)`.
    /// Waits before attempt `attempt` of a chunk started at `started` (not before the first);
    /// `false` when the wait would go past `max_elapsed`: the budget is spent.
    async fn pause(&self, attempt: u32, started: std::time::Instant) -> bool {
        if attempt == 0 {
            return true;
        }
        let wait = self.backoff(attempt - 1);
        if started.elapsed() + wait > self.max_elapsed {
            return false;
        }
        tokio::time::sleep(wait).await;
        true
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .base_backoff
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        cap.mul_f64(crate::random::unit())
    }
}

/// Canonical text of a key, to find duplicates and match items back to keys.
pub(crate) fn key_text(schema: &Schema, item: &Item) -> String {
    let mut text = String::new();
    for key in std::iter::once(schema.hash_key).chain(schema.range_key) {
        if let Some(value) = item.get(key.name) {
            text.push_str(key.name);
            // Keys are S, N or B; the type letter keeps "1" (N) and "1" (S) apart.
            match value {
                AttributeValue::S(s) => {
                    text.push_str("=S:");
                    text.push_str(s);
                }
                AttributeValue::N(n) => {
                    text.push_str("=N:");
                    text.push_str(n);
                }
                other => text.push_str(&format!("={other:?}")),
            }
            text.push('\0');
        }
    }
    text
}

/// A key's text for messages: `sensor=S:s1, at=N:5`.
pub(crate) fn key_display(text: &str) -> String {
    text.trim_end_matches('\0').replace('\0', ", ")
}
