//! `default`, `default_fn` and `alias`: older items read into today's model.

use crate::common;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::Item;

fn default_plan() -> String {
    "free".to_owned()
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "members")]
struct Member {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(default = 18)]
    age: u32,
    #[dynamo(default_fn = default_plan)]
    plan: String,
    #[dynamo(default = Some(3))]
    level: Option<u8>,
    #[dynamo(alias = "mail", alias = "e_mail")]
    email: Option<String>,
    #[dynamo(skip, default = String::from("not stored"))]
    note: String,
    name: String,
}

fn stored(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn missing_attributes_take_their_defaults_and_aliases_are_read() {
    let old = stored(&[
        ("id", AttributeValue::S("m1".into())),
        ("name", AttributeValue::S("Ada".into())),
        ("e_mail", AttributeValue::S("ada@example.com".into())),
    ]);
    let member = Member::from_item(old).unwrap();
    assert_eq!(
        member,
        Member {
            id: "m1".into(),
            age: 18,
            plan: "free".into(),
            level: Some(3),
            email: Some("ada@example.com".into()),
            note: "not stored".into(),
            name: "Ada".into(),
        }
    );
    // Written back under today's names only.
    let item = member.to_item().unwrap();
    assert!(
        item.contains_key("email") && !item.contains_key("e_mail") && !item.contains_key("note")
    );

    // A required attribute without a default is still required.
    let err = Member::from_item(stored(&[("id", AttributeValue::S("m2".into()))])).unwrap_err();
    assert!(
        matches!(&err, Error::Attribute { path, .. } if path == "name"),
        "{err:?}"
    );
    // A wrong type under an alias names the alias.
    let err = Member::from_item(stored(&[
        ("id", AttributeValue::S("m3".into())),
        ("name", AttributeValue::S("x".into())),
        ("mail", AttributeValue::N("1".into())),
    ]))
    .unwrap_err();
    assert!(
        matches!(&err, Error::Attribute { path, .. } if path == "mail"),
        "{err:?}"
    );
}

#[tokio::test]
async fn older_items_in_dynamodb_read_with_defaults() {
    let db = common::db("defaults").await;
    db.create_table::<Member>().send().await.unwrap();
    db.client()
        .put_item()
        .table_name(db.table_name::<Member>())
        .set_item(Some(stored(&[
            ("id", AttributeValue::S("old".into())),
            ("name", AttributeValue::S("Grace".into())),
            ("mail", AttributeValue::S("grace@example.com".into())),
        ])))
        .send()
        .await
        .unwrap();
    let member = db
        .get(MemberKey::new("old"))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (member.age, member.plan.as_str(), member.level),
        (18, "free", Some(3))
    );
    assert_eq!(member.email.as_deref(), Some("grace@example.com"));
}

#[test]
fn defaults_are_available_when_constructing() {
    assert_eq!(Member::AGE.default_value(), Some(18));
    assert_eq!(Member::PLAN.default_value().as_deref(), Some("free"));
    assert_eq!(Member::LEVEL.default_value(), Some(Some(3)));
    assert_eq!(Member::NAME.default_value(), None, "no default given");
    let member = Member {
        id: "m2".into(),
        age: Member::AGE.default_value().unwrap(),
        plan: Member::PLAN.default_value().unwrap(),
        level: None,
        email: None,
        note: String::new(),
        name: "Grace".into(),
    };
    assert_eq!((member.age, member.plan.as_str()), (18, "free"));
}
