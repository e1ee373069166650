//! Scan: every item of a table or index, filtered, paged, and in parallel segments.

use aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder;
use aws_sdk_dynamodb::operation::scan::ScanInput;
use aws_sdk_dynamodb::types::Select;
use futures::future::try_join_all;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::capacity;
use crate::cursor::{Cursor, Page, Position};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::ExpressionWriter;
use crate::model::{Attributes, Model};
use crate::op::built;
use crate::op::options::ReadOptions;
use crate::op::paging::{self, key_of, PageFetch, Paging};
use crate::pipeline::read::{projection_paths, read_listed, read_projection};
use crate::schema::Index;
use crate::value::Item;

/// One segment's request, sent once per page.
type ScanFetch = PageFetch<ScanFluentBuilder>;

/// DynamoDB's limit on parallel scan segments.
const MAX_SEGMENTS: u32 = 1_000_000;

/// A scan of a whole table or index. Built by [`Db::scan`].
///
/// `.segments(n)` scans `n` segments in parallel and merges them into one stream;
/// `.segment(i, n)` scans one segment (to spread a scan over workers). A cursor of a
/// segmented scan holds every segment's position.
#[must_use = "a request does nothing until it is sent"]
pub struct Scan<'a, M: Model, O = M> {
    read: ReadOptions<'a, M, O>,
    /// Which segments this request scans, of how many.
    segments: (u32, u32),
    single_segment: bool,
}

impl<'a, M: Model> Scan<'a, M> {
    pub(crate) fn new(db: &'a Db) -> Self {
        Scan {
            read: ReadOptions::new(db, read_listed::<M>),
            segments: (0, 1),
            single_segment: false,
        }
    }
}

impl<'a, M: Model, O: Send + 'a> Scan<'a, M, O> {
    crate::op::options::read_setters!(M);

    /// Scans a secondary index instead of the table.
    pub fn index<H, R>(mut self, index: Index<M, H, R>) -> Self {
        self.read.index = Some(index.def());
        self
    }

    /// Scans in `n` parallel segments (1 to 1,000,000), merged into one result.
    pub fn segments(mut self, n: u32) -> Self {
        self.segments = (0, n);
        self.single_segment = false;
        self
    }

    /// Scans only segment `segment` of `total`, e.g. one per worker.
    pub fn segment(mut self, segment: u32, total: u32) -> Self {
        self.segments = (segment, total);
        self.single_segment = true;
        self
    }

    /// Reads items into a smaller struct whose fields become the projection.
    pub fn select<P: Attributes + Send + 'a>(mut self) -> Scan<'a, M, P> {
        self.read.projection = projection_paths::<M>(P::ATTRIBUTES);
        Scan {
            read: self.read.read_as(read_projection::<M, P>),
            segments: self.segments,
            single_segment: self.single_segment,
        }
    }

    /// The segments this request scans.
    fn segment_numbers(&self) -> std::ops::Range<u32> {
        let (segment, total) = self.segments;
        if self.single_segment {
            segment..segment + 1
        } else {
            0..total
        }
    }

    fn key_names(&self) -> Vec<&'static str> {
        paging::key_names(M::SCHEMA, self.read.index)
    }

    fn context(&self, table: &str) -> String {
        let (segment, total) = self.segments;
        let which = if self.single_segment {
            format!("{segment}of{total}")
        } else {
            format!("all{total}")
        };
        format!(
            "scan/{table}/{}/{which}",
            self.read.index.map_or("", |i| i.name)
        )
    }

    fn prepare(&self, count_only: bool) -> Result<(ScanFluentBuilder, String)> {
        let (segment, total) = self.segments;
        if total == 0 || total > MAX_SEGMENTS || segment >= total {
            return Err(Error::InvalidRequest {
                message: format!(
                    "segment {segment} of {total}: a scan has 1 to {MAX_SEGMENTS} segments, numbered from 0"
                ),
            });
        }
        self.read.check_consistent("")?;
        let table = self.read.db.table::<M>()?;
        let mut writer = ExpressionWriter::new();
        let (filter, projection) =
            self.read
                .render_listing(&mut writer, M::SCHEMA, &[], count_only)?;
        let (names, values) = writer.finish()?;
        let request = self
            .read
            .db
            .client()
            .scan()
            .table_name(&table)
            .set_index_name(self.read.index.map(|i| i.name.to_owned()))
            .set_filter_expression(filter)
            .set_projection_expression(projection)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .consistent_read(self.read.consistent)
            .set_select(count_only.then_some(Select::Count))
            .set_return_consumed_capacity(capacity::asked(self.read.capacity.as_ref()));
        Ok((request, table))
    }

    fn positions(&self, table: &str) -> Result<Vec<Position>> {
        let count = self.segment_numbers().len();
        match &self.read.start {
            None => Ok(vec![Position::Start; count]),
            Some(cursor) => cursor.decode(
                &self.context(table),
                count,
                &self.key_names(),
                self.read.db.cursor_key_ref(),
            ),
        }
    }

    /// One fetcher per segment, with where it starts.
    fn fetchers(&self, count_only: bool) -> Result<(Vec<(ScanFetch, Position)>, String)> {
        let (request, table) = self.prepare(count_only)?;
        let (_, total) = self.segments;
        let positions = self.positions(&table)?;
        let segmented = total > 1;
        let fetchers = self
            .segment_numbers()
            .zip(positions)
            .map(|(segment, position)| {
                let request = if segmented {
                    request
                        .clone()
                        .segment(segment as i32)
                        .total_segments(total as i32)
                } else {
                    request.clone()
                };
                let fetch = PageFetch {
                    request,
                    table: table.clone(),
                    capacity: self.read.capacity.clone(),
                };
                (fetch, position)
            })
            .collect();
        Ok((fetchers, table))
    }

    /// The first Scan request this would send (of the first segment), without sending it.
    pub fn request(&self) -> Result<ScanInput> {
        let (mut fetchers, _) = self.fetchers(false)?;
        let (fetch, position) = fetchers.remove(0);
        let start = match position {
            Position::After(key) => Some(key),
            _ => None,
        };
        fetch
            .request
            .set_exclusive_start_key(start)
            .set_limit(self.read.page_size)
            .as_input()
            .clone()
            .build()
            .map_err(built)
    }

    /// One page: up to `limit` matching items (or one DynamoDB page per segment without a
    /// limit), and the cursor to go on from. Segments are read in parallel.
    pub async fn send(self) -> Result<Page<O>> {
        let (fetchers, table) = self.fetchers(false)?;
        let paging = Paging {
            limit: None,
            page_size: self.read.page_size,
            filtered: self.read.filtered(M::SCHEMA),
            key_names: self.key_names(),
        };
        let (items, positions) = if fetchers.len() == 1 {
            let paging = Paging {
                limit: self.read.limit,
                ..paging
            };
            let (fetch, position) = &fetchers[0];
            let (items, next) = paging::collect(fetch, &paging, position.clone()).await?;
            (items, vec![next])
        } else {
            // One DynamoDB page from every unfinished segment, in parallel; then the limit
            // cuts across them in segment order, each segment keeping its own position.
            let pages = try_join_all(
                fetchers
                    .iter()
                    .map(|(fetch, position)| paging::collect(fetch, &paging, position.clone())),
            )
            .await?;
            let mut remaining = self.read.limit.unwrap_or(usize::MAX);
            let mut items = Vec::new();
            let mut positions = Vec::with_capacity(pages.len());
            for ((page, next), (_, before)) in pages.into_iter().zip(&fetchers) {
                if remaining == 0 {
                    positions.push(before.clone());
                } else if page.len() > remaining {
                    let kept: Vec<Item> = page.into_iter().take(remaining).collect();
                    let last = kept.last().expect("remaining > 0");
                    positions.push(Position::After(key_of(&paging.key_names, last)));
                    remaining = 0;
                    items.extend(kept);
                } else {
                    remaining -= page.len();
                    items.extend(page);
                    positions.push(next);
                }
            }
            (items, positions)
        };
        let next = (!positions.iter().all(|p| matches!(p, Position::Done))).then(|| {
            Cursor::encode(
                &self.context(&table),
                &positions,
                self.read.db.cursor_key_ref(),
            )
        });
        paging::page(items, self.read.read, next, &table, &self.key_names())
    }

    /// Every matching item (up to `limit`), lazily; segments are scanned in parallel and merged
    /// as their pages arrive.
    pub fn stream(self) -> impl Stream<Item = Result<O>> + Send + 'a {
        let read = self.read.read;
        let limit = self.read.limit.unwrap_or(usize::MAX);
        // Each segment may have to supply every item wanted.
        let paging = Paging {
            limit: self.read.limit,
            page_size: self.read.page_size,
            filtered: self.read.filtered(M::SCHEMA),
            key_names: self.key_names(),
        };
        let key_names = self.key_names();
        match self.fetchers(false) {
            // A bad item is an error naming it; the stream goes on past it.
            Ok((fetchers, table)) => {
                stream::select_all(fetchers.into_iter().map(|(fetch, position)| {
                    paging::items(fetch, paging.clone(), position).boxed()
                }))
                .map(move |item| {
                    item.and_then(|item| {
                        crate::pipeline::read::read_named(&table, &key_names, item, read)
                    })
                })
                .take(limit)
                .left_stream()
            }
            Err(e) => stream::once(async move { Err(e) }).right_stream(),
        }
    }

    /// Every matching item (up to `limit`), collected.
    pub async fn all(self) -> Result<Vec<O>> {
        self.stream().try_collect().await
    }

    /// How many items match, counted by DynamoDB (segments in parallel).
    pub async fn count(self) -> Result<usize> {
        let (fetchers, _) = self.fetchers(true)?;
        let counts = try_join_all(
            fetchers
                .iter()
                .map(|(fetch, position)| paging::count(fetch, position.clone())),
        )
        .await?;
        Ok(counts.into_iter().sum())
    }
}

/// The request of its first page (of the first segment), values redacted (see
/// [`show_item_values`](crate::show_item_values)).
impl<'a, M: Model, O: Send + 'a> std::fmt::Debug for Scan<'a, M, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "Scan", self.request())
    }
}
