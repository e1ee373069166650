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

// The same index projecting other attributes.
#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{id}")]
#[dynamo(gsi(name = "by_email", hash = "email", projection = "keys_only"))]
struct Staff {
    id: String,
    email: String,
    #[dynamo(constant = "Staff")]
    kind: String,
}

// A range key the others lack.
#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{id}", range_key = "sk")]
#[dynamo(compose(sk = "VISIT"))]
struct Visit {
    id: String,
    #[dynamo(constant = "Visit")]
    kind: String,
}

// Another text around the partition key: fine in one table (other partitions), but never in
// the same partition, so not one collection.
#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUST#{id}")]
struct Account {
    id: String,
    #[dynamo(constant = "Account")]
    kind: String,
}

#[derive(dynamo_model::Collection)]
enum CustomerData {
    Customer(Customer),
    Account(Account),
}

dynamo_model::table! { struct Keys { Customer, Order } }
dynamo_model::table! { struct Apart { Customer, Note } }
dynamo_model::table! { struct Indexes { Admin, Guest } }
dynamo_model::table! { struct Projections { Admin, Staff } }
dynamo_model::table! { struct Ranges { Customer, Visit } }
dynamo_model::table! { struct Shared { Customer, Account } }

fn main() {}
