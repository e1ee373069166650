//! BatchWriteItem and BatchGetItem for any number of items: chunked, run with bounded
//! concurrency, unprocessed items retried with backoff, and whatever is still unprocessed
//! reported, never dropped.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};
use futures::stream::{self, StreamExt};

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;

use crate::db::Db;
use crate::error::{sdk_outcome, AttrError, Error, Outcome, Result};
pub use crate::error::{UnprocessedKey, UnprocessedWrite};
use crate::model::{Model, PrimaryKey, Unversioned};
use crate::pipeline::write::{prepare, WriteKind};
use crate::schema::Schema;
use crate::timestamp::Timestamp;
use crate::value::Item;

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
    /// How many chunks are in flight at once.
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
    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .base_backoff
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        cap.mul_f64(crate::op::retry::random_unit())
    }
}

/// A put whose item is built when its chunk is: the model behind a reference, type-erased, so
/// that a batch holds one pointer per item until it sends it rather than the converted item.
trait PutSource: Sync {
    fn schema(&self) -> &'static Schema;
    /// The item to store, through the write pipeline (validation, conversion, version,
    /// timestamps, limits).
    fn prepared(&self, now: Timestamp) -> Result<Item>;
}

impl<M: Model + Sync> PutSource for M {
    fn schema(&self) -> &'static Schema {
        M::SCHEMA
    }

    fn prepared(&self, now: Timestamp) -> Result<Item> {
        prepare(self, WriteKind::Unchecked, now).map(|prepared| prepared.item)
    }
}

/// A write of the batch, as added.
enum Pending<'a> {
    Put(&'a dyn PutSource),
    /// A key is small: converted when added.
    Delete(Box<(&'static Schema, Item)>),
}

impl Pending<'_> {
    fn schema(&self) -> &'static Schema {
        match self {
            Pending::Put(source) => source.schema(),
            Pending::Delete(delete) => delete.0,
        }
    }

    fn request(&self, now: Timestamp) -> Result<WriteRequest> {
        Ok(match self {
            Pending::Put(source) => {
                let put = PutRequest::builder()
                    .set_item(Some(source.prepared(now)?))
                    .build()
                    .map_err(crate::op::built)?;
                WriteRequest::builder().put_request(put).build()
            }
            Pending::Delete(delete) => {
                let delete = DeleteRequest::builder()
                    .set_key(Some(delete.1.clone()))
                    .build()
                    .map_err(crate::op::built)?;
                WriteRequest::builder().delete_request(delete).build()
            }
        })
    }

    /// The key it writes, built again: for the rare paths (a chunk that failed outright, a
    /// fingerprint seen before) that need the key of a write no longer held.
    fn key(&self, now: Timestamp) -> Item {
        let schema = self.schema();
        match self {
            // It was converted once already; the same value converts the same way.
            Pending::Put(source) => source
                .prepared(now)
                .map(|item| key_of(schema, &item))
                .unwrap_or_default(),
            Pending::Delete(delete) => delete.1.clone(),
        }
    }
}

/// The attributes a put or delete request writes under (a put's item, a delete's key).
fn attributes(request: &WriteRequest) -> Option<&Item> {
    match (request.put_request(), request.delete_request()) {
        (Some(put), _) => Some(&put.item),
        (None, Some(delete)) => Some(&delete.key),
        (None, None) => None,
    }
}

/// The key attributes of an item.
fn key_of(schema: &Schema, item: &Item) -> Item {
    std::iter::once(schema.hash_key)
        .chain(schema.range_key)
        .filter_map(|key| Some((key.name.to_owned(), item.get(key.name)?.clone())))
        .collect()
}

/// A hash of the table and key of `item`, for finding duplicates without keeping every key.
fn fingerprint(state: &RandomState, table: &str, schema: &Schema, item: &Item) -> u64 {
    let mut hasher = state.build_hasher();
    table.hash(&mut hasher);
    for key in std::iter::once(schema.hash_key).chain(schema.range_key) {
        match item.get(key.name) {
            Some(AttributeValue::S(s)) => (0u8, s.as_bytes()).hash(&mut hasher),
            Some(AttributeValue::N(n)) => (1u8, n.as_bytes()).hash(&mut hasher),
            Some(AttributeValue::B(b)) => (2u8, b.as_ref()).hash(&mut hasher),
            Some(_) => 3u8.hash(&mut hasher),
            None => 4u8.hash(&mut hasher),
        }
    }
    hasher.finish()
}

/// The writes seen so far, by fingerprint of table and key: 16 bytes a write. Two writes with
/// one fingerprint are compared by their keys, built again.
#[derive(Default)]
struct Seen {
    hasher: RandomState,
    first: HashMap<u64, usize>,
    /// Later writes whose fingerprint an earlier, different key has (all but never).
    more: Vec<(u64, usize)>,
}

/// One chunk of at most 25 writes, built and checked, ready to send.
struct Chunk {
    /// The place of its first write in the batch.
    start: usize,
    len: usize,
    requests: HashMap<String, Vec<WriteRequest>>,
    /// Its tables (with any prefix) and their schemas, to name the keys of writes left over.
    tables: Vec<(String, &'static Schema)>,
}

impl Chunk {
    fn schema(&self, table: &str) -> Option<&'static Schema> {
        self.tables
            .iter()
            .find(|(name, _)| name == table)
            .map(|(_, schema)| *schema)
    }
}

/// Builds a batch's chunks in order, checking each write as its chunk is built, and notes the
/// write that stops it.
struct Chunker<'b, 'a> {
    db: &'b Db,
    writes: &'b [Pending<'a>],
    now: Timestamp,
    /// The first write not yet in a chunk.
    next: usize,
    seen: Seen,
    /// The write that was refused, and why.
    stopped: Option<(usize, Error)>,
}

impl<'b, 'a> Chunker<'b, 'a> {
    fn new(db: &'b Db, writes: &'b [Pending<'a>], now: Timestamp) -> Self {
        Chunker {
            db,
            writes,
            now,
            next: 0,
            seen: Seen::default(),
            stopped: None,
        }
    }

    /// The next chunk; `None` after the last, or once a write was refused.
    fn next_chunk(&mut self) -> Option<Chunk> {
        if self.stopped.is_some() || self.next >= self.writes.len() {
            return None;
        }
        let start = self.next;
        let end = (start + MAX_BATCH_WRITE).min(self.writes.len());
        let chunk = self.build(start, end)?;
        self.next = end;
        Some(chunk)
    }

    /// Every chunk, or the first refusal.
    fn all(mut self) -> Result<Vec<Chunk>> {
        let chunks: Vec<Chunk> = std::iter::from_fn(|| self.next_chunk()).collect();
        match self.stopped {
            Some((_, error)) => Err(error),
            None => Ok(chunks),
        }
    }

    /// The chunk of writes `start..end`; `None` when one is refused (noted in `stopped`).
    fn build(&mut self, start: usize, end: usize) -> Option<Chunk> {
        let mut groups: Vec<(&'static Schema, Vec<WriteRequest>)> = Vec::new();
        for index in start..end {
            let write = &self.writes[index];
            let schema = write.schema();
            let checked = write
                .request(self.now)
                .and_then(|request| self.check_key(index, schema, &request).map(|()| request));
            let request = match checked {
                Ok(request) => request,
                Err(error) => {
                    self.stopped = Some((index, error));
                    return None;
                }
            };
            // Grouped by table (models may share one); a chunk has few.
            match groups.iter_mut().find(|(s, _)| s.table == schema.table) {
                Some((_, requests)) => requests.push(request),
                None => {
                    let mut requests = Vec::with_capacity(end - index);
                    requests.push(request);
                    groups.push((schema, requests));
                }
            }
        }
        let mut requests = HashMap::with_capacity(groups.len());
        let mut tables = Vec::with_capacity(groups.len());
        for (schema, group) in groups {
            let table = self.db.table_name_for(schema.table);
            tables.push((table.clone(), schema));
            requests.insert(table, group);
        }
        Some(Chunk {
            start,
            len: end - start,
            requests,
            tables,
        })
    }

    /// Refuses a write without its hash key, and a second write to a key in the batch: in one
    /// request DynamoDB refuses it, and across requests sent at once the order they apply in
    /// is not defined.
    fn check_key(
        &mut self,
        index: usize,
        schema: &'static Schema,
        request: &WriteRequest,
    ) -> Result<()> {
        let Some(item) = attributes(request).filter(|item| item.contains_key(schema.hash_key.name))
        else {
            return Err(AttrError::missing("a key value")
                .in_attribute(schema.hash_key.name)
                .into());
        };
        let print = fingerprint(&self.seen.hasher, schema.table, schema, item);
        let Some(&earlier) = self.seen.first.get(&print) else {
            self.seen.first.insert(print, index);
            return Ok(());
        };
        let candidates = std::iter::once(earlier).chain(
            self.seen
                .more
                .iter()
                .filter(|(p, _)| *p == print)
                .map(|(_, at)| *at),
        );
        let text = key_text(schema, item);
        for at in candidates {
            let other = &self.writes[at];
            if other.schema().table == schema.table
                && key_text(other.schema(), &other.key(self.now)) == text
            {
                let table = self.db.table_name_for(schema.table);
                return Err(Error::InvalidRequest {
                    message: format!(
                        "the batch writes the key {} of table `{table}` twice (writes {at} and {index}); DynamoDB refuses duplicate keys in one request, and across requests the order they apply in is not defined",
                        key_display(&text)
                    ),
                });
            }
        }
        self.seen.more.push((print, index));
        Ok(())
    }
}

/// Canonical text of a key, to find duplicates and match items back to keys.
fn key_text(schema: &Schema, item: &Item) -> String {
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
fn key_display(text: &str) -> String {
    text.trim_end_matches('\0').replace('\0', ", ")
}

/// Puts and deletes across any models and tables, in chunks of 25. Built by
/// [`Db::batch_write`], [`Db::batch_put`] and [`Db::batch_delete`].
///
/// Every item goes through the write pipeline (validation, transforms, timestamps, limits) and
/// every key is checked for a second write to it in the batch (which DynamoDB refuses in one
/// request, and whose order across requests is not defined).
///
/// **When items are checked.** A batch holds a reference to each item and converts it when its
/// chunk is built, just before the chunk is sent, so its memory is bounded by the chunks in
/// flight, not by the size of the batch. The first `concurrency` chunks ([`BatchPolicy`]; 200
/// writes by default) are built and checked before anything is sent: a batch that fits in them
/// is refused whole, with the error of the write that failed (validation, a limit, a duplicate
/// key), and nothing is written. In a larger batch, a write refused later stops it:
/// [`Error::BatchStopped`] says which write, which writes were sent (every write before the
/// chunk holding it: `0..sent`, those not done listed), and that no write from `sent` on was.
/// [`BatchWrite::check_all_first`] checks every write before sending any, holding every
/// converted item at once.
///
/// BatchWriteItem carries no conditions, so a batch cannot keep optimistic locking: `put`
/// takes only models without a version attribute ([`Unversioned`], checked at compile time),
/// and [`BatchWrite::put_unchecked`] puts a versioned item on explicit request, storing its
/// version + 1 without checking what is stored.
#[must_use = "a request does nothing until `.send().await`"]
pub struct BatchWrite<'a> {
    db: &'a Db,
    writes: Vec<Pending<'a>>,
    error: Option<Error>,
    policy: BatchPolicy,
    check_all_first: bool,
}

impl<'a> BatchWrite<'a> {
    pub(crate) fn new(db: &'a Db) -> Self {
        BatchWrite {
            db,
            writes: Vec::new(),
            error: None,
            policy: BatchPolicy::default(),
            check_all_first: false,
        }
    }

    /// Adds a put of `item` (replacing any item with its key). Versioned models do not
    /// compile here: a batch cannot check a version (see [`BatchWrite::put_unchecked`]).
    pub fn put<M: Unversioned + Sync>(mut self, item: &'a M) -> Self {
        self.writes.push(Pending::Put(item));
        self
    }

    /// Adds a put of a versioned `item` without checking the stored version, which a batch
    /// cannot do: it stores the item's version + 1 and overwrites whatever is stored, even an
    /// item another writer changed since this one was read. Use it for imports and migrations;
    /// for concurrent writers use [`Db::put`] or a transaction.
    pub fn put_unchecked<M: Model + Sync>(mut self, item: &'a M) -> Self {
        self.writes.push(Pending::Put(item));
        self
    }

    /// Adds a delete of the item with `key`.
    pub fn delete<K: PrimaryKey>(mut self, key: K) -> Self {
        match key.to_item() {
            Ok(item) => self
                .writes
                .push(Pending::Delete(Box::new((K::Model::SCHEMA, item)))),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Retries, backoff and concurrency (see [`BatchPolicy`]).
    pub fn policy(mut self, policy: BatchPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Checks every write (validation, limits, duplicate keys) before sending any, so that a
    /// refused write anywhere leaves nothing written. The price: every converted item is held
    /// at once, and memory grows with the batch.
    pub fn check_all_first(mut self) -> Self {
        self.check_all_first = true;
        self
    }

    /// The BatchWriteItem requests this would send, one per chunk of 25 writes, in order,
    /// without sending them.
    pub fn request(&self) -> Result<Vec<BatchWriteItemInput>> {
        if let Some(error) = &self.error {
            return Err(error.replay());
        }
        Chunker::new(self.db, &self.writes, Timestamp::now())
            .all()?
            .into_iter()
            .map(|chunk| {
                BatchWriteItemInput::builder()
                    .set_request_items(Some(chunk.requests))
                    .build()
                    .map_err(crate::op::built)
            })
            .collect()
    }

    /// Sends every chunk. Fails with [`Error::Unprocessed`] holding exactly the writes that
    /// were not done after the retry budget (or when a chunk failed outright), and with
    /// [`Error::BatchStopped`] when a write was refused after earlier chunks were sent (see
    /// [`BatchWrite`]).
    pub async fn send(self) -> Result<()> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let (db, policy) = (self.db, self.policy);
        let concurrency = policy.concurrency.max(1);
        let writes = &self.writes[..];
        let mut chunker = Chunker::new(db, writes, Timestamp::now());
        // The first wave is built before anything is sent: a batch that fits in it is checked
        // whole, and refused whole.
        let wave = if self.check_all_first {
            usize::MAX
        } else {
            concurrency
        };
        let first: Vec<Chunk> = std::iter::from_fn(|| chunker.next_chunk())
            .take(wave)
            .collect();
        if let Some((_, error)) = chunker.stopped.take() {
            return Err(error);
        }
        let now = chunker.now;
        let outcomes: Vec<(Vec<UnprocessedWrite>, Option<Error>)> = stream::iter(
            first
                .into_iter()
                .chain(std::iter::from_fn(|| chunker.next_chunk())),
        )
        .map(|chunk| write_chunk(db, chunk, writes, now, policy))
        .buffer_unordered(concurrency)
        .collect()
        .await;
        let mut unprocessed = Vec::new();
        let mut cause = None;
        for (left, error) in outcomes {
            unprocessed.extend(left);
            if cause.is_none() {
                cause = error;
            }
        }
        if let Some((index, error)) = chunker.stopped {
            return Err(Error::BatchStopped {
                error: Box::new(error),
                index,
                sent: chunker.next,
                unprocessed,
                cause: cause.map(Box::new),
            });
        }
        if unprocessed.is_empty() {
            Ok(())
        } else {
            Err(Error::Unprocessed {
                writes: unprocessed,
                keys: Vec::new(),
                cause: cause.map(Box::new),
            })
        }
    }
}

/// Requests by table, as BatchWriteItem takes them.
type Requests = HashMap<String, Vec<WriteRequest>>;

impl Chunk {
    /// Its requests, built again from the batch (the same `now`, so the same items): for
    /// resending after a request that failed took them.
    fn rebuild(&self, writes: &[Pending<'_>], now: Timestamp) -> Result<Requests> {
        let mut requests = Requests::with_capacity(self.tables.len());
        for write in &writes[self.start..self.start + self.len] {
            let table = self
                .tables
                .iter()
                .find(|(_, schema)| schema.table == write.schema().table)
                .map(|(table, _)| table.clone())
                .unwrap_or_default();
            requests.entry(table).or_default().push(write.request(now)?);
        }
        Ok(requests)
    }

    /// The tables and keys of `requests`.
    fn keys_of(&self, requests: &Requests) -> Vec<(String, Item)> {
        requests
            .iter()
            .flat_map(|(table, requests)| {
                let schema = self.schema(table);
                requests.iter().map(move |request| {
                    let key = match (schema, attributes(request)) {
                        (Some(schema), Some(item)) => key_of(schema, item),
                        _ => Item::new(),
                    };
                    (table.clone(), key)
                })
            })
            .collect()
    }

    /// The tables and keys of all its writes, built again from the batch.
    fn keys(&self, db: &Db, writes: &[Pending<'_>], now: Timestamp) -> Vec<(String, Item)> {
        writes[self.start..self.start + self.len]
            .iter()
            .map(|write| (db.table_name_for(write.schema().table), write.key(now)))
            .collect()
    }
}

/// One chunk, retried until done or out of its budget: what is left, and why.
///
/// One budget covers everything that leaves writes undone: unprocessed writes, throttling,
/// server errors, lost connections (a put or delete applied twice stores what it stored once).
/// Requests go to the client without the SDK's retries and are moved into each attempt, not
/// copied: after a failed request the chunk is built again from the batch, and what DynamoDB
/// left unprocessed (few writes) is copied before it is sent again.
async fn write_chunk(
    db: &Db,
    mut chunk: Chunk,
    writes: &[Pending<'_>],
    now: Timestamp,
    policy: BatchPolicy,
) -> (Vec<UnprocessedWrite>, Option<Error>) {
    let started = std::time::Instant::now();
    let mut next = Some(std::mem::take(&mut chunk.requests));
    // A copy of what DynamoDB left unprocessed, for sending again after a failed request.
    let mut left: Option<Requests> = None;
    // Every pending write was in every attempt so far: one flag covers them all.
    let mut maybe_applied = false;
    let mut last_error = None;
    for attempt in 0..policy.max_attempts.max(1) {
        if attempt > 0 {
            let wait = policy.backoff(attempt - 1);
            if started.elapsed() + wait > policy.max_elapsed {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        let requests = match (next.take(), &left) {
            (Some(requests), _) => requests,
            (None, Some(left)) => left.clone(),
            (None, None) => match chunk.rebuild(writes, now) {
                Ok(requests) => requests,
                Err(error) => {
                    let keys = chunk.keys(db, writes, now);
                    return (failed(keys, maybe_applied), Some(error));
                }
            },
        };
        tracing::debug!(writes = chunk.len, attempt, "BatchWriteItem");
        let result = db
            .writer()
            .batch_write_item()
            .set_request_items(Some(requests))
            .send()
            .await;
        match result {
            Ok(output) => {
                let mut unprocessed = output.unprocessed_items.unwrap_or_default();
                unprocessed.retain(|_, requests| !requests.is_empty());
                if unprocessed.is_empty() {
                    return (Vec::new(), None);
                }
                tracing::debug!(
                    unprocessed = unprocessed.values().map(Vec::len).sum::<usize>(),
                    attempt,
                    "BatchWriteItem left items unprocessed"
                );
                left = Some(unprocessed.clone());
                next = Some(unprocessed);
                last_error = None;
            }
            Err(err) => {
                maybe_applied |= sdk_outcome(&err) == Outcome::Unknown;
                let retry = crate::op::retry::retryable(&err);
                let first_table = chunk
                    .tables
                    .first()
                    .map(|(t, _)| t.clone())
                    .unwrap_or_default();
                let mut error = Error::from_sdk("BatchWriteItem", &first_table, err);
                if let Error::TableNotFound { table } = &mut error {
                    let tables: Vec<String> = chunk.tables.iter().map(|(t, _)| t.clone()).collect();
                    *table = crate::op::missing_table(db, &tables).await;
                }
                if !retry {
                    let keys = match &left {
                        Some(left) => chunk.keys_of(left),
                        None => chunk.keys(db, writes, now),
                    };
                    return (failed(keys, maybe_applied), Some(error));
                }
                tracing::debug!(attempt, "BatchWriteItem failed; retrying its writes");
                last_error = Some(error);
            }
        }
    }
    // Out of budget: what is left, with its requests when the batch still holds them.
    match (next, left, last_error) {
        (Some(requests), _, None) | (None, Some(requests), None) => (
            requests
                .into_iter()
                .flat_map(|(table, requests)| {
                    let schema = chunk.schema(&table);
                    requests.into_iter().map(move |request| UnprocessedWrite {
                        key: match (schema, attributes(&request)) {
                            (Some(schema), Some(item)) => key_of(schema, item),
                            _ => Item::new(),
                        },
                        table: table.clone(),
                        outcome: outcome(maybe_applied),
                        request: Some(request),
                    })
                })
                .collect(),
            None,
        ),
        (_, left, error) => {
            let keys = match &left {
                Some(left) => chunk.keys_of(left),
                None => chunk.keys(db, writes, now),
            };
            (failed(keys, maybe_applied), error)
        }
    }
}

/// Writes whose request failed: their keys, without the requests (the SDK took them).
fn failed(keys: Vec<(String, Item)>, maybe_applied: bool) -> Vec<UnprocessedWrite> {
    keys.into_iter()
        .map(|(table, key)| UnprocessedWrite {
            table,
            key,
            outcome: outcome(maybe_applied),
            request: None,
        })
        .collect()
}

fn outcome(maybe_applied: bool) -> Outcome {
    if maybe_applied {
        Outcome::Unknown
    } else {
        Outcome::NotApplied
    }
}

/// Reads items of one model by key, any number of keys, in chunks of 100. Built by
/// [`Db::batch_get`]. Results come in the order of the keys asked; a key with no item is `None`.
#[must_use = "a request does nothing until `.send().await`"]
pub struct BatchGet<'a, M: Model> {
    db: &'a Db,
    keys: Vec<M::Key>,
    consistent: bool,
    policy: BatchPolicy,
    _model: PhantomData<fn() -> M>,
}

impl<'a, M: Model> BatchGet<'a, M> {
    pub(crate) fn new(db: &'a Db, keys: Vec<M::Key>) -> Self {
        BatchGet {
            db,
            keys,
            consistent: false,
            policy: BatchPolicy::default(),
            _model: PhantomData,
        }
    }

    /// Strongly consistent reads.
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Retries, backoff and concurrency (see [`BatchPolicy`]).
    pub fn policy(mut self, policy: BatchPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The keys as items, in order, with their canonical text; duplicates refused.
    fn key_items(&self, table: &str) -> Result<(Vec<Item>, Vec<String>)> {
        let schema = M::SCHEMA;
        let mut keys = Vec::with_capacity(self.keys.len());
        let mut order = Vec::with_capacity(self.keys.len());
        let mut seen = HashSet::new();
        for key in &self.keys {
            let key = key.to_item()?;
            let text = key_text(schema, &key);
            if !seen.insert(text.clone()) {
                let text = key_display(&text);
                return Err(Error::InvalidRequest {
                    message: format!(
                        "the batch asks for the key {text} of table `{table}` twice; DynamoDB refuses duplicate keys in one batch"
                    ),
                });
            }
            order.push(text);
            keys.push(key);
        }
        Ok((keys, order))
    }

    /// The BatchGetItem requests this would send, one per chunk of 100 keys, in order, without
    /// sending them.
    pub fn request(&self) -> Result<Vec<BatchGetItemInput>> {
        let table = self.db.table_name::<M>();
        let (keys, _) = self.key_items(&table)?;
        keys.chunks(MAX_BATCH_GET)
            .map(|chunk| {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(self.consistent)
                    .build()
                    .map_err(crate::op::built)?;
                BatchGetItemInput::builder()
                    .request_items(&table, request)
                    .build()
                    .map_err(crate::op::built)
            })
            .collect()
    }

    /// Sends every chunk: one entry per key asked, in order, `None` for keys with no item (or
    /// an expired one). Fails with [`Error::Unprocessed`] holding exactly the keys not read
    /// after the retry budget; [`BatchGet::send_partial`] keeps what was read.
    pub async fn send(self) -> Result<Vec<Option<M>>> {
        let output = self.send_partial().await?;
        if output.unread.is_empty() {
            return Ok(output.items);
        }
        Err(Error::Unprocessed {
            writes: Vec::new(),
            keys: output.unread,
            cause: output.cause.map(Box::new),
        })
    }

    /// Sends every chunk and returns what it read, with the keys it could not read after the
    /// retry budget (and why): a batch of 10,000 keys that meets a failure keeps its 9,999 items.
    pub async fn send_partial(self) -> Result<BatchGetOutput<M>> {
        let schema = M::SCHEMA;
        let table = self.db.table_name::<M>();
        let (keys, order) = self.key_items(&table)?;
        let chunks: Vec<Vec<Item>> = keys.chunks(MAX_BATCH_GET).map(<[Item]>::to_vec).collect();
        let (db, policy, consistent) = (self.db, self.policy, self.consistent);
        let outcomes: Vec<(Vec<Item>, Vec<Item>, Option<Error>)> = stream::iter(chunks)
            .map(|chunk| get_chunk(db, &table, chunk, consistent, policy))
            .buffer_unordered(policy.concurrency.max(1))
            .collect()
            .await;
        let mut found: HashMap<String, Item> = HashMap::with_capacity(keys.len());
        let mut unprocessed = Vec::new();
        let mut cause = None;
        for (items, left, error) in outcomes {
            for item in items {
                found.insert(key_text(schema, &item), item);
            }
            unprocessed.extend(left.into_iter().map(|key| UnprocessedKey {
                table: table.clone(),
                key,
            }));
            if cause.is_none() {
                cause = error;
            }
        }
        let items = order
            .iter()
            .zip(&keys)
            .map(|(text, key)| match found.remove(text) {
                Some(item) => crate::pipeline::read::read(item)
                    .map_err(|e| e.about_item(|| crate::pipeline::read::describe_key(&table, key))),
                None => Ok(None),
            })
            .collect::<Result<Vec<_>>>()?;
        // Keys not read stand as `None` in `items`; `unread` says which they are.
        Ok(BatchGetOutput {
            items,
            unread: unprocessed,
            cause,
        })
    }
}

/// What a batch get read: one entry per key asked, in order (`None` for a key with no item, and
/// for a key in `unread`), the keys it could not read, and the last failure.
#[derive(Debug)]
pub struct BatchGetOutput<M> {
    /// One entry per key asked, in order.
    pub items: Vec<Option<M>>,
    /// The keys not read after the retry budget (their entries in `items` are `None`).
    pub unread: Vec<UnprocessedKey>,
    /// Why the last of them could not be read, when a request failed.
    pub cause: Option<Error>,
}

/// One chunk of keys, retried: the items read, the keys left, and why.
async fn get_chunk(
    db: &Db,
    table: &str,
    mut pending: Vec<Item>,
    consistent: bool,
    policy: BatchPolicy,
) -> (Vec<Item>, Vec<Item>, Option<Error>) {
    let mut items = Vec::new();
    let started = std::time::Instant::now();
    let mut last_error = None;
    for attempt in 0..policy.max_attempts.max(1) {
        if attempt > 0 {
            let wait = policy.backoff(attempt - 1);
            if started.elapsed() + wait > policy.max_elapsed {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        let request = KeysAndAttributes::builder()
            .set_keys(Some(pending.clone()))
            .consistent_read(consistent)
            .build();
        let request = match request {
            Ok(request) => request,
            Err(e) => return (items, pending, Some(crate::op::built(e))),
        };
        tracing::debug!(keys = pending.len(), attempt, "BatchGetItem");
        // The client without its own retries: this loop's budget covers every failure.
        let result = db
            .writer()
            .batch_get_item()
            .request_items(table, request)
            .send()
            .await;
        match result {
            Ok(output) => {
                items.extend(output.responses.unwrap_or_default().into_values().flatten());
                pending = output
                    .unprocessed_keys
                    .unwrap_or_default()
                    .into_values()
                    .flat_map(|k| k.keys)
                    .collect();
                if pending.is_empty() {
                    return (items, pending, None);
                }
            }
            Err(err) if crate::op::retry::retryable(&err) => {
                tracing::debug!(attempt, "BatchGetItem failed; retrying its keys");
                last_error = Some(Error::from_sdk("BatchGetItem", table, err));
            }
            Err(err) => {
                return (
                    items,
                    pending,
                    Some(Error::from_sdk("BatchGetItem", table, err)),
                )
            }
        }
    }
    (items, pending, last_error)
}
