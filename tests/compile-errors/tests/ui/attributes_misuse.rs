use dynamo_model::prelude::*;

#[derive(Attributes)]
#[dynamo(table = "addresses", gsi(name = "by_city", hash = "city"))]
struct Address {
    #[dynamo(hash_key)]
    city: String,
}

fn main() {}
