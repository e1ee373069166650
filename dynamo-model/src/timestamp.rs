//! `Timestamp`: a point in time with millisecond precision, stored as an RFC 3339 string, epoch
//! seconds or epoch milliseconds; and the `created_at` / `updated_at` bookkeeping.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::AttrError;
use crate::value::{describe, Attribute, KeyAttribute, ScalarType};

/// A UTC point in time, millisecond precision. `Default` is the Unix epoch, which the library
/// reads as "not set" for `created_at` fields.
///
/// Shown, parsed and (with serde) serialized as RFC 3339 (`2026-11-22T03:59:37.123Z`);
/// converts to and from [`SystemTime`]. It can be a key attribute: stored as an RFC 3339 string
/// of fixed width, whose order is the order of time, so range conditions (`between`, `lt`, …)
/// on a timestamp sort key select a time range. Years 0000 to 9999 can be stored.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    millis: i64,
}

/// The earliest time RFC 3339 can write: 0000-01-01T00:00:00.000Z.
const MIN_RFC3339_MILLIS: i64 = -62_167_219_200_000;
/// The latest: 9999-12-31T23:59:59.999Z.
const MAX_RFC3339_MILLIS: i64 = 253_402_300_799_999;

/// How a timestamp is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeFormat {
    /// `S`: `2026-11-22T03:59:37.123Z` (sorts like time).
    Rfc3339,
    /// `N`: whole seconds since 1970.
    EpochSeconds,
    /// `N`: milliseconds since 1970.
    EpochMillis,
}

impl Timestamp {
    /// The current time.
    pub fn now() -> Timestamp {
        Timestamp::from(SystemTime::now())
    }

    /// `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: i64) -> Timestamp {
        Timestamp { millis }
    }

    /// `secs` seconds after the Unix epoch.
    pub const fn from_secs(secs: i64) -> Timestamp {
        Timestamp {
            millis: secs.saturating_mul(1000),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.millis
    }

    /// Whole seconds since the Unix epoch (rounded down).
    pub const fn as_secs(self) -> i64 {
        self.millis.div_euclid(1000)
    }

    /// Parses RFC 3339: `2026-11-22T03:59:37Z`, with optional fraction and a `Z` or `±HH:MM`
    /// offset. Digits past milliseconds are dropped (rounded down).
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let (secs, nanos) = parse_rfc3339(text)?;
        Some(Timestamp::from_millis(
            secs.checked_mul(1000)? + i64::from(nanos / 1_000_000),
        ))
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-22T03:59:37.123Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = self.millis.rem_euclid(1000) as u32 * 1_000_000;
        format_rfc3339(self.as_secs(), nanos, 3)
    }

    /// The stored form in `format`.
    pub fn to_attr_as(self, format: TimeFormat) -> AttributeValue {
        match format {
            TimeFormat::Rfc3339 => AttributeValue::S(self.to_rfc3339()),
            TimeFormat::EpochSeconds => AttributeValue::N(self.as_secs().to_string()),
            TimeFormat::EpochMillis => AttributeValue::N(self.millis.to_string()),
        }
    }

    /// Reads the stored form in `format`.
    pub fn from_attr_as(value: AttributeValue, format: TimeFormat) -> Result<Timestamp, AttrError> {
        let expected = match format {
            TimeFormat::Rfc3339 => "an RFC 3339 timestamp string",
            TimeFormat::EpochSeconds => "epoch seconds (number)",
            TimeFormat::EpochMillis => "epoch milliseconds (number)",
        };
        let parsed = match (&value, format) {
            (AttributeValue::S(text), TimeFormat::Rfc3339) => Timestamp::parse_rfc3339(text),
            (AttributeValue::N(n), TimeFormat::EpochSeconds) => {
                n.parse().ok().map(Timestamp::from_secs)
            }
            (AttributeValue::N(n), TimeFormat::EpochMillis) => {
                n.parse().ok().map(Timestamp::from_millis)
            }
            _ => None,
        };
        parsed.ok_or_else(|| AttrError::mismatch(expected, describe(&value)))
    }
}

impl Timestamp {
    /// Whether RFC 3339 can write this time (years 0000 to 9999).
    fn fits_rfc3339(self) -> bool {
        (MIN_RFC3339_MILLIS..=MAX_RFC3339_MILLIS).contains(&self.millis)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.fits_rfc3339() {
            write!(f, "Timestamp({})", self.to_rfc3339())
        } else {
            write!(f, "Timestamp({} ms since 1970)", self.millis)
        }
    }
}

/// The text is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTimestampError {
    text: String,
}

impl fmt::Display for ParseTimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an RFC 3339 timestamp (like 2026-11-22T03:59:37.123Z)",
            self.text
        )
    }
}

impl std::error::Error for ParseTimestampError {}

/// Parses RFC 3339, as [`Timestamp::parse_rfc3339`].
impl FromStr for Timestamp {
    type Err = ParseTimestampError;

    fn from_str(text: &str) -> Result<Timestamp, ParseTimestampError> {
        Timestamp::parse_rfc3339(text).ok_or_else(|| ParseTimestampError {
            text: text.to_owned(),
        })
    }
}

/// Serialized as its RFC 3339 string, as `Display` writes it.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.fits_rfc3339() {
            return Err(serde::ser::Error::custom(format!(
                "{self:?} is outside the years RFC 3339 can write (0000 to 9999)"
            )));
        }
        serializer.serialize_str(&self.to_rfc3339())
    }
}

/// Read from an RFC 3339 string.
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl From<Timestamp> for SystemTime {
    fn from(time: Timestamp) -> SystemTime {
        let offset = Duration::from_millis(time.millis.unsigned_abs());
        if time.millis >= 0 {
            UNIX_EPOCH + offset
        } else {
            UNIX_EPOCH - offset
        }
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Timestamp {
        let millis = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        };
        Timestamp { millis }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Unmarked `Timestamp` fields are stored as RFC 3339 strings.
impl Attribute for Timestamp {
    const EXPECTED: &'static str = "an RFC 3339 timestamp string";

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        // A string no read could parse back is refused before it is stored.
        if !self.fits_rfc3339() {
            return Err(outside_rfc3339(self));
        }
        Ok(Some(self.to_attr_as(TimeFormat::Rfc3339)))
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        Timestamp::from_attr_as(value, TimeFormat::Rfc3339)
    }
}

/// A key stored as a fixed-width RFC 3339 string: string order is time order.
impl KeyAttribute for Timestamp {
    const SCALAR: ScalarType = ScalarType::String;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The earliest second RFC 3339 can write: 0000-01-01T00:00:00Z.
#[cfg_attr(not(any(feature = "chrono", feature = "time")), allow(dead_code))]
pub(crate) const MIN_RFC3339_SECS: i64 = MIN_RFC3339_MILLIS / 1000;
/// The latest: 9999-12-31T23:59:59Z.
#[cfg_attr(not(any(feature = "chrono", feature = "time")), allow(dead_code))]
pub(crate) const MAX_RFC3339_SECS: i64 = MAX_RFC3339_MILLIS.div_euclid(1000);

/// Parses RFC 3339 (`2026-11-22T03:59:37.123456789+02:00`) into seconds since the Unix epoch
/// and nanoseconds; digits past nanoseconds are dropped. The one parser of every time type.
pub(crate) fn parse_rfc3339(text: &str) -> Option<(i64, u32)> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        for (i, digit) in fraction
            .bytes()
            .take(9)
            .take_while(u8::is_ascii_digit)
            .enumerate()
        {
            nanos += u32::from(digit - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':' =>
        {
            let hours: i64 = rest[1..3].parse().ok()?;
            let minutes: i64 = rest[4..6].parse().ok()?;
            let total = hours * 60 + minutes;
            if rest.starts_with('-') {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some((secs, nanos))
}

/// RFC 3339 in UTC with exactly `digits` (3 or 9) fraction digits, so that every value of one
/// type has the same width and string order is time order. `secs` must be in years 0000-9999.
pub(crate) fn format_rfc3339(secs: i64, nanos: u32, digits: usize) -> String {
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let fraction = nanos / 10u32.pow(9 - digits as u32);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{fraction:0digits$}Z",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60
    )
}

/// The error for a time outside the years an RFC 3339 string can hold.
#[cold]
pub(crate) fn outside_rfc3339(shown: impl fmt::Debug) -> AttrError {
    AttrError::invalid(format!(
        "{shown:?} is outside the years an RFC 3339 string can hold (0000 to 9999)"
    ))
}

/// A time type that can be a `created_at` / `updated_at` field: the library reads and stamps it
/// as a [`Timestamp`] (millisecond precision) in the field's format.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `created_at` or `updated_at` field",
    label = "not a time type",
    note = "use `Timestamp`, or with the `chrono` / `time` features `chrono::DateTime<Utc>` / `time::OffsetDateTime`"
)]
pub trait TimeAttribute: Attribute {
    /// This time, to the millisecond.
    fn to_timestamp(&self) -> Timestamp;
    /// The value of a timestamp.
    fn from_timestamp(time: Timestamp) -> Self;
}

impl TimeAttribute for Timestamp {
    fn to_timestamp(&self) -> Timestamp {
        *self
    }

    fn from_timestamp(time: Timestamp) -> Self {
        time
    }
}

/// A `created_at` or `updated_at` attribute and how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampDef {
    /// The attribute name.
    pub name: &'static str,
    /// Its storage format.
    pub format: TimeFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_parses_offsets() {
        for millis in [
            0,
            1,
            999,
            1_700_000_000_123,
            -86_400_000 * 365,
            253_402_300_799_999,
        ] {
            let t = Timestamp::from_millis(millis);
            assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t), "{t}");
        }
        assert_eq!(
            Timestamp::from_millis(0).to_rfc3339(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2024-02-29T12:00:00+02:00"),
            Timestamp::parse_rfc3339("2024-02-29T10:00:00Z")
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2024-02-29T10:00:00.5Z").map(Timestamp::as_millis),
            Timestamp::parse_rfc3339("2024-02-29T10:00:00Z").map(|t| t.as_millis() + 500)
        );
        for bad in [
            "",
            "2024-13-01T00:00:00Z",
            "2024-01-01 00:00",
            "2024-01-01T00:00:00",
            "x024-01-01T00:00:00Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }
}
