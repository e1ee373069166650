use dynamo_model::prelude::*;

#[derive(Model)]
#[dynamo(table = "users")]
struct User {
    #[dynamo(hash_key)]
    id: String,
    email: String,
    nickname: Option<String>,
    tags: Vec<String>,
}

#[derive(Model)]
#[dynamo(table = "orders")]
struct Order {
    #[dynamo(hash_key)]
    id: String,
    total: u64,
}

fn build(db: &Db) {
    let _ = db.update(UserKey::new("u1")).remove(User::NICKNAME); // fine
    let _ = db.update(UserKey::new("u1")).remove(User::EMAIL);
    let _ = db.update(UserKey::new("u1")).add(User::EMAIL, "x".to_owned());
    let _ = db.update(UserKey::new("u1")).append(User::EMAIL, "x".to_owned());
    let _ = db.put(&User { id: "u1".into(), email: "e".into(), nickname: None, tags: vec![] })
        .condition(Order::TOTAL.gt(5));
}

fn main() {}
