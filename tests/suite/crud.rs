//! create / put / get / delete and tables, against DynamoDB Local.

use crate::common;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::{CreateTableOutcome, MAX_ITEM_SIZE};

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "notes")]
struct Note {
    #[dynamo(hash_key)]
    owner: String,
    #[dynamo(range_key)]
    id: u64,
    body: String,
    pinned: Option<bool>,
}

fn note(owner: &str, id: u64, body: &str) -> Note {
    Note {
        owner: owner.into(),
        id,
        body: body.into(),
        pinned: None,
    }
}

async fn notes_db(test: &str) -> Db {
    let db = common::db(test).await;
    db.create_table::<Note>().send().await.unwrap();
    db
}

#[tokio::test]
async fn create_then_get_returns_the_same_item() {
    let db = notes_db("create_get").await;
    let mut written = note("ada", 1, "hello");
    written.pinned = Some(true);
    db.create(&written).send().await.unwrap();
    let read = db
        .get(NoteKey::new("ada", 1u64))
        .consistent()
        .send()
        .await
        .unwrap();
    assert_eq!(read, Some(written));
}

#[tokio::test]
async fn get_of_a_missing_key_is_none() {
    let db = notes_db("get_missing").await;
    let read = db.get(NoteKey::new("nobody", 7u64)).send().await.unwrap();
    assert_eq!(read, None);
}

#[tokio::test]
async fn create_twice_is_already_exists_and_keeps_the_first_item() {
    let db = notes_db("create_twice").await;
    db.create(&note("ada", 1, "first")).send().await.unwrap();
    let err = db
        .create(&note("ada", 1, "second"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::AlreadyExists { table } if table == "crud.create_twice.notes"),
        "{err:?}"
    );
    let kept = db
        .get(NoteKey::new("ada", 1u64))
        .consistent()
        .send()
        .await
        .unwrap();
    assert_eq!(kept.unwrap().body, "first");
    // Same hash key, other range key: a different item, so create succeeds.
    db.create(&note("ada", 2, "other")).send().await.unwrap();
}

#[tokio::test]
async fn put_overwrites_and_removes_attributes_that_became_none() {
    let db = notes_db("put_overwrites").await;
    let mut first = note("ada", 1, "first");
    first.pinned = Some(false);
    db.put(&first).send().await.unwrap();
    let second = note("ada", 1, "second");
    db.put(&second).send().await.unwrap();
    let read = db
        .get(NoteKey::new("ada", 1u64))
        .consistent()
        .send()
        .await
        .unwrap();
    assert_eq!(read, Some(second));
}

#[tokio::test]
async fn delete_removes_and_can_return_the_old_item() {
    let db = notes_db("delete").await;
    let written = note("ada", 1, "bye");
    db.put(&written).send().await.unwrap();
    let old = db
        .delete(NoteKey::new("ada", 1u64))
        .return_old()
        .send()
        .await
        .unwrap();
    assert_eq!(old, Some(written));
    assert_eq!(
        db.get(NoteKey::new("ada", 1u64))
            .consistent()
            .send()
            .await
            .unwrap(),
        None
    );
    // Deleting what is not there succeeds, and returns nothing.
    db.delete(NoteKey::new("ada", 1u64)).send().await.unwrap();
    let old = db
        .delete(NoteKey::new("ada", 1u64))
        .return_old()
        .send()
        .await
        .unwrap();
    assert_eq!(old, None);
}

#[tokio::test]
async fn operations_on_a_missing_table_are_table_not_found() {
    let db = common::db("no_table").await;
    let err = db.get(NoteKey::new("ada", 1u64)).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::TableNotFound { table } if table == "crud.no_table.notes"),
        "{err:?}"
    );
    let err = db.put(&note("ada", 1, "x")).send().await.unwrap_err();
    assert!(matches!(err, Error::TableNotFound { .. }), "{err:?}");
    assert!(!db.delete_table::<Note>().if_exists().send().await.unwrap());
}

#[tokio::test]
async fn create_table_if_not_exists_and_delete_table() {
    let db = common::db("tables").await;
    assert_eq!(
        db.create_table::<Note>().send().await.unwrap(),
        CreateTableOutcome::Created
    );
    assert_eq!(
        db.create_table::<Note>()
            .if_not_exists()
            .send()
            .await
            .unwrap(),
        CreateTableOutcome::AlreadyExisted
    );
    let err = db.create_table::<Note>().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Sdk {
                operation: "CreateTable",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(db.delete_table::<Note>().send().await.unwrap());
    let err = db.delete_table::<Note>().send().await.unwrap_err();
    assert!(matches!(err, Error::TableNotFound { .. }), "{err:?}");
}

// Bad input is refused before any request: these use a table that does not exist, so a request
// that went out would come back as TableNotFound instead.

#[tokio::test]
async fn an_empty_key_value_is_refused_before_sending() {
    let db = common::db("empty_key").await;
    let err = db.get(NoteKey::new("", 1u64)).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "owner"),
        "{err:?}"
    );
    let err = db.put(&note("", 1, "x")).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "owner"),
        "{err:?}"
    );
    let err = db.delete(NoteKey::new("", 1u64)).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "owner"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_item_over_400_kb_is_refused_before_sending() {
    let db = common::db("too_large").await;
    let big = note("ada", 1, &"x".repeat(MAX_ITEM_SIZE));
    let err = db.put(&big).send().await.unwrap_err();
    assert!(
        matches!(err, Error::ItemTooLarge { size, limit } if size > limit && limit == 409_600),
        "{err:?}"
    );
    let err = db.create(&big).send().await.unwrap_err();
    assert!(matches!(err, Error::ItemTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn an_item_just_under_400_kb_is_accepted_by_dynamodb() {
    let db = notes_db("just_fits").await;
    // Names and values: "owner" + "ada", "id" + 1 byte of digits + 1, "body" + the rest.
    let overhead = "owner".len() + 3 + "id".len() + 2 + "body".len();
    let fits = note("ada", 1, &"x".repeat(MAX_ITEM_SIZE - overhead));
    assert_eq!(
        dynamo_model::item_size(&fits.to_item().unwrap()),
        MAX_ITEM_SIZE
    );
    db.put(&fits).send().await.unwrap();
    let read = db
        .get(NoteKey::new("ada", 1u64))
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.body.len(), fits.body.len());
    // One byte more and DynamoDB itself would refuse it, so we do first.
    let over = note("ada", 1, &"x".repeat(MAX_ITEM_SIZE - overhead + 1));
    assert!(matches!(
        db.put(&over).send().await,
        Err(Error::ItemTooLarge { .. })
    ));
    let sent_anyway = db
        .client()
        .put_item()
        .table_name(db.table_name::<Note>())
        .set_item(Some(over.to_item().unwrap()))
        .send()
        .await;
    assert!(sent_anyway.is_err(), "DynamoDB refuses the same item");
}

/// Attribute names that are DynamoDB reserved words, as keys and as plain fields.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "reserved")]
#[dynamo(gsi(name = "by_size", hash = "size", range = "data"))]
struct Reserved {
    #[dynamo(hash_key)]
    name: String,
    #[dynamo(range_key)]
    status: String,
    size: u64,
    data: String,
    #[dynamo(rename = "comment")]
    r#type: Option<String>,
}

#[tokio::test]
async fn reserved_words_work_as_keys_and_attributes() {
    let db = common::db("reserved").await;
    db.create_table::<Reserved>().send().await.unwrap();
    let item = Reserved {
        name: "n".into(),
        status: "active".into(),
        size: 3,
        data: "d".into(),
        r#type: Some("t".into()),
    };
    db.create(&item).send().await.unwrap();
    assert!(matches!(
        db.create(&item).send().await,
        Err(Error::AlreadyExists { .. })
    ));
    let key = ReservedKey::new("n", "active");
    assert_eq!(
        db.get(key.clone()).consistent().send().await.unwrap(),
        Some(item.clone())
    );
    assert_eq!(Reserved::TYPE.name(), "comment");
    assert_eq!(
        db.delete(key).return_old().send().await.unwrap(),
        Some(item)
    );

    // The stored item uses the attribute names, not the Rust field names.
    let raw = db
        .client()
        .scan()
        .table_name(db.table_name::<Reserved>())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.count, 0);
}

#[tokio::test]
async fn stored_items_use_renamed_attribute_names() {
    let db = common::db("renamed").await;
    db.create_table::<Reserved>().send().await.unwrap();
    let item = Reserved {
        name: "n".into(),
        status: "s".into(),
        size: 1,
        data: "d".into(),
        r#type: Some("kind".into()),
    };
    db.put(&item).send().await.unwrap();
    let raw = db
        .client()
        .get_item()
        .table_name(db.table_name::<Reserved>())
        .key("name", AttributeValue::S("n".into()))
        .key("status", AttributeValue::S("s".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(raw.get("comment"), Some(&AttributeValue::S("kind".into())));
    assert!(!raw.contains_key("type"));
}
