//! The store's models, shared by `examples/store.rs` (which lists the access patterns) and its
//! command-line face `examples/orders.rs`: customers, orders and order lines in one table.

#![allow(dead_code)] // each example uses a part of this

use dynamo_model::prelude::*;

/// A customer's profile: `pk = CUSTOMER#<customer_id>`, `sk = PROFILE`.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{customer_id}", range_key = "sk")]
#[dynamo(compose(sk = "PROFILE"))]
pub struct Customer {
    pub customer_id: String,
    /// Tells a customer's items from the others' in the shared table.
    #[dynamo(constant = "Customer")]
    pub kind: String,
    pub name: String,
    #[dynamo(validate(email))]
    pub email: String,
}

/// The state of an order that is still open: its key in the sparse `by_status` index.
#[derive(Attributes, Debug, Clone, Copy, PartialEq)]
pub enum OpenStatus {
    Placed,
    Packed,
}

/// An order, in its customer's partition, sorted by time; found by its id alone through the
/// `by_id` index (its sort key leads with the time, which a caller holding only the id does
/// not know).
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(
    table = "store",
    hash_key = "CUSTOMER#{customer_id}",
    range_key = "ORDER#{placed_at}#{order_id}"
)]
#[dynamo(gsi(
    name = "by_status",
    hash = "STATUS#{open_status}",
    range = "{placed_at}#{order_id}"
))]
#[dynamo(gsi(name = "by_id", hash = "ORDER#{order_id}"))]
pub struct Order {
    pub customer_id: String,
    pub placed_at: Timestamp,
    pub order_id: String,
    #[dynamo(constant = "Order")]
    pub kind: String,
    /// `None` once shipped: the order then leaves the `by_status` index.
    pub open_status: Option<OpenStatus>,
    /// In cents.
    pub total: u64,
}

/// A line of an order; its sort key begins with its order's.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(
    table = "store",
    hash_key = "CUSTOMER#{customer_id}",
    range_key = "ORDER#{placed_at}#{order_id}#LINE#{line}"
)]
pub struct OrderLine {
    pub customer_id: String,
    pub placed_at: Timestamp,
    pub order_id: String,
    pub line: u32,
    #[dynamo(constant = "OrderLine")]
    pub kind: String,
    pub product: String,
    pub quantity: u32,
    /// In cents.
    pub price: u64,
}

dynamo_model::table! {
    /// The one table: checked at compile time that the three agree on keys and indexes.
    pub struct Store { Customer, Order, OrderLine }
}

/// An order and its lines, read by one query.
#[derive(Collection, Debug)]
pub enum OrderWithLines {
    Order(Order),
    Line(OrderLine),
}

/// Everything in a customer's partition.
#[derive(Collection, Debug)]
pub enum CustomerData {
    Profile(Customer),
    Order(Order),
    Line(OrderLine),
}
