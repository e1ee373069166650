use dynamo_model::prelude::*;

#[derive(Model)]
#[dynamo(table = "notes")]
struct Note {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(updated_at)]
    changed: String,
}

fn main() {}
