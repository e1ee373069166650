//! `Debug` of request builders: the request each would send, stored values redacted unless
//! `show_item_values(true)`. One test, because `show_item_values` is process-wide.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use dynamo_model::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "accounts", gsi(name = "by_owner", hash = "owner"))]
struct Account {
    #[dynamo(hash_key)]
    id: String,
    owner: String,
    #[dynamo(validate(range(min = 0)))]
    balance: i64,
    secret_note: Option<String>,
}

/// A `Db` that could not reach anything: `Debug` sends nothing.
fn offline_db() -> Db {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "hunter2-secret",
            None,
            None,
            "test",
        ))
        .build();
    Db::new(aws_sdk_dynamodb::Client::from_conf(config)).table_prefix("prod_")
}

fn account() -> Account {
    Account {
        id: "acct-4242".into(),
        owner: "ada@example.com".into(),
        balance: 1_000_000,
        secret_note: Some("pin 1234".into()),
    }
}

#[test]
fn builders_show_the_request_without_the_data() {
    let db = offline_db();
    let item = account();
    let builders: Vec<(&str, String)> = vec![
        (
            "Put",
            format!("{:?}", db.put(&item).condition(Account::BALANCE.ge(10))),
        ),
        ("Create", format!("{:?}", db.create(&item))),
        (
            "Get",
            format!("{:?}", db.get(AccountKey::new("acct-4242")).consistent()),
        ),
        (
            "Update",
            format!(
                "{:?}",
                db.update(AccountKey::new("acct-4242"))
                    .add(Account::BALANCE, 5)
            ),
        ),
        (
            "Delete",
            format!("{:?}", db.delete(AccountKey::new("acct-4242"))),
        ),
        (
            "Query",
            format!(
                "{:?}",
                db.query::<Account>()
                    .index(Account::BY_OWNER)
                    .hash("ada@example.com")
                    .filter(Account::SECRET_NOTE.eq(Some("pin 1234".to_owned())))
            ),
        ),
        (
            "Scan",
            format!(
                "{:?}",
                db.scan::<Account>().filter(Account::BALANCE.gt(999))
            ),
        ),
        ("BatchWrite", format!("{:?}", db.batch_put([&item]))),
        (
            "BatchGet",
            format!(
                "{:?}",
                db.batch_get::<Account>([AccountKey::new("acct-4242")])
            ),
        ),
        (
            "TransactWrite",
            format!(
                "{:?}",
                db.transact_write()
                    .put(&item)
                    .delete::<Account>(AccountKey::new("acct-4242x"))
            ),
        ),
        (
            "TransactGet",
            format!(
                "{:?}",
                db.transact_get()
                    .get::<Account>(AccountKey::new("acct-4242"))
            ),
        ),
        ("CreateTable", format!("{:?}", db.create_table::<Account>())),
        ("DeleteTable", format!("{:?}", db.delete_table::<Account>())),
    ];
    for (name, shown) in &builders {
        // A request builder says that it shows a rendering (which ran the model's rules), not
        // the builder; DeleteTable renders nothing and shows its settings.
        let start = match *name {
            "DeleteTable" => format!("{name} {{ table: "),
            _ => format!("{name} {{ would_send: "),
        };
        assert!(shown.starts_with(&start), "{name}: {shown}");
        assert!(
            shown.contains("prod_accounts"),
            "{name} names its table: {shown}"
        );
        for secret in [
            "acct-4242",
            "ada@example.com",
            "1000000",
            "pin 1234",
            "hunter2",
            "999",
        ] {
            assert!(!shown.contains(secret), "{name} shows {secret:?}: {shown}");
        }
    }
    let put = &builders[0].1;
    assert!(
        put.contains("secret_note") && put.contains("balance"),
        "attribute names: {put}"
    );
    assert!(
        put.contains("S(\"…\")") && put.contains("N(\"…\")"),
        "value types: {put}"
    );
    assert!(
        put.contains("condition_expression: Some("),
        "the condition: {put}"
    );
    let query = &builders[5].1;
    assert!(query.contains("by_owner"), "the index: {query}");

    // A builder whose request cannot be built says why.
    let invalid = format!(
        "{:?}",
        db.put(&Account {
            balance: -1,
            ..account()
        })
    );
    assert!(
        invalid.contains("invalid") && invalid.contains("range"),
        "{invalid}"
    );

    // Values on request, as for errors.
    dynamo_model::show_item_values(true);
    let shown = format!("{:?}", db.put(&item));
    dynamo_model::show_item_values(false);
    assert!(
        shown.contains("acct-4242") && shown.contains("pin 1234"),
        "{shown}"
    );
}
