use std::collections::HashMap;

use dynamo_model::aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::Model;

fn tidy(text: &str) -> String {
    text.trim().to_owned()
}

#[derive(Model)]
#[dynamo(table = "things")]
struct Thing {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(validate(regex = "([a-z]"))]
    code: String,
    #[dynamo(validate(range(min = 10, max = 1)))]
    score: u32,
    #[dynamo(validate(range()))]
    rank: u32,
    #[dynamo(validate(length(min = -1)))]
    name: String,
    #[dynamo(validate(one_of()))]
    plan: String,
    #[dynamo(validate(shiny))]
    color: String,
    #[dynamo(validate)]
    size: String,
    #[dynamo(skip, validate(email))]
    cache: String,
    #[dynamo(flatten, rename = "x")]
    extra: HashMap<String, AttributeValue>,
    #[dynamo(flatten)]
    more: HashMap<String, AttributeValue>,
    #[dynamo(constant = "THING", set = tidy)]
    kind: String,
    #[dynamo(force_default)]
    level: u32,
    #[dynamo(version, get = tidy)]
    version: u64,
}

#[derive(Model)]
#[dynamo(table = "others", validate(email))]
struct Other {
    #[dynamo(hash_key)]
    id: String,
}

fn main() {}
