//! PutItem: `put` (overwrite) and `create` (only if the key is new).

use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;

use crate::capacity::{self, Capacity};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::{Condition, Node};
use crate::expr::path::Path;
use crate::expr::ExpressionWriter;
use crate::model::{bump_version, check_item, version_conflict, Model};
use crate::op::{built, on_failure};

/// Writes an item, replacing any item with the same key. Built by [`Db::put`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct Put<'a, M: Model> {
    db: &'a Db,
    item: &'a M,
    condition: Option<Node>,
    return_item_on_failure: bool,
    capacity: Option<Capacity>,
    /// A create: a versioned item starts at version 1, with no version condition.
    creating: bool,
}

impl<'a, M: Model> Put<'a, M> {
    pub(crate) fn new(db: &'a Db, item: &'a M) -> Self {
        Put {
            db,
            item,
            condition: None,
            return_item_on_failure: false,
            capacity: None,
            creating: false,
        }
    }

    /// Writes only if `condition` holds for the item stored now; otherwise
    /// [`Error::ConditionFailed`]. Several calls combine with AND.
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.condition = Some(and(self.condition.take(), condition.node));
        self
    }

    /// When the condition fails, [`Error::ConditionFailed`] carries the item as it is stored.
    pub fn return_item_on_condition_failure(mut self) -> Self {
        self.return_item_on_failure = true;
        self
    }

    /// Adds the capacity this request consumes to `meter`.
    pub fn capacity(mut self, meter: &Capacity) -> Self {
        self.capacity = Some(meter.clone());
        self
    }

    /// The request, its table, and for a versioned model the version it expects stored.
    fn prepare(&self) -> Result<(PutItemFluentBuilder, String, Option<i128>)> {
        let mut item = crate::model::write_item(self.item)?;
        let version = bump_version(M::SCHEMA, &mut item, self.creating)?;
        let schema = M::SCHEMA;
        crate::timestamp::stamp(
            schema.created_at,
            schema.updated_at,
            &mut item,
            self.creating,
        );
        check_item(M::SCHEMA, &item)?;
        let table = self.db.table_name::<M>();
        let (version_condition, expected) = match version {
            Some((condition, expected)) if !self.creating => (Some(condition), Some(expected)),
            _ => (None, None),
        };
        let condition = match (&self.condition, version_condition) {
            (Some(user), Some(version)) => Some(and(Some(user.clone()), version)),
            (user, version) => user.clone().or(version),
        };
        // A versioned write needs the stored item to tell a conflict from a failed condition.
        let return_item = self.return_item_on_failure || expected.is_some();
        let mut request = self
            .db
            .client()
            .put_item()
            .table_name(&table)
            .set_item(Some(item))
            .set_return_values_on_condition_check_failure(on_failure(return_item))
            .set_return_consumed_capacity(capacity::asked(self.capacity.as_ref()));
        if let Some(condition) = &condition {
            let mut writer = ExpressionWriter::new();
            let expression = writer.condition("condition expression", condition);
            let (names, values) = writer.finish()?;
            request = request
                .condition_expression(expression)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values);
        }
        Ok((request, table, expected))
    }

    /// The PutItem request this would send, without sending it.
    pub fn request(&self) -> Result<PutItemInput> {
        let (request, _, _) = self.prepare()?;
        request.as_input().clone().build().map_err(built)
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let (request, table, expected) = self.prepare()?;
        tracing::debug!(table = %table, "PutItem");
        let output = request.send().await.map_err(|e| {
            let error = Error::from_sdk("PutItem", &table, e);
            match expected {
                Some(expected) => version_conflict(M::SCHEMA, expected, error),
                None => error,
            }
        })?;
        capacity::record(self.capacity.as_ref(), output.consumed_capacity.as_ref());
        Ok(())
    }
}

pub(crate) fn and(existing: Option<Node>, node: Node) -> Node {
    match existing {
        Some(existing) => {
            Condition::<()>::new(existing)
                .and(Condition::new(node))
                .node
        }
        None => node,
    }
}

/// Writes a new item, refusing to overwrite: [`Error::AlreadyExists`] when an item with the same
/// key exists. Built by [`Db::create`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct Create<'a, M: Model> {
    put: Put<'a, M>,
    user_condition: bool,
}

impl<'a, M: Model> Create<'a, M> {
    pub(crate) fn new(db: &'a Db, item: &'a M) -> Self {
        // Every stored item has its hash key attribute, so its absence means "no item".
        let absent = Node::NotExists(Path::name(M::SCHEMA.hash_key.name));
        let mut put = Put::new(db, item);
        put.condition = Some(absent);
        put.creating = true;
        Create {
            put,
            user_condition: false,
        }
    }

    /// A further condition, on top of "no item has this key".
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.put = self.put.condition(condition);
        // The stored item, if any, tells "already exists" from "condition failed".
        self.put.return_item_on_failure = true;
        self.user_condition = true;
        self
    }

    /// Adds the capacity this request consumes to `meter`.
    pub fn capacity(mut self, meter: &Capacity) -> Self {
        self.put = self.put.capacity(meter);
        self
    }

    /// The PutItem request this would send, without sending it.
    pub fn request(&self) -> Result<PutItemInput> {
        self.put.request()
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let user_condition = self.user_condition;
        match self.put.send().await {
            Err(Error::ConditionFailed { table, item }) if !user_condition || item.is_some() => {
                Err(Error::AlreadyExists { table })
            }
            other => other,
        }
    }
}
