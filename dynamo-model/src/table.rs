//! Tables that several models share (single-table design): the table's definition as the union
//! of its entities', and the rules that make sharing safe, checked at compile time by
//! [`table!`](crate::table!).

use crate::error::{Error, Result};
use crate::model::Model;
use crate::schema::{ConstantValue, IndexDef, IndexKind, IndexProjection, KeyDef, Schema};
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
/// Entities that disagree fail the build, naming both:
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

/// Fails the build when two entities of a table disagree, naming both.
#[doc(hidden)]
#[macro_export]
macro_rules! __table_pair {
    ($a:ty, $b:ty) => {
        const _: () = {
            let a = <$a as $crate::Model>::SCHEMA;
            let b = <$b as $crate::Model>::SCHEMA;
            match $crate::__private::disagreement(a, b) {
                $crate::__private::Disagreement::None => {}
                $crate::__private::Disagreement::Table => panic!(concat!("entities `", stringify!($a), "` and `", stringify!($b), "` name different tables: give both the same `table`")),
                $crate::__private::Disagreement::HashKey => panic!(concat!("entities `", stringify!($a), "` and `", stringify!($b), "` have different hash keys (attribute name or type): a table has one key schema")),
                $crate::__private::Disagreement::RangeKey => panic!(concat!("entities `", stringify!($a), "` and `", stringify!($b), "` have different range keys (attribute name or type, or one has none): a table has one key schema")),
                $crate::__private::Disagreement::Index => panic!(concat!("entities `", stringify!($a), "` and `", stringify!($b), "` define an index of the same name differently (kind, keys or projection): declare it the same way in both")),
                $crate::__private::Disagreement::KeyType => panic!(concat!("entities `", stringify!($a), "` and `", stringify!($b), "` give a key attribute of the table or an index two types: DynamoDB defines each once")),
                $crate::__private::Disagreement::Ttl => panic!(concat!("entities `", stringify!($a), "` and `", stringify!($b), "` have different TTL attributes: a table has one")),
                $crate::__private::Disagreement::Indistinct => panic!(concat!("entities `", stringify!($a), "` and `", stringify!($b), "` cannot be told apart: give both a `constant` attribute of the same name with different values, e.g. `#[dynamo(constant = \"Order\")] kind: String`")),
            }
        };
    };
}

/// How two entities of one table disagree.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disagreement {
    None,
    Table,
    HashKey,
    RangeKey,
    Index,
    KeyType,
    Ttl,
    Indistinct,
}

impl Disagreement {
    fn describe(self) -> &'static str {
        match self {
            Disagreement::None => "agree",
            Disagreement::Table => "name different tables",
            Disagreement::HashKey => "have different hash keys",
            Disagreement::RangeKey => "have different range keys",
            Disagreement::Index => "define an index of the same name differently",
            Disagreement::KeyType => "give a key attribute two types",
            Disagreement::Ttl => "have different TTL attributes",
            Disagreement::Indistinct => {
                "cannot be told apart (no `constant` attribute of the same name with different values)"
            }
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

const fn same_index(a: &IndexDef, b: &IndexDef) -> bool {
    let kind = matches!(
        (a.kind, b.kind),
        (IndexKind::Global, IndexKind::Global) | (IndexKind::Local, IndexKind::Local)
    );
    let projection = match (a.projection, b.projection) {
        (IndexProjection::All, IndexProjection::All) => true,
        (IndexProjection::KeysOnly, IndexProjection::KeysOnly) => true,
        (IndexProjection::Include(a), IndexProjection::Include(b)) => same_names(a, b),
        _ => false,
    };
    kind && projection
        && same_key(&a.hash_key, &b.hash_key)
        && same_optional_key(&a.range_key, &b.range_key)
}

const fn same_constant(a: ConstantValue, b: ConstantValue) -> bool {
    match (a, b) {
        (ConstantValue::String(a), ConstantValue::String(b)) => same_str(a, b),
        (ConstantValue::Number(a), ConstantValue::Number(b)) => same_str(a, b),
        (ConstantValue::Bool(a), ConstantValue::Bool(b)) => a == b,
        _ => false,
    }
}

/// The key attributes of a schema's indexes, `i`-th of them (hash keys, then range keys).
const fn index_key(schema: &Schema, i: usize) -> Option<KeyDef> {
    let n = schema.indexes.len();
    if i < n {
        Some(schema.indexes[i].hash_key)
    } else if i < 2 * n {
        schema.indexes[i - n].range_key
    } else {
        None
    }
}

/// Whether any key attribute of `a` (table or index) has the name of one of `b` with another
/// type.
const fn key_types_clash(a: &Schema, b: &Schema) -> bool {
    let mut i = 0;
    while i < 2 * a.indexes.len() + 2 {
        let key_a = if i == 0 {
            Some(a.hash_key)
        } else if i == 1 {
            a.range_key
        } else {
            index_key(a, i - 2)
        };
        if let Some(key_a) = key_a {
            let mut j = 0;
            while j < 2 * b.indexes.len() + 2 {
                let key_b = if j == 0 {
                    Some(b.hash_key)
                } else if j == 1 {
                    b.range_key
                } else {
                    index_key(b, j - 2)
                };
                if let Some(key_b) = key_b {
                    if same_str(key_a.name, key_b.name) && !same_scalar(key_a.scalar, key_b.scalar)
                    {
                        return true;
                    }
                }
                j += 1;
            }
        }
        i += 1;
    }
    false
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

/// How two entities of one table disagree, if they do (evaluated at compile time by
/// [`table!`](crate::table!), and again by `create_table`).
#[doc(hidden)]
pub const fn disagreement(a: &Schema, b: &Schema) -> Disagreement {
    if !same_str(a.table, b.table) {
        return Disagreement::Table;
    }
    if !same_key(&a.hash_key, &b.hash_key) {
        return Disagreement::HashKey;
    }
    if !same_optional_key(&a.range_key, &b.range_key) {
        return Disagreement::RangeKey;
    }
    let mut i = 0;
    while i < a.indexes.len() {
        let mut j = 0;
        while j < b.indexes.len() {
            let (x, y) = (&a.indexes[i], &b.indexes[j]);
            if same_str(x.name, y.name) && !same_index(x, y) {
                return Disagreement::Index;
            }
            j += 1;
        }
        i += 1;
    }
    if key_types_clash(a, b) {
        return Disagreement::KeyType;
    }
    match (a.ttl, b.ttl) {
        (Some(x), Some(y)) if !same_str(x, y) => return Disagreement::Ttl,
        _ => {}
    }
    if !distinct(a, b) {
        return Disagreement::Indistinct;
    }
    Disagreement::None
}

/// The first disagreement between the entities of a table, as an error (for tables not
/// declared with [`table!`](crate::table!), which checks at compile time).
pub(crate) fn check(entities: &[&Schema]) -> Result<()> {
    for (i, a) in entities.iter().enumerate() {
        for b in &entities[i + 1..] {
            let found = disagreement(a, b);
            if found != Disagreement::None {
                return Err(Error::InvalidRequest {
                    message: format!("two entities of table `{}` {}", a.table, found.describe()),
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
    Definition {
        hash_key: first.hash_key,
        range_key: first.range_key,
        indexes,
        key_attributes,
        ttl: entities.iter().find_map(|schema| schema.ttl),
    }
}
