//! Every update action against DynamoDB Local: accepted, and doing what it says.

use crate::common;

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use common::accounts::{account, Account, AccountKey};
use dynamo_model::prelude::*;

async fn setup(test: &str) -> Db {
    let db = common::db(test).await;
    db.create_table::<Account>().send().await.unwrap();
    db.put(&account("a")).send().await.unwrap();
    db
}

fn key() -> AccountKey {
    AccountKey::new("a", "account")
}

async fn raw(db: &Db) -> HashMap<String, AttributeValue> {
    db.get(key())
        .project([Path::name("visits"), Path::name("log"), Path::name("tags")])
        .send()
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn set_returns_the_new_item_and_handles_reserved_words() {
    let db = setup("set").await;
    let new = db
        .update(key())
        .set(Account::NAME, "Grace")
        .set(Account::STATUS, "closed")
        .set(Account::LIMIT, 42)
        .send()
        .await
        .unwrap();
    let expected = Account {
        name: "Grace".into(),
        status: Some("closed".into()),
        limit: 42,
        ..account("a")
    };
    assert_eq!(new, expected);
    assert_eq!(
        db.get(key()).consistent().send().await.unwrap(),
        Some(expected)
    );
}

#[tokio::test]
async fn set_if_not_exists_only_fills_absent_attributes() {
    let db = setup("set_if_not_exists").await;
    let new = db
        .update(key())
        .set_if_not_exists(Account::STATUS, "new")
        .set_if_not_exists(Account::NICKNAME, "countess")
        .send()
        .await
        .unwrap();
    assert_eq!(new.status.as_deref(), Some("active"));
    assert_eq!(new.nickname.as_deref(), Some("countess"));
}

#[tokio::test]
async fn arithmetic_in_set() {
    let db = setup("arithmetic").await;
    let new = db
        .update(key())
        .sub(Account::AGE, 6)
        .set(Account::LIMIT, Account::BALANCE.plus(Account::LIMIT))
        .set(Account::BALANCE, Account::BALANCE.minus(150))
        .send()
        .await
        .unwrap();
    assert_eq!((new.age, new.limit, new.balance), (30, 600, -50));
    let new = db
        .update(key())
        .set(Account::NICKNAME, Account::NICKNAME.if_not_exists("anon"))
        .send()
        .await
        .unwrap();
    assert_eq!(new.nickname.as_deref(), Some("anon"));
}

#[tokio::test]
async fn add_to_numbers_and_sets_delete_from_sets() {
    let db = setup("add_delete").await;
    let new = db
        .update(key())
        .add(Account::BALANCE, -25)
        .add(Account::TAGS, HashSet::from(["gold".to_owned()]))
        .add(Path::name("visits"), 1u64) // absent: ADD starts from 0
        .send()
        .await
        .unwrap();
    assert_eq!(new.balance, 75);
    assert_eq!(new.tags, ["vip", "beta", "gold"].map(String::from).into());
    assert_eq!(raw(&db).await["visits"], AttributeValue::N("1".into()));

    let new = db
        .update(key())
        .delete(
            Account::TAGS,
            ["vip", "beta", "gold"]
                .map(String::from)
                .into_iter()
                .collect::<HashSet<_>>(),
        )
        .send()
        .await
        .unwrap();
    assert!(new.tags.is_empty(), "deleting every member removes the set");
    assert!(!raw(&db).await.contains_key("tags"));
}

#[tokio::test]
async fn append_and_prepend_create_a_missing_list() {
    let db = setup("lists").await;
    let new = db
        .update(key())
        .append(Account::NOTES, vec!["third".to_owned()])
        .append(Path::name("log"), vec!["created".to_owned()])
        .send()
        .await
        .unwrap();
    assert_eq!(new.notes, ["first", "second", "third"]);
    let new = db
        .update(key())
        .prepend(Account::NOTES, vec!["zeroth".to_owned()])
        .send()
        .await
        .unwrap();
    assert_eq!(new.notes, ["zeroth", "first", "second", "third"]);
    assert_eq!(
        raw(&db).await["log"],
        AttributeValue::L(vec![AttributeValue::S("created".into())])
    );
}

#[tokio::test]
async fn remove_options_list_elements_and_map_entries() {
    let db = setup("remove").await;
    let new = db
        .update(key())
        .remove(Account::STATUS)
        .remove(Account::NOTES.at(0))
        .remove(Account::SCORES.key("art"))
        .send()
        .await
        .unwrap();
    assert_eq!(new.status, None);
    assert_eq!(new.notes, ["second"]);
    assert_eq!(new.scores, HashMap::from([("math".to_owned(), 99)]));
    // Setting None removes too.
    let new = db
        .update(key())
        .set(Account::DATA, None)
        .send()
        .await
        .unwrap();
    assert_eq!(new.data, None);
}

#[tokio::test]
async fn nested_updates_change_one_field_and_keep_the_map() {
    let db = setup("nested").await;
    let new = db
        .update(key())
        .set(Account::SCORES.key("math"), 100)
        .set(Account::ADDRESS.key("zip"), "W1")
        .set(Account::NOTES.at(1), "2nd")
        .send()
        .await
        .unwrap();
    assert_eq!(
        new.scores,
        HashMap::from([("math".to_owned(), 100), ("art".to_owned(), 70)])
    );
    assert_eq!(new.address.len(), 2);
    assert_eq!(new.notes, ["first", "2nd"]);
}

#[tokio::test]
async fn return_choices() {
    let db = setup("returns").await;
    let old = db
        .update(key())
        .set(Account::AGE, 40)
        .return_old()
        .send()
        .await
        .unwrap();
    assert_eq!(old.map(|a| a.age), Some(36));
    #[allow(clippy::let_unit_value)] // the type is the assertion: nothing comes back
    let (): () = db
        .update(key())
        .set(Account::AGE, 41)
        .return_nothing()
        .send()
        .await
        .unwrap();
    assert_eq!(
        db.get(key())
            .consistent()
            .send()
            .await
            .unwrap()
            .unwrap()
            .age,
        41
    );
}

#[tokio::test]
async fn missing_items_are_not_found_unless_upserted() {
    let db = setup("upsert").await;
    let missing = AccountKey::new("nobody", "account");
    let err = db
        .update(missing.clone())
        .set(Account::AGE, 1)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        db.get(missing.clone()).consistent().send().await.unwrap(),
        None,
        "nothing created"
    );

    let template = account("nobody");
    let created = db
        .update(missing.clone())
        .set(Account::NAME, template.name.clone())
        .set(Account::STATUS, template.status.clone())
        .set(Account::AGE, template.age)
        .set(Account::BALANCE, template.balance)
        .set(Account::LIMIT, template.limit)
        .set(Account::TAGS, template.tags.clone())
        .set(Account::NOTES, template.notes.clone())
        .set(Account::SCORES, template.scores.clone())
        .set(Account::DATA, template.data.clone())
        .set(Account::ADDRESS, template.address.clone())
        .upsert()
        .send()
        .await
        .unwrap();
    assert_eq!(created, template);
}

#[tokio::test]
async fn a_failed_condition_carries_the_stored_item() {
    let db = setup("update_condition").await;
    let err = db
        .update(key())
        .add(Account::BALANCE, -1000)
        .condition(Account::BALANCE.ge(1000))
        .send()
        .await
        .unwrap_err();
    let Error::ConditionFailed {
        item: Some(item), ..
    } = err
    else {
        panic!("expected ConditionFailed with the item, got {err:?}");
    };
    assert_eq!(Account::from_item(item.into_inner()).unwrap(), account("a"));
    let new = db
        .update(key())
        .add(Account::BALANCE, -100)
        .condition(Account::BALANCE.ge(100))
        .send()
        .await
        .unwrap();
    assert_eq!(new.balance, 0);
}
