// A batch cannot carry the condition optimistic locking needs: batch puts of a versioned model
// do not compile (`put_unchecked` is the explicit way).
use dynamo_model::prelude::*;

#[derive(Model)]
#[dynamo(table = "counters")]
struct Counter {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(version)]
    version: u64,
}

async fn write(db: &Db, counters: &[Counter]) {
    let _ = db.batch_put(counters).send().await;
    let _ = db.batch_write().put(&counters[0]).send().await;
    let _ = db.batch_write().put_unchecked(&counters[0]).send().await;
}

fn main() {}
