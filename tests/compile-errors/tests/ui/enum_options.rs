use dynamo_model::prelude::*;

// Every mistake is reported in one compile, and the enum still implements the traits, so a
// document that stores it reports nothing more.
#[derive(Attributes)]
#[dynamo(rename_al = "snake_case")]
enum Status {
    #[dynamo(rename = "a", rename = "b")]
    Active,
    #[dynamo(renam = "x")]
    Gone,
    #[dynamo(rename = "")]
    Empty,
    #[dynamo(rename = 7)]
    Seven,
}

#[derive(Attributes)]
struct Doc {
    status: Status,
}

fn main() {}
