//! The command-line face of `examples/store.rs`: customers, orders and order lines in one
//! table, each command its own process on the persistent DynamoDB Local (see the README).
//!
//! ```sh
//! cargo run --features cli --example orders -- customer c1 --name Ada --email ada@example.com
//! cargo run --features cli --example orders -- place c1 --line tea:2:450 --line cups:1:1200
//! cargo run --features cli --example orders -- list c1 --limit 10     # newest first, then --after
//! cargo run --features cli --example orders -- show c1 <ORDER>        # the order and its lines, one query
//! cargo run --features cli --example orders -- open --status placed   # every customer's, by the sparse index
//! cargo run --features cli --example orders -- pack c1 <ORDER>
//! cargo run --features cli --example orders -- ship c1 <ORDER>        # leaves the index
//! ```

#[path = "support/cli.rs"]
mod cli;
#[path = "support/store.rs"]
mod store;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use dynamo_model::prelude::*;
use dynamo_model::Cursor;

use cli::{message, say, Connection};
use store::{Customer, CustomerKey, OpenStatus, Order, OrderLine, OrderWithLines, Store};

#[derive(Parser, Debug)]
#[command(
    name = "orders",
    about = "Customers, orders and order lines in one DynamoDB table"
)]
struct Cli {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Creates or replaces a customer's profile.
    Customer {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
    },
    /// Places an order: the order and its lines are written together, or not at all.
    Place {
        customer: String,
        /// `product:quantity:price_in_cents` (repeatable, at least one).
        #[arg(long = "line", required = true, value_parser = parse_line)]
        lines: Vec<(String, u32, u64)>,
    },
    /// A customer's orders, newest first, a page at a time.
    List {
        customer: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
    },
    /// An order and its lines, read by one query.
    Show { customer: String, order: String },
    /// Every customer's open orders in a state, oldest first.
    Open {
        #[arg(long, value_enum, default_value = "placed")]
        status: State,
    },
    /// Marks an order packed.
    Pack { customer: String, order: String },
    /// Ships an order: it is no longer open, and leaves the `by_status` index.
    Ship { customer: String, order: String },
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum State {
    Placed,
    Packed,
}

impl From<State> for OpenStatus {
    fn from(state: State) -> OpenStatus {
        match state {
            State::Placed => OpenStatus::Placed,
            State::Packed => OpenStatus::Packed,
        }
    }
}

fn parse_line(text: &str) -> Result<(String, u32, u64), String> {
    let parts: Vec<&str> = text.split(':').collect();
    let [product, quantity, price] = parts[..] else {
        return Err("expected product:quantity:price_in_cents".into());
    };
    let quantity = quantity
        .parse()
        .map_err(|_| format!("bad quantity {quantity:?}"))?;
    let price = price.parse().map_err(|_| format!("bad price {price:?}"))?;
    Ok((product.to_owned(), quantity, price))
}

fn main() -> ExitCode {
    cli::main(run)
}

async fn run(cli: Cli) -> Result<(), String> {
    let db = cli.connection.db_with_table::<Store>().await?;
    match cli.command {
        Command::Customer { id, name, email } => {
            let customer = Customer {
                customer_id: id.clone(),
                kind: "Customer".into(),
                name,
                email,
            };
            db.put(&customer).send().await.map_err(message)?;
            say(format!("saved customer {id}"));
        }
        Command::Place { customer, lines } => {
            if db
                .get(CustomerKey::new(customer.as_str()))
                .send()
                .await
                .map_err(message)?
                .is_none()
            {
                return Err(format!("no customer {customer}"));
            }
            let placed_at = Timestamp::now();
            let order_id = format!("o{}", placed_at.as_millis());
            let order_lines: Vec<OrderLine> = lines
                .iter()
                .zip(1..)
                .map(|((product, quantity, price), line)| OrderLine {
                    customer_id: customer.clone(),
                    placed_at,
                    order_id: order_id.clone(),
                    line,
                    kind: "OrderLine".into(),
                    product: product.clone(),
                    quantity: *quantity,
                    price: *price,
                })
                .collect();
            let order = Order {
                customer_id: customer.clone(),
                placed_at,
                order_id: order_id.clone(),
                kind: "Order".into(),
                open_status: Some(OpenStatus::Placed),
                total: order_lines
                    .iter()
                    .map(|l| l.price * u64::from(l.quantity))
                    .sum(),
            };
            let mut write = db.transact_write().create(&order);
            for line in &order_lines {
                write = write.create(line);
            }
            write.send().await.map_err(message)?;
            say(format!(
                "placed {order_id}: {} lines, total {} cents",
                order_lines.len(),
                order.total
            ));
        }
        Command::List {
            customer,
            limit,
            after,
        } => {
            let mut query = db
                .query::<Order>()
                .hash(Order::PK.of(customer.as_str()))
                .descending()
                .limit(limit);
            if let Some(after) = after {
                let cursor: Cursor = after.parse().map_err(|e| format!("--after: {e}"))?;
                query = query.start_after(cursor);
            }
            let page = query.send().await.map_err(message)?;
            if page.items.is_empty() {
                say("no orders");
            }
            for order in &page.items {
                say(format!(
                    "{}  {}  {} cents  {}",
                    order.order_id,
                    order.placed_at,
                    order.total,
                    state(order.open_status)
                ));
            }
            if let Some(next) = page.next {
                say(format!("more: orders list {customer} --after {next}"));
            }
        }
        Command::Show { customer, order } => {
            let order = find(&db, &customer, &order).await?;
            let parts = db
                .collection::<OrderWithLines>()
                .hash(Order::PK.of(customer.as_str()))
                .range(Order::SK.begins_with((order.placed_at, order.order_id.as_str())))
                .consistent()
                .all()
                .await
                .map_err(message)?;
            for part in parts {
                match part {
                    OrderWithLines::Order(o) => say(format!(
                        "{}  {}  {} cents  {}",
                        o.order_id,
                        o.placed_at,
                        o.total,
                        state(o.open_status)
                    )),
                    OrderWithLines::Line(l) => say(format!(
                        "  {}. {} x{} at {} cents",
                        l.line, l.product, l.quantity, l.price
                    )),
                }
            }
        }
        Command::Open { status } => {
            let orders = db
                .query::<Order>()
                .index(Order::BY_STATUS)
                .hash(Order::BY_STATUS_PK.of(OpenStatus::from(status)))
                .all()
                .await
                .map_err(message)?;
            if orders.is_empty() {
                say("no orders");
            }
            for order in orders {
                say(format!(
                    "{}  {}  {}",
                    order.customer_id, order.order_id, order.placed_at
                ));
            }
        }
        Command::Pack { customer, order } => {
            let order = find(&db, &customer, &order).await?;
            db.update(order.key())
                .set(Order::OPEN_STATUS, Some(OpenStatus::Packed))
                .condition(Order::OPEN_STATUS.exists())
                .send()
                .await
                .map_err(|e| match e {
                    Error::ConditionFailed { .. } => format!("{} has shipped", order.order_id),
                    other => message(other),
                })?;
            say(format!("packed {}", order.order_id));
        }
        Command::Ship { customer, order } => {
            let order = find(&db, &customer, &order).await?;
            db.update(order.key())
                .set(Order::OPEN_STATUS, None)
                .send()
                .await
                .map_err(message)?;
            say(format!("shipped {}", order.order_id));
        }
    }
    Ok(())
}

/// A customer's order by its id. The sort key starts with the time it was placed, which the
/// caller does not know: the `by_id` index, keyed by the id alone, finds it in one read (a
/// query of the customer's partition filtered on the id would read every order and line).
/// An index is read eventually consistently: an order placed a moment ago may not be in it yet.
async fn find(db: &Db, customer: &str, order_id: &str) -> Result<Order, String> {
    db.query::<Order>()
        .index(Order::BY_ID)
        .hash(Order::BY_ID_PK.of(order_id))
        .limit(1)
        .all()
        .await
        .map_err(message)?
        .pop()
        .filter(|order| order.customer_id == customer)
        .ok_or_else(|| format!("no order {order_id} of customer {customer}"))
}

fn state(status: Option<OpenStatus>) -> &'static str {
    match status {
        Some(OpenStatus::Placed) => "placed",
        Some(OpenStatus::Packed) => "packed",
        None => "shipped",
    }
}
