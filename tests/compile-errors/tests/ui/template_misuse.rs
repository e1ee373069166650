use dynamo_model::Model;

// A template's parts must be stored fields, separated by text; the key is given once.
#[derive(Model)]
#[dynamo(table = "store", hash_key = "CUSTOMER#{customer}", range_key = "ORDER#{placed_at}{id}")]
#[dynamo(gsi(name = "by_status", hash = "STATUS#{status", range = "gsi1sk"))]
#[dynamo(compose(kind = "{cache}", empty = "FIXED"))]
struct Order {
    #[dynamo(hash_key)]
    customer_id: String,
    placed_at: String,
    id: String,
    status: String,
    kind: String,
    #[dynamo(skip)]
    cache: Option<String>,
}

fn main() {}

// A template's handle (`Note::BY_TEXT`) would clash with the index's.
#[derive(Model)]
#[dynamo(table = "notes", hash_key = "NOTE#{id}", gsi(name = "by_text", hash = "text"))]
#[dynamo(compose(by_text = "{text}"))]
struct Note {
    id: String,
    text: String,
}
