//! Rust types <-> DynamoDB `AttributeValue`, for every supported type.
//!
//! Conversions build `AttributeValue`s directly (no serde on the hot path). Writing borrows the
//! value; reading consumes the `AttributeValue`, so strings, lists and maps are moved, not copied.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::AttrError;
pub use crate::error::AttrPath;
use crate::schema::Target;
use crate::validate::{Loc, Violation};

/// One step of a path: a map key (or top-level attribute name) or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathElement {
    /// An attribute or map key; any text, including dots, brackets and reserved words.
    Name(std::borrow::Cow<'static, str>),
    /// A list element.
    Index(usize),
}

/// What an untyped path reaches at a value of type `T` itself (a list element, a map value):
/// its type, and the rules of the documents it holds.
#[doc(hidden)]
pub fn value_target<T: Attribute>() -> Target {
    Target::Value {
        check: check_type::<T>,
        hooks: element_hooks::<T>(),
        required: false,
    }
}

/// The hooks of a value that is not a field of its own (a list element, a map value): the
/// validation rules of the nested documents it holds, if any.
pub(crate) fn element_hooks<T: Attribute>() -> Option<&'static crate::schema::FieldHooks> {
    T::NESTED.then_some(
        const {
            &crate::schema::FieldHooks {
                check: Some(T::validate_attr),
                write: None,
                read: None,
                limits: None,
                item_rule: None,
            }
        },
    )
}

/// Type-checks a value by reading it as `T`: a value that reads is one `T` could have written.
pub(crate) fn check_type<T: Attribute>(value: &AttributeValue) -> Result<(), AttrError> {
    T::from_attr(value.clone()).map(drop)
}

/// A DynamoDB item: attribute names to values, as aws-sdk-dynamodb uses it.
pub type Item = HashMap<String, AttributeValue>;

/// A Rust type that can be stored as one DynamoDB attribute value.
///
/// Implemented for strings, all integer and float types, `bool`, [`Timestamp`](crate::Timestamp),
/// binary (`Vec<u8>`, [`bytes::Bytes`], [`Blob`]), `Option<T>`, `Vec<T>`, maps with string keys,
/// sets of strings, numbers or binaries, [`FloatSet`](crate::FloatSet), and `Box<T>`; with
/// features, `uuid::Uuid`, `chrono::DateTime<Utc>`, `time::OffsetDateTime`,
/// `rust_decimal::Decimal` and `serde_json::Value` (see the crate docs' table). Model fields of
/// other types use `#[dynamo(serde)]`.
///
/// Rules that hold for every implementation:
/// - integers round-trip exactly over their whole range, floats bit-exactly (except `-0.0`,
///   which reads back as `0.0`: DynamoDB numbers have no negative zero);
/// - a value with no DynamoDB representation (an empty set, `None`) converts to `None` and is
///   stored as an absent attribute (or `NULL` inside a list);
/// - reading never panics: a value of the wrong type is an [`AttrError`] naming what was
///   expected and what was found.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored as a DynamoDB attribute",
    label = "unsupported attribute type",
    note = "supported: strings, integers, floats, bool, Timestamp, Vec<u8>/Bytes, Option, Vec, HashMap/BTreeMap<String, _>, HashSet/BTreeSet of strings, numbers or binaries, FloatSet; with features: Uuid, DateTime<Utc>, OffsetDateTime, Decimal, serde_json::Value",
    note = "a struct of your own: add `#[derive(Attributes)]` to it to store it as a nested map (an enum of unit variants: as a string)",
    note = "a type of another crate: add `#[dynamo(serde)]` to the field to store it through serde_dynamo"
)]
pub trait Attribute: Sized {
    /// What this type expects to read, for error messages (`"string"`, `"number (u32)"`).
    const EXPECTED: &'static str;

    /// Converts to an attribute value; `Ok(None)` means "store nothing" (absent attribute).
    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError>;

    /// Reads from a stored attribute value.
    fn from_attr(value: AttributeValue) -> Result<Self, AttrError>;

    /// The value of an attribute that is absent from the item. Required types refuse; `Option`
    /// reads `None` and sets read empty.
    fn from_missing() -> Result<Self, AttrError> {
        Err(AttrError::missing(Self::EXPECTED))
    }

    /// How a `Vec<Self>` is stored: a list by default; `u8` overrides it so `Vec<u8>` is binary.
    #[doc(hidden)]
    fn list_to_attr(items: &[Self]) -> Result<AttributeValue, AttrError> {
        let mut list = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            // A match, not `unwrap_or`: an eager `NULL` default is built and dropped per element.
            match item.to_attr() {
                Ok(Some(value)) => list.push(value),
                Ok(None) => list.push(AttributeValue::Null(true)),
                Err(e) => return Err(e.in_index(i)),
            }
        }
        Ok(AttributeValue::L(list))
    }

    /// How a `Vec<Self>` is read; the counterpart of [`Attribute::list_to_attr`].
    #[doc(hidden)]
    fn list_from_attr(value: AttributeValue) -> Result<Vec<Self>, AttrError> {
        match value {
            // Collected straight from the consumed list, so the list's buffer is reused.
            AttributeValue::L(list) => list
                .into_iter()
                .enumerate()
                .map(|(i, item)| read_nullable::<Self>(item).map_err(|e| e.in_index(i)))
                .collect(),
            other => Err(AttrError::mismatch("list", describe(&other))),
        }
    }

    /// What a `Vec<Self>` expects to read.
    #[doc(hidden)]
    const LIST_EXPECTED: &'static str = "list";

    /// Whether values of this type can hold nested documents with validation rules; when not,
    /// validation skips them without looking.
    #[doc(hidden)]
    const NESTED: bool = false;

    /// Runs the validation rules of nested documents inside the value.
    #[doc(hidden)]
    fn validate_nested(
        &self,
        _at: &crate::validate::Loc<'_>,
        _out: &mut Vec<crate::validate::Violation>,
    ) {
    }

    /// What an untyped path reaches `rest` steps inside a value of this type: by default the
    /// value itself, and nothing inside it (numbers, strings, sets have no parts a path can name).
    #[doc(hidden)]
    fn target(rest: &[PathElement]) -> Target {
        if rest.is_empty() {
            value_target::<Self>()
        } else {
            Target::Invalid(Self::EXPECTED)
        }
    }

    /// Runs the validation rules of nested documents inside a value given to an update.
    #[doc(hidden)]
    fn validate_attr(
        value: &AttributeValue,
        at: &crate::validate::Loc<'_>,
        out: &mut Vec<crate::validate::Violation>,
    ) {
        if let Ok(value) = Self::from_attr(value.clone()) {
            value.validate_nested(at, out);
        }
    }
}

/// The error for a list element of the wrong type (or `NULL` where a value is required).
#[cold]
fn element_error<T: Attribute>(value: AttributeValue, index: usize) -> AttrError {
    match value {
        // A NULL element is there, and is NULL: not "missing".
        AttributeValue::Null(_) => T::from_missing()
            .err()
            .map(|_| AttrError::mismatch(T::EXPECTED, "NULL")),
        other => T::from_attr(other).err(),
    }
    .unwrap_or_else(|| AttrError::mismatch(T::EXPECTED, "another type"))
    .in_index(index)
}

/// Reads a value where `NULL` stands for "no value" (list elements, map values): a type that
/// has no "no value" (not an `Option`, no default) is told it found `NULL`, which is there, not
/// missing.
#[inline]
fn read_nullable<T: Attribute>(value: AttributeValue) -> Result<T, AttrError> {
    match value {
        AttributeValue::Null(_) => {
            T::from_missing().map_err(|_| AttrError::mismatch(T::EXPECTED, "NULL"))
        }
        other => T::from_attr(other),
    }
}

/// The DynamoDB scalar types a key attribute can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// `S`
    String,
    /// `N`
    Number,
    /// `B`
    Binary,
}

impl ScalarType {
    /// The SDK's attribute type for table definitions.
    pub fn sdk(self) -> aws_sdk_dynamodb::types::ScalarAttributeType {
        use aws_sdk_dynamodb::types::ScalarAttributeType as S;
        match self {
            ScalarType::String => S::S,
            ScalarType::Number => S::N,
            ScalarType::Binary => S::B,
        }
    }
}

/// A type that can be a table or index key attribute: strings, numbers, binary, timestamps.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a DynamoDB key attribute",
    label = "key attributes must be a string, a number or binary",
    note = "DynamoDB keys are scalar: use String, an integer or float type, Timestamp, Vec<u8> or Bytes (with features: Uuid, DateTime<Utc>, OffsetDateTime, Decimal)"
)]
pub trait KeyAttribute: Attribute {
    /// The key's DynamoDB type.
    const SCALAR: ScalarType;
}

/// A type that can be an index key attribute: a key type, or an `Option` of one (a sparse
/// index: items without the attribute are not in the index).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an index key attribute",
    label = "index keys must be a string, a number or binary, or an Option of one",
    note = "DynamoDB keys are scalar: use String, an integer or float type, Timestamp, Vec<u8> or Bytes"
)]
pub trait IndexKeyAttribute: Attribute {
    /// The key's DynamoDB type.
    const SCALAR: ScalarType;
    /// The key value's type in queries: the type itself, or `T` for `Option<T>`.
    type Key: KeyAttribute;
}

impl<T: KeyAttribute> IndexKeyAttribute for T {
    const SCALAR: ScalarType = <T as KeyAttribute>::SCALAR;
    type Key = T;
}

impl<T: KeyAttribute> IndexKeyAttribute for Option<T> {
    const SCALAR: ScalarType = <T as KeyAttribute>::SCALAR;
    type Key = T;
}

/// An integer type that can be a `#[dynamo(version)]` attribute (optimistic locking).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a version attribute",
    label = "a version counts writes: use an integer type",
    note = "`#[dynamo(version)]` goes on a field of type u32, u64, i32, i64, …"
)]
pub trait VersionAttribute: Attribute {}

macro_rules! version_attribute {
    ($($t:ty),*) => {$( impl VersionAttribute for $t {} )*};
}
version_attribute!(i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);

/// A type that can be a `#[dynamo(ttl)]` attribute: epoch seconds, as an integer (optional:
/// `None` never expires).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a TTL attribute",
    label = "a TTL holds epoch seconds: use i64, u64 or an Option of one",
    note = "DynamoDB expires items whose TTL attribute is a number of epoch seconds in the past"
)]
pub trait TtlAttribute: Attribute {}

impl TtlAttribute for i64 {}
impl TtlAttribute for u64 {}
impl TtlAttribute for Option<i64> {}
impl TtlAttribute for Option<u64> {}

/// The DynamoDB type name of a stored value, for error messages.
pub(crate) fn describe(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(_) => "string".into(),
        AttributeValue::N(n) => format!("number {n}"),
        AttributeValue::B(_) => "binary".into(),
        AttributeValue::Bool(_) => "boolean".into(),
        AttributeValue::Null(_) => "null".into(),
        AttributeValue::L(_) => "list".into(),
        AttributeValue::M(_) => "map".into(),
        AttributeValue::Ss(_) => "string set".into(),
        AttributeValue::Ns(_) => "number set".into(),
        AttributeValue::Bs(_) => "binary set".into(),
        _ => "an unknown attribute type".into(),
    }
}

// ---- strings -------------------------------------------------------------------------------

impl Attribute for String {
    const EXPECTED: &'static str = "string";

    #[inline]
    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        // `str::to_owned` inlines where `String::clone` is a call (bench `kinds`).
        Ok(Some(AttributeValue::S(self.as_str().to_owned())))
    }

    #[inline]
    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        match value {
            AttributeValue::S(s) => Ok(s),
            other => Err(AttrError::mismatch(Self::EXPECTED, describe(&other))),
        }
    }

    // Inlined into the caller, as hand-written code is (bench `kinds`: 1.09x the instructions
    // of the hand-written list out of line).
    #[inline]
    fn list_to_attr(items: &[Self]) -> Result<AttributeValue, AttrError> {
        // A string always converts: the shape of hand-written code, without the per-element
        // `Result<Option<_>>` of the general path.
        Ok(AttributeValue::L(
            items
                .iter()
                .map(|s| AttributeValue::S(s.as_str().to_owned()))
                .collect(),
        ))
    }

    #[inline]
    fn list_from_attr(value: AttributeValue) -> Result<Vec<Self>, AttrError> {
        match value {
            AttributeValue::L(list) => {
                // The shape of hand-written code, collected in place into the list's buffer;
                // the error path is out of line.
                list.into_iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        AttributeValue::S(s) => Ok(s),
                        other => Err(element_error::<Self>(other, i)),
                    })
                    .collect()
            }
            other => Err(AttrError::mismatch("list", describe(&other))),
        }
    }
}

impl KeyAttribute for String {
    const SCALAR: ScalarType = ScalarType::String;
}

// ---- bool ----------------------------------------------------------------------------------

impl Attribute for bool {
    const EXPECTED: &'static str = "boolean";

    #[inline]
    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        Ok(Some(AttributeValue::Bool(*self)))
    }

    #[inline]
    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        match value {
            AttributeValue::Bool(b) => Ok(b),
            other => Err(AttrError::mismatch(Self::EXPECTED, describe(&other))),
        }
    }
}

// ---- numbers -------------------------------------------------------------------------------

/// A number type: formats to and parses from DynamoDB's decimal string.
#[doc(hidden)]
pub trait Number: Sized {
    const EXPECTED: &'static str;
    fn to_number(&self) -> Result<String, AttrError>;
    fn from_number(s: &str) -> Option<Self>;
}

macro_rules! number_attribute {
    ($t:ty) => {
        impl Attribute for $t {
            const EXPECTED: &'static str = <$t as Number>::EXPECTED;

            #[inline]
            fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
                Ok(Some(AttributeValue::N(self.to_number()?)))
            }

            #[inline]
            fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
                read_number(value)
            }
        }

        impl KeyAttribute for $t {
            const SCALAR: ScalarType = ScalarType::Number;
        }

        impl SetElement for $t {
            const SET_EXPECTED: &'static str = concat!("number set (", stringify!($t), ")");

            fn set_to_attr<'a>(
                members: impl ExactSizeIterator<Item = &'a Self>,
            ) -> Result<Option<AttributeValue>, AttrError> {
                if members.len() == 0 {
                    return Ok(None);
                }
                let numbers = members.map(Number::to_number).collect::<Result<_, _>>()?;
                Ok(Some(AttributeValue::Ns(numbers)))
            }

            fn set_from_attr<C: FromIterator<Self>>(value: AttributeValue) -> Result<C, AttrError> {
                match value {
                    AttributeValue::Ns(numbers) => numbers
                        .iter()
                        .map(|n| {
                            <$t as Number>::from_number(n).ok_or_else(|| {
                                AttrError::mismatch(
                                    Self::SET_EXPECTED,
                                    format!("number set member {n}"),
                                )
                            })
                        })
                        .collect(),
                    other => Err(AttrError::mismatch(Self::SET_EXPECTED, describe(&other))),
                }
            }
        }
    };
}

#[allow(unused_imports)] // used by the optional attribute types
pub(crate) use number_attribute;

pub(crate) fn read_number<T: Number>(value: AttributeValue) -> Result<T, AttrError> {
    match value {
        AttributeValue::N(n) => T::from_number(&n)
            .ok_or_else(|| AttrError::mismatch(T::EXPECTED, format!("number {n}"))),
        other => Err(AttrError::mismatch(T::EXPECTED, describe(&other))),
    }
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Number for $t {
            const EXPECTED: &'static str = concat!("number (", stringify!($t), ")");
            #[inline]
            fn to_number(&self) -> Result<String, AttrError> {
                Ok(itoa::Buffer::new().format(*self).to_owned())
            }
            #[inline]
            fn from_number(s: &str) -> Option<Self> {
                s.parse().ok()
            }
        }
        number_attribute!($t);
    )*};
}

/// DynamoDB numbers hold at most 38 significant digits.
const MAX_DIGITS_128: u128 = 10u128.pow(38);

trait Magnitude {
    fn magnitude(self) -> u128;
}
impl Magnitude for i128 {
    fn magnitude(self) -> u128 {
        self.unsigned_abs()
    }
}
impl Magnitude for u128 {
    fn magnitude(self) -> u128 {
        self
    }
}

macro_rules! integer_128 {
    ($($t:ty),*) => {$(
        impl Number for $t {
            const EXPECTED: &'static str = concat!("number (", stringify!($t), ")");
            fn to_number(&self) -> Result<String, AttrError> {
                if Magnitude::magnitude(*self) >= MAX_DIGITS_128 {
                    return Err(AttrError::invalid(format!(
                        "{self} has more than 38 digits, more than a DynamoDB number can hold"
                    )));
                }
                Ok(itoa::Buffer::new().format(*self).to_owned())
            }
            fn from_number(s: &str) -> Option<Self> {
                s.parse().ok()
            }
        }
        number_attribute!($t);
    )*};
}

/// DynamoDB's number range: magnitudes from 1E-130 up to (not including) 1E+126, or zero.
fn check_float_range(x: f64) -> Result<(), AttrError> {
    let magnitude = x.abs();
    if !x.is_finite() {
        return Err(AttrError::invalid(format!(
            "{x} cannot be stored: DynamoDB numbers are finite (no NaN or infinity)"
        )));
    }
    if magnitude != 0.0 && !(1e-130..1e126).contains(&magnitude) {
        return Err(AttrError::invalid(format!(
            "{x:e} is outside DynamoDB's number range (magnitudes from 1e-130 to below 1e126, or 0)"
        )));
    }
    Ok(())
}

impl Number for f64 {
    const EXPECTED: &'static str = "number (f64)";
    #[inline]
    fn to_number(&self) -> Result<String, AttrError> {
        check_float_range(*self)?;
        if *self == 0.0 {
            // DynamoDB has no negative zero; write what it would read back.
            return Ok("0".to_owned());
        }
        // ryu prints the shortest string that parses back to the same bits.
        Ok(ryu::Buffer::new().format_finite(*self).to_owned())
    }
    #[inline]
    fn from_number(s: &str) -> Option<Self> {
        read_float(s)
    }
}
number_attribute!(f64);

/// Reads a float under the rules floats are written with: a DynamoDB number (not `NaN` or
/// `inf`, which Rust's parser takes but DynamoDB never stores) that fits the type (`1e999`
/// overflows to infinity: refused, not read as infinity).
#[inline]
fn read_float<F: std::str::FromStr + Into<f64> + Copy>(s: &str) -> Option<F> {
    // A DynamoDB number starts with a sign, a digit or a point; Rust also takes names.
    let first = *s.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let value: F = s.parse().ok()?;
    value.into().is_finite().then_some(value)
}

impl Number for f32 {
    const EXPECTED: &'static str = "number (f32)";
    #[inline]
    fn to_number(&self) -> Result<String, AttrError> {
        check_float_range(f64::from(*self))?;
        if *self == 0.0 {
            return Ok("0".to_owned());
        }
        Ok(ryu::Buffer::new().format_finite(*self).to_owned())
    }
    #[inline]
    fn from_number(s: &str) -> Option<Self> {
        read_float(s)
    }
}
number_attribute!(f32);

integer!(i8, i16, i32, i64, isize, u16, u32, u64, usize);
integer_128!(i128, u128);

// `u8` is a number, but `Vec<u8>` is binary: the list hooks say so.
impl Number for u8 {
    const EXPECTED: &'static str = "number (u8)";
    #[inline]
    fn to_number(&self) -> Result<String, AttrError> {
        Ok(itoa::Buffer::new().format(*self).to_owned())
    }
    #[inline]
    fn from_number(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

impl Attribute for u8 {
    const EXPECTED: &'static str = "number (u8)";
    const LIST_EXPECTED: &'static str = "binary";

    #[inline]
    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        Ok(Some(AttributeValue::N(self.to_number()?)))
    }

    #[inline]
    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        read_number(value)
    }

    fn list_to_attr(items: &[Self]) -> Result<AttributeValue, AttrError> {
        Ok(AttributeValue::B(Blob::new(items)))
    }

    fn list_from_attr(value: AttributeValue) -> Result<Vec<Self>, AttrError> {
        match value {
            AttributeValue::B(blob) => Ok(blob.into_inner()),
            other => Err(AttrError::mismatch("binary", describe(&other))),
        }
    }
}

impl KeyAttribute for u8 {
    const SCALAR: ScalarType = ScalarType::Number;
}

// ---- binary --------------------------------------------------------------------------------

impl KeyAttribute for Vec<u8> {
    const SCALAR: ScalarType = ScalarType::Binary;
}

impl Attribute for bytes::Bytes {
    const EXPECTED: &'static str = "binary";

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        Ok(Some(AttributeValue::B(Blob::new(self.to_vec()))))
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        match value {
            AttributeValue::B(blob) => Ok(bytes::Bytes::from(blob.into_inner())),
            other => Err(AttrError::mismatch(Self::EXPECTED, describe(&other))),
        }
    }
}

impl KeyAttribute for bytes::Bytes {
    const SCALAR: ScalarType = ScalarType::Binary;
}

impl Attribute for Blob {
    const EXPECTED: &'static str = "binary";

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        Ok(Some(AttributeValue::B(self.clone())))
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        match value {
            AttributeValue::B(blob) => Ok(blob),
            other => Err(AttrError::mismatch(Self::EXPECTED, describe(&other))),
        }
    }
}

impl KeyAttribute for Blob {
    const SCALAR: ScalarType = ScalarType::Binary;
}

// ---- Option, Box, Vec ----------------------------------------------------------------------

impl<T: Attribute> Attribute for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;

    #[inline]
    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        match self {
            Some(value) => value.to_attr(),
            None => Ok(None),
        }
    }

    #[inline]
    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        match value {
            AttributeValue::Null(_) => Ok(None),
            other => T::from_attr(other).map(Some),
        }
    }

    #[inline]
    fn from_missing() -> Result<Self, AttrError> {
        Ok(None)
    }

    fn target(rest: &[PathElement]) -> Target {
        match rest {
            [] => value_target::<Self>(),
            _ => T::target(rest),
        }
    }

    const NESTED: bool = T::NESTED;

    fn validate_nested(&self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        if let Some(value) = self {
            value.validate_nested(at, out);
        }
    }
}

impl<T: Attribute> Attribute for Box<T> {
    const EXPECTED: &'static str = T::EXPECTED;

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        (**self).to_attr()
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        T::from_attr(value).map(Box::new)
    }

    fn from_missing() -> Result<Self, AttrError> {
        T::from_missing().map(Box::new)
    }

    fn target(rest: &[PathElement]) -> Target {
        T::target(rest)
    }

    const NESTED: bool = T::NESTED;

    fn validate_nested(&self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        (**self).validate_nested(at, out);
    }
}

impl<T: Attribute> Attribute for Vec<T> {
    const EXPECTED: &'static str = T::LIST_EXPECTED;

    #[inline]
    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        T::list_to_attr(self).map(Some)
    }

    #[inline]
    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        T::list_from_attr(value)
    }

    fn target(rest: &[PathElement]) -> Target {
        match rest {
            [] => value_target::<Self>(),
            // `Vec<u8>` is binary, which has no elements a path can reach.
            [PathElement::Index(_), inner @ ..] if T::LIST_EXPECTED == "list" => T::target(inner),
            _ => Target::Invalid(Self::EXPECTED),
        }
    }

    const NESTED: bool = T::NESTED;

    fn validate_nested(&self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        if T::NESTED {
            for (i, value) in self.iter().enumerate() {
                value.validate_nested(&Loc::Index(at, i), out);
            }
        }
    }
}

// ---- maps ----------------------------------------------------------------------------------

fn map_to_attr<'a, T: Attribute + 'a>(
    entries: impl ExactSizeIterator<Item = (&'a String, &'a T)>,
) -> Result<Option<AttributeValue>, AttrError> {
    let mut map = HashMap::with_capacity(entries.len());
    for (key, value) in entries {
        if key.is_empty() {
            return Err(AttrError::invalid(
                "a map key cannot be empty: DynamoDB refuses empty attribute names",
            ));
        }
        if let Some(value) = value.to_attr().map_err(|e| e.in_attribute(key))? {
            map.insert(key.as_str().to_owned(), value);
        }
    }
    Ok(Some(AttributeValue::M(map)))
}

fn map_from_attr<T: Attribute, C: FromIterator<(String, T)>>(
    value: AttributeValue,
) -> Result<C, AttrError> {
    match value {
        AttributeValue::M(map) => map
            .into_iter()
            .map(|(key, value)| match read_nullable::<T>(value) {
                Ok(value) => Ok((key, value)),
                Err(e) => Err(e.in_attribute(&key)),
            })
            .collect(),
        other => Err(AttrError::mismatch("map", describe(&other))),
    }
}

/// What a path reaches inside a map of `T` values.
fn map_target<M: Attribute, T: Attribute>(rest: &[PathElement]) -> Target {
    match rest {
        [] => value_target::<M>(),
        [PathElement::Name(_), inner @ ..] => T::target(inner),
        _ => Target::Invalid(M::EXPECTED),
    }
}

impl<T: Attribute, S: BuildHasher + Default> Attribute for HashMap<String, T, S> {
    const EXPECTED: &'static str = "map";

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        map_to_attr(self.iter())
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        map_from_attr(value)
    }

    fn target(rest: &[PathElement]) -> Target {
        map_target::<Self, T>(rest)
    }

    const NESTED: bool = T::NESTED;

    fn validate_nested(&self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        if T::NESTED {
            for (key, value) in self {
                value.validate_nested(&Loc::Field(at, key), out);
            }
        }
    }
}

impl<T: Attribute> Attribute for BTreeMap<String, T> {
    const EXPECTED: &'static str = "map";

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        map_to_attr(self.iter())
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        map_from_attr(value)
    }

    fn target(rest: &[PathElement]) -> Target {
        map_target::<Self, T>(rest)
    }

    const NESTED: bool = T::NESTED;

    fn validate_nested(&self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        if T::NESTED {
            for (key, value) in self {
                value.validate_nested(&Loc::Field(at, key), out);
            }
        }
    }
}

// ---- types stored as text ------------------------------------------------------------------

/// A type stored as a DynamoDB string in one canonical form (a UUID, a time): formats to and
/// parses from it. Its string order must be its value order when it is [`Ordered`](crate::Ordered).
#[doc(hidden)]
#[allow(dead_code)] // used by the optional attribute types
pub trait Text: Sized {
    const EXPECTED: &'static str;
    fn to_text(&self) -> Result<String, AttrError>;
    fn from_text(s: &str) -> Option<Self>;
}

/// `Attribute` (`S`), `KeyAttribute` and `SetElement` (`SS`) of a [`Text`] type.
#[allow(unused_macros)] // used by the optional attribute types
macro_rules! text_attribute {
    ($t:ty) => {
        impl $crate::value::Attribute for $t {
            const EXPECTED: &'static str = <$t as $crate::value::Text>::EXPECTED;

            fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
                Ok(Some(AttributeValue::S($crate::value::Text::to_text(self)?)))
            }

            fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
                $crate::value::read_text(value)
            }
        }

        impl $crate::value::KeyAttribute for $t {
            const SCALAR: $crate::value::ScalarType = $crate::value::ScalarType::String;
        }

        impl $crate::template::TemplatePart for $t {}

        impl $crate::value::SetElement for $t {
            const SET_EXPECTED: &'static str = concat!("string set (", stringify!($t), ")");

            fn set_to_attr<'a>(
                members: impl ExactSizeIterator<Item = &'a Self>,
            ) -> Result<Option<AttributeValue>, AttrError> {
                if members.len() == 0 {
                    return Ok(None);
                }
                let texts = members
                    .map($crate::value::Text::to_text)
                    .collect::<Result<_, _>>()?;
                Ok(Some(AttributeValue::Ss(texts)))
            }

            fn set_from_attr<C: FromIterator<Self>>(value: AttributeValue) -> Result<C, AttrError> {
                match value {
                    AttributeValue::Ss(texts) => texts
                        .iter()
                        .map(|text| {
                            <$t as $crate::value::Text>::from_text(text).ok_or_else(|| {
                                AttrError::mismatch(
                                    Self::SET_EXPECTED,
                                    format!("string set member {text:?}"),
                                )
                            })
                        })
                        .collect(),
                    other => Err(AttrError::mismatch(
                        Self::SET_EXPECTED,
                        $crate::value::describe(&other),
                    )),
                }
            }
        }
    };
}
#[allow(unused_imports)] // used by the optional attribute types
pub(crate) use text_attribute;

#[allow(dead_code)] // used by the optional attribute types
pub(crate) fn read_text<T: Text>(value: AttributeValue) -> Result<T, AttrError> {
    match value {
        AttributeValue::S(text) => T::from_text(&text)
            .ok_or_else(|| AttrError::mismatch(T::EXPECTED, format!("string {text:?}"))),
        other => Err(AttrError::mismatch(T::EXPECTED, describe(&other))),
    }
}

// ---- sets ----------------------------------------------------------------------------------

/// A type that can be a member of a DynamoDB set: strings (SS), numbers (NS), binaries (BS).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a member of a DynamoDB set",
    note = "DynamoDB sets hold strings (SS), numbers (NS) or binaries (BS); use a Vec for a list"
)]
pub trait SetElement: Sized {
    /// What a set of this type expects to read.
    const SET_EXPECTED: &'static str;

    /// Builds the set; `None` when there are no members (DynamoDB has no empty sets).
    fn set_to_attr<'a>(
        members: impl ExactSizeIterator<Item = &'a Self>,
    ) -> Result<Option<AttributeValue>, AttrError>
    where
        Self: 'a;

    /// Reads the members of a stored set.
    fn set_from_attr<C: FromIterator<Self>>(value: AttributeValue) -> Result<C, AttrError>;
}

impl SetElement for String {
    const SET_EXPECTED: &'static str = "string set";

    fn set_to_attr<'a>(
        members: impl ExactSizeIterator<Item = &'a Self>,
    ) -> Result<Option<AttributeValue>, AttrError> {
        if members.len() == 0 {
            return Ok(None);
        }
        Ok(Some(AttributeValue::Ss(
            members.map(|m| m.as_str().to_owned()).collect(),
        )))
    }

    fn set_from_attr<C: FromIterator<Self>>(value: AttributeValue) -> Result<C, AttrError> {
        match value {
            AttributeValue::Ss(members) => Ok(members.into_iter().collect()),
            other => Err(AttrError::mismatch(Self::SET_EXPECTED, describe(&other))),
        }
    }
}

impl SetElement for Vec<u8> {
    const SET_EXPECTED: &'static str = "binary set";

    fn set_to_attr<'a>(
        members: impl ExactSizeIterator<Item = &'a Self>,
    ) -> Result<Option<AttributeValue>, AttrError> {
        if members.len() == 0 {
            return Ok(None);
        }
        Ok(Some(AttributeValue::Bs(
            members.map(|m| Blob::new(m.as_slice())).collect(),
        )))
    }

    fn set_from_attr<C: FromIterator<Self>>(value: AttributeValue) -> Result<C, AttrError> {
        match value {
            AttributeValue::Bs(members) => Ok(members.into_iter().map(Blob::into_inner).collect()),
            other => Err(AttrError::mismatch(Self::SET_EXPECTED, describe(&other))),
        }
    }
}

impl SetElement for bytes::Bytes {
    const SET_EXPECTED: &'static str = "binary set";

    fn set_to_attr<'a>(
        members: impl ExactSizeIterator<Item = &'a Self>,
    ) -> Result<Option<AttributeValue>, AttrError> {
        if members.len() == 0 {
            return Ok(None);
        }
        Ok(Some(AttributeValue::Bs(
            members.map(|m| Blob::new(m.to_vec())).collect(),
        )))
    }

    fn set_from_attr<C: FromIterator<Self>>(value: AttributeValue) -> Result<C, AttrError> {
        match value {
            AttributeValue::Bs(members) => Ok(members
                .into_iter()
                .map(|b| bytes::Bytes::from(b.into_inner()))
                .collect()),
            other => Err(AttrError::mismatch(Self::SET_EXPECTED, describe(&other))),
        }
    }
}

fn set_from_attr_or_null<T: SetElement, C: FromIterator<T> + Default>(
    value: AttributeValue,
) -> Result<C, AttrError> {
    match value {
        // An empty set may have been written as NULL by other tools; it reads back empty.
        AttributeValue::Null(_) => Ok(C::default()),
        other => T::set_from_attr(other),
    }
}

impl<T: SetElement + Eq + Hash, S: BuildHasher + Default> Attribute for HashSet<T, S> {
    const EXPECTED: &'static str = T::SET_EXPECTED;

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        T::set_to_attr(self.iter())
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        set_from_attr_or_null(value)
    }

    fn from_missing() -> Result<Self, AttrError> {
        Ok(Self::default())
    }
}

impl<T: SetElement + Ord> Attribute for BTreeSet<T> {
    const EXPECTED: &'static str = T::SET_EXPECTED;

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        T::set_to_attr(self.iter())
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        set_from_attr_or_null(value)
    }

    fn from_missing() -> Result<Self, AttrError> {
        Ok(Self::default())
    }
}

// ---- serde fields --------------------------------------------------------------------------

/// `#[dynamo(serde)]` fields: any serde type, through serde_dynamo.
pub(crate) mod serde_field {
    use super::*;

    pub fn to_attr<T: serde::Serialize>(value: &T) -> Result<Option<AttributeValue>, AttrError> {
        match serde_dynamo::to_attribute_value::<_, AttributeValue>(value) {
            Ok(AttributeValue::Null(_)) => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(e) => Err(AttrError::invalid(format!("cannot be serialized: {e}"))),
        }
    }

    pub fn from_attr<T: serde::de::DeserializeOwned>(
        value: AttributeValue,
    ) -> Result<T, AttrError> {
        let found = describe(&value);
        serde_dynamo::from_attribute_value(value)
            .map_err(|e| AttrError::mismatch(format!("a value that deserializes ({e})"), found))
    }

    pub fn from_missing<T: serde::de::DeserializeOwned>() -> Result<T, AttrError> {
        // `Option`s and unit-like types deserialize from NULL; everything else is missing.
        serde_dynamo::from_attribute_value(AttributeValue::Null(true))
            .map_err(|_| AttrError::missing(std::any::type_name::<T>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Attribute + PartialEq + std::fmt::Debug>(value: T) {
        let stored = value.to_attr().unwrap();
        let back = match stored {
            Some(v) => T::from_attr(v).unwrap(),
            None => T::from_missing().unwrap(),
        };
        assert_eq!(back, value);
    }

    #[test]
    fn integers_keep_their_full_range() {
        round_trip(u64::MAX);
        round_trip(i64::MIN);
        round_trip(-(10i128.pow(38) - 1));
        round_trip(10u128.pow(38) - 1);
        round_trip(u8::MAX);
        assert_eq!(
            u64::MAX.to_attr().unwrap(),
            Some(AttributeValue::N("18446744073709551615".into()))
        );
    }

    #[test]
    fn floats_are_bit_exact_and_range_checked() {
        for x in [0.1f64, 0.0, 1e125, 1e-130, f64::EPSILON, 123456.789] {
            let back = f64::from_attr(x.to_attr().unwrap().unwrap()).unwrap();
            assert_eq!(back.to_bits(), x.to_bits());
        }
        assert!(f64::NAN.to_attr().is_err());
        assert!(f64::INFINITY.to_attr().is_err());
        assert!(1e300f64.to_attr().is_err());
        assert!(u128::MAX.to_attr().is_err());
    }

    #[test]
    fn vec_u8_is_binary_and_empty_sets_are_absent() {
        assert_eq!(
            vec![1u8, 2].to_attr().unwrap(),
            Some(AttributeValue::B(Blob::new(vec![1, 2])))
        );
        assert_eq!(HashSet::<String>::new().to_attr().unwrap(), None);
        round_trip(HashSet::<String>::new());
        round_trip(BTreeSet::from([1i32, -3]));
    }

    #[test]
    fn errors_name_the_nested_path() {
        let value = AttributeValue::L(vec![
            AttributeValue::M(HashMap::from([("a".into(), AttributeValue::N("1".into()))])),
            AttributeValue::M(HashMap::from([("a".into(), AttributeValue::S("x".into()))])),
        ]);
        let err = Vec::<HashMap<String, i32>>::from_attr(value).unwrap_err();
        assert_eq!(err.in_attribute("items").path().to_string(), "items[1].a");
    }

    #[test]
    fn a_null_map_value_or_element_is_null_not_missing() {
        let null = || AttributeValue::Null(true);
        let map = AttributeValue::M(HashMap::from([("a".into(), null())]));
        let err = HashMap::<String, i32>::from_attr(map).unwrap_err();
        let err = crate::Error::from(err.in_attribute("scores"));
        assert_eq!(
            err.to_string(),
            "attribute `scores.a`: expected number (i32), found NULL"
        );
        let list = AttributeValue::L(vec![AttributeValue::N("1".into()), null()]);
        let err = crate::Error::from(Vec::<i32>::from_attr(list).unwrap_err().in_attribute("n"));
        assert_eq!(
            err.to_string(),
            "attribute `n[1]`: expected number (i32), found NULL"
        );
        // Where NULL means "no value", it reads as one.
        let list = AttributeValue::L(vec![null()]);
        assert_eq!(Vec::<Option<i32>>::from_attr(list).unwrap(), [None]);
    }

    #[test]
    fn string_lists_name_the_bad_element() {
        let s = |v: &str| AttributeValue::S(v.into());
        let ok = AttributeValue::L(vec![s("a"), s("b")]);
        assert_eq!(Vec::<String>::from_attr(ok).unwrap(), ["a", "b"]);
        for (bad, found) in [
            (AttributeValue::N("1".into()), "number 1"),
            // A NULL element is there, and NULL: not reported as missing.
            (AttributeValue::Null(true), "NULL"),
        ] {
            let list = AttributeValue::L(vec![s("a"), s("b"), bad]);
            let err = crate::Error::from(
                Vec::<String>::from_attr(list)
                    .unwrap_err()
                    .in_attribute("tags"),
            );
            let crate::Error::Attribute {
                path,
                expected,
                found: was,
                ..
            } = err
            else {
                panic!("{err:?}")
            };
            assert_eq!(
                (path.as_str(), expected.as_str(), was.as_str()),
                ("tags[2]", "string", found)
            );
        }
    }
}
