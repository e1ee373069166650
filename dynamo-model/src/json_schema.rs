//! A model's JSON shape as a JSON Schema, its validation rules included (feature `json-schema`).
//!
//! With the feature on, `#[derive(Model)]` and `#[derive(Attributes)]` also implement
//! [`schemars::JsonSchema`] (re-exported here, so a service needs no schemars of its own): the
//! JSON serde reads and writes for the struct, with each `validate(..)` rule as the JSON Schema
//! keywords that refuse what the rule refuses. A rule is then written once, on the struct, and
//! enforced three times: by API Gateway at the edge (a REST API's request model, an OpenAPI
//! document), by the library before every write, and by DynamoDB for relative updates.
//!
//! ```
//! use dynamo_model::json_schema::schemars::schema_for;
//! use dynamo_model::prelude::*;
//!
//! #[derive(Model, serde::Deserialize)]
//! #[dynamo(table = "users")]
//! struct User {
//!     #[dynamo(hash_key, validate(email))]
//!     email: String,
//!     #[dynamo(validate(length(min = 1, max = 50)))]
//!     name: String,
//!     #[dynamo(validate(range(min = 13)))]
//!     age: Option<u32>,
//! }
//!
//! let schema = schema_for!(User);
//! assert_eq!(schema.get("required").unwrap(), &serde_json::json!(["email", "name"]));
//! assert_eq!(schema.pointer("/properties/name/maxLength").unwrap(), 50);
//! assert_eq!(schema.pointer("/properties/age/minimum").unwrap(), 13);
//! ```
//!
//! What the schema says, and why:
//!
//! | rule | keywords |
//! | --- | --- |
//! | `range(min = a, max = b)` | `minimum: a`, `maximum: b` |
//! | `length(min = a, max = b)` | `minLength`/`maxLength` on strings (characters, as the rule counts), `minItems`/`maxItems` on lists, sets and binaries, `minProperties`/`maxProperties` on maps |
//! | `non_empty` | the `length` keywords with a minimum of 1 |
//! | `regex = ".."` | `pattern` (both search the string, unanchored; write patterns in the syntax ECMA-262 and Rust's `regex` share) |
//! | `email` | a `pattern` and `maxLength: 254` accepting exactly what [`is_email`](crate::validate::is_email) accepts (no `format`: validators' email formats differ from it and from each other) |
//! | `one_of(..)`, `constant = ..` | `enum` of the values as serde writes them (so the values' type must implement `serde::Serialize`); `null` too when the field is an `Option` |
//! | `custom = path`, a struct-level `validate = path` | nothing: code, not data; the library still runs them before a write |
//!
//! Names, required fields and skipped fields are serde's, since serde is what reads a request
//! body: `#[serde(rename = "..")]`, `#[serde(rename_all = "..")]`, `skip`,
//! `skip_serializing`/`skip_deserializing`, `default`, `skip_serializing_if` and
//! `deny_unknown_fields` (`additionalProperties: false`) are read off the struct. Under the
//! deserialize contract (schemars' default: what a client may send), a field is required unless
//! it is an `Option` or has a serde default; under the serialize contract (what a response
//! holds), unless it has `skip_serializing_if`. A `#[serde(flatten)]` field is not described:
//! the object admits any property besides the others. An enum of unit variants is a string `enum` of its serde names.
//!
//! A set is an array with `uniqueItems`: serde reads `["a", "a"]` into a set as one member,
//! the schema refuses it (the one place the schema is stricter than the model).
//! [`Timestamp`](crate::Timestamp) is an RFC 3339 string (`format: date-time`),
//! [`FloatSet`](crate::FloatSet) an array of unique numbers; the optional crates' types come
//! with schemars' own impls (the features `chrono`, `uuid`, `rust_decimal` turn them on). An
//! field whose type has no `JsonSchema` impl (a `#[dynamo(serde)]` type of the program's
//! that does not derive it, an `aws_sdk_dynamodb` `Blob`) is described as any value (`{}`), its
//! rules still as keywords: a model builds with the feature whatever its field types.
//!
//! Settings: [`schemars::generate::SchemaSettings`] picks the draft; `openapi3()` gives the
//! OpenAPI 3.0 dialect that API Gateway reads (`draft07()` for its REST API models).

use std::borrow::Cow;

pub use schemars;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::validate::{Bound, Length};

// ---- what generated code calls (re-exported by `__private` only) ---------------------------

/// The JSON Schema keywords of one field's rules, collected as the derive reads them, then laid
/// over the field type's own schema by [`Object::property`].
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct Rules {
    keywords: Map<String, Value>,
    /// Rules whose keywords meet ones already taken (two `pattern`s, two `enum`s): each its own
    /// schema, all of which must hold.
    more: Vec<Value>,
    nullable: bool,
}

impl Rules {
    /// The rules of a field; `nullable` for an `Option` field (a `None` passes every rule).
    pub fn new(nullable: bool) -> Self {
        Rules {
            nullable,
            ..Rules::default()
        }
    }

    /// `range(min, max)`.
    pub fn range(&mut self, min: Option<Bound>, max: Option<Bound>) {
        let mut schema = Map::new();
        if let Some(min) = min.and_then(number) {
            schema.insert("minimum".into(), min);
        }
        if let Some(max) = max.and_then(number) {
            schema.insert("maximum".into(), max);
        }
        self.add(schema);
    }

    /// `length(min, max)` on a value measured in `unit` ([`Length::UNIT`]'s singular).
    pub fn length(&mut self, unit: &str, min: Option<usize>, max: Option<usize>) {
        let Some((low, high)) = length_keywords(unit) else {
            return;
        };
        let mut schema = Map::new();
        if let Some(min) = min {
            schema.insert(low.into(), min.into());
        }
        if let Some(max) = max {
            schema.insert(high.into(), max.into());
        }
        self.add(schema);
    }

    /// `non_empty` on a value measured in `unit`.
    pub fn non_empty(&mut self, unit: &str) {
        self.length(unit, Some(1), None);
    }

    /// `regex = ".."`.
    pub fn regex(&mut self, pattern: &str) {
        let mut schema = Map::new();
        schema.insert("pattern".into(), pattern.into());
        self.add(schema);
    }

    /// `email`: what [`is_email`](crate::validate::is_email) accepts. Its 254-character limit
    /// counts bytes, and the pattern admits ASCII only, so characters and bytes agree.
    pub fn email(&mut self) {
        let mut schema = Map::new();
        schema.insert("pattern".into(), EMAIL_PATTERN.into());
        schema.insert("maxLength".into(), 254.into());
        self.add(schema);
    }

    /// `one_of(a, b, ..)`. A value serde cannot write leaves the rule out: the schema is then
    /// looser than the model, never stricter.
    pub fn one_of<U: serde::Serialize>(&mut self, values: &[U]) {
        let values = values.iter().map(serde_json::to_value).collect();
        self.enumerated(values);
    }

    /// `constant = ..`.
    pub fn constant<U: serde::Serialize>(&mut self, value: U) {
        self.enumerated(serde_json::to_value(value).map(|v| vec![v]));
    }

    fn enumerated(&mut self, values: serde_json::Result<Vec<Value>>) {
        let Ok(mut values) = values else {
            return;
        };
        if self.nullable {
            values.push(Value::Null);
        }
        let mut schema = Map::new();
        schema.insert("enum".into(), Value::Array(values));
        self.add(schema);
    }

    /// Takes a rule's keywords in with the others, or (when one meets a keyword taken that has
    /// no stricter of two) keeps them together as a schema of their own.
    fn add(&mut self, schema: Map<String, Value>) {
        let fits = schema
            .keys()
            .all(|k| !self.keywords.contains_key(k) || stricter(k).is_some());
        if !fits {
            self.more.push(Value::Object(schema));
            return;
        }
        for (keyword, value) in schema {
            merge(&mut self.keywords, keyword, value);
        }
    }

    /// The field type's schema with the rules laid over it: merged into it where no keyword
    /// meets one the type has (a `u8`'s `minimum: 0` meets `range(min = 1)`: the stricter
    /// bound stays), else side by side under `allOf`.
    fn apply(self, mut schema: Schema) -> Schema {
        let mut rules = self.keywords;
        let mut more = self.more;
        if let Some(object) = schema.as_object_mut().filter(|o| !o.contains_key("$ref")) {
            rules = std::mem::take(&mut rules)
                .into_iter()
                .filter_map(|(keyword, value)| merge(object, keyword, value))
                .collect();
        }
        if !rules.is_empty() {
            more.insert(0, Value::Object(rules));
        }
        if more.is_empty() {
            return schema;
        }
        let mut all = vec![schema.to_value()];
        all.extend(more);
        let mut object = Map::new();
        object.insert("allOf".into(), Value::Array(all));
        Schema::from(object)
    }
}

/// Puts `keyword` into `into`, keeping the stricter of two bounds; gives the keyword back when
/// `into` holds it already and it is not a bound.
fn merge(into: &mut Map<String, Value>, keyword: String, value: Value) -> Option<(String, Value)> {
    let value = match (into.get(&keyword), stricter(&keyword)) {
        (None, _) => value,
        (Some(held), Some(pick)) => pick(held, &value).clone(),
        (Some(_), None) => return Some((keyword, value)),
    };
    into.insert(keyword, value);
    None
}

/// The email pattern: a local part of 1 to 64 of HTML's address characters, an `@`, and at
/// least two dot-separated labels of letters, digits and inner hyphens, each 1 to 63 long.
const EMAIL_PATTERN: &str = concat!(
    "^[A-Za-z0-9._!#$%&'*+/=?^`{|}~-]{1,64}@",
    "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
);

/// Which keywords bound a length, by what the rule counts (`Length::UNIT`).
fn length_keywords(unit: &str) -> Option<(&'static str, &'static str)> {
    match unit {
        "character" => Some(("minLength", "maxLength")),
        "entry" => Some(("minProperties", "maxProperties")),
        "element" | "byte" => Some(("minItems", "maxItems")),
        _ => None,
    }
}

/// For a bound keyword, the function that picks the stricter of two values.
fn stricter(keyword: &str) -> Option<for<'v> fn(&'v Value, &'v Value) -> &'v Value> {
    fn bigger<'v>(a: &'v Value, b: &'v Value) -> &'v Value {
        if a.as_f64() >= b.as_f64() {
            a
        } else {
            b
        }
    }
    fn smaller<'v>(a: &'v Value, b: &'v Value) -> &'v Value {
        if a.as_f64() <= b.as_f64() {
            a
        } else {
            b
        }
    }
    match keyword {
        "minimum" | "minLength" | "minItems" | "minProperties" => Some(bigger),
        "maximum" | "maxLength" | "maxItems" | "maxProperties" => Some(smaller),
        _ => None,
    }
}

/// A bound as a JSON number, exactly where JSON's integers reach.
fn number(bound: Bound) -> Option<Value> {
    match bound {
        Bound::Int(n) => match (i64::try_from(n), u64::try_from(n)) {
            (Ok(n), _) => Some(n.into()),
            (_, Ok(n)) => Some(n.into()),
            _ => serde_json::Number::from_f64(n as f64).map(Value::Number),
        },
        Bound::Float(x) => serde_json::Number::from_f64(x).map(Value::Number),
    }
}

/// What serde does with a field, as the derive read it off `#[serde(..)]`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SerdeField {
    /// The field's name when read (`rename`, `rename_all`, or its own).
    pub read_as: &'static str,
    /// The field's name when written.
    pub written_as: &'static str,
    /// `skip` or `skip_deserializing`.
    pub not_read: bool,
    /// `skip` or `skip_serializing`.
    pub not_written: bool,
    /// A serde default (on the field or the struct): it may be left out.
    pub default: bool,
    /// `skip_serializing_if`: it may be left out of what is written.
    pub written_if: bool,
}

/// An object schema being built from a struct's fields.
#[doc(hidden)]
#[derive(Debug)]
pub struct Object<'g> {
    generator: &'g mut SchemaGenerator,
    schema: Map<String, Value>,
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl<'g> Object<'g> {
    /// A struct's object: its doc comment as the description; `deny_unknown_fields` closes it
    /// (to what is read only: a response may carry more).
    pub fn new(generator: &'g mut SchemaGenerator, description: &str, closed: bool) -> Self {
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        if !description.is_empty() {
            schema.insert("description".into(), description.into());
        }
        if closed && generator.contract().is_deserialize() {
            schema.insert("additionalProperties".into(), false.into());
        }
        Object {
            generator,
            schema,
            properties: Map::new(),
            required: Vec::new(),
        }
    }

    /// The generator, for a field's type's schema.
    pub fn generator(&mut self) -> &mut SchemaGenerator {
        self.generator
    }

    /// A field: its type's schema, serde settings, doc comment and rules. `option`: the type
    /// is an `Option` (it may be left out of what is read).
    pub fn property(
        &mut self,
        schema: Schema,
        option: bool,
        serde: SerdeField,
        description: &str,
        rules: Rules,
    ) {
        let reading = self.generator.contract().is_deserialize();
        let (name, left_out, optional) = if reading {
            (serde.read_as, serde.not_read, serde.default || option)
        } else {
            (serde.written_as, serde.not_written, serde.written_if)
        };
        if left_out {
            return;
        }
        let mut schema = rules.apply(schema);
        if !description.is_empty() {
            if let Some(object) = schema.as_object_mut() {
                object
                    .entry("description")
                    .or_insert_with(|| description.into());
            }
        }
        self.properties.insert(name.into(), schema.to_value());
        if !optional {
            self.required.push(name.into());
        }
    }

    /// The object schema.
    pub fn finish(mut self) -> Schema {
        self.schema
            .insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            self.schema
                .insert("required".into(), Value::Array(self.required));
        }
        Schema::from(self.schema)
    }
}

/// A field type, asked for its schema: [`Described`] when it implements `JsonSchema`, else
/// [`Undescribed`] (autoref picks the first that applies, on the concrete field type).
#[doc(hidden)]
#[derive(Debug)]
pub struct Probe<T: ?Sized>(std::marker::PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    /// The probe of `T`.
    pub const fn new() -> Self {
        Probe(std::marker::PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Probe::new()
    }
}

/// A field type with a `JsonSchema` impl: its schema.
#[doc(hidden)]
pub trait Described {
    /// The type's schema.
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema;
}

impl<T: JsonSchema + ?Sized> Described for Probe<T> {
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
}

/// A field type a `length` rule measures: what it counts.
#[doc(hidden)]
pub trait Measured {
    /// [`Length::UNIT`]'s singular.
    fn unit(&self) -> &'static str;
}

impl<T: Length + ?Sized> Measured for Probe<T> {
    fn unit(&self) -> &'static str {
        T::UNIT.0
    }
}

/// A type without a length: the rule's own check reports it (once), the schema says nothing.
#[doc(hidden)]
pub trait Unmeasured {
    /// None.
    fn unit(&self) -> &'static str;
}

impl<T: ?Sized> Unmeasured for &Probe<T> {
    fn unit(&self) -> &'static str {
        ""
    }
}

/// A field type without one (a `#[dynamo(serde)]` type of the program's, a `Blob`): any
/// value, so a model builds with the feature whatever its field types; its rules still apply.
#[doc(hidden)]
pub trait Undescribed {
    /// Any value: `{}`.
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema;
}

impl<T: ?Sized> Undescribed for &Probe<T> {
    fn schema(&self, _: &mut SchemaGenerator) -> Schema {
        Schema::from(Map::new())
    }
}

/// The schema of an enum of unit variants: a string, one of the names.
#[doc(hidden)]
pub fn unit_enum(description: &str, read: &[&str], written: &[&str], reading: bool) -> Schema {
    let names = if reading { read } else { written };
    let mut schema = Map::new();
    schema.insert("type".into(), "string".into());
    schema.insert(
        "enum".into(),
        names.iter().map(|n| Value::from(*n)).collect(),
    );
    if !description.is_empty() {
        schema.insert("description".into(), description.into());
    }
    Schema::from(schema)
}

// ---- the library's own types ---------------------------------------------------------------

impl JsonSchema for crate::Timestamp {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

impl<F: JsonSchema> JsonSchema for crate::FloatSet<F> {
    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(format!("FloatSet_of_{}", F::schema_name()))
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "array",
            "uniqueItems": true,
            "items": generator.subschema_for::<F>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_merge_into_the_type_keeping_the_stricter_bound() {
        let mut generator = SchemaGenerator::default();
        let mut rules = Rules::new(false);
        rules.range(Some(Bound::Int(1)), Some(Bound::Int(1000)));
        let schema = rules.apply(generator.subschema_for::<u8>());
        assert_eq!(schema.get("minimum").unwrap(), 1);
        assert_eq!(schema.get("maximum").unwrap(), 255);
    }

    #[test]
    fn rules_that_meet_go_side_by_side() {
        let mut generator = SchemaGenerator::default();
        let mut rules = Rules::new(true);
        rules.regex("^a");
        rules.email();
        rules.length("character", Some(3), Some(300));
        rules.one_of(&["ab@c.de"]);
        let schema = rules.apply(generator.subschema_for::<Option<String>>());
        let all = schema.get("allOf").unwrap().as_array().unwrap();
        assert_eq!(all[0]["type"], serde_json::json!(["string", "null"]));
        assert_eq!(all[0]["pattern"], "^a");
        assert_eq!(all[0]["minLength"], 3);
        assert_eq!(all[0]["maxLength"], 300);
        assert_eq!(all[0]["enum"], serde_json::json!(["ab@c.de", null]));
        assert_eq!(all[1]["pattern"], EMAIL_PATTERN);
        assert_eq!(all[1]["maxLength"], 254);
    }
}
