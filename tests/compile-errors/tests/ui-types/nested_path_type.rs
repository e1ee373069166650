use dynamo_model::prelude::*;

#[derive(Attributes)]
struct Geo {
    lat: f64,
}

#[derive(Model)]
#[dynamo(table = "people")]
struct Person {
    #[dynamo(hash_key)]
    id: String,
    name: String,
}

fn main() {
    let _ = Person::NAME.then(Geo::LAT);
}
