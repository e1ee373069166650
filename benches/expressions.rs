//! Building requests, no server: a typical update (SET, ADD, REMOVE with a condition), a
//! typical query (key condition, filter) and a conditional put, built into the aws-sdk input
//! by dynamo-model beside
//! the same input built by hand with format! strings and hand-filled name/value maps; and the
//! BatchWriteItem inputs of a 1,000-item batch put beside the same chunks built by hand (the
//! client-side work of a batch: validation, conversion, limits, duplicate keys).
//!
//! Paired in one run (`benches/paired`): the sides alternate, the ratio is the median of
//! per-round ratios with its spread.
//!
//! `cargo bench --bench expressions`

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use dynamo_model::prelude::*;
use dynamo_model::WRITE_TOKEN;

mod paired;
mod profile;

use paired::{compare, per_op, Side};
use profile::{hand_put_request, profiles, Profile};

/// Requests built per block.
const BLOCK: usize = 2_000;

#[derive(Model, Debug, Clone)]
#[dynamo(table = "accounts")]
struct Account {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(range_key)]
    sk: String,
    name: String,
    age: u32,
    balance: i64,
    tags: HashSet<String>,
    nickname: Option<String>,
}

fn db() -> Db {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .build();
    Db::new(aws_sdk_dynamodb::Client::from_conf(config))
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn hand_update() -> UpdateItemInput {
    let names = HashMap::from([
        ("#n0".to_owned(), "name".to_owned()),
        ("#n1".to_owned(), "nickname".to_owned()),
        ("#n2".to_owned(), "balance".to_owned()),
        ("#n3".to_owned(), "id".to_owned()),
        ("#n4".to_owned(), "age".to_owned()),
        ("#n5".to_owned(), "tags".to_owned()),
    ]);
    let values = HashMap::from([
        (":v0".to_owned(), s("Grace")),
        (":v1".to_owned(), AttributeValue::N(5.to_string())),
        (":v2".to_owned(), AttributeValue::N(18.to_string())),
        (":v3".to_owned(), s("vip")),
    ]);
    UpdateItemInput::builder()
        .table_name("accounts")
        .key("id", s("a"))
        .key("sk", s("account"))
        .update_expression(format!(
            "SET {} = {} REMOVE {} ADD {} {}",
            "#n0", ":v0", "#n1", "#n2", ":v1"
        ))
        .condition_expression(format!(
            "attribute_exists({}) AND {} >= {} AND contains({}, {})",
            "#n3", "#n4", ":v2", "#n5", ":v3"
        ))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .unwrap()
}

fn hand_query() -> QueryInput {
    let names = HashMap::from([
        ("#n0".to_owned(), "id".to_owned()),
        ("#n1".to_owned(), "sk".to_owned()),
        ("#n2".to_owned(), "age".to_owned()),
        ("#n3".to_owned(), "tags".to_owned()),
    ]);
    let values = HashMap::from([
        (":v0".to_owned(), s("a")),
        (":v1".to_owned(), s("order#")),
        (":v2".to_owned(), AttributeValue::N(18.to_string())),
        (":v3".to_owned(), AttributeValue::N(30.to_string())),
        (":v4".to_owned(), s("vip")),
    ]);
    QueryInput::builder()
        .table_name("accounts")
        .key_condition_expression(format!(
            "{} = {} AND begins_with({}, {})",
            "#n0", ":v0", "#n1", ":v1"
        ))
        .filter_expression(format!(
            "{} BETWEEN {} AND {} AND contains({}, {})",
            "#n2", ":v2", ":v3", "#n3", ":v4"
        ))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .consistent_read(false)
        .scan_index_forward(true)
        .build()
        .unwrap()
}

fn account() -> Account {
    Account {
        id: "a".into(),
        sk: "account".into(),
        name: "Grace".into(),
        age: 36,
        balance: 120,
        tags: HashSet::from(["vip".to_owned()]),
        nickname: None,
    }
}

/// The item of an account, by hand (`nickname` left out when `None`, as the derive does).
fn hand_account_item(a: &Account) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::with_capacity(7);
    item.insert("id".to_owned(), s(&a.id));
    item.insert("sk".to_owned(), s(&a.sk));
    item.insert("name".to_owned(), s(&a.name));
    item.insert(
        "age".to_owned(),
        AttributeValue::N(itoa::Buffer::new().format(a.age).to_owned()),
    );
    item.insert(
        "balance".to_owned(),
        AttributeValue::N(itoa::Buffer::new().format(a.balance).to_owned()),
    );
    if !a.tags.is_empty() {
        item.insert(
            "tags".to_owned(),
            AttributeValue::Ss(a.tags.iter().cloned().collect()),
        );
    }
    if let Some(nickname) = &a.nickname {
        item.insert("nickname".to_owned(), s(nickname));
    }
    item
}

/// A put that replaces the stored account only while it is under a balance.
fn hand_conditional_put(a: &Account) -> PutItemInput {
    let names = HashMap::from([
        ("#n0".to_owned(), "id".to_owned()),
        ("#n1".to_owned(), "balance".to_owned()),
    ]);
    let values = HashMap::from([(":v0".to_owned(), AttributeValue::N(1_000.to_string()))]);
    PutItemInput::builder()
        .table_name("accounts")
        .set_item(Some(hand_account_item(a)))
        .condition_expression(format!(
            "attribute_not_exists({}) OR {} < {}",
            "#n0", "#n1", ":v0"
        ))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .unwrap()
}

/// A batch put's requests as a careful user builds them: chunks of 25, one map per chunk.
fn hand_batch(table: &str, items: &[Profile]) -> Vec<BatchWriteItemInput> {
    items
        .chunks(25)
        .map(|chunk| {
            let writes = chunk.iter().map(hand_put_request).collect();
            BatchWriteItemInput::builder()
                .request_items(table, writes)
                .build()
                .unwrap()
        })
        .collect()
}

/// Asserts that the named fields of two inputs are equal.
macro_rules! same {
    ($ours:expr, $theirs:expr, $($field:ident),+) => {{
        let (ours, theirs) = ($ours, $theirs);
        $(assert_eq!(ours.$field, theirs.$field, stringify!($field));)+
    }};
}

fn main() {
    let db = db();
    let update = || {
        db.update(AccountKey::new("a", "account"))
            .set(Account::NAME, "Grace")
            .add(Account::BALANCE, 5)
            .remove(Account::NICKNAME)
            .condition(Account::AGE.ge(18).and(Account::TAGS.contains("vip")))
            .request()
            .unwrap()
    };
    let query = || {
        db.query::<Account>()
            .hash("a")
            .range(Account::SK.begins_with("order#"))
            .filter(
                Account::AGE
                    .between(18, 30)
                    .and(Account::TAGS.contains("vip")),
            )
            .request()
            .unwrap()
    };
    let account = account();
    let put = || {
        db.put(&account)
            .condition(Account::ID.not_exists().or(Account::BALANCE.lt(1_000)))
            .return_nothing()
            .request()
            .unwrap()
    };
    // Same expressions, same maps, but for the library's write token (`SET #wt = :wt` and
    // the `_wt` attribute), which the hand-written requests do not carry: its cost is in the
    // figures.
    let mut ours = put();
    assert!(ours.item.as_mut().unwrap().remove(WRITE_TOKEN).is_some());
    same!(
        ours,
        hand_conditional_put(&account),
        item,
        condition_expression,
        expression_attribute_names,
        expression_attribute_values
    );
    let mut ours = update();
    ours.update_expression = ours
        .update_expression
        .map(|e| e.replacen("SET #wt = :wt, ", "SET ", 1));
    assert!(ours
        .expression_attribute_names
        .as_mut()
        .unwrap()
        .remove("#wt")
        .is_some());
    assert!(ours
        .expression_attribute_values
        .as_mut()
        .unwrap()
        .remove(":wt")
        .is_some());
    same!(
        ours,
        hand_update(),
        update_expression,
        condition_expression,
        expression_attribute_names,
        expression_attribute_values
    );
    same!(
        query(),
        hand_query(),
        key_condition_expression,
        filter_expression,
        expression_attribute_names,
        expression_attribute_values
    );

    println!(
        "\nper request: median time of each side; ratio: median of {} per-round ratios (lowest-highest)",
        paired::ROUNDS
    );
    let times = || vec![(); BLOCK];
    let items = profiles(1_000);
    let ours = db.batch_put(&items).request().unwrap();
    assert_eq!(ours, hand_batch("profiles", &items), "the same requests");
    for size in [1, 25, 1_000] {
        let items = &items[..size];
        let batches = 1_000 / size;
        compare(
            &format!("batch put requests, {size} items (per item)"),
            &mut [
                Side::new("dynamo_model", || {
                    per_op(
                        || vec![(); batches],
                        |()| db.batch_put(items).request().unwrap(),
                    ) / size as f64
                }),
                Side::new("hand", || {
                    per_op(|| vec![(); batches], |()| hand_batch("profiles", items)) / size as f64
                }),
            ],
            &[(0, 1)],
        );
    }
    compare(
        "update request",
        &mut [
            Side::new("dynamo_model", || per_op(times, |()| update())),
            Side::new("hand", || per_op(times, |()| hand_update())),
        ],
        &[(0, 1)],
    );
    compare(
        "conditional put request",
        &mut [
            Side::new("dynamo_model", || per_op(times, |()| put())),
            Side::new("hand", || {
                per_op(times, |()| hand_conditional_put(&account))
            }),
        ],
        &[(0, 1)],
    );
    compare(
        "query request",
        &mut [
            Side::new("dynamo_model", || per_op(times, |()| query())),
            Side::new("hand", || per_op(times, |()| hand_query())),
        ],
        &[(0, 1)],
    );
}
