//! `rust_decimal::Decimal`: stored as a DynamoDB number, exactly.

use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;

use crate::error::AttrError;
use crate::value::{
    describe, number_attribute, read_number, Attribute, KeyAttribute, Number, ScalarType,
    SetElement,
};

/// Every `Decimal` (28 significant digits, scale up to 28) is a DynamoDB number, written
/// exactly. A stored number a `Decimal` cannot hold exactly (more digits, a larger magnitude)
/// is an error, never rounded.
impl Number for Decimal {
    const EXPECTED: &'static str = "number (Decimal)";

    fn to_number(&self) -> Result<String, AttrError> {
        Ok(self.normalize().to_string())
    }

    fn from_number(text: &str) -> Option<Self> {
        if text.contains(['e', 'E']) {
            // DynamoDB writes plain digits, but other writers may not.
            let exact = crate::decimal::Decimal::parse(text)?;
            let value = Decimal::from_scientific(text).ok()?;
            return (crate::decimal::Decimal::parse(&value.to_string())? == exact).then_some(value);
        }
        Decimal::from_str_exact(text).ok()
    }
}
number_attribute!(Decimal);
impl crate::Ordered for Decimal {}
impl crate::Numeric for Decimal {}
