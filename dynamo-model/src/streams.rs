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
//! Outside Lambda, [`StreamReader`] reads a table's stream itself (describing it, walking its
//! shards, from a [`Checkpoint`] the caller keeps): a consumer developed against DynamoDB
//! Local, or a service that is not a Lambda function.
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
        Self::from_stream_of(record, None)
    }

    /// [`Change::from_stream`], errors naming the item in `table` (the name as created).
    fn from_stream_of(
        record: aws_sdk_dynamodbstreams::types::Record,
        table: Option<&str>,
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
            table: table.map(str::to_owned),
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

// ---- reading a stream outside Lambda ----------------------------------------------------

/// Reads a table's stream outside Lambda: a consumer developed against DynamoDB Local
/// ([`DynamoDbLocal::streams_client`](crate::local::DynamoDbLocal::streams_client)), or a
/// service on AWS (`aws_sdk_dynamodbstreams::Client::new(&sdk_config)`).
///
/// Each [`read`](StreamReader::read) describes the stream, walks its shards (a parent before
/// its children, after a split) and returns every record available from the
/// [`Checkpoint`] on, advancing it. The caller keeps the checkpoint between reads (its text
/// form can be stored): a read never returns a record the checkpoint has passed, and misses
/// none the stream still holds (DynamoDB keeps 24 hours).
///
/// ```no_run
/// # use dynamo_model::prelude::*;
/// # use dynamo_model::streams::{Checkpoint, StreamReader};
/// # #[derive(Model, Debug)]
/// # #[dynamo(table = "orders")]
/// # struct Order { #[dynamo(hash_key)] id: String }
/// # async fn consume(db: &Db, streams: aws_sdk_dynamodbstreams::Client) -> Result<(), Error> {
/// let reader = StreamReader::of::<Order>(db, streams).await?;
/// // From the oldest record held; `reader.latest().await?` from now; or a stored one: text.parse()?
/// let mut checkpoint = Checkpoint::trim_horizon();
/// loop {
///     for change in reader.read::<Order>(&mut checkpoint).await? {
///         // change.kind, change.old, change.new
///     }
///     // store checkpoint.to_string(), then wait before reading again
///     # break;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct StreamReader {
    streams: aws_sdk_dynamodbstreams::Client,
    arn: String,
    table: String,
}

/// Where a [`StreamReader`] is: for each shard read, the sequence number of its last record,
/// and the shards read to their end. `Display` and `FromStr` give a text to store between
/// reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Shard id → the sequence number of the last record read in it.
    after: std::collections::BTreeMap<String, String>,
    /// Shards read to their end (closed, every record read).
    finished: std::collections::BTreeSet<String>,
}

impl Checkpoint {
    /// From the oldest record the stream holds.
    pub fn trim_horizon() -> Checkpoint {
        Checkpoint {
            after: Default::default(),
            finished: Default::default(),
        }
    }

    /// The sequence number of the last record read in `shard`, if any.
    pub fn after(&self, shard: &str) -> Option<&str> {
        self.after.get(shard).map(String::as_str)
    }
}

/// `v1;<shard>=<sequence>;<shard>!` (a shard read to its end).
impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("v1")?;
        for (shard, sequence) in &self.after {
            if !self.finished.contains(shard) {
                write!(f, ";{shard}={sequence}")?;
            }
        }
        for shard in &self.finished {
            write!(f, ";{shard}!")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Checkpoint {
    type Err = Error;

    fn from_str(text: &str) -> Result<Checkpoint> {
        let invalid = || Error::InvalidRequest {
            message: format!("{text:?} is not a stream checkpoint (`v1;<shard>=<sequence>;…`)"),
        };
        let mut parts = text.split(';');
        if parts.next() != Some("v1") {
            return Err(invalid());
        }
        let mut checkpoint = Checkpoint::trim_horizon();
        let valid = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        for part in parts {
            if let Some(shard) = part.strip_suffix('!').filter(|s| valid(s)) {
                checkpoint.finished.insert(shard.to_owned());
            } else if let Some((shard, sequence)) = part.split_once('=') {
                if !valid(shard) || !valid(sequence) {
                    return Err(invalid());
                }
                checkpoint
                    .after
                    .insert(shard.to_owned(), sequence.to_owned());
            } else {
                return Err(invalid());
            }
        }
        Ok(checkpoint)
    }
}

/// How many empty pages in a row tell that an open shard holds nothing more for now.
const EMPTY_PAGES_CAUGHT_UP: u32 = 3;

/// A shard as the reader walks it.
struct Shard {
    id: String,
    parent: Option<String>,
    /// Closed: a split or the stream's end gave it a last sequence number.
    closed: bool,
}

impl StreamReader {
    /// The reader of the stream of `T`'s table (its latest stream), through `streams`.
    pub async fn of<T: crate::Table>(
        db: &crate::Db,
        streams: aws_sdk_dynamodbstreams::Client,
    ) -> Result<StreamReader> {
        let table = db.table_name_for(T::ENTITIES[0].table)?;
        let described = db
            .client()
            .describe_table()
            .table_name(&table)
            .send()
            .await
            .map_err(|e| Error::from_sdk("DescribeTable", &table, e))?;
        let arn = described
            .table
            .and_then(|t| t.latest_stream_arn)
            .ok_or_else(|| Error::InvalidRequest {
                message: format!(
                    "table `{table}` has no stream: enable one (CreateTable::stream, or the table's settings)"
                ),
            })?;
        Ok(StreamReader {
            streams,
            arn,
            table,
        })
    }

    /// The stream's ARN.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// Every record available from `checkpoint` on, read as `M` (a model, or a
    /// [`Collection`](crate::Collection) for a shared table; records of other entities are
    /// skipped but passed), in order within each shard, a parent shard's before its
    /// children's; `checkpoint` is advanced past them. A closed shard is read to its end, an
    /// open one until a few empty pages in a row (what is written so far).
    pub async fn read<M: StreamImage>(
        &self,
        checkpoint: &mut Checkpoint,
    ) -> Result<Vec<Change<M>>> {
        let mut out = Vec::new();
        self.walk(checkpoint, |record| {
            if let Some(change) = Change::<M>::from_stream_of(record, Some(&self.table))? {
                out.push(change);
            }
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// A checkpoint at the stream's end now: a read from it returns what is written after.
    /// (A stream position cannot be kept without a record's sequence number, so this reads
    /// past the records the stream holds, without decoding them: up to 24 hours of them.)
    pub async fn latest(&self) -> Result<Checkpoint> {
        let mut checkpoint = Checkpoint::trim_horizon();
        self.walk(&mut checkpoint, |_| Ok(())).await?;
        Ok(checkpoint)
    }

    /// Walks every shard from `checkpoint` (see [`StreamReader::read`]), handing each record
    /// to `each` and advancing the checkpoint past it.
    async fn walk(
        &self,
        checkpoint: &mut Checkpoint,
        mut each: impl FnMut(aws_sdk_dynamodbstreams::types::Record) -> Result<()>,
    ) -> Result<()> {
        let shards = self.shards().await?;
        // Shards the stream no longer holds (trimmed after 24 hours) leave the checkpoint.
        let listed: std::collections::BTreeSet<&str> =
            shards.iter().map(|s| s.id.as_str()).collect();
        checkpoint
            .after
            .retain(|id, _| listed.contains(id.as_str()));
        checkpoint
            .finished
            .retain(|id| listed.contains(id.as_str()));
        // A shard is read once its parent (if the stream still holds it) is finished.
        let mut pending: Vec<&Shard> = shards.iter().collect();
        while !pending.is_empty() {
            let Some(index) = next_ready(&pending, &listed, &checkpoint.finished) else {
                // Parents still open: their children wait for a later read.
                break;
            };
            let shard = pending.remove(index);
            if !checkpoint.finished.contains(&shard.id) {
                self.read_shard(shard, checkpoint, &mut each).await?;
            }
        }
        Ok(())
    }

    /// Every shard of the stream (DescribeStream, page by page).
    async fn shards(&self) -> Result<Vec<Shard>> {
        let mut shards = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let page = self
                .streams
                .describe_stream()
                .stream_arn(&self.arn)
                .set_exclusive_start_shard_id(start.take())
                .send()
                .await
                .map_err(|e| streams_error("DescribeStream", e))?;
            let Some(description) = page.stream_description else {
                break;
            };
            for shard in description.shards.unwrap_or_default() {
                let Some(id) = shard.shard_id else { continue };
                let closed = shard
                    .sequence_number_range
                    .is_some_and(|r| r.ending_sequence_number.is_some());
                shards.push(Shard {
                    id,
                    parent: shard.parent_shard_id,
                    closed,
                });
            }
            match description.last_evaluated_shard_id {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        Ok(shards)
    }

    /// Reads `shard` from where `checkpoint` is in it to what is available now (to its end
    /// when it is closed).
    async fn read_shard(
        &self,
        shard: &Shard,
        checkpoint: &mut Checkpoint,
        each: &mut impl FnMut(aws_sdk_dynamodbstreams::types::Record) -> Result<()>,
    ) -> Result<()> {
        use aws_sdk_dynamodbstreams::types::ShardIteratorType;
        let request = self
            .streams
            .get_shard_iterator()
            .stream_arn(&self.arn)
            .shard_id(&shard.id);
        let request = match checkpoint.after.get(&shard.id) {
            Some(sequence) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(sequence),
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let mut iterator = request
            .send()
            .await
            .map_err(|e| streams_error("GetShardIterator", e))?
            .shard_iterator;
        let mut empty_pages = 0;
        while let Some(current) = iterator {
            let page = self
                .streams
                .get_records()
                .shard_iterator(current)
                .send()
                .await
                .map_err(|e| streams_error("GetRecords", e))?;
            let records = page.records.unwrap_or_default();
            let empty = records.is_empty();
            for record in records {
                let sequence = record
                    .dynamodb
                    .as_ref()
                    .and_then(|s| s.sequence_number.clone());
                each(record)?;
                if let Some(sequence) = sequence {
                    checkpoint.after.insert(shard.id.clone(), sequence);
                }
            }
            iterator = page.next_shard_iterator;
            if iterator.is_none() {
                // A closed shard read to its end.
                checkpoint.finished.insert(shard.id.clone());
                checkpoint.after.remove(&shard.id);
            } else if empty && !shard.closed {
                // An open shard: an empty page may only mean a stretch without records
                // (DynamoDB says it "might take multiple calls" to reach them), so it is
                // caught up after a few empty pages in a row.
                empty_pages += 1;
                if empty_pages >= EMPTY_PAGES_CAUGHT_UP {
                    break;
                }
            } else {
                empty_pages = 0;
            }
        }
        Ok(())
    }
}

/// The first of `pending` whose parent is read to its end (or no longer held by the stream):
/// a child shard's records come after its parent's.
fn next_ready(
    pending: &[&Shard],
    listed: &std::collections::BTreeSet<&str>,
    finished: &std::collections::BTreeSet<String>,
) -> Option<usize> {
    pending.iter().position(|shard| {
        shard
            .parent
            .as_deref()
            .is_none_or(|parent| !listed.contains(parent) || finished.contains(parent))
    })
}

/// A DynamoDB Streams request's failure: it reads, so nothing was applied.
fn streams_error<E>(
    operation: &'static str,
    err: aws_sdk_dynamodbstreams::error::SdkError<
        E,
        aws_sdk_dynamodbstreams::config::http::HttpResponse,
    >,
) -> Error
where
    E: aws_sdk_dynamodbstreams::error::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    use aws_sdk_dynamodbstreams::error::ProvideErrorMetadata;
    use aws_sdk_dynamodbstreams::operation::RequestId;
    let (code, message) = (
        err.code().map(str::to_owned),
        err.message().map(str::to_owned),
    );
    let request_id = err.request_id().map(str::to_owned);
    Error::Sdk {
        operation,
        code,
        message,
        request_id,
        outcome: crate::error::Outcome::NotApplied,
        source: Box::new(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, parent: Option<&str>) -> Shard {
        Shard {
            id: id.into(),
            parent: parent.map(Into::into),
            closed: false,
        }
    }

    /// After a split, the children wait for their parent to be read to its end; a parent the
    /// stream no longer holds (trimmed) holds nothing back.
    #[test]
    fn a_child_shard_is_read_after_its_parent() {
        let (parent, child, orphan) = (
            shard("parent", None),
            shard("child", Some("parent")),
            shard("orphan", Some("trimmed")),
        );
        let pending = [&child, &orphan, &parent];
        let listed = ["parent", "child", "orphan"].into_iter().collect();
        let mut finished = std::collections::BTreeSet::new();
        assert_eq!(
            next_ready(&pending, &listed, &finished),
            Some(1),
            "the orphan"
        );
        assert_eq!(
            next_ready(&[&child], &listed, &finished),
            None,
            "the parent is open"
        );
        assert_eq!(next_ready(&[&child, &parent], &listed, &finished), Some(1));
        finished.insert("parent".to_owned());
        assert_eq!(next_ready(&[&child], &listed, &finished), Some(0));
    }
}
