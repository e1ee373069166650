//! Transactions against DynamoDB Local: all or nothing, reasons per action, limits, tokens.

use crate::common;

use common::accounts::{account, Account, AccountKey};
use dynamo_model::prelude::*;
use dynamo_model::CancellationReason;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "orders")]
struct Order {
    #[dynamo(hash_key)]
    id: String,
    account: String,
    total: i64,
}

/// A line of an order, with rules: every broken one is reported, naming its action.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "lines")]
struct Line {
    #[dynamo(hash_key)]
    order: String,
    #[dynamo(range_key)]
    line: u32,
    #[dynamo(validate(non_empty))]
    sku: String,
    #[dynamo(validate(range(min = 1, max = 1000)))]
    quantity: u32,
}

fn order(id: &str, total: i64) -> Order {
    Order {
        id: id.into(),
        account: "a".into(),
        total,
    }
}

async fn setup(test: &str) -> Db {
    let db = common::db(test).await;
    db.create_table::<Account>().send().await.unwrap();
    db.create_table::<Order>().send().await.unwrap();
    db.put(&account("a")).send().await.unwrap();
    db
}

fn key(id: &str) -> AccountKey {
    AccountKey::new(id, "account")
}

async fn balance(db: &Db, id: &str) -> i64 {
    db.get(key(id))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap()
        .balance
}

#[tokio::test]
async fn every_kind_of_action_across_models_lands_together() {
    let db = setup("transact_ok").await;
    db.put(&account("gone")).send().await.unwrap();
    db.put(&account("checked")).send().await.unwrap();
    db.transact_write()
        .create(&order("o1", 30))
        .update::<Account>(key("a"), |u| {
            u.add(Account::BALANCE, -30)
                .condition(Account::BALANCE.ge(30))
        })
        .check::<Account>(key("checked"), Account::STATUS.eq("active"))
        .delete::<Account>(key("gone"))
        .put(&account("b"))
        .send()
        .await
        .unwrap();
    assert_eq!(balance(&db, "a").await, 70);
    assert_eq!(
        db.get(OrderKey::new("o1")).send().await.unwrap(),
        Some(order("o1", 30))
    );
    assert_eq!(db.get(key("gone")).consistent().send().await.unwrap(), None);
    assert!(db
        .get(key("b"))
        .consistent()
        .send()
        .await
        .unwrap()
        .is_some());

    let (a, o, missing): (Option<Account>, Option<Order>, Option<Order>) = db
        .transact_get()
        .get::<Account>(key("a"))
        .get::<Order>(OrderKey::new("o1"))
        .get::<Order>(OrderKey::new("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(a.unwrap().balance, 70);
    assert_eq!(o, Some(order("o1", 30)));
    assert_eq!(missing, None);
}

#[tokio::test]
async fn a_failing_check_cancels_everything_and_names_the_action() {
    let db = setup("transact_cancel").await;
    db.put(&account("checked")).send().await.unwrap();
    let err = db
        .transact_write()
        .create(&order("o1", 10))
        .update::<Account>(key("a"), |u| u.add(Account::BALANCE, -10))
        .return_items_on_condition_failure()
        .check::<Account>(key("checked"), Account::AGE.gt(100))
        .send()
        .await
        .unwrap_err();
    let err_text = err.to_string();
    let Error::TransactionCanceled { reasons } = err else {
        panic!("{err:?}")
    };
    use dynamo_model::CancellationCode;
    let codes: Vec<&CancellationCode> = reasons.iter().map(|r| &r.code).collect();
    assert_eq!(
        codes,
        [
            &CancellationCode::None,
            &CancellationCode::None,
            &CancellationCode::ConditionalCheckFailed
        ]
    );
    // Each reason names its action, model and key; the error says which failed.
    assert_eq!((reasons[2].action, reasons[2].model), (2, "Account"));
    assert!(
        err_text.contains("action 2 (Account id=\"checked\""),
        "{err_text}"
    );
    let stored = Account::from_item(reasons[2].item.clone().unwrap().into_inner()).unwrap();
    assert_eq!(stored, account("checked"));
    assert_eq!(balance(&db, "a").await, 100, "nothing landed");
    assert_eq!(
        db.get(OrderKey::new("o1"))
            .consistent()
            .send()
            .await
            .unwrap(),
        None
    );

    // Creating what exists and updating what does not both cancel, at their own index.
    db.put(&order("o2", 1)).send().await.unwrap();
    let err = db
        .transact_write()
        .update::<Account>(key("nobody"), |u| u.set(Account::AGE, 1))
        .create(&order("o2", 5))
        .send()
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = err else {
        panic!("{err:?}")
    };
    assert!(
        reasons.iter().all(CancellationReason::failed),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn invalid_transactions_are_refused_before_sending() {
    // No tables: a transaction that went out would fail on them instead.
    let db = common::db("transact_invalid").await;
    let refused = |err: Error| match err {
        Error::InvalidRequest { message } => message,
        other => panic!("expected InvalidRequest, got {other:?}"),
    };
    let mut too_many = db.transact_write();
    for i in 0..101 {
        too_many = too_many.put(&order(&format!("o{i}"), i));
    }
    assert!(refused(too_many.send().await.unwrap_err()).contains("101 actions"));
    let mut hundred = db.transact_write();
    for i in 0..100 {
        hundred = hundred.put(&order(&format!("o{i}"), i));
    }
    assert!(
        matches!(hundred.send().await, Err(Error::TableNotFound { .. })),
        "100 is allowed"
    );

    let twice = db
        .transact_write()
        .put(&order("o1", 1))
        .delete::<Order>(OrderKey::new("o1"));
    assert!(refused(twice.send().await.unwrap_err()).contains("one action per item"));
    assert!(refused(db.transact_write().send().await.unwrap_err()).contains("no actions"));
    let long_token = db
        .transact_write()
        .put(&order("o1", 1))
        .token("x".repeat(37));
    assert!(refused(long_token.send().await.unwrap_err()).contains("1 to 36"));
    let empty_update = db
        .transact_write()
        .update::<Order>(OrderKey::new("o1"), |u| u);
    let message = refused(empty_update.send().await.unwrap_err());
    assert!(
        message.starts_with("actions[0] (Order): ") && message.contains("no actions"),
        "{message}"
    );

    // Every action is checked before sending: each broken rule, its path naming the action.
    let line = |n: u32, sku: &str, quantity: u32| Line {
        order: "o1".into(),
        line: n,
        sku: sku.into(),
        quantity,
    };
    let err = db
        .transact_write()
        .put(&order("o1", 10))
        .create(&line(1, "tea", 0))
        .create(&line(2, "", 2))
        .create(&line(3, "cups", 1))
        .send()
        .await
        .unwrap_err();
    let Error::Validation { violations } = &err else {
        panic!("{err:?}")
    };
    let paths: Vec<&str> = violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(
        paths,
        ["actions[1] (Line).quantity", "actions[2] (Line).sku"]
    );
    assert!(
        err.to_string()
            .contains("`actions[2] (Line).sku` must not be empty"),
        "{err}"
    );
}

#[tokio::test]
async fn a_token_makes_a_retried_transaction_apply_once() {
    let db = setup("transact_token").await;
    let pay = |token: &str| {
        db.transact_write()
            .update::<Account>(key("a"), |u| u.add(Account::BALANCE, -10))
            .token(token)
    };
    pay("payment-1").send().await.unwrap();
    pay("payment-1").send().await.unwrap();
    assert_eq!(
        balance(&db, "a").await,
        90,
        "the retry was not applied again"
    );
    pay("payment-2").send().await.unwrap();
    assert_eq!(balance(&db, "a").await, 80);

    // The same token for a different request is refused by DynamoDB.
    let err = db
        .transact_write()
        .update::<Account>(key("a"), |u| u.add(Account::BALANCE, -99))
        .token("payment-2")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Sdk { .. }), "{err:?}");
    assert!(
        err.to_string().contains("IdempotentParameterMismatch"),
        "{err}"
    );
}

/// A stamped, versioned receipt: what a transaction stores is not what the caller passed.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "receipts", timestamps)]
struct Receipt {
    #[dynamo(hash_key)]
    id: String,
    total: i64,
    #[dynamo(version)]
    version: u64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// A transaction gives back what its creates and puts stored (version, timestamps), as single
/// writes do, so a service answers 201 without reading again; updates give nothing back.
#[tokio::test]
async fn a_transaction_returns_what_it_stored() {
    let db = setup("tx_written").await;
    db.create_table::<Receipt>().send().await.unwrap();
    db.create_table::<Line>().send().await.unwrap();
    let receipt = Receipt {
        id: "r1".into(),
        total: 30,
        version: 0,
        created_at: Timestamp::default(),
        updated_at: Timestamp::default(),
    };
    let line = |n: u32| Line {
        order: "r1".into(),
        line: n,
        sku: format!("sku-{n}"),
        quantity: n,
    };
    let written = db
        .transact_write()
        .create(&receipt)
        .put(&line(1))
        .update::<Account>(key("a"), |u| u.add(Account::BALANCE, -30))
        .put(&line(2))
        .send()
        .await
        .unwrap();
    let stored = written.stored::<Receipt>().unwrap();
    let read = db
        .get(ReceiptKey::new("r1"))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, std::slice::from_ref(&read));
    assert_eq!(read.version, 1);
    assert_ne!(read.created_at, Timestamp::default());
    assert_eq!(written.stored::<Line>().unwrap(), [line(1), line(2)]);
    assert_eq!(written.stored::<Order>().unwrap(), []);
    let kinds: Vec<bool> = written.items().map(|item| item.is_some()).collect();
    assert_eq!(
        kinds,
        [true, true, false, true],
        "the update gives nothing back"
    );
    // The next write starts from what was returned.
    let next = db
        .transact_write()
        .put(&Receipt {
            total: 31,
            ..stored[0].clone()
        })
        .send()
        .await
        .unwrap()
        .stored::<Receipt>()
        .unwrap();
    assert_eq!(next[0].version, 2);
    assert_eq!(next[0].created_at, read.created_at);
}
