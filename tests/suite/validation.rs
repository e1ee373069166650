//! Validation rules, transforms (`set`/`get`), `constant`, `flatten` and `force_default`:
//! every rule's failure reported at once with its path, nothing sent for an invalid item, and
//! what is stored, read through DynamoDB Local.

use crate::common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::validate::Violation;

fn no_swearing(bio: &str) -> Result<(), String> {
    if bio.contains("darn") {
        Err("must not swear".into())
    } else {
        Ok(())
    }
}

fn normalize(text: &str) -> String {
    text.trim().to_lowercase()
}

/// A stand-in for encryption at rest: stored scrambled, read back plain.
fn rot13(text: String) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            other => other,
        })
        .collect()
}

fn scramble(text: &str) -> String {
    rot13(text.to_owned())
}

fn free_plan_limits(customer: &Customer) -> Result<(), Violation> {
    if customer.plan == "free" && customer.items.len() > 3 {
        Err(Violation::new(
            "items",
            "the free plan orders at most 3 items",
        ))
    } else {
        Ok(())
    }
}

fn free_lines_are_small(line: &LineItem) -> Result<(), &'static str> {
    if line.price_cents == 0 && line.qty > 100 {
        Err("a free line holds at most 100 units")
    } else {
        Ok(())
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "customers", validate = free_plan_limits)]
struct Customer {
    #[dynamo(hash_key, set = normalize)]
    id: String,
    #[dynamo(constant = "CUSTOMER")]
    kind: String,
    #[dynamo(validate(email))]
    email: String,
    #[dynamo(validate(range(min = 0, max = 150)))]
    age: u32,
    #[dynamo(validate(length(min = 2, max = 20), regex = "^[a-z0-9_]+$"))]
    handle: String,
    #[dynamo(rename = "nick", set = normalize, validate(length(max = 12)))]
    nickname: Option<String>,
    #[dynamo(validate(one_of("free", "pro", "team")))]
    plan: String,
    #[dynamo(validate(non_empty))]
    tags: HashSet<String>,
    #[dynamo(validate(custom = no_swearing, length(max = 280)))]
    bio: String,
    address: Address,
    items: Vec<LineItem>,
    #[dynamo(set = scramble, get = rot13)]
    secret: Option<String>,
    #[dynamo(validate(range(min = 0.0)))]
    balance: f64,
    #[dynamo(default = 2, force_default)]
    format: u32,
    #[dynamo(flatten)]
    extra: HashMap<String, AttributeValue>,
}

#[derive(Attributes, Debug, Clone, PartialEq)]
struct Address {
    #[dynamo(validate(length(min = 1)))]
    city: String,
    #[dynamo(validate(regex = "^[0-9]{5}$"))]
    zip: Option<String>,
    #[dynamo(set = upper_case)]
    country: String,
    #[dynamo(flatten)]
    rest: HashMap<String, AttributeValue>,
}

fn upper_case(text: &str) -> String {
    text.to_uppercase()
}

#[derive(Attributes, Debug, Clone, PartialEq)]
#[dynamo(validate = free_lines_are_small)]
struct LineItem {
    #[dynamo(validate(regex = "^[A-Z]{3}-[0-9]{3}$"))]
    sku: String,
    #[dynamo(validate(range(min = 1)))]
    qty: u32,
    #[dynamo(validate(range(min = 0)))]
    price_cents: i64,
}

fn line(sku: &str, qty: u32) -> LineItem {
    LineItem {
        sku: sku.into(),
        qty,
        price_cents: 250,
    }
}

fn customer(id: &str) -> Customer {
    Customer {
        id: id.into(),
        kind: "CUSTOMER".into(),
        email: "ada@example.com".into(),
        age: 36,
        handle: "ada_l".into(),
        nickname: Some("Ada".into()),
        plan: "pro".into(),
        tags: HashSet::from(["math".to_owned()]),
        bio: "Wrote the first program.".into(),
        address: Address {
            city: "London".into(),
            zip: Some("12345".into()),
            country: "gb".into(),
            rest: HashMap::new(),
        },
        items: vec![line("ABC-001", 2)],
        secret: Some("analytical engine".into()),
        balance: 10.5,
        format: 2,
        extra: HashMap::new(),
    }
}

fn violations(err: Error) -> Vec<(String, &'static str, String)> {
    match err {
        Error::Validation { violations } => violations
            .into_iter()
            .map(|v| (v.path, v.rule, v.message))
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn v(path: &str, rule: &'static str, message: &str) -> (String, &'static str, String) {
    (path.to_owned(), rule, message.to_owned())
}

#[test]
fn a_valid_item_passes() {
    customer("c1").validate().unwrap();
    Address {
        city: "Paris".into(),
        zip: None,
        country: "fr".into(),
        rest: HashMap::new(),
    }
    .validate()
    .unwrap();
}

#[test]
fn every_failure_is_reported_at_once_with_its_path_and_rule() {
    let bad = Customer {
        kind: "ORDER".into(),
        email: "ada at example.com".into(),
        age: 151,
        handle: "Ada!".into(),
        nickname: Some("a much too long nickname".into()),
        plan: "free".into(),
        tags: HashSet::new(),
        bio: format!("darn {}", "x".repeat(300)),
        address: Address {
            city: String::new(),
            zip: Some("1234".into()),
            ..customer("c1").address
        },
        items: vec![
            line("ABC-001", 1),
            line("ABC-002", 1),
            line("ABC-003", 1),
            LineItem {
                sku: "abc-4".into(),
                qty: 0,
                price_cents: -1,
            },
            LineItem {
                sku: "ABC-005".into(),
                qty: 101,
                price_cents: 0,
            },
        ],
        balance: -0.5,
        ..customer("c1")
    };
    assert_eq!(
        violations(bad.validate().unwrap_err()),
        [
            v("kind", "constant", r#"must be "CUSTOMER", is "ORDER""#),
            v("email", "email", "must be an email address"),
            v("age", "range", "must be between 0 and 150, is 151"),
            v(
                "handle",
                "regex",
                r#"must match the pattern "^[a-z0-9_]+$""#
            ),
            v("nick", "length", "must have at most 12 characters, has 24"),
            v("tags", "non_empty", "must not be empty"),
            v("bio", "custom", "must not swear"),
            v("bio", "length", "must have at most 280 characters, has 305"),
            v(
                "address.city",
                "length",
                "must have at least 1 character, has 0"
            ),
            v(
                "address.zip",
                "regex",
                r#"must match the pattern "^[0-9]{5}$""#
            ),
            v(
                "items[3].sku",
                "regex",
                r#"must match the pattern "^[A-Z]{3}-[0-9]{3}$""#
            ),
            v("items[3].qty", "range", "must be at least 1, is 0"),
            v("items[3].price_cents", "range", "must be at least 0, is -1"),
            v(
                "items[4]",
                "validate",
                "a free line holds at most 100 units"
            ),
            v("balance", "range", "must be at least 0, is -0.5"),
            v("items", "validate", "the free plan orders at most 3 items"),
        ]
    );
    let gold = Customer {
        plan: "gold".into(),
        nickname: None,
        ..customer("c1")
    };
    assert_eq!(
        violations(gold.validate().unwrap_err()),
        [v(
            "plan",
            "one_of",
            r#"must be one of "free", "pro", "team""#
        )],
        "None passes the rules of an optional field"
    );
    let err = Customer {
        age: 200,
        ..customer("c1")
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid item: `age` must be between 0 and 150, is 200 (range)"
    );
}

/// A table for `test`, and a `Db` on it that counts its requests.
async fn counted(test: &str) -> (Db, Arc<common::counting::Requests>) {
    let plain = common::db(test).await;
    plain.create_table::<Customer>().send().await.unwrap();
    common::counting::db(test).await
}

#[tokio::test]
async fn an_invalid_item_is_refused_before_any_request() {
    let (db, requests) = counted("validation_refused").await;
    let bad = Customer {
        email: "nope".into(),
        address: Address {
            city: String::new(),
            zip: None,
            ..customer("c1").address
        },
        ..customer("c1")
    };
    let paths = |err: Error| -> Vec<String> { violations(err).into_iter().map(|v| v.0).collect() };
    let expected = ["email", "address.city"];
    assert_eq!(paths(db.put(&bad).send().await.unwrap_err()), expected);
    assert_eq!(paths(db.create(&bad).send().await.unwrap_err()), expected);
    let batch = [customer("ok"), bad.clone()];
    assert_eq!(
        paths(db.batch_put(&batch).send().await.unwrap_err()),
        [
            "items[1] (Customer).email",
            "items[1] (Customer).address.city"
        ]
    );
    let err = db
        .transact_write()
        .put(&customer("ok"))
        .create(&bad)
        .send()
        .await
        .unwrap_err();
    // A transaction's paths name the action.
    assert_eq!(
        paths(err),
        [
            "actions[1] (Customer).email",
            "actions[1] (Customer).address.city"
        ]
    );
    assert_eq!(requests.sent(), 0, "nothing was sent");

    db.put(&customer("c1")).send().await.unwrap();
    assert_eq!(requests.sent(), 1);
    let stored: Customer = db
        .get(CustomerKey::new("c1"))
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.email, "ada@example.com");
}

#[tokio::test]
async fn update_values_are_checked_against_their_attribute_rules() {
    let (db, requests) = counted("validation_update").await;
    db.put(&customer("c1")).send().await.unwrap();
    let sent = requests.sent();
    let key = || CustomerKey::new("c1");

    let err = db
        .update(key())
        .set(Customer::AGE, 200)
        .set(Customer::EMAIL, "not an email")
        // A relative change: its amount is no value of the attribute, so it is not checked
        // here (DynamoDB checks the result, below).
        .add(Customer::BALANCE, -1.0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        violations(err),
        [
            v("age", "range", "must be between 0 and 150, is 200"),
            v("email", "email", "must be an email address"),
        ]
    );
    let err = db
        .update(key())
        .set(Customer::ADDRESS.then(Address::CITY), "")
        .set_if_not_exists(Customer::NICKNAME, "a nickname of 25 letters")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        violations(err),
        [
            v(
                "address.city",
                "length",
                "must have at least 1 character, has 0"
            ),
            v("nick", "length", "must have at most 12 characters, has 24"),
        ]
    );
    // A whole nested document or list is checked inside, with paths from the attribute.
    let err = db
        .update(key())
        .set(Customer::ITEMS, vec![line("ABC-001", 1), line("bad", 1)])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        violations(err),
        [v(
            "items[1].sku",
            "regex",
            r#"must match the pattern "^[A-Z]{3}-[0-9]{3}$""#
        )]
    );
    let err = db
        .transact_write()
        .update::<Customer>(key(), |u| u.set(Customer::PLAN, "gold"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(violations(err).len(), 1);
    // The model's struct-level rule reads several fields: an update cannot check it, so it is
    // refused unless the caller says so.
    let err = db
        .update(key())
        .set(Customer::AGE, 40)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message } if message.contains("`age` is under the struct-level rule `free_plan_limits`") && message.contains(".skip_item_rules()")),
        "{err}"
    );
    assert_eq!(requests.sent(), sent, "no update was sent");

    let updated = db
        .update(key())
        .skip_item_rules()
        .set(Customer::AGE, 40)
        .add(Customer::BALANCE, 1.5)
        .set(Customer::ADDRESS.then(Address::CITY), "Paris")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (updated.age, updated.balance, updated.address.city.as_str()),
        (40, 12.0, "Paris")
    );

    // A relative change that keeps the rule goes through; one that breaks it is refused by
    // DynamoDB, through the condition the rule became, and reported as the rule.
    let updated = db
        .update(key())
        .skip_item_rules()
        .add(Customer::BALANCE, -1.0)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.balance, 11.0);
    let err = db
        .update(key())
        .skip_item_rules()
        .add(Customer::BALANCE, -100.0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        violations(err),
        [v(
            "balance",
            "range",
            "must be at least 0; `balance` is 11, so the update would make it -89; nothing was written"
        )]
    );
}

async fn raw(db: &Db, id: &str) -> HashMap<String, AttributeValue> {
    db.client()
        .get_item()
        .table_name(db.table_name::<Customer>())
        .key("id", AttributeValue::S(id.into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the item is stored")
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.into())
}

#[tokio::test]
async fn set_transforms_apply_to_puts_updates_conditions_and_keys() {
    let db = common::db("validation_transforms").await;
    db.create_table::<Customer>().send().await.unwrap();
    let ada = Customer {
        nickname: Some("  Ada ".into()),
        ..customer("  ADA ")
    };
    db.put(&ada).send().await.unwrap();

    // Stored transformed: the key, the nickname, the secret.
    let stored = raw(&db, "ada").await;
    assert_eq!(stored["nick"], s("ada"));
    assert_eq!(stored["secret"], s("nanylgvpny ratvar"));
    // Read back: `get` undoes the scrambling; `set` is one-way, so the nickname stays normalized.
    let read: Customer = db
        .get(CustomerKey::new("Ada"))
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        read.id, "ada",
        "a key value passes through the key's transform"
    );
    assert_eq!(read.nickname.as_deref(), Some("ada"));
    assert_eq!(read.secret.as_deref(), Some("analytical engine"));

    // An update stores what a put of the same value stores.
    let bob = Customer {
        nickname: Some("  BOB ".into()),
        ..customer("bob")
    };
    db.put(&bob).send().await.unwrap();
    db.update(CustomerKey::new("Ada"))
        .skip_item_rules()
        .set(Customer::NICKNAME, "  BOB ")
        .set(Customer::SECRET, "analytical engine")
        .send()
        .await
        .unwrap();
    db.update(CustomerKey::new("bob"))
        .skip_item_rules()
        .set(Customer::ADDRESS.then(Address::COUNTRY), "fr")
        .send()
        .await
        .unwrap();
    let (via_put, via_update) = (raw(&db, "bob").await, raw(&db, "ada").await);
    let country = |item: &HashMap<String, AttributeValue>| match &item["address"] {
        AttributeValue::M(address) => address["country"].clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        country(&via_update),
        s("GB"),
        "a nested field's transform, on put"
    );
    assert_eq!(
        country(&via_put),
        s("FR"),
        "and on an update through `then`"
    );
    assert_eq!(via_put["nick"], via_update["nick"]);
    assert_eq!(via_update["nick"], s("bob"));
    assert_eq!(via_update["secret"], s("nanylgvpny ratvar"));

    // Condition values are transformed too: " Bob" compares as the stored "bob".
    db.update(CustomerKey::new("ada"))
        .skip_item_rules()
        .set(Customer::AGE, 37)
        .condition(
            Customer::NICKNAME
                .eq(" Bob")
                .and(Customer::SECRET.eq("analytical engine")),
        )
        .send()
        .await
        .unwrap();
    // A query's hash key value passes through the key's transform.
    let page = db.query::<Customer>().hash(" ADA").send().await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, "ada");
    let err = db
        .delete(CustomerKey::new("ada"))
        .condition(Customer::NICKNAME.eq("alice"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConditionFailed { .. }), "{err:?}");
}

#[tokio::test]
async fn a_constant_is_written_and_checked_on_read() {
    let db = common::db("validation_constant").await;
    db.create_table::<Customer>().send().await.unwrap();
    db.put(&customer("c1")).send().await.unwrap();
    assert_eq!(raw(&db, "c1").await["kind"], s("CUSTOMER"));

    // An item of another entity type under the same key is not read as a customer.
    db.client()
        .update_item()
        .table_name(db.table_name::<Customer>())
        .key("id", s("c1"))
        .update_expression("SET kind = :k")
        .expression_attribute_values(":k", s("ORDER"))
        .send()
        .await
        .unwrap();
    let err = db.get(CustomerKey::new("c1")).send().await.unwrap_err();
    match err {
        Error::Attribute {
            path,
            expected,
            found,
            ..
        } => {
            assert_eq!(path, "kind");
            assert_eq!(expected, r#"the constant "CUSTOMER" (Customer)"#);
            assert_eq!(found, r#""ORDER": another entity's item"#);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unknown_attributes_survive_a_read_modify_write() {
    let db = common::db("validation_flatten").await;
    db.create_table::<Customer>().send().await.unwrap();
    let mut item = customer("c1").to_item().unwrap();
    // Written by a newer version of the service, or another one sharing the table.
    item.insert("loyalty_points".into(), AttributeValue::N("120".into()));
    item.insert(
        "preferences".into(),
        AttributeValue::M(HashMap::from([("theme".into(), s("dark"))])),
    );
    // Inside a nested document too.
    if let Some(AttributeValue::M(address)) = item.get_mut("address") {
        address.insert("street".into(), s("12 Baker St"));
    }
    db.client()
        .put_item()
        .table_name(db.table_name::<Customer>())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();

    let mut read: Customer = db
        .get(CustomerKey::new("c1"))
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.extra.len(), 2, "{:?}", read.extra);
    assert_eq!(
        read.extra["loyalty_points"],
        AttributeValue::N("120".into())
    );
    read.age = 37;
    // A stale copy of a known attribute in `extra` does not override the field.
    read.extra
        .insert("age".into(), AttributeValue::N("1".into()));
    db.put(&read).send().await.unwrap();

    let stored = raw(&db, "c1").await;
    assert_eq!(stored["age"], AttributeValue::N("37".into()));
    assert_eq!(stored["loyalty_points"], AttributeValue::N("120".into()));
    assert!(matches!(&stored["preferences"], AttributeValue::M(m) if m["theme"] == s("dark")));
    assert!(matches!(&stored["address"], AttributeValue::M(m) if m["street"] == s("12 Baker St")));
    let again: Customer = db
        .get(CustomerKey::new("c1"))
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.extra.len(), 2);
    assert_eq!(again.address.rest["street"], s("12 Baker St"));
    assert_eq!(again.age, 37);
}

#[tokio::test]
async fn force_default_stores_the_default_whatever_the_field_holds() {
    let db = common::db("validation_force_default").await;
    db.create_table::<Customer>().send().await.unwrap();
    let old = Customer {
        format: 1,
        ..customer("c1")
    };
    db.put(&old).send().await.unwrap();
    assert_eq!(
        raw(&db, "c1").await["format"],
        AttributeValue::N("2".into())
    );
}
