use dynamo_model::prelude::*;

// A Dynamoose user's first query of a template key: the raw id instead of the composed value.
#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{customer_id}", range_key = "ORDER#{order_id}")]
struct Order {
    customer_id: String,
    order_id: String,
}

async fn newest(db: &Db) {
    let _ = db.query::<Order>().hash("c1").send().await;
}

fn main() {}
