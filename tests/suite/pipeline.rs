//! The rules that used to lapse on some operations, one test per case, against DynamoDB Local:
//! each failed before the write and read pipelines, and passes through them now.

use crate::common;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::validate::Violation;
use dynamo_model::{ttl, BatchPolicy};

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "ledgers", timestamps)]
#[dynamo(gsi(name = "by_owner", hash = "owner", range = "name"))]
struct Ledger {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(version)]
    version: u64,
    created_at: Timestamp,
    updated_at: Timestamp,
    owner: String,
    name: String,
    #[dynamo(validate(range(min = 0)))]
    balance: i64,
    #[dynamo(validate(range(min = 11)))]
    n: i64,
    #[dynamo(validate(range(min = 0, max = 50)))]
    stock: u32,
    #[dynamo(validate(length(max = 3)))]
    notes: Vec<String>,
    archive: Vec<String>,
}

fn ledger(id: &str) -> Ledger {
    Ledger {
        id: id.into(),
        version: 0,
        created_at: Timestamp::default(),
        updated_at: Timestamp::default(),
        owner: "ada".into(),
        name: format!("ledger {id}"),
        balance: 100,
        n: 11,
        stock: 5,
        notes: vec!["opened".into()],
        archive: Vec::new(),
    }
}

/// The attributes an update wrote, read back typed (`return_updated_new` / `_old`).
#[derive(Attributes, Debug, PartialEq)]
struct Written {
    version: u64,
    balance: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "people")]
struct Person {
    #[dynamo(hash_key)]
    name: String,
    #[dynamo(range_key)]
    seq: u32,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "tokens")]
struct Token {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(ttl)]
    expires_at: Option<i64>,
}

fn rules(err: Error) -> Vec<(String, &'static str, String)> {
    match err {
        Error::Validation { violations } => violations
            .into_iter()
            .map(
                |Violation {
                     path,
                     rule,
                     message,
                     ..
                 }| (path, rule, message),
            )
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn raw(db: &Db, id: &str) -> HashMap<String, AttributeValue> {
    db.client()
        .get_item()
        .table_name(db.table_name::<Ledger>())
        .key("id", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_default()
}

#[tokio::test]
async fn a_batch_put_of_a_versioned_model_stores_a_real_version_and_timestamps() {
    // `db.batch_put(&ledgers)` does not compile for a versioned model
    // (tests/compile-errors/tests/ui-types/batch_versioned.rs); `put_unchecked` is the explicit
    // way, and it stores what a put stores, without the check.
    let db = common::db("pipeline_batch_version").await;
    db.create_table::<Ledger>().send().await.unwrap();
    let before = Timestamp::now();
    let items = [ledger("a"), ledger("b")];
    items
        .iter()
        .fold(db.batch_write(), |batch, item| batch.put_unchecked(item))
        .send()
        .await
        .unwrap();
    let stored = raw(&db, "a").await;
    assert_eq!(stored["version"], AttributeValue::N("1".into()));
    let read: Ledger = db
        .get(LedgerKey::new("a"))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    assert!(
        read.created_at >= before && read.updated_at >= before,
        "{read:?}"
    );
    // A later put of what was read is the next version, not a condition failure.
    let put = db.put(&read).send().await.unwrap();
    assert_eq!(put.version, 2);
    let updated = db
        .update(LedgerKey::new("a"))
        .if_version(2)
        .set(Ledger::NAME, "renamed")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.version, 3);
}

#[tokio::test]
async fn a_transactional_get_hides_expired_items() {
    let db = common::db("pipeline_transact_ttl").await;
    db.create_table::<Token>().send().await.unwrap();
    common::keep_expired_items::<Token>(&db).await;
    let expired = Token {
        id: "old".into(),
        expires_at: Some(ttl::now() - 60),
    };
    let live = Token {
        id: "new".into(),
        expires_at: Some(ttl::now() + 3600),
    };
    db.put(&expired).send().await.unwrap();
    db.put(&live).send().await.unwrap();
    let (old, new) = db
        .transact_get()
        .get::<Token>(TokenKey::new("old"))
        .get::<Token>(TokenKey::new("new"))
        .send()
        .await
        .unwrap();
    assert_eq!((old, new), (None, Some(live)));
}

#[tokio::test]
async fn an_untyped_path_gets_its_attributes_type_check() {
    let (db, requests) = common::counting::db("pipeline_untyped").await;
    db.create_table::<Ledger>().send().await.unwrap();
    db.create(&ledger("a")).send().await.unwrap();
    let sent = requests.sent();
    let err = db
        .update(LedgerKey::new("a"))
        .set(Path::parse("name").unwrap(), false)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, message } if path == "name" && message == "the model stores string here, and the update writes boolean"),
        "{err:?}"
    );
    // Removing a required attribute through an untyped path, or going inside a number.
    let err = db
        .update(LedgerKey::new("a"))
        .remove(Path::parse("owner").unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "owner"),
        "{err:?}"
    );
    let err = db
        .update(LedgerKey::new("a"))
        .set(Path::parse("balance.cents").unwrap(), 5)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "balance.cents"),
        "{err:?}"
    );
    assert_eq!(requests.sent(), sent, "nothing was sent");
    assert_eq!(
        raw(&db, "a").await["name"],
        AttributeValue::S("ledger a".into())
    );

    // Through an untyped path a value gets the attribute's rules too, and a relative change
    // its guard; attributes the model does not name are written as given.
    let err = db
        .update(LedgerKey::new("a"))
        .set(Path::parse("stock").unwrap(), 500)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        rules(err),
        [(
            "stock".into(),
            "range",
            "must be between 0 and 50, is 500".into()
        )]
    );
    let err = db
        .update(LedgerKey::new("a"))
        .add(Path::parse("stock").unwrap(), -6)
        .send()
        .await
        .unwrap_err();
    assert_eq!(rules(err)[0].1, "range");
    let read = db
        .update(LedgerKey::new("a"))
        .set(Path::parse("name").unwrap(), "typed by hand")
        .add(Path::parse("visits").unwrap(), 1)
        .send()
        .await
        .unwrap();
    assert_eq!(read.name, "typed by hand");
}

#[tokio::test]
async fn relative_updates_are_kept_inside_range_rules_by_dynamodb() {
    let (db, requests) = common::counting::db("pipeline_relative").await;
    db.create_table::<Ledger>().send().await.unwrap();
    db.create(&ledger("a")).send().await.unwrap();
    let key = || LedgerKey::new("a");

    // Updates that keep the rule go through, whatever the amount: 100 - 10, 11 + 5.
    let read = db
        .update(key())
        .add(Ledger::BALANCE, -10)
        .add(Ledger::N, 5)
        .send()
        .await
        .unwrap();
    assert_eq!((read.balance, read.n), (90, 16));

    // One that breaks it is refused by DynamoDB and reported as the rule; nothing is written.
    let sent = requests.sent();
    let err = db
        .update(key())
        .sub(Ledger::STOCK, 9)
        .send()
        .await
        .unwrap_err();
    assert_eq!(requests.sent(), sent + 1, "DynamoDB checked it");
    assert_eq!(
        rules(err),
        [(
            "stock".into(),
            "range",
            "must be between 0 and 50; `stock` is 5, so the update would make it -4; nothing was written".into()
        )]
    );
    let err = db
        .update(key())
        .set(Ledger::BALANCE, Ledger::BALANCE.minus(91))
        .send()
        .await
        .unwrap_err();
    assert_eq!(rules(err)[0].0, "balance");
    let err = db
        .update(key())
        .add(Ledger::STOCK, 46)
        .send()
        .await
        .unwrap_err();
    assert_eq!(rules(err)[0].2, "must be between 0 and 50; `stock` is 5, so the update would make it 51; nothing was written");
    let stored = db.get(key()).consistent().send().await.unwrap().unwrap();
    assert_eq!((stored.balance, stored.stock), (90, 5));

    // Exactly at the bounds is inside them.
    let read = db
        .update(key())
        .sub(Ledger::STOCK, 5)
        .add(Ledger::BALANCE, -90)
        .send()
        .await
        .unwrap();
    assert_eq!((read.stock, read.balance), (0, 0));

    // A list's length rule: appending past it is refused the same way.
    db.update(key())
        .append(Ledger::NOTES, vec!["two".to_owned(), "three".to_owned()])
        .send()
        .await
        .unwrap();
    let err = db
        .update(key())
        .append(Ledger::NOTES, vec!["four".to_owned()])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        rules(err),
        [(
            "notes".into(),
            "length",
            "must have at most 3 elements; it has 3, and the update would make it 4; nothing was written".into()
        )]
    );

    // A list computed by DynamoDB (copied from another attribute) cannot be held to a length
    // rule by a condition here: refused before sending.
    let err = db
        .update(key())
        .set(Ledger::NOTES, Ledger::ARCHIVE)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.contains("`notes` has a `length` rule")),
        "{err}"
    );

    // In a transaction the canceled action names the rule.
    let err = db
        .transact_write()
        .update::<Ledger>(key(), |u| u.add(Ledger::BALANCE, -1))
        .send()
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = err else {
        panic!("{err:?}")
    };
    assert_eq!(reasons[0].violations.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].violations[0].rule, "range");
}

#[tokio::test]
async fn key_filters_and_missing_tables_are_reported_before_or_by_name() {
    let (db, requests) = common::counting::db("pipeline_small").await;
    db.create_table::<Ledger>().send().await.unwrap();
    db.create(&ledger("a")).send().await.unwrap();
    let sent = requests.sent();
    let err = db
        .query::<Ledger>()
        .hash("a")
        .filter(Ledger::ID.eq("a"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.contains("`id`") && message.contains(".range(..)")),
        "{err}"
    );
    let err = db
        .query::<Ledger>()
        .index(Ledger::BY_OWNER)
        .hash("ada")
        .filter(Ledger::NAME.begins_with("ledger"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.contains("`name`")),
        "{err}"
    );
    let err = db.query::<Ledger>().hash("").send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "id"),
        "{err}"
    );
    assert_eq!(requests.sent(), sent, "nothing was sent");
    // The table's own key is an ordinary attribute of an index: DynamoDB filters on it.
    let page = db
        .query::<Ledger>()
        .index(Ledger::BY_OWNER)
        .hash("ada")
        .filter(Ledger::ID.eq("a"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);

    // A transaction over an existing table and a missing one names the missing one.
    let err = db
        .transact_write()
        .put(
            &db.get(LedgerKey::new("a"))
                .consistent()
                .send()
                .await
                .unwrap()
                .unwrap(),
        )
        .create(&Person {
            name: "ada".into(),
            seq: 1,
        })
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TableNotFound { table } if table == "pipeline.pipeline_small.people"),
        "{err}"
    );
    let err = db
        .transact_get()
        .get::<Ledger>(LedgerKey::new("a"))
        .get::<Person>(PersonKey::new("ada", 1))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TableNotFound { table } if table == "pipeline.pipeline_small.people"),
        "{err}"
    );
    let err = db
        .batch_write()
        .put(&Person {
            name: "ada".into(),
            seq: 1,
        })
        .policy(BatchPolicy {
            max_attempts: 1,
            ..BatchPolicy::default()
        })
        .send()
        .await
        .unwrap_err();
    assert!(
        format!("{err}").contains("pipeline.pipeline_small.people"),
        "{err}"
    );
}

#[tokio::test]
async fn writes_give_back_what_they_stored() {
    let db = common::db("pipeline_returns").await;
    db.create_table::<Ledger>().send().await.unwrap();
    let before = Timestamp::now();
    let created = db.create(&ledger("a")).send().await.unwrap();
    assert_eq!(created.version, 1);
    assert!(created.created_at >= before && created.updated_at >= before);
    let read = db
        .get(LedgerKey::new("a"))
        .consistent()
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.as_ref(),
        Some(&created),
        "what create returned is what a read returns"
    );

    let put = db.put(&created).send().await.unwrap();
    assert_eq!(put.version, 2);
    assert_eq!(put.created_at, created.created_at);
    let old = db
        .put(&Ledger {
            name: "third".into(),
            ..put.clone()
        })
        .return_old()
        .send()
        .await
        .unwrap();
    assert_eq!(old, Some(put));
    assert_eq!(
        db.put(&ledger("b")).return_old().send().await.unwrap(),
        None,
        "nothing was replaced"
    );
    let () = db.put(&ledger("c")).return_nothing().send().await.unwrap();

    // UPDATED_NEW / UPDATED_OLD, typed: the library's version counts as written.
    let new: Written = db
        .update(LedgerKey::new("a"))
        .add(Ledger::BALANCE, 5)
        .return_updated_new::<Written>()
        .send()
        .await
        .unwrap();
    assert_eq!(
        new,
        Written {
            version: 4,
            balance: Some(105)
        }
    );
    let old: Option<Written> = db
        .update(LedgerKey::new("a"))
        .add(Ledger::BALANCE, 5)
        .return_updated_old::<Written>()
        .send()
        .await
        .unwrap();
    assert_eq!(
        old,
        Some(Written {
            version: 4,
            balance: Some(105)
        })
    );
}

#[tokio::test]
async fn key_constructors_take_integer_literals() {
    // `seq` is a u32: a literal infers it (it used to need `1u32`).
    let key = PersonKey::new("ada", 1);
    assert_eq!(key.seq, 1u32);
    let db = common::db("pipeline_keys").await;
    db.create_table::<Person>().send().await.unwrap();
    db.put(&Person {
        name: "ada".into(),
        seq: 1,
    })
    .send()
    .await
    .unwrap();
    assert!(db.get(key).send().await.unwrap().is_some());
}

#[tokio::test]
async fn requests_of_transactions_and_batches_show_what_would_be_sent() {
    let db = common::db("pipeline_requests").await;
    let ledgers: Vec<Ledger> = (0..30).map(|i| ledger(&format!("l{i}"))).collect();
    let people: Vec<Person> = (0..60)
        .map(|seq| Person {
            name: "p".into(),
            seq,
        })
        .collect();
    let writes = db.batch_put(&people).request().unwrap();
    assert_eq!(writes.len(), 3, "chunks of 25");
    let counts: Vec<usize> = writes
        .iter()
        .map(|w| w.request_items().unwrap()["pipeline.pipeline_requests.people"].len())
        .collect();
    assert_eq!(counts, [25, 25, 10]);
    let deletes = db
        .batch_delete((0..30).map(|seq| PersonKey::new("p", seq)))
        .request()
        .unwrap();
    assert_eq!(deletes.len(), 2);
    let gets = db
        .batch_get::<Person>((0..250).map(|seq| PersonKey::new("p", seq)))
        .consistent()
        .request()
        .unwrap();
    assert_eq!(gets.len(), 3, "chunks of 100");
    let keys = &gets[2].request_items().unwrap()["pipeline.pipeline_requests.people"];
    assert_eq!(
        (keys.keys().len(), keys.consistent_read()),
        (50, Some(true))
    );

    let transaction = db
        .transact_write()
        .create(&ledgers[0])
        .put(&ledgers[1])
        .update::<Ledger>(LedgerKey::new("l2"), |u| u.add(Ledger::BALANCE, 1))
        .token("transfer-1")
        .request()
        .unwrap();
    assert_eq!(transaction.transact_items().len(), 3);
    assert_eq!(transaction.client_request_token(), Some("transfer-1"));
    let create = transaction.transact_items()[0].put().unwrap();
    assert_eq!(create.item()["version"], AttributeValue::N("1".into()));
    let reads = db
        .transact_get()
        .get::<Ledger>(LedgerKey::new("l0"))
        .get::<Person>(PersonKey::new("p", 0))
        .request()
        .unwrap();
    assert_eq!(reads.transact_items().len(), 2);
    // Bad input shows up in `request()` as in `send()`.
    let bad = Ledger {
        stock: 99,
        ..ledger("x")
    };
    assert!(matches!(
        db.transact_write().put(&bad).request(),
        Err(Error::Validation { .. })
    ));
}

#[derive(Attributes, Debug, Clone, PartialEq)]
struct Line {
    #[dynamo(validate(regex = "^[A-Z]{3}$"))]
    sku: String,
    qty: u32,
}

fn reversed(text: &str) -> String {
    text.chars().rev().collect()
}

fn unreversed(text: String) -> String {
    reversed(&text)
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "baskets")]
struct Basket {
    #[dynamo(hash_key)]
    id: String,
    lines: Vec<Line>,
    #[dynamo(alias = "title")]
    label: String,
    #[dynamo(set = reversed, get = unreversed)]
    code: String,
    #[dynamo(ttl)]
    expires_at: Option<i64>,
}

#[tokio::test]
async fn list_elements_and_projections_get_their_rules() {
    let (db, requests) = common::counting::db("pipeline_elements").await;
    db.create_table::<Basket>().send().await.unwrap();
    common::keep_expired_items::<Basket>(&db).await;
    let basket = Basket {
        id: "b".into(),
        lines: vec![Line {
            sku: "ABC".into(),
            qty: 1,
        }],
        label: "weekly".into(),
        code: "xyz".into(),
        expires_at: None,
    };
    db.create(&basket).send().await.unwrap();
    let sent = requests.sent();
    let bad = Line {
        sku: "nope".into(),
        qty: 1,
    };
    // A whole document set into a list element, typed or untyped, is checked like a put.
    let err = db
        .update(BasketKey::new("b"))
        .set(Basket::LINES.at(0), bad.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(rules(err)[0].0, "lines[0].sku");
    let err = db
        .update(BasketKey::new("b"))
        .set(Path::parse("lines[0]").unwrap(), bad)
        .send()
        .await
        .unwrap_err();
    assert_eq!(rules(err)[0].1, "regex");
    let err = db
        .update(BasketKey::new("b"))
        .set(Path::parse("lines[0].sku").unwrap(), "no")
        .send()
        .await
        .unwrap_err();
    assert_eq!(rules(err)[0].0, "lines[0].sku");
    assert_eq!(requests.sent(), sent, "nothing was sent");

    // A projected get: aliases and `get` transforms apply, and an expired item is absent.
    db.client()
        .update_item()
        .table_name(db.table_name::<Basket>())
        .key("id", AttributeValue::S("b".into()))
        .update_expression("REMOVE label SET title = :t")
        .expression_attribute_values(":t", AttributeValue::S("old title".into()))
        .send()
        .await
        .unwrap();
    let projected = db
        .get(BasketKey::new("b"))
        .project([Basket::LABEL.path(), Basket::CODE.path()])
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(projected["label"], AttributeValue::S("old title".into()));
    assert_eq!(projected["code"], AttributeValue::S("xyz".into()));
    assert_eq!(projected.len(), 2, "{projected:?}");
    db.update(BasketKey::new("b"))
        .set(Basket::EXPIRES_AT, ttl::now() - 10)
        .send()
        .await
        .unwrap();
    let gone = db
        .get(BasketKey::new("b"))
        .project([Basket::LABEL.path()])
        .send()
        .await
        .unwrap();
    assert_eq!(gone, None);
}

#[tokio::test]
async fn a_bad_item_is_named_by_its_key_and_a_stream_goes_on_past_it() {
    use futures::StreamExt;
    let db = common::db("pipeline_named").await;
    db.create_table::<Person>().send().await.unwrap();
    let people: Vec<Person> = (0..50)
        .map(|seq| Person {
            name: "ada".into(),
            seq,
        })
        .collect();
    db.batch_put(&people).send().await.unwrap();
    // Another writer stored, on one item, a value of the wrong type for an attribute that a
    // second model of the same table reads.
    db.client()
        .update_item()
        .table_name(db.table_name::<Person>())
        .key("name", AttributeValue::S("ada".into()))
        .key("seq", AttributeValue::N("17".into()))
        .update_expression("SET #n = :v")
        .expression_attribute_names("#n", "name_of_nothing")
        .expression_attribute_values(":v", AttributeValue::Bool(true))
        .send()
        .await
        .unwrap();
    #[derive(Model, Debug, Clone, PartialEq)]
    #[dynamo(table = "people")]
    struct Strict {
        #[dynamo(hash_key)]
        name: String,
        #[dynamo(range_key)]
        seq: u32,
        name_of_nothing: Option<String>,
    }
    let expected = r#"name="ada", seq=17 in table `pipeline.pipeline_named.people`"#;
    let named = |err: &Error| match err {
        Error::Attribute { path, item, .. } => {
            assert_eq!(path, "name_of_nothing");
            assert_eq!(item.as_deref(), Some(expected), "{err}");
        }
        other => panic!("{other:?}"),
    };
    let err = db.query::<Strict>().hash("ada").all().await.unwrap_err();
    named(&err);
    assert!(err.to_string().contains(expected), "{err}");
    named(&db.scan::<Strict>().all().await.unwrap_err());
    named(&db.query::<Strict>().hash("ada").send().await.unwrap_err());
    named(&db.get(StrictKey::new("ada", 17)).send().await.unwrap_err());
    let keys = (0..50).map(|seq| StrictKey::new("ada", seq));
    named(&db.batch_get::<Strict>(keys).send().await.unwrap_err());
    let err = db
        .transact_get()
        .get::<Strict>(StrictKey::new("ada", 17))
        .send()
        .await
        .unwrap_err();
    named(&err);
    // A stream yields the bad item's error and goes on with the rest.
    let results: Vec<_> = db.query::<Strict>().hash("ada").stream().collect().await;
    assert_eq!(results.len(), 50);
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
}

#[tokio::test]
async fn sealed_cursors_page_and_refuse_what_they_did_not_seal() {
    let plain = common::db("pipeline_sealed").await;
    plain.create_table::<Person>().send().await.unwrap();
    let people: Vec<Person> = (0..10)
        .map(|seq| Person {
            name: "ada-lovelace".into(),
            seq,
        })
        .collect();
    plain.batch_put(&people).send().await.unwrap();
    let sealed = plain
        .clone()
        .cursor_key(dynamo_model::CursorKey::new([42u8; 32]).unwrap());
    fn query(db: &Db) -> dynamo_model::Query<'_, Person> {
        db.query::<Person>().hash("ada-lovelace").limit(4)
    }
    let first = query(&sealed).send().await.unwrap();
    let cursor = first.next.clone().unwrap();
    assert!(
        !cursor.to_string().contains("YWRh"),
        "no base64 of the key in it"
    );
    let second = query(&sealed)
        .start_after(cursor.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(second.items[0].seq, 4);
    // A plain cursor where cursors are sealed, and a sealed one without the key: refused.
    let forged = query(&plain).send().await.unwrap().next.unwrap();
    for (db, cursor) in [(&sealed, forged), (&plain, cursor)] {
        let err = query(db).start_after(cursor).send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidCursor { .. }), "{err}");
    }
}
