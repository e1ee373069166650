//! Attribute types of other crates, each behind the feature of the same name: `chrono`,
//! `time`, `uuid`, `rust_decimal`, `serde_json`.

#[cfg(feature = "chrono")]
mod with_chrono;
#[cfg(feature = "rust_decimal")]
mod with_rust_decimal;
#[cfg(feature = "serde_json")]
mod with_serde_json;
#[cfg(feature = "time")]
mod with_time;
#[cfg(feature = "uuid")]
mod with_uuid;

/// Seconds and nanoseconds since the Unix epoch as RFC 3339 in UTC with nine fraction digits
/// (fixed width: string order is time order), or the error for a time RFC 3339 cannot write.
#[cfg(any(feature = "chrono", feature = "time"))]
fn nanos_to_text(
    secs: i64,
    nanos: u32,
    shown: impl std::fmt::Debug,
) -> Result<String, crate::AttrError> {
    // A leap second (chrono keeps it as nanos past 1e9) is written as the next second.
    let (secs, nanos) = (
        secs + i64::from(nanos / 1_000_000_000),
        nanos % 1_000_000_000,
    );
    if !(crate::timestamp::MIN_RFC3339_SECS..=crate::timestamp::MAX_RFC3339_SECS).contains(&secs) {
        return Err(crate::timestamp::outside_rfc3339(shown));
    }
    Ok(crate::timestamp::format_rfc3339(secs, nanos, 9))
}
