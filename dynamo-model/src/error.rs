//! The one error type of the library.

use std::fmt;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::RequestId;

/// An item, as errors carry it (the crate's `Item`).
type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// Everything that can go wrong in a dynamo-model call.
///
/// Errors can carry stored data: the item of a failed condition, the keys of unprocessed
/// writes, each a [`StoredItem`]. `Display` never shows it; `Debug` (what `{:?}` in a log line
/// prints) shows attribute names and types with the values redacted, unless
/// [`show_item_values`] is turned on (for development). The data itself stays in the fields,
/// for code to read.
///
/// Errors caused by bad input (`InvalidValue`, `ItemTooLarge`, …) are raised before any request
/// is sent. Errors that come from DynamoDB are mapped to a distinct variant where a caller can act
/// on them (`AlreadyExists`, `ConditionFailed`); everything else is [`Error::Sdk`], which carries
/// DynamoDB's code, message and request id, says whether the request may have been applied, and
/// keeps the SDK's error as its source.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum Error {
    /// Stored data could not be read into the model: a required attribute is missing, or an
    /// attribute holds the wrong type or an unreadable value.
    #[error("attribute `{path}`{}{}: expected {expected}, found {found}", entity.as_ref().map(|e| format!(" of {e}")).unwrap_or_default(), item.as_ref().map(|i| format!(", the item {i}")).unwrap_or_default())]
    Attribute {
        /// Where in the item, e.g. `address.city` or `tags[3]`.
        path: String,
        /// The model (entity) the item was read as, e.g. `Order`: in a table shared by several
        /// entities, which one's rules the item broke.
        entity: Option<&'static str>,
        /// What the model expects there, e.g. `number (u32)`.
        expected: String,
        /// What the item holds, e.g. `string`, or `nothing` when the attribute is missing.
        found: String,
        /// Which item, when it was read from DynamoDB: its key and table, e.g.
        /// ``pk="u1", sk="profile" in table `users` `` (for a query of an index, the index's key
        /// too), so that one bad item among thousands can be found.
        item: Option<Box<str>>,
    },

    /// A value cannot be stored in DynamoDB (a float that is not finite or outside DynamoDB's
    /// number range, an empty key value, …). Raised before any request is sent.
    #[error("attribute `{path}`: {message}")]
    InvalidValue {
        /// The attribute path of the value.
        path: String,
        /// Why it cannot be stored, and what to do.
        message: String,
    },

    /// Validation rules failed (`#[dynamo(validate(..))]`, `constant`): every failure at once,
    /// each with its attribute path and rule. Raised before any request is sent.
    #[error("invalid item: {}", describe_violations(violations))]
    Validation {
        /// The failures, in field order.
        violations: Vec<Violation>,
    },

    /// The item is larger than DynamoDB's 400 KB item limit. Raised before any request is sent.
    #[error("item is {size} bytes, over DynamoDB's limit of {limit} bytes; store large values elsewhere (e.g. S3) and keep a reference")]
    ItemTooLarge {
        /// The item's size as DynamoDB counts it (attribute names plus values).
        size: usize,
        /// DynamoDB's limit: 400 KB.
        limit: usize,
    },

    /// `create` found an item with the same primary key already in the table.
    #[error("an item with this key already exists in table `{table}`")]
    AlreadyExists {
        /// The table written to (with any prefix).
        table: String,
    },

    /// `update` found no item with its key (use `upsert()` to create it instead).
    #[error("no item with this key in table `{table}`; an update changes an existing item (call `.upsert()` to create it when missing)")]
    NotFound {
        /// The table (with any prefix).
        table: String,
    },

    /// A read that expects at most one item (`Query::one`) found more.
    #[error("the query of table `{table}` matched more than one item where at most one was expected; narrow it, or take the first with `first()`")]
    MoreThanOne {
        /// The table (with any prefix).
        table: String,
    },

    /// The request's condition expression evaluated to false.
    #[error("the condition of the request on table `{table}` was not met")]
    ConditionFailed {
        /// The table written to (with any prefix).
        table: String,
        /// The item as it was, when the request asked for it back.
        item: Option<StoredItem>,
    },

    /// A batch could not complete every write or read after its retry budget (or a chunk failed
    /// outright, see `cause`). Holds every write and key not known to be done: nothing is
    /// dropped silently.
    #[error("the batch left {} writes and {} keys unprocessed{}", writes.len(), keys.len(), cause.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Unprocessed {
        /// Writes not done.
        writes: Vec<UnprocessedWrite>,
        /// Keys not read.
        keys: Vec<UnprocessedKey>,
        /// The error that stopped a chunk, if one did.
        cause: Option<Box<Error>>,
    },

    /// A batch write refused one of its writes (invalid, over a limit, a second write to a
    /// key) after it had sent the chunks before it: a batch builds and checks each chunk just
    /// before sending it (see [`BatchWrite`](crate::BatchWrite)). Writes `0..sent` (in the order
    /// they were added) were sent, and those not done are in `unprocessed`; no write from
    /// `sent` on was sent. A write refused before anything was sent is reported as itself.
    #[error("the batch refused write {index} ({error}) after sending writes 0..{sent} ({} of them not done); no write from {sent} on was sent{}", unprocessed.len(), cause.as_ref().map(|c| format!("; a chunk failed: {c}")).unwrap_or_default())]
    BatchStopped {
        /// Why the write was refused.
        error: Box<Error>,
        /// The write refused: its place in the batch, from 0, in the order writes were added.
        index: usize,
        /// How many writes, from the first, were sent: every write before the chunk that holds
        /// the refused one.
        sent: usize,
        /// Writes that were sent but not done (see [`Error::Unprocessed`]).
        unprocessed: Vec<UnprocessedWrite>,
        /// The error that stopped a chunk that was sent, if one did.
        cause: Option<Box<Error>>,
    },

    /// A transaction was canceled: nothing was written. One reason per action, in order; the
    /// actions that caused it have a code other than `None`.
    #[error("the transaction was canceled: {}", describe_reasons(reasons))]
    TransactionCanceled {
        /// One per action, in the order they were added.
        reasons: Vec<CancellationReason>,
    },

    /// Optimistic locking: the stored item's version is not the one this write expected
    /// (someone else wrote it since it was read). Read it again, reapply the change, retry.
    #[error("version conflict in table `{table}`: expected version {expected}, the stored item has {}", found.map_or_else(|| "none (it is gone)".to_owned(), |v| v.to_string()))]
    VersionConflict {
        /// The table (with any prefix).
        table: String,
        /// The version the write expected (0: that the item did not exist).
        expected: i128,
        /// The stored version, `None` when there is no item.
        found: Option<i128>,
    },

    /// The table does not exist (or is not active yet).
    #[error("table `{table}` does not exist; create it first (Db::create_table)")]
    TableNotFound {
        /// The table name (with any prefix).
        table: String,
    },

    /// An attribute path could not be parsed (`Path::parse`).
    #[error("invalid attribute path {path:?}: {message}")]
    InvalidPath {
        /// The text given.
        path: String,
        /// What is wrong with it.
        message: String,
    },

    /// A cursor could not be used: corrupted, altered, or from another table, index or query.
    /// Raised before any request is sent.
    #[error("{message}")]
    InvalidCursor {
        /// What is wrong with it.
        message: String,
    },

    /// The request is malformed and was not sent (a builder was missing a required part, an
    /// expression is over DynamoDB's limits, …).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong, and what to do.
        message: String,
    },

    /// The library could not do its own part: it broke one of its invariants (a bug in
    /// dynamo-model: please report it with this message), or the system refused it what it
    /// needs (threads for the blocking facade). Never the caller's request's fault; nothing was
    /// sent.
    #[error("dynamo-model internal error: {message}")]
    Internal {
        /// What failed.
        message: String,
    },

    /// Waiting for a table to become active (or to go away) failed or timed out.
    #[error("waiting for table `{table}` failed: {source}")]
    Wait {
        /// The table waited on.
        table: String,
        /// The waiter's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A request to DynamoDB failed for a reason no other variant covers: DynamoDB answered
    /// with an error (its `code`, `message` and `request_id` are here, and in `Display`), or
    /// the request failed on its way. `outcome` says whether it may have been applied.
    #[error("dynamodb {operation} request failed: {}", describe_sdk(code.as_deref(), message.as_deref(), request_id.as_deref(), *outcome))]
    Sdk {
        /// The DynamoDB operation, e.g. `PutItem`.
        operation: &'static str,
        /// DynamoDB's error code, e.g. `ValidationException`; `None` when no answer came.
        code: Option<String>,
        /// DynamoDB's message, e.g. `Item size has exceeded the maximum allowed size`, or what
        /// failed on the way.
        message: Option<String>,
        /// DynamoDB's request id, for AWS support.
        request_id: Option<String>,
        /// Whether the request may have been applied.
        outcome: Outcome,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A write that may have been applied, and whose outcome could not be proved either way:
    /// an attempt was sent and no answer came back (or DynamoDB failed while handling it), and
    /// what the library could learn since does not tell (see "Failures and retries" in the
    /// crate docs). Read the item before writing it again; a transaction or an
    /// [`Update::exactly_once`](crate::Update::exactly_once) can instead be sent again with
    /// [`Known::token`] within 10 minutes, and DynamoDB answers with the true outcome.
    #[error("the {operation} on table `{table}` may or may not have been applied: {cause}{known}")]
    OutcomeUnknown {
        /// The DynamoDB operation.
        operation: &'static str,
        /// The table (with any prefix).
        table: String,
        /// The failure after which the write may have been applied.
        cause: Box<Error>,
        /// What the library learned since, and how to learn the rest.
        known: Box<Known>,
    },

    /// A write that asked for the item as it was before (`return_old`, `return_updated_old`)
    /// was applied — the library proved it by its write token — but that item was only in the
    /// answer, which was lost. The write is in the table; what it replaced is not known.
    #[error("the {operation} on table `{table}` was applied, but its answer, which held the item as it was before, was lost")]
    AnswerLost {
        /// The DynamoDB operation.
        operation: &'static str,
        /// The table (with any prefix).
        table: String,
    },

    /// Starting or reaching DynamoDB Local failed (feature `local`).
    #[cfg(feature = "local")]
    #[error(transparent)]
    Local(#[from] crate::local::LocalError),
}

static SHOW_ITEM_VALUES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `Debug` of errors (and of the reasons and unprocessed writes in them) and of request
/// builders prints stored values. Off by default: log lines get attribute names and types, not the data.
pub fn show_item_values(show: bool) {
    SHOW_ITEM_VALUES.store(show, std::sync::atomic::Ordering::Relaxed);
}

/// Whether [`show_item_values`] is on.
pub(crate) fn showing_item_values() -> bool {
    SHOW_ITEM_VALUES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Stored data in `Debug`: as it is when [`show_item_values`] is on, names and types otherwise.
pub(crate) struct Redacted<'a>(pub(crate) &'a Item);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if showing_item_values() {
            return fmt::Debug::fmt(self.0, f);
        }
        let mut names: Vec<&String> = self.0.keys().collect();
        names.sort();
        let mut map = f.debug_map();
        for name in names {
            map.entry(name, &format_args!("{}(..)", type_code(&self.0[name])));
        }
        map.finish()
    }
}

/// Stored data an error carries (an item, or the key attributes of one): the map itself, as
/// DynamoDB returned it, behind a `Debug` that prints attribute names and types and redacts the
/// values unless [`show_item_values`] is on. Reads like the map (`Deref`); [`StoredItem::into_inner`]
/// takes it out.
#[derive(Clone, PartialEq, Default)]
pub struct StoredItem(Item);

impl StoredItem {
    /// The map.
    pub fn into_inner(self) -> Item {
        self.0
    }
}

impl From<Item> for StoredItem {
    fn from(item: Item) -> Self {
        StoredItem(item)
    }
}

impl From<StoredItem> for Item {
    fn from(item: StoredItem) -> Self {
        item.0
    }
}

impl std::ops::Deref for StoredItem {
    type Target = Item;

    fn deref(&self) -> &Item {
        &self.0
    }
}

impl std::ops::DerefMut for StoredItem {
    fn deref_mut(&mut self) -> &mut Item {
        &mut self.0
    }
}

impl fmt::Debug for StoredItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Redacted(&self.0), f)
    }
}

/// A value's DynamoDB type code, for redacted output.
fn type_code(value: &aws_sdk_dynamodb::types::AttributeValue) -> &'static str {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value {
        V::S(_) => "S",
        V::N(_) => "N",
        V::B(_) => "B",
        V::Bool(_) => "BOOL",
        V::Null(_) => "NULL",
        V::Ss(_) => "SS",
        V::Ns(_) => "NS",
        V::Bs(_) => "BS",
        V::L(_) => "L",
        V::M(_) => "M",
        _ => "?",
    }
}

/// What is known of a write whose outcome is unknown ([`Error::OutcomeUnknown`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Known {
    /// What the library saw since the lost answer, when it looked: e.g. that another writer
    /// has written the item since.
    pub seen: Option<String>,
    /// The stored item's version when the library last saw it (versioned models).
    pub stored_version: Option<i128>,
    /// The idempotency token of a transaction or an `exactly_once` update: the same request
    /// sent again with it ([`TransactWrite::token`](crate::TransactWrite::token),
    /// [`Update::token`](crate::Update::token)) within 10 minutes is applied at most once, and
    /// its answer is the outcome.
    pub token: Option<String>,
}

/// `; what was seen; what to do`, after the cause.
impl fmt::Display for Known {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(seen) = &self.seen {
            write!(f, "; {seen}")?;
        }
        match &self.token {
            Some(token) => write!(
                f,
                "; send it again with its idempotency token {token:?} within 10 minutes to learn the outcome"
            ),
            None => f.write_str("; read the item before writing it again"),
        }
    }
}

/// Whether a request may have been applied, when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Nothing was applied: DynamoDB refused the request (a client error, throttling), it was
    /// never sent, or it only reads (a get, a query, …), which changes nothing.
    NotApplied,
    /// The request may have been applied: it was sent and no answer came back, or DynamoDB
    /// failed while handling it (a 5xx).
    Unknown,
}

fn describe_sdk(
    code: Option<&str>,
    message: Option<&str>,
    request_id: Option<&str>,
    outcome: Outcome,
) -> String {
    let mut text = match (code, message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        (None, Some(message)) => message.to_owned(),
        (None, None) => "no answer".to_owned(),
    };
    if let Some(id) = request_id {
        text.push_str(&format!(" (request id {id})"));
    }
    if outcome == Outcome::Unknown {
        text.push_str("; it may have been applied");
    }
    text
}

fn describe_violations(violations: &[Violation]) -> String {
    let all: Vec<String> = violations.iter().map(ToString::to_string).collect();
    all.join("; ")
}

/// Names an item for an error, by its key and table: ``pk="u1", sk=5 in table `users` ``.
pub(crate) fn describe_item<'a>(
    table: &str,
    key: impl IntoIterator<Item = (&'a str, &'a aws_sdk_dynamodb::types::AttributeValue)>,
) -> String {
    let mut text = String::new();
    for (name, value) in key {
        if !text.is_empty() {
            text.push_str(", ");
        }
        use aws_sdk_dynamodb::types::AttributeValue;
        let value = match value {
            AttributeValue::S(s) => format!("{s:?}"),
            AttributeValue::N(n) => n.clone(),
            AttributeValue::B(b) => format!("<{} bytes>", b.as_ref().len()),
            other => type_code(other).to_owned(),
        };
        text.push_str(&format!("{name}={value}"));
    }
    format!("{text} in table `{table}`")
}

/// Names the item with the key `key` for an error.
pub(crate) fn describe_key(table: &str, key: &Item) -> String {
    let mut parts: Vec<(&str, &aws_sdk_dynamodb::types::AttributeValue)> =
        key.iter().map(|(k, v)| (k.as_str(), v)).collect();
    parts.sort_by_key(|(k, _)| *k);
    describe_item(table, parts)
}

fn describe_reasons(reasons: &[CancellationReason]) -> String {
    let failed: Vec<String> = reasons
        .iter()
        .enumerate()
        .filter(|(_, r)| r.failed())
        .map(|(_, r)| {
            format!(
                "action {} ({} {}): {}",
                r.action,
                r.model,
                describe_key(&r.table, &r.key),
                r.code
            )
        })
        .collect();
    if failed.is_empty() {
        "no reason given".into()
    } else {
        failed.join(", ")
    }
}

/// `Result` with [`Error`] as its error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A copy of an error a builder kept for `send` (bad input, found before sending), so that
    /// both `request()` and `send()` can report it.
    pub(crate) fn replay(&self) -> Error {
        match self {
            Error::InvalidValue { path, message } => Error::InvalidValue {
                path: path.clone(),
                message: message.clone(),
            },
            Error::Validation { violations } => Error::Validation {
                violations: violations.clone(),
            },
            Error::InvalidPath { path, message } => Error::InvalidPath {
                path: path.clone(),
                message: message.clone(),
            },
            Error::Attribute {
                path,
                entity,
                expected,
                found,
                item,
            } => Error::Attribute {
                path: path.clone(),
                entity: *entity,
                expected: expected.clone(),
                found: found.clone(),
                item: item.clone(),
            },
            other => Error::InvalidRequest {
                message: other.to_string(),
            },
        }
    }

    /// This error, about action `index` (a `model`) of a transaction or an item of a batch,
    /// named `what` (`actions`, `items`): its paths become `actions[2] (OrderLine).sku`.
    pub(crate) fn in_action(self, what: &str, index: usize, model: &str) -> Error {
        let prefix = |path: &str| {
            if path.is_empty() {
                format!("{what}[{index}] ({model})")
            } else {
                format!("{what}[{index}] ({model}).{path}")
            }
        };
        match self {
            Error::Validation { violations } => Error::Validation {
                violations: violations
                    .into_iter()
                    .map(|v| Violation {
                        path: prefix(&v.path),
                        ..v
                    })
                    .collect(),
            },
            Error::InvalidValue { path, message } => Error::InvalidValue {
                path: prefix(&path),
                message,
            },
            Error::InvalidRequest { message } => Error::InvalidRequest {
                message: format!("{what}[{index}] ({model}): {message}"),
            },
            other => other,
        }
    }

    /// A read error about the item `describe` names (its key and table).
    pub(crate) fn about_item(self, describe: impl FnOnce() -> String) -> Error {
        match self {
            Error::Attribute {
                path,
                entity,
                expected,
                found,
                item: None,
            } => Error::Attribute {
                path,
                entity,
                expected,
                found,
                item: Some(describe().into()),
            },
            other => other,
        }
    }

    /// A read error about an item read as the model `entity` (`Order`).
    pub(crate) fn of_entity(self, name: &'static str) -> Error {
        match self {
            Error::Attribute {
                path,
                entity: None,
                expected,
                found,
                item,
            } => Error::Attribute {
                path,
                entity: Some(name),
                expected,
                found,
                item,
            },
            other => other,
        }
    }

    /// Maps an SDK error: a missing table and a failed condition get their own variants, the
    /// rest is [`Error::Sdk`] with DynamoDB's code, message and request id, and whether the
    /// request may have been applied.
    pub(crate) fn from_sdk<E>(
        operation: &'static str,
        table: &str,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        SdkError<E, HttpResponse>: RequestId,
        aws_sdk_dynamodb::Error: From<SdkError<E, HttpResponse>>,
    {
        // A read changes nothing, whatever became of it.
        let outcome = if READS.contains(&operation) {
            Outcome::NotApplied
        } else {
            sdk_outcome(&err)
        };
        let request_id = err.request_id().map(str::to_owned);
        let (code, message) = match &err {
            SdkError::ServiceError(service) => (
                service.err().code().map(str::to_owned),
                service.err().message().map(str::to_owned),
            ),
            other => (None, Some(transport_message(other))),
        };
        match aws_sdk_dynamodb::Error::from(err) {
            aws_sdk_dynamodb::Error::ResourceNotFoundException(_) => Error::TableNotFound {
                table: table.to_owned(),
            },
            aws_sdk_dynamodb::Error::ConditionalCheckFailedException(e) => Error::ConditionFailed {
                table: table.to_owned(),
                item: e.item.map(StoredItem),
            },
            source => Error::Sdk {
                operation,
                code,
                message,
                request_id,
                outcome,
                source: Box::new(source),
            },
        }
    }
}

/// The operations that only read: none of their failures "may have been applied".
const READS: [&str; 8] = [
    "GetItem",
    "BatchGetItem",
    "TransactGetItems",
    "Query",
    "Scan",
    "DescribeTable",
    "DescribeTimeToLive",
    "ListTables",
];

/// Whether a failed request may have been applied. DynamoDB applies nothing it answers with a
/// client error (4xx: a refused request, throttling); after a server error (5xx), a timeout or a
/// connection lost after sending, it may have. A connection that was never made sent nothing.
pub(crate) fn sdk_outcome<E>(err: &SdkError<E, HttpResponse>) -> Outcome {
    match err {
        SdkError::ConstructionFailure(_) => Outcome::NotApplied,
        SdkError::ServiceError(service) if service.raw().status().as_u16() < 500 => {
            Outcome::NotApplied
        }
        SdkError::DispatchFailure(_) if never_connected(err) => Outcome::NotApplied,
        _ => Outcome::Unknown,
    }
}

/// Whether a dispatch failed before a connection was made (refused, unreachable, no address):
/// then nothing was sent.
fn never_connected<E, R>(err: &SdkError<E, R>) -> bool {
    let SdkError::DispatchFailure(failure) = err else {
        return false;
    };
    let mut next: Option<&(dyn std::error::Error + 'static)> = failure
        .as_connector_error()
        .and_then(std::error::Error::source);
    while let Some(cause) = next {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(io.kind(), ConnectionRefused | AddrNotAvailable | NotFound) {
                return true;
            }
        }
        // hyper-util says "client error (Connect)" for a connection it could not make.
        if cause.to_string().contains("(Connect)") {
            return true;
        }
        next = cause.source();
    }
    false
}

/// What failed, for a request that got no answer from DynamoDB.
fn transport_message<E: std::error::Error + 'static>(err: &SdkError<E, HttpResponse>) -> String {
    let what = match err {
        SdkError::ConstructionFailure(_) => "the request could not be built",
        SdkError::TimeoutError(_) => "no answer came in time",
        SdkError::DispatchFailure(_) if never_connected(err) => "no connection could be made",
        SdkError::DispatchFailure(_) => "the connection failed before an answer came",
        SdkError::ResponseError(_) => "the answer could not be read",
        _ => "the request failed",
    };
    // The innermost cause says most (`connection reset`, `operation timed out`).
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("{what} ({cause})")
}

/// Why a single value could not be converted, with the path where it happened.
///
/// Conversions return this; the model's `from_item` / `to_item` turn it into
/// [`Error::Attribute`] or [`Error::InvalidValue`] with the full path. It is boxed so that the
/// `Result` of a conversion stays as small as the value it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrError(Box<AttrErrorInner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct AttrErrorInner {
    path: AttrPath,
    kind: AttrErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum AttrErrorKind {
    /// Reading: the stored value does not fit.
    Mismatch { expected: String, found: String },
    /// Writing: the value cannot be represented in DynamoDB.
    Invalid { message: String },
}

impl AttrError {
    /// A stored value of the wrong type or form.
    pub fn mismatch(expected: impl Into<String>, found: impl Into<String>) -> Self {
        Self::new(AttrErrorKind::Mismatch {
            expected: expected.into(),
            found: found.into(),
        })
    }

    /// A required attribute that is not there.
    pub fn missing(expected: impl Into<String>) -> Self {
        Self::mismatch(expected, "nothing (the attribute is missing)")
    }

    /// A value that cannot be written to DynamoDB.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(AttrErrorKind::Invalid {
            message: message.into(),
        })
    }

    fn new(kind: AttrErrorKind) -> Self {
        AttrError(Box::new(AttrErrorInner {
            path: AttrPath::default(),
            kind,
        }))
    }

    /// Prefixes the path with an attribute (map key) name. Errors bubble up from the innermost
    /// value, so segments are added outermost last.
    #[must_use]
    pub fn in_attribute(mut self, name: &str) -> Self {
        self.0.path.push_front_key(name);
        self
    }

    /// Prefixes the path with a list index.
    #[must_use]
    pub fn in_index(mut self, index: usize) -> Self {
        self.0.path.push_front_index(index);
        self
    }

    /// The path where the error happened.
    pub fn path(&self) -> &AttrPath {
        &self.0.path
    }
}

impl fmt::Display for AttrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Error::from(self.clone()), f)
    }
}

impl std::error::Error for AttrError {}

impl From<AttrError> for Error {
    fn from(err: AttrError) -> Self {
        let AttrErrorInner { path, kind } = *err.0;
        let path = path.to_string();
        match kind {
            AttrErrorKind::Mismatch { expected, found } => Error::Attribute {
                path,
                entity: None,
                expected,
                found,
                item: None,
            },
            AttrErrorKind::Invalid { message } => Error::InvalidValue { path, message },
        }
    }
}

/// Why a transaction or batch whose actions (`what`: `actions`, `items`) met `errors` (each
/// with its place and model) cannot be sent: every failed rule at once, each path naming its
/// action (`actions[2] (OrderLine).sku`); an error other than failed rules, with its action
/// named, before them.
pub(crate) fn refusal(what: &str, errors: Vec<(usize, &'static str, Error)>) -> Option<Error> {
    if errors.is_empty() {
        return None;
    }
    let mut violations = Vec::new();
    for (index, model, error) in errors {
        match error.in_action(what, index, model) {
            Error::Validation { violations: more } => violations.extend(more),
            other => return Some(other),
        }
    }
    Some(Error::Validation { violations })
}

/// A text that names no variant of a stored enum: what `str::parse` of an enum deriving
/// `Attributes` gives (its `FromStr` reads the names the enum is stored as).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{found:?} is not {expected}")]
pub struct ParseEnumError {
    /// The text given.
    pub found: String,
    /// The names the enum is stored as: `one of "pending", "paid"`.
    pub expected: &'static str,
}

// ---- what errors carry ----------------------------------------------------------------------

/// A write a batch could not complete: its table, its key, whether it may have been applied,
/// and the request when the batch still holds it. `Debug` redacts stored values (see
/// [`show_item_values`]).
#[derive(Clone, PartialEq)]
pub struct UnprocessedWrite {
    /// The table (with any prefix).
    pub table: String,
    /// The key of the item written (its hash and range key attributes).
    pub key: StoredItem,
    /// [`Outcome::NotApplied`] when every attempt that carried it was refused or returned it
    /// unprocessed; [`Outcome::Unknown`] when one may have applied it (a 5xx, a lost answer):
    /// read the item to know.
    pub outcome: Outcome,
    /// The put or delete as DynamoDB takes it, when DynamoDB returned it unprocessed through
    /// every attempt. `None` when its chunk failed outright (the error is the `cause` of
    /// [`Error::Unprocessed`]): the request went to the SDK, which keeps it. The batch keeps no
    /// copy of every item for that case, which would cost as much as converting it; the caller
    /// has the items.
    pub request: Option<aws_sdk_dynamodb::types::WriteRequest>,
}

/// A key a batch get could not read, with its table. `Debug` redacts the key's values.
#[derive(Clone, PartialEq, Debug)]
pub struct UnprocessedKey {
    /// The table (with any prefix).
    pub table: String,
    /// The key.
    pub key: StoredItem,
}

impl fmt::Debug for UnprocessedWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let request = self
            .request
            .as_ref()
            .map(|r| match (r.put_request(), r.delete_request()) {
                (Some(put), _) => format!("Put {:?}", Redacted(&put.item)),
                (None, Some(delete)) => format!("Delete {:?}", Redacted(&delete.key)),
                _ => "?".to_owned(),
            });
        f.debug_struct("UnprocessedWrite")
            .field("table", &self.table)
            .field("key", &self.key)
            .field("outcome", &self.outcome)
            .field("request", &request)
            .finish()
    }
}

/// Why one action of a canceled transaction failed (or [`CancellationCode::None`] when it did
/// not), and which action it is. `Debug` redacts the stored item's values and the key's (see
/// [`show_item_values`]).
#[derive(Clone, PartialEq, Debug)]
pub struct CancellationReason {
    /// What DynamoDB said of the action.
    pub code: CancellationCode,
    /// DynamoDB's message, if any.
    pub message: Option<String>,
    /// The item as stored, when the transaction asked for it
    /// ([`TransactWrite::return_items_on_condition_failure`](crate::TransactWrite::return_items_on_condition_failure)) and the action's condition failed.
    pub item: Option<StoredItem>,
    /// For an update whose relative changes (`add`, `sub`, `append`, …) would have broken an
    /// attribute's `range` or `length` rule: which, read from the stored item.
    pub violations: Vec<Violation>,
    /// The action's place in the transaction, from 0, in the order actions were added.
    pub action: usize,
    /// The action's model, as named in its source: `OrderLine`.
    pub model: &'static str,
    /// The table the action wrote or checked (with any prefix).
    pub table: String,
    /// The key of the item the action wrote or checked.
    pub key: StoredItem,
}

impl CancellationReason {
    /// Whether this action caused the cancellation.
    pub fn failed(&self) -> bool {
        self.code != CancellationCode::None
    }
}

/// What DynamoDB said of one action of a canceled transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancellationCode {
    /// The action was fine: another one canceled the transaction.
    None,
    /// Its condition failed: a `check` that did not hold, a create of a key that exists, a
    /// version that moved on, a relative update past a rule (see
    /// [`CancellationReason::violations`]).
    ConditionalCheckFailed,
    /// Another transaction or write was changing the item at the same time; send it again.
    TransactionConflict,
    /// The item collection of a local secondary index would pass 10 GB.
    ItemCollectionSizeLimitExceeded,
    /// DynamoDB refused the action for load.
    ThrottlingError,
    /// The table's provisioned throughput is exceeded.
    ProvisionedThroughputExceeded,
    /// The action is malformed (an attribute of the wrong type for a key, an item over 400 KB).
    ValidationError,
    /// A code this release does not know, as DynamoDB wrote it.
    Other(String),
}

impl CancellationCode {
    /// The code DynamoDB answered (`None` when it answered none).
    pub(crate) fn from_code(code: Option<&str>) -> Self {
        const KNOWN: [CancellationCode; 7] = [
            CancellationCode::None,
            CancellationCode::ConditionalCheckFailed,
            CancellationCode::TransactionConflict,
            CancellationCode::ItemCollectionSizeLimitExceeded,
            CancellationCode::ThrottlingError,
            CancellationCode::ProvisionedThroughputExceeded,
            CancellationCode::ValidationError,
        ];
        let Some(code) = code else {
            return CancellationCode::None;
        };
        // Each name is written once, in `as_str`.
        KNOWN
            .into_iter()
            .find(|known| known.as_str() == code)
            .unwrap_or_else(|| CancellationCode::Other(code.to_owned()))
    }

    /// The code as DynamoDB writes it.
    pub fn as_str(&self) -> &str {
        match self {
            CancellationCode::None => "None",
            CancellationCode::ConditionalCheckFailed => "ConditionalCheckFailed",
            CancellationCode::TransactionConflict => "TransactionConflict",
            CancellationCode::ItemCollectionSizeLimitExceeded => "ItemCollectionSizeLimitExceeded",
            CancellationCode::ThrottlingError => "ThrottlingError",
            CancellationCode::ProvisionedThroughputExceeded => "ProvisionedThroughputExceeded",
            CancellationCode::ValidationError => "ValidationError",
            CancellationCode::Other(code) => code,
        }
    }
}

/// The code as DynamoDB writes it: `ConditionalCheckFailed`.
impl fmt::Display for CancellationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---- paths, for error messages ------------------------------------------------------------

/// Where a value sits in an item, for error messages: `address.city`, `tags[3]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttrPath {
    /// Segments innermost first: errors are built from the inside out.
    reversed: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl AttrPath {
    pub(crate) fn push_front_key(&mut self, key: &str) {
        self.reversed.push(Segment::Key(key.to_owned()));
    }

    pub(crate) fn push_front_index(&mut self, index: usize) {
        self.reversed.push(Segment::Index(index));
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.reversed.iter().rev().enumerate() {
            match segment {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) if is_plain(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write!(f, "{k:?}")?;
                }
            }
        }
        Ok(())
    }
}

/// A map key that reads unambiguously without quotes.
fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '#')
}

/// One failed rule: where, which rule, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The attribute path, e.g. `address.city` or `items[3].sku`; empty for a struct-level rule
    /// on the item itself.
    pub path: String,
    /// The rule: `range`, `length`, `non_empty`, `regex`, `email`, `one_of`, `custom`,
    /// `constant` or `validate` (a struct-level rule).
    pub rule: &'static str,
    /// What is wrong, e.g. `must be at most 150, is 200`.
    pub message: String,
}

impl Violation {
    /// A failure a struct-level `validate` function reports on one of its fields: `field` is
    /// the stored attribute name (or a path inside the struct, like `dates.end`).
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            path: field.into(),
            rule: "validate",
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "the item {} ({})", self.message, self.rule)
        } else {
            write!(f, "`{}` {} ({})", self.path, self.message, self.rule)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    /// Every code DynamoDB documents reads as its variant and writes back as it came; a code
    /// added later is kept as written; no code is an action that did not fail.
    #[test]
    fn cancellation_codes_read_as_written() {
        for code in [
            "None",
            "ConditionalCheckFailed",
            "TransactionConflict",
            "ItemCollectionSizeLimitExceeded",
            "ThrottlingError",
            "ProvisionedThroughputExceeded",
            "ValidationError",
        ] {
            let read = CancellationCode::from_code(Some(code));
            assert!(!matches!(read, CancellationCode::Other(_)), "{code}");
            assert_eq!(read.as_str(), code);
        }
        assert_eq!(
            CancellationCode::from_code(Some("SomethingNew")),
            CancellationCode::Other("SomethingNew".into())
        );
        assert_eq!(CancellationCode::from_code(None), CancellationCode::None);
    }

    #[test]
    fn debug_redacts_stored_values_unless_asked() {
        let item = Item::from([
            (
                "email".to_owned(),
                AttributeValue::S("ada@example.com".into()),
            ),
            ("balance".to_owned(), AttributeValue::N("1200".into())),
        ]);
        let err = Error::ConditionFailed {
            table: "accounts".into(),
            item: Some(item.into()),
        };
        let redacted = format!("{err:?}");
        assert_eq!(
            redacted,
            r#"ConditionFailed { table: "accounts", item: Some({"balance": N(..), "email": S(..)}) }"#
        );
        assert!(!err.to_string().contains("ada@"));
        show_item_values(true);
        let shown = format!("{err:?}");
        show_item_values(false);
        assert!(shown.contains("ada@example.com"), "{shown}");
    }
}
