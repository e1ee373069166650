//! DynamoDB's limits, in one place, checked before anything is sent: a request DynamoDB would
//! refuse is refused here with an error that names the attribute and the limit.
//!
//! | limit | value | checked on |
//! | --- | --- | --- |
//! | item size (names and values) | 400 KB | every whole-item write; the values an update writes |
//! | partition key value | 1 to 2,048 bytes | keys of items, key structs, query hash keys, index keys |
//! | sort key value | 1 to 1,024 bytes | the same |
//! | nesting | 32 levels (an attribute and 31 maps or lists inside it) | items, update values |
//! | attribute name | 1 to 65,535 bytes | items (map keys too), `flatten` maps |
//! | numbers | 38 digits, magnitude 1E-130 to below 1E+126 | typed values; `flatten` maps |
//! | sets | not empty, no duplicates | typed values (an empty set is an absent attribute); `flatten` maps |
//! | transaction | 100 actions, 4 MB in all | transactions |
//! | batch | 25 writes, 100 reads per request (the library cuts chunks) | batches |
//! | expression | 4 KB each | every rendered expression |

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{AttrError, Error, Result};
use crate::schema::Schema;
use crate::value::{Attribute, Item};

/// DynamoDB's maximum item size: 400 KB, attribute names included.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;
/// The largest partition (hash) key value, in bytes.
pub const MAX_PARTITION_KEY_SIZE: usize = 2048;
/// The largest sort (range) key value, in bytes.
pub const MAX_SORT_KEY_SIZE: usize = 1024;
/// How deep an attribute may nest: the attribute and 31 maps or lists inside it.
pub const MAX_NESTING_LEVELS: usize = 32;
/// The longest attribute name (and map key), in bytes.
pub const MAX_ATTRIBUTE_NAME: usize = 65_535;
/// The largest transaction: the items it writes, in all.
pub const MAX_TRANSACTION_SIZE: usize = 4 * 1024 * 1024;

/// Which part of a key a value is, for its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyPart {
    /// A partition (hash) key: at most 2,048 bytes.
    Partition,
    /// A sort (range) key: at most 1,024 bytes.
    Sort,
}

impl KeyPart {
    fn limit(self) -> usize {
        match self {
            KeyPart::Partition => MAX_PARTITION_KEY_SIZE,
            KeyPart::Sort => MAX_SORT_KEY_SIZE,
        }
    }

    fn name(self) -> &'static str {
        match self {
            KeyPart::Partition => "partition",
            KeyPart::Sort => "sort",
        }
    }
}

/// Converts one key value, refusing values DynamoDB does not accept as keys.
pub(crate) fn key_value<T: Attribute>(
    value: &T,
    name: &str,
    part: KeyPart,
) -> Result<AttributeValue> {
    let converted = value
        .to_attr()
        .map_err(|e| Error::from(e.in_attribute(name)))?;
    match converted {
        Some(value) => {
            check_key(name, &value, part, true)?;
            Ok(value)
        }
        None => Err(Error::InvalidValue {
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

/// A key value (of the table, `primary`, or of an index): not empty, not over its size.
pub(crate) fn check_key(
    name: &str,
    value: &AttributeValue,
    part: KeyPart,
    primary: bool,
) -> Result<()> {
    if is_empty_key_value(value) {
        let message = if primary {
            "a key attribute cannot be empty"
        } else {
            "an index key attribute cannot be empty; use None to leave the item out of the index"
        };
        return Err(Error::InvalidValue {
            path: name.to_owned(),
            message: message.into(),
        });
    }
    let size = match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::N(n) => number_size(n),
        _ => 0,
    };
    if size > part.limit() {
        return Err(Error::InvalidValue {
            path: name.to_owned(),
            message: format!(
                "a {} key value is {size} bytes, over DynamoDB's limit of {}",
                part.name(),
                part.limit()
            ),
        });
    }
    Ok(())
}

/// The checks DynamoDB would otherwise fail a write on, run before sending: the key attributes
/// of the table and its indexes, the item's size, nesting and attribute names.
pub(crate) fn check_item(schema: &Schema, item: &Item) -> Result<()> {
    // Not `key_attributes()`: that dedups with an allocation, and a name checked twice is cheaper.
    let index_keys = schema.indexes.iter().flat_map(|index| {
        std::iter::once((index.hash_key, KeyPart::Partition))
            .chain(index.range_key.map(|k| (k, KeyPart::Sort)))
    });
    let keys = std::iter::once((schema.hash_key, KeyPart::Partition))
        .chain(schema.range_key.map(|k| (k, KeyPart::Sort)))
        .chain(index_keys);
    for (key, part) in keys {
        let primary = schema.is_primary_key(key.name);
        match item.get(key.name) {
            Some(value) => check_key(key.name, value, part, primary)?,
            None if primary => {
                return Err(AttrError::missing("a key value")
                    .in_attribute(key.name)
                    .into());
            }
            None => {}
        }
    }
    let mut size = 0;
    for (name, value) in item {
        let measure = measure(value);
        if measure.levels > MAX_NESTING_LEVELS {
            return Err(Error::InvalidValue {
                path: name.clone(),
                message: format!(
                    "the attribute nests {} levels deep, over DynamoDB's limit of {MAX_NESTING_LEVELS}",
                    measure.levels
                ),
            });
        }
        if measure.longest_name > MAX_ATTRIBUTE_NAME || name.len() > MAX_ATTRIBUTE_NAME {
            return Err(Error::InvalidValue {
                path: short(name),
                message: format!(
                    "an attribute name (or map key) in it is over DynamoDB's limit of {MAX_ATTRIBUTE_NAME} bytes"
                ),
            });
        }
        size += name.len() + measure.size;
    }
    if size > MAX_ITEM_SIZE {
        return Err(Error::ItemTooLarge {
            size,
            limit: MAX_ITEM_SIZE,
        });
    }
    Ok(())
}

/// A name for messages: long names are cut.
fn short(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_owned(),
    }
}

/// What one traversal of a value finds.
pub(crate) struct Measure {
    /// Its size as DynamoDB counts it.
    pub(crate) size: usize,
    /// Its levels: 1 for a scalar or an empty container, 1 more per level of maps and lists.
    pub(crate) levels: usize,
    /// The longest map key in it.
    pub(crate) longest_name: usize,
}

/// Size, nesting and names of a value, in one pass.
pub(crate) fn measure(value: &AttributeValue) -> Measure {
    let scalar = |size| Measure {
        size,
        levels: 1,
        longest_name: 0,
    };
    match value {
        AttributeValue::S(s) => scalar(s.len()),
        AttributeValue::N(n) => scalar(number_size(n)),
        AttributeValue::B(b) => scalar(b.as_ref().len()),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => scalar(1),
        AttributeValue::Ss(members) => scalar(members.iter().map(String::len).sum()),
        AttributeValue::Ns(members) => scalar(members.iter().map(|n| number_size(n)).sum()),
        AttributeValue::Bs(members) => scalar(members.iter().map(|b| b.as_ref().len()).sum()),
        // Lists and maps: 3 bytes overhead, plus 1 byte per element.
        AttributeValue::L(list) => {
            let mut out = Measure {
                size: 3,
                levels: 1,
                longest_name: 0,
            };
            for element in list {
                let inner = measure(element);
                out.size += 1 + inner.size;
                out.levels = out.levels.max(1 + inner.levels);
                out.longest_name = out.longest_name.max(inner.longest_name);
            }
            out
        }
        AttributeValue::M(map) => {
            let mut out = Measure {
                size: 3,
                levels: 1,
                longest_name: 0,
            };
            for (key, element) in map {
                let inner = measure(element);
                out.size += 1 + key.len() + inner.size;
                out.levels = out.levels.max(1 + inner.levels);
                out.longest_name = out.longest_name.max(key.len()).max(inner.longest_name);
            }
            out
        }
        _ => scalar(0),
    }
}

/// An item's size as DynamoDB counts it: the UTF-8 length of each attribute name plus the size
/// of each value.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

/// A value's size as DynamoDB counts it.
pub(crate) fn value_size(value: &AttributeValue) -> usize {
    measure(value).size
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

/// A value given as a raw `AttributeValue` (a `flatten` map's), held to the rules typed values
/// meet by construction: numbers DynamoDB takes, sets not empty and without duplicates, map
/// keys not empty.
pub(crate) fn check_raw(value: &AttributeValue) -> std::result::Result<(), AttrError> {
    use crate::decimal::Decimal;
    let number = |n: &str| -> std::result::Result<Decimal, AttrError> {
        let decimal = Decimal::parse(n)
            .ok_or_else(|| AttrError::invalid(format!("{n:?} is not a number DynamoDB takes")))?;
        if decimal.significant_digits() > 38 {
            return Err(AttrError::invalid(format!(
                "{n} has more than 38 digits, more than a DynamoDB number can hold"
            )));
        }
        if !decimal.in_dynamodb_range() {
            return Err(AttrError::invalid(format!(
                "{n} is outside DynamoDB's number range (magnitudes from 1E-130 to below 1E+126, or 0)"
            )));
        }
        Ok(decimal)
    };
    let set = |len: usize| {
        if len == 0 {
            Err(AttrError::invalid(
                "an empty set cannot be stored: leave the attribute out",
            ))
        } else {
            Ok(())
        }
    };
    let duplicate = || AttrError::invalid("a set holds a member twice, which DynamoDB refuses");
    match value {
        AttributeValue::N(n) => number(n).map(drop),
        AttributeValue::Ns(members) => {
            set(members.len())?;
            let mut seen: Vec<Decimal> = Vec::with_capacity(members.len());
            for member in members {
                let decimal = number(member)?;
                if seen.contains(&decimal) {
                    return Err(duplicate());
                }
                seen.push(decimal);
            }
            Ok(())
        }
        AttributeValue::Ss(members) => {
            set(members.len())?;
            let unique: std::collections::HashSet<&String> = members.iter().collect();
            if unique.len() == members.len() {
                Ok(())
            } else {
                Err(duplicate())
            }
        }
        AttributeValue::Bs(members) => {
            set(members.len())?;
            let unique: std::collections::HashSet<&[u8]> =
                members.iter().map(|b| b.as_ref()).collect();
            if unique.len() == members.len() {
                Ok(())
            } else {
                Err(duplicate())
            }
        }
        AttributeValue::L(list) => {
            for (i, element) in list.iter().enumerate() {
                check_raw(element).map_err(|e| e.in_index(i))?;
            }
            Ok(())
        }
        AttributeValue::M(map) => {
            for (key, element) in map {
                if key.is_empty() {
                    return Err(AttrError::invalid(
                        "a map key cannot be empty: DynamoDB refuses empty attribute names",
                    ));
                }
                check_raw(element).map_err(|e| e.in_attribute(key))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
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

    #[test]
    fn levels_count_the_attribute_and_its_containers() {
        let mut value = AttributeValue::S("x".into());
        assert_eq!(measure(&value).levels, 1);
        for _ in 0..31 {
            value = AttributeValue::M(Item::from([("a".to_owned(), value)]));
        }
        assert_eq!(measure(&value).levels, 32, "31 maps: DynamoDB takes it");
        let value = AttributeValue::L(vec![value]);
        assert_eq!(measure(&value).levels, 33, "32: DynamoDB refuses it");
    }

    #[test]
    fn raw_values_meet_the_rules_of_typed_ones() {
        let refused = [
            AttributeValue::N("NaN".into()),
            AttributeValue::N("1e999".into()),
            AttributeValue::N("1".repeat(39)),
            AttributeValue::Ns(vec![]),
            AttributeValue::Ns(vec!["1".into(), "1.0".into()]),
            AttributeValue::Ss(vec!["a".into(), "a".into()]),
            AttributeValue::M(Item::from([(String::new(), AttributeValue::Bool(true))])),
            AttributeValue::L(vec![AttributeValue::N("x".into())]),
        ];
        for value in refused {
            assert!(check_raw(&value).is_err(), "{value:?}");
        }
        let taken = [
            AttributeValue::N("-1.5E+125".into()),
            AttributeValue::Ns(vec!["1".into(), "2".into()]),
            AttributeValue::Ss(vec!["a".into()]),
        ];
        for value in taken {
            assert!(check_raw(&value).is_ok(), "{value:?}");
        }
    }
}
