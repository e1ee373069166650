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

use crate::error::{Error, Result};
use crate::expr::condition::{Comparator, Node};
use crate::expr::operand::Term;
use crate::expr::path::Path;
use crate::model::{Attributes, Model};
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

/// Whether any part of a listing filter applies to the model.
pub(crate) fn filters_listings(schema: &Schema) -> bool {
    schema.ttl.is_some() || !schema.constants.is_empty()
}
