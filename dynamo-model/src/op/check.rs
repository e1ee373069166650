//! The table as the code sees it against the table that exists: [`Db::check_table`] reports
//! every difference; [`Db::migrate_table`] applies the additive ones (a missing global index,
//! TTL) and nothing else. Nothing here runs inside data operations.

use std::fmt;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    BillingMode, GlobalSecondaryIndexUpdate, IndexStatus, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TableDescription, TimeToLiveStatus,
};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::op::built;
use crate::schema::{IndexDef, IndexKind, KeyDef};
use crate::table::{definition, Definition, Projected, Table};
use crate::value::ScalarType;

/// One difference between the table a model (or a [`table!`](crate::table!)) declares and the
/// table in DynamoDB. `expected` is the code's, `found` the live table's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// The table does not exist.
    TableMissing,
    /// The table's hash or range key differs (`"HASH"` or `"RANGE"`: `name (type)`, or none).
    Key {
        /// `HASH` or `RANGE`.
        role: &'static str,
        /// What the code declares.
        expected: Option<String>,
        /// What the table has.
        found: Option<String>,
    },
    /// An index the code declares is not on the table.
    MissingIndex {
        /// The index name.
        name: String,
        /// Global or local (a local index can only be created with the table).
        kind: IndexKind,
        /// Its definition, as [`Db::migrate_table`] would create it: `global on hash
        /// open_orders_pk (S), range open_orders_sk (S), projecting include(kind)`.
        expected: String,
    },
    /// An index on the table that no model declares.
    ExtraIndex {
        /// The index name.
        name: String,
    },
    /// An index has other keys, another kind or another projection than the code declares.
    IndexDefinition {
        /// The index name.
        name: String,
        /// The code's definition.
        expected: String,
        /// The table's.
        found: String,
    },
    /// TTL is off, or on another attribute.
    Ttl {
        /// The code's TTL attribute.
        expected: Option<String>,
        /// The attribute the table's TTL is enabled on.
        found: Option<String>,
    },
    /// The table is not billed on demand (what `create_table` sets).
    BillingMode {
        /// What the table has.
        found: String,
    },
}

impl Difference {
    /// Whether [`Db::migrate_table`] applies it: a missing global index, or TTL where the table
    /// has none. Everything else needs a decision only its owner can make.
    pub fn is_additive(&self) -> bool {
        match self {
            Difference::MissingIndex { kind, .. } => *kind == IndexKind::Global,
            Difference::Ttl {
                expected: Some(_),
                found: None,
            } => true,
            _ => false,
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
        match self {
            Difference::TableMissing => write!(f, "the table does not exist"),
            Difference::Key {
                role,
                expected,
                found,
            } => write!(
                f,
                "the {} key is {}, the code declares {}",
                role.to_lowercase(),
                or_none(found),
                or_none(expected)
            ),
            Difference::MissingIndex {
                name,
                kind,
                expected,
            } => match kind {
                IndexKind::Global => write!(f, "index `{name}` is missing: {expected}"),
                IndexKind::Local => write!(
                    f,
                    "index `{name}` is missing: {expected} (a local index can only be created with the table)"
                ),
            },
            Difference::ExtraIndex { name } => {
                write!(f, "index `{name}` is on the table but no model declares it")
            }
            Difference::IndexDefinition {
                name,
                expected,
                found,
            } => write!(f, "index `{name}` is {found}, the code declares {expected}"),
            Difference::Ttl { expected, found } => write!(
                f,
                "TTL is on {}, the code declares {}",
                or_none(found),
                or_none(expected)
            ),
            Difference::BillingMode { found } => {
                write!(f, "the table is billed {found}, not on demand")
            }
        }
    }
}

/// What [`Db::check_table`] found: every difference, in one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    /// The table's name.
    pub table: String,
    /// Every difference found; empty when the table is as the code declares it.
    pub differences: Vec<Difference>,
}

impl TableReport {
    /// The table is as the code declares it.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for TableReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.differences.is_empty() {
            return write!(f, "table `{}` is as the code declares it", self.table);
        }
        write!(f, "table `{}` differs from the code:", self.table)?;
        for difference in &self.differences {
            write!(f, "\n- {difference}")?;
        }
        Ok(())
    }
}

/// Compares the live table with the code. Built by [`Db::check_table`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct CheckTable<'a, T> {
    db: &'a Db,
    _table: std::marker::PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for CheckTable<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckTable").finish_non_exhaustive()
    }
}

impl<'a, T: Table> CheckTable<'a, T> {
    pub(crate) fn new(db: &'a Db) -> Self {
        CheckTable {
            db,
            _table: std::marker::PhantomData,
        }
    }

    /// Describes the table (DescribeTable, DescribeTimeToLive) and reports every difference.
    /// Changes nothing.
    pub async fn send(self) -> Result<TableReport> {
        let table = self.db.table_name_for(T::ENTITIES[0].table)?;
        let (differences, _) = compare::<T>(self.db, &table).await?;
        Ok(TableReport { table, differences })
    }
}

/// The table's description, or `None` when it does not exist.
async fn describe(db: &Db, table: &str) -> Result<Option<TableDescription>> {
    match db.client().describe_table().table_name(table).send().await {
        Ok(output) => Ok(output.table),
        Err(e) => match Error::from_sdk("DescribeTable", table, e) {
            Error::TableNotFound { .. } => Ok(None),
            other => Err(other),
        },
    }
}

/// The attribute TTL is enabled (or being enabled) on.
async fn ttl_attribute(db: &Db, table: &str) -> Result<Option<String>> {
    let output = db
        .client()
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DescribeTimeToLive", table, e))?;
    Ok(output.time_to_live_description().and_then(|d| {
        matches!(
            d.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        )
        .then(|| d.attribute_name().map(str::to_owned))
        .flatten()
    }))
}

fn scalar_name(scalar: ScalarType) -> &'static str {
    match scalar {
        ScalarType::String => "S",
        ScalarType::Number => "N",
        ScalarType::Binary => "B",
    }
}

fn show_key(key: &KeyDef) -> String {
    format!("{} ({})", key.name, scalar_name(key.scalar))
}

/// A key of the live table, shown as `name (type)`.
fn live_key(
    description: &TableDescription,
    keys: &[aws_sdk_dynamodb::types::KeySchemaElement],
    role: KeyType,
) -> Option<String> {
    let name = keys
        .iter()
        .find(|k| *k.key_type() == role)?
        .attribute_name();
    let scalar = description
        .attribute_definitions()
        .iter()
        .find(|a| a.attribute_name() == name)
        .map(|a| match a.attribute_type() {
            ScalarAttributeType::S => "S",
            ScalarAttributeType::N => "N",
            ScalarAttributeType::B => "B",
            _ => "?",
        })
        .unwrap_or("?");
    Some(format!("{name} ({scalar})"))
}

fn show_projection(projection: &Projected) -> String {
    match projection {
        Projected::All => "all".to_owned(),
        Projected::KeysOnly => "keys only".to_owned(),
        Projected::Include(names) => {
            let mut names = names.clone();
            names.sort_unstable();
            format!("include({})", names.join(", "))
        }
    }
}

fn live_projection(projection: Option<&Projection>) -> String {
    match projection.and_then(|p| p.projection_type()) {
        Some(ProjectionType::KeysOnly) => "keys only".to_owned(),
        Some(ProjectionType::Include) => {
            let mut names: Vec<&str> = projection
                .map(|p| p.non_key_attributes().iter().map(String::as_str).collect())
                .unwrap_or_default();
            names.sort_unstable();
            format!("include({})", names.join(", "))
        }
        _ => "all".to_owned(),
    }
}

/// An index shown as the comparison sees it: kind, keys, projection.
fn show_index(
    kind: IndexKind,
    hash: Option<String>,
    range: Option<String>,
    projection: String,
) -> String {
    let kind = match kind {
        IndexKind::Global => "global",
        IndexKind::Local => "local",
    };
    let range = range.map(|r| format!(", range {r}")).unwrap_or_default();
    format!(
        "{kind} on hash {}{range}, projecting {projection}",
        hash.unwrap_or_else(|| "none".to_owned())
    )
}

/// An index as the code defines it in `table` (what `create_table` and `migrate_table` create).
fn expected_index(table: &Definition, index: &IndexDef) -> String {
    show_index(
        index.kind,
        Some(show_key(&index.hash_key)),
        index.range_key.as_ref().map(show_key),
        show_projection(&table.projected(index)),
    )
}

/// Every difference between the code's table and the live one, and the live table's
/// description.
async fn compare<T: Table>(
    db: &Db,
    table: &str,
) -> Result<(Vec<Difference>, Option<TableDescription>)> {
    crate::table::check(T::ENTITIES)?;
    let expected = definition(T::ENTITIES);
    let Some(live) = describe(db, table).await? else {
        return Ok((vec![Difference::TableMissing], None));
    };
    let mut out = Vec::new();
    compare_keys(&expected, &live, &mut out);
    compare_indexes(&expected, &live, &mut out);
    let ttl = ttl_attribute(db, table).await?;
    if ttl.as_deref() != expected.ttl {
        out.push(Difference::Ttl {
            expected: expected.ttl.map(str::to_owned),
            found: ttl,
        });
    }
    let billing = live
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .cloned()
        .unwrap_or(BillingMode::Provisioned);
    if billing != BillingMode::PayPerRequest {
        out.push(Difference::BillingMode {
            found: billing.as_str().to_owned(),
        });
    }
    Ok((out, Some(live)))
}

fn compare_keys(expected: &Definition, live: &TableDescription, out: &mut Vec<Difference>) {
    let keys = live.key_schema();
    for (role, name, want) in [
        (KeyType::Hash, "HASH", Some(show_key(&expected.hash_key))),
        (
            KeyType::Range,
            "RANGE",
            expected.range_key.as_ref().map(show_key),
        ),
    ] {
        let found = live_key(live, keys, role);
        if found != want {
            out.push(Difference::Key {
                role: name,
                expected: want,
                found,
            });
        }
    }
}

fn compare_indexes(expected: &Definition, live: &TableDescription, out: &mut Vec<Difference>) {
    let global = live.global_secondary_indexes().iter().map(|i| {
        (
            IndexKind::Global,
            i.index_name().unwrap_or_default(),
            i.key_schema(),
            i.projection(),
        )
    });
    let local = live.local_secondary_indexes().iter().map(|i| {
        (
            IndexKind::Local,
            i.index_name().unwrap_or_default(),
            i.key_schema(),
            i.projection(),
        )
    });
    let live_indexes: Vec<_> = global.chain(local).collect();
    for index in &expected.indexes {
        match live_indexes
            .iter()
            .find(|(_, name, ..)| *name == index.name)
        {
            None => out.push(Difference::MissingIndex {
                name: index.name.to_owned(),
                kind: index.kind,
                expected: expected_index(expected, index),
            }),
            Some((kind, _, keys, projection)) => {
                let found = show_index(
                    *kind,
                    live_key(live, keys, KeyType::Hash),
                    live_key(live, keys, KeyType::Range),
                    live_projection(*projection),
                );
                let want = expected_index(expected, index);
                if found != want {
                    out.push(Difference::IndexDefinition {
                        name: index.name.to_owned(),
                        expected: want,
                        found,
                    });
                }
            }
        }
    }
    for (_, name, ..) in &live_indexes {
        if !expected.indexes.iter().any(|i| i.name == *name) {
            out.push(Difference::ExtraIndex {
                name: (*name).to_owned(),
            });
        }
    }
}

/// What [`Db::migrate_table`] did, and what it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The table's name.
    pub table: String,
    /// The differences it removed: global indexes created (and active), TTL enabled.
    pub applied: Vec<Difference>,
    /// The differences it left, which need a decision (deleting an index, another key, …).
    pub remaining: Vec<Difference>,
}

/// Applies the additive differences. Built by [`Db::migrate_table`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct MigrateTable<'a, T> {
    db: &'a Db,
    wait: Duration,
    _table: std::marker::PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for MigrateTable<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MigrateTable")
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl<'a, T: Table> MigrateTable<'a, T> {
    pub(crate) fn new(db: &'a Db) -> Self {
        MigrateTable {
            db,
            wait: Duration::from_secs(1800),
            _table: std::marker::PhantomData,
        }
    }

    /// How long to wait for each new index to become active (default: 30 minutes; building
    /// an index over a large table takes a while).
    pub fn wait_at_most(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Checks the table, then creates each missing global index (one at a time, as DynamoDB
    /// requires, waiting until it is active; on a provisioned table with the table's
    /// throughput) and enables TTL if the table has none. Deletes and
    /// changes nothing: an extra index, another key or projection, TTL on another attribute are
    /// left in [`Migration::remaining`]. A missing table is an error (`create_table` makes it).
    pub async fn send(self) -> Result<Migration> {
        let table = self.db.table_name_for(T::ENTITIES[0].table)?;
        let (differences, live) = compare::<T>(self.db, &table).await?;
        let Some(live) = live else {
            return Err(Error::TableNotFound { table });
        };
        // On a provisioned table an index needs its own throughput: the table's.
        let throughput = live
            .provisioned_throughput()
            .filter(|_| {
                differences
                    .iter()
                    .any(|d| matches!(d, Difference::BillingMode { .. }))
            })
            .and_then(|t| {
                aws_sdk_dynamodb::types::ProvisionedThroughput::builder()
                    .read_capacity_units(t.read_capacity_units()?)
                    .write_capacity_units(t.write_capacity_units()?)
                    .build()
                    .ok()
            });
        let expected = definition(T::ENTITIES);
        let (mut applied, mut remaining) = (Vec::new(), Vec::new());
        for difference in differences {
            if !difference.is_additive() {
                remaining.push(difference);
                continue;
            }
            match &difference {
                Difference::MissingIndex { name, .. } => {
                    let index = expected
                        .indexes
                        .iter()
                        .find(|i| i.name == name)
                        .expect("a missing index is one the code declares");
                    self.create_index(&table, index, &expected, throughput.clone())
                        .await?;
                }
                Difference::Ttl {
                    expected: Some(attribute),
                    ..
                } => super::table::enable_ttl(self.db, &table, attribute).await?,
                _ => unreachable!("is_additive names these"),
            }
            applied.push(difference);
        }
        Ok(Migration {
            table,
            applied,
            remaining,
        })
    }

    async fn create_index(
        &self,
        table: &str,
        index: &IndexDef,
        expected: &Definition,
        throughput: Option<aws_sdk_dynamodb::types::ProvisionedThroughput>,
    ) -> Result<()> {
        tracing::info!(
            table,
            index = index.name,
            "creating a global secondary index"
        );
        let keys = super::table::key_schema(&index.hash_key, index.range_key.as_ref())?;
        let create = aws_sdk_dynamodb::types::CreateGlobalSecondaryIndexAction::builder()
            .index_name(index.name)
            .set_key_schema(Some(keys))
            .projection(super::table::projection(expected.projected(index)))
            .set_provisioned_throughput(throughput)
            .build()
            .map_err(built)?;
        let mut request = self
            .db
            .client()
            .update_table()
            .table_name(table)
            .global_secondary_index_updates(
                GlobalSecondaryIndexUpdate::builder().create(create).build(),
            );
        // The index's key attributes need definitions (those the table has already are kept).
        for key in std::iter::once(index.hash_key).chain(index.range_key) {
            let known = expected.key_attributes.iter().find(|k| k.name == key.name);
            let key = known.copied().unwrap_or(key);
            request = request.attribute_definitions(
                aws_sdk_dynamodb::types::AttributeDefinition::builder()
                    .attribute_name(key.name)
                    .attribute_type(key.scalar.sdk())
                    .build()
                    .map_err(built)?,
            );
        }
        request
            .send()
            .await
            .map_err(|e| Error::from_sdk("UpdateTable", table, e))?;
        self.wait_for_index(table, index.name).await
    }

    /// Polls until the index is active (DynamoDB builds it in the background).
    async fn wait_for_index(&self, table: &str, name: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            let live = describe(self.db, table).await?;
            let status = live.as_ref().and_then(|t| {
                t.global_secondary_indexes()
                    .iter()
                    .find(|i| i.index_name() == Some(name))
                    .and_then(
                        |i: &aws_sdk_dynamodb::types::GlobalSecondaryIndexDescription| {
                            i.index_status().cloned()
                        },
                    )
            });
            if status == Some(IndexStatus::Active) {
                return Ok(());
            }
            if started.elapsed() > self.wait {
                return Err(Error::Wait {
                    table: table.to_owned(),
                    source: format!(
                        "index `{name}` is not active after {:?} (status {status:?}); DynamoDB is still building it",
                        self.wait
                    )
                    .into(),
                });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
