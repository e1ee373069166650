use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "users")]
enum User {
    A,
}

#[derive(Model)]
#[dynamo(table = "tuples")]
struct Tuple(String);

#[derive(Model)]
#[dynamo(table = "generic")]
struct Generic<T> {
    #[dynamo(hash_key)]
    id: T,
}

fn main() {}
