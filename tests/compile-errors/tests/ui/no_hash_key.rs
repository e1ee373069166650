use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "users")]
struct User {
    id: String,
}

fn main() {}
