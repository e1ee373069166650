//! Update actions (SET / REMOVE / ADD / DELETE), collected by [`UpdateActions`] and rendered
//! once by the writer.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expr::operand::{Term, ValueFor};
use crate::expr::path::{Path, PathOf, TypedPath, Untyped};
use crate::schema::{Attr, Schema};
use crate::value::Attribute;

#[derive(Debug, Clone, PartialEq)]
#[doc(hidden)]
pub enum SetValue {
    Term(Term),
    Plus(Box<SetValue>, Box<SetValue>),
    Minus(Box<SetValue>, Box<SetValue>),
    IfNotExists(Path, Box<SetValue>),
    ListAppend(Box<SetValue>, Box<SetValue>),
}

impl SetValue {
    /// Whether the value depends on what is stored (arithmetic, list appends).
    pub(crate) fn is_relative(&self) -> bool {
        match self {
            SetValue::Term(_) => false,
            SetValue::IfNotExists(_, inner) => inner.is_relative(),
            SetValue::Plus(..) | SetValue::Minus(..) | SetValue::ListAppend(..) => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Set(Path, SetValue),
    Remove(Path),
    Add(Path, Term),
    Delete(Path, Term),
}

impl Action {
    pub(crate) fn clause(&self) -> &'static str {
        match self {
            Action::Set(..) => "SET",
            Action::Remove(_) => "REMOVE",
            Action::Add(..) => "ADD",
            Action::Delete(..) => "DELETE",
        }
    }

    /// Calls `f` with each value the action writes.
    pub(crate) fn for_each_value<'a>(&'a self, mut f: impl FnMut(&'a AttributeValue)) {
        fn set_value<'a>(value: &'a SetValue, f: &mut impl FnMut(&'a AttributeValue)) {
            match value {
                SetValue::Term(Term::Value(v)) => f(v),
                SetValue::Term(_) => {}
                SetValue::IfNotExists(_, inner) => set_value(inner, f),
                SetValue::Plus(a, b) | SetValue::Minus(a, b) | SetValue::ListAppend(a, b) => {
                    set_value(a, f);
                    set_value(b, f);
                }
            }
        }
        match self {
            Action::Set(_, value) => set_value(value, &mut f),
            Action::Add(_, Term::Value(v)) | Action::Delete(_, Term::Value(v)) => f(v),
            _ => {}
        }
    }

    pub(crate) fn path(&self) -> &Path {
        match self {
            Action::Set(path, _)
            | Action::Remove(path)
            | Action::Add(path, _)
            | Action::Delete(path, _) => path,
        }
    }
}

/// A computed value for `SET`: `User::TOTAL.plus(5)`, `User::A.minus(User::B)`,
/// `User::NICK.if_not_exists("anon")`.
pub struct UpdateValue<M, T> {
    pub(crate) value: SetValue,
    _types: PhantomData<fn() -> (M, T)>,
}

impl<M, T> UpdateValue<M, T> {
    fn new(value: SetValue) -> Self {
        UpdateValue {
            value,
            _types: PhantomData,
        }
    }
}

impl<M, T> Clone for UpdateValue<M, T> {
    fn clone(&self) -> Self {
        UpdateValue::new(self.value.clone())
    }
}

impl<M, T> fmt::Debug for UpdateValue<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UpdateValue({:?})", self.value)
    }
}

/// What `set` accepts for an attribute of type `T`: a value, another attribute, or an
/// [`UpdateValue`].
pub trait SetOperand<M, T> {
    #[doc(hidden)]
    fn into_set_value(self) -> SetValue;
}

crate::expr::operand::value_operands!(SetOperand::into_set_value -> SetValue, SetValue::Term);

impl<M, T> SetOperand<M, T> for Attr<M, T> {
    fn into_set_value(self) -> SetValue {
        SetValue::Term(Term::Path(PathOf::<M>::to_path(&self)))
    }
}

impl<M, T> SetOperand<M, T> for TypedPath<M, T> {
    fn into_set_value(self) -> SetValue {
        SetValue::Term(Term::Path(Path::from(self)))
    }
}

impl<M, T> SetOperand<M, T> for UpdateValue<M, T> {
    fn into_set_value(self) -> SetValue {
        self.value
    }
}

/// Numbers: what `plus`, `minus`, `sub` and `ADD` apply to.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number",
    note = "arithmetic applies to number attributes"
)]
pub trait Numeric {}

macro_rules! numeric {
    ($($t:ty),*) => {$( impl Numeric for $t {} )*};
}
numeric!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, Untyped);
impl<T: Numeric> Numeric for Option<T> {}

/// Sets: what `ADD` and `DELETE` of members apply to.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a DynamoDB set",
    note = "`delete` removes members from a set (HashSet or BTreeSet)"
)]
pub trait Set {}

impl<T, S> Set for HashSet<T, S> {}
impl<T> Set for BTreeSet<T> {}
impl Set for Untyped {}
impl<T: Set> Set for Option<T> {}

/// What `ADD` applies to: numbers (atomic add, starting from 0) and sets (union).
#[diagnostic::on_unimplemented(
    message = "`ADD` does not apply to `{Self}`",
    note = "`add` applies to numbers and sets; use `set` or `append` for other attributes"
)]
pub trait Addable {}

impl<T: Numeric> Addable for T {}
impl<T, S> Addable for HashSet<T, S> {}
impl<T> Addable for BTreeSet<T> {}

/// Lists: what `append` and `prepend` apply to.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list",
    note = "`append` and `prepend` apply to Vec attributes"
)]
pub trait List {}

impl<T> List for Vec<T> {}
impl List for Untyped {}
impl<T: List> List for Option<T> {}

/// Paths that `remove` may delete: `Option` attributes, sets (an empty set is an absent
/// attribute), list elements and map entries, and untyped paths. Removing a required
/// attribute does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be removed: the model requires it",
    note = "`remove` applies to Option attributes, sets, list elements (`.at(i)`), map entries (`.key(k)`) and untyped paths"
)]
pub trait Removable<M> {
    #[doc(hidden)]
    fn removable_path(&self) -> Path;
}

impl<M, T> Removable<M> for Attr<M, Option<T>> {
    fn removable_path(&self) -> Path {
        PathOf::<M>::to_path(self)
    }
}

impl<M, T, S> Removable<M> for Attr<M, HashSet<T, S>> {
    fn removable_path(&self) -> Path {
        PathOf::<M>::to_path(self)
    }
}

impl<M, T> Removable<M> for Attr<M, BTreeSet<T>> {
    fn removable_path(&self) -> Path {
        PathOf::<M>::to_path(self)
    }
}

impl<M, T> Removable<M> for Attr<M, HashMap<String, T>> {
    fn removable_path(&self) -> Path {
        PathOf::<M>::to_path(self)
    }
}

impl<M, T> Removable<M> for Attr<M, BTreeMap<String, T>> {
    fn removable_path(&self) -> Path {
        PathOf::<M>::to_path(self)
    }
}

/// Typed paths are list elements and map entries (`.at(i)`, `.key(k)`), which may go.
impl<M, T> Removable<M> for TypedPath<M, T> {
    fn removable_path(&self) -> Path {
        self.path().clone()
    }
}

impl<M> Removable<M> for Path {
    fn removable_path(&self) -> Path {
        self.clone()
    }
}

macro_rules! update_values {
    ($ty:ident) => {
        impl<M, T> $ty<M, T> {
            /// `path + value` for `SET`: `db.update(k).set(User::TOTAL, User::TOTAL.plus(5))`.
            pub fn plus(&self, value: impl SetOperand<M, T>) -> UpdateValue<M, T>
            where
                T: Numeric,
            {
                UpdateValue::new(SetValue::Plus(
                    Box::new(SetValue::Term(Term::Path(PathOf::<M>::to_path(self)))),
                    Box::new(value.into_set_value()),
                ))
            }

            /// `path - value` for `SET`.
            pub fn minus(&self, value: impl SetOperand<M, T>) -> UpdateValue<M, T>
            where
                T: Numeric,
            {
                UpdateValue::new(SetValue::Minus(
                    Box::new(SetValue::Term(Term::Path(PathOf::<M>::to_path(self)))),
                    Box::new(value.into_set_value()),
                ))
            }

            /// `if_not_exists(path, value)`: the attribute's value, or `value` when it is absent.
            pub fn if_not_exists(&self, value: impl SetOperand<M, T>) -> UpdateValue<M, T> {
                UpdateValue::new(SetValue::IfNotExists(
                    PathOf::<M>::to_path(self),
                    Box::new(value.into_set_value()),
                ))
            }
        }
    };
}

update_values!(Attr);
update_values!(TypedPath);

/// The actions of one update, in order. Built by the update request's methods.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct UpdateActions {
    pub(crate) actions: Vec<Action>,
}

impl UpdateActions {
    pub(crate) fn set(&mut self, path: Path, value: SetValue) {
        match value {
            // Setting "no value" (None, an empty set) removes the attribute.
            SetValue::Term(Term::Absent) => self.actions.push(Action::Remove(path)),
            value => self.actions.push(Action::Set(path, value)),
        }
    }

    pub(crate) fn set_if_not_exists(&mut self, path: Path, value: SetValue) {
        let value = SetValue::IfNotExists(path.clone(), Box::new(value));
        self.actions.push(Action::Set(path, value));
    }

    /// `list_append`, creating the list when it is missing.
    pub(crate) fn append(&mut self, path: Path, values: Term, at_end: bool) {
        if matches!(&values, Term::Value(AttributeValue::L(list)) if list.is_empty()) {
            return; // appending nothing changes nothing
        }
        let existing = Box::new(SetValue::IfNotExists(
            path.clone(),
            Box::new(SetValue::Term(Term::Value(AttributeValue::L(Vec::new())))),
        ));
        let values = Box::new(SetValue::Term(values));
        let value = if at_end {
            SetValue::ListAppend(existing, values)
        } else {
            SetValue::ListAppend(values, existing)
        };
        self.actions.push(Action::Set(path, value));
    }

    pub(crate) fn remove(&mut self, path: Path) {
        self.actions.push(Action::Remove(path));
    }

    pub(crate) fn add(&mut self, path: Path, value: Term) {
        // Adding an empty set changes nothing; DynamoDB cannot even express it.
        if !matches!(value, Term::Absent) {
            self.actions.push(Action::Add(path, value));
        }
    }

    pub(crate) fn delete(&mut self, path: Path, value: Term) {
        if !matches!(value, Term::Absent) {
            self.actions.push(Action::Delete(path, value));
        }
    }

    /// Whether applying these actions twice leaves the item as applying them once: absolute
    /// values, removals and set members are; numbers added to, arithmetic and list appends are
    /// not. The version bump (`ADD version 1`) counts as repeatable: a retry after a lost
    /// response may advance the version by two, which changes no data.
    pub(crate) fn repeatable(&self, version: Option<&str>) -> bool {
        self.actions.iter().all(|action| match action {
            Action::Set(_, value) => !value.is_relative(),
            Action::Remove(_) | Action::Delete(..) => true,
            Action::Add(path, Term::Value(AttributeValue::N(_))) => {
                version.is_some_and(|v| path.elements().len() == 1 && path.root() == v)
            }
            Action::Add(..) => true,
        })
    }

    /// What DynamoDB would refuse, refused before sending: no action, an action on a key
    /// attribute, two actions on overlapping paths.
    pub(crate) fn check(&self, schema: &Schema) -> Result<()> {
        let invalid = |message: String| Err(Error::InvalidRequest { message });
        if self.actions.is_empty() {
            return invalid(
                "the update has no actions; add `set`, `remove`, `add`, … or skip the request"
                    .into(),
            );
        }
        for (i, action) in self.actions.iter().enumerate() {
            let path = action.path();
            if schema.is_primary_key(path.root()) {
                return invalid(format!(
                    "`{path}` is part of the primary key, which an update cannot change; delete the item and put a new one"
                ));
            }
            if let Some(other) = self.actions[..i].iter().find(|a| a.path().overlaps(path)) {
                return invalid(format!(
                    "the update changes `{}` and `{path}`, which overlap; DynamoDB allows one action per attribute",
                    other.path()
                ));
            }
        }
        Ok(())
    }
}

/// Helper for builders: converts a typed value.
pub(crate) fn value_term<T>(value: impl ValueFor<T>) -> Term {
    Term::from_value(value.to_value())
}
