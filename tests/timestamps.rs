//! `created_at` / `updated_at`: kept by the library across create, put, update and transactions.

mod common;

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
