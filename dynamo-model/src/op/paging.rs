//! Paging shared by query and scan: pages that hold what users asked for, cursors, streams.

use std::future::Future;

use futures::stream::{self, Stream, TryStreamExt};

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder;

use crate::capacity::{self, Capacity};
use crate::cursor::{Cursor, Page, Position};
use crate::error::{Error, Result};
use crate::op::span;
use crate::value::Item;
use aws_sdk_dynamodb::operation::RequestId as _;

/// One DynamoDB response.
pub(crate) struct RawPage {
    pub(crate) items: Vec<Item>,
    pub(crate) last_key: Option<Item>,
    pub(crate) count: usize,
    /// The items DynamoDB read (and charged for) before its filter.
    pub(crate) scanned: usize,
}

/// Sends one Query or Scan request (of one segment).
pub(crate) trait Fetch {
    fn fetch(
        &self,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> impl Future<Output = Result<RawPage>> + Send;
}

/// A prepared Query or Scan request, sent once per page from a start key.
pub(crate) struct PageFetch<B> {
    pub(crate) request: B,
    pub(crate) table: String,
    pub(crate) capacity: Option<Capacity>,
}

/// `Fetch` for one operation's SDK builder: written once for both, whose builders and outputs
/// are distinct types with the same fields.
macro_rules! page_fetch {
    ($builder:ty, $operation:literal) => {
        impl Fetch for PageFetch<$builder> {
            fn fetch(
                &self,
                start: Option<Item>,
                limit: Option<i32>,
            ) -> impl Future<Output = Result<RawPage>> + Send {
                let table = self.table.clone();
                let span = span::request_span!($operation, &table);
                if let Some(index) = self.request.get_index_name() {
                    span.record("aws.dynamodb.index_name", index.as_str());
                }
                // Capacity is asked for per page: when metered, or when this page's span
                // reports it.
                let asked = self.capacity.is_some() || !span.is_disabled();
                let request = self
                    .request
                    .clone()
                    .set_exclusive_start_key(start)
                    .set_limit(limit)
                    .set_return_consumed_capacity(
                        asked.then_some(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total),
                    );
                let meter = self.capacity.clone();
                span::traced(span, async move {
                    tracing::debug!(table = %table, $operation);
                    let output = request
                        .send()
                        .await
                        .map_err(|e| Error::from_sdk($operation, &table, e))?;
                    capacity::record(meter.as_ref(), output.consumed_capacity.as_ref());
                    span::answered(output.request_id(), output.consumed_capacity.as_slice());
                    span::counted(output.count, output.scanned_count);
                    Ok(RawPage {
                        count: usize::try_from(output.count).unwrap_or(0),
                        scanned: usize::try_from(output.scanned_count).unwrap_or(0),
                        items: output.items.unwrap_or_default(),
                        last_key: output.last_evaluated_key.filter(|k| !k.is_empty()),
                    })
                })
            }
        }
    };
}

page_fetch!(QueryFluentBuilder, "Query");
page_fetch!(ScanFluentBuilder, "Scan");

/// How a request pages: the user's limit, DynamoDB's per-request limit, and which attributes
/// make up a start key.
#[derive(Debug, Clone)]
pub(crate) struct Paging {
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<i32>,
    pub(crate) filtered: bool,
    pub(crate) key_names: Vec<&'static str>,
}

/// The largest `Limit` an adaptive page asks for: bounds what one request may read past the
/// items wanted (DynamoDB's own bound is 1 MB).
pub(crate) const MAX_ADAPTIVE_LIMIT: i32 = 1_000;

/// How much a filtered read's `Limit` may grow from one request to the next.
const GROWTH: i32 = 4;

/// The least a filtered read asks for after a request whose items the filter all dropped: a
/// request is charged at least one 4 KB read unit, which holds more than a few items.
const AFTER_EMPTY: i32 = 8;

/// What the requests of one page have read so far.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Progress {
    /// Items DynamoDB read before its filter.
    pub(crate) scanned: usize,
    /// Items it returned.
    pub(crate) matched: usize,
    /// The `Limit` of the last request.
    pub(crate) last_limit: Option<i32>,
}

impl Progress {
    fn add(&mut self, page: &RawPage, limit: Option<i32>) {
        self.scanned += page.scanned;
        self.matched += page.items.len();
        self.last_limit = limit;
    }
}

impl Paging {
    /// DynamoDB's `Limit` for the next request, `remaining` items still wanted: the page size
    /// when set. Otherwise, without a filter (which DynamoDB applies after `Limit`), one more
    /// than what is still wanted: the extra item tells whether anything follows, so the last
    /// page is never followed by an empty one. With a filter, DynamoDB reads `Limit` items and
    /// returns those the filter keeps, and charges for every item read: the first request asks
    /// for what is wanted (exactly right where the key range holds only wanted items), each
    /// later one for what is still wanted divided by the share of items the filter kept so
    /// far, growing at most 4x per request, at least 8 after a request the filter emptied, and
    /// at most [`MAX_ADAPTIVE_LIMIT`].
    fn request_limit(&self, remaining: Option<usize>, progress: &Progress) -> Option<i32> {
        if self.page_size.is_some() {
            return self.page_size;
        }
        let remaining = i32::try_from(remaining?).unwrap_or(i32::MAX);
        if !self.filtered {
            return Some(remaining.saturating_add(1));
        }
        let Some(last) = progress.last_limit else {
            return Some(remaining.clamp(1, MAX_ADAPTIVE_LIMIT));
        };
        let next = if progress.matched == 0 {
            last.saturating_mul(GROWTH).max(AFTER_EMPTY)
        } else {
            // What is still wanted, at the share of items the filter has kept.
            let scanned = u64::try_from(progress.scanned).unwrap_or(u64::MAX);
            let matched = u64::try_from(progress.matched).unwrap_or(u64::MAX);
            let wanted = u64::try_from(remaining).unwrap_or(0);
            let estimate = wanted.saturating_mul(scanned).div_ceil(matched);
            i32::try_from(estimate)
                .unwrap_or(i32::MAX)
                .min(last.saturating_mul(GROWTH))
        };
        Some(next.clamp(1, MAX_ADAPTIVE_LIMIT))
    }
}

/// The attributes of a start key: the table's keys, and the index's when reading an index.
pub(crate) fn key_names(
    schema: &crate::schema::Schema,
    index: Option<&crate::schema::IndexDef>,
) -> Vec<&'static str> {
    let mut names = vec![schema.hash_key.name];
    names.extend(schema.range_key.map(|k| k.name));
    if let Some(index) = index {
        names.push(index.hash_key.name);
        names.extend(index.range_key.map(|k| k.name));
    }
    names.sort_unstable();
    names.dedup();
    names
}

/// The start key that resumes right after `item`.
pub(crate) fn key_of(names: &[&str], item: &Item) -> Item {
    names
        .iter()
        .filter_map(|name| item.get(*name).map(|v| ((*name).to_owned(), v.clone())))
        .collect()
}

/// One page as the user means it: with a limit, exactly `limit` matching items (fewer only at
/// the end), however many requests that takes; without one, one DynamoDB page.
pub(crate) async fn collect<F: Fetch>(
    fetch: &F,
    paging: &Paging,
    mut position: Position,
) -> Result<(Vec<Item>, Position)> {
    let mut items = Vec::new();
    let mut progress = Progress::default();
    loop {
        let start = match position {
            Position::Done => return Ok((items, Position::Done)),
            Position::Start => None,
            Position::After(key) => Some(key),
        };
        let remaining = paging.limit.map(|limit| limit - items.len());
        if remaining == Some(0) {
            return Ok((items, Position::from_start(start)));
        }
        let limit = paging.request_limit(remaining, &progress);
        let page = fetch.fetch(start, limit).await?;
        progress.add(&page, limit);
        let fetched = page.items.len();
        let next = match page.last_key {
            Some(key) => Position::After(key),
            None => Position::Done,
        };
        match remaining {
            Some(remaining) if fetched >= remaining => {
                items.extend(page.items.into_iter().take(remaining));
                // Stop after the last item returned, unless it was the very last of all.
                let position = if fetched == remaining && matches!(next, Position::Done) {
                    Position::Done
                } else {
                    Position::After(key_of(
                        &paging.key_names,
                        items.last().expect("remaining > 0"),
                    ))
                };
                return Ok((items, position));
            }
            Some(_) => {
                items.extend(page.items);
                position = next;
            }
            None => {
                items.extend(page.items);
                return Ok((items, next));
            }
        }
    }
}

/// Every item from `position` on (up to the paging's limit), one DynamoDB page in memory at a
/// time, each request's `Limit` chosen as [`collect`]'s are.
pub(crate) fn items<'a, F: Fetch + Send + Sync + 'a>(
    fetch: F,
    paging: Paging,
    position: Position,
) -> impl Stream<Item = Result<Item>> + Send + 'a {
    let state = (fetch, paging, position, Progress::default());
    stream::try_unfold(Some(state), move |state| async move {
        let Some((fetch, paging, position, mut progress)) = state else {
            return Ok::<_, crate::error::Error>(None);
        };
        let start = match position {
            Position::Done => return Ok(None),
            Position::Start => None,
            Position::After(key) => Some(key),
        };
        let remaining = paging.limit.map(|l| l.saturating_sub(progress.matched));
        if remaining == Some(0) {
            return Ok(None);
        }
        let limit = paging.request_limit(remaining, &progress);
        let page = fetch.fetch(start, limit).await?;
        progress.add(&page, limit);
        let next = page.last_key.map(Position::After).unwrap_or(Position::Done);
        Ok(Some((page.items, Some((fetch, paging, next, progress)))))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

/// The number of matching items from `position` on (Select COUNT: no items are read back).
pub(crate) async fn count<F: Fetch>(fetch: &F, mut position: Position) -> Result<usize> {
    let mut total = 0;
    loop {
        let start = match position {
            Position::Done => return Ok(total),
            Position::Start => None,
            Position::After(key) => Some(key),
        };
        let page = fetch.fetch(start, None).await?;
        total += page.count;
        position = page.last_key.map(Position::After).unwrap_or(Position::Done);
    }
}

/// Converts raw items into the page's type, with its cursor.
pub(crate) fn page<O>(
    items: Vec<Item>,
    read: fn(Item) -> Result<O>,
    next: Option<Cursor>,
    table: &str,
    key_names: &[&'static str],
) -> Result<Page<O>> {
    Ok(Page {
        items: items
            .into_iter()
            .map(|item| crate::pipeline::read::read_named(table, key_names, item, read))
            .collect::<Result<_>>()?,
        next,
    })
}
