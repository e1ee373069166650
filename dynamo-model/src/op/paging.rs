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

impl Paging {
    /// DynamoDB's `Limit` for the next request: the page size, or (without a filter, which
    /// DynamoDB applies after `Limit`) one more than what is still wanted: the extra item tells
    /// whether anything follows, so the last page is never followed by an empty one.
    fn request_limit(&self, remaining: Option<usize>) -> Option<i32> {
        let wanted = remaining
            .filter(|_| !self.filtered)
            .map(|n| i32::try_from(n.saturating_add(1)).unwrap_or(i32::MAX));
        match (self.page_size, wanted) {
            (Some(size), Some(wanted)) => Some(size.min(wanted)),
            (size, wanted) => size.or(wanted),
        }
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
        let page = fetch.fetch(start, paging.request_limit(remaining)).await?;
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

/// Every item from `position` on, one DynamoDB page in memory at a time.
pub(crate) fn items<'a, F: Fetch + Send + Sync + 'a>(
    fetch: F,
    page_size: Option<i32>,
    position: Position,
) -> impl Stream<Item = Result<Item>> + Send + 'a {
    stream::try_unfold(Some((fetch, position)), move |state| async move {
        let Some((fetch, position)) = state else {
            return Ok::<_, crate::error::Error>(None);
        };
        let start = match position {
            Position::Done => return Ok(None),
            Position::Start => None,
            Position::After(key) => Some(key),
        };
        let page = fetch.fetch(start, page_size).await?;
        let next = page.last_key.map(Position::After).unwrap_or(Position::Done);
        Ok(Some((page.items, Some((fetch, next)))))
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
