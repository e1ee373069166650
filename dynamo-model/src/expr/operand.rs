//! What stands on either side of a comparison: a path, `size(path)`, or a typed value.

use std::collections::{BTreeSet, HashSet};
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::AttrError;
use crate::expr::path::{Path, PathOf, TypedPath, Untyped};
use crate::schema::Attr;
use crate::value::Attribute;

/// One side of a comparison, converted and ready to render.
#[derive(Debug, Clone, PartialEq)]
#[doc(hidden)]
pub enum Term {
    Path(Path),
    Size(Path),
    Value(AttributeValue),
    /// A value with no DynamoDB form: `None`, an empty set.
    Absent,
    /// A value that failed to convert; reported when the request is built, before sending.
    Invalid(AttrError),
}

impl Term {
    pub(crate) fn from_value(value: Result<Option<AttributeValue>, AttrError>) -> Term {
        match value {
            Ok(Some(value)) => Term::Value(value),
            Ok(None) => Term::Absent,
            Err(e) => Term::Invalid(e),
        }
    }
}

/// A Rust value that can stand for an attribute of type `T` in an expression: a `T`, a `&T`,
/// the `T` inside an `Option<T>` attribute, or a `&str` for a string. For untyped paths, any
/// storable value.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for an attribute of type `{T}`",
    label = "expected a `{T}` here",
    note = "expression values have the attribute's own type (or its `T` when it is an `Option<T>`)",
    note = "a key template's value (`Composite<..>`) is composed by the template's handle: `.hash(Order::PK.of(\"c1\"))`, `.hash(Order::PK.of((\"c1\", 2)))` for two parts"
)]
pub trait ValueFor<T> {
    /// Converts the value; `Ok(None)` for a value DynamoDB cannot hold (`None`, an empty set).
    fn to_value(&self) -> Result<Option<AttributeValue>, AttrError>;
}

impl<T: Attribute> ValueFor<T> for T {
    fn to_value(&self) -> Result<Option<AttributeValue>, AttrError> {
        self.to_attr()
    }
}

impl<T: Attribute> ValueFor<T> for &T {
    fn to_value(&self) -> Result<Option<AttributeValue>, AttrError> {
        (*self).to_attr()
    }
}

impl<T: Attribute> ValueFor<Option<T>> for T {
    fn to_value(&self) -> Result<Option<AttributeValue>, AttrError> {
        self.to_attr()
    }
}

impl<T: Attribute> ValueFor<Untyped> for T {
    fn to_value(&self) -> Result<Option<AttributeValue>, AttrError> {
        self.to_attr()
    }
}

macro_rules! str_value_for {
    ($($target:ty),*) => {$(
        impl ValueFor<$target> for &str {
            fn to_value(&self) -> Result<Option<AttributeValue>, AttrError> {
                Ok(Some(AttributeValue::S((*self).to_owned())))
            }
        }
    )*};
}

str_value_for!(String, Option<String>, Untyped);

/// Either side of a comparison with an attribute of type `T` in model `M`: a value for `T`
/// ([`ValueFor`]), another attribute of `M` holding a `T`, or `size(..)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with an attribute of type `{T}`",
    label = "expected a `{T}`, or an attribute of `{M}` holding one",
    note = "expression values have the attribute's own type (or its `T` when it is an `Option<T>`)"
)]
pub trait Operand<M, T> {
    #[doc(hidden)]
    fn into_term(self) -> Term;
}

/// Implements an operand trait for every kind of value [`ValueFor`] accepts. Spelled out rather
/// than a blanket impl over `ValueFor`, so that paths can implement the trait too (coherence
/// cannot rule out a downstream `ValueFor` impl for a path type).
macro_rules! value_operands {
    ($trait:ident :: $method:ident -> $output:ty, $wrap:expr) => {
        impl<M, T: Attribute> $trait<M, T> for T {
            fn $method(self) -> $output {
                $wrap(Term::from_value(self.to_attr()))
            }
        }

        impl<M, T: Attribute> $trait<M, T> for &T {
            fn $method(self) -> $output {
                $wrap(Term::from_value(self.to_attr()))
            }
        }

        impl<M, T: Attribute> $trait<M, Option<T>> for T {
            fn $method(self) -> $output {
                $wrap(Term::from_value(self.to_attr()))
            }
        }

        impl<M, T: Attribute> $trait<M, crate::expr::path::Untyped> for T {
            fn $method(self) -> $output {
                $wrap(Term::from_value(self.to_attr()))
            }
        }

        impl<M> $trait<M, String> for &str {
            fn $method(self) -> $output {
                $wrap(Term::Value(AttributeValue::S(self.to_owned())))
            }
        }

        impl<M> $trait<M, Option<String>> for &str {
            fn $method(self) -> $output {
                $wrap(Term::Value(AttributeValue::S(self.to_owned())))
            }
        }

        impl<M> $trait<M, crate::expr::path::Untyped> for &str {
            fn $method(self) -> $output {
                $wrap(Term::Value(AttributeValue::S(self.to_owned())))
            }
        }
    };
}
pub(crate) use value_operands;

value_operands!(Operand::into_term -> Term, |term| term);

impl<M, T> Operand<M, T> for Attr<M, T> {
    fn into_term(self) -> Term {
        Term::Path(PathOf::<M>::to_path(&self))
    }
}

impl<M, T> Operand<M, T> for TypedPath<M, T> {
    fn into_term(self) -> Term {
        Term::Path(Path::from(self))
    }
}

/// `size(path)` of model `M`: compared like a number. Built by `.size()` on a handle or path.
#[derive(Debug, Clone)]
pub struct Size<M> {
    pub(crate) path: Path,
    _model: PhantomData<fn() -> M>,
}

impl<M> Size<M> {
    pub(crate) fn new(path: Path) -> Self {
        Size {
            path,
            _model: PhantomData,
        }
    }
}

impl<M> Operand<M, u64> for Size<M> {
    fn into_term(self) -> Term {
        Term::Size(self.path)
    }
}

/// Types that DynamoDB orders: strings, numbers, binary (`<`, `between`, …).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be ordered in a DynamoDB expression",
    note = "`lt`, `le`, `gt`, `ge` and `between` apply to strings, numbers and binary"
)]
pub trait Ordered {}

macro_rules! ordered {
    ($($t:ty),*) => {$( impl Ordered for $t {} )*};
}
ordered!(
    String,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    Vec<u8>,
    bytes::Bytes,
    aws_sdk_dynamodb::primitives::Blob,
    crate::timestamp::Timestamp,
    Untyped
);
impl<T: Ordered> Ordered for Option<T> {}

/// Types `begins_with` applies to: strings and binary.
#[diagnostic::on_unimplemented(
    message = "`begins_with` does not apply to `{Self}`",
    note = "`begins_with` applies to strings and binary"
)]
pub trait Prefixed {}

impl Prefixed for String {}
impl Prefixed for Vec<u8> {}
impl Prefixed for bytes::Bytes {}
impl Prefixed for Untyped {}
impl<T: Prefixed> Prefixed for Option<T> {}

/// Types `contains` applies to, and what they contain: a substring of a string, a member of a
/// set, an element of a list.
#[diagnostic::on_unimplemented(
    message = "`contains` does not apply to `{Self}`",
    note = "`contains` applies to strings, sets and lists"
)]
pub trait Contains {
    /// What `contains` looks for.
    type Member;
}

impl Contains for String {
    type Member = String;
}
impl<T, S> Contains for HashSet<T, S> {
    type Member = T;
}
impl<T> Contains for BTreeSet<T> {
    type Member = T;
}
impl<T> Contains for Vec<T> {
    type Member = T;
}
impl Contains for Untyped {
    type Member = Untyped;
}
impl<T: Contains> Contains for Option<T> {
    type Member = T::Member;
}
