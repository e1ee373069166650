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
        let configured = !self.naming.prefix.is_empty()
            || !self.naming.suffix.is_empty()
            || !self.naming.overrides.is_empty();
        if configured && !valid_table_name(&name) {
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

    /// Creates `M`'s table from its schema (keys, indexes, on-demand billing) and waits until it
    /// is active.
    pub fn create_table<M: Model>(&self) -> CreateTable<'_, M> {
        CreateTable::new(self)
    }

    /// Deletes `M`'s table and waits until it is gone.
    pub fn delete_table<M: Model>(&self) -> DeleteTable<'_, M> {
        DeleteTable::new(self)
    }

    /// Writes a new item; fails with [`Error::AlreadyExists`](crate::Error::AlreadyExists) if an
    /// item with its key exists.
    pub fn create<'a, M: Model>(&'a self, item: &'a M) -> Create<'a, M> {
        Create::new(self, item)
    }

    /// Writes an item, replacing any item with the same key.
    pub fn put<'a, M: Model>(&'a self, item: &'a M) -> Put<'a, M> {
        Put::new(self, item)
    }

    /// Reads the item with this key; `None` when there is none.
    pub fn get<K: PrimaryKey>(&self, key: K) -> Get<'_, K::Model> {
        Get::new(self, key)
    }

    /// Updates the item with this key in place; it must exist unless `.upsert()` is called.
    pub fn update<K: PrimaryKey>(&self, key: K) -> Update<'_, K::Model> {
        Update::new(self, key)
    }

    /// Queries `M`'s table (or, with `.index(..)`, one of its indexes) by hash key.
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
    pub fn transact_write(&self) -> TransactWrite<'_> {
        TransactWrite::new(self)
    }

    /// A consistent read of several items of any models: `.get::<User>(k1).get::<Order>(k2)`.
    pub fn transact_get(&self) -> TransactGet<'_, ()> {
        TransactGet::new(self)
    }

    /// Deletes the item with this key (no error when there is none).
    pub fn delete<K: PrimaryKey>(&self, key: K) -> Delete<'_, K::Model> {
        Delete::new(self, key)
    }
}
