//! BatchGetItem for any number of keys of one model, in key order.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use futures::stream::{self, StreamExt};

use super::{key_display, key_text, BatchPolicy, UnprocessedKey, MAX_BATCH_GET};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::path::Path;
use crate::expr::ExpressionWriter;
use crate::model::{Attributes, Model, PrimaryKey};
use crate::pipeline::read::projection_paths;
use crate::value::Item;

/// Reads items of one model by key, any number of keys, in chunks of 100. Built by
/// [`Db::batch_get`]. Results come in the order of the keys asked; a key with no item is `None`.
/// [`BatchGet::select`] reads a projection `O` instead of the whole model.
#[must_use = "a request does nothing until `.send().await`"]
pub struct BatchGet<'a, M: Model, O = M> {
    db: &'a Db,
    keys: Vec<M::Key>,
    consistent: bool,
    policy: BatchPolicy,
    on_progress: Option<super::OnProgress<'a>>,
    meter: Option<crate::Capacity>,
    /// The attributes asked for (none: the whole item).
    projection: Vec<Path>,
    /// How a stored item becomes an `O` (`None`: expired).
    read: fn(Item) -> Result<Option<O>>,
    _model: PhantomData<fn() -> M>,
}

impl<'a, M: Model> BatchGet<'a, M> {
    pub(crate) fn new(db: &'a Db, keys: Vec<M::Key>) -> Self {
        BatchGet {
            db,
            keys,
            consistent: false,
            policy: BatchPolicy::default(),
            on_progress: None,
            meter: None,
            projection: Vec::new(),
            read: crate::pipeline::read::read::<M>,
            _model: PhantomData,
        }
    }

    /// Reads each item into a smaller struct: its fields become the projection, so only those
    /// attributes travel (with the key and TTL attributes, which tell the items apart and hide
    /// expired ones). DynamoDB charges the same read units: it counts the whole item.
    pub fn select<P: Attributes>(self) -> BatchGet<'a, M, P> {
        let schema = M::SCHEMA;
        let mut projection = projection_paths::<M>(P::ATTRIBUTES);
        let extra = std::iter::once(schema.hash_key.name)
            .chain(schema.range_key.map(|k| k.name))
            .chain(schema.ttl);
        for name in extra {
            if !projection
                .iter()
                .any(|p| p.elements().len() == 1 && p.root() == name)
            {
                projection.push(Path::name(name));
            }
        }
        BatchGet {
            db: self.db,
            keys: self.keys,
            consistent: self.consistent,
            policy: self.policy,
            on_progress: self.on_progress,
            meter: self.meter,
            projection,
            read: crate::pipeline::read::read_projected::<M, P>,
            _model: PhantomData,
        }
    }
}

impl<'a, M: Model, O> BatchGet<'a, M, O> {
    /// Adds the capacity every request of the batch consumes to `meter`.
    pub fn capacity(mut self, meter: &crate::Capacity) -> Self {
        self.meter = Some(meter.clone());
        self
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

    /// Calls `report` after each chunk with the keys read, retried and given up so far, while
    /// chunks still run `concurrency` at a time (`report` runs between them).
    pub fn on_progress(mut self, report: impl FnMut(&super::BatchProgress) + Send + 'a) -> Self {
        self.on_progress = Some(Box::new(report));
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

    /// The projection expression and its names, when the read asks for a projection.
    fn rendered_projection(&self) -> Result<Option<Projection>> {
        if self.projection.is_empty() {
            return Ok(None);
        }
        let mut writer = ExpressionWriter::new();
        let expression = writer.projection(&self.projection);
        let (names, _) = writer.finish()?;
        Ok(Some(Projection { expression, names }))
    }

    /// The BatchGetItem requests this would send, one per chunk of 100 keys, in order, without
    /// sending them.
    pub fn request(&self) -> Result<Vec<BatchGetItemInput>> {
        let table = self.db.table::<M>()?;
        let (keys, _) = self.key_items(&table)?;
        let projection = self.rendered_projection()?;
        keys.chunks(MAX_BATCH_GET)
            .map(|chunk| {
                let request =
                    keys_and_attributes(chunk.to_vec(), self.consistent, projection.as_ref())
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
    pub async fn send(self) -> Result<Vec<Option<O>>> {
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
    pub async fn send_partial(self) -> Result<BatchGetOutput<O>> {
        let span = crate::op::span::request_span!("BatchGetItem", self.db.table_name::<M>());
        crate::op::span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(mut self) -> Result<BatchGetOutput<O>> {
        let schema = M::SCHEMA;
        let table = self.db.table::<M>()?;
        let (keys, order) = self.key_items(&table)?;
        let projection = self.rendered_projection()?;
        let read = self.read;
        let chunks: Vec<Vec<Item>> = keys.chunks(MAX_BATCH_GET).map(<[Item]>::to_vec).collect();
        let (db, policy, consistent) = (self.db, self.policy, self.consistent);
        let counters = super::Counters {
            meter: self.meter.take(),
            ..super::Counters::default()
        };
        let mut progress = super::BatchProgress::default();
        let mut on_progress = self.on_progress.take();
        let mut chunk_outcomes = stream::iter(chunks)
            .map(|chunk| {
                let request = Request {
                    table: &table,
                    consistent,
                    projection: projection.as_ref(),
                };
                get_chunk(db, request, chunk, policy, &counters)
            })
            .buffer_unordered(policy.concurrency.max(1));
        let mut outcomes: Vec<(Vec<Item>, Vec<Item>, Option<Error>)> = Vec::new();
        while let Some(outcome) = chunk_outcomes.next().await {
            // Keys DynamoDB found no item for are done too: the chunk held `len` keys.
            let (len, items, left, error) = outcome;
            counters.report(
                &mut progress,
                &mut on_progress,
                len - left.len(),
                left.len(),
            );
            outcomes.push((items, left, error));
        }
        drop(chunk_outcomes);
        crate::op::span::requests(counters.requests());
        let mut found: HashMap<String, Item> = HashMap::with_capacity(keys.len());
        let mut unprocessed = Vec::new();
        let mut cause = None;
        for (items, left, error) in outcomes {
            for item in items {
                found.insert(key_text(schema, &item), item);
            }
            unprocessed.extend(left.into_iter().map(|key| UnprocessedKey {
                table: table.clone(),
                key: key.into(),
            }));
            if cause.is_none() {
                cause = error;
            }
        }
        let items = order
            .iter()
            .zip(&keys)
            .map(|(text, key)| match found.remove(text) {
                Some(item) => read(item)
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

/// A projection expression with its names.
struct Projection {
    expression: String,
    names: Option<crate::expr::writer::Names>,
}

/// What every request of a batch get asks for, besides its keys.
#[derive(Clone, Copy)]
struct Request<'r> {
    table: &'r str,
    consistent: bool,
    projection: Option<&'r Projection>,
}

/// The keys of one request, with the read's settings.
fn keys_and_attributes(
    keys: Vec<Item>,
    consistent: bool,
    projection: Option<&Projection>,
) -> std::result::Result<KeysAndAttributes, aws_sdk_dynamodb::error::BuildError> {
    KeysAndAttributes::builder()
        .set_keys(Some(keys))
        .consistent_read(consistent)
        .set_projection_expression(projection.map(|p| p.expression.clone()))
        .set_expression_attribute_names(projection.and_then(|p| p.names.clone()))
        .build()
}

/// One chunk of keys, retried: the items read, the keys left, and why.
async fn get_chunk(
    db: &Db,
    Request {
        table,
        consistent,
        projection,
    }: Request<'_>,
    mut pending: Vec<Item>,
    policy: BatchPolicy,
    counters: &super::Counters,
) -> (usize, Vec<Item>, Vec<Item>, Option<Error>) {
    let len = pending.len();
    let mut items = Vec::new();
    let started = std::time::Instant::now();
    let mut last_error = None;
    for attempt in 0..policy.max_attempts.max(1) {
        if !policy.pause(attempt, started).await {
            break;
        }
        let request = keys_and_attributes(pending.clone(), consistent, projection);
        let request = match request {
            Ok(request) => request,
            Err(e) => return (len, items, pending, Some(crate::op::built(e))),
        };
        tracing::debug!(keys = pending.len(), attempt, "BatchGetItem");
        // The client without its own retries: this loop's budget covers every failure.
        counters.sent(if attempt == 0 { 0 } else { pending.len() });
        let request_span = crate::op::span::request_span!("BatchGetItem", table);
        let asked = counters.capacity_asked(&request_span);
        let request = db
            .writer()
            .batch_get_item()
            .request_items(table, request)
            .set_return_consumed_capacity(asked)
            .send();
        let result = crate::op::span::child(request_span, request).await;
        match result {
            Ok(output) => {
                counters.consumed(output.consumed_capacity());
                items.extend(output.responses.unwrap_or_default().into_values().flatten());
                pending = output
                    .unprocessed_keys
                    .unwrap_or_default()
                    .into_values()
                    .flat_map(|k| k.keys)
                    .collect();
                if pending.is_empty() {
                    return (len, items, pending, None);
                }
            }
            Err(err) if crate::op::retry::retryable(&err) => {
                tracing::debug!(attempt, "BatchGetItem failed; retrying its keys");
                last_error = Some(Error::from_sdk("BatchGetItem", table, err));
            }
            Err(err) => {
                return (
                    len,
                    items,
                    pending,
                    Some(Error::from_sdk("BatchGetItem", table, err)),
                )
            }
        }
    }
    (len, items, pending, last_error)
}

/// The requests it would send (one per 100 keys), key values redacted (see
/// [`show_item_values`](crate::show_item_values)).
impl<M: Model, O> std::fmt::Debug for BatchGet<'_, M, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::op::show::request(f, "BatchGet", self.request())
    }
}
