//! The read pipeline: a stored item becomes a model.
//!
//! Rules apply in this order, for every read:
//! 1. TTL: an expired item is absent (DynamoDB deletes expired items only eventually). Reads by
//!    key check the item; queries, scans and counts filter on the server, so `limit` counts
//!    live items;
//! 2. entity: an item whose `constant` attributes hold other values is not an item of this
//!    model. A query whose range key is a template with leading text (`ORDER#{..}`) reads only
//!    the key range that text starts ([`narrow_range`]), so it reads no item of an entity
//!    whose keys start otherwise; queries, scans and counts then filter other entities' items
//!    out on the server (a table shared by several entities); a read by key of such an item
//!    is [`Error::Attribute`] naming it;
//! 3. decoding (the generated `from_item`): aliases, defaults, `get` transforms, required
//!    attributes, types.

use std::borrow::Cow;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{AttrError, Error, Result};
use crate::expr::condition::{Comparator, Node};
use crate::expr::operand::Term;
use crate::expr::path::Path;
use crate::expr::ExpressionWriter;
use crate::model::{Attributes, Collection, Model};
use crate::pipeline::write::{is_live, live};
use crate::schema::Schema;
use crate::value::Item;

/// An item read by key (get, batch get, transaction get) or returned by a write: `None` when
/// it has expired; another entity's item (its `constant` attributes hold other values) is an
/// error saying so, before any field is decoded.
pub(crate) fn read<M: Model>(item: Item) -> Result<Option<M>> {
    if !is_live(M::SCHEMA, &item) {
        return Ok(None);
    }
    if !holds_constants(M::SCHEMA, &item) {
        return Err(not_of(&[(model_name::<M>(), M::SCHEMA)], &item).of_entity(model_name::<M>()));
    }
    decode(item).map(Some)
}

/// Decodes an item of `M` (the generated `from_item`), its errors naming the entity.
pub(crate) fn decode<M: Model>(item: Item) -> Result<M> {
    M::from_item(item).map_err(|e| e.of_entity(model_name::<M>()))
}

/// A type attribute's value for an error, as `constant` errors show it: the value itself (an
/// entity's name, not user data), or the kind of value it is.
pub(crate) fn type_value(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(text) => format!("{text:?}"),
        AttributeValue::N(number) => number.clone(),
        AttributeValue::Bool(b) => b.to_string(),
        other => crate::value::describe(other),
    }
}

/// A model's name as written in its source: `Order` of `my_app::store::Order`.
pub(crate) fn model_name<M>() -> &'static str {
    short_name(std::any::type_name::<M>())
}

/// The last segment of a type's full name: `Order` of `my_app::store::Order`.
pub(crate) fn short_name(full: &'static str) -> &'static str {
    full.rsplit("::").next().unwrap_or(full)
}

/// The error for a stored item of none of `entities` (each a name and its schema): names the
/// first `constant` attribute, what each entity holds there, and what the item holds.
pub(crate) fn not_of(entities: &[(&str, &Schema)], item: &Item) -> Error {
    let Some(name) = entities
        .iter()
        .find_map(|(_, schema)| schema.constants.first().map(|(name, _)| *name))
    else {
        return AttrError::invalid("the item is of none of the models read").into();
    };
    let expected: Vec<String> = entities
        .iter()
        .filter_map(|(entity, schema)| {
            let (_, value) = schema.constants.iter().find(|(n, _)| *n == name)?;
            Some(format!("{} ({entity})", type_value(&value.to_attr())))
        })
        .collect();
    let found = match item.get(name) {
        Some(value) => format!("{}: another entity's item", type_value(value)),
        None => "nothing: an item without the entity's type attribute".to_owned(),
    };
    AttrError::mismatch(format!("the constant {}", expected.join(" or ")), found)
        .in_attribute(name)
        .into()
}

/// An item a query or scan returned: the server's filter ([`listing_filter`]) already kept
/// only live items of this entity.
pub(crate) fn read_listed<M: Model>(item: Item) -> Result<M> {
    decode(item)
}

/// A projection (`select::<P>()`) of a model's item: the model's aliases and `get` transforms
/// apply to the attributes read, as they do in a read of the whole model.
pub(crate) fn read_projection<M: Model, P: Attributes>(mut item: Item) -> Result<P> {
    M::prepare_projection(&mut item)?;
    // An update's UPDATED_NEW / UPDATED_OLD holds its write token; a projection never does.
    item.remove(crate::pipeline::identity::WRITE_TOKEN);
    P::from_map(item).map_err(|e| Error::from(e).of_entity(model_name::<M>()))
}

/// A projection `P` of an item read by key: `None` when the item has expired.
pub(crate) fn read_projected<M: Model, P: Attributes>(item: Item) -> Result<Option<P>> {
    if !is_live(M::SCHEMA, &item) {
        return Ok(None);
    }
    read_projection::<M, P>(item).map(Some)
}

/// The attributes to ask for when reading `names` of a model: each name and its aliases.
pub(crate) fn projection_paths<M: Model>(names: &[&'static str]) -> Vec<Path> {
    let mut paths = Vec::with_capacity(names.len());
    for name in names {
        paths.push(Path::name(*name));
        paths.extend(M::aliases(name).iter().map(|alias| Path::name(*alias)));
    }
    paths
}

/// The raw attributes of a projected get: `None` when the item has expired; aliases and `get`
/// transforms applied; the TTL attribute (added to the projection to tell) removed unless asked.
pub(crate) fn read_projected_item<M: Model>(
    mut item: Item,
    ttl_asked: bool,
) -> Result<Option<Item>> {
    if !is_live(M::SCHEMA, &item) {
        return Ok(None);
    }
    M::prepare_projection(&mut item)?;
    if let (Some(ttl), false) = (M::SCHEMA.ttl, ttl_asked) {
        item.remove(ttl);
    }
    Ok(Some(item))
}

/// The constant text every value of `key` in `schema`'s items starts with: the leading text
/// of the template that composes that attribute (`ORDER#` of `ORDER#{placed_at}#{order_id}`),
/// when it has one.
pub(crate) fn key_prefix(schema: &Schema, key: &str) -> Option<&'static str> {
    schema
        .templates
        .iter()
        .find(|t| t.name == key)
        .and_then(|t| t.texts.first().copied())
        .filter(|text| !text.is_empty())
}

/// The range condition of a query of entities whose `key` values all start with one of
/// `prefixes`: the caller's `range`, narrowed to the key range those values occupy, so that
/// DynamoDB reads (and charges for) no item outside it. Without a condition: `begins_with` the
/// prefix (or, for several, `BETWEEN` the lowest and just past the highest). A condition that
/// reaches outside the range (`lt`, `le`, `gt`, `ge`, `between`) becomes a `BETWEEN` inside
/// it; `eq`, `begins_with` inside the range, and a condition no item in the range meets are
/// left as they are. Bounds follow the templates' convention: a prefix followed by
/// `U+10FFFF` sorts above every value that starts with it.
pub(crate) fn narrow_range<'a>(
    key: &'static str,
    prefixes: &[&'static str],
    range: Option<&'a Node>,
) -> Option<Cow<'a, Node>> {
    let (Some(low), Some(high)) = (prefixes.iter().min(), prefixes.iter().max()) else {
        return range.map(Cow::Borrowed);
    };
    let path = || Path::name(key);
    let text = |s: String| Term::Value(AttributeValue::S(s));
    let upper = format!("{high}{}", char::MAX);
    let between = |from: String, to: String| {
        (from <= to).then(|| Node::Between(Term::Path(path()), text(from), text(to)))
    };
    let Some(range) = range else {
        return Some(Cow::Owned(match prefixes {
            [only] => Node::BeginsWith(path(), text((*only).to_owned())),
            _ => Node::Between(Term::Path(path()), text((*low).to_owned()), text(upper)),
        }));
    };
    let string = |term: &Term| match term {
        Term::Value(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    };
    let at_least = |v: String| v.max((*low).to_owned());
    let at_most = |v: String| v.min(upper.clone());
    let narrowed = match range {
        Node::BeginsWith(_, value) => match (string(value), prefixes) {
            // A prefix shorter than the entity's: every item of the entity has the longer one.
            (Some(v), [only]) if only.starts_with(v.as_str()) && v.len() < only.len() => {
                Some(Node::BeginsWith(path(), text((*only).to_owned())))
            }
            _ => None,
        },
        Node::Compare(_, comparator, value) => string(value).and_then(|v| match comparator {
            Comparator::Ge => between(at_least(v), upper.clone()),
            // The least string above `v` is `v` and U+0000.
            Comparator::Gt => between(at_least(format!("{v}\0")), upper.clone()),
            Comparator::Le => between((*low).to_owned(), at_most(v)),
            Comparator::Lt => below(&v).and_then(|v| between((*low).to_owned(), at_most(v))),
            Comparator::Eq | Comparator::Ne => None,
        }),
        Node::Between(_, from, to) => match (string(from), string(to)) {
            (Some(from), Some(to)) => between(at_least(from), at_most(to)),
            _ => None,
        },
        _ => None,
    };
    Some(narrowed.map_or(Cow::Borrowed(range), Cow::Owned))
}

/// The greatest value below `v` by the templates' convention (a string followed by U+10FFFF
/// sorts above every continuation of it): `v` with its last character one lower and U+10FFFF
/// after it; `None` for the empty string, below which there is nothing.
fn below(v: &str) -> Option<String> {
    let mut chars = v.chars();
    let last = chars.next_back()?;
    let rest = chars.as_str();
    if last == '\0' {
        return Some(rest.to_owned());
    }
    let lower = (0..u32::from(last))
        .rev()
        .find_map(char::from_u32)
        .unwrap_or('\0');
    Some(format!("{rest}{lower}{}", char::MAX))
}

/// What every query, scan and count keeps, checked by DynamoDB before `Limit` and `Count`:
/// live items holding the model's constants.
pub(crate) fn listing_filter(schema: &Schema) -> Vec<Node> {
    let mut parts: Vec<Node> = schema
        .constants
        .iter()
        .map(|(name, value)| {
            Node::Compare(
                Term::Path(Path::name(*name)),
                Comparator::Eq,
                Term::Value(value.to_attr()),
            )
        })
        .collect();
    parts.extend(live(schema));
    parts
}

/// Whether an item holds the model's `constant` values: an item of this entity, not of
/// another sharing the table.
pub(crate) fn holds_constants(schema: &Schema, item: &Item) -> bool {
    schema
        .constants
        .iter()
        .all(|(name, value)| item.get(*name) == Some(&value.to_attr()))
}

/// An item of a query over a collection: read as the entity whose `constant` values it holds
/// (the server's filter kept only items of the collection's entities).
pub(crate) fn read_collection<C: Collection>(item: Item) -> Result<C> {
    C::from_item(item)
}

/// The index of the entity of `entities` an item belongs to, by its `constant` values.
pub(crate) fn entity_of(entities: &[&Schema], item: &Item) -> Option<usize> {
    entities
        .iter()
        .position(|schema| holds_constants(schema, item))
}

/// Whether any part of a listing filter applies to the model.
pub(crate) fn filters_listings(schema: &Schema) -> bool {
    schema.ttl.is_some() || !schema.constants.is_empty()
}

pub(crate) use crate::error::{describe_item, describe_key};

/// Reads an item of a query or scan with `read`, naming it (its key attributes `names`, in
/// `table`) when the read fails: among thousands of items, the bad one can be found. Its key
/// is set aside first (a few small values, kept on the stack).
pub(crate) fn read_named<O>(
    table: &str,
    names: &[&'static str],
    item: Item,
    read: fn(Item) -> Result<O>,
) -> Result<O> {
    let mut key: [Option<(&'static str, AttributeValue)>; 4] = Default::default();
    for (slot, name) in key.iter_mut().zip(names) {
        *slot = item.get(*name).map(|value| (*name, value.clone()));
    }
    read(item).map_err(|e| {
        e.about_item(|| describe_item(table, key.iter().flatten().map(|(n, v)| (*n, v))))
    })
}

/// The filter expression: the caller's filter, and the read pipeline's (live items of this
/// entity: see [`listing_filter`]; of any of a collection's `entities`), for every query, scan
/// and count. A `constant` attribute among `keys` (the attributes a query's key condition
/// covers, which DynamoDB refuses in a filter) is left to the key condition.
pub(crate) fn filter_expression(
    writer: &mut ExpressionWriter,
    filter: Option<&Node>,
    schema: &crate::schema::Schema,
    entities: Option<&[&Schema]>,
    keys: &[&str],
) -> Result<Option<String>> {
    if let Some(filter) = filter {
        crate::pipeline::write::check_key_paths(schema, filter)?;
    }
    let own_parts = |schema: &Schema| -> Vec<Node> {
        let mut parts = listing_filter(schema);
        parts.retain(|part| {
            !matches!(part, Node::Compare(Term::Path(path), Comparator::Eq, _)
                if path.elements().len() == 1 && keys.contains(&path.root()))
        });
        parts
    };
    let own = match entities {
        None => own_parts(schema),
        Some(entities) => {
            let each: Vec<Node> = entities
                .iter()
                .map(|entity| Node::And(own_parts(entity)))
                .collect();
            // An entity without a listing filter keeps every item: then nothing is filtered.
            if each
                .iter()
                .any(|node| matches!(node, Node::And(parts) if parts.is_empty()))
            {
                Vec::new()
            } else {
                vec![Node::Or(each)]
            }
        }
    };
    let what = "filter expression";
    Ok(match filter {
        _ if filter.is_none() && own.is_empty() => None,
        None => Some(writer.conjunction(what, &own)),
        Some(filter) if own.is_empty() => Some(writer.conjunction(what, &[filter])),
        Some(filter) => {
            let parts: Vec<&Node> = std::iter::once(filter).chain(&own).collect();
            Some(writer.conjunction(what, &parts))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Term {
        Term::Value(AttributeValue::S(v.to_owned()))
    }

    fn shown(node: Option<Cow<'_, Node>>) -> String {
        let node = node.expect("a condition");
        crate::expr::condition::Condition::<()>::new(node.into_owned()).to_string()
    }

    #[test]
    fn a_query_reads_only_the_key_range_of_its_entities() {
        let sk = || Term::Path(Path::name("sk"));
        // As `Display` shows U+10FFFF.
        let max = r"\u{10ffff}";
        let order = |comparator, v: &str| Node::Compare(sk(), comparator, s(v));
        let cases: Vec<(Option<Node>, String)> = vec![
            (None, r#"begins_with(sk, "ORDER#")"#.into()),
            (
                Some(Node::BeginsWith(Path::name("sk"), s("ORDER#2024"))),
                r#"begins_with(sk, "ORDER#2024")"#.into(),
            ),
            (
                Some(Node::BeginsWith(Path::name("sk"), s("ORD"))),
                r#"begins_with(sk, "ORDER#")"#.into(),
            ),
            (
                Some(order(Comparator::Eq, "ORDER#1")),
                r#"sk = "ORDER#1""#.into(),
            ),
            (
                Some(order(Comparator::Ge, "ORDER#5")),
                format!(r#"sk BETWEEN "ORDER#5" AND "ORDER#{max}""#),
            ),
            (
                Some(order(Comparator::Gt, "ORDER#5")),
                format!(r#"sk BETWEEN "ORDER#5\0" AND "ORDER#{max}""#),
            ),
            (
                Some(order(Comparator::Le, "ORDER#5")),
                r#"sk BETWEEN "ORDER#" AND "ORDER#5""#.into(),
            ),
            (
                Some(order(Comparator::Lt, "ORDER#5")),
                format!(r#"sk BETWEEN "ORDER#" AND "ORDER#4{max}""#),
            ),
            // Wider than the entity's range on both sides.
            (
                Some(Node::Between(sk(), s("A"), s("Z"))),
                format!(r#"sk BETWEEN "ORDER#" AND "ORDER#{max}""#),
            ),
            // No item of the entity meets it: left as it is.
            (Some(order(Comparator::Lt, "A")), r#"sk < "A""#.into()),
        ];
        for (range, expected) in cases {
            let got = shown(narrow_range("sk", &["ORDER#"], range.as_ref()));
            assert_eq!(
                got.replace('\0', "\\0"),
                expected.replace('\0', "\\0"),
                "{range:?}"
            );
        }
        // Several entities: from the lowest prefix to just past the highest.
        assert_eq!(
            shown(narrow_range("sk", &["PROFILE", "ORDER#"], None)),
            format!(r#"sk BETWEEN "ORDER#" AND "PROFILE{max}""#)
        );
        assert!(narrow_range("sk", &[], None).is_none());
        assert_eq!(below("b"), Some(format!("a{}", char::MAX)));
        assert_eq!(below("a\0"), Some("a".to_owned()));
        assert_eq!(below(""), None);
    }
}
