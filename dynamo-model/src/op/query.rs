//! Query: typed key conditions on a table or index, filters, limits that mean what users think,
//! cursors and streams.

use std::borrow::Cow;
use std::marker::PhantomData;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::types::Select;
use futures::stream::{Stream, StreamExt, TryStreamExt};

use crate::capacity;
use crate::cursor::{Cursor, Page, Position};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::{Comparator, Condition, Node};
use crate::expr::operand::{Term, ValueFor};
use crate::expr::path::{Path, PathElement};
use crate::expr::ExpressionWriter;
use crate::limits::KeyPart;
use crate::model::{Attributes, Model};
use crate::op::built;
use crate::op::options::ReadOptions;
use crate::op::paging::{self, PageFetch, Paging};
use crate::pipeline::read::{projection_paths, read_listed, read_projection};
use crate::schema::Index;
use crate::value::Item;

/// A query: every item with one hash key value, optionally narrowed by a range key condition,
/// in range key order. Built by [`Db::query`].
///
/// - `.hash(v)` takes the table's (or the chosen index's) hash key type;
/// - `.range(cond)` takes one of `eq lt le gt ge between begins_with` on the range key;
/// - `.limit(n)` returns up to `n` *matching* items, paging as needed even with a filter;
///   `.page_size(n)` sets DynamoDB's own per-request `Limit`;
/// - `.filter(cond)` keeps matching items; a filter on the hash or range key of the table or
///   index queried is refused (DynamoDB refuses it): range conditions go in `.range(..)`;
/// - `.send()` returns one [`Page`] with a [`Cursor`] to go on from; `.stream()` yields every
///   item lazily; `.all()` collects them; `.count()` counts without reading items.
#[must_use = "a request does nothing until it is sent"]
pub struct Query<'a, M: Model, H = <M as Model>::HashKey, R = <M as Model>::RangeKey, O = M> {
    read: ReadOptions<'a, M, O>,
    hash: Option<Term>,
    range: Option<Node>,
    descending: bool,
    _types: PhantomData<crate::schema::IndexTypes<M, H, R>>,
}

impl<'a, M: Model> Query<'a, M> {
    pub(crate) fn new(db: &'a Db) -> Self {
        Query {
            read: ReadOptions::new(db, read_listed::<M>),
            hash: None,
            range: None,
            descending: false,
            _types: PhantomData,
        }
    }
}

/// A query over a [`Collection`](crate::Collection): the keys of its first variant's model,
/// items read into its variants. Built by [`Db::collection`].
pub type CollectionQuery<'a, C> = Query<
    'a,
    <C as crate::model::Collection>::Key,
    <<C as crate::model::Collection>::Key as Model>::HashKey,
    <<C as crate::model::Collection>::Key as Model>::RangeKey,
    C,
>;

impl<'a, C: crate::model::Collection> CollectionQuery<'a, C> {
    pub(crate) fn collection(db: &'a Db) -> Self {
        let mut read = ReadOptions::new(db, crate::pipeline::read::read_collection::<C>);
        read.entities = Some(C::MEMBERS);
        Query {
            read,
            hash: None,
            range: None,
            descending: false,
            _types: PhantomData,
        }
    }
}

impl<'a, M: Model, H, R, O: 'a> Query<'a, M, H, R, O> {
    fn retype<H2, R2, O2>(self, read: fn(Item) -> Result<O2>) -> Query<'a, M, H2, R2, O2> {
        Query {
            read: self.read.read_as(read),
            hash: self.hash,
            range: self.range,
            descending: self.descending,
            _types: PhantomData,
        }
    }

    crate::op::options::read_setters!(M);

    /// Queries a secondary index instead of the table: `.index(User::BY_EMAIL)`. The hash and
    /// range keys become the index's.
    pub fn index<H2, R2>(mut self, index: Index<M, H2, R2>) -> Query<'a, M, H2, R2, O> {
        self.read.index = Some(index.def());
        let read = self.read.read;
        self.retype(read)
    }

    /// The hash key value: required.
    pub fn hash(mut self, value: impl ValueFor<H>) -> Self {
        self.hash = Some(Term::from_value(value.to_value()));
        self
    }

    /// A condition on the range key: one of `eq lt le gt ge between begins_with` on the range
    /// key attribute, e.g. `.range(User::SK.begins_with("order#"))`. Anything else is refused
    /// before sending.
    pub fn range(mut self, condition: Condition<M>) -> Self {
        self.range = Some(condition.node);
        self
    }

    /// Highest range key first.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Reads items into a smaller struct: its fields become the projection, so only those
    /// attributes are read (and paid for in bandwidth).
    pub fn select<P: Attributes + 'a>(mut self) -> Query<'a, M, H, R, P> {
        self.read.projection = projection_paths::<M>(P::ATTRIBUTES);
        self.retype(read_projection::<M, P>)
    }

    fn key_names(&self) -> Vec<&'static str> {
        paging::key_names(M::SCHEMA, self.read.index)
    }

    fn context(&self, table: &str) -> String {
        format!("query/{table}/{}", self.read.index.map_or("", |i| i.name))
    }

    /// The request's fields, checked and rendered.
    fn render(&self, count_only: bool) -> Result<(RenderedQuery, String)> {
        let schema = M::SCHEMA;
        let (hash_key, range_key) = match self.read.index {
            Some(index) => (index.hash_key, index.range_key),
            None => (schema.hash_key, schema.range_key),
        };
        self.read.check_consistent(" or query the table")?;
        let Some(hash) = self.hash_value() else {
            return Err(Error::InvalidRequest {
                message: format!(
                    "a query needs its hash key: add `.hash(..)` for `{}`",
                    hash_key.name
                ),
            });
        };
        match &*hash {
            Term::Value(value) => {
                crate::limits::check_key(hash_key.name, value, KeyPart::Partition, true)?;
            }
            Term::Invalid(e) => return Err(e.clone().in_attribute(hash_key.name).into()),
            Term::Absent => {
                return Err(Error::InvalidValue {
                    path: hash_key.name.to_owned(),
                    message: "a query needs a hash key value".into(),
                })
            }
            _ => {}
        }
        if let Some(range) = &self.range {
            check_range(range, range_key.map(|k| k.name))?;
        }
        if let Some(filter) = &self.read.filter {
            for key in std::iter::once(hash_key).chain(range_key) {
                if filter.mentions(key.name) {
                    return Err(Error::InvalidRequest {
                        message: format!(
                            "the filter uses `{}`, a key attribute of what is queried, which DynamoDB refuses in a filter; use `.hash(..)` and `.range(..)` for key conditions",
                            key.name
                        ),
                    });
                }
            }
        }
        let table = self.read.db.table::<M>()?;
        // An entity's `constant` attribute as a key of what is queried: DynamoDB refuses it in
        // the filter, so the key condition holds it (as the hash key, the value given must be
        // the constant; as the range key, it is the condition when none is given).
        let constant = |name: &str| {
            M::SCHEMA
                .constants
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| value.to_attr())
        };
        if let (Some(expected), Term::Value(given)) = (constant(hash_key.name), &*hash) {
            if *given != expected && self.read.entities.is_none() {
                return Err(Error::InvalidRequest {
                    message: format!(
                        "the hash key `{}` of what is queried is the `constant` attribute of {}, which always holds {}; this query asks for {}, which no item of it holds",
                        hash_key.name,
                        crate::pipeline::read::model_name::<M>(),
                        crate::pipeline::read::type_value(&expected),
                        crate::pipeline::read::type_value(given),
                    ),
                });
            }
        }
        let constant_range = match (range_key, &self.range) {
            (Some(key), None) if self.read.entities.is_none() => constant(key.name).map(|value| {
                Node::Compare(
                    Term::Path(Path::name(key.name)),
                    Comparator::Eq,
                    Term::Value(value),
                )
            }),
            _ => None,
        };
        let user_range = constant_range.as_ref().or(self.range.as_ref());
        let range = match range_key {
            Some(key) => {
                crate::pipeline::read::narrow_range(key.name, &self.prefixes(key.name), user_range)
            }
            None => user_range.map(Cow::Borrowed),
        };
        let mut writer = ExpressionWriter::new();
        // Rendered from the builder's own nodes: nothing is cloned into a combined tree.
        let key_expression = writer.key_condition(hash_key.name, &hash, range.as_deref());
        let keys: Vec<&str> = std::iter::once(hash_key.name)
            .chain(range_key.map(|k| k.name))
            .collect();
        let (filter, projection) =
            self.read
                .render_listing(&mut writer, M::SCHEMA, &keys, count_only)?;
        let (names, values) = writer.finish()?;
        let rendered = RenderedQuery {
            table: table.clone(),
            index: self.read.index.map(|i| i.name.to_owned()),
            key: key_expression,
            filter,
            projection,
            names,
            values,
            consistent: self.read.consistent,
            forward: !self.descending,
            select: count_only.then_some(Select::Count),
            capacity: capacity::asked(self.read.capacity.as_ref()),
        };
        Ok((rendered, table))
    }

    /// The constant texts the range key `key` of the entities read starts with: none unless
    /// every one of them has one (an entity without could be anywhere in the range).
    fn prefixes(&self, key: &str) -> Vec<&'static str> {
        let prefix = |schema| crate::pipeline::read::key_prefix(schema, key);
        let prefixes: Option<Vec<&'static str>> = match self.read.entities {
            Some(members) => members.iter().map(|schema| prefix(schema)).collect(),
            None => prefix(M::SCHEMA).map(|p| vec![p]),
        };
        let mut prefixes = prefixes.unwrap_or_default();
        prefixes.sort_unstable();
        prefixes.dedup();
        prefixes
    }

    fn prepare(&self, count_only: bool) -> Result<(QueryFluentBuilder, String)> {
        let (rendered, table) = self.render(count_only)?;
        Ok((self.read.db.client().query().fields(rendered), table))
    }

    /// Where to start: the cursor's position, checked against this query.
    fn start_position(&self, table: &str) -> Result<Position> {
        let Some(cursor) = &self.read.start else {
            return Ok(Position::Start);
        };
        let names = self.key_names();
        let [position] = <[Position; 1]>::try_from(cursor.decode(
            &self.context(table),
            1,
            &names,
            self.read.db.cursor_key_ref(),
        )?)
        .map_err(|_| Error::InvalidCursor {
            message: "invalid cursor: it is malformed".into(),
        })?;
        // A cursor of another hash key would make DynamoDB refuse the request.
        if let (Position::After(key), Some(Term::Value(hash))) =
            (&position, self.hash_value().as_deref())
        {
            let hash_name = self
                .read
                .index
                .map_or(M::SCHEMA.hash_key.name, |i| i.hash_key.name);
            if key.get(hash_name) != Some(hash) {
                return Err(Error::InvalidCursor {
                    message: "invalid cursor: it belongs to another hash key".into(),
                });
            }
        }
        Ok(position)
    }

    /// The hash key value, through the key field's `set` transform (so a query finds what a
    /// put of the same value stored).
    fn hash_value(&self) -> Option<Cow<'_, Term>> {
        let name = self
            .read
            .index
            .map_or(M::SCHEMA.hash_key.name, |i| i.hash_key.name);
        let hooks = M::field_hooks(name);
        let hash = self.hash.as_ref()?;
        // Borrowed unless a transform changes it: the value is copied once, into the request.
        Some(if hooks.is_some_and(|h| h.write.is_some()) {
            Cow::Owned(crate::schema::transform(hooks, hash.clone()))
        } else {
            Cow::Borrowed(hash)
        })
    }

    fn fetcher(
        &self,
        count_only: bool,
    ) -> Result<(PageFetch<QueryFluentBuilder>, Position, String)> {
        let (request, table) = self.prepare(count_only)?;
        let position = self.start_position(&table)?;
        Ok((
            PageFetch {
                request,
                table: table.clone(),
                capacity: self.read.capacity.clone(),
            },
            position,
            table,
        ))
    }

    fn paging(&self) -> Paging {
        Paging {
            limit: self.read.limit,
            page_size: self.read.page_size,
            filtered: self.read.filtered(M::SCHEMA),
            key_names: self.key_names(),
        }
    }

    /// The first Query request this would send, without sending it.
    pub fn request(&self) -> Result<QueryInput> {
        let (rendered, table) = self.render(false)?;
        let start = match self.start_position(&table)? {
            Position::After(key) => Some(key),
            _ => None,
        };
        // Filled in directly: the fluent builder's input can only be cloned out of it.
        QueryInput::builder()
            .fields(rendered)
            .set_exclusive_start_key(start)
            .set_limit(self.read.page_size)
            .build()
            .map_err(built)
    }

    /// One page: up to `limit` matching items (or one DynamoDB page without a limit), and the
    /// cursor to go on from.
    pub async fn send(self) -> Result<Page<O>> {
        let (fetch, position, table) = self.fetcher(false)?;
        let (items, next) = paging::collect(&fetch, &self.paging(), position).await?;
        let next = match next {
            Position::Done => None,
            position => Some(Cursor::encode(
                &self.context(&table),
                &[position],
                self.read.db.cursor_key_ref(),
            )),
        };
        paging::page(items, self.read.read, next, &table, &self.key_names())
    }

    /// Every matching item (up to `limit`), lazily: one DynamoDB page in memory at a time.
    pub fn stream(self) -> impl Stream<Item = Result<O>> + Send + 'a
    where
        O: Send,
    {
        let read = self.read.read;
        let limit = self.read.limit.unwrap_or(usize::MAX);
        let paging = self.paging();
        let key_names = self.key_names();
        match self.fetcher(false) {
            // A bad item is an error naming it; the stream goes on past it.
            Ok((fetch, position, table)) => paging::items(fetch, paging, position)
                .map(move |item| {
                    item.and_then(|item| {
                        crate::pipeline::read::read_named(&table, &key_names, item, read)
                    })
                })
                .take(limit)
                .left_stream(),
            Err(e) => futures::stream::once(async move { Err(e) }).right_stream(),
        }
    }

    /// Every matching item (up to `limit`), collected.
    pub async fn all(self) -> Result<Vec<O>>
    where
        O: Send,
    {
        self.stream().try_collect().await
    }

    /// The first matching item, `None` when none matches: a page of one, read with the
    /// requests a `limit(1)` takes.
    pub async fn first(self) -> Result<Option<O>> {
        Ok(self.limit(1).send().await?.items.into_iter().next())
    }

    /// The one matching item, `None` when none matches, and [`Error::MoreThanOne`] when a
    /// second one does: for a read that should find at most one item (an order by its id
    /// through an index DynamoDB does not keep unique). It reads up to two items.
    pub async fn one(self) -> Result<Option<O>> {
        let table = self.read.db.table::<M>()?;
        let mut items = self.limit(2).send().await?.items;
        if items.len() > 1 {
            return Err(Error::MoreThanOne { table });
        }
        Ok(items.pop())
    }

    /// How many items match, counted by DynamoDB across pages (Select COUNT: no items are
    /// transferred).
    pub async fn count(self) -> Result<usize> {
        let (fetch, position, _) = self.fetcher(true)?;
        paging::count(&fetch, position).await
    }
}

/// The range key condition: one comparison on the range key attribute.
fn check_range(node: &Node, range_key: Option<&str>) -> Result<()> {
    let Some(range_key) = range_key else {
        return Err(Error::InvalidRequest {
            message: "`.range(..)` needs a range key, and this table or index has none".into(),
        });
    };
    let on_range_key =
        |path: &Path| matches!(path.elements(), [PathElement::Name(name)] if name == range_key);
    let (valid, values) = match node {
        Node::Compare(Term::Path(path), comparator, Term::Value(value)) => (
            *comparator != Comparator::Ne && on_range_key(path),
            vec![value],
        ),
        Node::Between(Term::Path(path), Term::Value(low), Term::Value(high)) => {
            (on_range_key(path), vec![low, high])
        }
        Node::BeginsWith(path, Term::Value(prefix)) => (on_range_key(path), vec![prefix]),
        _ => (false, Vec::new()),
    };
    for value in values {
        crate::limits::check_key(range_key, value, KeyPart::Sort, true)?;
    }
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidRequest {
            message: format!(
                "`.range(..)` takes one of eq, lt, le, gt, ge, between, begins_with on the range key `{range_key}` with values; use `.filter(..)` for other conditions"
            ),
        })
    }
}

/// A query's fields, rendered once and set alike on the fluent builder (to send) and on the
/// input builder (for `request()`), which share their setters but no trait.
struct RenderedQuery {
    table: String,
    index: Option<String>,
    key: String,
    filter: Option<String>,
    projection: Option<String>,
    names: Option<crate::expr::writer::Names>,
    values: Option<crate::expr::writer::Values>,
    consistent: bool,
    forward: bool,
    select: Option<Select>,
    capacity: Option<aws_sdk_dynamodb::types::ReturnConsumedCapacity>,
}

trait QueryFields: Sized {
    fn fields(self, rendered: RenderedQuery) -> Self;
}

macro_rules! query_fields {
    ($($builder:ty),*) => {$(
        impl QueryFields for $builder {
            fn fields(self, r: RenderedQuery) -> Self {
                self.table_name(r.table)
                    .set_index_name(r.index)
                    .key_condition_expression(r.key)
                    .set_filter_expression(r.filter)
                    .set_projection_expression(r.projection)
                    .set_expression_attribute_names(r.names)
                    .set_expression_attribute_values(r.values)
                    .consistent_read(r.consistent)
                    .scan_index_forward(r.forward)
                    .set_select(r.select)
                    .set_return_consumed_capacity(r.capacity)
            }
        }
    )*};
}

query_fields!(
    QueryFluentBuilder,
    aws_sdk_dynamodb::operation::query::builders::QueryInputBuilder
);

/// The request of its first page, values redacted (see
/// [`show_item_values`](crate::show_item_values)).
impl<'a, M: Model, H, R, O: 'a> std::fmt::Debug for Query<'a, M, H, R, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "Query", self.request())
    }
}
