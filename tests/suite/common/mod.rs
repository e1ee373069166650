//! Shared by the suite's modules: one DynamoDB Local for the test binary, one table prefix per
//! test.

#![allow(dead_code)] // some helpers serve only modules behind a feature

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

/// The table prefix of `test` in the calling file: `{file}.{test}.`. The modules share one
/// DynamoDB Local, so a test name used in two files still names two sets of tables; helpers
/// that take a test name are `#[track_caller]` so the file is their caller's.
#[track_caller]
pub fn prefix(test: &str) -> String {
    let file = std::path::Path::new(std::panic::Location::caller().file())
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("suite");
    format!("{file}.{test}.")
}

/// A `Db` whose tables are prefixed with [`prefix`]`(test)`, so tests run in parallel without
/// sharing tables. Each test gets its own client: a client is tied to the runtime it first
/// ran on, and every `#[tokio::test]` has its own runtime.
#[track_caller]
pub fn db(test: &str) -> impl std::future::Future<Output = Db> {
    let prefix = prefix(test);
    async move { local().await.db().table_prefix(prefix) }
}

/// Turns DynamoDB's deletion of expired items off on `M`'s table (`create_table` turned it on):
/// DynamoDB Local deletes expired items within seconds, and the library's own hiding of them is
/// what tests check, on items certainly still stored.
pub async fn keep_expired_items<M: dynamo_model::Model>(db: &Db) {
    let Some(ttl) = M::SCHEMA.ttl else {
        return;
    };
    db.client()
        .update_time_to_live()
        .table_name(db.table_name::<M>())
        .time_to_live_specification(
            aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                .enabled(false)
                .attribute_name(ttl)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// The binary of example `name`: `cargo test` builds the examples beside the test binaries
/// (target/<profile>/examples/).
pub fn example(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "cargo test builds the examples: {}",
        path.display()
    );
    path
}
