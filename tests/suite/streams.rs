//! DynamoDB Streams records as typed changes (feature `streams`): read from the stream
//! DynamoDB Local keeps, and from a Lambda event.

use crate::common;

use aws_sdk_dynamodb::types::StreamViewType;
use dynamo_model::prelude::*;
use dynamo_model::streams::{changes, Change, ChangeKind, Checkpoint, StreamReader};

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

    // Read by the library's reader, from the oldest record: each entity's own records.
    let reader = StreamReader::of::<Order>(&db, common::local().await.streams_client())
        .await
        .unwrap();
    let orders = reader
        .read::<Order>(&mut Checkpoint::trim_horizon())
        .await
        .unwrap();
    let customers = reader
        .read::<Customer>(&mut Checkpoint::trim_horizon())
        .await
        .unwrap();
    assert_eq!(
        customers.len(),
        1,
        "the customer's record is not an order's"
    );
    assert_eq!(customers[0].new.as_ref().unwrap().name, "Ada");
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

/// A consumer outside Lambda: the library's reader walks the table's stream on DynamoDB Local
/// from a checkpoint the caller keeps (as text between reads): each read returns what was
/// written since the last, in order, a shared table's records as a collection; a checkpoint
/// at the stream's end (`latest`) skips what was written before it.
#[tokio::test]
async fn a_stream_read_from_a_checkpoint_by_the_reader() {
    let local = common::local().await;
    let db = common::db("stream_reader").await;
    let err = StreamReader::of::<Order>(&db, local.streams_client())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    db.create_table::<Order>()
        .stream(StreamViewType::NewAndOldImages)
        .send()
        .await
        .unwrap();
    let reader = StreamReader::of::<Order>(&db, local.streams_client())
        .await
        .unwrap();
    let mut checkpoint = Checkpoint::trim_horizon();
    assert_eq!(reader.read::<Shop>(&mut checkpoint).await.unwrap(), []);

    db.create(&order(1, "open")).send().await.unwrap();
    let ada = Customer {
        pk: "user#1".into(),
        sk: "profile".into(),
        kind: "CUSTOMER".into(),
        name: "Ada".into(),
    };
    db.create(&ada).send().await.unwrap();
    db.update(OrderKey::new("user#1", "order#0001"))
        .set(Order::STATUS, "shipped")
        .send()
        .await
        .unwrap();
    let first = reader.read::<Shop>(&mut checkpoint).await.unwrap();
    let seen: Vec<(ChangeKind, Option<Shop>)> =
        first.into_iter().map(|c| (c.kind, c.new)).collect();
    let shipped = Order {
        status: "shipped".into(),
        ..order(1, "open")
    };
    assert_eq!(
        seen,
        [
            (ChangeKind::Insert, Some(Shop::Order(order(1, "open")))),
            (ChangeKind::Insert, Some(Shop::Customer(ada))),
            (ChangeKind::Modify, Some(Shop::Order(shipped))),
        ]
    );
    assert_eq!(reader.read::<Shop>(&mut checkpoint).await.unwrap(), []);

    // Kept as text, read back: the same position.
    let text = checkpoint.to_string();
    let mut resumed: Checkpoint = text.parse().unwrap();
    assert_eq!(resumed, checkpoint, "{text}");
    assert!("v2".parse::<Checkpoint>().is_err());
    assert!("v1;shard=1;2".parse::<Checkpoint>().is_err());

    // A checkpoint at the stream's end skips what was written before it.
    let mut latest = reader.latest().await.unwrap();
    assert_eq!(latest, checkpoint);
    db.delete(OrderKey::new("user#1", "order#0001"))
        .send()
        .await
        .unwrap();
    for checkpoint in [&mut resumed, &mut latest] {
        let changes = reader.read::<Order>(checkpoint).await.unwrap();
        let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [ChangeKind::Remove], "{checkpoint}");
    }
}
