//! Shared by the test binaries: one DynamoDB Local per test binary, one table prefix per test.

#![allow(dead_code)] // each test binary uses a part of this

pub mod accounts;
pub mod counting;
pub mod faults;

use dynamo_model::local::DynamoDbLocal;
use dynamo_model::Db;
use tokio::sync::OnceCell;

static LOCAL: OnceCell<DynamoDbLocal> = OnceCell::const_new();

/// The server shared by this test binary (started on first use; it stops when the binary exits,
/// because it watches the pipe this process holds).
pub async fn local() -> &'static DynamoDbLocal {
    LOCAL
        .get_or_try_init(DynamoDbLocal::start)
        .await
        .unwrap_or_else(|e| panic!("DynamoDB Local must start for these tests: {e}"))
}

/// A `Db` whose tables are prefixed with the test's name, so tests run in parallel without
/// sharing tables. Each test gets its own client: a client is tied to the runtime it first
/// ran on, and every `#[tokio::test]` has its own runtime.
pub async fn db(test: &str) -> Db {
    local().await.db().table_prefix(format!("{test}."))
}
