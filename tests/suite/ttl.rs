//! `#[dynamo(ttl)]`: create_table enables TTL; expired items are hidden from reads.

use crate::common;

use std::time::Duration;

use dynamo_model::prelude::*;
use dynamo_model::ttl;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "sessions")]
struct Session {
    #[dynamo(hash_key)]
    user: String,
    #[dynamo(range_key)]
    id: String,
    #[dynamo(ttl)]
    expires_at: Option<i64>,
}

fn session(id: &str, expires_at: Option<i64>) -> Session {
    Session {
        user: "u".into(),
        id: id.into(),
        expires_at,
    }
}

#[tokio::test]
async fn create_table_enables_ttl_and_reads_hide_expired_items() {
    let db = common::db("ttl").await;
    db.create_table::<Session>().send().await.unwrap();
    db.create_table::<Session>()
        .if_not_exists()
        .send()
        .await
        .unwrap();
    let described = db
        .client()
        .describe_time_to_live()
        .table_name(db.table_name::<Session>())
        .send()
        .await
        .unwrap();
    let description = described.time_to_live_description().unwrap();
    assert_eq!(description.attribute_name(), Some("expires_at"));

    // Turn DynamoDB's own deletion off again, so the expired item is certainly still stored
    // while the reads below run (DynamoDB Local may sweep expired items at any moment).
    common::keep_expired_items::<Session>(&db).await;

    let live = session("live", Some(ttl::expires_in(Duration::from_secs(3600))));
    let expired = session("expired", Some(ttl::now() - 10));
    let forever = session("forever", None);
    db.batch_put([&live, &expired, &forever])
        .send()
        .await
        .unwrap();

    assert_eq!(
        db.get(SessionKey::new("u", "live")).send().await.unwrap(),
        Some(live.clone())
    );
    assert_eq!(
        db.get(SessionKey::new("u", "expired"))
            .send()
            .await
            .unwrap(),
        None
    );
    let all = db.query::<Session>().hash("u").all().await.unwrap();
    assert_eq!(all, vec![forever.clone(), live.clone()]);
    assert_eq!(db.query::<Session>().hash("u").count().await.unwrap(), 2);
    assert_eq!(db.scan::<Session>().all().await.unwrap().len(), 2);
    let got = db
        .batch_get::<Session>([
            SessionKey::new("u", "expired"),
            SessionKey::new("u", "live"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(got, vec![None, Some(live)]);
    // Still stored until DynamoDB deletes it: the raw client sees it.
    let raw = db
        .client()
        .scan()
        .table_name(db.table_name::<Session>())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.count, 3);
}
