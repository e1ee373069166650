//! The store's access patterns (`examples/support/store.rs`), each run through the library and
//! through the best hand-written aws-sdk-dynamodb request for it, with the capacity units each
//! consumed on DynamoDB Local (which computes them as the service does, deterministically).
//! Shared by `benches/capacity.rs`, which prints the table of BENCHMARKS.md, and
//! `tests/suite/capacity.rs`, which holds every row to its target.
//!
//! The data is the layout a newcomer measured: one customer whose partition holds 100 orders,
//! each with 40 lines whose sort keys (`ORDER#<placed_at>#<order_id>#LINE#<n>`) sort right
//! after their order's, so a customer's orders and lines interleave.

#![allow(dead_code)] // the bench and the test use different parts

use std::collections::HashMap;

use dynamo_model::aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, Select};
use dynamo_model::prelude::*;
use dynamo_model::Capacity;

#[path = "../../examples/support/store.rs"]
pub mod store;

use store::{Customer, CustomerData, CustomerKey, OpenStatus, Order, OrderLine, OrderWithLines};

/// Orders of the customer, and lines of each order.
pub const ORDERS: u32 = 100;
pub const LINES: u32 = 40;
const CUSTOMER: &str = "c1";

/// One access pattern: the units each side consumed, and the most the library may cost
/// against the hand-written request.
#[derive(Debug, Clone)]
pub struct Row {
    pub pattern: String,
    pub library: f64,
    pub hand: f64,
    pub requests: usize,
    /// 1.0 where the key alone selects the entity; 2.0 where entities interleave in one key
    /// range (a hand-written `Limit` there uses what its author knows of the data).
    pub target: f64,
}

impl Row {
    pub fn ratio(&self) -> f64 {
        self.library / self.hand
    }
}

fn placed_at(n: u32) -> Timestamp {
    Timestamp::from_millis(1_796_000_000_000 + i64::from(n) * 60_000)
}

fn order(n: u32) -> Order {
    Order {
        customer_id: CUSTOMER.into(),
        placed_at: placed_at(n),
        order_id: format!("o{n:04}"),
        kind: "Order".into(),
        open_status: Some(if n.is_multiple_of(2) {
            OpenStatus::Placed
        } else {
            OpenStatus::Packed
        }),
        total: 4_500,
    }
}

/// The customer, its 100 orders and their 4,000 lines.
pub async fn seed(db: &Db) {
    db.create_table::<store::Store>().send().await.unwrap();
    let customer = Customer {
        customer_id: CUSTOMER.into(),
        kind: "Customer".into(),
        name: "Ada".into(),
        email: "ada@example.com".into(),
    };
    db.put(&customer).send().await.unwrap();
    let orders: Vec<Order> = (0..ORDERS).map(order).collect();
    let lines: Vec<OrderLine> = (0..ORDERS)
        .flat_map(|n| {
            (1..=LINES).map(move |line| OrderLine {
                customer_id: CUSTOMER.into(),
                placed_at: placed_at(n),
                order_id: format!("o{n:04}"),
                line,
                kind: "OrderLine".into(),
                product: "tea".into(),
                quantity: line,
                price: 450,
            })
        })
        .collect();
    db.batch_put(&orders).send().await.unwrap();
    db.batch_put(&lines).send().await.unwrap();
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

/// The units a metered library call consumed, and its requests.
async fn library<T, F: std::future::Future<Output = Result<T, Error>>>(
    call: impl FnOnce(Capacity) -> F,
) -> (f64, usize) {
    let meter = Capacity::new();
    call(meter.clone()).await.unwrap();
    (meter.units(), meter.requests())
}

/// The hand-written side: the aws-sdk client and the table's name.
struct Hand<'a> {
    client: &'a dynamo_model::aws_sdk_dynamodb::Client,
    table: String,
}

impl Hand<'_> {
    /// A Query's units: `pk` and a key condition on `sk` (or an index's keys), `Limit`, a
    /// filter on the entity's `kind`.
    #[allow(clippy::too_many_arguments)]
    async fn query(
        &self,
        index: Option<&str>,
        key: &str,
        names: &[(&str, &str)],
        values: &[(&str, AttributeValue)],
        filter: Option<&str>,
        limit: Option<i32>,
        descending: bool,
        count: bool,
    ) -> f64 {
        let mut units = 0.0;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_owned))
                .key_condition_expression(key)
                .set_filter_expression(filter.map(str::to_owned))
                .set_expression_attribute_names(Some(
                    names
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                ))
                .set_expression_attribute_values(Some(
                    values
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), v.clone()))
                        .collect::<HashMap<_, _>>(),
                ))
                .set_limit(limit)
                .scan_index_forward(!descending)
                .set_select(count.then_some(Select::Count))
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .unwrap();
            units += out
                .consumed_capacity()
                .and_then(|c| c.capacity_units())
                .unwrap_or(0.0);
            // With a `Limit` that holds what is wanted, one request; otherwise every page.
            match out.last_evaluated_key {
                Some(key) if limit.is_none() => start = Some(key),
                _ => return units,
            }
        }
    }
}

impl Hand<'_> {
    /// A query of an index by its hash key alone, `limit` items.
    async fn index(&self, index: &str, value: &str, limit: i32) -> f64 {
        let key = format!("{index}_pk");
        self.query(
            Some(index),
            "#pk = :pk",
            &[("#pk", &key)],
            &[(":pk", s(value))],
            None,
            Some(limit),
            false,
            false,
        )
        .await
    }
}

/// Every access pattern of the store, both ways.
pub async fn measure(db: &Db) -> Vec<Row> {
    let hand = Hand {
        client: db.client(),
        table: db.table_name::<Order>(),
    };
    let pk = || s(&format!("CUSTOMER#{CUSTOMER}"));
    let mut rows = Vec::new();
    let mut row = |pattern: &str, (library, requests): (f64, usize), hand: f64, target: f64| {
        rows.push(Row {
            pattern: pattern.to_owned(),
            library,
            hand,
            requests,
            target,
        })
    };

    // A profile by its key.
    let lib = library(|m| db.get(CustomerKey::new(CUSTOMER)).capacity(&m).send()).await;
    let out = hand
        .client
        .get_item()
        .table_name(&hand.table)
        .key("pk", pk())
        .key("sk", s("PROFILE"))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let units = out.consumed_capacity().and_then(|c| c.capacity_units());
    row("a profile by id (get)", lib, units.unwrap_or(0.0), 1.0);

    // A customer's newest orders: the lines interleave with the orders in the key range.
    for n in [1, 5, 50] {
        let lib = library(|m| {
            db.query::<Order>()
                .hash(Order::PK.of(CUSTOMER))
                .descending()
                .limit(n)
                .capacity(&m)
                .send()
        })
        .await;
        // Its author knows 40 lines follow each order: one request reads exactly enough.
        let units = hand
            .query(
                None,
                "#pk = :pk AND begins_with(#sk, :order)",
                &[("#pk", "pk"), ("#sk", "sk"), ("#kind", "kind")],
                &[
                    (":pk", pk()),
                    (":order", s("ORDER#")),
                    (":kind", s("Order")),
                ],
                Some("#kind = :kind"),
                Some(n as i32 * (LINES as i32 + 1)),
                true,
                false,
            )
            .await;
        row(
            &format!("the {n} newest orders of a customer (interleaved with lines)"),
            lib,
            units,
            2.0,
        );
    }

    // Open orders by status: the sparse index holds orders only.
    let lib = library(|m| {
        db.query::<Order>()
            .index(Order::BY_STATUS)
            .hash(Order::BY_STATUS_PK.of(OpenStatus::Packed))
            .limit(5)
            .capacity(&m)
            .send()
    })
    .await;
    let units = hand.index("by_status", "STATUS#Packed", 5).await;
    row("5 packed orders (sparse index by_status)", lib, units, 1.0);

    // An order by its id alone, through the index keyed by it.
    let lib = library(|m| {
        db.query::<Order>()
            .index(Order::BY_ID)
            .hash(Order::BY_ID_PK.of("o0042"))
            .limit(1)
            .capacity(&m)
            .send()
    })
    .await;
    let units = hand.index("by_id", "ORDER#o0042", 1).await;
    row("an order by its id (index by_id)", lib, units, 1.0);
    // The same, checked to be the only one (`one()`): a hand-written check reads two.
    let lib = library(|m| {
        db.query::<Order>()
            .index(Order::BY_ID)
            .hash(Order::BY_ID_PK.of("o0042"))
            .capacity(&m)
            .one()
    })
    .await;
    let units = hand.index("by_id", "ORDER#o0042", 2).await;
    row("the only order with its id (`one()`)", lib, units, 1.0);

    // An order with its lines: one key range.
    let o = order(42);
    let prefix = Order::SK.begins_with((o.placed_at, o.order_id.as_str()));
    let lib = library(|m| {
        db.collection::<OrderWithLines>()
            .hash(Order::PK.of(CUSTOMER))
            .range(prefix)
            .capacity(&m)
            .all()
    })
    .await;
    let units = hand
        .query(
            None,
            "#pk = :pk AND begins_with(#sk, :order)",
            &[("#pk", "pk"), ("#sk", "sk")],
            &[
                (":pk", pk()),
                (":order", s(&format!("ORDER#{}#o0042", o.placed_at))),
            ],
            None,
            None,
            false,
            false,
        )
        .await;
    row("an order with its 40 lines (collection)", lib, units, 1.0);

    // How many orders a customer has.
    let lib = library(|m| {
        db.query::<Order>()
            .hash(Order::PK.of(CUSTOMER))
            .capacity(&m)
            .count()
    })
    .await;
    let units = hand
        .query(
            None,
            "#pk = :pk AND begins_with(#sk, :order)",
            &[("#pk", "pk"), ("#sk", "sk"), ("#kind", "kind")],
            &[
                (":pk", pk()),
                (":order", s("ORDER#")),
                (":kind", s("Order")),
            ],
            Some("#kind = :kind"),
            None,
            false,
            true,
        )
        .await;
    row("a count of a customer's orders", lib, units, 1.0);

    // Everything in the partition.
    let lib = library(|m| {
        db.collection::<CustomerData>()
            .hash(Customer::PK.of(CUSTOMER))
            .capacity(&m)
            .all()
    })
    .await;
    let units = hand
        .query(
            None,
            "#pk = :pk",
            &[("#pk", "pk")],
            &[(":pk", pk())],
            None,
            None,
            false,
            false,
        )
        .await;
    row("a customer's whole partition (collection)", lib, units, 1.0);

    // Single-item writes of an order (its two index entries written too, both sides).
    let new = order(ORDERS + 1);
    let lib = library(|m| db.create(&new).capacity(&m).return_nothing().send()).await;
    db.delete(new.key()).send().await.unwrap();
    let item = hand_item(&new);
    let out = hand
        .client
        .put_item()
        .table_name(&hand.table)
        .set_item(Some(item.clone()))
        .condition_expression("attribute_not_exists(pk)")
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let units = out.consumed_capacity().and_then(|c| c.capacity_units());
    row("create an order", lib, units.unwrap_or(0.0), 1.0);

    let lib = library(|m| db.put(&new).capacity(&m).return_nothing().send()).await;
    let out = hand
        .client
        .put_item()
        .table_name(&hand.table)
        .set_item(Some(item))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let units = out.consumed_capacity().and_then(|c| c.capacity_units());
    row("put an order", lib, units.unwrap_or(0.0), 1.0);

    let lib = library(|m| {
        db.update(new.key())
            .set(Order::TOTAL, 5_000)
            .capacity(&m)
            .return_nothing()
            .send()
    })
    .await;
    let out = hand
        .client
        .update_item()
        .table_name(&hand.table)
        .key("pk", pk())
        .key(
            "sk",
            s(&format!("ORDER#{}#{}", new.placed_at, new.order_id)),
        )
        .update_expression("SET #total = :total")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_names("#total", "total")
        // Another value: an update that changes nothing writes no index entry.
        .expression_attribute_values(":total", AttributeValue::N("6000".into()))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let units = out.consumed_capacity().and_then(|c| c.capacity_units());
    row("update an order's total", lib, units.unwrap_or(0.0), 1.0);

    let lib = library(|m| db.delete(new.key()).capacity(&m).send()).await;
    db.put(&new).send().await.unwrap();
    let out = hand
        .client
        .delete_item()
        .table_name(&hand.table)
        .key("pk", pk())
        .key(
            "sk",
            s(&format!("ORDER#{}#{}", new.placed_at, new.order_id)),
        )
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let units = out.consumed_capacity().and_then(|c| c.capacity_units());
    row("delete an order", lib, units.unwrap_or(0.0), 1.0);
    rows
}

/// An order's item by hand: its fields and the keys composed from them.
fn hand_item(o: &Order) -> HashMap<String, AttributeValue> {
    let at = o.placed_at.to_string();
    let status = match o.open_status {
        Some(OpenStatus::Placed) => "Placed",
        Some(OpenStatus::Packed) => "Packed",
        None => "",
    };
    HashMap::from([
        ("pk".to_owned(), s(&format!("CUSTOMER#{}", o.customer_id))),
        ("sk".to_owned(), s(&format!("ORDER#{at}#{}", o.order_id))),
        ("by_status_pk".to_owned(), s(&format!("STATUS#{status}"))),
        (
            "by_status_sk".to_owned(),
            s(&format!("{at}#{}", o.order_id)),
        ),
        ("by_id_pk".to_owned(), s(&format!("ORDER#{}", o.order_id))),
        ("customer_id".to_owned(), s(&o.customer_id)),
        ("placed_at".to_owned(), s(&at)),
        ("order_id".to_owned(), s(&o.order_id)),
        ("kind".to_owned(), s(&o.kind)),
        ("open_status".to_owned(), s(status)),
        ("total".to_owned(), AttributeValue::N(o.total.to_string())),
    ])
}

/// The rows as the table of BENCHMARKS.md.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| access pattern | dynamo-model | requests | hand-written | ratio | target |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {:.0}x |\n",
            r.pattern,
            r.library,
            r.requests,
            r.hand,
            r.ratio(),
            r.target
        ));
    }
    out
}

/// Asserts the library's side: the hand-written item is the one the library writes.
pub async fn same_item(db: &Db) {
    let new = order(ORDERS + 2);
    db.put(&new).send().await.unwrap();
    let stored = db
        .client()
        .get_item()
        .table_name(db.table_name::<Order>())
        .key("pk", s(&format!("CUSTOMER#{CUSTOMER}")))
        .key(
            "sk",
            s(&format!("ORDER#{}#{}", new.placed_at, new.order_id)),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(stored, hand_item(&new));
    db.delete(new.key()).send().await.unwrap();
}
