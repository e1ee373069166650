//! UpdateItem: typed SET / REMOVE / ADD / DELETE actions on one item.

use std::marker::PhantomData;

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::capacity::{self, Capacity};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::{Comparator, Condition, Node};
use crate::expr::operand::Term;
use crate::expr::operand::{Operand, ValueFor};
use crate::expr::path::{Path, PathOf};
use crate::expr::update::{
    value_term, Addable, List, Numeric, Removable, Set, SetOperand, SetValue, UpdateActions,
};
use crate::expr::ExpressionWriter;
use crate::model::{version_conflict, Model, PrimaryKey};
use crate::op::built;
use crate::op::put::and;
use crate::validate::Violation;
use crate::value::Item;

/// Updates one item in place. Built by [`Db::update`].
///
/// By default the item must exist ([`Error::NotFound`] otherwise: an update never creates half
/// an item) and `send` returns the item as it is after the update. [`Update::upsert`] lets it
/// create the item; [`Update::return_old`] and [`Update::return_nothing`] change what comes back.
///
/// What DynamoDB would refuse is refused before sending: no action, an action on a key
/// attribute, two actions on overlapping paths, an expression over 4 KB.
#[must_use = "a request does nothing until `.send().await`"]
pub struct Update<'a, M: Model, R = ReturnNew> {
    db: &'a Db,
    key: M::Key,
    actions: UpdateActions,
    condition: Option<Node>,
    upsert: bool,
    expected_version: Option<i128>,
    capacity: Option<Capacity>,
    /// Values that failed their attribute's validation rules: reported by `send`, which then
    /// sends nothing.
    violations: Vec<Violation>,
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
}

/// What an update returns: the new item, the old one, or nothing.
pub trait UpdateReturn<M: Model> {
    /// The ReturnValues the request asks for.
    const RETURN_VALUES: ReturnValue;
    /// What `send` gives back.
    type Output;
    #[doc(hidden)]
    fn output(item: Option<Item>) -> Result<Self::Output>;
}

/// [`Update::send`] returns the item after the update (the default).
#[derive(Debug, Clone, Copy)]
pub struct ReturnNew;

/// [`Update::send`] returns the item before the update, `None` if it did not exist.
#[derive(Debug, Clone, Copy)]
pub struct ReturnOld;

/// [`Update::send`] returns nothing (the cheapest response).
#[derive(Debug, Clone, Copy)]
pub struct ReturnNothing;

impl<M: Model> UpdateReturn<M> for ReturnNew {
    const RETURN_VALUES: ReturnValue = ReturnValue::AllNew;
    type Output = M;

    fn output(item: Option<Item>) -> Result<M> {
        // ALL_NEW always returns the item: the update made or changed it.
        M::from_item(item.unwrap_or_default())
    }
}

impl<M: Model> UpdateReturn<M> for ReturnOld {
    const RETURN_VALUES: ReturnValue = ReturnValue::AllOld;
    type Output = Option<M>;

    fn output(item: Option<Item>) -> Result<Option<M>> {
        item.filter(|i| !i.is_empty()).map(M::from_item).transpose()
    }
}

impl<M: Model> UpdateReturn<M> for ReturnNothing {
    const RETURN_VALUES: ReturnValue = ReturnValue::None;
    type Output = ();

    fn output(_: Option<Item>) -> Result<()> {
        Ok(())
    }
}

impl<'a, M: Model> Update<'a, M> {
    pub(crate) fn new(db: &'a Db, key: M::Key) -> Self {
        Update {
            db,
            key,
            actions: UpdateActions::default(),
            condition: None,
            upsert: false,
            expected_version: None,
            capacity: None,
            violations: Vec::new(),
            _return: PhantomData,
        }
    }
}

impl<'a, M: Model, R: UpdateReturn<M>> Update<'a, M, R> {
    fn with_return<R2>(self) -> Update<'a, M, R2> {
        Update {
            db: self.db,
            key: self.key,
            actions: self.actions,
            condition: self.condition,
            upsert: self.upsert,
            expected_version: self.expected_version,
            capacity: self.capacity,
            violations: self.violations,
            _return: PhantomData,
        }
    }

    /// A value written to the field at `path`: checked against the field's validation rules
    /// (failures are kept for `send`), then passed through its `set` transform.
    fn field_value<P: PathOf<M>>(&mut self, path: &P, at: &Path, value: SetValue) -> SetValue {
        match value {
            SetValue::Term(term) => SetValue::Term(self.field_term(path, at, term)),
            other => other,
        }
    }

    fn field_term<P: PathOf<M>>(&mut self, path: &P, at: &Path, term: Term) -> Term {
        let hooks = path.hooks();
        crate::schema::check(hooks, &term, at, &mut self.violations);
        crate::schema::transform(hooks, term)
    }

    /// `SET path = value`; the value may be another attribute or an
    /// [`UpdateValue`](crate::UpdateValue) like `User::TOTAL.plus(5)`. Setting `None` or an
    /// empty set removes the attribute. A value is checked against the attribute's validation
    /// rules and passes through its `set` transform, as in a put.
    pub fn set<P: PathOf<M>>(mut self, path: P, value: impl SetOperand<M, P::Value>) -> Self {
        let at = path.to_path();
        let value = self.field_value(&path, &at, value.into_set_value());
        self.actions.set(at, value);
        self
    }

    /// `SET path = if_not_exists(path, value)`: sets the attribute only when it is absent.
    pub fn set_if_not_exists<P: PathOf<M>>(
        mut self,
        path: P,
        value: impl SetOperand<M, P::Value>,
    ) -> Self {
        let at = path.to_path();
        let value = self.field_value(&path, &at, value.into_set_value());
        self.actions.set_if_not_exists(at, value);
        self
    }

    /// `ADD path value`: adds to a number (an absent number counts as 0) or adds members to a
    /// set (an absent set is created). Atomic. The value is checked against the attribute's
    /// validation rules (for a number, the amount added) and passes through its `set`
    /// transform.
    pub fn add<P: PathOf<M>>(mut self, path: P, value: impl ValueFor<P::Value>) -> Self
    where
        P::Value: Addable,
    {
        let at = path.to_path();
        let value = self.field_term(&path, &at, value_term(value));
        self.actions.add(at, value);
        self
    }

    /// `SET path = path - value`: subtracts from a number that exists.
    pub fn sub<P: PathOf<M>>(mut self, path: P, value: impl Operand<M, P::Value>) -> Self
    where
        P::Value: Numeric,
    {
        self.actions
            .arithmetic(path.to_path(), value.into_term(), false);
        self
    }

    /// Appends elements to a list: `SET path = list_append(if_not_exists(path, []), values)`,
    /// so a missing list is created.
    pub fn append<P: PathOf<M>>(mut self, path: P, values: impl ValueFor<P::Value>) -> Self
    where
        P::Value: List,
    {
        self.actions
            .append(path.to_path(), value_term(values), true);
        self
    }

    /// Puts elements in front of a list, creating it when missing.
    pub fn prepend<P: PathOf<M>>(mut self, path: P, values: impl ValueFor<P::Value>) -> Self
    where
        P::Value: List,
    {
        self.actions
            .append(path.to_path(), value_term(values), false);
        self
    }

    /// `REMOVE path`: for `Option` attributes, sets, list elements and map entries. Removing a
    /// required attribute does not compile.
    pub fn remove(mut self, path: impl Removable<M>) -> Self {
        self.actions.remove(path.removable_path());
        self
    }

    /// `DELETE path members`: removes members from a set.
    pub fn delete<P: PathOf<M>>(mut self, path: P, members: impl ValueFor<P::Value>) -> Self
    where
        P::Value: Set,
    {
        self.actions.delete(path.to_path(), value_term(members));
        self
    }

    /// Updates only if `condition` holds for the stored item; otherwise
    /// [`Error::ConditionFailed`] carrying the stored item. Several calls combine with AND.
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.condition = Some(and(self.condition.take(), condition.node));
        self
    }

    /// Optimistic locking: updates only if the stored version is `version`, otherwise
    /// [`Error::VersionConflict`]. (Every update of a versioned model increments its version.)
    pub fn if_version(mut self, version: i128) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// Creates the item when it does not exist (DynamoDB's own UpdateItem behaviour), instead
    /// of failing with [`Error::NotFound`]. The new item must then satisfy the model: with the
    /// default return, every required attribute must be set by this update.
    pub fn upsert(mut self) -> Self {
        self.upsert = true;
        self
    }

    /// Adds the capacity this request consumes to `meter`.
    pub fn capacity(mut self, meter: &Capacity) -> Self {
        self.capacity = Some(meter.clone());
        self
    }

    /// Returns the item as it was before the update (`None` if it did not exist).
    pub fn return_old(self) -> Update<'a, M, ReturnOld> {
        self.with_return()
    }

    /// Returns nothing.
    pub fn return_nothing(self) -> Update<'a, M, ReturnNothing> {
        self.with_return()
    }

    fn fill<B: UpdateFields>(&self, builder: B, rendered: RenderedUpdate) -> B {
        let capacity = capacity::asked(self.capacity.as_ref());
        builder.fields(rendered, R::RETURN_VALUES, capacity)
    }

    /// The key, table and rendered expressions: shared by UpdateItem and transactions.
    pub(crate) fn render(&self) -> Result<RenderedUpdate> {
        if !self.violations.is_empty() {
            return Err(Error::Validation {
                violations: self.violations.clone(),
            });
        }
        let key = self.key.to_item()?;
        let schema = M::SCHEMA;
        // The library's own actions (version, timestamps) go on a copy; without them the
        // caller's actions render as they are.
        let mut extended;
        let actions = if schema.version.is_some()
            || schema.updated_at.is_some()
            || schema.created_at.is_some()
        {
            extended = self.actions.clone();
            let untouched = |actions: &UpdateActions, path: &Path| {
                !actions.actions.iter().any(|a| a.path().overlaps(path))
            };
            if let Some(version) = schema.version {
                // Every write of a versioned item bumps its version (unless the update sets it).
                let path = Path::name(version);
                if untouched(&extended, &path) {
                    extended.add(path, Term::Value(AttributeValue::N("1".into())));
                }
            }
            // `updated_at` is now; `created_at` is now only if the update creates the item.
            let now = crate::timestamp::Timestamp::now();
            if let Some(updated) = schema.updated_at {
                let path = Path::name(updated.name);
                if untouched(&extended, &path) {
                    let value = SetValue::Term(Term::Value(now.to_attr_as(updated.format)));
                    extended.set(path, value);
                }
            }
            if let Some(created) = schema.created_at {
                let path = Path::name(created.name);
                if untouched(&extended, &path) {
                    let value = SetValue::Term(Term::Value(now.to_attr_as(created.format)));
                    extended.set_if_not_exists(path, value);
                }
            }
            &extended
        } else {
            &self.actions
        };
        actions.check(schema)?;
        let table = self.db.table_name::<M>();
        let mut writer = ExpressionWriter::new();
        let update = writer.update(&actions.actions);
        // The condition: the item exists (unless upserting), the caller's, the version.
        let exists = (!self.upsert).then(|| Node::Exists(Path::name(schema.hash_key.name)));
        let version = schema
            .version
            .zip(self.expected_version)
            .map(|(name, expected)| {
                Node::Compare(
                    Term::Path(Path::name(name)),
                    Comparator::Eq,
                    Term::Value(AttributeValue::N(expected.to_string())),
                )
            });
        let parts: Vec<&Node> = [exists.as_ref(), self.condition.as_ref(), version.as_ref()]
            .into_iter()
            .flatten()
            .collect();
        let condition =
            (!parts.is_empty()).then(|| writer.conjunction("condition expression", &parts));
        let (names, values) = writer.finish()?;
        Ok(RenderedUpdate {
            key,
            table,
            update,
            condition,
            names,
            values,
        })
    }

    fn prepare(&self) -> Result<(UpdateItemFluentBuilder, String)> {
        let rendered = self.render()?;
        let table = rendered.table.clone();
        let request = self.fill(self.db.client().update_item(), rendered);
        Ok((request, table))
    }

    /// The UpdateItem request this would send, without sending it.
    pub fn request(&self) -> Result<UpdateItemInput> {
        // Filled in directly: the fluent builder's input can only be cloned out of it.
        self.fill(UpdateItemInput::builder(), self.render()?)
            .build()
            .map_err(built)
    }

    /// Sends the request.
    pub async fn send(self) -> Result<R::Output> {
        let (request, table) = self.prepare()?;
        tracing::debug!(table = %table, "UpdateItem");
        match request.send().await {
            Ok(output) => {
                capacity::record(self.capacity.as_ref(), output.consumed_capacity.as_ref());
                R::output(output.attributes)
            }
            Err(err) => Err(match Error::from_sdk("UpdateItem", &table, err) {
                Error::ConditionFailed { table, item: None } if !self.upsert => {
                    Error::NotFound { table }
                }
                other => match self.expected_version {
                    Some(expected) => version_conflict(M::SCHEMA, expected, other),
                    None => other,
                },
            }),
        }
    }
}
