//! Client-side instructions per request, for comparing two commits under callgrind (the
//! server runs in another process and is not counted):
//!
//! ```sh
//! DYNAMODB_ENDPOINT=http://127.0.0.1:8000 valgrind --tool=callgrind \
//!     target/release/examples/request_cost 1000   # then with 0; the difference / 1000
//! ```
//!
//! Each round is a put (`return_nothing`) and a get of one small item, sent one at a time on
//! a current-thread runtime so that the count does not depend on scheduling. BENCHMARKS.md
//! ("Tracing spans") compares the commits before and after the request spans with it.

use dynamo_model::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "request_cost")]
struct Profile {
    #[dynamo(hash_key)]
    id: String,
    name: String,
    age: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: u32 = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|_| format!("rounds must be a number, not {n:?}"))?,
        None => 1000,
    };
    let local = dynamo_model::local::DynamoDbLocal::start().await?;
    let db = local.db();
    db.create_table::<Profile>().if_not_exists().send().await?;
    let profile = Profile {
        id: "p1".into(),
        name: "Ada".into(),
        age: 36,
    };
    // Warm-up: connections, credentials, the first use of every code path.
    for _ in 0..20 {
        db.put(&profile).return_nothing().send().await?;
        db.get(ProfileKey::new("p1")).send().await?;
    }
    for age in 0..rounds {
        let profile = Profile {
            age,
            ..profile.clone()
        };
        db.put(&profile).return_nothing().send().await?;
        db.get(ProfileKey::new("p1")).send().await?;
    }
    Ok(())
}
