use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "users")]
struct User {
    #[dynamo(hash_key, skip)]
    id: String,
    #[dynamo(range_key, serde)]
    sort: String,
    #[dynamo(rename = "id")]
    other: String,
    #[dynamo(rename = "")]
    empty: String,
    #[dynamo(rename = "sort")]
    sorted: String,
    #[dynamo(skip, rename = "x")]
    cache: Option<String>,
    #[dynamo(rename = "_wt")]
    token: String,
    #[dynamo(alias = "_wt")]
    aliased: String,
}

fn main() {}
