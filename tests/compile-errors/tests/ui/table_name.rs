use dynamo_model::Model;

#[derive(Model)]
struct NoTable {
    #[dynamo(hash_key)]
    id: String,
}

#[derive(Model)]
#[dynamo(table = "my table!")]
#[dynamo(gsi(name = "x", hash = "id"))]
struct BadNames {
    #[dynamo(hash_key)]
    id: String,
}

fn main() {}
