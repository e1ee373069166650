//! DynamoDB Streams records as typed changes of a model (feature `streams`).
//!
//! A stream record says what happened to one item (inserted, modified, removed) and carries
//! its key and, depending on the table's stream view type, its old and new images. [`Change`]
//! reads a record of either source into a model's types:
//! - a Lambda function's event, [`aws_lambda_events::event::dynamodb::Event`]
//!   ([`Change::from_lambda`], [`changes`]);
//! - a record read from the stream with `aws-sdk-dynamodbstreams`
//!   ([`Change::from_stream`]).
//!
//! Images are read like any item: the same conversion, aliases, defaults, `get` transforms and
//! errors (an image that cannot be read is [`Error::Attribute`] naming the attribute and the
//! item). Two read rules differ, because a stream reports what happened rather than what is
//! stored: an image past its TTL is still returned (DynamoDB's own TTL deletions arrive as
//! removals, marked [`Change::expired`]), and a record of another entity sharing the table
//! (its `constant` attributes hold other values) is skipped, as a query skips it: `Ok(None)`.
//!
//! A table shared by several entities streams them all: read its records as a
//! [`Collection`](crate::Collection) (`Change<CustomerData>`), each image into its entity's
//! variant, records of entities the collection does not list skipped.
//!
//! [`CreateTable::stream`](crate::CreateTable::stream) enables a stream on a table.

use crate::error::{Error, Result};
use crate::model::StreamImage;
use crate::value::Item;

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A new item was written (`INSERT`).
    Insert,
    /// An existing item was changed (`MODIFY`).
    Modify,
    /// The item was deleted (`REMOVE`), by a request or by DynamoDB's TTL.
    Remove,
}

impl ChangeKind {
    fn named(name: &str) -> Option<ChangeKind> {
        match name {
            "INSERT" => Some(ChangeKind::Insert),
            "MODIFY" => Some(ChangeKind::Modify),
            "REMOVE" => Some(ChangeKind::Remove),
            _ => None,
        }
    }
}

/// One stream record of a model or collection `M` ([`StreamImage`]): what happened, to which
/// key, and the item before and after, read as `M`.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<M> {
    /// Inserted, modified or removed.
    pub kind: ChangeKind,
    /// The key attributes of the item, as stored.
    pub keys: Item,
    /// The item before the change: `None` for an insert, and when the stream's view type
    /// holds no old images (`KEYS_ONLY`, `NEW_IMAGE`).
    pub old: Option<M>,
    /// The item after the change: `None` for a removal, and when the stream's view type holds
    /// no new images (`KEYS_ONLY`, `OLD_IMAGE`).
    pub new: Option<M>,
    /// The record's sequence number in its shard, when the source gives it.
    pub sequence_number: Option<String>,
    /// Whether DynamoDB's TTL removed the item (rather than a request).
    pub expired: bool,
}

/// The parts of a record, from either source, as the SDK's types.
struct Parts {
    kind: ChangeKind,
    keys: Item,
    old: Option<Item>,
    new: Option<Item>,
    sequence_number: Option<String>,
    expired: bool,
    table: Option<String>,
}

impl<M: StreamImage> Change<M> {
    /// Reads a record of a Lambda function's DynamoDB event: `Ok(None)` when it is an item of
    /// another entity sharing the table.
    pub fn from_lambda(
        record: &aws_lambda_events::event::dynamodb::EventRecord,
    ) -> Result<Option<Change<M>>> {
        let change = &record.change;
        let image = |item: &serde_dynamo::Item| -> Option<Item> {
            (!item.is_empty()).then(|| Item::from(item.clone()))
        };
        let by_ttl = record.user_identity.as_ref().is_some_and(|who| {
            who.type_ == "Service" && who.principal_id == "dynamodb.amazonaws.com"
        });
        let kind = kind_of(&record.event_name)?;
        Self::read(Parts {
            kind,
            keys: Item::from(change.keys.clone()),
            old: image(&change.old_image),
            new: image(&change.new_image),
            sequence_number: change.sequence_number.clone(),
            expired: expired(kind, by_ttl),
            table: record
                .table_name
                .clone()
                .or_else(|| record.event_source_arn.as_deref().and_then(table_of_arn)),
        })
    }

    /// Reads a record from `aws-sdk-dynamodbstreams` (`GetRecords`): `Ok(None)` when it is an
    /// item of another entity sharing the table.
    pub fn from_stream(
        record: aws_sdk_dynamodbstreams::types::Record,
    ) -> Result<Option<Change<M>>> {
        let name = record.event_name.as_ref().map(|n| n.as_str().to_owned());
        let by_ttl = record.user_identity.as_ref().is_some_and(|who| {
            who.r#type() == Some("Service") && who.principal_id() == Some("dynamodb.amazonaws.com")
        });
        let stream = record
            .dynamodb
            .unwrap_or_else(|| aws_sdk_dynamodbstreams::types::StreamRecord::builder().build());
        let image = |item: Option<
            std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
        >|
         -> Option<Item> {
            item.filter(|item| !item.is_empty())
                .map(|item| Item::from(serde_dynamo::Item::from(item)))
        };
        let kind = kind_of(name.as_deref().unwrap_or(""))?;
        Self::read(Parts {
            kind,
            keys: image(stream.keys).unwrap_or_default(),
            old: image(stream.old_image),
            new: image(stream.new_image),
            sequence_number: stream.sequence_number,
            expired: expired(kind, by_ttl),
            table: None,
        })
    }

    fn read(parts: Parts) -> Result<Option<Change<M>>> {
        // Of these entities when an image says so; a keys-only record has nothing to tell by.
        let image = parts.new.as_ref().or(parts.old.as_ref());
        if image.is_some_and(|item| !M::holds(item)) {
            return Ok(None);
        }
        let table = parts.table.as_deref().unwrap_or(M::table());
        let keys = parts.keys;
        let decode = |item: Option<Item>| -> Result<Option<M>> {
            item.map(|item| {
                M::read(item).map_err(|e: Error| {
                    e.about_item(|| crate::pipeline::read::describe_key(table, &keys))
                })
            })
            .transpose()
        };
        let old = decode(parts.old)?;
        let new = decode(parts.new)?;
        Ok(Some(Change {
            kind: parts.kind,
            keys,
            old,
            new,
            sequence_number: parts.sequence_number,
            expired: parts.expired,
        }))
    }
}

/// Every record of a Lambda function's DynamoDB event that is an item of `M` (a model, or one
/// of a collection's), read as a [`Change`], in order; records of other entities sharing the
/// table are skipped.
pub fn changes<M: StreamImage>(
    event: &aws_lambda_events::event::dynamodb::Event,
) -> impl Iterator<Item = Result<Change<M>>> + '_ {
    event
        .records
        .iter()
        .filter_map(|record| Change::from_lambda(record).transpose())
}

/// Whether a record is DynamoDB's TTL deleting the item: a removal by the DynamoDB service
/// (the service's identity on any other record says nothing of expiry).
fn expired(kind: ChangeKind, by_service: bool) -> bool {
    kind == ChangeKind::Remove && by_service
}

fn kind_of(name: &str) -> Result<ChangeKind> {
    ChangeKind::named(name).ok_or_else(|| Error::InvalidRequest {
        message: format!("a stream record's event name is {name:?}, not INSERT, MODIFY or REMOVE"),
    })
}

/// `arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-…` → `orders`.
fn table_of_arn(arn: &str) -> Option<String> {
    let rest = arn.split_once(":table/")?.1;
    Some(rest.split('/').next()?.to_owned())
}
