//! CreateTable and DeleteTable, from a model's schema.

use std::marker::PhantomData;
use std::time::Duration;

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::operation::create_table::CreateTableInput;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification, TimeToLiveStatus,
};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::op::built;
use crate::schema::{IndexKind, KeyDef};
use crate::table::{Projected, Table};

/// The name a `Db` gives a table, checked.
fn table_name<T: Table>(db: &Db) -> Result<String> {
    db.table_name_for(T::ENTITIES[0].table)
}

/// How long `create_table` and `delete_table` wait for the table by default. Creating a table
/// with indexes on AWS usually takes seconds, rarely minutes.
const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// What [`CreateTable::send`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateTableOutcome {
    /// The table was created and is active.
    Created,
    /// The table existed already (only with [`CreateTable::if_not_exists`]); it is active.
    AlreadyExisted,
}

/// Creates a model's table, or a table several models share ([`table!`](crate::table!)).
/// Built by [`Db::create_table`].
///
/// The table gets the key schema, every global and local secondary index its models declare,
/// on-demand billing, and TTL on the model's `ttl` attribute. `send` returns once the table is
/// active.
#[must_use = "a request does nothing until `.send().await`"]
pub struct CreateTable<'a, M> {
    db: &'a Db,
    if_not_exists: bool,
    wait: Duration,
    stream: Option<StreamViewType>,
    _model: PhantomData<fn() -> M>,
}

impl<'a, M: Table> CreateTable<'a, M> {
    pub(crate) fn new(db: &'a Db) -> Self {
        CreateTable {
            db,
            if_not_exists: false,
            wait: DEFAULT_WAIT,
            stream: None,
            _model: PhantomData,
        }
    }

    /// Succeeds when the table exists already (whatever its schema), instead of failing.
    pub fn if_not_exists(mut self) -> Self {
        self.if_not_exists = true;
        self
    }

    /// How long to wait for the table to become active (default: 5 minutes).
    pub fn wait_at_most(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Enables a DynamoDB stream on the new table, holding what `view` says of each change
    /// (`NewAndOldImages` for both images). Feature `streams` reads its records as typed
    /// changes: `streams::Change`. (A table that already exists, with
    /// `if_not_exists`, is left as it is.)
    pub fn stream(mut self, view: StreamViewType) -> Self {
        self.stream = Some(view);
        self
    }

    fn prepare(&self) -> Result<(CreateTableFluentBuilder, String)> {
        crate::table::check(M::ENTITIES)?;
        let schema = crate::table::definition(M::ENTITIES);
        let table = table_name::<M>(self.db)?;
        let mut request = self
            .db
            .client()
            .create_table()
            .table_name(&table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(key_schema(
                &schema.hash_key,
                schema.range_key.as_ref(),
            )?));
        for key in &schema.key_attributes {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(key.name)
                    .attribute_type(key.scalar.sdk())
                    .build()
                    .map_err(built)?,
            );
        }
        if let Some(view) = &self.stream {
            request = request.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(view.clone())
                    .build()
                    .map_err(built)?,
            );
        }
        for index in &schema.indexes {
            let keys = key_schema(&index.hash_key, index.range_key.as_ref())?;
            let projection = projection(schema.projected(index));
            request = match index.kind {
                IndexKind::Global => request.global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(keys))
                        .projection(projection)
                        .build()
                        .map_err(built)?,
                ),
                IndexKind::Local => request.local_secondary_indexes(
                    LocalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(keys))
                        .projection(projection)
                        .build()
                        .map_err(built)?,
                ),
            };
        }
        Ok((request, table))
    }

    /// The CreateTable request this would send, without sending it.
    pub fn request(&self) -> Result<CreateTableInput> {
        let (request, _) = self.prepare()?;
        request.as_input().clone().build().map_err(built)
    }

    /// Sends the request and waits until the table is active.
    pub async fn send(self) -> Result<CreateTableOutcome> {
        let span = crate::op::span::request_span!(
            "CreateTable",
            self.db.table_name_of(M::ENTITIES[0].table)
        );
        crate::op::span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(self) -> Result<CreateTableOutcome> {
        let (request, table) = self.prepare()?;
        tracing::debug!(table = %table, "CreateTable");
        let outcome = match request.send().await {
            Ok(_) => CreateTableOutcome::Created,
            Err(err) => {
                let in_use = err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception());
                if !(in_use && self.if_not_exists) {
                    return Err(Error::from_sdk("CreateTable", &table, err));
                }
                CreateTableOutcome::AlreadyExisted
            }
        };
        self.db
            .client()
            .wait_until_table_exists()
            .table_name(&table)
            .wait(self.wait)
            .await
            .map_err(|e| Error::Wait {
                table: table.clone(),
                source: Box::new(e),
            })?;
        if let Some(attribute) = crate::table::definition(M::ENTITIES).ttl {
            enable_ttl(self.db, &table, attribute).await?;
        }
        Ok(outcome)
    }
}

/// Turns on TTL for `attribute` of `table`, unless it is on already (create_table and
/// migrate_table).
pub(crate) async fn enable_ttl(db: &Db, table: &str, attribute: &str) -> Result<()> {
    let client = db.client();
    let current = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DescribeTimeToLive", table, e))?;
    let enabled = current.time_to_live_description().is_some_and(|d| {
        d.attribute_name() == Some(attribute)
            && matches!(
                d.time_to_live_status(),
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            )
    });
    if !enabled {
        let specification = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build()
            .map_err(built)?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(specification)
            .send()
            .await
            .map_err(|e| Error::from_sdk("UpdateTimeToLive", table, e))?;
    }
    Ok(())
}

pub(crate) fn key_schema(hash: &KeyDef, range: Option<&KeyDef>) -> Result<Vec<KeySchemaElement>> {
    std::iter::once((hash, KeyType::Hash))
        .chain(range.map(|range| (range, KeyType::Range)))
        .map(|(key, key_type)| {
            KeySchemaElement::builder()
                .attribute_name(key.name)
                .key_type(key_type)
                .build()
                .map_err(built)
        })
        .collect()
}

/// The SDK's projection of an index as [`Definition::projected`] gives it.
pub(crate) fn projection(projection: Projected) -> Projection {
    let builder = Projection::builder();
    match projection {
        Projected::All => builder.projection_type(ProjectionType::All),
        Projected::KeysOnly => builder.projection_type(ProjectionType::KeysOnly),
        Projected::Include(attributes) => builder
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(attributes.iter().map(|a| (*a).to_owned()).collect())),
    }
    .build()
}

/// Deletes a model's table (or a shared one). Built by [`Db::delete_table`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct DeleteTable<'a, M> {
    db: &'a Db,
    if_exists: bool,
    wait: Duration,
    _model: PhantomData<fn() -> M>,
}

impl<'a, M: Table> DeleteTable<'a, M> {
    pub(crate) fn new(db: &'a Db) -> Self {
        DeleteTable {
            db,
            if_exists: false,
            wait: DEFAULT_WAIT,
            _model: PhantomData,
        }
    }

    /// Succeeds when the table does not exist, instead of failing with
    /// [`Error::TableNotFound`].
    pub fn if_exists(mut self) -> Self {
        self.if_exists = true;
        self
    }

    /// How long to wait for the table to go away (default: 5 minutes).
    pub fn wait_at_most(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Sends the request and waits until the table is gone. Returns whether a table was deleted.
    pub async fn send(self) -> Result<bool> {
        let span = crate::op::span::request_span!(
            "DeleteTable",
            self.db.table_name_of(M::ENTITIES[0].table)
        );
        crate::op::span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(self) -> Result<bool> {
        let table = table_name::<M>(self.db)?;
        tracing::debug!(table = %table, "DeleteTable");
        let result = self
            .db
            .client()
            .delete_table()
            .table_name(&table)
            .send()
            .await;
        match result.map_err(|e| Error::from_sdk("DeleteTable", &table, e)) {
            Ok(_) => {}
            Err(Error::TableNotFound { .. }) if self.if_exists => return Ok(false),
            Err(other) => return Err(other),
        }
        self.db
            .client()
            .wait_until_table_not_exists()
            .table_name(&table)
            .wait(self.wait)
            .await
            .map_err(|e| Error::Wait {
                table: table.clone(),
                source: Box::new(e),
            })?;
        Ok(true)
    }
}

/// The table definition it would send.
impl<M: Table> std::fmt::Debug for CreateTable<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "CreateTable", self.request())
    }
}

impl<M: Table> std::fmt::Debug for DeleteTable<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeleteTable")
            .field("table", &self.db.table_name_of(M::ENTITIES[0].table))
            .field("if_exists", &self.if_exists)
            .field("wait", &self.wait)
            .finish()
    }
}
