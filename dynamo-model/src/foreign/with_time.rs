//! `time::OffsetDateTime`: stored as an RFC 3339 string with nanoseconds, in UTC.

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use crate::error::AttrError;
use crate::timestamp::{parse_rfc3339, TimeAttribute, Timestamp};
use crate::value::{text_attribute, Text};

/// `2026-11-22T03:59:37.123456789Z`: the instant in UTC, nanoseconds, fixed width, so string
/// order is time order. The offset is not kept (DynamoDB compares instants); a value reads
/// back in UTC, equal to the one written.
impl Text for OffsetDateTime {
    const EXPECTED: &'static str = "an RFC 3339 timestamp string";

    fn to_text(&self) -> Result<String, AttrError> {
        super::nanos_to_text(self.unix_timestamp(), self.nanosecond(), self)
    }

    fn from_text(text: &str) -> Option<Self> {
        let (secs, nanos) = parse_rfc3339(text)?;
        OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(secs) * 1_000_000_000 + i128::from(nanos),
        )
        .ok()
    }
}
text_attribute!(OffsetDateTime);
impl crate::Ordered for OffsetDateTime {}

/// A `created_at` / `updated_at` field of this type holds milliseconds, in UTC.
impl TimeAttribute for OffsetDateTime {
    fn to_timestamp(&self) -> Timestamp {
        Timestamp::from(*self)
    }

    fn from_timestamp(time: Timestamp) -> Self {
        Self::from(time)
    }
}

/// The same instant (milliseconds: finer digits are dropped).
impl From<OffsetDateTime> for Timestamp {
    fn from(time: OffsetDateTime) -> Timestamp {
        let millis = time.unix_timestamp_nanos().div_euclid(1_000_000);
        Timestamp::from_millis(millis as i64)
    }
}

/// The same instant, in UTC. A timestamp past `time`'s range (years ±9999) saturates.
impl From<Timestamp> for OffsetDateTime {
    fn from(time: Timestamp) -> OffsetDateTime {
        let nanos = i128::from(time.as_millis()) * 1_000_000;
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(if nanos < 0 {
            time::PrimitiveDateTime::MIN.assume_utc()
        } else {
            time::PrimitiveDateTime::MAX.assume_utc()
        })
    }
}
