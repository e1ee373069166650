//! One module per kind of request.

pub(crate) mod delete;
pub(crate) mod get;
pub(crate) mod put;
pub(crate) mod table;

pub use delete::{Delete, DeleteReturningOld};
pub use get::Get;
pub use put::{Create, Put};
pub use table::{CreateTable, CreateTableOutcome, DeleteTable};
