//! `create_table` builds the table DynamoDB describes: keys, types, indexes, projections.

use crate::common;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    BillingMode, KeySchemaElement, KeyType, ProjectionType, ScalarAttributeType, TableStatus,
};
use dynamo_model::prelude::*;
use dynamo_model::{IndexKind, IndexProjection, ScalarType};

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "orders")]
#[dynamo(gsi(name = "by_customer", hash = "customer", range = "placed_at"))]
#[dynamo(gsi(name = "by_status", hash = "status", projection = "keys_only"))]
#[dynamo(gsi(
    name = "by_sku",
    hash = "sku",
    projection(include("total", "customer"))
))]
#[dynamo(lsi(name = "by_total", range = "total"))]
struct Order {
    #[dynamo(hash_key)]
    shop: String,
    #[dynamo(range_key)]
    id: u64,
    customer: String,
    #[dynamo(rename = "placedAt")]
    placed_at: i64,
    /// Sparse: orders without a status are not in `by_status`.
    status: Option<String>,
    sku: Option<Vec<u8>>,
    total: f64,
}

fn keys(elements: &[KeySchemaElement]) -> Vec<(String, KeyType)> {
    elements
        .iter()
        .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
        .collect()
}

#[test]
fn the_schema_is_a_constant() {
    let schema = Order::SCHEMA;
    assert_eq!(schema.table, "orders");
    assert_eq!(schema.hash_key.scalar, ScalarType::String);
    assert_eq!(schema.range_key.unwrap().scalar, ScalarType::Number);
    assert_eq!(schema.indexes.len(), 4);
    assert_eq!(schema.indexes[3].kind, IndexKind::Local);
    assert_eq!(
        schema.indexes[2].projection,
        IndexProjection::Include(&["total", "customer"])
    );
    assert_eq!(Order::BY_CUSTOMER.def().range_key.unwrap().name, "placedAt");
    assert_eq!(Order::PLACED_AT.name(), "placedAt");
    assert_eq!(
        schema.attributes,
        ["shop", "id", "customer", "placedAt", "status", "sku", "total"]
    );
}

#[tokio::test]
async fn create_table_creates_keys_and_indexes() {
    let db = common::db("schema").await;
    db.create_table::<Order>().send().await.unwrap();
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name::<Order>())
        .send()
        .await
        .unwrap()
        .table
        .unwrap();

    assert_eq!(table.table_status(), Some(&TableStatus::Active));
    assert_eq!(
        table.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    assert_eq!(
        keys(table.key_schema()),
        [
            ("shop".into(), KeyType::Hash),
            ("id".into(), KeyType::Range)
        ]
    );
    let types: HashMap<_, _> = table
        .attribute_definitions()
        .iter()
        .map(|d| (d.attribute_name().to_owned(), d.attribute_type().clone()))
        .collect();
    assert_eq!(
        types,
        HashMap::from([
            ("shop".into(), ScalarAttributeType::S),
            ("id".into(), ScalarAttributeType::N),
            ("customer".into(), ScalarAttributeType::S),
            ("placedAt".into(), ScalarAttributeType::N),
            ("status".into(), ScalarAttributeType::S),
            ("sku".into(), ScalarAttributeType::B),
            ("total".into(), ScalarAttributeType::N),
        ])
    );

    let gsis: HashMap<_, _> = table
        .global_secondary_indexes()
        .iter()
        .map(|g| (g.index_name().unwrap().to_owned(), g))
        .collect();
    assert_eq!(gsis.len(), 3);
    let by_customer = gsis["by_customer"];
    assert_eq!(
        keys(by_customer.key_schema()),
        [
            ("customer".into(), KeyType::Hash),
            ("placedAt".into(), KeyType::Range)
        ]
    );
    assert_eq!(
        by_customer.projection().unwrap().projection_type(),
        Some(&ProjectionType::All)
    );
    let by_status = gsis["by_status"];
    assert_eq!(
        keys(by_status.key_schema()),
        [("status".into(), KeyType::Hash)]
    );
    assert_eq!(
        by_status.projection().unwrap().projection_type(),
        Some(&ProjectionType::KeysOnly)
    );
    let by_sku = gsis["by_sku"].projection().unwrap();
    assert_eq!(by_sku.projection_type(), Some(&ProjectionType::Include));
    assert_eq!(by_sku.non_key_attributes(), ["total", "customer"]);

    let lsis = table.local_secondary_indexes();
    assert_eq!(lsis.len(), 1);
    assert_eq!(lsis[0].index_name(), Some("by_total"));
    assert_eq!(
        keys(lsis[0].key_schema()),
        [
            ("shop".into(), KeyType::Hash),
            ("total".into(), KeyType::Range)
        ]
    );
}

#[tokio::test]
async fn empty_index_keys_are_refused_and_none_leaves_the_index_sparse() {
    let db = common::db("sparse").await;
    db.create_table::<Order>().send().await.unwrap();
    let mut order = Order {
        shop: "s".into(),
        id: 1,
        customer: "c".into(),
        placed_at: 5,
        status: None,
        sku: None,
        total: 9.5,
    };
    db.put(&order).send().await.unwrap();
    order.status = Some(String::new());
    let err = db.put(&order).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "status"),
        "{err:?}"
    );
    order.customer = String::new();
    order.status = None;
    let err = db.put(&order).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "customer"),
        "{err:?}"
    );

    let indexed = db
        .client()
        .scan()
        .table_name(db.table_name::<Order>())
        .index_name(Order::BY_STATUS.name())
        .send()
        .await
        .unwrap();
    assert_eq!(
        indexed.count, 0,
        "an item without `status` is not in by_status"
    );
}

#[test]
fn create_table_request_is_available_without_sending() {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .build();
    let db = Db::new(aws_sdk_dynamodb::Client::from_conf(config)).table_prefix("dev_");
    let request = db.create_table::<Order>().request().unwrap();
    assert_eq!(request.table_name(), Some("dev_orders"));
    assert_eq!(request.billing_mode(), Some(&BillingMode::PayPerRequest));
    assert_eq!(request.global_secondary_indexes().len(), 3);
    assert_eq!(request.local_secondary_indexes().len(), 1);
    assert_eq!(request.attribute_definitions().len(), 7);
}

/// The table name from a constant, shared with code outside the model (a deployment script,
/// an IAM policy).
const INVOICES_TABLE: &str = "invoices";

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = INVOICES_TABLE)]
struct Invoice {
    #[dynamo(hash_key)]
    id: String,
    total: u64,
}

#[tokio::test]
async fn a_model_names_its_table_with_a_constant() {
    let db = common::db("schema").await;
    assert!(db.table_name::<Invoice>().ends_with(INVOICES_TABLE));
    db.create_table::<Invoice>().send().await.unwrap();
    let invoice = Invoice {
        id: "i1".into(),
        total: 12,
    };
    db.put(&invoice).send().await.unwrap();
    let read = db.get(InvoiceKey::new("i1")).send().await.unwrap();
    assert_eq!(read, Some(invoice));
}

/// Per-environment tables: a prefix and suffix for every table, a name of its own for one
/// (from configuration), and a configured name DynamoDB would refuse caught before sending.
#[tokio::test]
async fn a_db_names_tables_per_environment() {
    let local = common::local().await;
    let db = local
        .db()
        .table_prefix("naming.")
        .table_suffix("-prod")
        .table_for::<Invoice>("naming.billing-invoices-v2");
    assert_eq!(db.table_name::<Order>(), "naming.orders-prod");
    assert_eq!(db.table_name::<Invoice>(), "naming.billing-invoices-v2");
    db.create_table::<Invoice>().send().await.unwrap();
    let invoice = Invoice {
        id: "i1".into(),
        total: 7,
    };
    db.put(&invoice).send().await.unwrap();
    // Stored in the table the configuration named.
    let stored = local
        .db()
        .client()
        .get_item()
        .table_name("naming.billing-invoices-v2")
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S("i1".into()),
        )
        .send()
        .await
        .unwrap();
    assert!(stored.item.is_some());
    assert_eq!(
        db.batch_get::<Invoice>([InvoiceKey::new("i1")])
            .send()
            .await
            .unwrap(),
        [Some(invoice.clone())]
    );

    // A suffix that makes a name DynamoDB refuses: every operation says so before sending.
    let bad = local.db().table_suffix(" prod");
    let refused = |result: Result<(), Error>| match result {
        Err(Error::InvalidRequest { message }) => {
            assert!(message.contains("\"invoices prod\""), "{message}")
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    };
    refused(bad.put(&invoice).send().await.map(drop));
    refused(bad.get(InvoiceKey::new("i1")).send().await.map(drop));
    refused(bad.query::<Invoice>().hash("i1").send().await.map(drop));
    refused(bad.scan::<Invoice>().send().await.map(drop));
    refused(
        bad.update(InvoiceKey::new("i1"))
            .set(Invoice::TOTAL, 1)
            .send()
            .await
            .map(drop),
    );
    refused(bad.delete(InvoiceKey::new("i1")).send().await);
    refused(bad.batch_put([&invoice]).send().await);
    refused(
        bad.batch_get::<Invoice>([InvoiceKey::new("i1")])
            .send()
            .await
            .map(drop),
    );
    refused(bad.transact_write().put(&invoice).send().await.map(drop));
    refused(
        bad.transact_get()
            .get::<Invoice>(InvoiceKey::new("i1"))
            .send()
            .await
            .map(drop),
    );
    refused(bad.create_table::<Invoice>().send().await.map(drop));
    refused(bad.delete_table::<Invoice>().send().await.map(drop));
}
