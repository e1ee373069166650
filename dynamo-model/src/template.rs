//! Key templates: attributes composed from fields, such as a single-table design's
//! `pk = "CUSTOMER#{customer_id}"` and `sk = "ORDER#{placed_at}#{order_id}"`.
//!
//! A template's attribute is a string computed from the stored values of its fields, which are
//! stored as attributes of their own as well (so filters, projections and reads see them as
//! usual, and a read never has to parse a key). It is computed in one place,
//! [`compose`], for every way a value reaches DynamoDB: whole-item writes, keys, updates of its
//! fields and the conditions of [`Template`] handles.
//!
//! Encoding, chosen so that a key can neither be mistaken for another nor sort out of order:
//! - a string part is written as is, except `%` and the first character of each separator
//!   between two parts (`#` in `ORDER#{placed_at}#{order_id}`), which become `%` and two hex
//!   digits per UTF-8 byte: a part ends where the next separator begins, so two different
//!   values never compose to the same key, and `begins_with` on a prefix still works;
//! - an integer part is written with 20 digits, zero-padded; a negative one as `-` followed by
//!   the 20 digits of `10^20 + value`: string order is numeric order, negative numbers first
//!   (integers of up to 20 digits: every `i64` and `u64`);
//! - a `Timestamp` (and the other time types) is its fixed-width RFC 3339 text: string order
//!   is time order.
//! - a part that is absent (`None`) leaves the whole attribute out: a *sparse* index keyed on
//!   the template holds only items with every part.

use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{AttrError, Error, Result};
use crate::expr::condition::{Comparator, Condition, Node};
use crate::expr::operand::{Term, ValueFor};
use crate::expr::path::Path;
use crate::limits::KeyPart;
use crate::schema::{Schema, TemplateDef};
use crate::value::Item;

/// How many digits an integer part takes.
const INTEGER_DIGITS: usize = 20;

/// A type a key template can hold as a part: strings, integers, [`Timestamp`](crate::Timestamp),
/// the text types of the optional features (UUIDs, times), enums of unit variants, and `Option`s
/// of these (a sparse template).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a key template",
    label = "not a string, an integer, a timestamp or a stored enum",
    note = "key templates compose strings, integers (encoded so that string order is numeric order), timestamps, UUIDs and enums of unit variants"
)]
pub trait TemplatePart {}

impl TemplatePart for String {}
impl<T: TemplatePart> TemplatePart for Option<T> {}
impl TemplatePart for crate::Timestamp {}
macro_rules! integer_parts {
    ($($t:ty),*) => { $(impl TemplatePart for $t {})* };
}
integer_parts!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);

/// Writes one part's stored value into a composed key.
fn write_part(out: &mut String, value: &AttributeValue, escaped: &str) -> Result<(), AttrError> {
    match value {
        // `CODE#{code}` with `code = ""` would compose `CODE#`: half a key, under which an item
        // joins an index (or a partition) no value of the field names.
        AttributeValue::S(text) if text.is_empty() => Err(AttrError::invalid(
            "an empty string cannot be a part of a key template: it would compose half a key; use `None` (an `Option` field) to leave the item out of a sparse index",
        )),
        AttributeValue::S(text) => {
            let needs_escape = |c: char| c == '%' || escaped.contains(c);
            // Separators are ASCII as a rule, and no byte of a multi-byte UTF-8 character is:
            // a byte scan then finds exactly the characters a char scan would, at a fraction
            // of the cost (a timestamp part is 24 characters).
            let found = if escaped.is_ascii() {
                let separators = escaped.as_bytes();
                text.bytes().any(|b| b == b'%' || separators.contains(&b))
            } else {
                text.contains(needs_escape)
            };
            // Most parts (ids, times) hold no separator: copied whole.
            if !found {
                out.push_str(text);
                return Ok(());
            }
            for c in text.chars() {
                if needs_escape(c) {
                    let mut bytes = [0; 4];
                    for byte in c.encode_utf8(&mut bytes).bytes() {
                        const HEX: &[u8; 16] = b"0123456789ABCDEF";
                        out.push('%');
                        out.push(char::from(HEX[usize::from(byte >> 4)]));
                        out.push(char::from(HEX[usize::from(byte & 0xF)]));
                    }
                } else {
                    out.push(c);
                }
            }
            Ok(())
        }
        AttributeValue::N(number) => {
            let parsed: i128 = number.parse().map_err(|_| {
                AttrError::invalid(format!(
                    "a key template holds integers; {number} is not one"
                ))
            })?;
            let bound = 10_i128.pow(INTEGER_DIGITS as u32);
            if parsed.abs() >= bound {
                return Err(AttrError::invalid(format!(
                    "{number} has more digits than a key template holds ({INTEGER_DIGITS})"
                )));
            }
            // Zero-padded to a fixed width; a negative one as `-` and 10^20 + value, so that
            // string order is numeric order.
            let (sign, magnitude) = if parsed < 0 {
                ("-", bound + parsed)
            } else {
                ("", parsed)
            };
            let mut buffer = itoa::Buffer::new();
            let digits = buffer.format(magnitude);
            out.push_str(sign);
            for _ in digits.len()..INTEGER_DIGITS {
                out.push('0');
            }
            out.push_str(digits);
            Ok(())
        }
        other => Err(AttrError::invalid(format!(
            "a key template holds strings and integers, not {}",
            crate::value::describe(other)
        ))),
    }
}

/// How much of a template a value covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    /// Every part and the closing text: the attribute's whole value.
    Whole,
    /// The leading parts, without the text after the last of them: the lowest value any item
    /// with those parts can hold.
    Lowest,
    /// The leading parts and the text after them: what every item with those parts begins with.
    Prefix,
}

/// Composes `def` from the values of its leading parts (all of them for [`Extent::Whole`]).
/// `Ok(None)` when a part is absent. A part that cannot be encoded is an error naming it.
fn compose_parts(
    def: &TemplateDef,
    values: &[Option<&AttributeValue>],
    extent: Extent,
) -> Result<Option<String>, AttrError> {
    let mut size = def.texts.iter().map(|t| t.len()).sum::<usize>();
    for value in values {
        match value {
            Some(AttributeValue::S(text)) => size += text.len(),
            Some(_) => size += INTEGER_DIGITS + 1,
            None => return Ok(None),
        }
    }
    let mut out = String::with_capacity(size);
    out.push_str(def.texts[0]);
    for (i, value) in values.iter().enumerate() {
        let Some(value) = value else {
            return Ok(None);
        };
        write_part(&mut out, value, def.escaped).map_err(|e| e.in_attribute(def.parts[i]))?;
        let last = i + 1 == values.len();
        if !last || extent != Extent::Lowest {
            out.push_str(def.texts[i + 1]);
        }
    }
    Ok(Some(out))
}

/// The value of template `def` from its parts' stored values, in order: `Ok(None)` when one is
/// absent.
pub(crate) fn compose_values(
    def: &TemplateDef,
    values: &[Option<&AttributeValue>],
) -> Result<Option<AttributeValue>, AttrError> {
    compose_parts(def, values, Extent::Whole).map(|text| text.map(AttributeValue::S))
}

/// The most parts a template has (the derive refuses more).
const MAX_PARTS: usize = 4;

/// The value of template `def` for an item holding `item`'s attributes: `Ok(None)` when a part
/// is absent (the attribute is not stored).
pub(crate) fn compose(def: &TemplateDef, item: &Item) -> Result<Option<AttributeValue>, AttrError> {
    let mut values: [Option<&AttributeValue>; MAX_PARTS] = [None; MAX_PARTS];
    for (slot, part) in values.iter_mut().zip(def.parts) {
        *slot = item.get(*part);
    }
    compose_values(def, &values[..def.parts.len().min(MAX_PARTS)])
}

/// Adds every template attribute of `schema` to `item`, computed from its fields' values (the
/// generated `to_item` and key conversions call this last). An index is sparse as a whole: an
/// item missing one of an index's keys carries none of the composed other (a sort key made
/// only of text, `USER`, would otherwise stay behind, half a key pair).
pub(crate) fn compose_into(schema: &Schema, item: &mut Item) -> Result<()> {
    for def in schema.templates {
        match compose(def, item)? {
            Some(value) => {
                item.insert(def.name.to_owned(), value);
            }
            None if schema.is_primary_key(def.name) => {
                return Err(Error::InvalidValue {
                    path: def.name.to_owned(),
                    message: format!(
                        "a key attribute cannot be empty: its template {} needs every part",
                        def.pattern()
                    ),
                });
            }
            None => {}
        }
    }
    for index in schema.indexes {
        for name in index_partners(schema, index, |name| !item.contains_key(name)) {
            item.remove(name);
        }
    }
    Ok(())
}

/// The composed key attributes of `index` to leave out because the other key of the pair is
/// `absent`: a key the library composes goes with its partner; a model's own field stays.
pub(crate) fn index_partners(
    schema: &Schema,
    index: &crate::schema::IndexDef,
    absent: impl Fn(&str) -> bool,
) -> Vec<&'static str> {
    let Some(range) = index.range_key else {
        return Vec::new();
    };
    let composed = |name: &str| schema.templates.iter().any(|t| t.name == name);
    let (hash, range) = (index.hash_key.name, range.name);
    let mut out = Vec::new();
    if absent(hash) && composed(range) && !schema.is_primary_key(range) {
        out.push(range);
    }
    if absent(range) && composed(hash) && !schema.is_primary_key(hash) {
        out.push(hash);
    }
    out
}

/// The key item of a model whose key is (partly) composed: each key attribute composed by its
/// template, or taken from `fields` (the key struct's fields, as stored), and checked as a key.
pub(crate) fn compose_key(schema: &Schema, mut fields: Item) -> Result<Item> {
    let mut key = Item::with_capacity(2);
    let keys = std::iter::once((schema.hash_key, KeyPart::Partition))
        .chain(schema.range_key.map(|k| (k, KeyPart::Sort)));
    for (def, part) in keys {
        let value = match schema.templates.iter().find(|t| t.name == def.name) {
            Some(template) => compose(template, &fields)?,
            None => fields.remove(def.name),
        };
        let Some(value) = value else {
            return Err(Error::InvalidValue {
                path: def.name.to_owned(),
                message: "a key attribute cannot be empty".into(),
            });
        };
        crate::limits::check_key(def.name, &value, part, true)?;
        key.insert(def.name.to_owned(), value);
    }
    Ok(key)
}

impl TemplateDef {
    /// The template as written: `ORDER#{placed_at}#{order_id}`.
    pub fn pattern(&self) -> String {
        let mut out = String::from(self.texts[0]);
        for (part, text) in self.parts.iter().zip(&self.texts[1..]) {
            out.push('{');
            out.push_str(part);
            out.push('}');
            out.push_str(text);
        }
        out
    }
}

// ---- the typed handle ----------------------------------------------------------------------

/// The values of a template's leading parts, in order: `(placed_at,)` or `(placed_at, order_id)`
/// for `ORDER#{placed_at}#{order_id}`; a template of one part takes its value alone.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the leading parts of a key template with parts `{P}`",
    note = "give the template's first parts in order, as a tuple: `(first,)` or `(first, second)`; a template of one part takes its value alone"
)]
pub trait Leading<P> {
    /// The parts' values, converted.
    #[doc(hidden)]
    fn values(&self) -> Result<Vec<Option<AttributeValue>>, AttrError>;
}

/// The values of every part of a template: the tuple of [`Leading`] with all of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not every part of a key template with parts `{P}`",
    note = "give every part of the template in order, as a tuple; a template of one part takes its value alone"
)]
pub trait AllParts<P>: Leading<P> {}

macro_rules! leading {
    // A template of one part takes its value alone.
    (one: $a:ident $x:ident) => {
        impl<$a, $x: ValueFor<$a>> Leading<($a,)> for $x {
            fn values(&self) -> Result<Vec<Option<AttributeValue>>, AttrError> {
                Ok(vec![self.to_value()?])
            }
        }
        impl<$a, $x: ValueFor<$a>> AllParts<($a,)> for $x {}
    };
    // Parts `$p`, leading values `$x` (a prefix of them, numbered `$i`).
    (parts: ($($p:ident),+) leading: ($($x:ident: $xp:ident . $i:tt),+)) => {
        impl<$($p,)+ $($x: ValueFor<$xp>),+> Leading<($($p,)+)> for ($($x,)+) {
            fn values(&self) -> Result<Vec<Option<AttributeValue>>, AttrError> {
                Ok(vec![$(self.$i.to_value()?),+])
            }
        }
    };
    // The same, with a value for every part.
    (parts: ($($p:ident),+) all: ($($x:ident: $xp:ident . $i:tt),+)) => {
        leading!(parts: ($($p),+) leading: ($($x: $xp . $i),+));
        impl<$($p,)+ $($x: ValueFor<$xp>),+> AllParts<($($p,)+)> for ($($x,)+) {}
    };
}

// A template with no parts (`compose(pk = "PRODUCTS")`): its value is its text, `of(())`.
impl Leading<()> for () {
    fn values(&self) -> Result<Vec<Option<AttributeValue>>, AttrError> {
        Ok(Vec::new())
    }
}
impl AllParts<()> for () {}

leading!(one: A X);
leading!(parts: (A, B) leading: (X: A.0));
leading!(parts: (A, B) all: (X: A.0, Y: B.1));
leading!(parts: (A, B, C) leading: (X: A.0));
leading!(parts: (A, B, C) leading: (X: A.0, Y: B.1));
leading!(parts: (A, B, C) all: (X: A.0, Y: B.1, Z: C.2));
leading!(parts: (A, B, C, D) leading: (X: A.0));
leading!(parts: (A, B, C, D) leading: (X: A.0, Y: B.1));
leading!(parts: (A, B, C, D) leading: (X: A.0, Y: B.1, Z: C.2));
leading!(parts: (A, B, C, D) all: (X: A.0, Y: B.1, Z: C.2, W: D.3));

/// A typed handle to a template attribute of model `M` whose parts hold `P` (a tuple of the
/// fields' types, in template order). The derive generates one per template, named after the
/// attribute in upper case: `Order::SK`.
///
/// Its conditions compare the composed attribute, for a query's `.range(..)` or a filter.
/// Given the leading parts only, they compare those parts, whatever follows:
///
/// | condition | holds for items whose leading parts are |
/// | --- | --- |
/// | `begins_with(l)` | equal to `l` |
/// | `lt(l)` / `le(l)` | below `l` / below or equal to `l` |
/// | `gt(l)` / `ge(l)` | above `l` / above or equal to `l` |
/// | `between(a, b)` | from `a` to `b`, both included |
///
/// Numbers and times compare by value; strings by their text, with the separator after them
/// (a string that extends another sorts after it only when its next character sorts after the
/// separator).
pub struct Template<M, P> {
    def: &'static TemplateDef,
    _types: PhantomData<fn() -> (M, P)>,
}

impl<M, P> Template<M, P> {
    /// A handle for a template definition. Generated code calls this.
    pub const fn new(def: &'static TemplateDef) -> Self {
        Template {
            def,
            _types: PhantomData,
        }
    }

    /// The template's definition.
    pub const fn def(&self) -> &'static TemplateDef {
        self.def
    }

    /// The composed attribute's stored name.
    pub const fn name(&self) -> &'static str {
        self.def.name
    }
}

impl<M: crate::model::Model, P> Template<M, P> {
    fn term(&self, values: Result<Vec<Option<AttributeValue>>, AttrError>, extent: Extent) -> Term {
        // Each part as stored: through its field's `set` transform, as in a write.
        let values = values.and_then(|values| {
            values
                .into_iter()
                .zip(self.def.parts)
                .map(|(value, part)| match (value, M::field_hooks(part)) {
                    (Some(value), Some(hooks)) => {
                        match crate::schema::transform(Some(hooks), Term::Value(value)) {
                            Term::Value(value) => Ok(Some(value)),
                            Term::Invalid(e) => Err(e),
                            _ => Ok(None),
                        }
                    }
                    (value, _) => Ok(value),
                })
                .collect::<Result<Vec<_>, AttrError>>()
        });
        let composed = values.and_then(|values| {
            if values.iter().any(Option::is_none) {
                return Err(AttrError::invalid(format!(
                    "every part of the template {} needs a value",
                    self.def.pattern()
                )));
            }
            let values: Vec<Option<&AttributeValue>> = values.iter().map(Option::as_ref).collect();
            compose_parts(self.def, &values, extent)
        });
        match composed {
            Ok(Some(text)) => Term::Value(AttributeValue::S(text)),
            Ok(None) => Term::Absent,
            Err(e) => Term::Invalid(e.in_attribute(self.def.name)),
        }
    }

    fn whole(&self, parts: &impl AllParts<P>) -> Term {
        self.term(parts.values(), Extent::Whole)
    }

    /// The lowest value of an item with these leading parts (the whole value for all parts).
    fn lowest(&self, leading: &impl Leading<P>) -> Term {
        let values = leading.values();
        let extent = match &values {
            Ok(v) if v.len() == self.def.parts.len() => Extent::Whole,
            _ => Extent::Lowest,
        };
        self.term(values, extent)
    }

    /// A value above that of every item with these leading parts (the whole value for all
    /// parts).
    fn highest(&self, leading: &impl Leading<P>) -> Term {
        let values = leading.values();
        if matches!(&values, Ok(v) if v.len() == self.def.parts.len()) {
            return self.term(values, Extent::Whole);
        }
        match self.term(values, Extent::Prefix) {
            // The highest code point: every continuation of the prefix sorts below it.
            Term::Value(AttributeValue::S(mut text)) => {
                text.push(char::MAX);
                Term::Value(AttributeValue::S(text))
            }
            other => other,
        }
    }

    fn compare(&self, comparator: Comparator, value: Term) -> Condition<M> {
        Condition::new(Node::Compare(
            Term::Path(Path::name(self.def.name)),
            comparator,
            value,
        ))
    }

    /// The composed value of every part: for a query's `.hash(..)` on a template key,
    /// `.hash(Order::PK.of(customer_id))`.
    pub fn of(&self, parts: impl AllParts<P>) -> Composite<P> {
        Composite {
            term: self.whole(&parts),
            _parts: PhantomData,
        }
    }

    /// The attribute equals the template of these parts.
    pub fn eq(&self, parts: impl AllParts<P>) -> Condition<M> {
        self.compare(Comparator::Eq, self.whole(&parts))
    }

    /// Items whose leading parts equal these: `Order::SK.begins_with((placed_at,))`.
    pub fn begins_with(&self, leading: impl Leading<P>) -> Condition<M> {
        let values = leading.values();
        let extent = match &values {
            Ok(v) if v.len() == self.def.parts.len() => Extent::Whole,
            _ => Extent::Prefix,
        };
        let prefix = self.term(values, extent);
        Condition::new(Node::BeginsWith(Path::name(self.def.name), prefix))
    }

    /// Items whose leading parts sort below these.
    pub fn lt(&self, leading: impl Leading<P>) -> Condition<M> {
        self.compare(Comparator::Lt, self.lowest(&leading))
    }

    /// Items whose leading parts sort below or equal to these.
    pub fn le(&self, leading: impl Leading<P>) -> Condition<M> {
        self.compare(Comparator::Le, self.highest(&leading))
    }

    /// Items whose leading parts sort above these.
    pub fn gt(&self, leading: impl Leading<P>) -> Condition<M> {
        self.compare(Comparator::Gt, self.highest(&leading))
    }

    /// Items whose leading parts sort above or equal to these.
    pub fn ge(&self, leading: impl Leading<P>) -> Condition<M> {
        self.compare(Comparator::Ge, self.lowest(&leading))
    }

    /// Items whose leading parts lie from `low` to `high`, both included:
    /// `Order::SK.between((november,), (december,))`.
    pub fn between(&self, low: impl Leading<P>, high: impl Leading<P>) -> Condition<M> {
        Condition::new(Node::Between(
            Term::Path(Path::name(self.def.name)),
            self.lowest(&low),
            self.highest(&high),
        ))
    }
}

impl<M, P> Clone for Template<M, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, P> Copy for Template<M, P> {}

impl<M, P> fmt::Debug for Template<M, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Template({} = {})", self.def.name, self.def.pattern())
    }
}

/// The composed value of a template with parts `P`, from [`Template::of`]: what a query's
/// `.hash(..)` takes for a template key.
pub struct Composite<P> {
    term: Term,
    _parts: PhantomData<fn() -> P>,
}

impl<P> Composite<P> {
    /// The composed text, or why the parts could not be composed.
    pub fn text(&self) -> Result<&str, AttrError> {
        match &self.term {
            Term::Value(AttributeValue::S(text)) => Ok(text),
            Term::Invalid(e) => Err(e.clone()),
            _ => Err(AttrError::invalid("a part of the template has no value")),
        }
    }
}

impl<P> fmt::Debug for Composite<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Composite").field(&self.text()).finish()
    }
}

impl<P> ValueFor<Composite<P>> for Composite<P> {
    fn to_value(&self) -> Result<Option<AttributeValue>, AttrError> {
        match &self.term {
            Term::Value(value) => Ok(Some(value.clone())),
            Term::Invalid(e) => Err(e.clone()),
            _ => Ok(None),
        }
    }
}
