//! Consumed capacity: reported on request for every kind of read and write, and per access
//! pattern no more than the best hand-written request's.

use crate::common;

#[path = "../../benches/store_capacity/mod.rs"]
mod store_capacity;

use common::accounts::{account, Account, AccountKey};
use dynamo_model::{Capacity, Model};

/// Every access pattern of the store costs what the best hand-written request costs (1.00x)
/// where the key alone selects the entity, and at most 2x where entities interleave in one key
/// range — among them a newcomer's case: the newest orders of a partition of 100 orders x 40
/// interleaved lines, with limits 1, 5 and 50. Capacity on DynamoDB Local is deterministic.
#[tokio::test]
async fn access_patterns_cost_what_hand_written_requests_cost() {
    let db = common::db("capacity_patterns").await;
    store_capacity::seed(&db).await;
    store_capacity::same_item(&db).await;
    let rows = store_capacity::measure(&db).await;
    eprintln!("{}", store_capacity::table(&rows));
    for row in &rows {
        assert!(
            row.library <= row.hand * row.target,
            "{}: {} units against {} by hand (target {}x)",
            row.pattern,
            row.library,
            row.hand,
            row.target
        );
    }

    // The key condition narrows to the orders' key range, and says so.
    use store_capacity::store::Order;
    let request = db
        .query::<Order>()
        .hash(Order::PK.of("c1"))
        .request()
        .unwrap();
    assert_eq!(
        request.key_condition_expression(),
        Some("#n0 = :v0 AND begins_with(#n1, :v1)")
    );
    assert_eq!(
        request.expression_attribute_values().unwrap()[":v1"],
        dynamo_model::aws_sdk_dynamodb::types::AttributeValue::S("ORDER#".into())
    );
    // Every range condition on the orders' leading parts returns exactly the orders it did
    // before it was narrowed (`gt` and `lt` included, whose bounds are exclusive).
    let all = db
        .query::<Order>()
        .hash(Order::PK.of("c1"))
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), store_capacity::ORDERS as usize);
    let (a, b) = (all[30].placed_at, all[60].placed_at);
    let within = |keep: &dyn Fn(&Order) -> bool| -> Vec<String> {
        all.iter()
            .filter(|o| keep(o))
            .map(|o| o.order_id.clone())
            .collect()
    };
    let cases: Vec<(dynamo_model::Condition<Order>, Vec<String>)> = vec![
        (Order::SK.lt((a,)), within(&|o| o.placed_at < a)),
        (Order::SK.le((a,)), within(&|o| o.placed_at <= a)),
        (Order::SK.gt((a,)), within(&|o| o.placed_at > a)),
        (Order::SK.ge((a,)), within(&|o| o.placed_at >= a)),
        (
            Order::SK.between((a,), (b,)),
            within(&|o| o.placed_at >= a && o.placed_at <= b),
        ),
        (
            Order::SK.gt((a, all[30].order_id.as_str())),
            within(&|o| o.placed_at > a),
        ),
        (
            Order::SK.lt((a, all[30].order_id.as_str())),
            within(&|o| o.placed_at < a),
        ),
    ];
    for (condition, expected) in cases {
        let shown = condition.to_string();
        let got: Vec<String> = db
            .query::<Order>()
            .hash(Order::PK.of("c1"))
            .range(condition)
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.order_id)
            .collect();
        assert_eq!(got, expected, "{shown}");
    }
}

#[tokio::test]
async fn every_request_kind_reports_consumed_capacity() {
    let db = common::db("capacity").await;
    db.create_table::<Account>().send().await.unwrap();
    let meter = Capacity::new();
    let key = || AccountKey::new("a", "account");

    db.put(&account("a")).capacity(&meter).send().await.unwrap();
    assert_eq!(meter.requests(), 1);
    let after_put = meter.units();
    assert!(
        after_put >= 1.0,
        "a write costs at least one unit: {after_put}"
    );

    db.get(key())
        .consistent()
        .capacity(&meter)
        .send()
        .await
        .unwrap();
    db.update(key())
        .add(Account::AGE, 1)
        .capacity(&meter)
        .send()
        .await
        .unwrap();
    db.query::<Account>()
        .hash("a")
        .capacity(&meter)
        .all()
        .await
        .unwrap();
    db.scan::<Account>()
        .capacity(&meter)
        .segments(2)
        .all()
        .await
        .unwrap();
    db.delete(key()).capacity(&meter).send().await.unwrap();
    db.create(&account("b"))
        .capacity(&meter)
        .send()
        .await
        .unwrap();
    assert_eq!(
        meter.requests(),
        8,
        "one report per request, a scan segment each"
    );
    assert!(meter.units() > after_put + 4.0, "{}", meter.units());

    // Batches and transactions: one report per request, every table's units.
    let each = |meter: &Capacity| (meter.requests(), meter.units());
    let batch = Capacity::new();
    let accounts: Vec<Account> = (0..30).map(|i| account(&format!("x{i}"))).collect();
    db.batch_put(&accounts)
        .capacity(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(each(&batch), (2, 30.0), "two requests, a unit per item");
    let read = Capacity::new();
    db.batch_get::<Account>(accounts.iter().map(|a| a.key()))
        .capacity(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(each(&read), (1, 15.0), "half a unit per item read");
    let tx = Capacity::new();
    db.transact_write()
        .update::<Account>(AccountKey::new("x1", "account"), |u| u.add(Account::AGE, 1))
        .update::<Account>(AccountKey::new("x2", "account"), |u| u.add(Account::AGE, 1))
        .capacity(&tx)
        .send()
        .await
        .unwrap();
    // DynamoDB Local reports one table's units for a transaction of two updates (2.0, where
    // the service charges 2 x 2): the meter adds what the response reports.
    assert_eq!(each(&tx).0, 1);
    assert!(each(&tx).1 >= 2.0, "{:?}", each(&tx));
    let tx_read = Capacity::new();
    db.transact_get()
        .get::<Account>(AccountKey::new("x1", "account"))
        .capacity(&tx_read)
        .send()
        .await
        .unwrap();
    assert_eq!(
        each(&tx_read),
        (1, 2.0),
        "a transactional read costs twice a read"
    );
    let once = Capacity::new();
    db.update(AccountKey::new("x3", "account"))
        .add(Account::AGE, 1)
        .return_nothing()
        .exactly_once()
        .capacity(&once)
        .send()
        .await
        .unwrap();
    assert_eq!(
        each(&once),
        (1, 2.0),
        "exactly once: a transaction, twice an UpdateItem"
    );

    // Unmetered requests ask for nothing.
    let request = db.get(key()).request().unwrap();
    assert_eq!(request.return_consumed_capacity(), None);
}
