use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "docs")]
struct Twice {
    #[dynamo(hash_key, version)]
    id: u64,
    #[dynamo(version)]
    a: u64,
    #[dynamo(version)]
    b: u64,
}

fn main() {}
