//! BatchWriteItem for any number of puts and deletes: each chunk of 25 checked and converted
//! just before it is sent, chunks sent in order within a window of `concurrency` chunks.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};
use futures::stream::{FuturesOrdered, StreamExt};

use super::{key_display, key_text, BatchPolicy, UnprocessedWrite, MAX_BATCH_WRITE};
use crate::db::Db;
use crate::error::{sdk_outcome, AttrError, Error, Outcome, Result};
use crate::model::{Model, PrimaryKey, Unversioned};
use crate::pipeline::write::{key_of, prepare, WriteKind};
use crate::schema::Schema;
use crate::timestamp::Timestamp;
use crate::value::Item;

/// A put whose item is built when its chunk is: the model behind a reference, type-erased, so
/// that a batch holds no converted item until it sends it.
trait PutSource: Sync {
    fn schema(&self) -> &'static Schema;
    /// The model's name, for errors (`Order`).
    fn model(&self) -> &'static str;
    /// The item to store, through the write pipeline (validation, conversion, version,
    /// timestamps, limits).
    fn prepared(&self, now: Timestamp) -> Result<Item>;
}

impl<M: Model + Sync> PutSource for M {
    fn schema(&self) -> &'static Schema {
        M::SCHEMA
    }

    fn model(&self) -> &'static str {
        crate::pipeline::read::model_name::<M>()
    }

    fn prepared(&self, now: Timestamp) -> Result<Item> {
        prepare(self, WriteKind::Unchecked, now, None).map(|prepared| prepared.item)
    }
}

/// Many puts from one iterator, walked again for each use (`request()`, `send()`): the batch
/// keeps the caller's iterator, not an entry per item.
trait PutList<'a>: Send + Sync {
    fn walk(&self) -> Box<dyn Iterator<Item = &'a dyn PutSource> + Send + 'a>;
}

impl<'a, M, I> PutList<'a> for I
where
    M: Model + Sync + 'a,
    I: Iterator<Item = &'a M> + Clone + Send + Sync + 'a,
{
    fn walk(&self) -> Box<dyn Iterator<Item = &'a dyn PutSource> + Send + 'a> {
        Box::new(self.clone().map(|item| item as &dyn PutSource))
    }
}

/// The writes of a batch, in the order they were added.
enum Part<'a> {
    Put(&'a dyn PutSource),
    Puts(Box<dyn PutList<'a> + 'a>),
    /// A key is small: converted when added. With its model's name.
    Delete(&'static str, &'static Schema, Item),
}

impl Part<'_> {
    /// The table its writes go to (as the model names it); `None` for an empty list.
    fn table(&self) -> Option<&'static str> {
        match self {
            Part::Put(source) => Some(source.schema().table),
            Part::Puts(list) => list.walk().next().map(|source| source.schema().table),
            Part::Delete(_, schema, _) => Some(schema.table),
        }
    }
}

/// One write, ready to be built into a request.
enum Write<'a> {
    Put(&'a dyn PutSource),
    Delete(&'static str, &'static Schema, Item),
}

impl Write<'_> {
    fn schema(&self) -> &'static Schema {
        match self {
            Write::Put(source) => source.schema(),
            Write::Delete(_, schema, _) => schema,
        }
    }

    fn model(&self) -> &'static str {
        match self {
            Write::Put(source) => source.model(),
            Write::Delete(model, ..) => model,
        }
    }

    /// Its request; a delete's key moves into it.
    fn into_request(self, now: Timestamp) -> Result<WriteRequest> {
        Ok(match self {
            Write::Put(source) => {
                let put = PutRequest::builder()
                    .set_item(Some(source.prepared(now)?))
                    .build()
                    .map_err(crate::op::built)?;
                WriteRequest::builder().put_request(put).build()
            }
            Write::Delete(_, _, key) => {
                let delete = DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map_err(crate::op::built)?;
                WriteRequest::builder().delete_request(delete).build()
            }
        })
    }

    /// The key it writes, built again: for the rare paths (a chunk that failed outright, a
    /// fingerprint seen before) that need the key of a request no longer held.
    fn key(&self, now: Timestamp) -> Item {
        let schema = self.schema();
        match self {
            // It was converted once already; the same value converts the same way.
            Write::Put(source) => source
                .prepared(now)
                .map(|item| key_of(schema, &item))
                .unwrap_or_default(),
            Write::Delete(_, _, key) => key.clone(),
        }
    }
}

/// The writes of a batch's parts, one after another.
///
/// Written out without closures, bounds between lifetimes or borrowed items: a batch's `send`
/// future must be `Send` (spawnable), and rustc's check of that fails ("implementation of
/// `Iterator` is not general enough") for futures holding iterator adapters over closures
/// that take borrowed writes.
struct Writes<'b, 'a> {
    parts: std::slice::Iter<'b, Part<'a>>,
    list: Option<Box<dyn Iterator<Item = &'a dyn PutSource> + Send + 'a>>,
}

impl<'b, 'a> Writes<'b, 'a> {
    fn new(parts: &'b [Part<'a>]) -> Self {
        Writes {
            parts: parts.iter(),
            list: None,
        }
    }

    /// Writes `start..start + len` of the batch, found by walking it again (no item is
    /// converted on the way): for the rare paths that need a write no longer held.
    fn range(parts: &'b [Part<'a>], start: usize, len: usize) -> Vec<Write<'a>> {
        let mut writes = Writes::new(parts);
        for _ in 0..start {
            writes.next_write();
        }
        (0..len).map_while(|_| writes.next_write()).collect()
    }

    fn next_write(&mut self) -> Option<Write<'a>> {
        loop {
            if let Some(list) = &mut self.list {
                match list.next() {
                    Some(source) => return Some(Write::Put(source)),
                    None => self.list = None,
                }
            }
            match self.parts.next()? {
                Part::Put(source) => return Some(Write::Put(*source)),
                Part::Delete(model, schema, key) => {
                    return Some(Write::Delete(model, schema, key.clone()))
                }
                Part::Puts(list) => self.list = Some(list.walk()),
            }
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

/// A hash of the table and key of `item`, for finding a second write to a key without keeping
/// the keys.
fn fingerprint(state: &RandomState, schema: &Schema, item: &Item) -> u64 {
    let mut hasher = state.build_hasher();
    schema.table.hash(&mut hasher);
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

/// The keys written by the chunks that may be in flight together (the last `concurrency`), as
/// fingerprints: a write whose fingerprint is here is compared by key with the writes that
/// have it, built again. Its memory is bounded by the window, not the batch.
struct Window {
    hasher: RandomState,
    /// How many writes in the window have each fingerprint.
    counts: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    /// The writes of each chunk in the window, oldest first: fingerprint and place.
    chunks: VecDeque<Vec<(u64, usize)>>,
    size: usize,
}

/// The hasher of a map keyed by fingerprints, which are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Window {
    fn new(size: usize) -> Self {
        Window {
            hasher: RandomState::new(),
            // One chunk's writes without growing; more grow it once, to the window's size.
            counts: HashMap::with_capacity_and_hasher(MAX_BATCH_WRITE, Default::default()),
            chunks: VecDeque::new(),
            size: size.max(1),
        }
    }

    /// Starts a chunk, forgetting the one that can no longer be in flight with it.
    fn next_chunk(&mut self) {
        let mut recycled = None;
        if self.chunks.len() == self.size {
            if let Some(mut oldest) = self.chunks.pop_front() {
                for (print, _) in oldest.drain(..) {
                    if let Some(count) = self.counts.get_mut(&print) {
                        *count -= 1;
                        if *count == 0 {
                            self.counts.remove(&print);
                        }
                    }
                }
                recycled = Some(oldest);
            }
        }
        self.chunks
            .push_back(recycled.unwrap_or_else(|| Vec::with_capacity(MAX_BATCH_WRITE)));
    }

    /// The writes in the window with this fingerprint: none, all but always.
    /// The places of the writes in the window with this fingerprint: none, all but always.
    fn with_print(&self, print: u64) -> Vec<usize> {
        if !self.counts.contains_key(&print) {
            return Vec::new();
        }
        self.chunks
            .iter()
            .flatten()
            .filter(|(p, _)| *p == print)
            .map(|(_, at)| *at)
            .collect()
    }

    fn add(&mut self, print: u64, index: usize) {
        *self.counts.entry(print).or_insert(0) += 1;
        if let Some(chunk) = self.chunks.back_mut() {
            chunk.push((print, index));
        }
    }
}

/// One chunk of at most 25 writes, built and checked, ready to send.
struct Chunk {
    /// The place of its first write in the batch, and how many it has: for building its
    /// requests again and naming their keys.
    start: usize,
    len: usize,
    requests: Requests,
    /// Its tables (with any prefix) and their schemas, to name the keys of writes left over.
    tables: Vec<(String, &'static Schema)>,
}

/// Requests by table, as BatchWriteItem takes them.
type Requests = HashMap<String, Vec<WriteRequest>>;

/// Builds a batch's chunks in order, checking each write as its chunk is built, and notes the
/// write that stops it.
struct Chunker<'b, 'a> {
    db: &'b Db,
    parts: &'b [Part<'a>],
    writes: Writes<'b, 'a>,
    now: Timestamp,
    /// How many writes are in chunks so far.
    next: usize,
    /// How many writes were walked (in chunks, or refused).
    walked: usize,
    window: Window,
    /// The write that was refused, its model, and why: the batch stops there.
    stopped: Option<(usize, &'static str, Error)>,
    /// With `check_all_first`: every refused write (the batch goes on walking, sends nothing).
    refused: Option<Vec<(usize, &'static str, Error)>>,
}

impl<'b, 'a> Chunker<'b, 'a> {
    fn new(
        db: &'b Db,
        parts: &'b [Part<'a>],
        now: Timestamp,
        window: usize,
        check_all_first: bool,
    ) -> Self {
        Chunker {
            db,
            parts,
            writes: Writes::new(parts),
            now,
            next: 0,
            walked: 0,
            window: Window::new(window),
            stopped: None,
            refused: check_all_first.then(Vec::new),
        }
    }

    /// Why the writes walked so far cannot all be sent: every refused write with
    /// `check_all_first` (every broken rule at once, each path naming its write: `items[3]
    /// (Order).total`), else the one that stopped the batch.
    fn refusal(&mut self) -> Option<Error> {
        if let Some(refused) = self.refused.as_mut().filter(|r| !r.is_empty()) {
            return crate::error::refusal("items", std::mem::take(refused));
        }
        let (index, model, error) = self.stopped.take()?;
        Some(error.in_action("items", index, model))
    }

    /// The next chunk; `None` after the last, or once a write was refused.
    fn next_chunk(&mut self) -> Option<Chunk> {
        if self.stopped.is_some() {
            return None;
        }
        // After the last write this starts an empty chunk in the window, which holds nothing.
        self.window.next_chunk();
        let mut chunk = Chunk {
            start: self.next,
            len: 0,
            requests: Requests::new(),
            tables: Vec::new(),
        };
        let mut groups: Vec<(&'static Schema, Vec<WriteRequest>)> = Vec::new();
        while chunk.len < MAX_BATCH_WRITE {
            let Some(write) = self.writes.next_write() else {
                break;
            };
            let index = self.walked;
            self.walked += 1;
            let (schema, model) = (write.schema(), write.model());
            let checked = write
                .into_request(self.now)
                .and_then(|request| self.check_key(index, schema, &request).map(|()| request));
            let request = match (checked, &mut self.refused) {
                (Ok(request), _) => request,
                (Err(error), Some(refused)) => {
                    refused.push((index, model, error));
                    continue;
                }
                (Err(error), None) => {
                    self.stopped = Some((index, model, error));
                    return None;
                }
            };
            chunk.len += 1;
            // Grouped by table (models may share one); a chunk has few.
            match groups.iter_mut().find(|(s, _)| s.table == schema.table) {
                Some((_, requests)) => requests.push(request),
                None => {
                    let mut requests = Vec::with_capacity(MAX_BATCH_WRITE);
                    requests.push(request);
                    groups.push((schema, requests));
                }
            }
        }
        if chunk.len == 0 {
            return None;
        }
        chunk.requests.reserve(groups.len());
        for (schema, group) in groups {
            let table = self.db.table_name_of(schema.table);
            chunk.tables.push((table.clone(), schema));
            chunk.requests.insert(table, group);
        }
        self.next += chunk.len;
        Some(chunk)
    }

    /// Refuses a write without its hash key, and a second write to a key that may be in flight
    /// with the first: in one request DynamoDB refuses it, and across requests sent at once
    /// the order they apply in is not defined.
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
        let print = fingerprint(&self.window.hasher, schema, item);
        let mut text = None;
        for at in self.window.with_print(print) {
            let text = text.get_or_insert_with(|| key_text(schema, item));
            let Some(other) = Writes::range(self.parts, at, 1).pop() else {
                continue;
            };
            if other.schema().table == schema.table
                && key_text(other.schema(), &other.key(self.now)) == *text
            {
                let table = self.db.table_name_of(schema.table);
                return Err(Error::InvalidRequest {
                    message: format!(
                        "the batch writes the key {} of table `{table}` twice (writes {at} and {index}), close enough to be sent at once: DynamoDB refuses two writes to a key in one request, and applies requests sent at once in any order; keep them {} writes apart, or send the second after the batch",
                        key_display(text),
                        self.window.size * MAX_BATCH_WRITE
                    ),
                });
            }
        }
        self.window.add(print, index);
        Ok(())
    }
}

/// Puts and deletes across any models and tables, in chunks of 25. Built by
/// [`Db::batch_write`], [`Db::batch_put`] and [`Db::batch_delete`].
///
/// Every item goes through the write pipeline (validation, transforms, timestamps, limits).
///
/// **Order.** Chunks are sent in the order the writes were added, at most `concurrency` at
/// once ([`BatchPolicy`]), and a chunk is sent only once every chunk `concurrency` places
/// before it is done: two writes to one key that far apart apply in the order they were added,
/// as in a loop. Two writes to one key closer than that (200 writes by default) could be sent
/// at once, in any order, and the batch refuses them.
///
/// **When items are checked.** A batch holds a reference to each item (or the iterator it was
/// given) and converts an item when its chunk is built, just before the chunk is sent: its
/// memory is bounded by the chunks in flight, not by the size of the batch. The first
/// `concurrency` chunks are built and checked before anything is sent: a batch that fits in
/// them is refused whole, with the error of the write that failed (validation, a limit, a
/// second write to a key), and nothing is written. In a larger batch, a write refused later
/// stops it: [`Error::BatchStopped`] says which write, which writes were sent (every write
/// before the chunk holding it: `0..sent`, those not done listed), and that no write from
/// `sent` on was. [`BatchWrite::check_all_first`] checks every write before sending any,
/// holding every converted item at once.
///
/// BatchWriteItem carries no conditions, so a batch cannot keep optimistic locking: `put`
/// takes only models without a version attribute ([`Unversioned`], checked at compile time),
/// and [`BatchWrite::put_unchecked`] puts a versioned item on explicit request, storing its
/// version + 1 without checking what is stored.
#[must_use = "a request does nothing until `.send().await`"]
pub struct BatchWrite<'a> {
    db: &'a Db,
    parts: Vec<Part<'a>>,
    error: Option<Error>,
    policy: BatchPolicy,
    check_all_first: bool,
    on_progress: Option<super::OnProgress<'a>>,
    meter: Option<crate::Capacity>,
}

impl<'a> BatchWrite<'a> {
    /// Refuses a table name DynamoDB would refuse, before anything is sent (chunks are named
    /// without checking again).
    fn check_table_names(&self) -> Result<()> {
        for table in self.parts.iter().filter_map(Part::table) {
            self.db.table_name_for(table)?;
        }
        Ok(())
    }

    pub(crate) fn new(db: &'a Db) -> Self {
        BatchWrite {
            db,
            parts: Vec::new(),
            error: None,
            policy: BatchPolicy::default(),
            check_all_first: false,
            meter: None,
            on_progress: None,
        }
    }

    /// Adds a put of `item` (replacing any item with its key). Versioned models do not
    /// compile here: a batch cannot check a version (see [`BatchWrite::put_unchecked`]).
    pub fn put<M: Unversioned + Sync>(mut self, item: &'a M) -> Self {
        self.parts.push(Part::Put(item));
        self
    }

    /// Adds a put of every item of `items`, in order: the batch keeps the iterator (walked
    /// again for `request()`), not an entry per item.
    pub fn put_all<M, I>(mut self, items: I) -> Self
    where
        M: Unversioned + Sync + 'a,
        I: IntoIterator<Item = &'a M>,
        I::IntoIter: Clone + Send + Sync + 'a,
    {
        self.parts.push(Part::Puts(Box::new(items.into_iter())));
        self
    }

    /// Adds a put of a versioned `item` without checking the stored version, which a batch
    /// cannot do: it stores the item's version + 1 and overwrites whatever is stored, even an
    /// item another writer changed since this one was read. Use it for imports and migrations;
    /// for concurrent writers use [`Db::put`] or a transaction.
    pub fn put_unchecked<M: Model + Sync>(mut self, item: &'a M) -> Self {
        self.parts.push(Part::Put(item));
        self
    }

    /// Adds a delete of the item with `key`.
    pub fn delete<K: PrimaryKey>(mut self, key: K) -> Self {
        match key.to_item() {
            Ok(item) => self.parts.push(Part::Delete(
                crate::pipeline::read::model_name::<K::Model>(),
                K::Model::SCHEMA,
                item,
            )),
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

    /// Calls `report` after each chunk with the writes done, retried and given up so far (a
    /// progress bar for an import), without giving up the batch's concurrency: chunks still
    /// run `concurrency` at a time, and `report` runs between them, on the task sending the
    /// batch.
    pub fn on_progress(mut self, report: impl FnMut(&super::BatchProgress) + Send + 'a) -> Self {
        self.on_progress = Some(Box::new(report));
        self
    }

    /// Adds the capacity every request of the batch consumes to `meter`.
    pub fn capacity(mut self, meter: &crate::Capacity) -> Self {
        self.meter = Some(meter.clone());
        self
    }

    /// Checks every write (validation, limits, keys) before sending any, so that a refused
    /// write anywhere leaves nothing written, and reports every refused write at once: every
    /// broken rule, each path naming its write (`items[41] (Sample).score`). The price: every
    /// converted item is held at once, and memory grows with the batch.
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
        self.check_table_names()?;
        let mut chunker = Chunker::new(
            self.db,
            &self.parts,
            Timestamp::now(),
            self.policy.concurrency,
            self.check_all_first,
        );
        let chunks: Vec<Chunk> = std::iter::from_fn(|| chunker.next_chunk()).collect();
        if let Some(error) = chunker.refusal() {
            return Err(error);
        }
        chunks
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
        let span = crate::op::span::request_span!("BatchWriteItem", {
            let tables: Vec<String> = self
                .parts
                .iter()
                .filter_map(Part::table)
                .map(|table| self.db.table_name_of(table))
                .collect();
            crate::op::span::table_names(tables.iter().map(String::as_str))
        });
        crate::op::span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(mut self) -> Result<()> {
        if let Some(error) = self.error {
            return Err(error);
        }
        self.check_table_names()?;
        let (db, policy) = (self.db, self.policy);
        let concurrency = policy.concurrency.max(1);
        let mut chunker = Chunker::new(
            db,
            &self.parts,
            Timestamp::now(),
            concurrency,
            self.check_all_first,
        );
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
        if let Some(error) = chunker.refusal() {
            return Err(error);
        }
        let now = chunker.now;
        // In order, `concurrency` at a time: a chunk starts only once every chunk `concurrency`
        // places before it is done, which is what keeps writes to one key that far apart in
        // order. Driven by hand rather than by a stream adapter over a closure, for the reason
        // given at [`Writes`].
        let mut first = first.into_iter();
        let counters = super::Counters {
            meter: self.meter.take(),
            ..super::Counters::default()
        };
        let mut progress = super::BatchProgress::default();
        let mut on_progress = self.on_progress.take();
        let mut in_flight = FuturesOrdered::new();
        let mut unprocessed = Vec::new();
        let mut cause = None;
        loop {
            while in_flight.len() < concurrency {
                let Some(chunk) = first.next().or_else(|| chunker.next_chunk()) else {
                    break;
                };
                in_flight.push_back(write_chunk(db, &self.parts, chunk, now, policy, &counters));
            }
            // Folded in as they come: memory stays bounded by the chunks in flight.
            let Some((len, left, error)) = in_flight.next().await else {
                break;
            };
            counters.report(
                &mut progress,
                &mut on_progress,
                len - left.len(),
                left.len(),
            );
            unprocessed.extend(left);
            if cause.is_none() {
                cause = error;
            }
        }
        drop(in_flight);
        crate::op::span::requests(counters.requests());
        if let Some((index, _, error)) = chunker.stopped {
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

/// How many writes one chunk held, what it left undone, and why.
type ChunkOutcome = (usize, Vec<UnprocessedWrite>, Option<Error>);

impl Chunk {
    fn schema(&self, table: &str) -> Option<&'static Schema> {
        self.tables
            .iter()
            .find(|(name, _)| name == table)
            .map(|(_, schema)| *schema)
    }

    /// Its requests, built again (the same `now`, so the same items): for resending after a
    /// request that failed took them.
    fn rebuild(&self, parts: &[Part<'_>], now: Timestamp) -> Result<Requests> {
        let mut requests = Requests::with_capacity(self.tables.len());
        for write in Writes::range(parts, self.start, self.len) {
            let table = self
                .tables
                .iter()
                .find(|(_, schema)| schema.table == write.schema().table)
                .map(|(table, _)| table.clone())
                .unwrap_or_default();
            let request = write.into_request(now)?;
            requests.entry(table).or_default().push(request);
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

    /// The tables and keys of all its writes, built again.
    fn keys(&self, db: &Db, parts: &[Part<'_>], now: Timestamp) -> Vec<(String, Item)> {
        Writes::range(parts, self.start, self.len)
            .iter()
            .map(|write| (db.table_name_of(write.schema().table), write.key(now)))
            .collect()
    }
}

/// One chunk, retried until done or out of its budget: what is left, and why.
///
/// One budget covers everything that leaves writes undone: unprocessed writes, throttling,
/// server errors, lost connections (a put or delete applied twice stores what it stored once).
/// Requests go to the client without the SDK's retries and are moved into each attempt, not
/// copied: after a failed request the chunk is built again, and what DynamoDB left unprocessed
/// (few writes) is copied before it is sent again.
async fn write_chunk(
    db: &Db,
    parts: &[Part<'_>],
    mut chunk: Chunk,
    now: Timestamp,
    policy: BatchPolicy,
    counters: &super::Counters,
) -> ChunkOutcome {
    let len = chunk.len;
    let started = std::time::Instant::now();
    let mut next = Some(std::mem::take(&mut chunk.requests));
    // A copy of what DynamoDB left unprocessed, for sending again after a failed request.
    let mut left: Option<Requests> = None;
    // Every pending write was in every attempt so far: one flag covers them all.
    let mut maybe_applied = false;
    let mut last_error = None;
    for attempt in 0..policy.max_attempts.max(1) {
        if !policy.pause(attempt, started).await {
            break;
        }
        let requests = match (next.take(), &left) {
            (Some(requests), _) => requests,
            (None, Some(left)) => left.clone(),
            (None, None) => match chunk.rebuild(parts, now) {
                Ok(requests) => requests,
                Err(error) => {
                    return (
                        len,
                        failed(chunk.keys(db, parts, now), maybe_applied),
                        Some(error),
                    );
                }
            },
        };
        tracing::debug!(writes = chunk.len, attempt, "BatchWriteItem");
        let resent = if attempt == 0 {
            0
        } else {
            requests.values().map(Vec::len).sum()
        };
        counters.sent(resent);
        let request_span = crate::op::span::request_span!(
            "BatchWriteItem",
            crate::op::span::table_names(requests.keys().map(String::as_str))
        );
        let asked = counters.capacity_asked(&request_span);
        let request = db
            .writer()
            .batch_write_item()
            .set_request_items(Some(requests))
            .set_return_consumed_capacity(asked)
            .send();
        let result = crate::op::span::child(request_span, request).await;
        match result {
            Ok(output) => {
                counters.consumed(output.consumed_capacity());
                let mut unprocessed = output.unprocessed_items.unwrap_or_default();
                unprocessed.retain(|_, requests| !requests.is_empty());
                if unprocessed.is_empty() {
                    return (len, Vec::new(), None);
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
                        None => chunk.keys(db, parts, now),
                    };
                    return (len, failed(keys, maybe_applied), Some(error));
                }
                tracing::debug!(attempt, "BatchWriteItem failed; retrying its writes");
                last_error = Some(error);
            }
        }
    }
    // Out of budget: what is left, with its requests when the batch still holds them.
    match (next, left, last_error) {
        (Some(requests), _, None) | (None, Some(requests), None) => (
            len,
            requests
                .into_iter()
                .flat_map(|(table, requests)| {
                    let schema = chunk.schema(&table);
                    requests.into_iter().map(move |request| UnprocessedWrite {
                        key: match (schema, attributes(&request)) {
                            (Some(schema), Some(item)) => key_of(schema, item),
                            _ => Item::new(),
                        }
                        .into(),
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
                None => chunk.keys(db, parts, now),
            };
            (len, failed(keys, maybe_applied), error)
        }
    }
}

/// Writes whose request failed: their keys, without the requests (the SDK took them).
fn failed(keys: Vec<(String, Item)>, maybe_applied: bool) -> Vec<UnprocessedWrite> {
    keys.into_iter()
        .map(|(table, key)| UnprocessedWrite {
            table,
            key: key.into(),
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

/// The requests it would send (one per 25 writes), values redacted (see
/// [`show_item_values`](crate::show_item_values)).
impl std::fmt::Debug for BatchWrite<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::op::show::request(f, "BatchWrite", self.request())
    }
}
