use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "users")]
#[dynamo(gsi(name = "by_tags", hash = "tags"))]
struct User {
    #[dynamo(hash_key)]
    id: Vec<String>,
    #[dynamo(range_key)]
    flag: bool,
    tags: std::collections::HashSet<String>,
}

fn main() {}
