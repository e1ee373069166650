//! DynamoDB Local for the benches that talk to a server: started once per bench binary (or the
//! one at `DYNAMODB_ENDPOINT` used), with tables prefixed by the bench and its process id.

use dynamo_model::local::DynamoDbLocal;
use dynamo_model::Db;
use tokio::runtime::Runtime;

/// A multi-threaded runtime, the server, and a `Db` on it.
pub fn start(bench: &str) -> (Runtime, DynamoDbLocal, Db) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let local = rt
        .block_on(DynamoDbLocal::start())
        .unwrap_or_else(|e| panic!("the {bench} bench needs DynamoDB Local: {e}"));
    let db = local
        .db()
        .table_prefix(format!("{bench}{}.", std::process::id()));
    (rt, local, db)
}
