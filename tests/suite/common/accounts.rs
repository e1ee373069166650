//! A model with reserved-word attributes and every kind of value, for the expression tests.

use std::collections::{HashMap, HashSet};

use dynamo_model::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "accounts")]
pub struct Account {
    #[dynamo(hash_key)]
    pub id: String,
    #[dynamo(range_key)]
    pub sk: String,
    pub name: String,
    pub status: Option<String>,
    pub age: u32,
    pub balance: i64,
    pub limit: i64,
    pub tags: HashSet<String>,
    pub notes: Vec<String>,
    pub scores: HashMap<String, u32>,
    pub nickname: Option<String>,
    pub data: Option<Vec<u8>>,
    #[dynamo(rename = "home address")]
    pub address: HashMap<String, String>,
}

pub fn account(id: &str) -> Account {
    Account {
        id: id.into(),
        sk: "account".into(),
        name: "Ada".into(),
        status: Some("active".into()),
        age: 36,
        balance: 100,
        limit: 500,
        tags: ["vip", "beta"].map(String::from).into(),
        notes: vec!["first".into(), "second".into()],
        scores: [("math".to_owned(), 99), ("art".to_owned(), 70)].into(),
        nickname: None,
        data: Some(vec![1, 2, 3]),
        address: [("city".to_owned(), "London".to_owned())].into(),
    }
}
