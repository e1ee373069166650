//! BatchWriteItem and BatchGetItem for any number of items: chunked, run with bounded
//! concurrency, unprocessed items retried with backoff, and whatever is still unprocessed
//! reported, never dropped.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::time::Duration;

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use futures::stream::{self, StreamExt};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::{check_item, Model, PrimaryKey};
use crate::schema::Schema;
use crate::value::Item;

/// DynamoDB's limit of write requests per BatchWriteItem.
pub const MAX_BATCH_WRITE: usize = 25;
/// DynamoDB's limit of keys per BatchGetItem.
pub const MAX_BATCH_GET: usize = 100;

/// How batches retry what DynamoDB leaves unprocessed, and how many chunks run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPolicy {
    /// Requests per chunk, unprocessed retries included (at least 1).
    pub max_attempts: u32,
    /// The first backoff; each retry doubles it, up to `max_backoff`, with full jitter.
    pub base_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// How many chunks are in flight at once.
    pub concurrency: usize,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy {
            max_attempts: 10,
            base_backoff: Duration::from_millis(25),
            max_backoff: Duration::from_secs(2),
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
        cap.mul_f64(random_unit())
    }
}

/// A uniform number in [0, 1) for jitter; not for anything that needs real randomness.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A write a batch could not complete, with its table.
#[derive(Debug, Clone, PartialEq)]
pub struct UnprocessedWrite {
    /// The table (with any prefix).
    pub table: String,
    /// The put or delete, as DynamoDB takes it.
    pub request: WriteRequest,
}

/// A key a batch get could not read, with its table.
#[derive(Debug, Clone, PartialEq)]
pub struct UnprocessedKey {
    /// The table (with any prefix).
    pub table: String,
    /// The key.
    pub key: Item,
}

/// Canonical text of a key, to find duplicates and match items back to keys.
fn key_text(schema: &Schema, item: &Item) -> String {
    let mut text = String::new();
    for key in std::iter::once(schema.hash_key).chain(schema.range_key) {
        if let Some(value) = item.get(key.name) {
            text.push_str(key.name);
            text.push('=');
            text.push_str(&format!("{value:?}"));
            text.push(';');
        }
    }
    text
}

/// Puts and deletes across any models and tables, in chunks of 25. Built by
/// [`Db::batch_write`], [`Db::batch_put`] and [`Db::batch_delete`].
///
/// Every item is validated and every key checked before anything is sent; two writes to one
/// key (which DynamoDB refuses) are refused up front naming the key.
#[must_use = "a request does nothing until `.send().await`"]
pub struct BatchWrite<'a> {
    db: &'a Db,
    writes: Vec<UnprocessedWrite>,
    /// Per table: key text -> whether seen, for duplicate detection.
    seen: HashMap<String, HashSet<String>>,
    error: Option<Error>,
    policy: BatchPolicy,
}

impl<'a> BatchWrite<'a> {
    pub(crate) fn new(db: &'a Db) -> Self {
        BatchWrite {
            db,
            writes: Vec::new(),
            seen: HashMap::new(),
            error: None,
            policy: BatchPolicy::default(),
        }
    }

    fn push<M: Model>(&mut self, key_source: &Item, request: WriteRequest) {
        let table = self.db.table_name::<M>();
        let key = key_text(M::SCHEMA, key_source);
        if !self
            .seen
            .entry(table.clone())
            .or_default()
            .insert(key.clone())
        {
            self.error.get_or_insert(Error::InvalidRequest {
                message: format!(
                    "the batch writes the key {key} of table `{table}` twice; DynamoDB refuses duplicate keys in one batch"
                ),
            });
        }
        self.writes.push(UnprocessedWrite { table, request });
    }

    /// Adds a put of `item` (replacing any item with its key).
    pub fn put<M: Model>(mut self, item: &M) -> Self {
        let converted =
            crate::model::write_item(item).and_then(|i| check_item(M::SCHEMA, &i).map(|()| i));
        match converted {
            Ok(item) => {
                let request = PutRequest::builder().set_item(Some(item.clone())).build();
                match request {
                    Ok(put) => {
                        self.push::<M>(&item, WriteRequest::builder().put_request(put).build())
                    }
                    Err(e) => {
                        self.error.get_or_insert(crate::op::built(e));
                    }
                }
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Adds a delete of the item with `key`.
    pub fn delete<K: PrimaryKey>(mut self, key: K) -> Self {
        match key.to_item() {
            Ok(key) => match DeleteRequest::builder().set_key(Some(key.clone())).build() {
                Ok(delete) => self
                    .push::<K::Model>(&key, WriteRequest::builder().delete_request(delete).build()),
                Err(e) => {
                    self.error.get_or_insert(crate::op::built(e));
                }
            },
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

    /// Sends every chunk. Fails with [`Error::Unprocessed`] holding exactly the writes that
    /// were not done after the retry budget (or when a chunk failed outright).
    pub async fn send(self) -> Result<()> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let db = self.db;
        let policy = self.policy;
        let chunks: Vec<Vec<UnprocessedWrite>> = self
            .writes
            .chunks(MAX_BATCH_WRITE)
            .map(<[UnprocessedWrite]>::to_vec)
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
async fn write_chunk(
    db: &Db,
    mut pending: Vec<UnprocessedWrite>,
    policy: BatchPolicy,
) -> (Vec<UnprocessedWrite>, Option<Error>) {
    for attempt in 0..policy.max_attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(policy.backoff(attempt - 1)).await;
        }
        let mut items: HashMap<String, Vec<WriteRequest>> = HashMap::new();
        for write in &pending {
            items
                .entry(write.table.clone())
                .or_default()
                .push(write.request.clone());
        }
        tracing::debug!(writes = pending.len(), attempt, "BatchWriteItem");
        let result = db
            .client()
            .batch_write_item()
            .set_request_items(Some(items))
            .send()
            .await;
        match result {
            Ok(output) => {
                pending = output
                    .unprocessed_items
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|(table, requests)| {
                        requests.into_iter().map(move |request| UnprocessedWrite {
                            table: table.clone(),
                            request,
                        })
                    })
                    .collect();
                if pending.is_empty() {
                    return (pending, None);
                }
                tracing::debug!(
                    unprocessed = pending.len(),
                    attempt,
                    "BatchWriteItem left items unprocessed"
                );
            }
            Err(err) => {
                let table = pending.first().map(|w| w.table.clone()).unwrap_or_default();
                return (
                    pending,
                    Some(Error::from_sdk("BatchWriteItem", &table, err)),
                );
            }
        }
    }
    (pending, None)
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

    /// Sends every chunk: one entry per key asked, in order, `None` for keys with no item.
    /// Fails with [`Error::Unprocessed`] holding exactly the keys not read after the retry
    /// budget.
    pub async fn send(self) -> Result<Vec<Option<M>>> {
        let schema = M::SCHEMA;
        let table = self.db.table_name::<M>();
        let mut keys = Vec::with_capacity(self.keys.len());
        let mut order = Vec::with_capacity(self.keys.len());
        let mut seen = HashSet::new();
        for key in &self.keys {
            let key = key.to_item()?;
            let text = key_text(schema, &key);
            if !seen.insert(text.clone()) {
                return Err(Error::InvalidRequest {
                    message: format!(
                        "the batch asks for the key {text} of table `{table}` twice; DynamoDB refuses duplicate keys in one batch"
                    ),
                });
            }
            order.push(text);
            keys.push(key);
        }
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
        if !unprocessed.is_empty() {
            return Err(Error::Unprocessed {
                writes: Vec::new(),
                keys: unprocessed,
                cause: cause.map(Box::new),
            });
        }
        order
            .iter()
            .map(|text| {
                found
                    .remove(text)
                    .filter(|item| !crate::ttl::expired(schema, item))
                    .map(M::from_item)
                    .transpose()
            })
            .collect()
    }
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
    for attempt in 0..policy.max_attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(policy.backoff(attempt - 1)).await;
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
        let result = db
            .client()
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
            Err(err) => {
                return (
                    items,
                    pending,
                    Some(Error::from_sdk("BatchGetItem", table, err)),
                )
            }
        }
    }
    (items, pending, None)
}
