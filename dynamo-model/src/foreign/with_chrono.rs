//! `chrono::DateTime<Utc>`: stored as an RFC 3339 string with nanoseconds.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use crate::error::AttrError;
use crate::timestamp::{parse_rfc3339, TimeAttribute, Timestamp};
use crate::value::{text_attribute, Text};

/// `2026-11-22T03:59:37.123456789Z`: nanoseconds, fixed width, so string order is time order
/// (a sort key takes time ranges). Reads any RFC 3339 offset.
impl Text for DateTime<Utc> {
    const EXPECTED: &'static str = "an RFC 3339 timestamp string";

    fn to_text(&self) -> Result<String, AttrError> {
        super::nanos_to_text(self.timestamp(), self.timestamp_subsec_nanos(), self)
    }

    fn from_text(text: &str) -> Option<Self> {
        let (secs, nanos) = parse_rfc3339(text)?;
        DateTime::from_timestamp(secs, nanos)
    }
}
text_attribute!(DateTime<Utc>);
impl crate::Ordered for DateTime<Utc> {}

/// A `created_at` / `updated_at` field of this type holds milliseconds.
impl TimeAttribute for DateTime<Utc> {
    fn to_timestamp(&self) -> Timestamp {
        Timestamp::from_millis(self.timestamp_millis())
    }

    fn from_timestamp(time: Timestamp) -> Self {
        Self::from(time)
    }
}

/// The same instant (milliseconds: finer digits are dropped).
impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Timestamp {
        Timestamp::from_millis(time.timestamp_millis())
    }
}

/// The same instant. A timestamp past chrono's range (about ±262,000 years) saturates.
impl From<Timestamp> for DateTime<Utc> {
    fn from(time: Timestamp) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(time.as_millis()).unwrap_or(if time.as_millis() < 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
    }
}
