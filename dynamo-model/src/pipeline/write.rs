//! The write pipeline: a model value becomes the item to store, and the conditions every
//! conditional write shares.
//!
//! Rules apply in this order, for every whole-item write (create, put, batch put, transaction
//! create / put / put_if):
//! 1. validation (`validate(..)`, `constant`, struct rules), on the value as the program holds it;
//! 2. conversion: `force_default`, `set` transforms, `constant`, `flatten` (the generated
//!    `to_item`);
//! 3. version: a create stores 1; a put stores the version it read + 1 and, unless unchecked,
//!    requires the stored version to be the one it read;
//! 4. timestamps: `updated_at` is now; `created_at` is now on a create, or when unset;
//! 5. write token: a single conditional write stores its token
//!    ([`identity`](crate::pipeline::identity));
//! 6. limits: key values, item size.

use std::borrow::Cow;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expr::condition::{Comparator, Node};
use crate::expr::operand::Term;
use crate::expr::path::Path;
use crate::expr::writer::RenderedCondition;
use crate::expr::ExpressionWriter;
use crate::limits::check_item;
use crate::model::Model;
use crate::pipeline::identity::{Expects, WriteToken, WRITE_TOKEN};
use crate::schema::Schema;
use crate::timestamp::Timestamp;
use crate::value::Item;

/// What kind of whole-item write an item is prepared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteKind {
    /// Only if no (live) item has the key: version 1, `created_at` now.
    Create,
    /// Replaces the item; a versioned item must still hold the version it was read with.
    Put,
    /// Replaces the item without any condition (a batch cannot carry one): the version is
    /// bumped but not checked. Only on explicit request for versioned models.
    Unchecked,
}

/// An item ready to send, with what the pipeline requires of the stored item.
pub(crate) struct Prepared {
    pub(crate) item: Item,
    /// No live item has the key (create), or the stored version is the one read (put).
    pub(crate) condition: Option<Node>,
    /// The version a versioned put expects stored: tells a version conflict from another
    /// failed condition.
    pub(crate) expected_version: Option<i128>,
    /// What the write requires of the stored item, for its verdict after a lost answer.
    pub(crate) expects: Expects,
}

/// Runs the write pipeline on a model value, `now` being the time the write's timestamps take
/// and `token` the write token it stores (the same for every attempt of one write, so a retry
/// sends the same item).
pub(crate) fn prepare<M: Model>(
    model: &M,
    kind: WriteKind,
    now: Timestamp,
    token: Option<&WriteToken>,
) -> Result<Prepared> {
    let schema = M::SCHEMA;
    model.validate()?;
    let mut item = model.to_item()?;
    let (version_condition, expected_version) = bump_version(schema, &mut item, kind);
    stamp(schema, &mut item, kind == WriteKind::Create, now);
    if let Some(token) = token {
        item.insert(WRITE_TOKEN.to_owned(), token.to_attr());
    }
    check_item(schema, &item)?;
    let expects = match (kind, expected_version) {
        (WriteKind::Create, _) => Expects::Absent,
        (_, Some(version)) => Expects::Version(version),
        _ => Expects::Nothing,
    };
    let condition = match kind {
        WriteKind::Create => Some(absent(schema)),
        WriteKind::Put => version_condition.map(|node| on_live(schema, &node).into_owned()),
        WriteKind::Unchecked => None,
    };
    Ok(Prepared {
        item,
        condition,
        expected_version,
        expects,
    })
}

/// Sets the version attribute: 1 on a create, the version read + 1 otherwise. Returns the
/// condition a checked put needs (the stored version is the one read; none stored for 0) and
/// the version read.
fn bump_version(schema: &Schema, item: &mut Item, kind: WriteKind) -> (Option<Node>, Option<i128>) {
    let Some(name) = schema.version else {
        return (None, None);
    };
    let expected = stored_version(item.get(name)).unwrap_or(0);
    let next = if kind == WriteKind::Create {
        1
    } else {
        expected.saturating_add(1)
    };
    item.insert(name.to_owned(), AttributeValue::N(next.to_string()));
    if kind != WriteKind::Put {
        return (None, None);
    }
    let condition = if expected == 0 {
        Node::NotExists(Path::name(name))
    } else {
        version_is(name, expected)
    };
    (Some(condition), Some(expected))
}

/// `version = expected`.
pub(crate) fn version_is(name: &'static str, expected: i128) -> Node {
    Node::Compare(
        Term::Path(Path::name(name)),
        Comparator::Eq,
        Term::Value(AttributeValue::N(expected.to_string())),
    )
}

/// Sets `updated_at` to now, and `created_at` to now when creating or when it is unset (the
/// epoch, `Timestamp::default()`): no write stores a 1970 creation time.
fn stamp(schema: &Schema, item: &mut Item, creating: bool, now: Timestamp) {
    if let Some(updated) = schema.updated_at {
        item.insert(updated.name.to_owned(), now.to_attr_as(updated.format));
    }
    if let Some(created) = schema.created_at {
        let unset = Timestamp::default().to_attr_as(created.format);
        let stored = item.get(created.name);
        if creating || stored.is_none() || stored == Some(&unset) {
            item.insert(created.name.to_owned(), now.to_attr_as(created.format));
        }
    }
}

/// The primary key of an item.
pub(crate) fn key_of(schema: &Schema, item: &Item) -> Item {
    std::iter::once(schema.hash_key)
        .chain(schema.range_key)
        .filter_map(|k| item.get(k.name).map(|v| (k.name.to_owned(), v.clone())))
        .collect()
}

/// A stored version number.
pub(crate) fn stored_version(value: Option<&AttributeValue>) -> Option<i128> {
    match value {
        Some(AttributeValue::N(n)) => n.parse().ok(),
        _ => None,
    }
}

/// Maps a failed conditional write of a versioned model: a stored version other than the one
/// expected is [`Error::VersionConflict`] (an expired item counts as none); otherwise the
/// error stays.
pub(crate) fn version_conflict(schema: &Schema, expected: i128, error: Error) -> Error {
    let Some(name) = schema.version else {
        return error;
    };
    match error {
        Error::ConditionFailed { table, item } => {
            let live = item.as_ref().filter(|item| is_live(schema, item));
            let found = live.and_then(|item| stored_version(item.get(name)));
            if found == Some(expected) || (expected == 0 && live.is_none()) {
                Error::ConditionFailed { table, item }
            } else {
                Error::VersionConflict {
                    table,
                    expected,
                    found,
                }
            }
        }
        other => other,
    }
}

// ---- conditions ----------------------------------------------------------------------------

/// `attribute_not_exists(ttl) OR ttl > now`: the item has not expired.
pub(crate) fn live(schema: &Schema) -> Option<Node> {
    let name = schema.ttl?;
    Some(Node::Or(vec![
        Node::NotExists(Path::name(name)),
        Node::Compare(
            Term::Path(Path::name(name)),
            Comparator::Gt,
            Term::Value(AttributeValue::N(crate::ttl::now().to_string())),
        ),
    ]))
}

/// `ttl <= now`: the item has expired (and waits for DynamoDB to delete it).
pub(crate) fn expired(schema: &Schema) -> Option<Node> {
    let name = schema.ttl?;
    Some(Node::Compare(
        Term::Path(Path::name(name)),
        Comparator::Le,
        Term::Value(AttributeValue::N(crate::ttl::now().to_string())),
    ))
}

/// Whether a stored item is live (not expired), as every read sees it.
pub(crate) fn is_live(schema: &Schema, item: &Item) -> bool {
    !crate::ttl::expired(schema, item)
}

/// No live item has the key: `attribute_not_exists(hash key)`, or the item has expired.
pub(crate) fn absent(schema: &Schema) -> Node {
    let missing = Node::NotExists(Path::name(schema.hash_key.name));
    match expired(schema) {
        Some(expired) => Node::Or(vec![missing, expired]),
        None => missing,
    }
}

/// A live item has the key (an update that must not create the item).
pub(crate) fn present(schema: &Schema) -> Node {
    let exists = Node::Exists(Path::name(schema.hash_key.name));
    match live(schema) {
        Some(live) => Node::And(vec![exists, live]),
        None => exists,
    }
}

/// `condition` as the model sees the stored item: for a model with a TTL attribute an expired
/// item is absent, so the condition holds on it exactly when it would hold on no item
/// (`attribute_not_exists(x)` does, `x = 1` does not). Without a TTL it is the condition itself.
pub(crate) fn on_live<'a>(schema: &Schema, condition: &'a Node) -> Cow<'a, Node> {
    let (Some(live), Some(expired)) = (live(schema), expired(schema)) else {
        return Cow::Borrowed(condition);
    };
    let when_live = Node::And(vec![live, condition.clone()]);
    Cow::Owned(if condition.holds_on_absent() {
        Node::Or(vec![when_live, expired])
    } else {
        when_live
    })
}

/// The conditions of one request, rendered together: the pipeline's own (owned) and the
/// caller's (borrowed, seen through [`on_live`]).
#[derive(Default)]
pub(crate) struct Conditions<'a> {
    parts: Vec<Cow<'a, Node>>,
    error: Option<Error>,
}

/// A condition or filter must not reach inside a key attribute (`id[0]`, `id.x`): DynamoDB
/// refuses it, as key attributes are scalars.
pub(crate) fn check_key_paths(schema: &Schema, node: &Node) -> Result<()> {
    let inside_key = |path: &Path| path.elements().len() > 1 && schema.is_primary_key(path.root());
    match node.find_path(&inside_key) {
        Some(path) => Err(Error::InvalidRequest {
            message: format!(
                "`{path}` goes inside the key attribute `{}`, which is a scalar; DynamoDB refuses such a path",
                path.root()
            ),
        }),
        None => Ok(()),
    }
}

impl<'a> Conditions<'a> {
    /// Adds a condition the pipeline requires.
    pub(crate) fn require(&mut self, node: Option<Node>) {
        self.parts.extend(node.map(Cow::Owned));
    }

    /// Adds the caller's condition, as the model sees the stored item.
    pub(crate) fn user(&mut self, schema: &Schema, node: Option<&'a Node>) {
        if let Some(node) = node {
            if let Err(e) = check_key_paths(schema, node) {
                self.error.get_or_insert(e);
            }
            self.parts.push(on_live(schema, node));
        }
    }

    /// The condition expression, `None` without conditions, in a writer shared with other
    /// expressions of the request (an update's).
    pub(crate) fn render(&self, writer: &mut ExpressionWriter) -> Result<Option<String>> {
        if let Some(error) = &self.error {
            return Err(error.replay());
        }
        if self.parts.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            writer.conjunction("condition expression", &self.parts),
        ))
    }

    /// The condition, rendered on its own with its maps.
    pub(crate) fn rendered(&self) -> Result<RenderedCondition> {
        if let Some(error) = &self.error {
            return Err(error.replay());
        }
        RenderedCondition::of(&self.parts)
    }
}
