//! DynamoDB Streams records as typed changes (feature `streams`): read from the stream
//! DynamoDB Local keeps, and from a Lambda event.

mod common;

use aws_sdk_dynamodb::types::StreamViewType;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use dynamo_model::prelude::*;
use dynamo_model::streams::{changes, Change, ChangeKind};

/// An order in a table shared with customers (`kind` tells them apart).
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "shop")]
struct Order {
    #[dynamo(hash_key)]
    pk: String,
    #[dynamo(range_key)]
    sk: String,
    #[dynamo(constant = "ORDER")]
    kind: String,
    total: u64,
    lines: Vec<String>,
    /// Stored as `state` by an earlier version.
    #[dynamo(alias = "state")]
    status: String,
    #[dynamo(default = 1)]
    priority: u8,
    /// Read through a `get` transform.
    #[dynamo(get = shout)]
    label: Option<String>,
    #[dynamo(ttl)]
    expires: Option<i64>,
}

fn shout(text: String) -> String {
    text.to_uppercase()
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "shop")]
struct Customer {
    #[dynamo(hash_key)]
    pk: String,
    #[dynamo(range_key)]
    sk: String,
    #[dynamo(constant = "CUSTOMER")]
    kind: String,
    name: String,
}

fn order(n: u32, status: &str) -> Order {
    Order {
        pk: "user#1".into(),
        sk: format!("order#{n:04}"),
        kind: "ORDER".into(),
        total: u64::from(n) * 100,
        lines: vec!["A-1".into()],
        status: status.into(),
        priority: 1,
        label: None,
        expires: None,
    }
}

/// Every record of the table's stream, in order (DynamoDB Local keeps one shard per table).
async fn read_stream(db: &Db) -> Vec<aws_sdk_dynamodbstreams::types::Record> {
    let local = common::local().await;
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name::<Order>())
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let arn = table.latest_stream_arn.expect("the table has a stream");
    let config = aws_sdk_dynamodbstreams::Config::builder()
        .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodbstreams::config::Region::new("us-east-1"))
        .endpoint_url(local.endpoint())
        .credentials_provider(aws_sdk_dynamodbstreams::config::Credentials::new(
            "dynamomodel",
            "local",
            None,
            None,
            "test",
        ))
        .build();
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(config);
    let shards = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .unwrap()
        .stream_description
        .unwrap()
        .shards
        .unwrap_or_default();
    let mut records = Vec::new();
    for shard in shards {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id.unwrap())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap()
            .shard_iterator;
        // An open shard's iterator goes on forever: stop at the first empty answer.
        while let Some(current) = iterator {
            let page = streams
                .get_records()
                .shard_iterator(current)
                .send()
                .await
                .unwrap();
            let got = page.records.unwrap_or_default();
            if got.is_empty() {
                break;
            }
            records.extend(got);
            iterator = page.next_shard_iterator;
        }
    }
    records
}

#[tokio::test]
async fn every_record_of_a_write_modify_delete_sequence_decodes_into_typed_images() {
    let db = common::db("streams").await;
    db.create_table::<Order>()
        .stream(StreamViewType::NewAndOldImages)
        .send()
        .await
        .unwrap();
    db.create(&order(1, "open")).send().await.unwrap();
    db.create(&Customer {
        pk: "user#1".into(),
        sk: "profile".into(),
        kind: "CUSTOMER".into(),
        name: "Ada".into(),
    })
    .send()
    .await
    .unwrap();
    db.update(OrderKey::new("user#1", "order#0001"))
        .set(Order::STATUS, "shipped")
        .add(Order::TOTAL, 5)
        .send()
        .await
        .unwrap();
    db.put(&order(2, "open")).send().await.unwrap();
    db.delete(OrderKey::new("user#1", "order#0001"))
        .send()
        .await
        .unwrap();

    let records = read_stream(&db).await;
    assert_eq!(records.len(), 5, "{records:#?}");
    let mut orders = Vec::new();
    let mut customers = 0;
    for record in records {
        match Change::<Order>::from_stream(record.clone()).unwrap() {
            Some(change) => orders.push(change),
            None => {
                customers += 1;
                let customer = Change::<Customer>::from_stream(record).unwrap().unwrap();
                assert_eq!(customer.new.unwrap().name, "Ada");
            }
        }
    }
    assert_eq!(customers, 1, "the customer's record is not an order's");
    let kinds: Vec<ChangeKind> = orders.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Insert,
            ChangeKind::Modify,
            ChangeKind::Insert,
            ChangeKind::Remove
        ]
    );
    assert_eq!(orders[0].old, None);
    assert_eq!(orders[0].new, Some(order(1, "open")));
    let modified = &orders[1];
    assert_eq!(modified.old, Some(order(1, "open")));
    let after = modified.new.as_ref().unwrap();
    assert_eq!((after.status.as_str(), after.total), ("shipped", 105));
    assert_eq!(orders[2].new, Some(order(2, "open")));
    let removed = &orders[3];
    assert_eq!(removed.new, None);
    assert_eq!(removed.old.as_ref().unwrap().status, "shipped");
    assert!(!removed.expired, "deleted by a request");
    assert_eq!(
        removed.keys.get("sk"),
        Some(&aws_sdk_dynamodb::types::AttributeValue::S(
            "order#0001".into()
        ))
    );
    assert!(orders.iter().all(|c| c.sequence_number.is_some()));
}

#[test]
fn a_lambda_event_decodes_with_the_read_rules() {
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(include_str!("fixtures/dynamodb-stream-event.json")).unwrap();
    let orders: Vec<Change<Order>> = changes::<Order>(&event).collect::<Result<_, _>>().unwrap();
    // The customer's record is skipped.
    assert_eq!(orders.len(), 3);
    let inserted = orders[0].new.as_ref().unwrap();
    // Read under its old name (`alias`), a missing attribute from its default.
    assert_eq!(inserted.status, "open");
    assert_eq!(inserted.priority, 1);
    assert_eq!(inserted.lines, ["A-1", "B-2"]);
    // `get` transforms apply, as on every read; an image past its TTL is still reported (a
    // stream says what happened, unlike a read of what is stored).
    assert_eq!(inserted.label.as_deref(), Some("FRAGILE"));
    assert_eq!(inserted.expires, Some(1));
    assert_eq!(orders[1].kind, ChangeKind::Modify);
    assert_eq!(orders[1].new.as_ref().unwrap().status, "shipped");
    let removed = &orders[2];
    assert_eq!(removed.kind, ChangeKind::Remove);
    assert!(removed.expired, "removed by DynamoDB's TTL");
    assert_eq!(removed.sequence_number.as_deref(), Some("114"));

    // An image that cannot be read names the attribute and the item.
    let mut broken = event.clone();
    broken.records[0].change.new_image.insert(
        "total".into(),
        serde_dynamo::AttributeValue::S("lots".into()),
    );
    let err = changes::<Order>(&broken)
        .next()
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("total") && err.contains("order#0001") && err.contains("shop"),
        "{err}"
    );
}

/// The shop's entities, read together.
#[derive(Collection, Debug, Clone, PartialEq)]
enum Shop {
    Order(Order),
    Customer(Customer),
}

/// Orders only: a collection that does not list customers.
#[derive(Collection, Debug, Clone, PartialEq)]
enum OrdersOnly {
    Order(Order),
}

/// A shared table's stream read as a collection: each record into its entity's variant, with
/// the same rules as reads (aliases, defaults, `get` transforms, TTL removals marked), and
/// records of entities the collection does not list skipped.
#[test]
fn a_shared_tables_stream_decodes_into_a_collection() {
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(include_str!("fixtures/dynamodb-stream-event.json")).unwrap();
    let shop: Vec<Change<Shop>> = changes::<Shop>(&event).collect::<Result<_, _>>().unwrap();
    let kinds: Vec<(ChangeKind, &str)> = shop
        .iter()
        .map(|c| {
            let entity = match c.new.as_ref().or(c.old.as_ref()) {
                Some(Shop::Order(_)) => "order",
                Some(Shop::Customer(_)) => "customer",
                None => "none",
            };
            (c.kind, entity)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::Insert, "order"),
            (ChangeKind::Insert, "customer"),
            (ChangeKind::Modify, "order"),
            (ChangeKind::Remove, "order"),
        ]
    );
    // The same rules as a model's change.
    let Some(Shop::Order(inserted)) = &shop[0].new else {
        panic!("{:?}", shop[0])
    };
    let alone: Vec<Change<Order>> = changes::<Order>(&event).collect::<Result<_, _>>().unwrap();
    assert_eq!(Some(inserted), alone[0].new.as_ref());
    assert_eq!(inserted.label.as_deref(), Some("FRAGILE"));
    assert!(shop[3].expired);
    // A collection that does not list customers skips their records.
    let orders = changes::<OrdersOnly>(&event).count();
    assert_eq!(orders, 3);
}

/// Only a removal by DynamoDB's TTL service is an expiry: the service's identity on an insert
/// (a global table's replica write, for one) says nothing of it.
#[test]
fn only_a_removal_by_the_ttl_service_is_an_expiry() {
    let mut event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(include_str!("fixtures/dynamodb-stream-event.json")).unwrap();
    let service = event.records[3].user_identity.clone();
    assert!(service.is_some());
    event.records[0].user_identity = service;
    let orders: Vec<Change<Order>> = changes::<Order>(&event).collect::<Result<_, _>>().unwrap();
    assert_eq!(orders[0].kind, ChangeKind::Insert);
    assert!(!orders[0].expired, "an insert never expires an item");
    assert!(orders[2].expired);
}
