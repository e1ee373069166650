//! Conditions: a tree built by operator methods on typed handles, rendered once by the writer.

use std::fmt;
use std::marker::PhantomData;

use crate::expr::operand::{Contains, Operand, Ordered, Prefixed, Size, Term, ValueFor};
use crate::expr::path::{Path, PathOf, TypedPath};
use crate::schema::Attr;

/// A condition on an item of model `M`: `User::AGE.gt(21).and(User::TAGS.contains("vip"))`.
///
/// Used by `put`, `create`, `delete` and `update` (`.condition(..)`), and as query and scan
/// filters. `Display` shows it with real names and values; the request itself only ever holds
/// placeholders.
pub struct Condition<M> {
    pub(crate) node: Node,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Condition<M> {
    fn clone(&self) -> Self {
        Condition::new(self.node.clone())
    }
}

impl<M> fmt::Debug for Condition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Condition({self})")
    }
}

impl<M> fmt::Display for Condition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sink = crate::expr::writer::DisplaySink::new();
        self.node.render(&mut sink);
        f.write_str(&sink.finish())
    }
}

impl<M> PartialEq for Condition<M> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

/// The comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// DynamoDB's attribute types, for [`attribute_type`](Attr::attribute_type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeType {
    /// `S`
    String,
    /// `SS`
    StringSet,
    /// `N`
    Number,
    /// `NS`
    NumberSet,
    /// `B`
    Binary,
    /// `BS`
    BinarySet,
    /// `BOOL`
    Boolean,
    /// `NULL`
    Null,
    /// `L`
    List,
    /// `M`
    Map,
}

impl AttributeType {
    /// The type's code in expressions, e.g. `SS`.
    pub fn code(self) -> &'static str {
        match self {
            AttributeType::String => "S",
            AttributeType::StringSet => "SS",
            AttributeType::Number => "N",
            AttributeType::NumberSet => "NS",
            AttributeType::Binary => "B",
            AttributeType::BinarySet => "BS",
            AttributeType::Boolean => "BOOL",
            AttributeType::Null => "NULL",
            AttributeType::List => "L",
            AttributeType::Map => "M",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Compare(Term, Comparator, Term),
    Between(Term, Term, Term),
    In(Term, Vec<Term>),
    Exists(Path),
    NotExists(Path),
    Type(Path, AttributeType),
    BeginsWith(Path, Term),
    Contains(Path, Term),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

impl Node {
    /// The first path in the condition for which `wanted` holds.
    pub(crate) fn find_path<'a>(&'a self, wanted: &dyn Fn(&Path) -> bool) -> Option<&'a Path> {
        fn term<'a>(term: &'a Term, wanted: &dyn Fn(&Path) -> bool) -> Option<&'a Path> {
            match term {
                Term::Path(path) | Term::Size(path) if wanted(path) => Some(path),
                _ => None,
            }
        }
        let term = |t: &'a Term| term(t, wanted);
        match self {
            Node::Compare(a, _, b) => term(a).or_else(|| term(b)),
            Node::Between(a, b, c) => term(a).or_else(|| term(b)).or_else(|| term(c)),
            Node::In(a, list) => term(a).or_else(|| list.iter().find_map(term)),
            Node::Exists(path) | Node::NotExists(path) | Node::Type(path, _) => {
                wanted(path).then_some(path)
            }
            Node::BeginsWith(path, t) | Node::Contains(path, t) => {
                if wanted(path) {
                    Some(path)
                } else {
                    term(t)
                }
            }
            Node::And(nodes) | Node::Or(nodes) => nodes.iter().find_map(|n| n.find_path(wanted)),
            Node::Not(node) => node.find_path(wanted),
        }
    }

    /// Whether the condition uses the top-level attribute `name` anywhere.
    pub(crate) fn mentions(&self, name: &str) -> bool {
        let term = |term: &Term| match term {
            Term::Path(path) | Term::Size(path) => path.root() == name,
            _ => false,
        };
        match self {
            Node::Compare(a, _, b) => term(a) || term(b),
            Node::Between(a, b, c) => term(a) || term(b) || term(c),
            Node::In(a, list) => term(a) || list.iter().any(term),
            Node::Exists(path) | Node::NotExists(path) | Node::Type(path, _) => path.root() == name,
            Node::BeginsWith(path, t) | Node::Contains(path, t) => path.root() == name || term(t),
            Node::And(nodes) | Node::Or(nodes) => nodes.iter().any(|n| n.mentions(name)),
            Node::Not(node) => node.mentions(name),
        }
    }

    /// Whether the condition holds when no item is stored, as DynamoDB evaluates it: a
    /// comparison or function of a missing attribute is false, `attribute_not_exists` true.
    pub(crate) fn holds_on_absent(&self) -> bool {
        match self {
            Node::NotExists(_) => true,
            Node::Compare(..)
            | Node::Between(..)
            | Node::In(..)
            | Node::Exists(_)
            | Node::Type(..)
            | Node::BeginsWith(..)
            | Node::Contains(..) => false,
            Node::And(nodes) => nodes.iter().all(Node::holds_on_absent),
            Node::Or(nodes) => nodes.iter().any(Node::holds_on_absent),
            Node::Not(node) => !node.holds_on_absent(),
        }
    }
}

impl AsRef<Node> for Node {
    fn as_ref(&self) -> &Node {
        self
    }
}

impl Node {
    /// `self AND other`, nested ANDs flattened.
    pub(crate) fn and(self, other: Node) -> Node {
        Node::joined(self, other, true)
    }

    /// `self OR other`, nested ORs flattened.
    pub(crate) fn or(self, other: Node) -> Node {
        Node::joined(self, other, false)
    }

    fn joined(left: Node, right: Node, and: bool) -> Node {
        let mut nodes = match left {
            Node::And(nodes) if and => nodes,
            Node::Or(nodes) if !and => nodes,
            other => {
                let mut nodes = Vec::with_capacity(2);
                nodes.push(other);
                nodes
            }
        };
        match right {
            Node::And(more) if and => nodes.extend(more),
            Node::Or(more) if !and => nodes.extend(more),
            other => nodes.push(other),
        }
        if and {
            Node::And(nodes)
        } else {
            Node::Or(nodes)
        }
    }
}

/// `existing AND node`, or `node` alone.
pub(crate) fn conjoin(existing: Option<Node>, node: Node) -> Node {
    match existing {
        Some(existing) => existing.and(node),
        None => node,
    }
}

impl<M> Condition<M> {
    pub(crate) fn new(node: Node) -> Self {
        Condition {
            node,
            _model: PhantomData,
        }
    }

    /// Both this and `other`.
    #[must_use]
    pub fn and(self, other: Condition<M>) -> Condition<M> {
        Condition::new(self.node.and(other.node))
    }

    /// This or `other`.
    #[must_use]
    pub fn or(self, other: Condition<M>) -> Condition<M> {
        Condition::new(self.node.or(other.node))
    }

    /// The opposite of this condition.
    #[allow(clippy::should_implement_trait)] // also implemented as `!condition`
    #[must_use]
    pub fn not(self) -> Condition<M> {
        Condition::new(Node::Not(Box::new(self.node)))
    }

    /// All of `conditions`; `None` when there are none.
    pub fn all(conditions: impl IntoIterator<Item = Condition<M>>) -> Option<Condition<M>> {
        conditions.into_iter().reduce(Condition::and)
    }

    /// Any of `conditions`; `None` when there are none.
    pub fn any(conditions: impl IntoIterator<Item = Condition<M>>) -> Option<Condition<M>> {
        conditions.into_iter().reduce(Condition::or)
    }
}

impl<M> std::ops::Not for Condition<M> {
    type Output = Condition<M>;

    fn not(self) -> Condition<M> {
        Condition::not(self)
    }
}

impl<M> std::ops::BitAnd for Condition<M> {
    type Output = Condition<M>;

    fn bitand(self, other: Condition<M>) -> Condition<M> {
        self.and(other)
    }
}

impl<M> std::ops::BitOr for Condition<M> {
    type Output = Condition<M>;

    fn bitor(self, other: Condition<M>) -> Condition<M> {
        self.or(other)
    }
}

fn compare<M>(left: Term, comparator: Comparator, right: Term) -> Condition<M> {
    Condition::new(Node::Compare(left, comparator, right))
}

/// The path side of a condition on a handle or path of model `M`.
fn path_term<M>(path: &impl PathOf<M>) -> Term {
    Term::Path(path.to_path())
}

/// A value compared with the attribute, through the field's `set` transform: what is compared
/// is what was stored. (An untyped path has no field, so no transform.)
fn value_term<M>(path: &impl PathOf<M>, term: Term) -> Term {
    crate::schema::transform(path.hooks(), term)
}

/// The condition operators, written once for typed handles (`Attr`), typed paths and untyped
/// [`Path`]s. `[impl generics] Type, value type, [method generics]`: an untyped path names its
/// model per call, inferred from where the condition is used.
macro_rules! operators {
    ([$($param:ident),*] $ty:ty, $value:ty, [$($m:ident)?]) => {
        impl<$($param),*> $ty {
            /// `path = value` (or another attribute). Comparing with `None` or an empty set
            /// means "the attribute is absent".
            pub fn eq<$($m)?>(&self, value: impl Operand<M, $value>) -> Condition<M> {
                compare(path_term::<M>(self), Comparator::Eq, value_term::<M>(self, value.into_term()))
            }

            /// `path <> value` (or another attribute). With `None` or an empty set: "the
            /// attribute is present".
            pub fn ne<$($m)?>(&self, value: impl Operand<M, $value>) -> Condition<M> {
                compare(path_term::<M>(self), Comparator::Ne, value_term::<M>(self, value.into_term()))
            }

            /// `path < value`.
            pub fn lt<$($m)?>(&self, value: impl Operand<M, $value>) -> Condition<M>
            where
                $value: Ordered,
            {
                compare(path_term::<M>(self), Comparator::Lt, value_term::<M>(self, value.into_term()))
            }

            /// `path <= value`.
            pub fn le<$($m)?>(&self, value: impl Operand<M, $value>) -> Condition<M>
            where
                $value: Ordered,
            {
                compare(path_term::<M>(self), Comparator::Le, value_term::<M>(self, value.into_term()))
            }

            /// `path > value`.
            pub fn gt<$($m)?>(&self, value: impl Operand<M, $value>) -> Condition<M>
            where
                $value: Ordered,
            {
                compare(path_term::<M>(self), Comparator::Gt, value_term::<M>(self, value.into_term()))
            }

            /// `path >= value`.
            pub fn ge<$($m)?>(&self, value: impl Operand<M, $value>) -> Condition<M>
            where
                $value: Ordered,
            {
                compare(path_term::<M>(self), Comparator::Ge, value_term::<M>(self, value.into_term()))
            }

            /// `path BETWEEN low AND high` (both included).
            pub fn between<$($m)?>(
                &self,
                low: impl Operand<M, $value>,
                high: impl Operand<M, $value>,
            ) -> Condition<M>
            where
                $value: Ordered,
            {
                let low = value_term::<M>(self, low.into_term());
                let high = value_term::<M>(self, high.into_term());
                Condition::new(Node::Between(path_term::<M>(self), low, high))
            }

            /// `path IN (v1, v2, ..)`: 1 to 100 values, checked before sending.
            pub fn in_<$($m,)? V: ValueFor<$value>>(&self, values: impl IntoIterator<Item = V>) -> Condition<M> {
                let values = values
                    .into_iter()
                    .map(|v| value_term::<M>(self, Term::from_value(v.to_value())))
                    .collect();
                Condition::new(Node::In(path_term::<M>(self), values))
            }

            /// `attribute_exists(path)`.
            pub fn exists<$($m)?>(&self) -> Condition<M> {
                Condition::new(Node::Exists(PathOf::<M>::to_path(self)))
            }

            /// `attribute_not_exists(path)`.
            pub fn not_exists<$($m)?>(&self) -> Condition<M> {
                Condition::new(Node::NotExists(PathOf::<M>::to_path(self)))
            }

            /// `attribute_type(path, type)`.
            pub fn attribute_type<$($m)?>(&self, ty: AttributeType) -> Condition<M> {
                Condition::new(Node::Type(PathOf::<M>::to_path(self), ty))
            }

            /// `begins_with(path, prefix)`, for strings and binary.
            pub fn begins_with<$($m)?>(&self, prefix: impl ValueFor<$value>) -> Condition<M>
            where
                $value: Prefixed,
            {
                let prefix = Term::from_value(prefix.to_value());
                Condition::new(Node::BeginsWith(PathOf::<M>::to_path(self), prefix))
            }

            /// `contains(path, member)`: a substring of a string, a member of a set, an element
            /// of a list.
            pub fn contains<$($m)?>(&self, member: impl ValueFor<<$value as Contains>::Member>) -> Condition<M>
            where
                $value: Contains,
            {
                let member = Term::from_value(member.to_value());
                Condition::new(Node::Contains(PathOf::<M>::to_path(self), member))
            }

            /// `size(path)`, to compare like a number: `User::TAGS.size().gt(2)`.
            pub fn size<$($m)?>(&self) -> Size<M> {
                Size::new(PathOf::<M>::to_path(self))
            }
        }
    };
}

operators!([M, T] Attr<M, T>, T, []);
operators!([M, T] TypedPath<M, T>, T, []);
// Values of any storable type: the path says nothing of what it holds.
operators!([] Path, crate::expr::path::Untyped, [M]);

macro_rules! size_operators {
    ($($name:ident => $comparator:ident),*) => {
        impl<M> Size<M> {
            $(
                #[doc = concat!("`size(path) ", stringify!($name), " n`.")]
                pub fn $name(self, n: impl Operand<M, u64>) -> Condition<M> {
                    compare(Term::Size(self.path), Comparator::$comparator, n.into_term())
                }
            )*

            /// `size(path) BETWEEN low AND high`.
            pub fn between(self, low: impl Operand<M, u64>, high: impl Operand<M, u64>) -> Condition<M> {
                Condition::new(Node::Between(Term::Size(self.path), low.into_term(), high.into_term()))
            }
        }
    };
}

size_operators!(eq => Eq, ne => Ne, lt => Lt, le => Le, gt => Gt, ge => Ge);
