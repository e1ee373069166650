use dynamo_model::Model;

fn shorter_than_ten(name: &str) -> Result<(), String> {
    if name.len() < 10 { Ok(()) } else { Err("too long".into()) }
}

#[derive(Model)]
#[dynamo(table = "things")]
struct Thing {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(validate(range(min = 1)))]
    name: String,
    #[dynamo(validate(length(max = 3)))]
    count: u32,
    #[dynamo(validate(email))]
    age: u8,
    #[dynamo(validate(custom = shorter_than_ten))]
    score: u64,
    #[dynamo(validate(one_of("a", "b")))]
    level: u32,
}

fn main() {}
