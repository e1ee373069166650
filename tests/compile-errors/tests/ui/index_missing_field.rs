use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "users")]
#[dynamo(gsi(name = "by_email", hash = "emial"))]
#[dynamo(lsi(name = "by_age", range = "age"))]
#[dynamo(gsi(name = "by_cache", hash = "cache"))]
struct User {
    #[dynamo(hash_key)]
    id: String,
    email: String,
    age: u32,
    #[dynamo(skip)]
    cache: Option<String>,
}

fn main() {}
