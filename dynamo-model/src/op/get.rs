//! GetItem.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::{Model, PrimaryKey};

/// Reads one item by key. Built by [`Db::get`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct Get<'a, M: Model> {
    db: &'a Db,
    key: M::Key,
    consistent: bool,
}

impl<'a, M: Model> Get<'a, M> {
    pub(crate) fn new(db: &'a Db, key: M::Key) -> Self {
        Get {
            db,
            key,
            consistent: false,
        }
    }

    /// Strongly consistent read: sees every write acknowledged before it (twice the read cost).
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Sends the request: `Some(item)`, or `None` when no item has the key.
    pub async fn send(self) -> Result<Option<M>> {
        let key = self.key.to_item()?;
        let table = self.db.table_name::<M>();
        tracing::debug!(table = %table, "GetItem");
        let output = self
            .db
            .client()
            .get_item()
            .table_name(&table)
            .set_key(Some(key))
            .consistent_read(self.consistent)
            .send()
            .await
            .map_err(|e| Error::from_sdk("GetItem", &table, e))?;
        output.item.map(M::from_item).transpose()
    }
}
