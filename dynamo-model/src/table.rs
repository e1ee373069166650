//! Tables that several models share (single-table design): the table's definition as the union
//! of its entities', and the rules that make sharing safe, checked at compile time by
//! [`table!`](crate::table!).

use crate::error::{Error, Result};
use crate::model::Model;
use crate::schema::{
    ConstantValue, IndexDef, IndexKind, IndexProjection, KeyDef, Schema, TemplateDef,
};
use crate::value::ScalarType;

/// A DynamoDB table as the code sees it: the schemas of the models stored in it. Every
/// [`Model`] is the table of its own; [`table!`](crate::table!) declares a table several
/// models share, which [`Db::create_table`](crate::Db::create_table) creates with the union of
/// their indexes.
pub trait Table {
    /// The schemas of the models stored in the table (they agree on the table's name, keys and
    /// shared indexes).
    const ENTITIES: &'static [&'static Schema];
}

impl<M: Model> Table for M {
    const ENTITIES: &'static [&'static Schema] = &[M::SCHEMA];
}

/// Declares a table several models share, and checks at compile time that they can: the same
/// table name and primary key, the same definition of each index two of them declare, one type
/// per key attribute, one TTL attribute, and a `constant` attribute by which each entity's items
/// are told apart from the others'.
///
/// ```
/// use dynamo_model::prelude::*;
///
/// #[derive(Model)]
/// #[dynamo(table = "store", hash_key = "CUSTOMER#{customer_id}", range_key = "sk")]
/// #[dynamo(compose(sk = "PROFILE"))]
/// struct Customer {
///     customer_id: String,
///     #[dynamo(constant = "Customer")]
///     kind: String,
///     name: String,
/// }
///
/// #[derive(Model)]
/// #[dynamo(table = "store", hash_key = "CUSTOMER#{customer_id}", range_key = "ORDER#{order_id}")]
/// struct Order {
///     customer_id: String,
///     order_id: String,
///     #[dynamo(constant = "Order")]
///     kind: String,
///     total: u64,
/// }
///
/// dynamo_model::table! {
///     /// The store's one table.
///     pub struct Store { Customer, Order }
/// }
///
/// # async fn create(db: &Db) -> Result<(), dynamo_model::Error> {
/// db.create_table::<Store>().send().await?; // keys, and every entity's indexes
/// # Ok(())
/// # }
/// ```
///
/// Entities that disagree fail the build, naming both and what differs (`` entities `Customer`
/// and `Order` have different hash keys, `pk` (string) and `pk` (number) ``). Entities may
/// compose their hash keys differently (`CUSTOMER#{id}`, `PRODUCT#{sku}`): they then live in
/// other partitions; a [`Collection`](crate::Collection), which reads one, refuses that.
///
/// ```compile_fail
/// # use dynamo_model::prelude::*;
/// #[derive(Model)]
/// #[dynamo(table = "store")]
/// struct Customer {
///     #[dynamo(hash_key)]
///     pk: String,
///     #[dynamo(constant = "Customer")]
///     kind: String,
/// }
///
/// #[derive(Model)]
/// #[dynamo(table = "store")]
/// struct Order {
///     #[dynamo(hash_key)]
///     pk: u64, // a number here, a string there
///     #[dynamo(constant = "Order")]
///     kind: String,
/// }
///
/// dynamo_model::table! { struct Store { Customer, Order } }
/// ```
#[macro_export]
macro_rules! table {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $first:ty $(, $rest:ty)* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        $vis struct $name;

        impl $crate::Table for $name {
            const ENTITIES: &'static [&'static $crate::Schema] = &[
                <$first as $crate::Model>::SCHEMA,
                $(<$rest as $crate::Model>::SCHEMA,)*
            ];
        }

        $crate::__table_pairs!($first $(, $rest)*);
    };
}

/// Checks every pair of a table's entities (see [`table!`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __table_pairs {
    ($first:ty) => {};
    ($first:ty $(, $rest:ty)+) => {
        $( $crate::__table_pair!($first, $rest); )+
        $crate::__table_pairs!($($rest),+);
    };
}

/// Fails the build when two entities of a table disagree, naming both and what differs.
#[doc(hidden)]
#[macro_export]
macro_rules! __table_pair {
    ($a:ty, $b:ty) => {
        $crate::__table_pair!(@check $a, $b, false);
    };
    (@check $a:ty, $b:ty, $collection:expr) => {
        const _: () = {
            let found = $crate::__private::disagreement(
                <$a as $crate::Model>::SCHEMA,
                <$b as $crate::Model>::SCHEMA,
                stringify!($a),
                stringify!($b),
                $collection,
            );
            if !found.is_empty() {
                panic!("{}", found.as_str());
            }
        };
    };
}

/// A message built at compile time (the text of a const panic), cut at its capacity.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Message {
    buf: [u8; 512],
    len: usize,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Message {
    const fn new() -> Message {
        Message {
            buf: [0; 512],
            len: 0,
        }
    }

    const fn push(mut self, text: &str) -> Message {
        let bytes = text.as_bytes();
        let mut i = 0;
        // Whole characters only, so the text stays UTF-8 when cut.
        while i < bytes.len() {
            let width = match bytes[i] {
                b if b < 0x80 => 1,
                b if b >= 0xF0 => 4,
                b if b >= 0xE0 => 3,
                _ => 2,
            };
            if self.len + width > self.buf.len() {
                break;
            }
            let mut k = 0;
            while k < width {
                self.buf[self.len] = bytes[i + k];
                self.len += 1;
                k += 1;
            }
            i += width;
        }
        self
    }

    /// Whether there is nothing to say (the entities agree).
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text.
    pub const fn as_str(&self) -> &str {
        let (text, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(text) {
            Ok(text) => text,
            Err(_) => "",
        }
    }
}

const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn same_scalar(a: ScalarType, b: ScalarType) -> bool {
    matches!(
        (a, b),
        (ScalarType::String, ScalarType::String)
            | (ScalarType::Number, ScalarType::Number)
            | (ScalarType::Binary, ScalarType::Binary)
    )
}

const fn scalar_name(scalar: ScalarType) -> &'static str {
    match scalar {
        ScalarType::String => "string",
        ScalarType::Number => "number",
        ScalarType::Binary => "binary",
    }
}

const fn same_key(a: &KeyDef, b: &KeyDef) -> bool {
    same_str(a.name, b.name) && same_scalar(a.scalar, b.scalar)
}

const fn same_optional_key(a: &Option<KeyDef>, b: &Option<KeyDef>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_key(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// `` `sk` (string) ``, or `none`.
const fn push_key(out: Message, key: &Option<KeyDef>) -> Message {
    match key {
        Some(key) => out
            .push("`")
            .push(key.name)
            .push("` (")
            .push(scalar_name(key.scalar))
            .push(")"),
        None => out.push("none"),
    }
}

const fn same_names(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !same_str(a[i], b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

const fn same_projection(a: IndexProjection, b: IndexProjection) -> bool {
    match (a, b) {
        (IndexProjection::All, IndexProjection::All) => true,
        (IndexProjection::KeysOnly, IndexProjection::KeysOnly) => true,
        (IndexProjection::Include(a), IndexProjection::Include(b)) => same_names(a, b),
        _ => false,
    }
}

/// `ALL`, `KEYS_ONLY`, `INCLUDE (a, b)`.
const fn push_projection(mut out: Message, projection: IndexProjection) -> Message {
    match projection {
        IndexProjection::All => out.push("ALL"),
        IndexProjection::KeysOnly => out.push("KEYS_ONLY"),
        IndexProjection::Include(names) => {
            out = out.push("INCLUDE (");
            let mut i = 0;
            while i < names.len() {
                if i > 0 {
                    out = out.push(", ");
                }
                out = out.push(names[i]);
                i += 1;
            }
            out.push(")")
        }
    }
}

const fn kind_name(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::Global => "global",
        IndexKind::Local => "local",
    }
}

/// What differs between two definitions of one index, or an empty message.
const fn index_difference(x: &IndexDef, y: &IndexDef, name_a: &str, name_b: &str) -> Message {
    let out = Message::new()
        .push("index `")
        .push(x.name)
        .push("`: ")
        .push(name_a);
    if !matches!(
        (x.kind, y.kind),
        (IndexKind::Global, IndexKind::Global) | (IndexKind::Local, IndexKind::Local)
    ) {
        return out
            .push(" declares it ")
            .push(kind_name(x.kind))
            .push(", ")
            .push(name_b)
            .push(" ")
            .push(kind_name(y.kind));
    }
    if !same_key(&x.hash_key, &y.hash_key) {
        let out = push_key(out.push("'s hash key is "), &Some(x.hash_key));
        return push_key(out.push(", ").push(name_b).push("'s "), &Some(y.hash_key));
    }
    if !same_optional_key(&x.range_key, &y.range_key) {
        let out = push_key(out.push("'s range key is "), &x.range_key);
        return push_key(out.push(", ").push(name_b).push("'s "), &y.range_key);
    }
    if !same_projection(x.projection, y.projection) {
        let out = push_projection(out.push(" projects "), x.projection);
        return push_projection(out.push(", ").push(name_b).push(" projects "), y.projection);
    }
    Message::new()
}

const fn same_constant(a: ConstantValue, b: ConstantValue) -> bool {
    match (a, b) {
        (ConstantValue::String(a), ConstantValue::String(b)) => same_str(a, b),
        (ConstantValue::Number(a), ConstantValue::Number(b)) => same_str(a, b),
        (ConstantValue::Bool(a), ConstantValue::Bool(b)) => a == b,
        _ => false,
    }
}

/// The key attributes of a schema, `i`-th of them: the table's hash and range keys, then its
/// indexes' hash keys, then their range keys.
const fn key_at(schema: &Schema, i: usize) -> Option<KeyDef> {
    let n = schema.indexes.len();
    if i == 0 {
        Some(schema.hash_key)
    } else if i == 1 {
        schema.range_key
    } else if i < n + 2 {
        Some(schema.indexes[i - 2].hash_key)
    } else if i < 2 * n + 2 {
        schema.indexes[i - n - 2].range_key
    } else {
        None
    }
}

/// A key attribute (table or index) both name with different types, as a message.
const fn key_type_clash(a: &Schema, b: &Schema, name_a: &str, name_b: &str) -> Message {
    let mut i = 0;
    while i < 2 * a.indexes.len() + 2 {
        if let Some(key_a) = key_at(a, i) {
            let mut j = 0;
            while j < 2 * b.indexes.len() + 2 {
                if let Some(key_b) = key_at(b, j) {
                    if same_str(key_a.name, key_b.name) && !same_scalar(key_a.scalar, key_b.scalar)
                    {
                        return Message::new()
                            .push("key attribute `")
                            .push(key_a.name)
                            .push("` is a ")
                            .push(scalar_name(key_a.scalar))
                            .push(" in ")
                            .push(name_a)
                            .push(" and a ")
                            .push(scalar_name(key_b.scalar))
                            .push(" in ")
                            .push(name_b)
                            .push(": DynamoDB defines each key attribute once");
                    }
                }
                j += 1;
            }
        }
        i += 1;
    }
    Message::new()
}

/// Whether a `constant` attribute both hold tells their items apart.
const fn distinct(a: &Schema, b: &Schema) -> bool {
    let mut i = 0;
    while i < a.constants.len() {
        let mut j = 0;
        while j < b.constants.len() {
            let (name_a, value_a) = a.constants[i];
            let (name_b, value_b) = b.constants[j];
            if same_str(name_a, name_b) && !same_constant(value_a, value_b) {
                return true;
            }
            j += 1;
        }
        i += 1;
    }
    false
}

/// The template composing `name` in `schema`, if one does.
const fn template_of(schema: &Schema, name: &str) -> Option<&'static TemplateDef> {
    let mut i = 0;
    while i < schema.templates.len() {
        if same_str(schema.templates[i].name, name) {
            return Some(&schema.templates[i]);
        }
        i += 1;
    }
    None
}

/// `CUSTOMER#{customer_id}`, or `` the field `pk` ``.
const fn push_template(mut out: Message, template: Option<&TemplateDef>, name: &str) -> Message {
    let Some(def) = template else {
        return out.push("the field `").push(name).push("`");
    };
    out = out.push("`").push(def.texts[0]);
    let mut i = 0;
    while i < def.parts.len() {
        out = out
            .push("{")
            .push(def.parts[i])
            .push("}")
            .push(def.texts[i + 1]);
        i += 1;
    }
    out.push("`")
}

/// Whether two partition key definitions compose the same value from the same input: the same
/// text around the same number of parts (a field's value as it is, for plain keys).
const fn same_partition(a: Option<&TemplateDef>, b: Option<&TemplateDef>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.parts.len() == b.parts.len() && same_names(a.texts, b.texts),
        _ => false,
    }
}

/// What keeps two entities from sharing a table (or, with `collection`, a partition read as
/// one collection), naming both (`name_a`, `name_b`) and what differs; an empty message when
/// they can. Evaluated at compile time by [`table!`](crate::table!) and `#[derive(Collection)]`,
/// and again by `create_table`.
#[doc(hidden)]
pub const fn disagreement(
    a: &Schema,
    b: &Schema,
    name_a: &str,
    name_b: &str,
    collection: bool,
) -> Message {
    let out = Message::new()
        .push("entities `")
        .push(name_a)
        .push("` and `")
        .push(name_b)
        .push("` ");
    if !same_str(a.table, b.table) {
        return out
            .push("name different tables, `")
            .push(a.table)
            .push("` and `")
            .push(b.table)
            .push("`: give both the same `table`");
    }
    if !same_key(&a.hash_key, &b.hash_key) {
        let out = push_key(out.push("have different hash keys, "), &Some(a.hash_key));
        return push_key(out.push(" and "), &Some(b.hash_key)).push(": a table has one key schema");
    }
    if !same_optional_key(&a.range_key, &b.range_key) {
        let out = push_key(out.push("have different range keys, "), &a.range_key);
        return push_key(out.push(" and "), &b.range_key).push(": a table has one key schema");
    }
    let mut i = 0;
    while i < a.indexes.len() {
        let mut j = 0;
        while j < b.indexes.len() {
            let (x, y) = (&a.indexes[i], &b.indexes[j]);
            if same_str(x.name, y.name) {
                let found = index_difference(x, y, name_a, name_b);
                if !found.is_empty() {
                    return out
                        .push("define an index differently: ")
                        .push(found.as_str())
                        .push("; declare it the same way in both");
                }
            }
            j += 1;
        }
        i += 1;
    }
    let clash = key_type_clash(a, b, name_a, name_b);
    if !clash.is_empty() {
        return out.push("disagree: ").push(clash.as_str());
    }
    match (a.ttl, b.ttl) {
        (Some(x), Some(y)) if !same_str(x, y) => {
            return out
                .push("have different TTL attributes, `")
                .push(x)
                .push("` and `")
                .push(y)
                .push("`: a table has one");
        }
        _ => {}
    }
    if !distinct(a, b) {
        return out.push("cannot be told apart: give both a `constant` attribute of the same name with different values, e.g. `#[dynamo(constant = \"Order\")] kind: String`");
    }
    if collection {
        let (x, y) = (
            template_of(a, a.hash_key.name),
            template_of(b, b.hash_key.name),
        );
        if !same_partition(x, y) {
            let out = push_template(
                out.push("compose their partition keys differently, "),
                x,
                a.hash_key.name,
            );
            return push_template(out.push(" and "), y, b.hash_key.name).push(
                ": a collection reads one partition, so its members' hash keys must be composed alike",
            );
        }
    }
    Message::new()
}

/// The first disagreement between the entities of a table, as an error (for tables not
/// declared with [`table!`](crate::table!), which checks at compile time).
pub(crate) fn check(entities: &[&Schema]) -> Result<()> {
    for (i, a) in entities.iter().enumerate() {
        for (j, b) in entities.iter().enumerate().skip(i + 1) {
            let (name_a, name_b) = (format!("ENTITIES[{i}]"), format!("ENTITIES[{j}]"));
            let found = disagreement(a, b, &name_a, &name_b, false);
            if !found.is_empty() {
                return Err(Error::InvalidRequest {
                    message: format!("two entities of table `{}`: {}", a.table, found.as_str()),
                });
            }
        }
    }
    Ok(())
}

/// The table's definition: the first entity's keys, and the union of every entity's indexes
/// and key attributes (each named once).
pub(crate) struct Definition {
    pub(crate) hash_key: KeyDef,
    pub(crate) range_key: Option<KeyDef>,
    pub(crate) indexes: Vec<&'static IndexDef>,
    pub(crate) key_attributes: Vec<KeyDef>,
    pub(crate) ttl: Option<&'static str>,
    /// The attributes a listing filters on: every entity's `constant` attributes and the TTL
    /// attribute (see `pipeline::read::listing_filter`).
    pub(crate) filtered: Vec<&'static str>,
}

/// What an index holds, as the table is created with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Projected {
    All,
    KeysOnly,
    /// The keys and these attributes.
    Include(Vec<&'static str>),
}

impl Definition {
    /// What `index` holds: its declared projection, with the attributes listings filter on
    /// added to a KEYS_ONLY or INCLUDE one. A query of a global index cannot read what the index
    /// does not hold, so a filter on a type or TTL attribute left out would drop every item.
    pub(crate) fn projected(&self, index: &IndexDef) -> Projected {
        let declared: &[&'static str] = match index.projection {
            IndexProjection::All => return Projected::All,
            IndexProjection::KeysOnly => &[],
            IndexProjection::Include(names) => names,
        };
        let is_key = |name: &str| {
            [
                Some(self.hash_key),
                self.range_key,
                Some(index.hash_key),
                index.range_key,
            ]
            .iter()
            .flatten()
            .any(|key| key.name == name)
        };
        // The declared attributes in their order, then the filtered ones they lack.
        let mut names: Vec<&'static str> = Vec::new();
        for name in declared.iter().chain(&self.filtered) {
            if !is_key(name) && !names.contains(name) {
                names.push(name);
            }
        }
        if names.is_empty() {
            Projected::KeysOnly
        } else {
            Projected::Include(names)
        }
    }
}

pub(crate) fn definition(entities: &[&'static Schema]) -> Definition {
    let first = entities[0];
    let mut indexes: Vec<&'static IndexDef> = Vec::new();
    let mut key_attributes: Vec<KeyDef> = Vec::new();
    for schema in entities {
        for index in schema.indexes {
            if !indexes.iter().any(|known| known.name == index.name) {
                indexes.push(index);
            }
        }
        for key in schema.key_attributes() {
            if !key_attributes.iter().any(|known| known.name == key.name) {
                key_attributes.push(key);
            }
        }
    }
    let ttl = entities.iter().find_map(|schema| schema.ttl);
    let mut filtered: Vec<&'static str> = entities
        .iter()
        .flat_map(|schema| schema.constants.iter().map(|(name, _)| *name))
        .chain(ttl)
        .collect();
    filtered.sort_unstable();
    filtered.dedup();
    Definition {
        hash_key: first.hash_key,
        range_key: first.range_key,
        indexes,
        key_attributes,
        ttl,
        filtered,
    }
}
