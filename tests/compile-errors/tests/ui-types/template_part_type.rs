use dynamo_model::Model;

// A float cannot be part of a key template (its text would not sort by value).
#[derive(Model)]
#[dynamo(table = "readings", hash_key = "SENSOR#{sensor}", range_key = "{value}")]
struct Reading {
    sensor: String,
    value: f64,
}

fn main() {}
