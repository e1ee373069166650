use dynamo_model::prelude::*;

#[derive(Model)]
#[dynamo(table = "posts", timestamps = "epoch_nanos")]
struct Post {
    #[dynamo(hash_key)]
    id: String,
    created_at: Timestamp,
}

fn main() {}
