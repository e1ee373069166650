use dynamo_model::Model;

struct Color(u8, u8, u8);

#[derive(Model)]
#[dynamo(table = "users")]
struct User {
    #[dynamo(hash_key)]
    id: String,
    favourite: Color,
    timeout: std::time::Duration,
}

fn main() {}
