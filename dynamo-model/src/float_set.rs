//! `FloatSet`: a DynamoDB number set (`NS`) of `f64` or `f32`, which `HashSet` and `BTreeSet`
//! cannot hold (floats are neither `Eq`, `Hash` nor `Ord`).

use std::cmp::Ordering;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::AttrError;
use crate::value::{describe, Attribute, Number};

/// `f64` and `f32`: what a [`FloatSet`] holds.
pub trait Float: Number + Copy + PartialEq + fmt::Debug + private::Sealed {
    /// A total order under which equal DynamoDB numbers are equal (`-0.0` is `0.0`).
    #[doc(hidden)]
    fn order(&self, other: &Self) -> Ordering;
    /// `-0.0` as `0.0`: DynamoDB numbers have no negative zero.
    #[doc(hidden)]
    fn normalized(self) -> Self;
}

mod private {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
}

macro_rules! float {
    ($($t:ty),*) => {$(
        impl Float for $t {
            fn order(&self, other: &Self) -> Ordering {
                self.total_cmp(other)
            }
            fn normalized(self) -> Self {
                if self == 0.0 { 0.0 } else { self }
            }
        }
    )*};
}
float!(f64, f32);

/// A set of floats, stored as a DynamoDB number set (`NS`).
///
/// Members are kept in ascending order, without duplicates; `-0.0` and `0.0` are one member (as
/// in DynamoDB). Every member must be a DynamoDB number: a `NaN`, an infinity or a magnitude
/// outside 1e-130..1e126 is refused when the set is written, naming the attribute. An empty set
/// is stored as no attribute (DynamoDB has no empty sets) and reads back empty.
///
/// ```
/// use dynamo_model::FloatSet;
///
/// let mut readings: FloatSet<f64> = [2.5, 0.1, 2.5].into_iter().collect();
/// assert!(readings.insert(-1.0));
/// assert_eq!(readings.iter().copied().collect::<Vec<_>>(), [-1.0, 0.1, 2.5]);
/// assert!(readings.contains(0.1));
/// ```
#[derive(Clone, PartialEq)]
pub struct FloatSet<F> {
    members: Vec<F>,
}

impl<F> Default for FloatSet<F> {
    fn default() -> Self {
        FloatSet {
            members: Vec::new(),
        }
    }
}

impl<F: Float> FloatSet<F> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, value: F) -> Result<usize, usize> {
        let value = value.normalized();
        self.members.binary_search_by(|member| member.order(&value))
    }

    /// Adds `value`; `false` if it was already a member.
    pub fn insert(&mut self, value: F) -> bool {
        match self.find(value) {
            Ok(_) => false,
            Err(at) => {
                self.members.insert(at, value.normalized());
                true
            }
        }
    }

    /// Removes `value`; `false` if it was not a member.
    pub fn remove(&mut self, value: F) -> bool {
        match self.find(value) {
            Ok(at) => {
                self.members.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `value` is a member.
    pub fn contains(&self, value: F) -> bool {
        self.find(value).is_ok()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members in ascending order.
    pub fn iter(&self) -> std::slice::Iter<'_, F> {
        self.members.iter()
    }
}

impl<F: Float> fmt::Debug for FloatSet<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(&self.members).finish()
    }
}

impl<F: Float> FromIterator<F> for FloatSet<F> {
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut members: Vec<F> = iter.into_iter().map(Float::normalized).collect();
        members.sort_by(Float::order);
        members.dedup_by(|a, b| a.order(b) == Ordering::Equal);
        FloatSet { members }
    }
}

impl<F: Float> Extend<F> for FloatSet<F> {
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

impl<F: Float, const N: usize> From<[F; N]> for FloatSet<F> {
    fn from(members: [F; N]) -> Self {
        members.into_iter().collect()
    }
}

impl<F> IntoIterator for FloatSet<F> {
    type Item = F;
    type IntoIter = std::vec::IntoIter<F>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

impl<'a, F> IntoIterator for &'a FloatSet<F> {
    type Item = &'a F;
    type IntoIter = std::slice::Iter<'a, F>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.iter()
    }
}

impl<F: Float> Attribute for FloatSet<F> {
    const EXPECTED: &'static str = "number set";

    fn to_attr(&self) -> Result<Option<AttributeValue>, AttrError> {
        if self.members.is_empty() {
            return Ok(None);
        }
        let numbers = self
            .members
            .iter()
            .map(Number::to_number)
            .collect::<Result<_, _>>()?;
        Ok(Some(AttributeValue::Ns(numbers)))
    }

    fn from_attr(value: AttributeValue) -> Result<Self, AttrError> {
        match value {
            AttributeValue::Ns(numbers) => numbers
                .iter()
                .map(|n| {
                    F::from_number(n).ok_or_else(|| {
                        AttrError::mismatch(F::EXPECTED, format!("number set member {n}"))
                    })
                })
                .collect(),
            // An empty set may have been written as NULL by other tools.
            AttributeValue::Null(_) => Ok(Self::default()),
            other => Err(AttrError::mismatch(Self::EXPECTED, describe(&other))),
        }
    }

    fn from_missing() -> Result<Self, AttrError> {
        Ok(Self::default())
    }
}

impl<F> crate::Set for FloatSet<F> {}
impl<F> crate::Addable for FloatSet<F> {}
impl<F> crate::Contains for FloatSet<F> {
    type Member = F;
}

/// A sequence of the members, in ascending order.
impl<F: serde::Serialize> serde::Serialize for FloatSet<F> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.members)
    }
}

/// From a sequence; duplicates are one member.
impl<'de, F: Float + serde::Deserialize<'de>> serde::Deserialize<'de> for FloatSet<F> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<F>::deserialize(deserializer).map(FromIterator::from_iter)
    }
}
