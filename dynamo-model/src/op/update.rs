//! UpdateItem: typed SET / REMOVE / ADD / DELETE actions on one item.

use std::marker::PhantomData;

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::capacity;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::operand::Term;
use crate::expr::operand::{Operand, ValueFor};
use crate::expr::path::PathOf;
use crate::expr::update::{
    value_term, Addable, List, Numeric, Removable, Set, SetOperand, SetValue, UpdateActions,
};
use crate::expr::writer::{with_condition, RenderedCondition};
use crate::expr::ExpressionWriter;
use crate::model::{Attributes, Model, PrimaryKey};
use crate::op::built;
use crate::op::options::WriteOptions;
use crate::op::retry::{self, Concluded, Repeat, SingleWrite};
use crate::op::span;
use crate::pipeline::identity::{Expects, Identity, WriteToken};
use crate::pipeline::update::{
    explain_failure, members, plan, zero_like, ActionChecks, Change, Guard, UpdateSpec,
};
use crate::timestamp::Timestamp;
use crate::value::Item;
use aws_sdk_dynamodb::operation::RequestId as _;

/// Updates one item in place. Built by [`Db::update`].
///
/// By default the item must exist ([`Error::NotFound`] otherwise: an update never creates half
/// an item) and `send` returns the item as it is after the update. [`Update::upsert`] lets it
/// create the item; [`Update::return_old`], [`Update::return_updated_new`],
/// [`Update::return_updated_old`] and [`Update::return_nothing`] change what comes back.
///
/// Values go through their attribute's rules exactly once: a value written whole is checked
/// against the field's validation rules and passes through its `set` transform; a relative
/// update (`add`, `sub`, `plus`, `minus`, `append`, `prepend`, `delete`), whose result only
/// DynamoDB knows, gets a condition that keeps the result inside the field's `range` and
/// `length` rules, and its failure is [`Error::Validation`] naming the rule. Untyped paths
/// ([`Path::parse`](crate::Path::parse)) that name a model attribute get that attribute's type check, rules and
/// transforms.
///
/// What DynamoDB would refuse is refused before sending: no action, an action on a key
/// attribute, two actions on overlapping paths, an expression over 4 KB.
#[must_use = "a request does nothing until `.send().await`"]
pub struct Update<'a, M: Model, R = ReturnNew> {
    db: &'a Db,
    key: M::Key,
    actions: UpdateActions,
    write: WriteOptions,
    upsert: bool,
    expected_version: Option<i128>,
    /// What the actions met on their way in: reported by `request` and `send`, which then send
    /// nothing.
    checks: ActionChecks,
    skip_item_rules: bool,
    exactly_once: bool,
    /// The idempotency token of an `exactly_once` update, when the caller gave one.
    token: Option<String>,
    _return: PhantomData<fn() -> R>,
}

/// The fields of an UpdateItem request, set alike on the fluent builder (to send) and on the
/// input builder (for `request()`), which share their setters but no trait.
trait UpdateFields: Sized {
    fn fields(
        self,
        rendered: RenderedUpdate,
        return_values: ReturnValue,
        capacity: Option<aws_sdk_dynamodb::types::ReturnConsumedCapacity>,
    ) -> Self;
}

macro_rules! update_fields {
    ($($builder:ty),*) => {$(
        impl UpdateFields for $builder {
            fn fields(
                self,
                r: RenderedUpdate,
                return_values: ReturnValue,
                capacity: Option<aws_sdk_dynamodb::types::ReturnConsumedCapacity>,
            ) -> Self {
                self.table_name(r.table)
                    .set_key(Some(r.key))
                    .update_expression(r.update)
                    .set_condition_expression(r.condition)
                    .set_expression_attribute_names(r.names)
                    .set_expression_attribute_values(r.values)
                    .return_values(return_values)
                    // The stored item tells "not found" from "condition failed", and is
                    // handed back.
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
                    .set_return_consumed_capacity(capacity)
            }
        }
    )*};
}

update_fields!(
    UpdateItemFluentBuilder,
    aws_sdk_dynamodb::operation::update_item::builders::UpdateItemInputBuilder
);

/// An update rendered for sending.
pub(crate) struct RenderedUpdate {
    pub(crate) key: Item,
    pub(crate) table: String,
    pub(crate) update: String,
    pub(crate) condition: Option<String>,
    pub(crate) names: Option<crate::expr::writer::Names>,
    pub(crate) values: Option<crate::expr::writer::Values>,
    /// An upsert that does not set this required attribute (it can only update an item).
    pub(crate) unset_required: Option<&'static str>,
}

/// What an update returns: the new item, the old one, the attributes it changed, or nothing.
pub trait UpdateReturn<M: Model> {
    /// The ReturnValues the request asks for.
    const RETURN_VALUES: ReturnValue;
    /// What `send` gives back.
    type Output;
    #[doc(hidden)]
    fn output(item: Option<Item>) -> Result<Self::Output>;
    /// The output of an update known to be applied whose response was lost, from the item
    /// read since: `None` when the response held what is asked (the item before).
    #[doc(hidden)]
    fn known_applied(stored: Item) -> Option<Result<Self::Output>> {
        Some(Self::output(Some(stored)))
    }
}

/// [`Update::send`] returns the item after the update (the default).
#[derive(Debug, Clone, Copy)]
pub struct ReturnNew;

/// [`Update::send`] returns the item before the update, `None` if it did not exist (or had
/// expired).
#[derive(Debug, Clone, Copy)]
pub struct ReturnOld;

/// [`Update::send`] returns nothing (the cheapest response).
#[derive(Debug, Clone, Copy)]
pub struct ReturnNothing;

/// [`Update::send`] returns the attributes the update wrote, as they are after it
/// (`UPDATED_NEW`), read into the projection `P`.
#[derive(Debug)]
pub struct ReturnUpdatedNew<P>(PhantomData<fn() -> P>);

/// [`Update::send`] returns the attributes the update wrote, as they were before it
/// (`UPDATED_OLD`), read into the projection `P`; `None` when none of them was stored.
#[derive(Debug)]
pub struct ReturnUpdatedOld<P>(PhantomData<fn() -> P>);

impl<M: Model> UpdateReturn<M> for ReturnNew {
    const RETURN_VALUES: ReturnValue = ReturnValue::AllNew;
    type Output = M;

    fn output(item: Option<Item>) -> Result<M> {
        // ALL_NEW always returns the item: the update made or changed it.
        crate::pipeline::read::decode(item.unwrap_or_default())
    }
}

impl<M: Model> UpdateReturn<M> for ReturnOld {
    const RETURN_VALUES: ReturnValue = ReturnValue::AllOld;
    type Output = Option<M>;

    fn known_applied(_: Item) -> Option<Result<Option<M>>> {
        None
    }

    fn output(item: Option<Item>) -> Result<Option<M>> {
        match item.filter(|i| !i.is_empty()) {
            Some(item) => crate::pipeline::read::read(item),
            None => Ok(None),
        }
    }
}

impl<M: Model> UpdateReturn<M> for ReturnNothing {
    const RETURN_VALUES: ReturnValue = ReturnValue::None;
    type Output = ();

    fn output(_: Option<Item>) -> Result<()> {
        Ok(())
    }
}

impl<M: Model, P: Attributes> UpdateReturn<M> for ReturnUpdatedNew<P> {
    const RETURN_VALUES: ReturnValue = ReturnValue::UpdatedNew;
    type Output = P;

    fn output(item: Option<Item>) -> Result<P> {
        crate::pipeline::read::read_projection::<M, P>(item.unwrap_or_default())
    }
}

impl<M: Model, P: Attributes> UpdateReturn<M> for ReturnUpdatedOld<P> {
    const RETURN_VALUES: ReturnValue = ReturnValue::UpdatedOld;
    type Output = Option<P>;

    fn known_applied(_: Item) -> Option<Result<Option<P>>> {
        None
    }

    fn output(item: Option<Item>) -> Result<Option<P>> {
        match item.filter(|i| !i.is_empty()) {
            Some(item) => crate::pipeline::read::read_projection::<M, P>(item).map(Some),
            None => Ok(None),
        }
    }
}

impl<'a, M: Model> Update<'a, M> {
    pub(crate) fn new(db: &'a Db, key: M::Key) -> Self {
        Update {
            db,
            key,
            actions: UpdateActions::default(),
            write: WriteOptions::default(),
            upsert: false,
            expected_version: None,
            checks: ActionChecks::default(),
            skip_item_rules: false,
            exactly_once: false,
            token: None,
            _return: PhantomData,
        }
    }
}

impl<M: Model> Update<'_, M, ReturnNothing> {
    /// Applies the update exactly once, even when a response is lost and the request is sent
    /// again: it is sent as a one-action transaction with an idempotency token, which DynamoDB
    /// applies once however often it arrives (within 10 minutes) and answers with its outcome.
    /// After a lost answer it is resent until DynamoDB answers, within
    /// [`Db::settle_within`](crate::Db::settle_within); only then is the error
    /// [`Error::OutcomeUnknown`], which holds the token. For updates with relative changes
    /// (`add(COUNT, 1)`), which are otherwise not retried once they may have been applied. A
    /// transactional write costs twice the write capacity of an UpdateItem, and returns no item
    /// (hence only after `return_nothing`).
    pub fn exactly_once(mut self) -> Self {
        self.exactly_once = true;
        self
    }

    /// [`exactly_once`](Self::exactly_once) with your idempotency token (1 to 36 characters):
    /// the same update sent again with the same token within 10 minutes — by this process
    /// after [`Error::OutcomeUnknown`], or by another that retries your caller's request — is
    /// applied at most once, and answered with its outcome.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.exactly_once = true;
        self.token = Some(token.into());
        self
    }
}

impl<'a, M: Model, R: UpdateReturn<M>> Update<'a, M, R> {
    fn with_return<R2>(self) -> Update<'a, M, R2> {
        Update {
            db: self.db,
            key: self.key,
            actions: self.actions,
            write: self.write,
            upsert: self.upsert,
            expected_version: self.expected_version,
            checks: self.checks,
            skip_item_rules: self.skip_item_rules,
            exactly_once: self.exactly_once,
            token: self.token,
            _return: PhantomData,
        }
    }

    /// `SET path = value`; the value may be another attribute or an
    /// [`UpdateValue`](crate::UpdateValue) like `User::TOTAL.plus(5)`. Setting `None` or an
    /// empty set removes the attribute. A value is checked against the attribute's validation
    /// rules and passes through its `set` transform, as in a put; a computed value is kept
    /// inside the attribute's `range` rule by a condition.
    pub fn set<P: PathOf<M>>(mut self, path: P, value: impl SetOperand<M, P::Value>) -> Self {
        let at = path.to_path();
        if let Some(field) = self.checks.field::<M, _>(&path, &at) {
            let value = self.checks.set_value(&field, &at, value.into_set_value());
            self.actions.set(at, value);
        }
        self
    }

    /// `SET path = if_not_exists(path, value)`: sets the attribute only when it is absent.
    pub fn set_if_not_exists<P: PathOf<M>>(
        mut self,
        path: P,
        value: impl SetOperand<M, P::Value>,
    ) -> Self {
        let at = path.to_path();
        if let Some(field) = self.checks.field::<M, _>(&path, &at) {
            let value = self.checks.set_value(&field, &at, value.into_set_value());
            self.actions.set_if_not_exists(at, value);
        }
        self
    }

    /// `ADD path value`: adds to a number (an absent number counts as 0) or adds members to a
    /// set (an absent set is created). Atomic. A `range` rule of a number is kept by a
    /// condition on the stored value (`add(BALANCE, -10)` with `min = 0` requires
    /// `balance >= 10`), a `length` rule of a set likewise; when it fails, the error is
    /// [`Error::Validation`] naming the rule.
    pub fn add<P: PathOf<M>>(mut self, path: P, value: impl ValueFor<P::Value>) -> Self
    where
        P::Value: Addable,
    {
        let at = path.to_path();
        let Some(field) = self.checks.field::<M, _>(&path, &at) else {
            return self;
        };
        let term = value_term(value);
        if let Term::Value(value) = &term {
            let checked = match value {
                // The amount may be negative for an unsigned attribute: check it is a number.
                AttributeValue::N(_) => AttributeValue::N("0".into()),
                other => other.clone(),
            };
            if !self.checks.type_check(&field, &at, &checked) {
                return self;
            }
            match value {
                AttributeValue::N(_) => self.checks.relative(&field, &at, Change::AddNumber(value)),
                other => self
                    .checks
                    .relative(&field, &at, Change::AddMembers(members(other))),
            }
        }
        self.actions.add(at, term);
        self
    }

    /// `SET path = path - value`: subtracts from a number that exists. A `range` rule is kept
    /// by a condition, as for [`Update::add`].
    pub fn sub<P: PathOf<M>>(mut self, path: P, value: impl Operand<M, P::Value>) -> Self
    where
        P::Value: Numeric,
    {
        let at = path.to_path();
        let Some(field) = self.checks.field::<M, _>(&path, &at) else {
            return self;
        };
        let term = value.into_term();
        if let Term::Value(value) = &term {
            if !self.checks.type_check(&field, &at, &zero_like(value)) {
                return self;
            }
        }
        let computed = SetValue::Minus(
            Box::new(SetValue::Term(Term::Path(at.clone()))),
            Box::new(SetValue::Term(term)),
        );
        self.checks
            .relative(&field, &at, Change::Compute(&computed));
        self.actions
            .actions
            .push(crate::expr::update::Action::Set(at, computed));
        self
    }

    /// Appends elements to a list: `SET path = list_append(if_not_exists(path, []), values)`,
    /// so a missing list is created. A `length` rule is kept by a condition.
    pub fn append<P: PathOf<M>>(self, path: P, values: impl ValueFor<P::Value>) -> Self
    where
        P::Value: List,
    {
        self.append_at(path, value_term(values), true)
    }

    /// Puts elements in front of a list, creating it when missing.
    pub fn prepend<P: PathOf<M>>(self, path: P, values: impl ValueFor<P::Value>) -> Self
    where
        P::Value: List,
    {
        self.append_at(path, value_term(values), false)
    }

    fn append_at<P: PathOf<M>>(mut self, path: P, values: Term, at_end: bool) -> Self {
        let at = path.to_path();
        let Some(field) = self.checks.field::<M, _>(&path, &at) else {
            return self;
        };
        if let Term::Value(value) = &values {
            if !self.checks.type_check(&field, &at, value) {
                return self;
            }
            let AttributeValue::L(list) = value else {
                return self;
            };
            if !list.is_empty() {
                self.checks
                    .relative(&field, &at, Change::Append(list.len()));
            }
        }
        self.actions.append(at, values, at_end);
        self
    }

    /// `REMOVE path`: for `Option` attributes, sets, list elements and map entries. Removing a
    /// required attribute does not compile (through an untyped path, it is refused).
    pub fn remove(mut self, path: impl Removable<M>) -> Self {
        let at = path.removable_path();
        self.checks.removal::<M>(&at);
        self.actions.remove(at);
        self
    }

    /// `DELETE path members`: removes members from a set. A `length` or `non_empty` rule is
    /// kept by a condition.
    pub fn delete<P: PathOf<M>>(mut self, path: P, members_: impl ValueFor<P::Value>) -> Self
    where
        P::Value: Set,
    {
        let at = path.to_path();
        let Some(field) = self.checks.field::<M, _>(&path, &at) else {
            return self;
        };
        let term = value_term(members_);
        if let Term::Value(value) = &term {
            if !self.checks.type_check(&field, &at, value) {
                return self;
            }
            self.checks
                .relative(&field, &at, Change::DeleteMembers(members(value)));
        }
        self.actions.delete(at, term);
        self
    }

    crate::op::options::write_setters!(M);

    /// Optimistic locking: updates only if the stored version is `version`, otherwise
    /// [`Error::VersionConflict`]. (Every update of a versioned model increments its version.)
    pub fn if_version(mut self, version: impl Into<i128>) -> Self {
        self.expected_version = Some(version.into());
        self
    }

    /// Creates the item when it does not exist (DynamoDB's own UpdateItem behaviour), instead
    /// of failing with [`Error::NotFound`]. A created item must be one the model can read: an
    /// upsert that does not set every required attribute only updates an existing item, and
    /// fails with [`Error::Validation`] (rule `required`) when there is none. The `constant`
    /// attributes, `created_at` and the version are written by the library.
    pub fn upsert(mut self) -> Self {
        self.upsert = true;
        self
    }

    /// Sends the update although it changes a field of a model (or nested document) with a
    /// struct-level `#[dynamo(validate = ..)]` rule: such a rule reads several fields, and an
    /// update sees only the ones it writes, so without this call the update is refused. Field
    /// rules still apply. To keep the struct rule, read the item, change it, and `put` it.
    pub fn skip_item_rules(mut self) -> Self {
        self.skip_item_rules = true;
        self
    }

    /// Returns the item as it was before the update (`None` if it did not exist). That item is
    /// only in the answer to the request that changed it, so after a lost answer the update is
    /// not sent again: [`Error::OutcomeUnknown`] (a retry would describe this update's own
    /// result as "before"). The same holds for [`Update::return_updated_old`].
    pub fn return_old(self) -> Update<'a, M, ReturnOld> {
        self.with_return()
    }

    /// Returns the attributes the update wrote (the library's version and timestamps
    /// included), as they are after it, read into the projection `P` (a struct deriving
    /// [`Attributes`] whose fields name those attributes).
    pub fn return_updated_new<P: Attributes>(self) -> Update<'a, M, ReturnUpdatedNew<P>> {
        self.with_return()
    }

    /// Returns the attributes the update wrote, as they were before it, read into the
    /// projection `P`; `None` when none of them was stored.
    pub fn return_updated_old<P: Attributes>(self) -> Update<'a, M, ReturnUpdatedOld<P>> {
        self.with_return()
    }

    /// Returns nothing.
    pub fn return_nothing(self) -> Update<'a, M, ReturnNothing> {
        self.with_return()
    }

    fn fill<B: UpdateFields>(&self, builder: B, rendered: RenderedUpdate) -> B {
        let capacity = capacity::asked(self.write.capacity.as_ref());
        builder.fields(rendered, R::RETURN_VALUES, capacity)
    }

    fn spec<'s>(
        &'s self,
        now: Timestamp,
        key_fields: Option<&'s Item>,
        token: Option<&'s WriteToken>,
    ) -> UpdateSpec<'s> {
        UpdateSpec {
            actions: &self.actions,
            condition: self.write.condition.as_ref(),
            upsert: self.upsert,
            expected_version: self.expected_version,
            guards: &self.checks.guards,
            now,
            key_fields,
            token,
        }
    }

    /// The key's fields, for a model with key templates.
    fn key_fields(&self) -> Result<Option<Item>> {
        if M::SCHEMA.templates.is_empty() {
            return Ok(None);
        }
        self.key.fields().map(Some)
    }

    /// The key, table and rendered expressions, its timestamps taking `now`, storing `token`
    /// (an UpdateItem's write token; none in a transaction): shared by UpdateItem and
    /// transactions.
    pub(crate) fn render(
        &self,
        now: Timestamp,
        token: Option<&WriteToken>,
    ) -> Result<RenderedUpdate> {
        if let Some(error) = &self.checks.error {
            return Err(error.replay());
        }
        if !self.checks.violations.is_empty() {
            return Err(Error::Validation {
                violations: self.checks.violations.clone(),
            });
        }
        if !self.skip_item_rules {
            let under = match (&self.checks.item_rule, M::item_rule()) {
                (Some((rule, at)), _) => {
                    Some(format!("`{at}` is under the struct-level rule `{rule}`"))
                }
                (None, Some(rule)) => Some(format!("the model has the struct-level rule `{rule}`")),
                (None, None) => None,
            };
            if let Some(under) = under {
                return Err(Error::InvalidRequest {
                    message: format!(
                        "{under}, which reads several fields and cannot be checked by an update; read the item, change it and `put` it, or call `.skip_item_rules()` to update without that rule"
                    ),
                });
            }
        }
        let key = self.key.to_item()?;
        let key_fields = self.key_fields()?;
        let plan = plan::<M>(&self.spec(now, key_fields.as_ref(), token))?;
        let table = self.db.table::<M>()?;
        let mut writer = ExpressionWriter::new();
        let update = match plan.token {
            Some(token) => writer.update_with_token(
                &plan.actions.actions,
                crate::pipeline::identity::WRITE_TOKEN,
                token.to_attr(),
            ),
            None => writer.update(&plan.actions.actions),
        };
        let condition = plan.conditions.render(&mut writer)?;
        let (names, values) = writer.finish()?;
        Ok(RenderedUpdate {
            key,
            table,
            update,
            condition,
            names,
            values,
            unset_required: plan.unset_required,
        })
    }

    /// The guards of this update's relative changes (for transactions to explain a failure).
    pub(crate) fn guards(&self) -> &[Guard] {
        &self.checks.guards
    }

    /// The UpdateItem request this would send, without sending it.
    pub fn request(&self) -> Result<UpdateItemInput> {
        // Filled in directly: the fluent builder's input can only be cloned out of it.
        let rendered = self.render(Timestamp::now(), Some(&WriteToken::new()))?;
        self.fill(UpdateItemInput::builder(), rendered)
            .build()
            .map_err(built)
    }

    /// Sends the request. Throttling and failures that applied nothing are retried. A failure
    /// after which the update may have been applied is retried only when applying it twice
    /// changes nothing more (absolute values, set members, removals, or any update with
    /// [`Update::if_version`]); when such a retry then fails its condition, the item the
    /// failure returns tells by the update's write token (or version) whether it was applied.
    /// An update with relative changes (`add` of a number, `sub`, `plus`, `minus`, `append`)
    /// is not sent again once it may have been applied: a consistent read finds its token (it
    /// was applied) or not ([`Error::OutcomeUnknown`]); [`Update::exactly_once`] resends it
    /// safely instead.
    pub async fn send(self) -> Result<R::Output> {
        let now = Timestamp::now();
        if self.exactly_once {
            let span = span::request_span!("TransactWriteItems", self.db.table_name::<M>());
            return span::traced(span, self.send_exactly_once(now)).await;
        }
        let span = span::request_span!("UpdateItem", self.db.table_name::<M>());
        span::traced(span, self.send_untraced(now)).await
    }

    /// How the update may be resent after an attempt that may have been applied.
    fn repeat(&self) -> Repeat {
        // An expected version lets the update apply once: a resend after it landed fails.
        if self.expected_version.is_some() || self.actions.repeatable(M::SCHEMA.version) {
            Repeat::answering(&R::RETURN_VALUES)
        } else {
            Repeat::Once
        }
    }

    async fn send_untraced(self, now: Timestamp) -> Result<R::Output> {
        let repeat = self.repeat();
        let token = WriteToken::new();
        let identity = Identity {
            token: Some(token.clone()),
            expects: match (M::SCHEMA.version, self.expected_version) {
                (Some(_), Some(expected)) => Expects::Version(expected),
                _ => Expects::Nothing,
            },
        };
        let mut revived = false;
        loop {
            let rendered = self.render(now, Some(&token))?;
            let (table, unset_required) = (rendered.table.clone(), rendered.unset_required);
            let key = rendered.key.clone();
            let first = self.fill(self.db.writer().update_item(), rendered);
            let write = SingleWrite::of::<M>(self.db, "UpdateItem", &table, key, &identity);
            let concluded = retry::single_write(
                write,
                self.write.capacity.as_ref(),
                repeat,
                first,
                || {
                    let rendered = self.render(now, Some(&token))?;
                    Ok(self.fill(self.db.writer().update_item(), rendered))
                },
                |request| request.send(),
            )
            .await?;
            // An upsert met an expired item: it is gone for every read, so it is deleted (if
            // still expired) and the upsert creates the item afresh.
            if let (
                true,
                false,
                Concluded::Refused(Error::ConditionFailed {
                    item: Some(stored), ..
                }),
            ) = (self.upsert, revived, &concluded)
            {
                if !crate::pipeline::write::is_live(M::SCHEMA, stored) {
                    revived = true;
                    self.delete_expired(&table).await?;
                    continue;
                }
            }
            return match concluded {
                Concluded::Answered(output) => R::output(output.attributes).map_err(|e| {
                    e.about_item(|| match self.key.to_item() {
                        Ok(key) => crate::pipeline::read::describe_key(&table, &key),
                        Err(_) => format!("in table `{table}`"),
                    })
                }),
                Concluded::Applied(stored) => {
                    R::known_applied(stored).unwrap_or(Err(Error::AnswerLost {
                        operation: "UpdateItem",
                        table,
                    }))
                }
                Concluded::Refused(error) => Err(explain_failure::<M>(
                    &self.spec(now, None, None),
                    unset_required,
                    error,
                )),
            };
        }
    }

    /// One transaction of this update, with an idempotency token: DynamoDB applies it once
    /// however often it arrives, and answers a resend with its outcome.
    async fn send_exactly_once(self, now: Timestamp) -> Result<R::Output> {
        if let Some(token) = &self.token {
            retry::check_token(token)?;
        }
        let token = self.token.clone().unwrap_or_else(retry::token);
        let rendered = self.render(now, None)?;
        let (table, unset_required) = (rendered.table.clone(), rendered.unset_required);
        let action = aws_sdk_dynamodb::types::Update::builder()
            .table_name(rendered.table)
            .set_key(Some(rendered.key))
            .update_expression(rendered.update)
            .set_condition_expression(rendered.condition)
            .set_expression_attribute_names(rendered.names)
            .set_expression_attribute_values(rendered.values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(built)?;
        // Built once: a resend must be the same request, or DynamoDB refuses its token.
        let action = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .update(action)
            .build();
        tracing::debug!(table = %table, "TransactWriteItems (one update, exactly once)");
        let attempts = retry::send(
            self.db.retry_policy(),
            Repeat::Token,
            |_| {
                Ok(self
                    .db
                    .writer()
                    .transact_write_items()
                    .transact_items(action.clone())
                    .client_request_token(&token)
                    .set_return_consumed_capacity(capacity::asked(self.write.capacity.as_ref()))
                    .send())
            },
            |err| {
                use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
                let reason = match err.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                        e.cancellation_reasons().first().cloned()
                    }
                    _ => None,
                };
                match reason {
                    Some(reason) if reason.code() == Some("ConditionalCheckFailed") => {
                        Error::ConditionFailed {
                            table: table.clone(),
                            item: reason.item.map(crate::error::StoredItem::from),
                        }
                    }
                    _ => Error::from_sdk("TransactWriteItems", &table, err),
                }
            },
        )
        .await?;
        match attempts.finish("TransactWriteItems", &table, Some(&token)) {
            Ok(output) => {
                capacity::record_all(self.write.capacity.as_ref(), output.consumed_capacity());
                span::answered(output.request_id(), output.consumed_capacity());
                R::output(None)
            }
            Err(error) => Err(explain_failure::<M>(
                &self.spec(now, None, None),
                unset_required,
                error,
            )),
        }
    }

    /// Deletes the item if it is still expired.
    async fn delete_expired(&self, table: &str) -> Result<()> {
        let Some(still_expired) = crate::pipeline::write::expired(M::SCHEMA) else {
            return Ok(());
        };
        let request = self
            .db
            .client()
            .delete_item()
            .table_name(table)
            .set_key(Some(self.key.to_item()?));
        let result = with_condition!(request, RenderedCondition::of(&[&still_expired])?)
            .send()
            .await;
        match result.map_err(|e| Error::from_sdk("DeleteItem", table, e)) {
            // Someone else wrote the item meanwhile: the upsert's next attempt sees it.
            Ok(_) | Err(Error::ConditionFailed { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// The request it would send, values redacted (see [`show_item_values`](crate::show_item_values)).
impl<M: Model, R: UpdateReturn<M>> std::fmt::Debug for Update<'_, M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "Update", self.request())
    }
}
