use dynamo_model::Model;

/// One character short of DynamoDB's shortest table name.
const TABLE: &str = "ab";

#[derive(Model)]
#[dynamo(table = TABLE)]
struct User {
    #[dynamo(hash_key)]
    id: String,
}

fn main() {}
