//! Capacity units per access pattern: the store's patterns (`examples/support/store.rs`) read
//! and written through the library and through the best hand-written aws-sdk-dynamodb request,
//! against DynamoDB Local, which reports consumed capacity as the service computes it
//! (deterministically: one run is the figure). Prints the table of BENCHMARKS.md.
//!
//! `cargo bench --bench capacity` (starts DynamoDB Local, or uses `DYNAMODB_ENDPOINT`).

#[path = "store_capacity/mod.rs"]
mod store_capacity;

use dynamo_model::local::DynamoDbLocal;

#[tokio::main]
async fn main() {
    let local = DynamoDbLocal::start().await.expect("DynamoDB Local starts");
    let db = local
        .db()
        .table_prefix(format!("capacity{}.", std::process::id()));
    store_capacity::seed(&db).await;
    store_capacity::same_item(&db).await;
    let rows = store_capacity::measure(&db).await;
    println!(
        "\n{} orders x {} lines in one partition; units as DynamoDB Local reports them\n",
        store_capacity::ORDERS,
        store_capacity::LINES
    );
    print!("{}", store_capacity::table(&rows));
}
