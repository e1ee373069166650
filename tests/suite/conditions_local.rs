//! Every condition operator against DynamoDB Local: DynamoDB accepts what we render, and it
//! means what it says (each test checks a condition that holds and one that does not).

use crate::common;

use std::collections::HashSet;

use common::accounts::{account, Account, AccountKey};
use dynamo_model::prelude::*;

async fn setup(test: &str) -> Db {
    let db = common::db(test).await;
    db.create_table::<Account>().send().await.unwrap();
    db.put(&account("a")).send().await.unwrap();
    db
}

/// Whether `condition` holds for the stored `account("a")`, asked through a conditional put of
/// the same item (so nothing changes either way).
async fn holds(db: &Db, condition: Condition<Account>) -> bool {
    let shown = condition.to_string();
    match db.put(&account("a")).condition(condition).send().await {
        Ok(_) => true,
        Err(Error::ConditionFailed { .. }) => false,
        Err(other) => panic!("DynamoDB refused `{shown}`: {other}"),
    }
}

macro_rules! operator_test {
    ($name:ident: holds $yes:expr; fails $no:expr) => {
        #[tokio::test]
        async fn $name() {
            let db = setup(stringify!($name)).await;
            let (yes, no): (Condition<Account>, Condition<Account>) = ($yes, $no);
            let (shown_yes, shown_no) = (yes.to_string(), no.to_string());
            assert!(holds(&db, yes).await, "should hold: {shown_yes}");
            assert!(!holds(&db, no).await, "should fail: {shown_no}");
        }
    };
}

// The stored item: name "Ada", status "active", age 36, balance 100, limit 500,
// tags {vip, beta}, notes [first, second], scores {math: 99, art: 70}, nickname absent,
// data [1, 2, 3], "home address" {city: London}.

operator_test!(eq: holds Account::NAME.eq("Ada"); fails Account::NAME.eq("Bob"));
operator_test!(ne: holds Account::NAME.ne("Bob"); fails Account::NAME.ne("Ada"));
operator_test!(lt: holds Account::AGE.lt(37); fails Account::AGE.lt(36));
operator_test!(le: holds Account::AGE.le(36); fails Account::AGE.le(35));
operator_test!(gt: holds Account::BALANCE.gt(99); fails Account::BALANCE.gt(100));
operator_test!(ge: holds Account::BALANCE.ge(100); fails Account::BALANCE.ge(101));
operator_test!(between: holds Account::AGE.between(30, 36); fails Account::AGE.between(37, 40));
operator_test!(in_: holds Account::AGE.in_([1, 36, 99]); fails Account::AGE.in_([1, 2]));
operator_test!(begins_with: holds Account::NAME.begins_with("Ad"); fails Account::NAME.begins_with("da"));
operator_test!(begins_with_binary: holds Account::DATA.begins_with(vec![1u8, 2]); fails Account::DATA.begins_with(vec![2u8]));
operator_test!(contains_substring: holds Account::NAME.contains("da"); fails Account::NAME.contains("x"));
operator_test!(contains_set_member: holds Account::TAGS.contains("vip"); fails Account::TAGS.contains("gold"));
operator_test!(contains_list_element: holds Account::NOTES.contains("second"); fails Account::NOTES.contains("third"));
operator_test!(exists: holds Account::STATUS.exists(); fails Account::NICKNAME.exists());
operator_test!(not_exists: holds Account::NICKNAME.not_exists(); fails Account::STATUS.not_exists());
operator_test!(eq_none_is_absent: holds Account::NICKNAME.eq(None); fails Account::STATUS.eq(None));
operator_test!(ne_none_is_present: holds Account::STATUS.ne(None); fails Account::NICKNAME.ne(None));
operator_test!(attribute_type: holds Account::TAGS.attribute_type(AttributeType::StringSet);
    fails Account::TAGS.attribute_type(AttributeType::List));
operator_test!(size_of_set: holds Account::TAGS.size().eq(2); fails Account::TAGS.size().gt(2));
operator_test!(size_of_string: holds Account::NAME.size().between(1, 3); fails Account::NAME.size().lt(3));
operator_test!(attribute_to_attribute: holds Account::BALANCE.lt(Account::LIMIT);
    fails Account::BALANCE.ge(Account::LIMIT));
operator_test!(and: holds Account::AGE.eq(36).and(Account::NAME.eq("Ada"));
    fails Account::AGE.eq(36).and(Account::NAME.eq("Bob")));
operator_test!(or: holds Account::AGE.eq(1).or(Account::NAME.eq("Ada"));
    fails Account::AGE.eq(1).or(Account::NAME.eq("Bob")));
operator_test!(grouping: holds Account::AGE.eq(1).or(Account::AGE.eq(36)).and(Account::NAME.eq("Ada"));
    fails Account::AGE.eq(1).or(Account::AGE.eq(36).and(Account::NAME.eq("Bob"))));
operator_test!(not_compare: holds Account::AGE.eq(1).not(); fails Account::AGE.eq(36).not());
operator_test!(not_between: holds Account::AGE.between(1, 2).not(); fails Account::AGE.between(30, 40).not());
operator_test!(not_in: holds Account::AGE.in_([1, 2]).not(); fails Account::AGE.in_([36]).not());
operator_test!(not_begins_with: holds Account::NAME.begins_with("x").not(); fails Account::NAME.begins_with("A").not());
operator_test!(not_contains: holds Account::TAGS.contains("gold").not(); fails Account::TAGS.contains("vip").not());
operator_test!(not_exists_via_not: holds Account::NICKNAME.exists().not(); fails Account::STATUS.exists().not());
operator_test!(list_index: holds Account::NOTES.at(1).eq("second"); fails Account::NOTES.at(0).eq("second"));
operator_test!(map_key: holds Account::SCORES.key("math").gt(90); fails Account::SCORES.key("art").gt(90));
operator_test!(name_with_space: holds Account::ADDRESS.key("city").eq("London");
    fails Account::ADDRESS.key("city").eq("Paris"));
operator_test!(untyped_path: holds Path::parse("scores.math").unwrap().eq(99u32);
    fails Path::parse("notes[5]").unwrap().exists());
operator_test!(reserved_words: holds Account::NAME.eq("Ada").and(Account::STATUS.eq("active")).and(Account::LIMIT.eq(500));
    fails Account::STATUS.eq("closed"));

#[tokio::test]
async fn create_with_condition_and_delete_with_condition() {
    let db = setup("conditional_writes").await;
    // Delete only when the condition holds.
    let key = AccountKey::new("a", "account");
    let err = db
        .delete(key.clone())
        .condition(Account::AGE.gt(100))
        .return_item_on_condition_failure()
        .send()
        .await
        .unwrap_err();
    match err {
        Error::ConditionFailed {
            item: Some(item), ..
        } => {
            assert_eq!(Account::from_item(item.into_inner()).unwrap(), account("a"));
        }
        other => panic!("expected ConditionFailed with the item, got {other:?}"),
    }
    // Without asking, the item is not carried.
    let err = db
        .delete(key.clone())
        .condition(Account::AGE.gt(100))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ConditionFailed { item: None, .. }),
        "{err:?}"
    );
    db.delete(key.clone())
        .condition(Account::AGE.eq(36))
        .send()
        .await
        .unwrap();
    assert_eq!(db.get(key).consistent().send().await.unwrap(), None);

    // Create with a further condition, evaluated against "no item": comparisons fail there, so
    // a failing condition on a new key is ConditionFailed, and a taken key is AlreadyExists.
    let fresh = account("b");
    let err = db
        .create(&fresh)
        .condition(Account::AGE.gt(0))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConditionFailed { .. }), "{err:?}");
    db.create(&fresh)
        .condition(Account::STATUS.not_exists())
        .send()
        .await
        .unwrap();
    let err = db
        .create(&fresh)
        .condition(Account::STATUS.not_exists())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");
}

#[tokio::test]
async fn put_condition_failure_can_carry_the_stored_item() {
    let db = setup("put_failure_item").await;
    let mut changed = account("a");
    changed.age = 99;
    let err = db
        .put(&changed)
        .condition(Account::TAGS.eq(HashSet::from(["nobody".to_owned()])))
        .return_item_on_condition_failure()
        .send()
        .await
        .unwrap_err();
    let Error::ConditionFailed {
        item: Some(item), ..
    } = err
    else {
        panic!("expected the stored item, got {err:?}");
    };
    assert_eq!(Account::from_item(item.into_inner()).unwrap().age, 36);
}

#[tokio::test]
async fn projections_read_only_the_paths_asked_for() {
    let db = setup("projection").await;
    let item = db
        .get(AccountKey::new("a", "account"))
        .project([
            Account::NAME.path(),
            Account::SCORES.key("math").path().clone(),
            Account::NOTES.at(1).path().clone(),
        ])
        .send()
        .await
        .unwrap()
        .unwrap();
    let mut keys: Vec<&String> = item.keys().collect();
    keys.sort();
    assert_eq!(keys, ["name", "notes", "scores"]);
    let scores = item["scores"].as_m().unwrap();
    assert_eq!(scores.len(), 1, "only scores.math: {scores:?}");
    assert_eq!(item["notes"].as_l().unwrap().len(), 1);
}
