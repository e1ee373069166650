//! The rule functions generated code calls (`#[dynamo(validate(..))]`), one per rule, and the
//! location they report at. Public items in a private module: reachable through `__private`
//! only, not part of the API.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use super::{is_email, Bound, InRange, IntoViolations, Length, Text, Violation};
use crate::value::AttrPath;

/// Where a value being validated sits, built on the stack as validation descends and turned
/// into a string only when a rule fails, so passing validation allocates nothing.
#[derive(Debug, Clone, Copy)]
pub enum Loc<'a> {
    /// The item (or the value an update sets, at its own path).
    Root,
    /// The target of an update action (rendered only when a rule fails).
    Path(&'a crate::expr::Path),
    /// An attribute (or map key) inside the parent.
    Field(&'a Loc<'a>, &'a str),
    /// A list element inside the parent.
    Index(&'a Loc<'a>, usize),
}

impl Loc<'_> {
    /// The path as it appears in errors, in the format of [`AttrPath`].
    pub fn render(&self) -> String {
        let mut path = AttrPath::default();
        let mut here = self;
        loop {
            match here {
                Loc::Root => return path.to_string(),
                Loc::Path(target) => {
                    let (text, inner) = (target.to_string(), path.to_string());
                    return match inner.strip_prefix('[') {
                        _ if inner.is_empty() => text,
                        Some(_) => format!("{text}{inner}"),
                        None => format!("{text}.{inner}"),
                    };
                }
                Loc::Field(parent, name) => {
                    path.push_front_key(name);
                    here = parent;
                }
                Loc::Index(parent, index) => {
                    path.push_front_index(*index);
                    here = parent;
                }
            }
        }
    }
}

/// Records one failure.
#[cold]
pub fn report(at: &Loc<'_>, rule: &'static str, message: String, out: &mut Vec<Violation>) {
    out.push(Violation {
        path: at.render(),
        rule,
        message,
    });
}

/// `range(min, max)`.
pub fn range<T: InRange + ?Sized>(
    value: &T,
    min: Option<Bound>,
    max: Option<Bound>,
    at: &Loc<'_>,
    out: &mut Vec<Violation>,
) {
    // A value that does not compare (NaN) is outside every range.
    let low = min.is_some_and(|min| {
        !matches!(
            value.compare(min),
            Some(Ordering::Equal | Ordering::Greater)
        )
    });
    let high = max
        .is_some_and(|max| !matches!(value.compare(max), Some(Ordering::Equal | Ordering::Less)));
    if low || high {
        let expected = match (min, max) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            (None, None) => return,
        };
        report(at, "range", format!("{expected}, is {value}"), out);
    }
}

/// `length(min, max)`.
pub fn length<T: Length + ?Sized>(
    value: &T,
    min: Option<usize>,
    max: Option<usize>,
    at: &Loc<'_>,
    out: &mut Vec<Violation>,
) {
    let length = value.length();
    if min.is_some_and(|min| length < min) || max.is_some_and(|max| length > max) {
        let unit = |n: usize| if n == 1 { T::UNIT.0 } else { T::UNIT.1 };
        let expected = match (min, max) {
            (Some(min), Some(max)) if min == max => {
                format!("must have exactly {min} {}", unit(min))
            }
            (Some(min), Some(max)) => format!("must have {min} to {max} {}", unit(max)),
            (Some(min), None) => format!("must have at least {min} {}", unit(min)),
            (None, Some(max)) => format!("must have at most {max} {}", unit(max)),
            (None, None) => return,
        };
        report(at, "length", format!("{expected}, has {length}"), out);
    }
}

/// `non_empty`.
pub fn non_empty<T: Length + ?Sized>(value: &T, at: &Loc<'_>, out: &mut Vec<Violation>) {
    if value.length() == 0 {
        report(at, "non_empty", "must not be empty".into(), out);
    }
}

/// A `regex` rule's pattern, compiled on first use and kept for the life of the process.
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<regex::Regex>>,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

impl Pattern {
    /// A pattern, not compiled yet (so a model costs nothing until its rule first runs).
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    fn get(&self) -> Option<&regex::Regex> {
        self.compiled
            .get_or_init(|| match regex::Regex::new(self.source) {
                Ok(regex) => Some(regex),
                Err(error) => {
                    // The derive compiled it already; only a different regex version could fail.
                    tracing::error!(pattern = self.source, %error, "validation pattern does not compile");
                    None
                }
            })
            .as_ref()
    }
}

/// `regex = "..."`.
pub fn regex<T: Text + ?Sized>(
    value: &T,
    pattern: &Pattern,
    at: &Loc<'_>,
    out: &mut Vec<Violation>,
) {
    let matched = pattern.get().is_some_and(|re| re.is_match(value.text()));
    if !matched {
        let message = format!("must match the pattern {:?}", pattern.source);
        report(at, "regex", message, out);
    }
}

/// `email`.
pub fn email<T: Text + ?Sized>(value: &T, at: &Loc<'_>, out: &mut Vec<Violation>) {
    if !is_email(value.text()) {
        report(at, "email", "must be an email address".into(), out);
    }
}

/// `one_of(a, b, ..)`.
pub fn one_of<T: PartialEq<U> + ?Sized, U: fmt::Debug>(
    value: &T,
    allowed: &[U],
    at: &Loc<'_>,
    out: &mut Vec<Violation>,
) {
    if !allowed.iter().any(|a| value == a) {
        let list: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
        let message = format!("must be one of {}", list.join(", "));
        report(at, "one_of", message, out);
    }
}

/// `constant = "..."`, on write.
pub fn constant<T: PartialEq<U> + fmt::Debug + ?Sized, U: fmt::Debug>(
    value: &T,
    expected: U,
    at: &Loc<'_>,
    out: &mut Vec<Violation>,
) {
    if *value != expected {
        let message = format!("must be {expected:?}, is {value:?}");
        report(at, "constant", message, out);
    }
}

/// `custom = path`: the function's error message is the failure.
pub fn custom<E: fmt::Display>(result: Result<(), E>, at: &Loc<'_>, out: &mut Vec<Violation>) {
    if let Err(message) = result {
        report(at, "custom", message.to_string(), out);
    }
}

/// A struct-level `validate = path`.
pub fn struct_rule<E: IntoViolations>(
    result: Result<(), E>,
    at: &Loc<'_>,
    out: &mut Vec<Violation>,
) {
    if let Err(e) = result {
        e.into_violations(at, out);
    }
}
