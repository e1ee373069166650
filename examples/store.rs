//! A store in one DynamoDB table: customers, their orders and the orders' lines, each a model,
//! sharing one table and its partitions (single-table design).
//!
//! Run with `cargo run --example store` (DynamoDB Local is started for the run; with
//! `DYNAMODB_ENDPOINT` set, that endpoint is used).
//!
//! | Access pattern | Request | Keys |
//! | --- | --- | --- |
//! | a customer's profile by id | `db.get(CustomerKey::new(id))` | `pk = CUSTOMER#<id>`, `sk = PROFILE` |
//! | a customer's orders, newest first, a page at a time | `db.query::<Order>().hash(Order::PK.of(id)).descending().limit(n)`, then `.start_after(cursor)` | `sk = ORDER#<placed_at>#<order_id>` |
//! | open orders by status, across customers | `db.query::<Order>().index(Order::BY_STATUS).hash(Order::BY_STATUS_PK.of(status))` | sparse index `by_status`: `STATUS#<open_status>`, `<placed_at>#<order_id>`; an order leaves it when `open_status` becomes `None` |
//! | an order by its id alone | `db.query::<Order>().index(Order::BY_ID).hash(Order::BY_ID_PK.of(order_id)).limit(1)` | index `by_id`: `ORDER#<order_id>` (the sort key leads with the time, which the id alone does not give) |
//! | an order with its lines, in one query | `db.collection::<OrderWithLines>().hash(..).range(Order::SK.begins_with((placed_at, order_id)))` | a line's `sk = ORDER#<placed_at>#<order_id>#LINE#<n>` |
//! | everything of a customer | `db.collection::<CustomerData>().hash(Customer::PK.of(id))` | the whole partition |
//!
//! Each model keeps its fields as attributes; `pk`, `sk` and the index keys are composed from
//! them on every write (see the key templates in the crate docs' guide). The models are in
//! `examples/support/store.rs`, shared with the command-line face of this store,
//! `examples/orders.rs`.

use dynamo_model::local::DynamoDbLocal;
use dynamo_model::prelude::*;

#[path = "support/store.rs"]
mod store;

use store::{
    Customer, CustomerData, CustomerKey, OpenStatus, Order, OrderLine, OrderWithLines, Store,
};

const PRODUCTS: [(&str, u64); 4] = [
    ("tea", 450),
    ("cups", 1200),
    ("kettle", 3900),
    ("honey", 800),
];

/// The sample data: three customers; customer `c1` has 25 orders of 1 to 3 lines.
async fn seed(db: &Db) -> Result<(), Error> {
    let start = Timestamp::from_millis(1_796_000_000_000);
    for (id, name) in [("c1", "Ada"), ("c2", "Grace"), ("c3", "Edsger")] {
        let customer = Customer {
            customer_id: id.into(),
            kind: "Customer".into(),
            name: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
        };
        db.put(&customer).send().await?;
    }
    let (mut orders, mut lines) = (Vec::new(), Vec::new());
    for n in 0..25u32 {
        let customer_id = ["c1", "c1", "c1", "c2", "c3"][n as usize % 5];
        let placed_at = Timestamp::from_millis(start.as_millis() + i64::from(n) * 3_600_000);
        let order_id = format!("o{n:03}");
        let mut total = 0;
        for line in 1..=(n % 3 + 1) {
            let (product, price) = PRODUCTS[(n + line) as usize % PRODUCTS.len()];
            total += price * u64::from(line);
            lines.push(OrderLine {
                customer_id: customer_id.into(),
                placed_at,
                order_id: order_id.clone(),
                line,
                kind: "OrderLine".into(),
                product: product.into(),
                quantity: line,
                price,
            });
        }
        orders.push(Order {
            customer_id: customer_id.into(),
            placed_at,
            order_id,
            kind: "Order".into(),
            open_status: Some(if n % 2 == 0 {
                OpenStatus::Placed
            } else {
                OpenStatus::Packed
            }),
            total,
        });
    }
    // Batches retry what DynamoDB leaves unprocessed.
    db.batch_put(&orders).send().await?;
    db.batch_put(&lines).send().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let local = DynamoDbLocal::start().await?;
    let db = local.db();
    db.create_table::<Store>().if_not_exists().send().await?;
    let report = db.check_table::<Store>().send().await?;
    println!("{report}");
    seed(&db).await?;

    // 1. A profile by id.
    let ada = db
        .get(CustomerKey::new("c1"))
        .send()
        .await?
        .expect("seeded");
    println!("profile: {} <{}>", ada.name, ada.email);

    // 2. Ada's orders, newest first, 4 per page, following the cursor.
    let mut cursor = None;
    let mut page_number = 1;
    loop {
        let mut query = db
            .query::<Order>()
            .hash(Order::PK.of("c1"))
            .descending()
            .limit(4);
        if let Some(cursor) = cursor.take() {
            query = query.start_after(cursor);
        }
        let page = query.send().await?;
        let ids: Vec<&str> = page.items.iter().map(|o| o.order_id.as_str()).collect();
        println!("orders page {page_number}: {}", ids.join(" "));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        page_number += 1;
    }

    // 3. Packed orders of every customer, through the sparse index; ship one, and it leaves.
    let packed = db
        .query::<Order>()
        .index(Order::BY_STATUS)
        .hash(Order::BY_STATUS_PK.of(OpenStatus::Packed))
        .all()
        .await?;
    println!("packed orders: {}", packed.len());
    let first = &packed[0];
    db.update(first.key())
        .set(Order::OPEN_STATUS, None)
        .send()
        .await?;
    let still_packed = db
        .query::<Order>()
        .index(Order::BY_STATUS)
        .hash(Order::BY_STATUS_PK.of(OpenStatus::Packed))
        .count()
        .await?;
    println!(
        "shipped {}; packed orders now: {still_packed}",
        first.order_id
    );

    // 4. An order by its id alone, through the index keyed by it: one read, where a query of
    //    the customer's partition filtered on the id would read every order and line in it.
    let order = db
        .query::<Order>()
        .index(Order::BY_ID)
        .hash(Order::BY_ID_PK.of("o015"))
        .limit(1)
        .all()
        .await?
        .pop()
        .expect("seeded");
    println!(
        "order o015: customer {}, placed {}",
        order.customer_id, order.placed_at
    );

    // 5. An order with its lines, in one query.
    let order = db
        .query::<Order>()
        .hash(Order::PK.of("c1"))
        .descending()
        .limit(1)
        .all()
        .await?
        .remove(0);
    let parts = db
        .collection::<OrderWithLines>()
        .hash(Order::PK.of("c1"))
        .range(Order::SK.begins_with((order.placed_at, order.order_id.as_str())))
        .all()
        .await?;
    for part in &parts {
        match part {
            OrderWithLines::Order(o) => println!("order {}: total {} cents", o.order_id, o.total),
            OrderWithLines::Line(l) => {
                println!(
                    "  line {}: {} x{} at {} cents",
                    l.line, l.product, l.quantity, l.price
                )
            }
        }
    }

    // 6. Everything in Ada's partition, by kind.
    let everything = db
        .collection::<CustomerData>()
        .hash(Customer::PK.of("c1"))
        .all()
        .await?;
    let count = |f: fn(&CustomerData) -> bool| everything.iter().filter(|d| f(d)).count();
    println!(
        "partition of c1: {} profile, {} orders, {} lines",
        count(|d| matches!(d, CustomerData::Profile(_))),
        count(|d| matches!(d, CustomerData::Order(_))),
        count(|d| matches!(d, CustomerData::Line(_))),
    );
    Ok(())
}
