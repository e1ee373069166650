//! Consumed capacity, on request, for every kind of read and write.

mod common;

use common::accounts::{account, Account, AccountKey};
use dynamo_model::Capacity;

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

    // Unmetered requests ask for nothing.
    let request = db.get(key()).request().unwrap();
    assert_eq!(request.return_consumed_capacity(), None);
}
