//! The read pipeline: a stored item becomes a model.
//!
//! Rules apply in this order, for every read:
//! 1. TTL: an expired item is absent (DynamoDB deletes expired items only eventually). Reads by
//!    key check the item; queries, scans and counts filter on the server, so `limit` counts
//!    live items;
//! 2. entity: an item whose `constant` attributes hold other values is not an item of this
//!    model. Queries, scans and counts filter such items out on the server (a table shared by
//!    several entities); a read by key of such an item is [`Error::Attribute`] naming it;
//! 3. decoding (the generated `from_item`): aliases, defaults, `get` transforms, required
//!    attributes, types.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expr::condition::{Comparator, Node};
use crate::expr::operand::Term;
use crate::expr::path::Path;
use crate::expr::ExpressionWriter;
use crate::model::{Attributes, Collection, Model};
use crate::pipeline::write::{is_live, live};
use crate::schema::Schema;
use crate::value::Item;

/// An item read by key (get, batch get, transaction get) or returned by a write: `None` when
/// it has expired.
pub(crate) fn read<M: Model>(item: Item) -> Result<Option<M>> {
    if !is_live(M::SCHEMA, &item) {
        return Ok(None);
    }
    M::from_item(item).map(Some)
}

/// An item a query or scan returned: the server's filter ([`listing_filter`]) already kept
/// only live items of this entity.
pub(crate) fn read_listed<M: Model>(item: Item) -> Result<M> {
    M::from_item(item)
}

/// A projection (`select::<P>()`) of a model's item: the model's aliases and `get` transforms
/// apply to the attributes read, as they do in a read of the whole model.
pub(crate) fn read_projection<M: Model, P: Attributes>(mut item: Item) -> Result<P> {
    M::prepare_projection(&mut item)?;
    // An update's UPDATED_NEW / UPDATED_OLD holds its write token; a projection never does.
    item.remove(crate::pipeline::identity::WRITE_TOKEN);
    P::from_map(item).map_err(Error::from)
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

/// Names an item for an error, by its key and table: ``pk="u1", sk=5 in table `users` ``.
pub(crate) fn describe_item<'a>(
    table: &str,
    key: impl IntoIterator<Item = (&'a str, &'a AttributeValue)>,
) -> String {
    let mut text = String::new();
    for (name, value) in key {
        if !text.is_empty() {
            text.push_str(", ");
        }
        let value = match value {
            AttributeValue::S(s) => format!("{s:?}"),
            AttributeValue::N(n) => n.clone(),
            AttributeValue::B(b) => format!("<{} bytes>", b.as_ref().len()),
            other => crate::value::describe(other),
        };
        text.push_str(&format!("{name}={value}"));
    }
    format!("{text} in table `{table}`")
}

/// Names the item with the key `key` for an error.
pub(crate) fn describe_key(table: &str, key: &Item) -> String {
    let mut parts: Vec<(&str, &AttributeValue)> =
        key.iter().map(|(k, v)| (k.as_str(), v)).collect();
    parts.sort_by_key(|(k, _)| *k);
    describe_item(table, parts)
}

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
/// and count.
pub(crate) fn filter_expression(
    writer: &mut ExpressionWriter,
    filter: Option<&Node>,
    schema: &crate::schema::Schema,
    entities: Option<&[&Schema]>,
) -> Result<Option<String>> {
    if let Some(filter) = filter {
        crate::pipeline::write::check_key_paths(schema, filter)?;
    }
    let own = match entities {
        None => listing_filter(schema),
        Some(entities) => {
            let each: Vec<Node> = entities
                .iter()
                .map(|entity| Node::And(listing_filter(entity)))
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
