//! GetItem.

use aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;

use crate::capacity::{self, Capacity};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::path::Path;
use crate::expr::ExpressionWriter;
use crate::model::{Model, PrimaryKey};
use crate::op::built;
use crate::op::span;
use crate::value::Item;
use aws_sdk_dynamodb::operation::RequestId as _;

/// Reads one item by key. Built by [`Db::get`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct Get<'a, M: Model> {
    db: &'a Db,
    key: M::Key,
    consistent: bool,
    capacity: Option<Capacity>,
}

impl<'a, M: Model> Get<'a, M> {
    pub(crate) fn new(db: &'a Db, key: M::Key) -> Self {
        Get {
            db,
            key,
            consistent: false,
            capacity: None,
        }
    }

    /// Adds the capacity this request consumes to `meter`.
    pub fn capacity(mut self, meter: &Capacity) -> Self {
        self.capacity = Some(meter.clone());
        self
    }

    /// Strongly consistent read: sees every write acknowledged before it (twice the read cost).
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Reads only these attributes: `.project([User::EMAIL.path(), User::AGE.path()])`. A part
    /// of an item is not a model, so `send` returns the raw attributes; the model's read rules
    /// still apply (an expired item is `None`, aliases and `get` transforms apply).
    pub fn project<P: Into<Path>>(self, paths: impl IntoIterator<Item = P>) -> GetProjected<'a, M> {
        let asked: Vec<Path> = paths.into_iter().map(Into::into).collect();
        let ttl_asked = M::SCHEMA
            .ttl
            .is_some_and(|ttl| asked.iter().any(|p| p.root() == ttl));
        let mut paths = Vec::with_capacity(asked.len() + 1);
        for path in asked {
            let aliases = match path.elements() {
                [crate::value::PathElement::Name(name)] => M::aliases(name),
                _ => &[],
            };
            paths.push(path);
            paths.extend(aliases.iter().map(|alias| Path::name(*alias)));
        }
        // The TTL attribute tells whether the item has expired.
        if let (Some(ttl), false) = (M::SCHEMA.ttl, ttl_asked) {
            paths.push(Path::name(ttl));
        }
        GetProjected {
            get: self,
            paths,
            ttl_asked,
        }
    }

    fn prepare(&self, projection: &[Path]) -> Result<(GetItemFluentBuilder, String)> {
        let key = self.key.to_item()?;
        let table = self.db.table::<M>()?;
        let mut request = self
            .db
            .client()
            .get_item()
            .table_name(&table)
            .set_key(Some(key))
            .consistent_read(self.consistent)
            .set_return_consumed_capacity(capacity::asked(self.capacity.as_ref()));
        if !projection.is_empty() {
            let mut writer = ExpressionWriter::new();
            let expression = writer.projection(projection);
            let (names, _) = writer.finish()?;
            request = request
                .projection_expression(expression)
                .set_expression_attribute_names(names);
        }
        Ok((request, table))
    }

    async fn send_with(&self, projection: &[Path]) -> Result<(Option<Item>, String)> {
        let (request, table) = self.prepare(projection)?;
        tracing::debug!(table = %table, "GetItem");
        let output = request
            .send()
            .await
            .map_err(|e| Error::from_sdk("GetItem", &table, e))?;
        capacity::record(self.capacity.as_ref(), output.consumed_capacity.as_ref());
        span::answered(output.request_id(), output.consumed_capacity.as_slice());
        Ok((output.item, table))
    }

    /// Names the item asked for, in an error about it.
    fn describe(&self, table: &str) -> String {
        match self.key.to_item() {
            Ok(key) => crate::pipeline::read::describe_key(table, &key),
            Err(_) => format!("in table `{table}`"),
        }
    }

    /// The GetItem request this would send, without sending it.
    pub fn request(&self) -> Result<GetItemInput> {
        let (request, _) = self.prepare(&[])?;
        request.as_input().clone().build().map_err(built)
    }

    /// Sends the request: `Some(item)`, or `None` when no item has the key (or it has
    /// expired).
    pub async fn send(self) -> Result<Option<M>> {
        let span = span::request_span!("GetItem", self.db.table_name::<M>());
        span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(self) -> Result<Option<M>> {
        match self.send_with(&[]).await? {
            (Some(item), table) => crate::pipeline::read::read(item)
                .map_err(|e| e.about_item(|| self.describe(&table))),
            (None, _) => Ok(None),
        }
    }
}

/// A get that reads only some attributes. Built by [`Get::project`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct GetProjected<'a, M: Model> {
    get: Get<'a, M>,
    paths: Vec<Path>,
    ttl_asked: bool,
}

impl<M: Model> GetProjected<'_, M> {
    /// The GetItem request this would send, without sending it.
    pub fn request(&self) -> Result<GetItemInput> {
        let (request, _) = self.get.prepare(&self.paths)?;
        request.as_input().clone().build().map_err(built)
    }

    /// Sends the request: the projected attributes, or `None` when no item has the key (or it
    /// has expired).
    pub async fn send(self) -> Result<Option<Item>> {
        let span = span::request_span!("GetItem", self.get.db.table_name::<M>());
        span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(self) -> Result<Option<Item>> {
        match self.get.send_with(&self.paths).await? {
            (Some(item), table) => {
                crate::pipeline::read::read_projected_item::<M>(item, self.ttl_asked)
                    .map_err(|e| e.about_item(|| self.get.describe(&table)))
            }
            (None, _) => Ok(None),
        }
    }
}

/// The request it would send, key values redacted (see
/// [`show_item_values`](crate::show_item_values)).
impl<M: Model> std::fmt::Debug for Get<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "Get", self.request())
    }
}

/// The request it would send, key values redacted (see
/// [`show_item_values`](crate::show_item_values)).
impl<M: Model> std::fmt::Debug for GetProjected<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "GetProjected", self.request())
    }
}
