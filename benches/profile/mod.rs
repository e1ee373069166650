//! The realistic `Profile` item and its hand-written aws-sdk-dynamodb conversions, shared by the
//! conversion and end-to-end benches.

#![allow(dead_code)] // each bench uses a part of this

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use serde::{Deserialize, Serialize};

pub type Item = HashMap<String, AttributeValue>;

/// A realistic profile item: 12 attributes of the usual kinds.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynamo(table = "profiles")]
pub struct Profile {
    #[dynamo(hash_key)]
    pub pk: String,
    #[dynamo(range_key)]
    pub sk: String,
    pub email: String,
    pub name: String,
    pub age: u32,
    pub balance: f64,
    pub active: bool,
    pub tags: HashSet<String>,
    pub recent: Vec<String>,
    pub address: HashMap<String, String>,
    pub nickname: Option<String>,
    pub created_at: i64,
}

pub fn profile() -> Profile {
    Profile {
        pk: "user#4f1c2a9e".into(),
        sk: "profile".into(),
        email: "ada.lovelace@example.com".into(),
        name: "Ada Lovelace".into(),
        age: 36,
        balance: 1234.56,
        active: true,
        tags: ["admin", "beta", "math"].map(String::from).into(),
        recent: ["order#1", "order#2", "order#3", "order#4"]
            .map(String::from)
            .into(),
        address: [
            ("city", "London"),
            ("zip", "W1"),
            ("street", "St James's Square"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into(),
        nickname: Some("countess".into()),
        created_at: 1_700_000_000_123,
    }
}

pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// An integer as DynamoDB's N, written as the derive writes it (itoa).
pub fn int(value: impl itoa::Integer) -> AttributeValue {
    AttributeValue::N(itoa::Buffer::new().format(value).to_owned())
}

/// A finite, non-zero float as DynamoDB's N (ryu: the shortest string that reads back).
pub fn float(value: f64) -> AttributeValue {
    AttributeValue::N(ryu::Buffer::new().format_finite(value).to_owned())
}

/// `n` profiles that differ in their keys and text, so that a run does not read one item's
/// memory over and over.
pub fn profiles(n: usize) -> Vec<Profile> {
    (0..n)
        .map(|i| Profile {
            pk: format!("user#{i:08x}"),
            email: format!("user{i}@example.com"),
            age: 20 + (i % 50) as u32,
            balance: i as f64 * 1.25 + 0.5,
            created_at: 1_700_000_000_123 + i as i64,
            ..profile()
        })
        .collect()
}

/// What a careful user writes by hand with aws-sdk-dynamodb.
pub fn hand_to_item(p: &Profile) -> Item {
    let mut item = HashMap::with_capacity(12);
    item.insert("pk".to_owned(), s(&p.pk));
    item.insert("sk".to_owned(), s(&p.sk));
    item.insert("email".to_owned(), s(&p.email));
    item.insert("name".to_owned(), s(&p.name));
    item.insert("age".to_owned(), int(p.age));
    item.insert("balance".to_owned(), float(p.balance));
    item.insert("active".to_owned(), AttributeValue::Bool(p.active));
    if !p.tags.is_empty() {
        item.insert(
            "tags".to_owned(),
            AttributeValue::Ss(p.tags.iter().cloned().collect()),
        );
    }
    item.insert(
        "recent".to_owned(),
        AttributeValue::L(p.recent.iter().map(|r| s(r)).collect()),
    );
    item.insert(
        "address".to_owned(),
        AttributeValue::M(p.address.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
    );
    if let Some(nickname) = &p.nickname {
        item.insert("nickname".to_owned(), s(nickname));
    }
    item.insert("created_at".to_owned(), int(p.created_at));
    item
}

/// A batch's put of a profile, by hand.
pub fn hand_put_request(p: &Profile) -> aws_sdk_dynamodb::types::WriteRequest {
    let put = aws_sdk_dynamodb::types::PutRequest::builder()
        .set_item(Some(hand_to_item(p)))
        .build()
        .unwrap();
    aws_sdk_dynamodb::types::WriteRequest::builder()
        .put_request(put)
        .build()
}

pub fn take_s(item: &mut Item, name: &str) -> Result<String, String> {
    match item.remove(name) {
        Some(AttributeValue::S(s)) => Ok(s),
        other => Err(format!("{name}: expected S, found {other:?}")),
    }
}

pub fn take_n<T: std::str::FromStr>(item: &mut Item, name: &str) -> Result<T, String> {
    match item.remove(name) {
        Some(AttributeValue::N(n)) => n.parse().map_err(|_| format!("{name}: bad number")),
        other => Err(format!("{name}: expected N, found {other:?}")),
    }
}

pub fn hand_from_item(mut item: Item) -> Result<Profile, String> {
    Ok(Profile {
        pk: take_s(&mut item, "pk")?,
        sk: take_s(&mut item, "sk")?,
        email: take_s(&mut item, "email")?,
        name: take_s(&mut item, "name")?,
        age: take_n(&mut item, "age")?,
        balance: take_n(&mut item, "balance")?,
        active: match item.remove("active") {
            Some(AttributeValue::Bool(b)) => b,
            other => return Err(format!("active: expected BOOL, found {other:?}")),
        },
        tags: match item.remove("tags") {
            Some(AttributeValue::Ss(tags)) => tags.into_iter().collect(),
            None => HashSet::new(),
            other => return Err(format!("tags: expected SS, found {other:?}")),
        },
        recent: match item.remove("recent") {
            Some(AttributeValue::L(list)) => list
                .into_iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s),
                    other => Err(format!("recent: expected S, found {other:?}")),
                })
                .collect::<Result<_, _>>()?,
            other => return Err(format!("recent: expected L, found {other:?}")),
        },
        address: match item.remove("address") {
            Some(AttributeValue::M(map)) => map
                .into_iter()
                .map(|(k, v)| match v {
                    AttributeValue::S(s) => Ok((k, s)),
                    other => Err(format!("address: expected S, found {other:?}")),
                })
                .collect::<Result<_, _>>()?,
            other => return Err(format!("address: expected M, found {other:?}")),
        },
        nickname: match item.remove("nickname") {
            Some(AttributeValue::S(s)) => Some(s),
            None | Some(AttributeValue::Null(_)) => None,
            other => return Err(format!("nickname: expected S, found {other:?}")),
        },
        created_at: take_n(&mut item, "created_at")?,
    })
}
