//! `uuid::Uuid`: stored as its hyphenated lowercase string.

use aws_sdk_dynamodb::types::AttributeValue;
use uuid::Uuid;

use crate::error::AttrError;
use crate::value::{text_attribute, Text};

/// `67e55044-10b1-426f-9247-bb680e5fe0c8`: lowercase hex, so string order is byte order (time
/// order for UUIDv7). Reads any form `Uuid::parse_str` takes.
impl Text for Uuid {
    const EXPECTED: &'static str = "a UUID string";

    fn to_text(&self) -> Result<String, AttrError> {
        Ok(self.hyphenated().to_string())
    }

    fn from_text(text: &str) -> Option<Self> {
        Uuid::parse_str(text).ok()
    }
}
text_attribute!(Uuid);
impl crate::Ordered for Uuid {}
