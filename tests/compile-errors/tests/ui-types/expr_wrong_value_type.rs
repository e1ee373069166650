use dynamo_model::prelude::*;

#[derive(Model)]
#[dynamo(table = "users")]
struct User {
    #[dynamo(hash_key)]
    id: String,
    age: u32,
    email: String,
    active: bool,
}

fn main() {
    let _ = User::AGE.gt("21");
    let _ = User::EMAIL.eq(5);
    let _ = User::AGE.begins_with("1");
    let _ = User::AGE.contains(1u32);
    let _ = User::ACTIVE.lt(true);
    let _ = User::AGE.eq(User::EMAIL);
}
