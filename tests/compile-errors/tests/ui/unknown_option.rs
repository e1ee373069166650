use dynamo_model::Model;

#[derive(Model)]
#[dynamo(table = "users", tabel = "x")]
#[dynamo(gsi(name = "by_email", hash = "email", sort = "id"))]
struct User {
    #[dynamo(hash_key, primary)]
    id: String,
    #[dynamo(renmae = "mail")]
    email: String,
}

fn main() {}
