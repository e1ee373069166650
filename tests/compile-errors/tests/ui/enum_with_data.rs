use dynamo_model::prelude::*;

#[derive(Attributes)]
#[dynamo(rename_all = "shouting")]
enum Shape {
    Circle(f64),
    Square { side: f64 },
    Point,
    #[dynamo(rename = "Point")]
    Dot,
}

fn main() {}
