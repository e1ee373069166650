//! DeleteItem.

use aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::types::ReturnValue;

use crate::capacity;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::writer::with_condition;
use crate::model::{Model, PrimaryKey};
use crate::op::options::WriteOptions;
use crate::op::retry::{self, Concluded, Repeat, SingleWrite};
use crate::op::span;
use crate::op::{built, on_failure};
use crate::pipeline::identity::{Expects, Identity};
use crate::pipeline::write::{on_live, version_conflict, version_is, Conditions};
use crate::value::Item;

/// Deletes one item by key. Built by [`Db::delete`]. Deleting a key that has no item succeeds
/// (unless a condition says otherwise).
#[must_use = "a request does nothing until `.send().await`"]
pub struct Delete<'a, M: Model> {
    db: &'a Db,
    key: M::Key,
    write: WriteOptions,
    expected_version: Option<i128>,
}

impl<'a, M: Model> Delete<'a, M> {
    pub(crate) fn new(db: &'a Db, key: M::Key) -> Self {
        Delete {
            db,
            key,
            write: WriteOptions::default(),
            expected_version: None,
        }
    }

    crate::op::options::write_setters!(M, return_item);

    /// Optimistic locking: deletes only if the stored version is `version`, otherwise
    /// [`Error::VersionConflict`].
    pub fn if_version(mut self, version: impl Into<i128>) -> Self {
        self.expected_version = Some(version.into());
        self
    }

    /// Returns the deleted item (`None` when there was none) from `send`. That item is only in
    /// the answer to the request that deleted it, so after a lost answer the delete is not sent
    /// again: [`Error::OutcomeUnknown`] (a retry would find nothing and return `None`).
    pub fn return_old(self) -> DeleteReturningOld<'a, M> {
        DeleteReturningOld { inner: self }
    }

    fn prepare(&self, return_values: ReturnValue) -> Result<(DeleteItemFluentBuilder, String)> {
        let key = self.key.to_item()?;
        let table = self.db.table::<M>()?;
        let schema = M::SCHEMA;
        let mut conditions = Conditions::default();
        conditions.user(schema, self.write.condition.as_ref());
        if let (Some(version), Some(expected)) = (schema.version, self.expected_version) {
            // An expired item has no version: it is gone.
            let node = version_is(version, expected);
            conditions.require(Some(on_live(schema, &node).into_owned()));
        }
        // The stored item tells a version conflict from the caller's failed condition, and,
        // after a lost answer, whether the item moved on. DynamoDB charges nothing for it.
        let return_item = self.write.return_item_on_failure
            || self.expected_version.is_some()
            || self.write.condition.is_some();
        let request = self
            .db
            .writer()
            .delete_item()
            .table_name(&table)
            .set_key(Some(key))
            .return_values(return_values)
            .set_return_values_on_condition_check_failure(on_failure(return_item))
            .set_return_consumed_capacity(capacity::asked(self.write.capacity.as_ref()));
        let request = with_condition!(request, conditions.rendered()?);
        Ok((request, table))
    }

    /// The DeleteItem request this would send, without sending it.
    pub fn request(&self) -> Result<DeleteItemInput> {
        let (request, _) = self.prepare(ReturnValue::None)?;
        request.as_input().clone().build().map_err(built)
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let span = span::request_span!("DeleteItem", self.db.table_name::<M>());
        span::traced(span, self.send_with(ReturnValue::None))
            .await
            .map(drop)
    }

    /// Sends with `return_values`; the stored item of a failed condition only when asked.
    async fn send_with(self, return_values: ReturnValue) -> Result<Option<Item>> {
        let asked = self.write.return_item_on_failure;
        self.send_untraced(return_values)
            .await
            .map_err(|e| crate::op::put::unasked(e, asked))
    }

    /// Sends the request: throttling and lost responses are retried (a delete applied twice
    /// leaves no item, as once). When a retry fails its condition after an attempt that may
    /// have been applied, the item the failure returns decides: an item another writer moved
    /// past the expected version was not deleted by this call; otherwise the outcome is
    /// [`Error::OutcomeUnknown`].
    async fn send_untraced(self, return_values: ReturnValue) -> Result<Option<Item>> {
        let (request, table) = self.prepare(return_values.clone())?;
        let expects = match (M::SCHEMA.version, self.expected_version) {
            (Some(_), Some(expected)) => Expects::VersionThenGone(expected),
            _ => Expects::Nothing,
        };
        let identity = Identity {
            token: None,
            expects,
        };
        let write = SingleWrite::of::<M>(
            self.db,
            "DeleteItem",
            &table,
            self.key.to_item()?,
            &identity,
        );
        let concluded = retry::single_write(
            write,
            self.write.capacity.as_ref(),
            Repeat::answering(&return_values),
            request,
            || Ok(self.prepare(return_values.clone())?.0),
            |request| request.send(),
        )
        .await?;
        match concluded {
            Concluded::Answered(output) => Ok(output.attributes.filter(|item| !item.is_empty())),
            // A delete stores no token, so nothing proves it applied after a lost answer.
            Concluded::Applied(_) => Err(Error::AnswerLost {
                operation: "DeleteItem",
                table,
            }),
            Concluded::Refused(error) => Err(match self.expected_version {
                Some(expected) => version_conflict(M::SCHEMA, expected, error),
                None => error,
            }),
        }
    }
}

/// A delete that returns the item it removed. Built by [`Delete::return_old`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct DeleteReturningOld<'a, M: Model> {
    inner: Delete<'a, M>,
}

impl<M: Model> DeleteReturningOld<'_, M> {
    /// The DeleteItem request this would send, without sending it.
    pub fn request(&self) -> Result<DeleteItemInput> {
        let (request, _) = self.inner.prepare(ReturnValue::AllOld)?;
        request.as_input().clone().build().map_err(built)
    }

    /// Sends the request: the deleted item, or `None` when no item had the key (or it had
    /// expired).
    pub async fn send(self) -> Result<Option<M>> {
        let span = span::request_span!("DeleteItem", self.inner.db.table_name::<M>());
        span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(self) -> Result<Option<M>> {
        let table = self.inner.db.table::<M>()?;
        let self_key = self.inner.key.to_item();
        match self.inner.send_with(ReturnValue::AllOld).await? {
            Some(old) => crate::pipeline::read::read(old).map_err(|e| {
                e.about_item(|| match self_key.as_ref() {
                    Ok(key) => crate::pipeline::read::describe_key(&table, key),
                    Err(_) => format!("in table `{table}`"),
                })
            }),
            None => Ok(None),
        }
    }
}

/// The request it would send, values redacted (see [`show_item_values`](crate::show_item_values)).
impl<M: Model> std::fmt::Debug for Delete<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "Delete", self.request())
    }
}

/// The request it would send, values redacted (see [`show_item_values`](crate::show_item_values)).
impl<M: Model> std::fmt::Debug for DeleteReturningOld<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "DeleteReturningOld", self.request())
    }
}
