use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{id}")]
struct Customer {
    id: String,
    #[dynamo(constant = "Customer")]
    kind: String,
}

// The same hash key attribute, as a number.
#[derive(Model)]
#[dynamo(table = "store")]
struct Order {
    #[dynamo(hash_key, rename = "pk")]
    id: u64,
    #[dynamo(constant = "Order")]
    kind: String,
}

// No constant: its items and a customer's cannot be told apart.
#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{id}")]
struct Note {
    id: String,
}

// An index of the same name on another key.
#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{id}", gsi(name = "by_email", hash = "email"))]
struct Admin {
    id: String,
    email: String,
    #[dynamo(constant = "Admin")]
    kind: String,
}

#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{id}", gsi(name = "by_email", hash = "mail"))]
struct Guest {
    id: String,
    mail: String,
    #[dynamo(constant = "Guest")]
    kind: String,
}

dynamo_model::table! { struct Keys { Customer, Order } }
dynamo_model::table! { struct Apart { Customer, Note } }
dynamo_model::table! { struct Indexes { Admin, Guest } }

fn main() {}
