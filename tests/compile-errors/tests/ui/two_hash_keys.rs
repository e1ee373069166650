use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "users")]
struct User {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(hash_key)]
    email: String,
    #[dynamo(range_key)]
    a: String,
    #[dynamo(range_key)]
    b: String,
}

fn main() {}
