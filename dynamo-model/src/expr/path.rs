//! Attribute paths: `a.b[2].c`, untyped ([`Path`]) and typed ([`TypedPath`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::schema::{Attr, FieldHooks};

pub use crate::value::PathElement;

/// An untyped attribute path, for attributes the model does not name: `Path::parse("a.b[2].c")`.
///
/// Names are never spliced into expression strings: each becomes an `ExpressionAttributeNames`
/// placeholder, so any text is safe. Its conditions (`eq`, `lt`, `begins_with`, …, the same as a
/// typed handle's) take values of any storable type, and name their model per call, inferred
/// from where the condition is used.
#[derive(Clone)]
pub struct Path {
    elements: Elements,
}

/// A path's steps. Most paths are one top-level attribute (every typed handle's), held without
/// an allocation: a request builds and renders several.
#[derive(Clone)]
enum Elements {
    One(PathElement),
    Many(Vec<PathElement>),
}

impl PartialEq for Path {
    fn eq(&self, other: &Path) -> bool {
        self.elements() == other.elements()
    }
}

impl Eq for Path {}

impl std::hash::Hash for Path {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.elements().hash(state);
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Path")
            .field("elements", &self.elements())
            .finish()
    }
}

impl Path {
    /// The top-level attribute `name`, taken literally (a dot in it is part of the name).
    pub fn name(name: impl Into<Cow<'static, str>>) -> Path {
        Path {
            elements: Elements::One(PathElement::Name(name.into())),
        }
    }

    fn push(&mut self, element: PathElement) {
        if let Elements::One(first) = &mut self.elements {
            let first = std::mem::replace(first, PathElement::Index(0));
            let mut elements = Vec::with_capacity(4);
            elements.push(first);
            self.elements = Elements::Many(elements);
        }
        if let Elements::Many(elements) = &mut self.elements {
            elements.push(element);
        }
    }

    /// This path, then every step of `rest`.
    fn append(&mut self, rest: Path) {
        match rest.elements {
            Elements::One(element) => self.push(element),
            Elements::Many(elements) => elements.into_iter().for_each(|e| self.push(e)),
        }
    }

    /// Parses `a.b[2].c`: names separated by dots, each followed by any number of `[index]`.
    /// Refuses empty names, unclosed or empty brackets, and indexes that are not numbers. For
    /// names holding `.`, `[` or `]`, build the path with [`Path::name`] and [`Path::key`].
    pub fn parse(text: &str) -> Result<Path> {
        let invalid = |message: &str| Error::InvalidPath {
            path: text.to_owned(),
            message: message.to_owned(),
        };
        let mut elements = Vec::new();
        for segment in text.split('.') {
            let (name, mut rest) = match segment.find('[') {
                Some(at) => segment.split_at(at),
                None => (segment, ""),
            };
            if name.is_empty() {
                return Err(invalid(
                    "every name in a path must be non-empty (`a.b[1]`, not `a..b` or `[1]`)",
                ));
            }
            if name.contains(']') {
                return Err(invalid("`]` without a matching `[`"));
            }
            elements.push(PathElement::Name(Cow::Owned(name.to_owned())));
            while !rest.is_empty() {
                let Some(close) = rest.find(']') else {
                    return Err(invalid("`[` without a closing `]`"));
                };
                let digits = &rest[1..close];
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid("a list index must be a number: `list[3]`"));
                }
                let index = digits
                    .parse()
                    .map_err(|_| invalid("the list index is too large"))?;
                elements.push(PathElement::Index(index));
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(invalid("after `]` a path goes on with `.` or `[`"));
                }
            }
        }
        Ok(Path {
            elements: Elements::Many(elements),
        })
    }

    /// This path, then the map key `name`.
    #[must_use]
    pub fn key(mut self, name: impl Into<Cow<'static, str>>) -> Path {
        self.push(PathElement::Name(name.into()));
        self
    }

    /// This path, then the list element `index`.
    #[must_use]
    pub fn index(mut self, index: usize) -> Path {
        self.push(PathElement::Index(index));
        self
    }

    /// The path's steps.
    pub fn elements(&self) -> &[PathElement] {
        match &self.elements {
            Elements::One(element) => std::slice::from_ref(element),
            Elements::Many(elements) => elements,
        }
    }

    /// The top-level attribute the path starts at.
    pub fn root(&self) -> &str {
        match self.elements().first() {
            Some(PathElement::Name(name)) => name,
            _ => "",
        }
    }

    /// The value at this path in a stored item, if there is one.
    pub(crate) fn lookup<'a>(
        &self,
        item: &'a crate::value::Item,
    ) -> Option<&'a aws_sdk_dynamodb::types::AttributeValue> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let mut elements = self.elements().iter();
        let mut here = match elements.next()? {
            PathElement::Name(name) => item.get(name.as_ref())?,
            PathElement::Index(_) => return None,
        };
        for element in elements {
            here = match (element, here) {
                (PathElement::Name(name), AttributeValue::M(map)) => map.get(name.as_ref())?,
                (PathElement::Index(i), AttributeValue::L(list)) => list.get(*i)?,
                _ => return None,
            };
        }
        Some(here)
    }

    /// Whether one path is the other or lies inside it (`a` and `a.b`), which DynamoDB refuses
    /// to have in one update.
    pub(crate) fn overlaps(&self, other: &Path) -> bool {
        self.elements()
            .iter()
            .zip(other.elements())
            .all(|(a, b)| a == b)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, element) in self.elements().iter().enumerate() {
            match element {
                PathElement::Index(n) => write!(f, "[{n}]")?,
                PathElement::Name(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if name.is_empty() || name.contains(['.', '[', ']', '"', ' ']) {
                        write!(f, "{name:?}")?;
                    } else {
                        f.write_str(name)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl<M, T> From<Attr<M, T>> for Path {
    fn from(attr: Attr<M, T>) -> Path {
        Path::name(attr.name())
    }
}

impl<M, T> From<TypedPath<M, T>> for Path {
    fn from(path: TypedPath<M, T>) -> Path {
        path.path
    }
}

/// A path into model `M` whose value has type `T`: `User::NOTES.at(2)`,
/// `User::SCORES.key("math")`. Built from [`Attr`] handles.
pub struct TypedPath<M, T> {
    path: Path,
    /// The hooks of the field the path ends at (`then` into a nested field); for list elements
    /// and map values, the rules of the documents they hold.
    hooks: Option<&'static FieldHooks>,
    _types: PhantomData<fn() -> (M, T)>,
}

impl<M, T> TypedPath<M, T> {
    /// The untyped path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl<M, T> Clone for TypedPath<M, T> {
    fn clone(&self) -> Self {
        TypedPath {
            path: self.path.clone(),
            hooks: self.hooks,
            _types: PhantomData,
        }
    }
}

impl<M, T> fmt::Debug for TypedPath<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypedPath({})", self.path)
    }
}

impl<M, T> fmt::Display for TypedPath<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.path, f)
    }
}

/// A typed path into model `M` holding a `T`: an [`Attr`] handle or a [`TypedPath`].
pub trait PathOf<M> {
    /// The Rust type of the value at the path.
    type Value;

    /// The untyped path.
    fn to_path(&self) -> Path;

    /// The validation and transform hooks of the field at the path.
    #[doc(hidden)]
    fn hooks(&self) -> Option<&'static FieldHooks> {
        None
    }

    /// Whether the path is untyped ([`Path`]): the model is then searched for the field it
    /// names, so its values get the field's checks.
    #[doc(hidden)]
    fn is_untyped(&self) -> bool {
        false
    }
}

impl<M, T> PathOf<M> for Attr<M, T> {
    type Value = T;

    fn to_path(&self) -> Path {
        Path::name(self.name())
    }

    fn hooks(&self) -> Option<&'static FieldHooks> {
        Attr::hooks(self)
    }
}

impl<M, T> PathOf<M> for TypedPath<M, T> {
    type Value = T;

    fn to_path(&self) -> Path {
        self.path.clone()
    }

    fn hooks(&self) -> Option<&'static FieldHooks> {
        self.hooks
    }
}

impl<M, T> PathOf<M> for &TypedPath<M, T> {
    type Value = T;

    fn to_path(&self) -> Path {
        self.path.clone()
    }

    fn hooks(&self) -> Option<&'static FieldHooks> {
        self.hooks
    }
}

/// Marks an untyped [`Path`]: it holds a value of any type.
#[derive(Debug, Clone, Copy)]
pub struct Untyped;

impl<M> PathOf<M> for Path {
    type Value = Untyped;

    fn to_path(&self) -> Path {
        self.clone()
    }

    fn is_untyped(&self) -> bool {
        true
    }
}

/// Types whose elements a path can reach by index: lists.
pub trait Indexed {
    /// The element type.
    type Element;
}

impl<T> Indexed for Vec<T> {
    type Element = T;
}

impl<T: Indexed> Indexed for Option<T> {
    type Element = T::Element;
}

/// Types whose values a path can reach by key: maps with string keys.
pub trait Keyed {
    /// The value type.
    type Value;
}

impl<T, S> Keyed for HashMap<String, T, S> {
    type Value = T;
}

impl<T> Keyed for BTreeMap<String, T> {
    type Value = T;
}

impl<T: Keyed> Keyed for Option<T> {
    type Value = T::Value;
}

/// Types holding a nested document `N`: `N` itself (`#[derive(Attributes)]`), `Option<N>`,
/// `Box<N>`.
#[diagnostic::on_unimplemented(
    message = "`then` goes into a nested document, and `{Self}` is not one",
    note = "`then` goes into a field whose type derives `Attributes` (or an Option or Box of one)"
)]
pub trait Nested<N> {}

impl<N: crate::model::Attributes> Nested<N> for N {}
impl<N: crate::model::Attributes> Nested<N> for Option<N> {}
impl<N: crate::model::Attributes> Nested<N> for Box<N> {}

macro_rules! navigation {
    ($($ty:ident),*) => {$(
        impl<M, T: Indexed> $ty<M, T>
        where
            T::Element: crate::value::Attribute,
        {
            /// The list element at `index`: `User::NOTES.at(2)`. A value set there is checked
            /// against the rules of the documents it holds.
            pub fn at(&self, index: usize) -> TypedPath<M, T::Element> {
                TypedPath {
                    path: PathOf::<M>::to_path(self).index(index),
                    hooks: crate::value::element_hooks::<T::Element>(),
                    _types: PhantomData,
                }
            }
        }

        impl<M, T> $ty<M, T> {
            /// A path into a nested document: `User::ADDRESS.then(Address::CITY)`.
            pub fn then<N, P: PathOf<N>>(&self, child: P) -> TypedPath<M, P::Value>
            where
                T: Nested<N>,
            {
                let mut path = PathOf::<M>::to_path(self);
                path.append(child.to_path());
                TypedPath {
                    path,
                    hooks: child.hooks(),
                    _types: PhantomData,
                }
            }
        }

        impl<M, T: Keyed> $ty<M, T>
        where
            T::Value: crate::value::Attribute,
        {
            /// The map value under `key`: `User::SCORES.key("math")`. A value set there is
            /// checked against the rules of the documents it holds.
            pub fn key(&self, key: impl Into<Cow<'static, str>>) -> TypedPath<M, T::Value> {
                TypedPath {
                    path: PathOf::<M>::to_path(self).key(key),
                    hooks: crate::value::element_hooks::<T::Value>(),
                    _types: PhantomData,
                }
            }
        }
    )*};
}

navigation!(Attr, TypedPath);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_names_dots_and_indexes() {
        let path = Path::parse("a.b[2][10].c").unwrap();
        assert_eq!(
            path.elements(),
            [
                PathElement::Name("a".into()),
                PathElement::Name("b".into()),
                PathElement::Index(2),
                PathElement::Index(10),
                PathElement::Name("c".into()),
            ]
        );
        assert_eq!(path.to_string(), "a.b[2][10].c");
        assert_eq!(Path::parse("my attr").unwrap().root(), "my attr");
    }

    #[test]
    fn parse_refuses_malformed_paths() {
        for bad in [
            "",
            "a..b",
            ".a",
            "a.",
            "[1]",
            "a[",
            "a[]",
            "a[x]",
            "a[-1]",
            "a]",
            "a[1]b",
            "a[99999999999999999999999]",
        ] {
            let err = Path::parse(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidPath { path, .. } if path == bad),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn paths_equal_by_their_steps_however_built() {
        use std::collections::HashSet;
        let parsed = Path::parse("a").unwrap();
        let named = Path::name("a");
        assert_eq!(parsed, named);
        assert_eq!(HashSet::from([parsed]).get(&named), Some(&named));
        let grown = Path::name("a").key("b").index(2);
        assert_eq!(grown, Path::parse("a.b[2]").unwrap());
        assert_eq!(grown.elements().len(), 3);
        assert_ne!(grown, Path::name("a"));
    }

    #[test]
    fn overlapping_paths() {
        let a = Path::parse("a.b").unwrap();
        assert!(a.overlaps(&Path::parse("a").unwrap()));
        assert!(a.overlaps(&Path::parse("a.b.c").unwrap()));
        assert!(!a.overlaps(&Path::parse("a.c").unwrap()));
        assert!(!Path::parse("a[1]")
            .unwrap()
            .overlaps(&Path::parse("a[2]").unwrap()));
    }
}
