//! PutItem: `put` (overwrite) and `create` (only if the key is new).

use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::ExpressionWriter;
use crate::model::{check_item, Model};

/// Writes an item, replacing any item with the same key. Built by [`Db::put`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct Put<'a, M: Model> {
    db: &'a Db,
    item: &'a M,
}

impl<'a, M: Model> Put<'a, M> {
    pub(crate) fn new(db: &'a Db, item: &'a M) -> Self {
        Put { db, item }
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let item = self.item.to_item()?;
        check_item(M::SCHEMA, &item)?;
        let table = self.db.table_name::<M>();
        tracing::debug!(table = %table, "PutItem");
        self.db
            .client()
            .put_item()
            .table_name(&table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| Error::from_sdk("PutItem", &table, e))?;
        Ok(())
    }
}

/// Writes a new item, refusing to overwrite: [`Error::AlreadyExists`] when an item with the same
/// key exists. Built by [`Db::create`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct Create<'a, M: Model> {
    db: &'a Db,
    item: &'a M,
}

impl<'a, M: Model> Create<'a, M> {
    pub(crate) fn new(db: &'a Db, item: &'a M) -> Self {
        Create { db, item }
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let item = self.item.to_item()?;
        check_item(M::SCHEMA, &item)?;
        let table = self.db.table_name::<M>();
        // Every item with this key has the hash key attribute, so its absence means "no item".
        let mut writer = ExpressionWriter::new();
        let mut condition = String::with_capacity(32);
        writer.function_of_name(
            &mut condition,
            "attribute_not_exists",
            M::SCHEMA.hash_key.name,
        );
        let (names, values) = writer.finish();
        tracing::debug!(table = %table, "PutItem (create)");
        let result = self
            .db
            .client()
            .put_item()
            .table_name(&table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await;
        match result.map_err(|e| Error::from_sdk("PutItem", &table, e)) {
            Ok(_) => Ok(()),
            Err(Error::ConditionFailed { table, .. }) => Err(Error::AlreadyExists { table }),
            Err(other) => Err(other),
        }
    }
}
