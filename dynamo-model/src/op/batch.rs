//! BatchWriteItem and BatchGetItem for any number of items: chunked, run with bounded
//! concurrency, unprocessed items retried with backoff, and whatever is still unprocessed
//! reported, never dropped.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::fmt;
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
use crate::op::retry::AttemptLog;
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
/// returns unprocessed, throttling, server errors and lost connections. A batch write spends
/// it on unprocessed writes; its requests also get the client's own retries for throttling and
/// server errors (a put or delete applied twice stores what it stored once).
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

/// A write waiting to be sent.
struct Write {
    table: String,
    key: WriteKey,
    request: WriteRequest,
    /// An attempt that carried it may have been applied.
    maybe_applied: bool,
}

/// The key of a write: its values, and the names they go under in the table's schema. Kept
/// as values (not an `Item`) because a batch holds one per item: a map per item would cost a
/// good part of converting it.
#[derive(PartialEq)]
struct WriteKey {
    hash: (&'static str, AttributeValue),
    range: Option<(&'static str, AttributeValue)>,
}

impl WriteKey {
    /// The key of `item` (a put's item or a delete's key); `None` without its hash key.
    fn of(schema: &Schema, item: &Item) -> Option<WriteKey> {
        let attribute = |name: &'static str| Some((name, item.get(name)?.clone()));
        Some(WriteKey {
            hash: attribute(schema.hash_key.name)?,
            range: schema.range_key.and_then(|range| attribute(range.name)),
        })
    }

    fn parts(&self) -> impl Iterator<Item = &(&'static str, AttributeValue)> {
        std::iter::once(&self.hash).chain(&self.range)
    }

    /// Whether `request` writes the item with this key.
    fn matches(&self, request: &WriteRequest) -> bool {
        let attributes = match (request.put_request(), request.delete_request()) {
            (Some(put), _) => &put.item,
            (None, Some(delete)) => &delete.key,
            (None, None) => return false,
        };
        self.parts()
            .all(|(name, value)| attributes.get(*name) == Some(value))
    }

    /// A hash of the table and key, for finding duplicates.
    fn fingerprint(&self, table: &str, state: &RandomState) -> u64 {
        let mut hasher = state.build_hasher();
        table.hash(&mut hasher);
        for (_, value) in self.parts() {
            match value {
                AttributeValue::S(s) => (0u8, s.as_bytes()).hash(&mut hasher),
                AttributeValue::N(n) => (1u8, n.as_bytes()).hash(&mut hasher),
                AttributeValue::B(b) => (2u8, b.as_ref()).hash(&mut hasher),
                _ => 3u8.hash(&mut hasher),
            }
        }
        hasher.finish()
    }

    fn to_item(&self) -> Item {
        self.parts()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect()
    }
}

impl fmt::Display for WriteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.parts().enumerate() {
            let separator = if i > 0 { ", " } else { "" };
            match value {
                AttributeValue::S(s) => write!(f, "{separator}{name}={s:?}")?,
                AttributeValue::N(n) => write!(f, "{separator}{name}={n}")?,
                other => write!(f, "{separator}{name}={other:?}")?,
            }
        }
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
/// every key is checked before anything is sent; two writes to one key (which DynamoDB
/// refuses) are refused up front naming the key.
///
/// BatchWriteItem carries no conditions, so a batch cannot keep optimistic locking: `put`
/// takes only models without a version attribute ([`Unversioned`], checked at compile time),
/// and [`BatchWrite::put_unchecked`] puts a versioned item on explicit request, storing its
/// version + 1 without checking what is stored.
#[must_use = "a request does nothing until `.send().await`"]
pub struct BatchWrite<'a> {
    db: &'a Db,
    writes: Vec<Write>,
    /// Fingerprints of the table and key of every write, for duplicate detection.
    seen: HashSet<u64>,
    hasher: RandomState,
    error: Option<Error>,
    policy: BatchPolicy,
}

impl<'a> BatchWrite<'a> {
    pub(crate) fn new(db: &'a Db) -> Self {
        BatchWrite {
            db,
            writes: Vec::new(),
            seen: HashSet::new(),
            hasher: RandomState::new(),
            error: None,
            policy: BatchPolicy::default(),
        }
    }

    /// Notes the write's key (refusing a second write to it) and keeps the write.
    fn push<M: Model>(&mut self, key: Option<WriteKey>, request: WriteRequest) {
        let table = self.db.table_name::<M>();
        let Some(key) = key else {
            self.error.get_or_insert(
                AttrError::missing("a key value")
                    .in_attribute(M::SCHEMA.hash_key.name)
                    .into(),
            );
            return;
        };
        // A fingerprint seen before is a duplicate only if a kept write has the same key.
        let fingerprint = key.fingerprint(&table, &self.hasher);
        let duplicate = !self.seen.insert(fingerprint)
            && self.writes.iter().any(|w| w.table == table && w.key == key);
        if duplicate {
            self.error.get_or_insert(Error::InvalidRequest {
                message: format!(
                    "the batch writes the key {key} of table `{table}` twice; DynamoDB refuses duplicate keys in one batch"
                ),
            });
        }
        self.writes.push(Write {
            table,
            key,
            request,
            maybe_applied: false,
        });
    }

    /// Adds a put of `item` (replacing any item with its key). Versioned models do not
    /// compile here: a batch cannot check a version (see [`BatchWrite::put_unchecked`]).
    pub fn put<M: Unversioned>(self, item: &M) -> Self {
        self.put_item(item)
    }

    /// Adds a put of a versioned `item` without checking the stored version, which a batch
    /// cannot do: it stores the item's version + 1 and overwrites whatever is stored, even an
    /// item another writer changed since this one was read. Use it for imports and migrations;
    /// for concurrent writers use [`Db::put`] or a transaction.
    pub fn put_unchecked<M: Model>(self, item: &M) -> Self {
        self.put_item(item)
    }

    fn put_item<M: Model>(mut self, item: &M) -> Self {
        let converted =
            prepare(item, WriteKind::Unchecked, Timestamp::now()).map(|prepared| prepared.item);
        let built = converted.and_then(|item| {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(crate::op::built)?;
            // The key is read from the request: the item is not copied.
            let key = WriteKey::of(M::SCHEMA, &put.item);
            Ok((key, WriteRequest::builder().put_request(put).build()))
        });
        match built {
            Ok((key, write)) => self.push::<M>(key, write),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Adds a delete of the item with `key`.
    pub fn delete<K: PrimaryKey>(mut self, key: K) -> Self {
        let built = key.to_item().and_then(|key| {
            let delete = DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .map_err(crate::op::built)?;
            let key = WriteKey::of(K::Model::SCHEMA, &delete.key);
            Ok((key, WriteRequest::builder().delete_request(delete).build()))
        });
        match built {
            Ok((key, write)) => self.push::<K::Model>(key, write),
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

    /// The BatchWriteItem requests this would send, one per chunk of 25 writes, in order,
    /// without sending them.
    pub fn request(&self) -> Result<Vec<BatchWriteItemInput>> {
        if let Some(error) = &self.error {
            return Err(error.replay());
        }
        self.writes
            .chunks(MAX_BATCH_WRITE)
            .map(|chunk| {
                let mut items: HashMap<String, Vec<WriteRequest>> = HashMap::new();
                for write in chunk {
                    items
                        .entry(write.table.clone())
                        .or_default()
                        .push(write.request.clone());
                }
                BatchWriteItemInput::builder()
                    .set_request_items(Some(items))
                    .build()
                    .map_err(crate::op::built)
            })
            .collect()
    }

    /// Sends every chunk. Fails with [`Error::Unprocessed`] holding exactly the writes that
    /// were not done after the retry budget (or when a chunk failed outright).
    pub async fn send(self) -> Result<()> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let db = self.db;
        let policy = self.policy;
        // Moved into chunks, not copied: a copy of every item costs as much as converting it.
        let mut writes = self.writes.into_iter();
        let chunks: Vec<Vec<Write>> = std::iter::from_fn(|| {
            let chunk: Vec<Write> = writes.by_ref().take(MAX_BATCH_WRITE).collect();
            (!chunk.is_empty()).then_some(chunk)
        })
        .collect();
        let outcomes: Vec<(Vec<UnprocessedWrite>, Option<Error>)> = stream::iter(chunks)
            .map(|chunk| write_chunk(db, chunk, policy))
            .buffer_unordered(policy.concurrency.max(1))
            .collect()
            .await;
        let mut writes = Vec::new();
        let mut cause = None;
        for (unprocessed, error) in outcomes {
            writes.extend(unprocessed);
            if cause.is_none() {
                cause = error;
            }
        }
        if writes.is_empty() {
            Ok(())
        } else {
            Err(Error::Unprocessed {
                writes,
                keys: Vec::new(),
                cause: cause.map(Box::new),
            })
        }
    }
}

/// One chunk, retried until done or out of attempts: what is left, and why.
///
/// Requests are moved into each attempt, not copied; what DynamoDB returns unprocessed is
/// matched back to its key for the next attempt.
async fn write_chunk(
    db: &Db,
    mut pending: Vec<Write>,
    policy: BatchPolicy,
) -> (Vec<UnprocessedWrite>, Option<Error>) {
    let started = std::time::Instant::now();
    for attempt in 0..policy.max_attempts.max(1) {
        if attempt > 0 {
            let wait = policy.backoff(attempt - 1);
            if started.elapsed() + wait > policy.max_elapsed {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        let mut items: HashMap<String, Vec<WriteRequest>> = HashMap::new();
        let mut keys = Vec::with_capacity(pending.len());
        tracing::debug!(writes = pending.len(), attempt, "BatchWriteItem");
        for Write {
            table,
            key,
            request,
            maybe_applied,
        } in pending
        {
            match items.get_mut(&table) {
                Some(requests) => requests.push(request),
                None => {
                    items.insert(table.clone(), vec![request]);
                }
            }
            keys.push((table, key, maybe_applied));
        }
        // The SDK retries the request itself (safe: writes applied twice store what they stored
        // once); the log says whether any of its attempts may have been applied.
        let log = AttemptLog::default();
        let result = db
            .client()
            .batch_write_item()
            .set_request_items(Some(items))
            .customize()
            .interceptor(log.clone())
            .send()
            .await;
        let maybe = log.maybe_applied();
        match result {
            Ok(output) => {
                pending = Vec::new();
                for (table, requests) in output.unprocessed_items.unwrap_or_default() {
                    for request in requests {
                        let at = keys
                            .iter()
                            .position(|(t, key, _)| *t == table && key.matches(&request));
                        // DynamoDB returns only requests it was sent.
                        let Some(at) = at else { continue };
                        let (_, key, before) = keys.swap_remove(at);
                        pending.push(Write {
                            table: table.clone(),
                            key,
                            request,
                            maybe_applied: before || maybe,
                        });
                    }
                }
                if pending.is_empty() {
                    return (Vec::new(), None);
                }
                tracing::debug!(
                    unprocessed = pending.len(),
                    attempt,
                    "BatchWriteItem left items unprocessed"
                );
            }
            Err(err) => {
                let maybe = maybe || sdk_outcome(&err) == Outcome::Unknown;
                let table = keys.first().map(|(t, _, _)| t.clone()).unwrap_or_default();
                let mut error = Error::from_sdk("BatchWriteItem", &table, err);
                if let Error::TableNotFound { table } = &mut error {
                    let tables: Vec<String> = keys.iter().map(|(t, _, _)| t.clone()).collect();
                    *table = crate::op::missing_table(db, &tables).await;
                }
                let failed = keys
                    .into_iter()
                    .map(|(table, key, before)| UnprocessedWrite {
                        table,
                        key: key.to_item(),
                        outcome: outcome(before || maybe),
                        request: None,
                    })
                    .collect();
                return (failed, Some(error));
            }
        }
    }
    let left = pending
        .into_iter()
        .map(|write| UnprocessedWrite {
            table: write.table,
            key: write.key.to_item(),
            outcome: outcome(write.maybe_applied),
            request: Some(write.request),
        })
        .collect();
    (left, None)
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
