//! What request builders share, written once: the options of a read (query, scan) and of a
//! conditional write (put, delete, update), with their setters.

use std::marker::PhantomData;

use crate::capacity::Capacity;
use crate::cursor::Cursor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::Node;
use crate::expr::path::Path;
use crate::expr::ExpressionWriter;
use crate::pipeline::read::filters_listings;
use crate::schema::{IndexDef, IndexKind, Schema};
use crate::value::Item;

/// The options of a query or a scan of model `M`, read into `O`.
pub(crate) struct ReadOptions<'a, M, O> {
    pub(crate) db: &'a Db,
    pub(crate) index: Option<&'static IndexDef>,
    pub(crate) filter: Option<Node>,
    pub(crate) consistent: bool,
    pub(crate) projection: Vec<Path>,
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<i32>,
    pub(crate) start: Option<Cursor>,
    pub(crate) capacity: Option<Capacity>,
    /// How an item becomes an `O`: the whole model, or a projection.
    pub(crate) read: fn(Item) -> Result<O>,
    /// The entities a collection reads (items of any of them are kept); `None`: the model's.
    pub(crate) entities: Option<&'static [&'static Schema]>,
    pub(crate) _model: PhantomData<fn() -> M>,
}

impl<'a, M, O> ReadOptions<'a, M, O> {
    pub(crate) fn new(db: &'a Db, read: fn(Item) -> Result<O>) -> Self {
        ReadOptions {
            db,
            index: None,
            filter: None,
            consistent: false,
            projection: Vec::new(),
            limit: None,
            page_size: None,
            start: None,
            capacity: None,
            read,
            entities: None,
            _model: PhantomData,
        }
    }

    /// Whether the read pipeline filters the listing (TTL, entities), besides the caller.
    pub(crate) fn filtered(&self, schema: &Schema) -> bool {
        self.filter.is_some()
            || match self.entities {
                Some(entities) => entities.iter().any(|s| filters_listings(s)),
                None => filters_listings(schema),
            }
    }

    /// Refuses, before sending, what DynamoDB would: a consistent read of a global index.
    /// `hint` ends the message with what else to do.
    pub(crate) fn check_consistent(&self, hint: &str) -> Result<()> {
        if self.consistent && self.index.is_some_and(|i| i.kind == IndexKind::Global) {
            return Err(Error::InvalidRequest {
                message: format!(
                    "a global secondary index cannot be read consistently; drop `.consistent()`{hint}"
                ),
            });
        }
        Ok(())
    }

    /// The expressions a listing renders besides its key: the filter (checked by the read
    /// rules; none on `keys`, the attributes a query's key condition covers) and the projection
    /// (none when only counting).
    pub(crate) fn render_listing(
        &self,
        writer: &mut ExpressionWriter,
        schema: &Schema,
        keys: &[&str],
        count_only: bool,
    ) -> Result<(Option<String>, Option<String>)> {
        let filter = crate::pipeline::read::filter_expression(
            writer,
            self.filter.as_ref(),
            schema,
            self.entities,
            keys,
        )?;
        let projection = (!self.projection.is_empty() && !count_only)
            .then(|| writer.projection(&self.projection));
        Ok((filter, projection))
    }

    /// The same options, reading into another type: every option carries over (a new one is
    /// added to the struct, not to each builder).
    pub(crate) fn read_as<O2>(self, read: fn(Item) -> Result<O2>) -> ReadOptions<'a, M, O2> {
        ReadOptions {
            db: self.db,
            index: self.index,
            filter: self.filter,
            consistent: self.consistent,
            projection: self.projection,
            limit: self.limit,
            page_size: self.page_size,
            start: self.start,
            capacity: self.capacity,
            read,
            entities: self.entities,
            _model: PhantomData,
        }
    }
}

/// The setters of [`ReadOptions`], for a builder holding them in `self.read`.
macro_rules! read_setters {
    ($model:ty) => {
        /// Keeps only items for which `condition` holds. DynamoDB filters after reading, so
        /// filtered-out items still cost reads; `limit` still counts matching items. Several
        /// calls combine with AND.
        pub fn filter(mut self, condition: $crate::Condition<$model>) -> Self {
            self.read.filter = Some($crate::expr::condition::conjoin(
                self.read.filter.take(),
                condition.node,
            ));
            self
        }

        /// Strongly consistent reads (tables and local indexes only: refused on a global
        /// index).
        pub fn consistent(mut self) -> Self {
            self.read.consistent = true;
            self
        }

        /// Up to `n` matching items per `send()` (all pages needed are read); with `stream()`
        /// and `all()`, `n` items in all.
        ///
        /// What it costs: DynamoDB charges for the items it reads, before any filter (4 KB
        /// units, per request). Without a filter each request asks for what is still wanted,
        /// plus one (which tells whether more follows). With a filter — the caller's, or the
        /// read rules' own in a table several entities share or a model with a TTL — DynamoDB
        /// reads `Limit` items and returns those that pass, so each request asks for what is
        /// still wanted, then for what is still wanted divided by the share the filter has
        /// kept so far (at most 4x the last request, at most 1,000 items): where the key range
        /// holds only wanted items that is exactly what a hand-written request reads; where
        /// other items interleave, the first requests learn how many, and the page costs at
        /// most about twice a request whose author knew (see BENCHMARKS.md, "Capacity").
        /// [`page_size`](Self::page_size) overrides it.
        pub fn limit(mut self, n: usize) -> Self {
            self.read.limit = Some(n);
            self
        }

        /// DynamoDB's `Limit`: how many items each request reads (before the filter), in place
        /// of the one [`limit`](Self::limit) chooses. Set it when you know how the items
        /// interleave (a page of 5 orders, each followed by 40 lines: `page_size(205)` reads
        /// them in one request), or to bound the memory and latency of each request of a
        /// `stream()` without a limit (which otherwise reads DynamoDB's 1 MB pages).
        pub fn page_size(mut self, n: u32) -> Self {
            self.read.page_size = Some(i32::try_from(n.max(1)).unwrap_or(i32::MAX));
            self
        }

        /// Adds the capacity every page of this request consumes to `meter`.
        pub fn capacity(mut self, meter: &$crate::Capacity) -> Self {
            self.read.capacity = Some(meter.clone());
            self
        }

        /// Starts after the position a previous page's `next` cursor points at.
        pub fn start_after(mut self, cursor: $crate::Cursor) -> Self {
            self.read.start = Some(cursor);
            self
        }
    };
}
pub(crate) use read_setters;

/// The options every conditional write has: the caller's condition, whether a failed
/// condition brings the stored item back, and the capacity meter.
#[derive(Default)]
pub(crate) struct WriteOptions {
    pub(crate) condition: Option<Node>,
    pub(crate) return_item_on_failure: bool,
    pub(crate) capacity: Option<Capacity>,
}

/// The setters of [`WriteOptions`], for a builder holding them in `self.write`; with
/// `return_item`, also `return_item_on_condition_failure` (an update always brings it back).
macro_rules! write_setters {
    ($model:ty) => {
        /// Writes only if `condition` holds for the item stored now; otherwise
        /// [`Error::ConditionFailed`](crate::Error::ConditionFailed). Several calls combine
        /// with AND.
        pub fn condition(mut self, condition: $crate::Condition<$model>) -> Self {
            self.write.condition = Some($crate::expr::condition::conjoin(
                self.write.condition.take(),
                condition.node,
            ));
            self
        }

        /// Adds the capacity this request consumes to `meter`.
        pub fn capacity(mut self, meter: &$crate::Capacity) -> Self {
            self.write.capacity = Some(meter.clone());
            self
        }
    };
    ($model:ty, return_item) => {
        $crate::op::options::write_setters!($model);

        /// When the condition fails, [`Error::ConditionFailed`](crate::Error::ConditionFailed)
        /// carries the item as it is stored.
        pub fn return_item_on_condition_failure(mut self) -> Self {
            self.write.return_item_on_failure = true;
            self
        }
    };
}
pub(crate) use write_setters;
