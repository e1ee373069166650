//! TransactWriteItems and TransactGetItems: all-or-nothing across models and tables.

use std::collections::{HashSet, VecDeque};

use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, Put, ReturnValuesOnConditionCheckFailure, TransactGetItem,
    TransactWriteItem, Update as SdkUpdate,
};

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;

use crate::db::Db;
pub use crate::error::{CancellationCode, CancellationReason};
use crate::error::{Error, Result, StoredItem};
use crate::expr::condition::{Condition, Node};
use crate::expr::writer::{with_condition, RenderedCondition};
use crate::model::{Model, PrimaryKey};
use crate::op::retry::Repeat;
use crate::op::update::{RenderedUpdate, Update};
use crate::op::{built, span};
use crate::pipeline::update::{explain_guards_in, Guard};
use crate::pipeline::write::{prepare, Conditions, WriteKind};
use crate::timestamp::Timestamp;
use crate::value::Item;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

/// DynamoDB's limit of actions in one transaction.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;

/// Writes that all happen or none does, across models and tables. Built by
/// [`Db::transact_write`].
///
/// Checked before sending: 1 to 100 actions, at most one action per item, every item valid,
/// the client request token 1 to 36 characters. A random idempotency token is set when none is
/// given, so a retried request is applied once.
#[must_use = "a request does nothing until `.send().await`"]
pub struct TransactWrite<'a> {
    db: &'a Db,
    actions: Vec<Action>,
    /// The actions that could not be built: their place, their model, why.
    errors: Vec<(usize, &'static str, Error)>,
    /// An error of the transaction as a whole (a bad token, an action it cannot hold).
    error: Option<Error>,
    token: Option<String>,
    return_items: bool,
    meter: Option<crate::Capacity>,
}

/// One action of a transaction, with what identifies it.
struct Action {
    /// The model's full type name: which of [`Written::stored`]'s models the action wrote (its
    /// last segment names the action in errors).
    type_name: &'static str,
    table: String,
    key: Item,
    item: TransactWriteItem,
    /// The guards of an update's relative changes, to explain a failed condition.
    guards: Vec<Guard>,
    /// What it writes, as DynamoDB counts a transaction's size.
    size: usize,
}

impl<'a> TransactWrite<'a> {
    pub(crate) fn new(db: &'a Db) -> Self {
        TransactWrite {
            db,
            actions: Vec::new(),
            errors: Vec::new(),
            error: None,
            token: None,
            return_items: false,
            meter: None,
        }
    }

    fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// Adds a built action of a `model`, or keeps why it could not be built, to report with
    /// every other action's on `send`.
    fn push(&mut self, model: &'static str, action: Result<Action>) {
        match action {
            Ok(action) => self.actions.push(action),
            Err(e) => {
                let index = self.actions.len() + self.errors.len();
                self.errors.push((index, model, e));
            }
        }
    }

    /// Why the transaction cannot be sent (see [`refusal`]), from its actions' errors as
    /// they are kept (each reported again, for `request()`).
    fn refused(&self) -> Option<Error> {
        if let Some(error) = &self.error {
            return Some(error.replay());
        }
        crate::error::refusal(
            "actions",
            self.errors
                .iter()
                .map(|(i, model, e)| (*i, *model, e.replay()))
                .collect(),
        )
    }

    fn on_failure(&self) -> Option<ReturnValuesOnConditionCheckFailure> {
        self.return_items
            .then_some(ReturnValuesOnConditionCheckFailure::AllOld)
    }

    fn put_node<M: Model>(&mut self, item: &M, condition: Option<Node>, kind: WriteKind) {
        let on_failure = self.on_failure();
        let action = (|| {
            let table = self.db.table::<M>()?;
            // The same pipeline as `Db::create` and `Db::put`: version checked and bumped,
            // timestamps, limits.
            let prepared = prepare(item, kind, Timestamp::now(), None)?;
            let key = crate::pipeline::write::key_of(M::SCHEMA, &prepared.item);
            let size = crate::limits::item_size(&prepared.item);
            let mut conditions = Conditions::default();
            conditions.require(prepared.condition);
            conditions.user(M::SCHEMA, condition.as_ref());
            let put = Put::builder()
                .table_name(&table)
                .set_item(Some(prepared.item))
                .set_return_values_on_condition_check_failure(on_failure);
            let put = with_condition!(put, conditions.rendered()?)
                .build()
                .map_err(built)?;
            Ok(Action {
                type_name: std::any::type_name::<M>(),
                table: table.clone(),
                key,
                item: TransactWriteItem::builder().put(put).build(),
                guards: Vec::new(),
                size,
            })
        })();
        self.push(crate::pipeline::read::model_name::<M>(), action);
    }

    /// Puts a new item: the transaction is canceled if an item with its key exists.
    pub fn create<M: Model>(mut self, item: &M) -> Self {
        self.put_node(item, None, WriteKind::Create);
        self
    }

    /// Puts an item, replacing any item with its key.
    pub fn put<M: Model>(mut self, item: &M) -> Self {
        self.put_node(item, None, WriteKind::Put);
        self
    }

    /// Puts an item if `condition` holds for the stored one.
    pub fn put_if<M: Model>(mut self, item: &M, condition: Condition<M>) -> Self {
        self.put_node(item, Some(condition.node), WriteKind::Put);
        self
    }

    /// Updates an item with the same typed actions as [`Db::update`]: `|u| u.add(..).condition(..)`.
    /// The item must exist unless the update calls `.upsert()`.
    pub fn update<M: Model>(
        mut self,
        key: M::Key,
        build: impl FnOnce(Update<'a, M>) -> Update<'a, M>,
    ) -> Self {
        let update = build(Update::new(self.db, key));
        let guards = update.guards().to_vec();
        // A guard's failure is explained from the stored item.
        let on_failure = if guards.is_empty() {
            self.on_failure()
        } else {
            Some(ReturnValuesOnConditionCheckFailure::AllOld)
        };
        let action = update.render(Timestamp::now(), None).and_then(
            |RenderedUpdate {
                 key,
                 table,
                 update,
                 condition,
                 names,
                 values,
                 ..
             }| {
                let size = crate::limits::item_size(&key)
                    + values
                        .iter()
                        .flatten()
                        .map(|(_, v)| crate::limits::value_size(v))
                        .sum::<usize>();
                let action = SdkUpdate::builder()
                    .table_name(&table)
                    .set_key(Some(key.clone()))
                    .update_expression(update)
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(built)?;
                Ok(Action {
                    type_name: std::any::type_name::<M>(),
                    table,
                    key,
                    item: TransactWriteItem::builder().update(action).build(),
                    guards,
                    size,
                })
            },
        );
        self.push(crate::pipeline::read::model_name::<M>(), action);
        self
    }

    fn keyed<M: Model>(
        &self,
        key: &M::Key,
        condition: Option<&Node>,
    ) -> Result<(String, Item, RenderedCondition)> {
        let table = self.db.table::<M>()?;
        let key = key.to_item()?;
        let mut conditions = Conditions::default();
        conditions.user(M::SCHEMA, condition);
        Ok((table, key, conditions.rendered()?))
    }

    /// Adds an action on the item with `key`: `build` makes it from the table, the key and the
    /// rendered condition (shared by delete, delete_if and check).
    fn keyed_action<M: Model>(
        mut self,
        key: M::Key,
        condition: Option<&Node>,
        build: impl FnOnce(
            &str,
            Item,
            RenderedCondition,
            Option<ReturnValuesOnConditionCheckFailure>,
        ) -> Result<TransactWriteItem>,
    ) -> Self {
        let on_failure = self.on_failure();
        let action = self
            .keyed::<M>(&key, condition)
            .and_then(|(table, key, rendered)| {
                let item = build(&table, key.clone(), rendered, on_failure)?;
                Ok(Action {
                    type_name: std::any::type_name::<M>(),
                    table,
                    size: crate::limits::item_size(&key),
                    key,
                    item,
                    guards: Vec::new(),
                })
            });
        self.push(crate::pipeline::read::model_name::<M>(), action);
        self
    }

    fn delete_node<M: Model>(self, key: M::Key, condition: Option<Node>) -> Self {
        self.keyed_action::<M>(
            key,
            condition.as_ref(),
            |table, key, rendered, on_failure| {
                let delete = Delete::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .set_return_values_on_condition_check_failure(on_failure);
                let delete = with_condition!(delete, rendered).build().map_err(built)?;
                Ok(TransactWriteItem::builder().delete(delete).build())
            },
        )
    }

    /// Deletes the item with `key`.
    pub fn delete<M: Model>(self, key: M::Key) -> Self {
        self.delete_node::<M>(key, None)
    }

    /// Deletes the item with `key` if `condition` holds.
    pub fn delete_if<M: Model>(self, key: M::Key, condition: Condition<M>) -> Self {
        self.delete_node::<M>(key, Some(condition.node))
    }

    /// Deletes the item with `key` if its stored version is `version` (optimistic locking, as
    /// [`Delete::if_version`](crate::Delete::if_version)); otherwise the transaction is
    /// canceled. Refused before sending for a model without a version.
    pub fn delete_if_version<M: Model>(mut self, key: M::Key, version: impl Into<i128>) -> Self {
        let Some(name) = M::SCHEMA.version else {
            self.fail(Error::InvalidRequest {
                message: format!(
                    "`delete_if_version` needs a versioned model; `{}` has no `#[dynamo(version)]` field: use `delete_if` with a condition",
                    std::any::type_name::<M>()
                ),
            });
            return self;
        };
        // As the caller's condition: an expired item has no version.
        let node = crate::pipeline::write::version_is(name, version.into());
        self.delete_node::<M>(key, Some(node))
    }

    /// Requires `condition` to hold for the item with `key`, changing nothing.
    pub fn check<M: Model>(self, key: M::Key, condition: Condition<M>) -> Self {
        self.keyed_action::<M>(
            key,
            Some(&condition.node),
            |table, key, rendered, on_failure| {
                let check = ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(key))
                    .set_return_values_on_condition_check_failure(on_failure);
                let check = with_condition!(check, rendered).build().map_err(built)?;
                Ok(TransactWriteItem::builder().condition_check(check).build())
            },
        )
    }

    /// The idempotency token: a retry with the same token within 10 minutes is applied once.
    /// A random one is set when none is given; give your own to make a retry across processes
    /// (a request your caller sends again) apply once too.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Adds the capacity the transaction consumes to `meter` (a transactional write costs
    /// twice a write).
    pub fn capacity(mut self, meter: &crate::Capacity) -> Self {
        self.meter = Some(meter.clone());
        self
    }

    /// Canceled actions whose condition failed carry the stored item in their
    /// [`CancellationReason`]. Applies to the actions added after this call.
    pub fn return_items_on_condition_failure(mut self) -> Self {
        self.return_items = true;
        self
    }

    fn check_all(&self) -> Result<()> {
        let invalid = |message: String| Err(Error::InvalidRequest { message });
        let count = self.actions.len();
        if count == 0 {
            return invalid("the transaction has no actions".into());
        }
        if count > MAX_TRANSACTION_ACTIONS {
            return invalid(format!(
                "the transaction has {count} actions, over DynamoDB's limit of {MAX_TRANSACTION_ACTIONS}; split it"
            ));
        }
        let mut seen = HashSet::new();
        for (i, Action { table, key, .. }) in self.actions.iter().enumerate() {
            let mut names: Vec<_> = key.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            names.sort();
            let text = names.join(",");
            if !seen.insert((table.clone(), text.clone())) {
                return invalid(format!(
                    "action {i} touches the item {text} of table `{table}` again; DynamoDB allows one action per item in a transaction"
                ));
            }
        }
        let size: usize = self.actions.iter().map(|a| a.size).sum();
        if size > crate::limits::MAX_TRANSACTION_SIZE {
            return invalid(format!(
                "the transaction writes {size} bytes, over DynamoDB's limit of {} (4 MB); split it",
                crate::limits::MAX_TRANSACTION_SIZE
            ));
        }
        match &self.token {
            Some(token) => crate::op::retry::check_token(token),
            None => Ok(()),
        }
    }

    /// The TransactWriteItems request this would send, without sending it.
    pub fn request(&self) -> Result<TransactWriteItemsInput> {
        if let Some(error) = self.refused() {
            return Err(error);
        }
        self.check_all()?;
        TransactWriteItemsInput::builder()
            .set_transact_items(Some(self.actions.iter().map(|a| a.item.clone()).collect()))
            .set_client_request_token(self.token.clone())
            .build()
            .map_err(built)
    }

    /// Sends the transaction: every action happens, or none does and the error is
    /// [`Error::TransactionCanceled`] with one reason per action, in order.
    ///
    /// It always carries an idempotency token (a random one when none was given), so a retry
    /// after a lost response is applied once: failures are retried, and when the last attempt
    /// still leaves it unknown whether the transaction was applied, the error is
    /// [`Error::OutcomeUnknown`].
    ///
    /// It returns what it wrote: the stored model of each create and put ([`Written::stored`]),
    /// as single writes do. DynamoDB gives a transaction's updates no values back
    /// (TransactWriteItems has no `ReturnValues`), so updates, deletes and checks give nothing;
    /// read them afterwards with [`Db::transact_get`] where needed.
    pub async fn send(self) -> Result<Written> {
        let span = span::request_span!(
            "TransactWriteItems",
            span::table_names(self.actions.iter().map(|a| a.table.as_str()))
        );
        span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(mut self) -> Result<Written> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if let Some(error) = crate::error::refusal("actions", std::mem::take(&mut self.errors)) {
            return Err(error);
        }
        self.check_all()?;
        let mut tables = Vec::with_capacity(self.actions.len());
        let mut guards = Vec::with_capacity(self.actions.len());
        let mut items = Vec::with_capacity(self.actions.len());
        let mut named = Vec::with_capacity(self.actions.len());
        let mut types = Vec::with_capacity(self.actions.len());
        for action in self.actions {
            types.push(action.type_name);
            tables.push(action.table.clone());
            guards.push(action.guards);
            items.push(action.item);
            named.push((
                crate::pipeline::read::short_name(action.type_name),
                action.table,
                action.key,
            ));
        }
        let token = self.token.unwrap_or_else(crate::op::retry::token);
        tracing::debug!(actions = tables.len(), "TransactWriteItems");
        let client = self.db.writer();
        let capacity = crate::capacity::asked(self.meter.as_ref());
        let first = tables.first().cloned().unwrap_or_default();
        let attempts = crate::op::retry::send(
            self.db.retry_policy(),
            Repeat::Token,
            |n| {
                span::requests(n as usize + 1);
                let request = client
                    .transact_write_items()
                    .set_transact_items(Some(items.clone()))
                    .client_request_token(&token)
                    .set_return_consumed_capacity(capacity.clone())
                    .send();
                Ok(span::child(
                    span::request_span!(
                        "TransactWriteItems",
                        span::table_names(tables.iter().map(String::as_str))
                    ),
                    request,
                ))
            },
            |err| match err.as_service_error() {
                // With its token, a transaction that was applied is not canceled on a resend:
                // a cancellation means no attempt was applied.
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                    canceled(e.cancellation_reasons(), &guards, &named)
                }
                _ => Error::from_sdk("TransactWriteItems", &first, err),
            },
        )
        .await?;
        match attempts.finish("TransactWriteItems", &first, Some(&token)) {
            Ok(output) => {
                crate::capacity::record_all(self.meter.as_ref(), output.consumed_capacity());
                // The items put are the ones the request carried: no copy was made for this.
                let stored = types
                    .into_iter()
                    .zip(items)
                    .map(|(type_name, item)| (type_name, item.put.map(|put| put.item)))
                    .collect();
                Ok(Written { stored })
            }
            Err(Error::TableNotFound { .. }) => Err(Error::TableNotFound {
                table: crate::op::missing_table(self.db, &tables).await,
            }),
            Err(error) => Err(error),
        }
    }
}

/// What a transaction wrote: the item each create and put stored (its version and timestamps
/// as written), in the order the actions were added. Returned by [`TransactWrite::send`].
#[derive(Clone, PartialEq)]
pub struct Written {
    /// Per action: its model's type name, and the item a put stored.
    stored: Vec<(&'static str, Option<Item>)>,
}

impl Written {
    /// The stored models of type `M`, one per create or put of an `M`, in the order added:
    /// what a single `create` or `put` returns, without reading the table again.
    pub fn stored<M: Model>(&self) -> Result<Vec<M>> {
        let name = std::any::type_name::<M>();
        self.stored
            .iter()
            .filter(|(type_name, _)| *type_name == name)
            .filter_map(|(_, item)| item.clone())
            .map(crate::pipeline::read::decode::<M>)
            .collect()
    }

    /// The item each action stored, in order: `Some` for a create or put, `None` for an
    /// update, delete or check (DynamoDB returns nothing for those).
    pub fn items(&self) -> impl Iterator<Item = Option<&Item>> {
        self.stored.iter().map(|(_, item)| item.as_ref())
    }
}

/// Stored values are the caller's data: shown like an error's, redacted unless
/// [`show_item_values`](crate::show_item_values) is on.
impl std::fmt::Debug for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let items: Vec<Option<crate::error::Redacted<'_>>> = self
            .stored
            .iter()
            .map(|(_, item)| item.as_ref().map(crate::error::Redacted))
            .collect();
        f.debug_struct("Written").field("stored", &items).finish()
    }
}

/// A canceled transaction's error: DynamoDB's reasons, one per action, each explained by the
/// guards of its action's relative updates.
fn canceled(
    reasons: &[aws_sdk_dynamodb::types::CancellationReason],
    guards: &[Vec<Guard>],
    actions: &[(&'static str, String, Item)],
) -> Error {
    Error::TransactionCanceled {
        reasons: reasons
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let guards = guards.get(i).map_or(&[][..], Vec::as_slice);
                let violations = match &r.item {
                    Some(item) => explain_guards_in(guards, item),
                    None => Vec::new(),
                };
                let (model, table, key) =
                    actions
                        .get(i)
                        .cloned()
                        .unwrap_or(("?", String::new(), Item::new()));
                CancellationReason {
                    code: CancellationCode::from_code(r.code.as_deref()),
                    message: r.message.clone(),
                    item: r.item.clone().map(StoredItem::from),
                    violations,
                    action: i,
                    model,
                    table,
                    key: key.into(),
                }
            })
            .collect(),
    }
}

/// Reads several items, of any models, as one consistent snapshot. Built by
/// [`Db::transact_get`]; `.get::<M>(key)` adds an item, and `send` returns a tuple with an
/// `Option<M>` per `get`, in order.
#[must_use = "a request does nothing until `.send().await`"]
pub struct TransactGet<'a, T> {
    db: &'a Db,
    gets: Vec<Result<(String, TransactGetItem)>>,
    meter: Option<crate::Capacity>,
    _output: std::marker::PhantomData<fn() -> T>,
}

impl<'a> TransactGet<'a, ()> {
    pub(crate) fn new(db: &'a Db) -> Self {
        TransactGet {
            db,
            gets: Vec::new(),
            meter: None,
            _output: std::marker::PhantomData,
        }
    }
}

/// One item a transactional read returned, with what names it in an error.
#[doc(hidden)]
pub struct ReadSlot {
    item: Option<Item>,
    table: String,
    key: Item,
}

impl ReadSlot {
    fn read<M: Model>(self) -> Result<Option<M>> {
        let ReadSlot { item, table, key } = self;
        match item {
            Some(item) => crate::pipeline::read::read::<M>(item)
                .map_err(|e| e.about_item(|| crate::pipeline::read::describe_key(&table, &key))),
            None => Ok(None),
        }
    }
}

/// A tuple of `Option<Model>`s read back from a transaction, one element per `get`.
pub trait TransactGetOutput: Sized {
    #[doc(hidden)]
    fn read(items: &mut VecDeque<ReadSlot>) -> Result<Self>;
}

/// A tuple type with one more element: how `TransactGet::get` grows its output.
pub trait Append<M> {
    /// The tuple with `Option<M>` added at the end.
    type Output;
}

macro_rules! tuples {
    ($(($($t:ident),*)),*) => {$(
        impl<$($t: Model,)* N> Append<N> for ($(Option<$t>,)*) {
            type Output = ($(Option<$t>,)* Option<N>,);
        }

        impl<$($t: Model),*> TransactGetOutput for ($(Option<$t>,)*) {
            #[allow(unused_variables, clippy::unused_unit)]
            fn read(items: &mut VecDeque<ReadSlot>) -> Result<Self> {
                Ok(($(
                    match items.pop_front() {
                        Some(slot) => slot.read::<$t>()?,
                        None => None,
                    },
                )*))
            }
        }
    )*};
}

tuples!(
    (),
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F),
    (A, B, C, D, E, F, G),
    (A, B, C, D, E, F, G, H)
);

impl<'a, T> TransactGet<'a, T> {
    /// Reads the item with `key` (`None` in the output when there is none).
    pub fn get<M: Model>(mut self, key: M::Key) -> TransactGet<'a, T::Output>
    where
        T: Append<M>,
    {
        let get = self.db.table::<M>().and_then(|table| {
            let key = key.to_item()?;
            Get::builder()
                .table_name(&table)
                .set_key(Some(key))
                .build()
                .map_err(built)
                .map(|get| (table, TransactGetItem::builder().get(get).build()))
        });
        self.gets.push(get);
        TransactGet {
            db: self.db,
            gets: self.gets,
            meter: self.meter,
            _output: std::marker::PhantomData,
        }
    }

    /// Adds the capacity the request consumes to `meter` (a transactional read costs twice a
    /// read).
    pub fn capacity(mut self, meter: &crate::Capacity) -> Self {
        self.meter = Some(meter.clone());
        self
    }

    /// The gets, checked: 1 to 100 of them, each built.
    fn checked(&self) -> Result<Vec<(String, TransactGetItem)>> {
        let mut gets = Vec::with_capacity(self.gets.len());
        for get in &self.gets {
            match get {
                Ok(get) => gets.push(get.clone()),
                Err(e) => return Err(e.replay()),
            }
        }
        if gets.is_empty() || gets.len() > MAX_TRANSACTION_ACTIONS {
            return Err(Error::InvalidRequest {
                message: format!(
                    "a transactional read has 1 to {MAX_TRANSACTION_ACTIONS} gets, not {}",
                    gets.len()
                ),
            });
        }
        Ok(gets)
    }

    /// The TransactGetItems request this would send, without sending it.
    pub fn request(&self) -> Result<TransactGetItemsInput> {
        let gets = self.checked()?;
        TransactGetItemsInput::builder()
            .set_transact_items(Some(gets.into_iter().map(|(_, get)| get).collect()))
            .build()
            .map_err(built)
    }

    /// Sends the request: one `Option` per `get`, in order (`None` for a missing or expired
    /// item).
    pub async fn send(self) -> Result<T>
    where
        T: TransactGetOutput,
    {
        let span = span::request_span!(
            "TransactGetItems",
            span::table_names(self.gets.iter().flatten().map(|(table, _)| table.as_str()))
        );
        span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(self) -> Result<T>
    where
        T: TransactGetOutput,
    {
        let (tables, gets): (Vec<String>, Vec<TransactGetItem>) =
            self.checked()?.into_iter().unzip();
        // The keys name the items in a read error.
        let keys: Vec<Item> = gets
            .iter()
            .map(|g| g.get().map(|g| g.key().clone()).unwrap_or_default())
            .collect();
        tracing::debug!(gets = gets.len(), "TransactGetItems");
        span::requests(1);
        let request = self
            .db
            .client()
            .transact_get_items()
            .set_transact_items(Some(gets))
            .set_return_consumed_capacity(crate::capacity::asked(self.meter.as_ref()))
            .send();
        let result = span::child(
            span::request_span!(
                "TransactGetItems",
                span::table_names(tables.iter().map(String::as_str))
            ),
            request,
        )
        .await;
        let output = match result.map_err(|e| Error::from_sdk("TransactGetItems", "", e)) {
            Ok(output) => output,
            Err(Error::TableNotFound { .. }) => {
                return Err(Error::TableNotFound {
                    table: crate::op::missing_table(self.db, &tables).await,
                })
            }
            Err(e) => return Err(e),
        };
        crate::capacity::record_all(self.meter.as_ref(), output.consumed_capacity());
        let mut items: VecDeque<ReadSlot> = output
            .responses
            .unwrap_or_default()
            .into_iter()
            .zip(tables.into_iter().zip(keys))
            .map(|(r, (table, key))| ReadSlot {
                item: r.item.filter(|i| !i.is_empty()),
                table,
                key,
            })
            .collect();
        T::read(&mut items)
    }
}

/// The request it would send, values redacted (see [`show_item_values`](crate::show_item_values)).
impl std::fmt::Debug for TransactWrite<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "TransactWrite", self.request())
    }
}

/// The request it would send, key values redacted (see
/// [`show_item_values`](crate::show_item_values)).
impl<T> std::fmt::Debug for TransactGet<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "TransactGet", self.request())
    }
}

/// Names and types of the item read, values redacted (see
/// [`show_item_values`](crate::show_item_values)).
impl std::fmt::Debug for ReadSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadSlot")
            .field("table", &self.table)
            .field("key", &crate::error::Redacted(&self.key))
            .field("item", &self.item.as_ref().map(crate::error::Redacted))
            .finish()
    }
}
