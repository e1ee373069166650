use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "users")]
#[dynamo(lsi(name = "by_age", hash = "id", range = "age"))]
#[dynamo(lsi(name = "by_nothing"))]
struct User {
    #[dynamo(hash_key)]
    id: String,
    age: u32,
}

fn main() {}
