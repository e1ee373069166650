//! One module per kind of request.

use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use crate::error::Error;

pub(crate) mod batch;
pub(crate) mod check;
pub(crate) mod delete;
pub(crate) mod get;
pub(crate) mod options;
pub(crate) mod paging;
pub(crate) mod put;
pub(crate) mod query;
pub(crate) mod retry;
pub(crate) mod scan;
pub(crate) mod show;
pub(crate) mod span;
pub(crate) mod table;
pub(crate) mod transact;
pub(crate) mod update;

pub use batch::{
    BatchGet, BatchGetOutput, BatchPolicy, BatchProgress, BatchWrite, UnprocessedKey,
    UnprocessedWrite, MAX_BATCH_GET, MAX_BATCH_WRITE,
};
pub use check::{CheckTable, Difference, MigrateTable, Migration, TableReport};
pub use delete::{Delete, DeleteReturningOld};
pub use get::{Get, GetProjected};
pub use put::{Create, Put, PutReturn};
pub use query::{CollectionQuery, Query};
pub use scan::Scan;
pub use table::{CreateTable, CreateTableOutcome, DeleteTable};
pub use transact::{
    Append, CancellationCode, CancellationReason, TransactGet, TransactGetOutput, TransactWrite,
    Written, MAX_TRANSACTION_ACTIONS,
};
pub use update::{
    ReturnNew, ReturnNothing, ReturnOld, ReturnUpdatedNew, ReturnUpdatedOld, Update, UpdateReturn,
};

/// An SDK builder refused a request: a part the library should have set is missing.
pub(crate) fn built(err: BuildError) -> Error {
    Error::Internal {
        message: format!("the SDK refused a request the library built: {err}"),
    }
}

/// `ReturnValuesOnConditionCheckFailure` for a request that did or did not ask for the item.
pub(crate) fn on_failure(asked: bool) -> Option<ReturnValuesOnConditionCheckFailure> {
    asked.then_some(ReturnValuesOnConditionCheckFailure::AllOld)
}

/// The item stored under `key`, read consistently: what a write that may have been applied
/// left (the check after a lost response).
pub(crate) async fn read_back(
    db: &crate::db::Db,
    table: &str,
    key: crate::value::Item,
) -> crate::error::Result<Option<crate::value::Item>> {
    Ok(db
        .client()
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| Error::from_sdk("GetItem", table, e))?
        .item)
}

/// Which of `tables` does not exist: DynamoDB's error for a request over several tables (a
/// transaction, a batch) does not say. Asks DescribeTable of each, on this error path only;
/// all of them, listed, when none can be told apart.
pub(crate) async fn missing_table(db: &crate::db::Db, tables: &[String]) -> String {
    let mut distinct: Vec<&String> = Vec::new();
    for table in tables {
        if !distinct.contains(&table) {
            distinct.push(table);
        }
    }
    if let [only] = distinct.as_slice() {
        return (*only).clone();
    }
    for table in &distinct {
        let described = db.client().describe_table().table_name(*table).send().await;
        if let Err(e) = described {
            if matches!(
                aws_sdk_dynamodb::Error::from(e),
                aws_sdk_dynamodb::Error::ResourceNotFoundException(_)
            ) {
                return (*table).clone();
            }
        }
    }
    distinct
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join("` or `")
}
