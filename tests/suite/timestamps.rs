//! `created_at` / `updated_at`: kept by the library across create, put, update and transactions.

use crate::common;

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::Timestamp;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "posts", timestamps)]
struct Post {
    #[dynamo(hash_key)]
    id: String,
    title: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "events")]
struct Event {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(created_at = "epoch_seconds")]
    first_seen: Timestamp,
    #[dynamo(updated_at = "epoch_millis")]
    last_seen: Timestamp,
}

fn post(id: &str, title: &str) -> Post {
    Post {
        id: id.into(),
        title: title.into(),
        created_at: Timestamp::default(),
        updated_at: Timestamp::default(),
    }
}

async fn read(db: &Db, id: &str) -> Post {
    db.get(PostKey::new(id))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap()
}

async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

#[tokio::test]
async fn created_at_is_set_once_and_updated_at_on_every_write() {
    let db = common::db("timestamps").await;
    db.create_table::<Post>().send().await.unwrap();
    let before = Timestamp::now();
    db.create(&post("p", "first")).send().await.unwrap();
    let created = read(&db, "p").await;
    assert!(created.created_at >= before && created.created_at <= Timestamp::now());
    assert_eq!(created.created_at, created.updated_at);

    tick().await;
    db.put(&Post {
        title: "second".into(),
        ..created.clone()
    })
    .send()
    .await
    .unwrap();
    let put = read(&db, "p").await;
    assert_eq!(put.created_at, created.created_at, "put keeps created_at");
    assert!(put.updated_at > created.updated_at);

    tick().await;
    let updated = db
        .update(PostKey::new("p"))
        .set(Post::TITLE, "third")
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.created_at, created.created_at,
        "update keeps created_at"
    );
    assert!(updated.updated_at > put.updated_at);

    // An upsert that creates the item sets created_at.
    let fresh = db
        .update(PostKey::new("q"))
        .set(Post::TITLE, "upserted")
        .upsert()
        .send()
        .await
        .unwrap();
    assert!(fresh.created_at > created.created_at);

    tick().await;
    db.transact_write()
        .put(&Post {
            title: "fourth".into(),
            ..updated.clone()
        })
        .send()
        .await
        .unwrap();
    let transacted = read(&db, "p").await;
    assert_eq!(transacted.created_at, created.created_at);
    assert!(transacted.updated_at > updated.updated_at);

    // Stored as RFC 3339 strings by default.
    let raw = db
        .get(PostKey::new("p"))
        .project([Post::CREATED_AT.path()])
        .send()
        .await
        .unwrap()
        .unwrap();
    let AttributeValue::S(text) = &raw["created_at"] else {
        panic!("{raw:?}")
    };
    assert_eq!(Timestamp::parse_rfc3339(text), Some(created.created_at));
}

#[tokio::test]
async fn markers_choose_their_storage_format() {
    let db = common::db("timestamp_formats").await;
    db.create_table::<Event>().send().await.unwrap();
    let event = Event {
        id: "e".into(),
        first_seen: Timestamp::default(),
        last_seen: Timestamp::default(),
    };
    db.create(&event).send().await.unwrap();
    let raw = db
        .get(EventKey::new("e"))
        .project([Path::name("first_seen"), Path::name("last_seen")])
        .send()
        .await
        .unwrap()
        .unwrap();
    let (AttributeValue::N(secs), AttributeValue::N(millis)) =
        (&raw["first_seen"], &raw["last_seen"])
    else {
        panic!("{raw:?}")
    };
    let (secs, millis): (i64, i64) = (secs.parse().unwrap(), millis.parse().unwrap());
    assert_eq!(secs, millis / 1000);
    let read = db.get(EventKey::new("e")).send().await.unwrap().unwrap();
    assert_eq!(read.first_seen.as_secs(), secs);
    assert_eq!(read.last_seen.as_millis(), millis);
}

/// Readings of one sensor, keyed by time.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "readings")]
struct Reading {
    #[dynamo(hash_key)]
    sensor: String,
    #[dynamo(range_key)]
    at: Timestamp,
    value: f64,
}

#[tokio::test]
async fn a_timestamp_sort_key_selects_time_ranges() {
    let db = common::db("timestamps").await;
    db.create_table::<Reading>().send().await.unwrap();
    let start: Timestamp = "2026-11-30T09:00:00Z".parse().unwrap();
    // One reading a minute for two hours, written newest first: the order of the answers is
    // DynamoDB's, by the stored string.
    let readings: Vec<Reading> = (0..120)
        .rev()
        .map(|minute| Reading {
            sensor: "s1".into(),
            at: Timestamp::from_millis(start.as_millis() + minute * 60_000),
            value: minute as f64,
        })
        .collect();
    db.batch_put(&readings).send().await.unwrap();

    let from: Timestamp = "2026-11-30T09:30:00Z".parse().unwrap();
    let to: Timestamp = "2026-11-30T10:00:00+00:00".parse().unwrap();
    let page = db
        .query::<Reading>()
        .hash("s1")
        .range(Reading::AT.between(from, to))
        .send()
        .await
        .unwrap();
    let minutes: Vec<f64> = page.items.iter().map(|r| r.value).collect();
    assert_eq!(minutes, (30..=60).map(f64::from).collect::<Vec<_>>());

    let before = db
        .query::<Reading>()
        .hash("s1")
        .range(Reading::AT.lt(from))
        .descending()
        .limit(3)
        .send()
        .await
        .unwrap();
    let minutes: Vec<f64> = before.items.iter().map(|r| r.value).collect();
    assert_eq!(minutes, [29.0, 28.0, 27.0]);

    let key = ReadingKey::new("s1", from);
    let read = db.get(key).consistent().send().await.unwrap().unwrap();
    assert_eq!(read.at, from);
    // Stored as the string a user sees.
    let stored = db
        .client()
        .get_item()
        .table_name(db.table_name::<Reading>())
        .key("sensor", AttributeValue::S("s1".into()))
        .key("at", AttributeValue::S("2026-11-30T09:30:00.000Z".into()))
        .send()
        .await
        .unwrap();
    assert!(stored.item.is_some());
}

#[tokio::test]
async fn a_timestamp_rfc3339_cannot_hold_is_refused_before_sending() {
    let db = common::db("timestamps").await;
    let far = Reading {
        sensor: "s1".into(),
        at: Timestamp::from_secs(300_000_000_000),
        value: 0.0,
    };
    // No table exists: an error about the value means nothing was sent.
    let err = db.put(&far).send().await.unwrap_err();
    assert!(
        err.to_string().contains("0000 to 9999"),
        "the error names the range: {err}"
    );
}

#[test]
fn timestamps_read_and_write_as_rfc3339() {
    let t: Timestamp = "2026-11-22T03:59:37.123Z".parse().unwrap();
    assert_eq!(t.to_string(), "2026-11-22T03:59:37.123Z");
    assert_eq!(format!("{t:?}"), "Timestamp(2026-11-22T03:59:37.123Z)");
    let err = "22/11/2026".parse::<Timestamp>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "\"22/11/2026\" is not an RFC 3339 timestamp (like 2026-11-22T03:59:37.123Z)"
    );

    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(json, "\"2026-11-22T03:59:37.123Z\"");
    assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    assert!(serde_json::to_string(&Timestamp::from_secs(300_000_000_000)).is_err());

    let system: std::time::SystemTime = t.into();
    assert_eq!(Timestamp::from(system), t);
    let early = Timestamp::from_millis(-1_500);
    assert_eq!(Timestamp::from(std::time::SystemTime::from(early)), early);
}
