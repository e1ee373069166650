//! The traits `#[derive(Model)]` implements, and the checks every written item passes.

use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{AttrError, Error, Result};
use crate::schema::Schema;
use crate::value::{Attribute, Item};

/// A struct stored as one item in one DynamoDB table. Implement it with `#[derive(Model)]`.
///
/// The derive generates, beside this impl, the typed key struct (`UserKey`), one [`Attr`]
/// handle per stored field (`User::EMAIL`) and one [`Index`] handle per secondary index
/// (`User::BY_EMAIL`).
///
/// [`Attr`]: crate::Attr
/// [`Index`]: crate::Index
pub trait Model: Sized {
    /// The typed primary key: `UserKey`.
    type Key: PrimaryKey<Model = Self>;

    /// The type of the table's hash key attribute (what `query().hash(..)` takes).
    type HashKey;

    /// The type of the table's range key attribute, `()` when the table has none.
    type RangeKey;

    /// The table, its keys and indexes.
    const SCHEMA: &'static Schema;

    /// Converts to a DynamoDB item. Fails, without touching the network, on a value DynamoDB
    /// cannot store (a NaN float, a number over 38 digits, …).
    fn to_item(&self) -> Result<Item>;

    /// Reads a DynamoDB item. A missing required attribute or a value of the wrong type is
    /// [`Error::Attribute`] naming the attribute.
    fn from_item(item: Item) -> Result<Self>;

    /// This item's primary key.
    fn key(&self) -> Self::Key;

    /// Checks the item against its validation rules (`#[dynamo(validate(..))]`, `constant`,
    /// a struct-level `validate`, and the rules of nested documents), reporting every failure
    /// at once as [`Error::Validation`]. Every write runs it before sending; call it yourself
    /// to check input early (say, before other work in a request handler).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// The hooks of the field stored as `name`, when it has a `set` transform (for key values
    /// given outside a handle, like a query's hash key).
    #[doc(hidden)]
    fn field_hooks(_name: &str) -> Option<&'static crate::schema::FieldHooks> {
        None
    }

    /// What an untyped path reaches in an item of the model (see [`Target`]).
    ///
    /// [`Target`]: crate::schema::Target
    #[doc(hidden)]
    fn target(_path: &[crate::value::PathElement]) -> crate::schema::Target {
        crate::schema::Target::Unknown
    }

    /// The first attribute every item must hold (no `Option`, no default) for which `is_set`
    /// is false: an upsert that does not set it cannot create a readable item.
    #[doc(hidden)]
    fn missing_required(_is_set: &dyn Fn(&str) -> bool) -> Option<&'static str> {
        None
    }

    /// The struct-level `validate` rule of the model, if it has one.
    #[doc(hidden)]
    fn item_rule() -> Option<&'static str> {
        None
    }

    /// The older names (`alias`) the attribute `name` is also read under.
    #[doc(hidden)]
    fn aliases(_name: &str) -> &'static [&'static str] {
        &[]
    }

    /// Applies the model's read options to the attributes of a projection (part of an item):
    /// an attribute stored under an alias moves to its name, and `get` transforms apply.
    #[doc(hidden)]
    fn prepare_projection(_item: &mut Item) -> Result<(), AttrError> {
        Ok(())
    }
}

/// A model without a `#[dynamo(version)]` attribute. Batch puts, which cannot carry the
/// condition optimistic locking needs, take only these (or, for versioned models, the explicit
/// [`BatchWrite::put_unchecked`](crate::BatchWrite::put_unchecked)). `#[derive(Model)]`
/// implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has a version attribute, and a batch put cannot check it",
    label = "optimistic locking needs a condition, which BatchWriteItem cannot carry",
    note = "put it in a transaction (`db.transact_write().put(&item)`) or one `db.put(&item)` to keep the version check, or use `BatchWrite::put_unchecked` to overwrite whatever version is stored"
)]
pub trait Unversioned: Model {}

/// A struct stored as a nested map (`M`) inside a model. Implement it with
/// `#[derive(Attributes)]`, which also implements [`Attribute`] so the struct can be a field,
/// a list element (`Vec<Address>`) or optional (`Option<Address>`).
pub trait Attributes: Sized {
    /// The names of the attributes it stores, in field order (a query's `select::<P>()` projects
    /// exactly these).
    const ATTRIBUTES: &'static [&'static str];

    /// Converts to the map's attributes.
    fn to_map(&self) -> Result<Item, AttrError>;

    /// Reads the map's attributes; errors name the attribute inside the map.
    fn from_map(map: Item) -> Result<Self, AttrError>;

    /// Runs the document's validation rules, its failures placed at `at`.
    #[doc(hidden)]
    fn validate_at(
        &self,
        _at: &crate::validate::Loc<'_>,
        _out: &mut Vec<crate::validate::Violation>,
    ) {
    }

    /// Checks the document against its validation rules, reporting every failure at once as
    /// [`Error::Validation`] (paths relative to the document).
    fn validate(&self) -> Result<()> {
        let mut violations = Vec::new();
        self.validate_at(&crate::validate::Loc::Root, &mut violations);
        crate::validate::finish(violations)
    }
}

/// The typed primary key of a model, generated by `#[derive(Model)]` as `<Model>Key`.
///
/// Every call that takes a key takes this type, so a key of the wrong shape does not compile.
pub trait PrimaryKey: Clone + fmt::Debug {
    /// The model this key belongs to.
    type Model: Model<Key = Self>;

    /// The key as a DynamoDB item (one or two attributes). Fails on an empty string or binary
    /// key value, which DynamoDB refuses.
    fn to_item(&self) -> Result<Item>;
}

/// DynamoDB's maximum item size: 400 KB, attribute names included.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// Converts one key value, refusing values DynamoDB does not accept as keys.
pub(crate) fn key_value<T: Attribute>(value: &T, name: &str) -> Result<AttributeValue> {
    let converted = value
        .to_attr()
        .map_err(|e| Error::from(e.in_attribute(name)))?;
    match converted {
        Some(value) if !is_empty_key_value(&value) => Ok(value),
        _ => Err(Error::InvalidValue {
            path: name.to_owned(),
            message: "a key attribute cannot be empty".into(),
        }),
    }
}

pub(crate) fn is_empty_key_value(value: &AttributeValue) -> bool {
    match value {
        AttributeValue::S(s) => s.is_empty(),
        AttributeValue::B(b) => b.as_ref().is_empty(),
        _ => false,
    }
}

/// The checks DynamoDB would otherwise fail a write on, run before sending: key attributes of
/// the table and its indexes are not empty, and the item fits in 400 KB.
pub(crate) fn check_item(schema: &Schema, item: &Item) -> Result<()> {
    // Not `key_attributes()`: that dedups with an allocation, and a name checked twice is cheaper.
    let index_keys = schema
        .indexes
        .iter()
        .flat_map(|index| std::iter::once(index.hash_key).chain(index.range_key));
    let keys = std::iter::once(schema.hash_key)
        .chain(schema.range_key)
        .chain(index_keys);
    for key in keys {
        match item.get(key.name) {
            Some(value) if is_empty_key_value(value) => {
                let message = if schema.is_primary_key(key.name) {
                    "a key attribute cannot be empty"
                } else {
                    "an index key attribute cannot be empty; use None to leave the item out of the index"
                };
                return Err(Error::InvalidValue {
                    path: key.name.to_owned(),
                    message: message.into(),
                });
            }
            None if schema.is_primary_key(key.name) => {
                return Err(AttrError::missing("a key value")
                    .in_attribute(key.name)
                    .into());
            }
            _ => {}
        }
    }
    let size = item_size(item);
    if size > MAX_ITEM_SIZE {
        return Err(Error::ItemTooLarge {
            size,
            limit: MAX_ITEM_SIZE,
        });
    }
    Ok(())
}

/// An item's size as DynamoDB counts it: the UTF-8 length of each attribute name plus the size
/// of each value.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

pub(crate) fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(members) => members.iter().map(String::len).sum(),
        AttributeValue::Ns(members) => members.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(members) => members.iter().map(|b| b.as_ref().len()).sum(),
        // Lists and maps: 3 bytes overhead, plus 1 byte per element.
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// One byte per two significant digits, plus one.
fn number_size(n: &str) -> usize {
    let mantissa = n.split(['e', 'E']).next().unwrap_or(n);
    let (mut position, mut first, mut last) = (0usize, None, 0usize);
    for digit in mantissa.bytes().filter(u8::is_ascii_digit) {
        if digit != b'0' {
            first.get_or_insert(position);
            last = position;
        }
        position += 1;
    }
    let significant = first.map_or(1, |first| last - first + 1);
    significant.div_ceil(2) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_sizes_count_significant_digits() {
        assert_eq!(number_size("0"), 2);
        assert_eq!(number_size("100"), 2);
        assert_eq!(number_size("-12345"), 4);
        assert_eq!(number_size("0.00123"), 3);
        assert_eq!(number_size("1.5E+125"), 2);
    }

    #[test]
    fn item_size_counts_names_and_nested_values() {
        let item = Item::from([
            ("ab".to_owned(), AttributeValue::S("xyz".into())),
            (
                "l".to_owned(),
                AttributeValue::L(vec![AttributeValue::Bool(true)]),
            ),
        ]);
        assert_eq!(item_size(&item), 2 + 3 + 1 + 3 + 2);
    }
}
