//! One module per kind of request.

use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use crate::error::Error;

pub(crate) mod batch;
pub(crate) mod delete;
pub(crate) mod get;
pub(crate) mod paging;
pub(crate) mod put;
pub(crate) mod query;
pub(crate) mod scan;
pub(crate) mod table;
pub(crate) mod transact;
pub(crate) mod update;

pub use batch::{
    BatchGet, BatchPolicy, BatchWrite, UnprocessedKey, UnprocessedWrite, MAX_BATCH_GET,
    MAX_BATCH_WRITE,
};
pub use delete::{Delete, DeleteReturningOld};
pub use get::{Get, GetProjected};
pub use put::{Create, Put};
pub use query::Query;
pub use scan::Scan;
pub use table::{CreateTable, CreateTableOutcome, DeleteTable};
pub use transact::{
    Append, CancellationReason, TransactGet, TransactGetOutput, TransactWrite,
    MAX_TRANSACTION_ACTIONS,
};
pub use update::{ReturnNew, ReturnNothing, ReturnOld, Update, UpdateReturn};

/// An SDK builder refused a request: a part the library should have set is missing.
pub(crate) fn built(err: BuildError) -> Error {
    Error::InvalidRequest {
        message: err.to_string(),
    }
}

/// `ReturnValuesOnConditionCheckFailure` for a request that did or did not ask for the item.
pub(crate) fn on_failure(asked: bool) -> Option<ReturnValuesOnConditionCheckFailure> {
    asked.then_some(ReturnValuesOnConditionCheckFailure::AllOld)
}
