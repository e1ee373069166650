//! DynamoDB's limits, each refused before anything is sent (the counting client shows nothing
//! went out), and each boundary value taken by DynamoDB Local: the library refuses exactly
//! what DynamoDB would.

use crate::common;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::{MAX_PARTITION_KEY_SIZE, MAX_SORT_KEY_SIZE};

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "things")]
#[dynamo(gsi(name = "by_tag", hash = "tag", range = "rank"))]
struct Thing {
    #[dynamo(hash_key)]
    pk: String,
    #[dynamo(range_key)]
    sk: String,
    tag: Option<String>,
    rank: Option<String>,
    score: Option<f64>,
    notes: Vec<Option<String>>,
    #[dynamo(flatten)]
    extra: HashMap<String, AttributeValue>,
}

fn thing(pk: &str, sk: &str) -> Thing {
    Thing {
        pk: pk.into(),
        sk: sk.into(),
        tag: None,
        rank: None,
        score: None,
        notes: Vec::new(),
        extra: HashMap::new(),
    }
}

async fn setup(test: &str) -> (Db, std::sync::Arc<common::counting::Requests>) {
    let (db, requests) = common::counting::db(test).await;
    db.create_table::<Thing>().send().await.unwrap();
    (db, requests)
}

/// Asserts `err` names `path` and says `words`.
fn refused(err: Error, path: &str, words: &str) {
    match &err {
        Error::InvalidValue { path: p, message } => {
            assert_eq!(p, path, "{err}");
            assert!(message.contains(words), "{err}");
        }
        other => panic!("expected InvalidValue at {path}, got {other:?}"),
    }
}

#[tokio::test]
async fn key_values_are_held_to_their_sizes() {
    let (db, requests) = setup("limits_keys").await;
    let long = |n: usize| "k".repeat(n);
    let sent = requests.sent();
    let over = MAX_PARTITION_KEY_SIZE + 1;
    refused(
        db.put(&thing(&long(over), "s")).send().await.unwrap_err(),
        "pk",
        "over DynamoDB's limit of 2048",
    );
    refused(
        db.get(ThingKey::new(long(over), "s"))
            .send()
            .await
            .unwrap_err(),
        "pk",
        "2049 bytes",
    );
    refused(
        db.delete(ThingKey::new(long(over), "s"))
            .send()
            .await
            .unwrap_err(),
        "pk",
        "partition",
    );
    refused(
        db.query::<Thing>()
            .hash(long(over))
            .send()
            .await
            .unwrap_err(),
        "pk",
        "partition",
    );
    let sort_over = MAX_SORT_KEY_SIZE + 1;
    refused(
        db.put(&thing("p", &long(sort_over)))
            .send()
            .await
            .unwrap_err(),
        "sk",
        "over DynamoDB's limit of 1024",
    );
    refused(
        db.query::<Thing>()
            .hash("p")
            .range(Thing::SK.ge(long(sort_over)))
            .send()
            .await
            .unwrap_err(),
        "sk",
        "sort",
    );
    // Index keys: on puts and on updates.
    let tagged = Thing {
        tag: Some(long(over)),
        ..thing("p", "s")
    };
    refused(
        db.put(&tagged).send().await.unwrap_err(),
        "tag",
        "partition",
    );
    let ranked = Thing {
        tag: Some("t".into()),
        rank: Some(long(sort_over)),
        ..thing("p", "s")
    };
    refused(db.put(&ranked).send().await.unwrap_err(), "rank", "sort");
    refused(
        db.update(ThingKey::new("p", "s"))
            .set(Thing::TAG, long(over))
            .send()
            .await
            .unwrap_err(),
        "tag",
        "partition",
    );
    refused(
        db.update(ThingKey::new("p", "s"))
            .set(Thing::TAG, "")
            .send()
            .await
            .unwrap_err(),
        "tag",
        "index key attribute cannot be empty",
    );
    assert_eq!(requests.sent(), sent, "nothing was sent");

    // At the limits, DynamoDB takes them.
    let at = Thing {
        tag: Some(long(MAX_PARTITION_KEY_SIZE)),
        rank: Some(long(MAX_SORT_KEY_SIZE)),
        ..thing(&long(MAX_PARTITION_KEY_SIZE), &long(MAX_SORT_KEY_SIZE))
    };
    db.put(&at).send().await.unwrap();
    let key = ThingKey::new(long(MAX_PARTITION_KEY_SIZE), long(MAX_SORT_KEY_SIZE));
    assert!(db.get(key).send().await.unwrap().is_some());
}

/// A map value nested `levels` deep in all (the attribute counts as one).
fn nested(levels: usize) -> AttributeValue {
    let mut value = AttributeValue::S("x".into());
    for _ in 1..levels {
        value = AttributeValue::M(HashMap::from([("a".to_owned(), value)]));
    }
    value
}

#[tokio::test]
async fn nesting_names_and_raw_values_are_checked() {
    let (db, requests) = setup("limits_raw").await;
    let with = |name: &str, value: AttributeValue| Thing {
        extra: HashMap::from([(name.to_owned(), value)]),
        ..thing("p", "s")
    };
    let sent = requests.sent();
    refused(
        db.put(&with("deep", nested(33))).send().await.unwrap_err(),
        "deep",
        "33 levels",
    );
    let err = db
        .update(ThingKey::new("p", "s"))
        .set(Path::parse(&vec!["a"; 33].join(".")).unwrap(), "x")
        .upsert()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { message, .. } if message.contains("33 levels")),
        "{err}"
    );
    let err = db
        .put(&with(&"n".repeat(65_536), AttributeValue::Bool(true)))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { message, .. } if message.contains("65535 bytes")),
        "{err}"
    );
    // Raw values of a `flatten` map: the rules typed values meet by construction.
    for (value, words) in [
        (AttributeValue::N("NaN".into()), "not a number"),
        (
            AttributeValue::N("1e999".into()),
            "outside DynamoDB's number range",
        ),
        (AttributeValue::Ss(vec![]), "empty set"),
        (AttributeValue::Ss(vec!["a".into(), "a".into()]), "twice"),
        (AttributeValue::Ns(vec!["1".into(), "1.0".into()]), "twice"),
    ] {
        refused(
            db.put(&with("raw", value)).send().await.unwrap_err(),
            "raw",
            words,
        );
    }
    assert!(matches!(
        db.put(&with("", AttributeValue::Bool(true)))
            .send()
            .await
            .unwrap_err(),
        Error::InvalidValue { .. }
    ));
    assert_eq!(requests.sent(), sent, "nothing was sent");

    // At the limits, DynamoDB takes them. (Names: the service takes 65,535 bytes; DynamoDB
    // Local answers InternalFailure above 50,000, so the long name here is 50,000.)
    db.put(&with("deep", nested(32))).send().await.unwrap();
    db.put(&with(&"n".repeat(50_000), AttributeValue::Bool(true)))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn paths_in_conditions_are_held_to_the_limits() {
    let (db, requests) = setup("limits_paths").await;
    db.put(&thing("p", "s")).send().await.unwrap();
    let deep = |levels: usize| Path::parse(&vec!["a"; levels].join(".")).unwrap();
    let sent = requests.sent();
    for (path, words) in [
        (deep(40), "40 levels, over DynamoDB's limit of 32"),
        (Path::name("").key("x"), "an empty attribute name"),
        (Path::name("score").key(""), "an empty attribute name"),
        (Path::name("n".repeat(65_536)), "65536 bytes"),
    ] {
        // Every expression that names a path: a condition, a filter, a projection.
        let condition: Condition<Thing> = path.exists();
        let err = db
            .put(&thing("p", "s"))
            .condition(condition.clone())
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { message } if message.contains(words)),
            "{err}"
        );
        let err = db
            .query::<Thing>()
            .hash("p")
            .filter(condition)
            .all()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { message } if message.contains(words)),
            "{err}"
        );
    }
    assert_eq!(requests.sent(), sent, "nothing was sent");
    // At the limit, DynamoDB takes the path.
    db.delete(ThingKey::new("p", "s"))
        .condition(deep(32).not_exists())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn transactions_are_held_to_four_megabytes() {
    let (db, requests) = setup("limits_transact").await;
    let big = |i: usize| Thing {
        notes: vec![Some("x".repeat(390 * 1024))],
        ..thing("p", &format!("s{i}"))
    };
    let items: Vec<Thing> = (0..11).map(big).collect();
    let sent = requests.sent();
    let err = items
        .iter()
        .fold(db.transact_write(), |t, item| t.put(item))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.contains("over DynamoDB's limit of 4194304")),
        "{err}"
    );
    assert_eq!(requests.sent(), sent, "nothing was sent");
    // Ten of them fit.
    items[..10]
        .iter()
        .fold(db.transact_write(), |t, item| t.put(item))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn stored_data_is_read_under_the_rules_it_is_written_with() {
    let (db, _) = setup("limits_read").await;
    let raw = |score: AttributeValue, notes: AttributeValue| {
        let db = db.clone();
        async move {
            db.client()
                .put_item()
                .table_name(db.table_name::<Thing>())
                .item("pk", AttributeValue::S("p".into()))
                .item("sk", AttributeValue::S("s".into()))
                .item("score", score)
                .item("notes", notes)
                .send()
                .await
                .unwrap();
            db.get(ThingKey::new("p", "s")).send().await
        }
    };
    let list = |v: Vec<AttributeValue>| AttributeValue::L(v);
    // Numbers `to_item` refuses to write are refused on read too (Rust's parser would take
    // them): DynamoDB Local stores these strings only through a number type it also refuses,
    // so they are checked with `from_item` on the item as another tool could shape it.
    for text in ["NaN", "inf", "-inf", "1e999"] {
        let item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("p".into())),
            ("sk".to_owned(), AttributeValue::S("s".into())),
            ("score".to_owned(), AttributeValue::N(text.into())),
        ]);
        let err = Thing::from_item(item).unwrap_err();
        assert!(
            matches!(&err, Error::Attribute { path, .. } if path == "score"),
            "{text}: {err}"
        );
    }
    // A NULL element where a value is required says NULL, not "missing".
    let ok = raw(
        AttributeValue::N("1.5".into()),
        list(vec![AttributeValue::Null(true)]),
    )
    .await;
    assert_eq!(
        ok.unwrap().unwrap().notes,
        vec![None],
        "Option elements take NULL"
    );
    let err = raw(
        AttributeValue::N("1.5".into()),
        AttributeValue::M(HashMap::new()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Attribute { path, .. } if path == "notes"),
        "{err}"
    );
}

#[tokio::test]
async fn paths_inside_key_attributes_are_refused() {
    let (db, requests) = setup("limits_key_paths").await;
    let sent = requests.sent();
    let inside = Path::parse("pk[0]").unwrap();
    let err = db
        .put(&thing("p", "s"))
        .condition(inside.eq(1))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.contains("inside the key attribute `pk`")),
        "{err}"
    );
    let err = db
        .scan::<Thing>()
        .filter(Path::parse("sk.x").unwrap().exists())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest { .. }), "{err}");
    let err = db
        .update(ThingKey::new("p", "s"))
        .set(Path::parse("pk.x").unwrap(), 1)
        .send()
        .await
        .unwrap_err();
    // The model knows `pk` is a string: nothing is inside it.
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "pk.x"),
        "{err}"
    );
    assert_eq!(requests.sent(), sent, "nothing was sent");
}
