use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "docs")]
struct Doc {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(version)]
    revision: String,
}

#[derive(Model)]
#[dynamo(table = "sessions")]
struct Session {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(ttl)]
    expires: String,
}

fn main() {}
