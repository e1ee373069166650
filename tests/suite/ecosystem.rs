//! Attribute types of other crates (features `chrono`, `time`, `uuid`, `rust_decimal`,
//! `serde_json`) and float number sets, against DynamoDB Local.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeZone, Utc};
use dynamo_model::prelude::*;
use dynamo_model::{FloatSet, Timestamp};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

/// An invoice a JSON API returns as it is: `Model` and `serde::Serialize` on one struct.
#[derive(Model, serde::Serialize, Debug, Clone, PartialEq)]
#[dynamo(table = "invoices", timestamps)]
struct Invoice {
    #[dynamo(hash_key)]
    customer: Uuid,
    #[dynamo(range_key)]
    issued_at: DateTime<Utc>,
    id: Uuid,
    amount: Decimal,
    tags: BTreeSet<Uuid>,
    rates: HashMap<String, Decimal>,
    details: serde_json::Value,
    paid_at: Option<time::OffsetDateTime>,
    readings: FloatSet<f64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn invoice(customer: Uuid, issued_at: DateTime<Utc>, cents: i64) -> Invoice {
    Invoice {
        customer,
        issued_at,
        id: Uuid::new_v4(),
        amount: Decimal::new(cents, 2),
        tags: BTreeSet::new(),
        rates: HashMap::new(),
        details: serde_json::Value::Null,
        paid_at: None,
        readings: FloatSet::new(),
        created_at: DateTime::<Utc>::default(),
        updated_at: DateTime::<Utc>::default(),
    }
}

async fn stored(db: &Db, invoice: &Invoice) -> HashMap<String, AttributeValue> {
    db.client()
        .get_item()
        .table_name(db.table_name::<Invoice>())
        .key("customer", AttributeValue::S(invoice.customer.to_string()))
        .key(
            "issued_at",
            AttributeValue::S(
                invoice
                    .issued_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            ),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the item is stored")
}

#[tokio::test]
async fn a_model_of_ecosystem_types_round_trips_and_serializes() {
    let db = common::db("ecosystem_round_trip").await;
    db.create_table::<Invoice>().send().await.unwrap();
    let customer = Uuid::new_v4();
    let issued_at = Utc.with_ymd_and_hms(2026, 11, 30, 9, 15, 2).unwrap()
        + chrono::Duration::nanoseconds(123_456_789);
    let mut written = invoice(customer, issued_at, 0);
    // The largest Decimal, to its last digit; map values and set members of the new types.
    written.amount = Decimal::from_str("-79228162514264337593543950.335").unwrap();
    written.rates.insert(
        "vat".into(),
        Decimal::from_str("0.2100000000000000000000000001").unwrap(),
    );
    written.tags = [Uuid::nil(), Uuid::max(), Uuid::new_v4()]
        .into_iter()
        .collect();
    written.details = json!({
        "lines": [{"sku": "A-1", "qty": 3, "price": 9.99}, {"sku": "B", "qty": -1, "note": null}],
        "big": u64::MAX,
        "small": i64::MIN,
        "flag": true,
        "unicode": "€ – ü",
        "nested": {"empty": {}, "list": []},
    });
    written.paid_at = Some(
        time::OffsetDateTime::from_unix_timestamp_nanos(1_796_000_000_987_654_321)
            .unwrap()
            .to_offset(time::macros::offset!(+02:00)),
    );
    written.readings = [0.1, -2.5e-100, 1e125, 3.0].into();

    let created = db.create(&written).send().await.unwrap();
    let read = db
        .get(InvoiceKey::new(customer, issued_at))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, created, "what create returns is what was stored");
    assert_eq!(read.issued_at, issued_at, "nanoseconds kept");
    assert_eq!(read.amount, written.amount);
    assert_eq!(read.amount.to_string(), "-79228162514264337593543950.335");
    assert_eq!(read.rates, written.rates);
    assert_eq!(read.tags, written.tags);
    assert_eq!(read.details, written.details);
    assert_eq!(
        read.paid_at, written.paid_at,
        "the same instant (read back in UTC)"
    );
    assert_eq!(read.readings, written.readings);
    assert!(
        read.created_at > DateTime::<Utc>::default(),
        "stamped by the library"
    );

    // Stored as native DynamoDB values other tools can read.
    let item = stored(&db, &written).await;
    assert_eq!(item["customer"], AttributeValue::S(customer.to_string()));
    assert_eq!(
        item["issued_at"],
        AttributeValue::S("2026-11-30T09:15:02.123456789Z".into())
    );
    assert_eq!(
        item["amount"],
        AttributeValue::N("-79228162514264337593543950.335".into())
    );
    assert_eq!(
        item["paid_at"],
        AttributeValue::S("2026-11-30T00:53:20.987654321Z".into())
    );
    assert!(matches!(&item["tags"], AttributeValue::Ss(tags) if tags.len() == 3));
    assert!(matches!(&item["readings"], AttributeValue::Ns(n) if n.len() == 4));
    let AttributeValue::M(details) = &item["details"] else {
        panic!("details is a map: {:?}", item["details"]);
    };
    assert_eq!(details["big"], AttributeValue::N(u64::MAX.to_string()));
    assert!(matches!(&details["lines"], AttributeValue::L(lines) if lines.len() == 2));

    // Float sets take members and give them up in an update, as other sets do.
    let updated = db
        .update(InvoiceKey::new(customer, issued_at))
        .add(Invoice::READINGS, FloatSet::from([7.25, 0.1]))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.readings.len(), 5, "0.1 was a member already");
    let updated = db
        .update(InvoiceKey::new(customer, issued_at))
        .delete(Invoice::READINGS, FloatSet::from([3.0, 1e125]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.readings.iter().copied().collect::<Vec<_>>(),
        [-2.5e-100, 0.1, 7.25]
    );

    // The same struct serializes for a JSON API.
    let body = serde_json::to_value(&updated).unwrap();
    assert_eq!(body["customer"], json!(customer.to_string()));
    assert_eq!(body["details"]["big"], json!(u64::MAX));
    assert_eq!(body["amount"], json!("-79228162514264337593543950.335"));
    assert_eq!(body["readings"], json!([-2.5e-100, 0.1, 7.25]));
}

#[tokio::test]
async fn a_time_sort_key_takes_time_ranges_and_a_uuid_hash_key_finds_its_partition() {
    let db = common::db("ecosystem_ranges").await;
    db.create_table::<Invoice>().send().await.unwrap();
    let customer = Uuid::new_v4();
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    // One invoice a day for 60 days, some with sub-millisecond times (fixed-width strings keep
    // them in time order); and another customer's, which no query of this one sees.
    let invoices: Vec<Invoice> = (0..60)
        .map(|day| {
            invoice(
                customer,
                start + chrono::Duration::days(day) + chrono::Duration::nanoseconds(day * 7),
                day * 100,
            )
        })
        .chain([invoice(Uuid::new_v4(), start, 1)])
        .collect();
    for each in &invoices {
        db.put(each).send().await.unwrap();
    }
    let january = db
        .query::<Invoice>()
        .hash(customer)
        .range(Invoice::ISSUED_AT.between(
            start,
            Utc.with_ymd_and_hms(2026, 1, 31, 23, 59, 59).unwrap(),
        ))
        .send()
        .await
        .unwrap();
    let days: Vec<i64> = january
        .items
        .iter()
        .map(|i| (i.issued_at - start).num_days())
        .collect();
    assert_eq!(days, (0..31).collect::<Vec<_>>());

    let latest = db
        .query::<Invoice>()
        .hash(customer)
        .range(Invoice::ISSUED_AT.gt(start + chrono::Duration::days(57)))
        .descending()
        .send()
        .await
        .unwrap();
    let amounts: Vec<Decimal> = latest.items.iter().map(|i| i.amount).collect();
    // Day 57's invoice is 399 ns past midnight: after the bound, to the nanosecond.
    assert_eq!(
        amounts,
        [
            Decimal::new(5900, 2),
            Decimal::new(5800, 2),
            Decimal::new(5700, 2)
        ]
    );

    // Decimal conditions compare exactly.
    let big = db
        .query::<Invoice>()
        .hash(customer)
        .filter(Invoice::AMOUNT.ge(Decimal::from_str("58.00").unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(big.items.len(), 2);
}

#[tokio::test]
async fn stored_values_the_types_cannot_hold_are_errors_naming_the_attribute() {
    let db = common::db("ecosystem_bad_data").await;
    db.create_table::<Invoice>().send().await.unwrap();
    let customer = Uuid::new_v4();
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let good = invoice(customer, at, 100);
    db.put(&good).send().await.unwrap();
    for (attribute, value, says) in [
        // 38 digits: a DynamoDB number, but more than a Decimal holds. Never rounded.
        (
            "amount",
            AttributeValue::N("1.2345678901234567890123456789012345678".into()),
            "Decimal",
        ),
        ("id", AttributeValue::S("not-a-uuid".into()), "UUID"),
        ("paid_at", AttributeValue::S("yesterday".into()), "RFC 3339"),
        (
            "details",
            AttributeValue::N("0.12345678901234567890123".into()),
            "exactly",
        ),
        ("details", AttributeValue::B(vec![1].into()), "binary"),
        (
            "readings",
            AttributeValue::Ss(vec!["x".into()]),
            "number set",
        ),
    ] {
        db.client()
            .update_item()
            .table_name(db.table_name::<Invoice>())
            .key("customer", AttributeValue::S(customer.to_string()))
            .key(
                "issued_at",
                AttributeValue::S("2026-03-01T00:00:00.000000000Z".into()),
            )
            .update_expression("SET #a = :v")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":v", value)
            .send()
            .await
            .unwrap();
        let err = db
            .get(InvoiceKey::new(customer, at))
            .send()
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(attribute) && err.contains(says),
            "{attribute}: {err}"
        );
        db.put(&good).send().await.unwrap();
    }
}

#[tokio::test]
async fn values_dynamodb_cannot_hold_are_refused_before_sending() {
    let db = common::db("ecosystem_refused").await;
    // No table: a request that was sent would fail differently.
    let customer = Uuid::new_v4();
    let mut bad = invoice(
        customer,
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
        1,
    );
    bad.readings = [1.0, f64::NAN].into();
    let err = db.put(&bad).send().await.unwrap_err().to_string();
    assert!(err.contains("readings") && err.contains("NaN"), "{err}");

    let mut bad = invoice(
        customer,
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
        1,
    );
    bad.paid_at = Some(time::OffsetDateTime::from_unix_timestamp(-62_167_219_201).unwrap());
    let err = db.put(&bad).send().await.unwrap_err().to_string();
    assert!(
        err.contains("paid_at") && err.contains("0000 to 9999"),
        "{err}"
    );
}

#[test]
fn timestamps_convert_to_and_from_the_time_crates() {
    let t: Timestamp = "2026-11-30T09:15:02.123Z".parse().unwrap();
    let chrono_time = DateTime::<Utc>::from(t);
    assert_eq!(chrono_time.to_rfc3339(), "2026-11-30T09:15:02.123+00:00");
    assert_eq!(Timestamp::from(chrono_time), t);
    let time_time = time::OffsetDateTime::from(t);
    assert_eq!(time_time.unix_timestamp_nanos(), 1_796_030_102_123_000_000);
    assert_eq!(Timestamp::from(time_time), t);
    // Finer digits are dropped, never rounded up into the next millisecond.
    let fine = chrono_time + chrono::Duration::nanoseconds(999_999);
    assert_eq!(Timestamp::from(fine), t);
}

#[test]
fn float_sets_are_sets_of_dynamodb_numbers() {
    let mut set: FloatSet<f32> = [0.0, -0.0, 1.5, 1.5].into();
    assert_eq!(set.len(), 2, "-0.0 and 0.0 are one member, as in DynamoDB");
    assert!(!set.insert(1.5));
    assert!(set.remove(0.0));
    assert_eq!(set.iter().copied().collect::<Vec<_>>(), [1.5]);
}
