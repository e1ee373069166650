use dynamo_model::Model;

fn zero() -> u32 {
    0
}

#[derive(Model)]
#[dynamo(table = "members")]
struct Member {
    #[dynamo(hash_key, default = String::new())]
    id: String,
    #[dynamo(default = "eighteen")]
    age: u32,
    #[dynamo(default = 1, default_fn = zero)]
    level: u32,
}

fn main() {}
