//! The main job: define a model, create its table on a DynamoDB Local started for this run,
//! then write, read and delete an item, printing each step.
//!
//! Run with `cargo run --example quickstart`. With `DYNAMODB_ENDPOINT` set, it uses that
//! endpoint instead of starting DynamoDB Local.

use std::collections::HashSet;

use dynamo_model::local::DynamoDbLocal;
use dynamo_model::prelude::*;

/// A user profile: one item per user and kind of record.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "users")]
#[dynamo(gsi(name = "by_email", hash = "email"))]
pub struct User {
    #[dynamo(hash_key)]
    pub pk: String,
    #[dynamo(range_key)]
    pub sk: String,
    pub email: String,
    pub age: u32,
    #[dynamo(rename = "nick")]
    pub nickname: Option<String>,
    /// A string set; an empty set is simply not stored.
    pub tags: HashSet<String>,
    pub score: f64,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    println!("starting DynamoDB Local (installed on first use; this can take a minute)...");
    let local = DynamoDbLocal::start().await?;
    println!("DynamoDB Local answers at {}", local.endpoint());
    let db = local.db();

    db.create_table::<User>().if_not_exists().send().await?;
    println!(
        "created table `{}` (hash key `{}`, range key `{}`, index `{}`)",
        db.table_name::<User>(),
        User::PK.name(),
        User::SK.name(),
        User::BY_EMAIL.name()
    );

    let ada = User {
        pk: "user#ada".into(),
        sk: "profile".into(),
        email: "ada@example.com".into(),
        age: 36,
        nickname: Some("countess".into()),
        tags: HashSet::from(["admin".to_owned(), "math".to_owned()]),
        score: 99.5,
    };
    db.create(&ada).send().await?;
    println!("created {ada:?}");

    match db.create(&ada).send().await {
        Err(Error::AlreadyExists { table }) => {
            println!("creating it again is refused: it already exists in `{table}`")
        }
        other => println!("unexpected result of a second create: {other:?}"),
    }

    let key = UserKey::new("user#ada", "profile");
    let read: Option<User> = db.get(key.clone()).consistent().send().await?;
    println!("read back: {read:?}");
    assert_eq!(read.as_ref(), Some(&ada));

    let older = User {
        age: 37,
        ..ada.clone()
    };
    db.put(&older).send().await?;
    println!("replaced it with age {}", older.age);

    let deleted = db.delete(key.clone()).return_old().send().await?;
    println!("deleted: {deleted:?}");
    let gone = db.get(key).consistent().send().await?;
    println!("after delete, get returns {gone:?}");

    db.delete_table::<User>().send().await?;
    println!(
        "deleted table `{}`; stopping DynamoDB Local",
        db.table_name::<User>()
    );
    Ok(())
}
