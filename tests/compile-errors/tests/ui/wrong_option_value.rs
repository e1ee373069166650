use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = 5)]
#[dynamo(gsi(name = "by_email", hash = "email", projection = "some"))]
#[dynamo(gsi)]
struct User {
    #[dynamo(hash_key = "yes")]
    id: String,
    #[dynamo(rename = 5)]
    email: String,
    #[dynamo(rename)]
    age: u32,
}

fn main() {}
