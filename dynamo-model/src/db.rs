//! `Db`: the entry point that every operation starts from.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::cursor::CursorKey;
use crate::model::{Model, PrimaryKey, Unversioned};
use crate::op::batch::{BatchGet, BatchWrite};
use crate::op::delete::Delete;
use crate::op::get::Get;
use crate::op::put::{Create, Put};
use crate::op::query::Query;
use crate::op::retry::RetryPolicy;
use crate::op::scan::Scan;
use crate::op::table::{CreateTable, DeleteTable};
use crate::op::transact::{TransactGet, TransactWrite};
use crate::op::update::Update;

/// A handle to DynamoDB: an aws-sdk-dynamodb [`Client`], and how model tables are named in it.
///
/// Cheap to clone (the client is reference counted); build one per process and share it.
///
/// # Table names per environment
///
/// A model's `table` is the name in code; a `Db` maps it to the table it uses: with a prefix
/// and suffix for every table ([`Db::table_prefix`], [`Db::table_suffix`]), or a name of its
/// own for one ([`Db::table_for`]), e.g. from configuration:
///
/// ```
/// # use dynamo_model::prelude::*;
/// # #[derive(Model)] #[dynamo(table = "orders")] struct Order { #[dynamo(hash_key)] id: String }
/// # #[derive(Model)] #[dynamo(table = "users")] struct User { #[dynamo(hash_key)] id: String }
/// # fn client() -> dynamo_model::aws_sdk_dynamodb::Client {
/// #     let config = dynamo_model::aws_sdk_dynamodb::Config::builder()
/// #         .behavior_version(dynamo_model::aws_sdk_dynamodb::config::BehaviorVersion::latest())
/// #         .build();
/// #     dynamo_model::aws_sdk_dynamodb::Client::from_conf(config)
/// # }
/// let stage = "prod"; // e.g. std::env::var("STAGE")
/// let db = Db::new(client())
///     .table_prefix("shop-")
///     .table_suffix(format!("-{stage}"))
///     .table_for::<Order>("orders-2026-migrated");
/// assert_eq!(db.table_name::<User>(), "shop-users-prod");
/// assert_eq!(db.table_name::<Order>(), "orders-2026-migrated");
/// ```
///
/// A name that DynamoDB would refuse (3 to 255 characters of `a-z A-Z 0-9 _ - .`) fails each
/// request with [`Error::InvalidRequest`](crate::Error::InvalidRequest) before it is sent.
#[derive(Debug, Clone)]
pub struct Db {
    client: Client,
    /// The same client with the SDK's retries off: writes retry in the library, which knows
    /// whether a failed attempt may have been applied (see `op::retry`).
    writer: Client,
    retry: RetryPolicy,
    naming: Arc<Naming>,
    cursor_key: Option<Arc<CursorKey>>,
}

/// How the tables models name are named in one `Db`.
#[derive(Debug, Clone, Default)]
struct Naming {
    prefix: String,
    suffix: String,
    /// The model's table name → the name used instead (no prefix or suffix added).
    overrides: Vec<(&'static str, String)>,
}

impl Naming {
    /// No prefix, suffix or override: every table is named as its model names it.
    fn is_plain(&self) -> bool {
        self.prefix.is_empty() && self.suffix.is_empty() && self.overrides.is_empty()
    }
}

/// Whether DynamoDB takes `name` as a table name: 3 to 255 characters of `a-z A-Z 0-9 _ - .`.
pub(crate) const fn valid_table_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let mut valid = bytes.len() >= 3 && bytes.len() <= 255;
    let mut i = 0;
    while valid && i < bytes.len() {
        let c = bytes[i];
        valid = c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.';
        i += 1;
    }
    valid
}

impl Db {
    /// A `Db` configured by the standard AWS chain (environment, profile, instance role), the
    /// same as every AWS SDK: the code that runs on DynamoDB Local runs on AWS unchanged.
    pub async fn from_env() -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(Client::new(&config))
    }

    /// A `Db` over a client you built. Reads use it as it is; writes use a copy of it with the
    /// SDK's retries off and retry in the library, with the client's retry settings (attempts,
    /// backoff), never resending a write that may have been applied unless applying it twice
    /// changes nothing. Makes no network call.
    pub fn new(client: Client) -> Self {
        let config = client.config();
        let retry = RetryPolicy::of(config);
        let writer = Client::from_conf(
            config
                .to_builder()
                .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
                .build(),
        );
        Db {
            client,
            writer,
            retry,
            naming: Arc::default(),
            cursor_key: None,
        }
    }

    /// Seals the cursors of queries and scans with `key`: they are encrypted (a client holding
    /// one learns no key value from it) and authenticated (a forged or edited cursor, or one
    /// made without the key, is [`Error::InvalidCursor`](crate::Error::InvalidCursor)).
    /// Without a key, cursors are checked against accidents, not attackers.
    #[must_use]
    pub fn cursor_key(mut self, key: CursorKey) -> Self {
        self.cursor_key = Some(Arc::new(key));
        self
    }

    /// The key cursors are sealed with, if any.
    pub(crate) fn cursor_key_ref(&self) -> Option<&CursorKey> {
        self.cursor_key.as_deref()
    }

    /// The client writes are sent with (the SDK's retries off).
    pub(crate) fn writer(&self) -> &Client {
        &self.writer
    }

    /// How many attempts a write gets, and the backoff between them.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// How long a write with an idempotency token (a transaction, an
    /// [`Update::exactly_once`](crate::Update::exactly_once)) keeps resending after an attempt
    /// whose answer was lost, past the client's attempt budget, until DynamoDB answers with its
    /// outcome: 30 seconds unless set, at most 9 minutes (DynamoDB forgets a token 10 minutes
    /// after it first completes). Only then is the error
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown). A Lambda function with a shorter
    /// timeout than this should set it lower.
    #[must_use]
    pub fn settle_within(mut self, window: std::time::Duration) -> Self {
        self.retry.settle_window = window.min(std::time::Duration::from_secs(9 * 60));
        self
    }

    /// Prefixes every table name, e.g. `dev_` to keep environments apart in one account (not
    /// the tables named by [`Db::table_for`]).
    #[must_use]
    pub fn table_prefix(mut self, prefix: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.naming).prefix = prefix.into();
        self
    }

    /// Appends to every table name, e.g. `-prod` (not to the tables named by [`Db::table_for`]).
    #[must_use]
    pub fn table_suffix(mut self, suffix: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.naming).suffix = suffix.into();
        self
    }

    /// Uses the table `name`, as it is (no prefix or suffix), for `M`: for the table `M`
    /// names, so for every model that names the same table (they share it).
    #[must_use]
    pub fn table_for<M: Model>(mut self, name: impl Into<String>) -> Self {
        let naming = Arc::make_mut(&mut self.naming);
        let table = M::SCHEMA.table;
        naming.overrides.retain(|(named, _)| *named != table);
        naming.overrides.push((table, name.into()));
        self
    }

    /// The underlying aws-sdk-dynamodb client, for anything this library does not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The name of the table `M`'s requests go to: its `table` with this handle's prefix and
    /// suffix, or the name [`Db::table_for`] gave it.
    pub fn table_name<M: Model>(&self) -> String {
        self.table_name_of(M::SCHEMA.table)
    }

    /// The name used for the table a model names (`table`), checked: a name DynamoDB would
    /// refuse is an error before anything is sent.
    pub(crate) fn table_name_for(&self, table: &'static str) -> crate::Result<String> {
        let name = self.table_name_of(table);
        // A model's own name is checked at compile time; only a configured one can be wrong.
        if !self.naming.is_plain() && !valid_table_name(&name) {
            return Err(crate::Error::InvalidRequest {
                message: format!(
                    "the table name {name:?} (the model's `{table}` as this Db names it) is not one DynamoDB takes: 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`"
                ),
            });
        }
        Ok(name)
    }

    /// [`Db::table_name_for`] for `M`.
    pub(crate) fn table<M: Model>(&self) -> crate::Result<String> {
        self.table_name_for(M::SCHEMA.table)
    }

    /// The name used for the table a model names, unchecked (see [`Db::table_name_for`]).
    pub(crate) fn table_name_of(&self, table: &str) -> String {
        let naming = &*self.naming;
        if naming.is_plain() {
            return table.to_owned();
        }
        if let Some((_, name)) = naming.overrides.iter().find(|(named, _)| *named == table) {
            return name.clone();
        }
        let mut name =
            String::with_capacity(naming.prefix.len() + table.len() + naming.suffix.len());
        name.push_str(&naming.prefix);
        name.push_str(table);
        name.push_str(&naming.suffix);
        name
    }

    /// Creates `M`'s table from its schema (keys, indexes, on-demand billing, TTL) and waits
    /// until it is active. `M` is a model, or a table several models share declared with
    /// [`table!`](crate::table!): then the table gets every entity's indexes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "users", gsi(name = "by_email", hash = "email"))]
    /// # struct User {
    /// #     #[dynamo(hash_key)]
    /// #     id: String,
    /// #     #[dynamo(validate(email))]
    /// #     email: String,
    /// #     visits: u64,
    /// # }
    /// # fn ada() -> User { User { id: "u1".into(), email: "ada@example.com".into(), visits: 0 } }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<User>().await?;
    /// let outcome = db.create_table::<User>().if_not_exists().send().await?;
    /// assert_eq!(outcome, dynamo_model::CreateTableOutcome::AlreadyExisted);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Sdk`](crate::Error::Sdk) with DynamoDB's `ResourceInUseException` when the
    /// table exists (unless `.if_not_exists()`); [`Error::Wait`](crate::Error::Wait) when it is
    /// not active in time.
    pub fn create_table<M: crate::Table>(&self) -> CreateTable<'_, M> {
        CreateTable::new(self)
    }

    /// Compares the table in DynamoDB with the one `T` declares (a model, or a
    /// [`table!`](crate::table!)) and reports every difference in one [`TableReport`](crate::TableReport):
    /// keys, missing or extra indexes, index keys, kinds and projections, TTL, billing mode.
    /// Changes nothing; no data operation ever calls it.
    pub fn check_table<T: crate::Table>(&self) -> crate::CheckTable<'_, T> {
        crate::CheckTable::new(self)
    }

    /// Applies the additive differences [`Db::check_table`] finds: creates each missing global
    /// index (waiting until it is active) and enables TTL when the table has none. Deletes and
    /// changes nothing else; what it leaves is in [`Migration::remaining`](crate::Migration).
    pub fn migrate_table<T: crate::Table>(&self) -> crate::MigrateTable<'_, T> {
        crate::MigrateTable::new(self)
    }

    /// A query over several models of one table at once, read into the variants of the enum
    /// `C` (`#[derive(Collection)]`): a customer's profile and orders, in sort key order, with
    /// the same `limit`, cursors and `stream()` as [`Db::query`]. Keys and indexes are those
    /// of `C`'s first variant; items of models `C` does not list are filtered out by DynamoDB.
    pub fn collection<C: crate::Collection>(&self) -> crate::CollectionQuery<'_, C> {
        Query::collection(self)
    }

    /// Deletes `M`'s table (a model's, or a shared one) and waits until it is gone.
    pub fn delete_table<M: crate::Table>(&self) -> DeleteTable<'_, M> {
        DeleteTable::new(self)
    }

    /// Writes a new item; fails with [`Error::AlreadyExists`](crate::Error::AlreadyExists) if an
    /// item with its key exists. Returns the item as stored.
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "users")]
    /// # struct User {
    /// #     #[dynamo(hash_key)]
    /// #     id: String,
    /// #     #[dynamo(validate(email))]
    /// #     email: String,
    /// #     visits: u64,
    /// # }
    /// # fn ada() -> User { User { id: "u1".into(), email: "ada@example.com".into(), visits: 0 } }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<User>().await?;
    /// let stored: User = db.create(&ada()).send().await?;
    /// assert_eq!(stored, ada());
    /// assert!(matches!(db.create(&ada()).send().await, Err(Error::AlreadyExists { .. })));
    ///
    /// // Checked before anything is sent: every failed rule, with its attribute.
    /// let bad = User { id: "u2".into(), email: "not an address".into(), visits: 0 };
    /// let Err(Error::Validation { violations }) = db.create(&bad).send().await else { panic!() };
    /// assert_eq!(violations[0].path, "email");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists); before sending,
    /// [`Error::Validation`](crate::Error::Validation), [`Error::InvalidValue`](crate::Error::InvalidValue)
    /// and [`Error::ItemTooLarge`](crate::Error::ItemTooLarge); [`Error::ConditionFailed`](crate::Error::ConditionFailed)
    /// for a `.condition(..)` of the caller's; [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown)
    /// when no answer came and none could be found out.
    pub fn create<'a, M: Model>(&'a self, item: &'a M) -> Create<'a, M> {
        Create::new(self, item)
    }

    /// Writes an item, replacing any item with the same key. Returns the item as stored (its
    /// version, timestamps and transforms applied).
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "docs")]
    /// # struct Doc {
    /// #     #[dynamo(hash_key)]
    /// #     id: String,
    /// #     text: String,
    /// #     #[dynamo(version)]
    /// #     version: u64,
    /// # }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<Doc>().await?;
    /// let first: Doc = db.create(&Doc { id: "d1".into(), text: "draft".into(), version: 0 }).send().await?;
    /// assert_eq!(first.version, 1);
    /// let second = db.put(&Doc { text: "final".into(), ..first.clone() }).send().await?;
    /// assert_eq!(second.version, 2);
    ///
    /// // A put of the stale copy would lose the second write: refused.
    /// let stale = db.put(&Doc { text: "late".into(), ..first }).send().await;
    /// assert!(matches!(stale, Err(Error::VersionConflict { .. })));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::VersionConflict`](crate::Error::VersionConflict) when the stored version is not
    /// the one read; [`Error::ConditionFailed`](crate::Error::ConditionFailed) when a
    /// `.condition(..)` fails; before sending, [`Error::Validation`](crate::Error::Validation),
    /// [`Error::InvalidValue`](crate::Error::InvalidValue), [`Error::ItemTooLarge`](crate::Error::ItemTooLarge).
    pub fn put<'a, M: Model>(&'a self, item: &'a M) -> Put<'a, M> {
        Put::new(self, item)
    }

    /// Reads the item with this key; `None` when there is none (or it has expired).
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "users")]
    /// # struct User {
    /// #     #[dynamo(hash_key)]
    /// #     id: String,
    /// #     #[dynamo(validate(email))]
    /// #     email: String,
    /// #     visits: u64,
    /// # }
    /// # fn ada() -> User { User { id: "u1".into(), email: "ada@example.com".into(), visits: 0 } }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<User>().await?;
    /// db.put(&ada()).send().await?;
    /// let read: Option<User> = db.get(UserKey::new("u1")).consistent().send().await?;
    /// assert_eq!(read, Some(ada()));
    /// assert_eq!(db.get(UserKey::new("nobody")).send().await?, None);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Attribute`](crate::Error::Attribute) when the stored item cannot be read as `M`
    /// (naming the attribute and the item); [`Error::TableNotFound`](crate::Error::TableNotFound).
    pub fn get<K: PrimaryKey>(&self, key: K) -> Get<'_, K::Model> {
        Get::new(self, key)
    }

    /// Updates the item with this key in place; it must exist unless `.upsert()` is called.
    /// Returns the item as it is after the update.
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "users")]
    /// # struct User {
    /// #     #[dynamo(hash_key)]
    /// #     id: String,
    /// #     #[dynamo(validate(email))]
    /// #     email: String,
    /// #     visits: u64,
    /// # }
    /// # fn ada() -> User { User { id: "u1".into(), email: "ada@example.com".into(), visits: 0 } }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<User>().await?;
    /// db.put(&ada()).send().await?;
    /// let updated: User = db
    ///     .update(UserKey::new("u1"))
    ///     .add(User::VISITS, 1)
    ///     .set(User::EMAIL, "ada@lovelace.org")
    ///     .condition(User::VISITS.lt(100))
    ///     .send()
    ///     .await?;
    /// assert_eq!((updated.visits, updated.email.as_str()), (1, "ada@lovelace.org"));
    ///
    /// let missing = db.update(UserKey::new("nobody")).add(User::VISITS, 1).send().await;
    /// assert!(matches!(missing, Err(Error::NotFound { .. })));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`](crate::Error::NotFound) without an item (and without `.upsert()`);
    /// [`Error::ConditionFailed`](crate::Error::ConditionFailed),
    /// [`Error::VersionConflict`](crate::Error::VersionConflict); before sending,
    /// [`Error::Validation`](crate::Error::Validation) for a value (or a relative change) that
    /// breaks a rule and [`Error::InvalidRequest`](crate::Error::InvalidRequest) for an empty or
    /// overlapping update; [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) for a relative
    /// change whose answer was lost (see [`Update::exactly_once`]).
    pub fn update<K: PrimaryKey>(&self, key: K) -> Update<'_, K::Model> {
        Update::new(self, key)
    }

    /// Queries `M`'s table (or, with `.index(..)`, one of its indexes) by hash key.
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "orders")]
    /// # struct Order {
    /// #     #[dynamo(hash_key)]
    /// #     customer: String,
    /// #     #[dynamo(range_key)]
    /// #     n: u32,
    /// #     total: u64,
    /// # }
    /// # fn order(n: u32) -> Order { Order { customer: "c1".into(), n, total: u64::from(n) * 10 } }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<Order>().await?;
    /// db.batch_put(&(1..=30).map(order).collect::<Vec<_>>()).send().await?;
    /// let page = db
    ///     .query::<Order>()
    ///     .hash("c1")
    ///     .range(Order::N.between(11, 30))
    ///     .filter(Order::TOTAL.ge(150))
    ///     .limit(10) // ten matching items
    ///     .send()
    ///     .await?;
    /// assert_eq!(page.items.iter().map(|o| o.n).collect::<Vec<_>>(), (15..=24).collect::<Vec<_>>());
    ///
    /// // The cursor (URL-safe text) brings the next page, in another request or process.
    /// let cursor = page.next.expect("more follow").to_string();
    /// let rest = db
    ///     .query::<Order>()
    ///     .hash("c1")
    ///     .range(Order::N.between(11, 30))
    ///     .filter(Order::TOTAL.ge(150))
    ///     .start_after(cursor.parse()?)
    ///     .all()
    ///     .await?;
    /// assert_eq!(rest.len(), 6);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// Before sending: [`Error::InvalidCursor`](crate::Error::InvalidCursor) for a cursor that
    /// is malformed, edited or from another query; [`Error::InvalidRequest`](crate::Error::InvalidRequest)
    /// for a filter on a key attribute or a consistent read of a GSI. Reading:
    /// [`Error::Attribute`](crate::Error::Attribute) for an item that cannot be read as `M`.
    pub fn query<M: Model>(&self) -> Query<'_, M> {
        Query::new(self)
    }

    /// Scans `M`'s table (or one of its indexes).
    pub fn scan<M: Model>(&self) -> Scan<'_, M> {
        Scan::new(self)
    }

    /// A batch of puts and deletes across any models and tables: `.put(&a).delete(key)`.
    pub fn batch_write(&self) -> BatchWrite<'_> {
        BatchWrite::new(self)
    }

    /// Puts any number of items (chunks of 25, unprocessed items retried). A batch cannot
    /// check versions, so versioned models do not compile here: see
    /// [`BatchWrite::put_unchecked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "orders")]
    /// # struct Order {
    /// #     #[dynamo(hash_key)]
    /// #     customer: String,
    /// #     #[dynamo(range_key)]
    /// #     n: u32,
    /// #     total: u64,
    /// # }
    /// # fn order(n: u32) -> Order { Order { customer: "c1".into(), n, total: u64::from(n) * 10 } }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<Order>().await?;
    /// let orders: Vec<Order> = (1..=1_000).map(order).collect();
    /// db.batch_put(&orders).send().await?;
    /// let keys = [OrderKey::new("c1", 7u32), OrderKey::new("c1", 5_000u32)];
    /// let found = db.batch_get::<Order>(keys).send().await?;
    /// assert_eq!(found, [Some(order(7)), None]);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Unprocessed`](crate::Error::Unprocessed) holding exactly the writes not done
    /// after the retry budget, each saying whether it may have been applied;
    /// [`Error::BatchStopped`](crate::Error::BatchStopped) when a write is refused after earlier
    /// chunks were sent; before sending, the same errors as [`Db::put`] for the writes checked
    /// first.
    ///
    /// The batch keeps the iterator and walks it as it sends (see [`BatchWrite::put_all`]):
    /// `&items` of a `Vec` or slice, `[&a, &b]`, or `items.iter().filter(..)`.
    pub fn batch_put<'a, M, I>(&'a self, items: I) -> BatchWrite<'a>
    where
        M: Unversioned + Sync + 'a,
        I: IntoIterator<Item = &'a M>,
        I::IntoIter: Clone + Send + Sync + 'a,
    {
        BatchWrite::new(self).put_all(items)
    }

    /// Deletes any number of items by key (chunks of 25, unprocessed keys retried).
    pub fn batch_delete<K: PrimaryKey>(&self, keys: impl IntoIterator<Item = K>) -> BatchWrite<'_> {
        keys.into_iter()
            .fold(BatchWrite::new(self), |batch, key| batch.delete(key))
    }

    /// Reads any number of items of `M` by key (chunks of 100, unprocessed keys retried), in
    /// the order of the keys.
    pub fn batch_get<M: Model>(&self, keys: impl IntoIterator<Item = M::Key>) -> BatchGet<'_, M> {
        BatchGet::new(self, keys.into_iter().collect())
    }

    /// A transaction of writes across models and tables: all happen or none does.
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "users")]
    /// # struct User {
    /// #     #[dynamo(hash_key)]
    /// #     id: String,
    /// #     #[dynamo(validate(email))]
    /// #     email: String,
    /// #     visits: u64,
    /// # }
    /// # fn ada() -> User { User { id: "u1".into(), email: "ada@example.com".into(), visits: 0 } }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<User>().await?;
    /// db.transact_write()
    ///     .create(&ada())
    ///     .create(&User { id: "u2".into(), email: "grace@example.com".into(), visits: 0 })
    ///     .send()
    ///     .await?;
    /// // One action fails: nothing happens, and each action says why.
    /// let result = db
    ///     .transact_write()
    ///     .update::<User>(UserKey::new("u2"), |u| u.add(User::VISITS, 1))
    ///     .create(&ada())
    ///     .send()
    ///     .await;
    /// let Err(Error::TransactionCanceled { reasons }) = result else { panic!() };
    /// assert_eq!(reasons[1].code, dynamo_model::CancellationCode::ConditionalCheckFailed);
    /// assert_eq!(reasons[1].model, "User");
    /// assert_eq!(db.get(UserKey::new("u2")).consistent().send().await?.unwrap().visits, 0);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::TransactionCanceled`](crate::Error::TransactionCanceled) with one reason per
    /// action, in order; before sending, [`Error::InvalidRequest`](crate::Error::InvalidRequest)
    /// for over 100 actions or two on one item, and the errors of each action's own checks;
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) when no answer came after every
    /// retry (its idempotency token makes a retry safe).
    pub fn transact_write(&self) -> TransactWrite<'_> {
        TransactWrite::new(self)
    }

    /// A consistent read of several items of any models: `.get::<User>(k1).get::<Order>(k2)`.
    pub fn transact_get(&self) -> TransactGet<'_, ()> {
        TransactGet::new(self)
    }

    /// Deletes the item with this key (no error when there is none).
    ///
    /// # Examples
    ///
    /// ```
    /// # use dynamo_model::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)]
    /// # #[dynamo(table = "users")]
    /// # struct User {
    /// #     #[dynamo(hash_key)]
    /// #     id: String,
    /// #     #[dynamo(validate(email))]
    /// #     email: String,
    /// #     visits: u64,
    /// # }
    /// # fn ada() -> User { User { id: "u1".into(), email: "ada@example.com".into(), visits: 0 } }
    /// # #[cfg(feature = "local")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Error> {
    /// # let (_local, db) = dynamo_model::local::DynamoDbLocal::with_table::<User>().await?;
    /// db.put(&ada()).send().await?;
    /// db.delete(UserKey::new("u1")).send().await?;
    /// db.delete(UserKey::new("u1")).send().await?; // nothing there: still Ok
    /// let old: Option<User> = db.delete(UserKey::new("u1")).return_old().send().await?;
    /// assert_eq!(old, None);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "local"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ConditionFailed`](crate::Error::ConditionFailed) for a `.condition(..)`,
    /// [`Error::VersionConflict`](crate::Error::VersionConflict) for `.if_version(..)`.
    pub fn delete<K: PrimaryKey>(&self, key: K) -> Delete<'_, K::Model> {
        Delete::new(self, key)
    }
}
