use dynamo_model::{Collection, Model};

#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{id}")]
struct Customer {
    id: String,
    #[dynamo(constant = "Customer")]
    kind: String,
}

// Each variant holds one model.
#[derive(Collection)]
enum CustomerData {
    Profile(Customer),
    Nothing,
    Pair(Customer, Customer),
    Named { customer: Customer },
}

#[derive(Collection)]
struct NotAnEnum(Customer);

// The mistakes above are reported once, at the enum: its uses still type-check.
fn read(db: &dynamo_model::Db) {
    let _ = db.collection::<CustomerData>();
}

fn main() {}
