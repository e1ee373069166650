use dynamo_model::Model;

// A type attribute on the struct is text as written, listed with its value.
#[derive(Model)]
#[dynamo(table = "store", constant(kind = "ORDER#{id}"))]
struct Order {
    #[dynamo(hash_key)]
    id: String,
}

#[derive(Model)]
#[dynamo(table = "store", constant = "Order")]
struct Line {
    #[dynamo(hash_key)]
    id: String,
}

// Its name is the item's: a field stored under it clashes.
#[derive(Model)]
#[dynamo(table = "store", constant(kind = "Note"))]
struct Note {
    #[dynamo(hash_key)]
    id: String,
    kind: String,
}

fn main() {}
