//! Time to live: `#[dynamo(ttl)]` attributes hold the epoch second an item expires at.
//!
//! DynamoDB deletes expired items in the background, up to days later, so reads made through
//! this library hide them: `get` and `batch_get` return `None`, and queries and scans filter
//! them out on the server.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::expr::condition::{Comparator, Node};
use crate::expr::operand::Term;
use crate::expr::path::Path;
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

/// The filter that keeps unexpired items: `attribute_not_exists(ttl) OR ttl > :now`.
pub(crate) fn live_filter(schema: &Schema) -> Option<Node> {
    let name = schema.ttl?;
    Some(Node::Or(vec![
        Node::NotExists(Path::name(name)),
        Node::Compare(
            Term::Path(Path::name(name)),
            Comparator::Gt,
            Term::Value(AttributeValue::N(now().to_string())),
        ),
    ]))
}
