//! Time to live: `#[dynamo(ttl)]` attributes hold the epoch second an item expires at.
//!
//! DynamoDB deletes expired items in the background, up to days later, so the library treats
//! an expired item as absent everywhere (the read and write pipelines): `get`, `batch_get` and
//! `transact_get` return `None`, queries, scans and counts filter them out on the server, a
//! `create` may replace one, an `update` of one is `NotFound`, and a condition on one holds
//! exactly when it would hold on no item.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::schema::Schema;
use crate::value::Item;

/// Now, in epoch seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The TTL value for an item that expires `after` from now: `expires_at: Some(ttl::expires_in(..))`.
pub fn expires_in(after: Duration) -> i64 {
    now().saturating_add(i64::try_from(after.as_secs()).unwrap_or(i64::MAX))
}

/// Whether a read item has expired.
pub(crate) fn expired(schema: &Schema, item: &Item) -> bool {
    let Some(name) = schema.ttl else {
        return false;
    };
    match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse::<f64>().is_ok_and(|at| at <= now() as f64),
        _ => false,
    }
}
