//! Validation rules: `#[dynamo(validate(..))]` on fields, `#[dynamo(validate = path)]` on a
//! struct, and what they report.
//!
//! Every write of a model ([`Db::put`](crate::Db::put), `create`, batch and transaction puts)
//! runs [`Model::validate`](crate::Model::validate) first and sends nothing when a rule fails;
//! the error is [`Error::Validation`](crate::Error::Validation) with every failure at once, each
//! with its attribute path (`address.city`, `items[3].sku`) and rule. An `update`'s values are
//! checked against the rules of the attribute they go to; its relative changes (`add`, `sub`,
//! `append`, …), whose result only DynamoDB knows, get a condition that keeps the result inside
//! the attribute's `range` and `length` rules, and are refused when another rule applies.
//!
//! Rules check a value as the program holds it, before a `set` transform turns it into what is
//! stored (so `length(min = 8)` on a password checks the password, not its hash). An `Option`
//! field that is `None` passes every rule: rules constrain values that are there.
//!
//! | rule | applies to | fails when |
//! | --- | --- | --- |
//! | `range(min = a, max = b)` | numbers ([`InRange`]) | the value is below `a` or above `b` (either bound may be left out) |
//! | `length(min = a, max = b)` | strings (in characters), lists, sets, maps, binaries ([`Length`]) | the length is outside the bounds |
//! | `non_empty` | the same | the length is 0 |
//! | `regex = "..."` | strings ([`Text`]) | the string has no match; anchor with `^...$` to match the whole string. The pattern is checked at compile time and compiled once, on first use |
//! | `email` | strings | the string is not an email address ([`is_email`]) |
//! | `one_of(a, b, ..)` | anything comparable with the values | the value is none of them |
//! | `custom = path` | anything | `path(&value)` returns `Err(message)`; the message is reported |
//!
//! A struct-level `#[dynamo(validate = path)]` runs `path(&self) -> Result<(), E>` after the
//! field rules, for rules across fields; `E` is a message (`String`, `&str`), a [`Violation`]
//! naming a field, or a `Vec<Violation>` ([`IntoViolations`]).

use std::cmp::Ordering;
use std::fmt;

pub use crate::error::Violation;

// What generated code calls: public items in a module only the crate sees, re-exported by
// `__private` alone.
pub(crate) mod rules;
pub(crate) use rules::{report, Loc};

/// The collected failures as a result: `Ok` when there are none.
pub(crate) fn finish(violations: Vec<Violation>) -> crate::Result<()> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(crate::Error::Validation { violations })
    }
}

// ---- range ---------------------------------------------------------------------------------

/// A bound of a `range` rule: an exact integer or a float. Integer literals, integer and float
/// constants all convert into one, so `range(min = 0, max = 1.5)` works on any number type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// An integer bound, compared exactly.
    Int(i128),
    /// A float bound.
    Float(f64),
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Int(n) => write!(f, "{n}"),
            Bound::Float(x) => write!(f, "{x}"),
        }
    }
}

macro_rules! int_bound {
    ($($t:ty),*) => {$(
        impl From<$t> for Bound {
            fn from(n: $t) -> Bound {
                Bound::Int(n as i128)
            }
        }
    )*};
}

int_bound!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, usize);

impl From<u128> for Bound {
    fn from(n: u128) -> Bound {
        i128::try_from(n).map_or(Bound::Float(n as f64), Bound::Int)
    }
}

impl From<f64> for Bound {
    fn from(x: f64) -> Bound {
        Bound::Float(x)
    }
}

impl From<f32> for Bound {
    fn from(x: f32) -> Bound {
        Bound::Float(f64::from(x))
    }
}

/// Numbers a `range` rule applies to.
#[diagnostic::on_unimplemented(
    message = "`range` applies to numbers, not to `{Self}`",
    label = "not a number",
    note = "use `length(..)` for strings, lists, sets and maps"
)]
pub trait InRange: fmt::Display {
    /// How the value compares with a bound; `None` when it cannot (NaN).
    fn compare(&self, bound: Bound) -> Option<Ordering>;
}

macro_rules! int_in_range {
    ($($t:ty),*) => {$(
        impl InRange for $t {
            fn compare(&self, bound: Bound) -> Option<Ordering> {
                match bound {
                    Bound::Int(b) => Some((*self as i128).cmp(&b)),
                    Bound::Float(b) => (*self as f64).partial_cmp(&b),
                }
            }
        }
    )*};
}

int_in_range!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, usize);

impl InRange for u128 {
    fn compare(&self, bound: Bound) -> Option<Ordering> {
        match (i128::try_from(*self), bound) {
            (Ok(n), Bound::Int(b)) => Some(n.cmp(&b)),
            // Above i128::MAX: above every integer bound.
            (Err(_), Bound::Int(_)) => Some(Ordering::Greater),
            (_, Bound::Float(b)) => (*self as f64).partial_cmp(&b),
        }
    }
}

macro_rules! float_in_range {
    ($($t:ty),*) => {$(
        impl InRange for $t {
            fn compare(&self, bound: Bound) -> Option<Ordering> {
                let bound = match bound {
                    Bound::Int(b) => b as f64,
                    Bound::Float(b) => b,
                };
                f64::from(*self).partial_cmp(&bound)
            }
        }
    )*};
}

float_in_range!(f32, f64);

// ---- length --------------------------------------------------------------------------------

/// Values with a length, for `length(..)` and `non_empty`: strings (in characters), lists,
/// sets, maps, binaries (in bytes).
#[diagnostic::on_unimplemented(
    message = "`length` and `non_empty` apply to strings, lists, sets, maps and binaries, not to `{Self}`",
    label = "has no length",
    note = "use `range(..)` for numbers"
)]
pub trait Length {
    /// What the length counts, for messages, singular and plural: `("character",
    /// "characters")`, elements, entries, bytes.
    const UNIT: (&'static str, &'static str);
    /// The length.
    fn length(&self) -> usize;
}

impl Length for str {
    const UNIT: (&'static str, &'static str) = ("character", "characters");
    fn length(&self) -> usize {
        self.chars().count()
    }
}

impl Length for String {
    const UNIT: (&'static str, &'static str) = ("character", "characters");
    fn length(&self) -> usize {
        self.as_str().length()
    }
}

impl<T> Length for Vec<T> {
    const UNIT: (&'static str, &'static str) = ("element", "elements");
    fn length(&self) -> usize {
        self.len()
    }
}

impl<T, S> Length for std::collections::HashSet<T, S> {
    const UNIT: (&'static str, &'static str) = ("element", "elements");
    fn length(&self) -> usize {
        self.len()
    }
}

impl<T> Length for std::collections::BTreeSet<T> {
    const UNIT: (&'static str, &'static str) = ("element", "elements");
    fn length(&self) -> usize {
        self.len()
    }
}

impl<K, V, S> Length for std::collections::HashMap<K, V, S> {
    const UNIT: (&'static str, &'static str) = ("entry", "entries");
    fn length(&self) -> usize {
        self.len()
    }
}

impl<K, V> Length for std::collections::BTreeMap<K, V> {
    const UNIT: (&'static str, &'static str) = ("entry", "entries");
    fn length(&self) -> usize {
        self.len()
    }
}

impl Length for bytes::Bytes {
    const UNIT: (&'static str, &'static str) = ("byte", "bytes");
    fn length(&self) -> usize {
        self.len()
    }
}

// ---- strings -------------------------------------------------------------------------------

/// Strings, for `regex` and `email`.
#[diagnostic::on_unimplemented(
    message = "`regex` and `email` apply to strings, not to `{Self}`",
    label = "not a string"
)]
pub trait Text {
    /// The string.
    fn text(&self) -> &str;
}

impl Text for str {
    fn text(&self) -> &str {
        self
    }
}

impl Text for String {
    fn text(&self) -> &str {
        self
    }
}

/// Whether `text` is an email address as the `email` rule sees it: the address form of HTML's
/// `<input type="email">` (a local part of letters, digits and ``.!#$%&'*+/=?^_`{|}~-``, an
/// `@`, and a domain of dot-separated labels of letters, digits and inner hyphens, each at most
/// 63 characters), with at least two labels in the domain, at most 64 characters before the `@`
/// and 254 in all. Display names (`Ada <ada@example.com>`) and quoted local parts are refused.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._!#$%&'*+/=?^`{|}~-".contains(&b));
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= 63
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
    };
    local_ok && text.len() <= 254 && domain.contains('.') && domain.split('.').all(label_ok)
}

// ---- one_of, constant, custom --------------------------------------------------------------

/// What a struct-level `validate` function may return as its error: a message about the whole
/// struct (`String`, `&str`), a [`Violation`] naming a field, or several.
pub trait IntoViolations {
    /// Adds the failures, their paths inside the struct at `at`.
    #[doc(hidden)]
    fn into_violations(self, at: &Loc<'_>, out: &mut Vec<Violation>);
}

impl IntoViolations for String {
    fn into_violations(self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        report(at, "validate", self, out);
    }
}

impl IntoViolations for &str {
    fn into_violations(self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        report(at, "validate", self.to_owned(), out);
    }
}

impl IntoViolations for Violation {
    fn into_violations(self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        let inner = self.path;
        let field = Loc::Field(at, &inner);
        let at = if inner.is_empty() { at } else { &field };
        report(at, self.rule, self.message, out);
    }
}

impl IntoViolations for Vec<Violation> {
    fn into_violations(self, at: &Loc<'_>, out: &mut Vec<Violation>) {
        for violation in self {
            violation.into_violations(at, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rules::*;
    use super::*;

    fn run(
        check: impl FnOnce(&Loc<'_>, &mut Vec<Violation>),
    ) -> Vec<(String, &'static str, String)> {
        let mut out = Vec::new();
        let item = Loc::Root;
        let address = Loc::Field(&item, "address");
        let lines = Loc::Field(&address, "lines");
        let second = Loc::Index(&lines, 1);
        check(&second, &mut out);
        out.into_iter()
            .map(|v| (v.path, v.rule, v.message))
            .collect()
    }

    fn one(path: &str, rule: &'static str, message: &str) -> Vec<(String, &'static str, String)> {
        vec![(path.to_owned(), rule, message.to_owned())]
    }

    const AT: &str = "address.lines[1]";

    #[test]
    fn range_bounds_are_inclusive_and_mix_ints_and_floats() {
        for ok in [0u32, 75, 150] {
            assert!(
                run(|at, out| range(&ok, Some(0.into()), Some(150.into()), at, out)).is_empty()
            );
        }
        assert_eq!(
            run(|at, out| range(&151u32, Some(0.into()), Some(150.into()), at, out)),
            one(AT, "range", "must be between 0 and 150, is 151")
        );
        assert_eq!(
            run(|at, out| range(&-1i64, Some(0.into()), None, at, out)),
            one(AT, "range", "must be at least 0, is -1")
        );
        assert_eq!(
            run(|at, out| range(&2.5f64, None, Some(2.into()), at, out)),
            one(AT, "range", "must be at most 2, is 2.5")
        );
        assert!(run(|at, out| range(&1u8, Some(0.5.into()), None, at, out)).is_empty());
        assert_eq!(
            run(|at, out| range(&f64::NAN, Some(0.into()), None, at, out)).len(),
            1,
            "NaN is in no range"
        );
        assert!(run(|at, out| range(&u128::MAX, Some(0.into()), None, at, out)).is_empty());
        assert_eq!(
            run(|at, out| range(&u128::MAX, None, Some(i128::MAX.into()), at, out)).len(),
            1
        );
        assert!(run(|at, out| range(&u64::MAX, None, Some(u64::MAX.into()), at, out)).is_empty());
    }

    #[test]
    fn length_counts_characters_elements_and_entries() {
        assert!(run(|at, out| length("héllo", Some(5), Some(5), at, out)).is_empty());
        assert_eq!(
            run(|at, out| length("héllo!", Some(1), Some(5), at, out)),
            one(AT, "length", "must have 1 to 5 characters, has 6")
        );
        assert_eq!(
            run(|at, out| length(&vec![1, 2], Some(3), None, at, out)),
            one(AT, "length", "must have at least 3 elements, has 2")
        );
        let map = std::collections::HashMap::from([("a", 1), ("b", 2)]);
        assert_eq!(
            run(|at, out| length(&map, None, Some(1), at, out)),
            one(AT, "length", "must have at most 1 entry, has 2")
        );
        assert_eq!(
            run(|at, out| length("ab", Some(3), Some(3), at, out)),
            one(AT, "length", "must have exactly 3 characters, has 2")
        );
    }

    #[test]
    fn non_empty_refuses_empty_values() {
        assert!(run(|at, out| non_empty("x", at, out)).is_empty());
        assert_eq!(
            run(|at, out| non_empty(&Vec::<u8>::new(), at, out)),
            one(AT, "non_empty", "must not be empty")
        );
        assert_eq!(
            run(|at, out| non_empty(&std::collections::BTreeSet::<String>::new(), at, out)),
            one(AT, "non_empty", "must not be empty")
        );
    }

    #[test]
    fn regex_searches_and_reports_the_pattern() {
        static SKU: Pattern = Pattern::new("^[A-Z]{3}-[0-9]{4}$");
        assert!(run(|at, out| regex("ABC-1234", &SKU, at, out)).is_empty());
        assert_eq!(
            run(|at, out| regex("abc-1234", &SKU, at, out)),
            one(
                AT,
                "regex",
                r#"must match the pattern "^[A-Z]{3}-[0-9]{4}$""#
            )
        );
        static BROKEN: Pattern = Pattern::new("(");
        assert_eq!(run(|at, out| regex("(", &BROKEN, at, out)).len(), 1);
    }

    #[test]
    fn emails() {
        for ok in [
            "ada@example.com",
            "a.b+tag@mail.example.co.uk",
            "x_y-z@e-x.io",
            "o'neil@example.org",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada@exa mple.com",
            "ada @example.com",
            "ada@-example.com",
            "ada@example-.com",
            "ada@example..com",
            "ada@.example.com",
            "Ada <ada@example.com>",
            "ada@exämple.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert_eq!(
            run(|at, out| email("nope", at, out)),
            one(AT, "email", "must be an email address")
        );
    }

    #[test]
    fn one_of_lists_the_allowed_values() {
        assert!(run(|at, out| one_of(&"red".to_owned(), &["red", "green"], at, out)).is_empty());
        assert_eq!(
            run(|at, out| one_of(&"blue".to_owned(), &["red", "green"], at, out)),
            one(AT, "one_of", r#"must be one of "red", "green""#)
        );
        assert_eq!(
            run(|at, out| one_of(&4u8, &[1, 2, 3], at, out)),
            one(AT, "one_of", "must be one of 1, 2, 3")
        );
    }

    #[test]
    fn constant_and_custom() {
        assert!(run(|at, out| constant(&"USER".to_owned(), "USER", at, out)).is_empty());
        assert_eq!(
            run(|at, out| constant(&"ORDER".to_owned(), "USER", at, out)),
            one(AT, "constant", r#"must be "USER", is "ORDER""#)
        );
        assert!(run(|at, out| custom(Ok::<(), String>(()), at, out)).is_empty());
        assert_eq!(
            run(|at, out| custom(Err("no swearing"), at, out)),
            one(AT, "custom", "no swearing")
        );
    }

    #[test]
    fn struct_rules_name_fields_inside_the_struct() {
        assert_eq!(
            run(|at, out| struct_rule(Err(Violation::new("end", "must be after start")), at, out)),
            one("address.lines[1].end", "validate", "must be after start")
        );
        assert_eq!(
            run(|at, out| struct_rule(Err("dates overlap"), at, out)),
            one(AT, "validate", "dates overlap")
        );
        let mut out = Vec::new();
        struct_rule(
            Err(vec![Violation::new("a", "x"), Violation::new("b", "y")]),
            &Loc::Root,
            &mut out,
        );
        let paths: Vec<&str> = out.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["a", "b"]);
    }

    #[test]
    fn update_targets_prefix_nested_paths() {
        let address = crate::expr::Path::name("address");
        let text = Loc::Path(&address);
        let city = Loc::Field(&text, "city");
        assert_eq!(city.render(), "address.city");
        let first = Loc::Index(&text, 0);
        assert_eq!(first.render(), "address[0]");
        assert_eq!(text.render(), "address");
        assert_eq!(Loc::Root.render(), "");
        let odd = Loc::Field(&Loc::Root, "a b");
        assert_eq!(odd.render(), "\"a b\"");
    }
}
