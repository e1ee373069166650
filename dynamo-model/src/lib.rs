//! # dynamo-model
//!
//! Typed models for Amazon DynamoDB. Derive [`Model`] on a plain struct and get its schema,
//! conversions that build `AttributeValue`s directly, a typed primary key and typed attribute
//! handles; [`Db`] turns model operations into DynamoDB requests.
//!
//! ```
//! use std::collections::HashSet;
//! use dynamo_model::prelude::*;
//!
//! #[derive(Model, Debug, Clone, PartialEq)]
//! #[dynamo(table = "users")]
//! #[dynamo(gsi(name = "by_email", hash = "email"))]
//! pub struct User {
//!     #[dynamo(hash_key)]
//!     pub id: String,
//!     #[dynamo(validate(email))]
//!     pub email: String,
//!     #[dynamo(validate(range(max = 150)))]
//!     pub age: u32,
//!     pub nickname: Option<String>, // absent when None
//!     pub tags: HashSet<String>,    // a string set; absent when empty
//! }
//!
//! # #[cfg(feature = "local")]
//! #[tokio::main]
//! async fn main() -> Result<(), dynamo_model::Error> {
//!     // DynamoDB Local (feature "local"); on AWS: `let db = Db::from_env().await;`
//!     let local = dynamo_model::local::DynamoDbLocal::start().await?;
//!     let db = local.db();
//!     db.create_table::<User>().if_not_exists().send().await?;
//!
//!     let user = User {
//!         id: "u1".into(),
//!         email: "ada@example.com".into(),
//!         age: 36,
//!         nickname: None,
//!         tags: HashSet::from(["admin".to_owned()]),
//!     };
//!     db.create(&user).send().await?; // Error::AlreadyExists if the key is taken
//!     let read: Option<User> = db.get(UserKey::new("u1")).consistent().send().await?;
//!     assert_eq!(read.as_ref(), Some(&user));
//!
//!     assert!(matches!(db.create(&user).send().await, Err(Error::AlreadyExists { .. })));
//!     // Checked before sending: every failed rule, with its attribute path.
//!     let bad = User { email: "nope".into(), age: 200, ..user.clone() };
//!     let Err(Error::Validation { violations }) = db.put(&bad).send().await else { panic!() };
//!     assert_eq!(violations.len(), 2);
//!     db.delete(UserKey::new("u1")).send().await?;
//!     assert_eq!(db.get(UserKey::new("u1")).consistent().send().await?, None);
//!     Ok(())
//! }
//! # #[cfg(not(feature = "local"))]
//! # fn main() {}
//! ```
//!
// The link resolves only where the module exists: docs built without the feature say it plainly.
#![cfg_attr(
    feature = "local",
    doc = "With the `local` feature, [`local::DynamoDbLocal`] starts DynamoDB Local for tests and"
)]
#![cfg_attr(
    not(feature = "local"),
    doc = "With the `local` feature, `local::DynamoDbLocal` starts DynamoDB Local for tests and"
)]
//! examples: `let local = DynamoDbLocal::start().await?; let db = local.db();`.
//!
//! ## Attribute types
//!
//! | Rust | DynamoDB |
//! | --- | --- |
//! | `String` | `S` |
//! | integers (`i8`..`i128`, `u8`..`u128`), `f32`, `f64` | `N`, exact: `u64::MAX` and `i64::MIN` round-trip, floats bit-exactly (`-0.0` reads back as `0.0`: DynamoDB has no negative zero); NaN, infinities and numbers outside DynamoDB's range are errors before sending |
//! | `bool` | `BOOL` |
//! | `Timestamp` | `S`, RFC 3339 with milliseconds (sorts like time; a key, a range condition); `N` for `created_at`/`updated_at` in an epoch format |
//! | `Vec<u8>`, `bytes::Bytes`, `Blob` | `B` |
//! | `Option<T>` | `T`, or absent when `None` (`NULL` reads as `None`) |
//! | `Vec<T>` | `L` |
//! | `HashMap<String, T>`, `BTreeMap<String, T>` | `M` |
//! | `HashSet`/`BTreeSet` of strings, numbers, binaries | `SS`, `NS`, `BS`; an empty set is stored as an absent attribute and reads back empty |
//! | [`FloatSet<f64>`](FloatSet), `FloatSet<f32>` | `NS` (floats are not `Eq`/`Hash`/`Ord`, so a `HashSet` cannot hold them) |
//! | `uuid::Uuid` (feature `uuid`) | `S`, hyphenated lowercase (a key; sets; string order is byte order, time order for v7) |
//! | `chrono::DateTime<Utc>` (feature `chrono`), `time::OffsetDateTime` (feature `time`) | `S`, RFC 3339 in UTC with nanoseconds, fixed width (a key, a range condition); as `created_at`/`updated_at`, milliseconds in the field's format, like `Timestamp` |
//! | `rust_decimal::Decimal` (feature `rust_decimal`) | `N`, exact (a key, sets, `add`); a stored number a `Decimal` cannot hold exactly is an error, never rounded |
//! | `serde_json::Value` (feature `serde_json`) | native `M`, `L`, `S`, `N`, `BOOL`; `null` absent (`NULL` inside); numbers exact as `i64`/`u64`/`f64` |
//! | `#[derive(Attributes)]` structs | `M` (a nested document, with typed paths into it) |
//! | `#[derive(Attributes)]` enums of unit variants | `S` (a key, sets) |
//! | any serde type, with `#[dynamo(serde)]` | through serde_dynamo |
//!
//! ## Derive options
//!
//! [`guide::derive_options`] has a table of every option of `#[derive(Model)]` and
//! `#[derive(Attributes)]` (where it goes, what it does, an example), the validation rules, the
//! names of the generated items (`Order::SHIP_TO`, `Order::BY_STATUS`,
//! `OrderKey::new(hash, range)`, `order.key()`) and the order rules apply in.
//! [`guide::coming_from_dynamoose`] maps each Dynamoose concept to this library.
//! [`guide::single_table_design`] shows several entities in one table: key templates
//! (`hash_key = "CUSTOMER#{customer_id}"`), [`table!`], [`Collection`]s, sparse indexes and
//! [`Db::check_table`].
//!
//! Every write runs [`Model::validate`] first and sends nothing when a rule fails;
//! [`Error::Validation`] lists every failure with its path and rule.
//!
//! ## Rules on every operation
//!
//! Each rule lives in one place that every operation passes through: the **write pipeline**
//! turns a model value into the item to store, the **read pipeline** turns a stored item into a
//! model. No operation assembles its own sequence of rules, so none can skip one.
//!
//! Writes, in this order: validation (field rules, `constant`, struct rules) → conversion
//! (`force_default`, `set` transforms, `flatten`) → version (create stores 1; put stores the
//! version read + 1 and requires the stored one to be it) → timestamps (`updated_at` now,
//! `created_at` now on create or when unset) → write token (a single conditional write's, see
//! "Failures and retries") → limits (key values, item size). Updates apply
//! the same rules to their actions: a value written whole is type-checked (untyped paths
//! included), checked against its field's rules and transformed; a relative change (`add`,
//! `sub`, `plus`, `minus`, `append`, `delete` of members) gets a condition that keeps the
//! result inside its field's `range` and `length` rules, and a rule it cannot guard (`custom`,
//! `regex`, …, a `set` transform) refuses it; the version is bumped and timestamps set; an
//! upsert writes the `constant` attributes and must set every required attribute (or find the
//! item); a struct-level rule refuses an update unless [`Update::skip_item_rules`] is called.
//!
//! Reads, in this order: TTL (an expired item is absent; queries, scans and counts filter on
//! the server so `limit` counts live items) → entity (`constant` attributes: listings filter
//! other entities out on the server, a read by key of another entity's item is
//! [`Error::Attribute`]) → decoding (aliases, defaults, `get` transforms, required attributes).
//! An expired item is absent for writes too: a create may replace it, an update does not find
//! it, an upsert creates the item afresh, and a condition holds on it exactly when it would on
//! no item.
//!
//! The table below is `tests/suite/conformance.rs`, one test per row and one case per column, run
//! against DynamoDB Local; that file reads this table and holds its columns and rows to its
//! own, and every ✗ to what the row's test saw refused before sending. ✓ the rule holds; ✗ the operation refuses before sending;
//! ◇ DynamoDB enforces it through a condition or filter the library adds; · the operation
//! writes no value and reads no item the rule could act on. Key templates (attributes composed
//! from fields) are checked the same way, on every write and every read by key, by
//! `templates_on_every_operation` in `tests/suite/single_table.rs`, and index sparseness (an item out
//! of an index carries none of its keys) on every write by `an_index_is_sparse_on_every_write`.
//!
//! | rule | create | put | update | upsert | delete | batch put¹ | batch delete | batch get | tx create | tx put | tx put_if | tx update | tx delete | tx check | tx get | get | query | scan | stream | collection | count |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | validation² | ✗ | ✗ | ✗ ◇ | ✗ ◇ | · | ✗ | · | · | ✗ | ✗ | ✗ | ✗ ◇ | · | · | · | · | · | · | · | · | · |
//! | `set` | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | `get` | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | ✓ | · | · | · | · | · | · | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | · |
//! | `force_default`³ | ✓ | ✓ | · | ✓ | ✓ | ✓ | · | ✓ | ✓ | ✓ | ✓ | · | · | · | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | · |
//! | `constant` | ✗ ✓ | ✗ ✓ | ✗ | ✓ | ✓ | ✗ ✓ | · | ✓ | ✗ ✓ | ✗ ✓ | ✗ ✓ | ✗ | · | · | ✓ | ✓ | ◇ | ◇ | ◇ | ◇ | ◇ |
//! | version | ✓ | ◇ | ✓ ◇ | ✓ | ◇ | ✗ ✓ | · | · | ✓ | ◇ | ◇ | ✓ ◇ | ◇ | ◇ | · | · | · | · | · | · | · |
//! | `created_at` | ✓ | ✓ | ✓ | ✓ | · | ✓ | · | · | ✓ | ✓ | ✓ | ✓ | · | · | · | · | · | · | · | · | · |
//! | `updated_at` | ✓ | ✓ | ✓ | ✓ | · | ✓ | · | · | ✓ | ✓ | ✓ | ✓ | · | · | · | · | · | · | · | · | · |
//! | TTL hiding | ◇ | ◇ | ◇ | ◇ ✓ | ◇ ✓ | ✓ | ✓ | ✓ | ◇ | ◇ | ◇ | ◇ | ◇ | ◇ | ✓ | ✓ | ◇ | ◇ | ◇ | ◇ | ◇ |
//! | item size | ✗ | ✗ | ✗⁵ | ✗⁵ | · | ✗ | · | · | ✗ | ✗ | ✗ | ✗⁵ | · | · | · | · | · | · | · | · | · |
//! | key values | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗ | ✗⁴ | ✗ | ✗ | ✗ |
//!
//! 1. A batch carries no conditions, so it cannot keep optimistic locking: `batch_put` of a
//!    versioned model does not compile ([`Unversioned`]); [`BatchWrite::put_unchecked`] stores
//!    the item's version + 1 without checking. A batch delete, like a delete without
//!    `if_version`, does not check the version. Batch puts overwrite an expired item, as a put
//!    may.
//! 2. Reads return stored values as they are, in or out of rule: rules guard writes. Delete
//!    and check conditions may compare with any value.
//! 3. Updates write what they say (`set(FORMAT, 9)` stores 9); an item without the attribute
//!    reads as the default.
//! 4. A scan takes no key; its cursor, which holds one, is checked.
//! 5. An update whose values alone exceed 400 KB is refused before sending; whether the whole
//!    item after it fits only DynamoDB knows, and it refuses the update otherwise.
//!
//! ## Failures and retries
//!
//! Reads use the client's own retries; a read's failure never "may have been applied". Writes
//! retry in the library, which knows what each failure means ([`Outcome`]), with the client's
//! retry settings, and report only what they proved: **`Ok`** means this call's request was
//! applied; a conflict ([`Error::AlreadyExists`], [`Error::VersionConflict`],
//! [`Error::ConditionFailed`], [`Error::NotFound`], [`Error::TransactionCanceled`]) means it
//! was not; anything else after an attempt that may have been applied is
//! [`Error::OutcomeUnknown`], with what the library found (the stored version, a transaction's
//! idempotency token). Proof comes from identity, never from comparing contents (another writer
//! may store the same item):
//! - throttling, and requests never sent, are retried: nothing was applied;
//! - after an attempt that may have been applied (a 5xx, a timeout, a connection lost after
//!   sending), a write that changes nothing more when applied twice is sent again: puts,
//!   deletes, updates of absolute values, set members and removals, any update with
//!   [`Update::if_version`]. A retry that is answered was applied: `Ok`.
//! - A retry that fails its condition returns the stored item, which decides by the **write
//!   token**: every conditional put (a create, a versioned put, a put with a condition) and
//!   every UpdateItem stores 8 random bytes, drawn once per call, in the attribute
//!   [`WRITE_TOKEN`] (`_wt`), which models never see. The item holds this call's token: it
//!   was applied, `Ok`. Otherwise the **version** decides where it can: another writer's item
//!   at the version this write would have stored (or, for a create, at version 1; for a
//!   versioned delete, past the version it expected) proves this write was not applied — a
//!   conflict. Anything else (another writer's item without a version that decides, no item
//!   at all) is [`Error::OutcomeUnknown`]: this write may have landed and been overwritten or
//!   deleted since.
//! - An update with relative changes (`add` of a number, `sub`, `plus`, `minus`, `append`) is
//!   not sent again once it may have been applied; nor is a write returning the item as it was
//!   before (`return_old`, `return_updated_old`, whose retry would describe the write's own
//!   first attempt). When its attempts are spent with the outcome open, a consistent read of
//!   the item looks for its token: found, the update is `Ok` (or, when the answer held the old
//!   item, [`Error::AnswerLost`]); not found, [`Error::OutcomeUnknown`].
//! - Transactions always carry an idempotency token, and [`Update::exactly_once`] sends an
//!   update as a one-action transaction with one: DynamoDB applies it once however often it
//!   arrives and answers a resend with its outcome, so after a lost answer it is resent —
//!   past the attempt budget, for up to [`Db::settle_within`] (30 s) — until DynamoDB answers.
//!   Its [`Error::OutcomeUnknown`] holds the token, to send the same request again within 10
//!   minutes ([`TransactWrite::token`], [`Update::token`]).
//!
//! The verdicts assume that no item is deleted and created again between two attempts of one
//! write (a second or so): that would restart its versions, and a conflict reported for the
//! first attempt could then be a write that landed on the deleted item.
//!
//! What writes cost: the happy path of every write sends the one request a hand-written one
//! would (`put` and `create` return the stored model without another request: it is the item
//! they sent, read in memory), and adds only the token's 11 bytes to the item (a write's size
//! rounds up to 1 KB units, so it adds a unit only to an item within 11 bytes of a boundary;
//! an update that changes nothing else still writes a new token, and so its index entries)
//! and the stored item returned on a failed condition (`ReturnValuesOnConditionCheckFailure`,
//! which DynamoDB does not charge). Unconditional puts store no token: a retry that is
//! answered proves them. The requests the library may add: after a lost answer, the retries,
//! and one strongly consistent GetItem (1 read unit per 4 KB) for a relative update or a write
//! whose attempts ran out; an upsert that meets an expired item deletes it first (one
//! DeleteItem). `exactly_once` and transactions cost twice the write units of a single write.
//! `benches/capacity.rs` measures each write against its hand-written request. `tests/suite/retry_identity.rs` checks every verdict against what landed, with
//! several writers at once behind a proxy failing 30% of the requests.
//!
//! Batches: a batch spends one budget per chunk ([`BatchPolicy`]) on unprocessed keys and
//! writes, throttling, server errors and lost connections, and [`BatchGet::send_partial`] keeps
//! what it read; each
//! write a batch could not complete says whether it may have been applied
//! ([`UnprocessedWrite::outcome`]). A batch write checks and converts each chunk just before
//! sending it: a write refused after earlier chunks were sent is [`Error::BatchStopped`],
//! which says exactly which writes were sent (see [`BatchWrite`] for when a batch is checked
//! whole first).
//!
//! Any other failure is [`Error::Sdk`], with DynamoDB's code, message and request id, and
//! whether the request may have been applied. An item that cannot be read is
//! [`Error::Attribute`] naming the attribute and the item (its key and table). Errors print
//! stored values in `Debug` only after [`show_item_values`]`(true)`. `tests/suite/faults.rs` runs all
//! of this behind a proxy that fails 30% of the requests.
//!
//! ## Observability
//!
//! Every request runs inside one `tracing` span at `INFO`, target `dynamo_model`, named by its
//! DynamoDB operation (`PutItem`, `Query`, …) and shaped by OpenTelemetry's semantic
//! conventions for DynamoDB, so an OTel pipeline (`tracing-opentelemetry`) shows it as a
//! database client span: `db.system.name` = `aws.dynamodb`, `db.operation.name`,
//! `aws.dynamodb.table_names`, `aws.dynamodb.index_name`; once answered `aws.request_id`,
//! `aws.dynamodb.consumed_capacity` (requested only while the span is recorded),
//! `aws.dynamodb.count` and `aws.dynamodb.scanned_count`; `dynamo_model.attempts` (how many
//! times the library sent a write); on failure `error.type` (DynamoDB's error code or the
//! library's error kind) and `otel.status_code` = `ERROR`; `otel.name` and `otel.kind` for
//! `tracing-opentelemetry`. Batches and transactions are a parent span (with
//! `dynamo_model.requests`) and a child span per request. With no subscriber they cost nothing
//! measurable. Every request builder's `Debug` shows the request it would send, stored values
//! redacted unless [`show_item_values`]`(true)`.
//!
//! ## Features
//!
//! None is on by default. The library depends on the AWS SDK with one HTTP and TLS stack (the
//! SDK's current HTTPS client: hyper 1, rustls 0.23 with aws-lc) and tokio; each feature adds
//! only what it names:
//!
//! - `local`: `local::DynamoDbLocal` installs and runs DynamoDB Local for tests and examples
//!   (tokio's process and file support); put it in `[dev-dependencies]`.
//! - `chrono`, `time`, `uuid`, `rust_decimal`, `serde_json`: those crates' types as attributes
//!   (see "Attribute types"); each builds its crate.
//! - `streams`: DynamoDB Streams records as typed changes (`streams::Change`): builds
//!   aws-sdk-dynamodbstreams and aws_lambda_events' DynamoDB events.
//! - `json-schema`: the derives also implement `schemars::JsonSchema`: a model's JSON shape
//!   with its validation rules, for API Gateway's request validation and OpenAPI documents
//!   (the `json_schema` module); builds schemars.
//! - `blocking`: `.send().wait()` from synchronous code (`blocking::Wait`): tokio's
//!   multi-threaded runtime.
//! - `sso`, `credentials-process`: the credential sources of [`Db::from_env`] that need more
//!   than the environment, profiles, web identity (EKS, GitHub Actions), ECS and EC2 provide:
//!   IAM Identity Center profiles (`aws sso login`; builds the SSO and SSO-OIDC clients) and
//!   `credential_process` profiles. A Lambda function needs neither.
//!
//! ## Expressions
//!
//! Typed handles build conditions and updates; values must have the attribute's type:
//!
//! ```
//! # use dynamo_model::prelude::*;
//! # #[derive(Model)]
//! # #[dynamo(table = "users")]
//! # struct User { #[dynamo(hash_key)] id: String, age: u32, tags: std::collections::HashSet<String> }
//! let adult_vip = User::AGE.ge(18).and(User::TAGS.contains("vip"));
//! assert_eq!(adult_vip.to_string(), r#"age >= 18 AND contains(tags, "vip")"#);
//! ```
//!
//! In a request, names and values become placeholders (`#n0 >= :v0 AND contains(#n1, :v1)`), so
//! reserved words and any characters just work. `.request()` on any builder shows the exact
//! request without sending it.

#![warn(missing_docs)]
#![deny(missing_debug_implementations)]

extern crate self as dynamo_model;

#[cfg(feature = "blocking")]
pub mod blocking;
mod capacity;
mod cursor;
mod db;
mod decimal;
pub mod error;
mod expr;
mod float_set;
mod foreign;
pub mod guide;
#[cfg(feature = "json-schema")]
pub mod json_schema;
pub mod limits;
mod model;
mod op;
mod pipeline;
mod random;
mod schema;
#[cfg(feature = "streams")]
pub mod streams;
mod table;
mod template;
mod timestamp;
pub mod ttl;
pub mod validate;
mod value;

#[cfg(feature = "local")]
pub mod local;

#[doc(hidden)]
pub mod __private;

pub use capacity::Capacity;
pub use cursor::{Cursor, CursorKey, Page};
pub use db::Db;
pub use error::{
    show_item_values, AttrError, Error, Known, Outcome, ParseEnumError, Result, StoredItem,
};
pub use expr::{
    Addable, AttributeType, Condition, Contains, Indexed, Keyed, List, Nested, Numeric, Operand,
    Ordered, Path, PathElement, PathOf, Prefixed, Removable, Set, SetOperand, Size, TypedPath,
    Untyped, UpdateValue, ValueFor, MAX_EXPRESSION_LENGTH, MAX_IN_VALUES,
};
pub use float_set::{Float, FloatSet};
pub use limits::{
    item_size, MAX_ATTRIBUTE_NAME, MAX_ITEM_SIZE, MAX_NESTING_LEVELS, MAX_PARTITION_KEY_SIZE,
    MAX_SORT_KEY_SIZE, MAX_TRANSACTION_SIZE,
};
pub use model::{Attributes, Collection, Model, PrimaryKey, StreamImage, Unversioned};
pub use op::{
    Append, BatchGet, BatchGetOutput, BatchPolicy, BatchProgress, BatchWrite, CancellationCode,
    CancellationReason, CheckTable, CollectionQuery, Create, CreateTable, CreateTableOutcome,
    Delete, DeleteReturningOld, DeleteTable, Difference, Get, GetProjected, MigrateTable,
    Migration, Put, PutReturn, Query, ReturnNew, ReturnNothing, ReturnOld, ReturnUpdatedNew,
    ReturnUpdatedOld, Scan, TableReport, TransactGet, TransactGetOutput, TransactWrite,
    UnprocessedKey, UnprocessedWrite, Update, UpdateReturn, Written, MAX_BATCH_GET,
    MAX_BATCH_WRITE, MAX_TRANSACTION_ACTIONS,
};
pub use pipeline::identity::WRITE_TOKEN;
pub use schema::{
    Attr, ConstantValue, Index, IndexDef, IndexKind, IndexProjection, KeyDef, Schema, TemplateDef,
};
pub use table::Table;
pub use template::{AllParts, Composite, Leading, Template, TemplatePart};
pub use timestamp::{ParseTimestampError, TimeAttribute, TimeFormat, Timestamp, TimestampDef};
pub use value::{
    AttrPath, Attribute, IndexKeyAttribute, Item, KeyAttribute, ScalarType, SetElement,
    TtlAttribute, VersionAttribute,
};

/// The derive macro for [`Model`]: see the crate docs for its options.
pub use dynamo_model_derive::Model;

/// The derive macro for [`Attributes`]: a struct stored as a nested map, or an enum of unit
/// variants stored as a string.
pub use dynamo_model_derive::Attributes;

/// The derive macro for [`Collection`]: an enum whose variants each hold one model of a
/// shared table.
pub use dynamo_model_derive::Collection;

/// Re-exported so users name one crate: `dynamo_model::aws_sdk_dynamodb::types::AttributeValue`.
pub use aws_sdk_dynamodb;

/// Everything a model definition and its use need: `use dynamo_model::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Attr, AttributeType, Attributes, Collection, Condition, Cursor, Db, Error, Index, Model,
        Page, Path, PrimaryKey, Timestamp,
    };
}

/// The README's opening example, compiled with the doctests so that it cannot drift from the
/// API (its `tour` is never run: it would need AWS).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExample;
