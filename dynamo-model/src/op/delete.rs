//! DeleteItem.

use aws_sdk_dynamodb::types::ReturnValue;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::{Model, PrimaryKey};
use crate::value::Item;

/// Deletes one item by key. Built by [`Db::delete`]. Deleting a key that has no item succeeds.
#[must_use = "a request does nothing until `.send().await`"]
pub struct Delete<'a, M: Model> {
    db: &'a Db,
    key: M::Key,
}

impl<'a, M: Model> Delete<'a, M> {
    pub(crate) fn new(db: &'a Db, key: M::Key) -> Self {
        Delete { db, key }
    }

    /// Returns the deleted item (`None` when there was none) from `send`.
    pub fn return_old(self) -> DeleteReturningOld<'a, M> {
        DeleteReturningOld { inner: self }
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        self.send_with(ReturnValue::None).await.map(drop)
    }

    async fn send_with(self, return_values: ReturnValue) -> Result<Option<Item>> {
        let key = self.key.to_item()?;
        let table = self.db.table_name::<M>();
        tracing::debug!(table = %table, "DeleteItem");
        let output = self
            .db
            .client()
            .delete_item()
            .table_name(&table)
            .set_key(Some(key))
            .return_values(return_values)
            .send()
            .await
            .map_err(|e| Error::from_sdk("DeleteItem", &table, e))?;
        Ok(output.attributes.filter(|item| !item.is_empty()))
    }
}

/// A delete that returns the item it removed. Built by [`Delete::return_old`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct DeleteReturningOld<'a, M: Model> {
    inner: Delete<'a, M>,
}

impl<M: Model> DeleteReturningOld<'_, M> {
    /// Sends the request: the deleted item, or `None` when no item had the key.
    pub async fn send(self) -> Result<Option<M>> {
        let old = self.inner.send_with(ReturnValue::AllOld).await?;
        old.map(M::from_item).transpose()
    }
}
