//! `serde_json::Value`: stored as native DynamoDB maps, lists, strings, numbers and booleans,
//! so its parts can be read by other tools, filtered on, and updated by path.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

use crate::decimal::Decimal;
use crate::error::AttrError;
use crate::value::{describe, Attribute};

/// `null` → absent (`NULL` inside a list or map), booleans → `BOOL`, numbers → `N`, strings →
/// `S`, arrays → `L`, objects → `M`. Every JSON value round-trips exactly; a stored number
/// that no JSON number (an `i64`, `u64` or `f64`) holds exactly is an error, never rounded.
/// Sets read as arrays; binary values are refused (JSON has no bytes).
impl Attribute for Value {
    const EXPECTED: &'static str = "a JSON value (map, list, string, number, boolean or null)";

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        match self {
            Value::Null => Ok(None),
            other => to_value(other).map(Some),
        }
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        from_value(value)
    }

    fn from_missing() -> Result<Self, AttrError> {
        Ok(Value::Null)
    }
}

impl crate::Contains for Value {
    type Member = Value;
}

fn to_value(value: &Value) -> Result<AttributeValue, AttrError> {
    Ok(match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(number_text(n)?),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(items) => AttributeValue::L(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_value(item).map_err(|e| e.in_index(i)))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(fields) => AttributeValue::M(
            fields
                .iter()
                .map(|(key, item)| {
                    Ok((
                        key.clone(),
                        to_value(item).map_err(|e| e.in_attribute(key))?,
                    ))
                })
                .collect::<Result<_, AttrError>>()?,
        ),
    })
}

fn number_text(n: &Number) -> Result<String, AttrError> {
    if let Some(i) = n.as_i64() {
        return Ok(itoa::Buffer::new().format(i).to_owned());
    }
    if let Some(u) = n.as_u64() {
        return Ok(itoa::Buffer::new().format(u).to_owned());
    }
    match n.as_f64() {
        Some(x) => <f64 as crate::value::Number>::to_number(&x),
        None => Err(AttrError::invalid(format!("{n} is not a DynamoDB number"))),
    }
}

fn from_value(value: AttributeValue) -> Result<Value, AttrError> {
    Ok(match value {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(b),
        AttributeValue::N(n) => Value::Number(read_number(&n)?),
        AttributeValue::S(s) => Value::String(s),
        AttributeValue::L(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| from_value(item).map_err(|e| e.in_index(i)))
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::M(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, item)| match from_value(item) {
                    Ok(value) => Ok((key, value)),
                    Err(e) => Err(e.in_attribute(&key)),
                })
                .collect::<Result<Map<_, _>, _>>()?,
        ),
        AttributeValue::Ss(members) => {
            Value::Array(members.into_iter().map(Value::String).collect())
        }
        AttributeValue::Ns(members) => Value::Array(
            members
                .iter()
                .map(|n| read_number(n).map(Value::Number))
                .collect::<Result<_, _>>()?,
        ),
        other => {
            return Err(AttrError::mismatch(
                <Value as Attribute>::EXPECTED,
                describe(&other),
            ))
        }
    })
}

/// A stored number as the JSON number that holds it exactly.
fn read_number(text: &str) -> Result<Number, AttrError> {
    let exact = || {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Number::from(i));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(Number::from(u));
        }
        let x: f64 = text.parse().ok()?;
        // Exact only if the float's shortest text is the same decimal number.
        (Decimal::from_f64(x)? == Decimal::parse(text)?)
            .then(|| Number::from_f64(x))
            .flatten()
    };
    exact().ok_or_else(|| {
        AttrError::mismatch(
            "a number a JSON value holds exactly (i64, u64 or f64)",
            format!("number {text}"),
        )
    })
}
