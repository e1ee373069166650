//! The static description of a model's table: keys, indexes, attributes.
//!
//! `#[derive(Model)]` builds one [`Schema`] per model as a `const`; nothing is computed at run
//! time, so a cold start pays nothing for it.

use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::AttrError;
use crate::expr::operand::Term;
use crate::validate::{Loc, Violation};
use crate::value::ScalarType;

/// A model's table: its name, primary key and secondary indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// The table name, before any [`Db::table_prefix`](crate::Db::table_prefix).
    pub table: &'static str,
    /// The partition (hash) key.
    pub hash_key: KeyDef,
    /// The sort (range) key, if the table has one.
    pub range_key: Option<KeyDef>,
    /// Global and local secondary indexes.
    pub indexes: &'static [IndexDef],
    /// The names of every attribute the model stores, in field order.
    pub attributes: &'static [&'static str],
    /// The `#[dynamo(version)]` attribute: optimistic locking.
    pub version: Option<&'static str>,
    /// The `#[dynamo(ttl)]` attribute: epoch seconds after which the item is expired.
    pub ttl: Option<&'static str>,
    /// The attribute set when an item is created.
    pub created_at: Option<crate::timestamp::TimestampDef>,
    /// The attribute set on every write.
    pub updated_at: Option<crate::timestamp::TimestampDef>,
    /// The `constant` attributes and the value every item of the model holds in them: reads of
    /// many items (query, scan, count) keep only items holding them.
    pub constants: &'static [(&'static str, ConstantValue)],
    /// The attributes composed from fields by a key template
    /// (`#[dynamo(hash_key = "CUSTOMER#{customer_id}")]`, `compose(..)`).
    pub templates: &'static [TemplateDef],
}

/// An attribute composed from fields: `sk = "ORDER#{placed_at}#{order_id}"`. See
/// [`Template`](crate::Template) for how values are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateDef {
    /// The composed attribute's stored name.
    pub name: &'static str,
    /// The literal text around the parts: one more than there are parts (`"ORDER#"`, `"#"`,
    /// `""`).
    pub texts: &'static [&'static str],
    /// The stored names of the fields composed, in template order.
    pub parts: &'static [&'static str],
    /// The characters escaped inside string parts: `%` and the first character of each text
    /// between two parts.
    pub escaped: &'static str,
}

/// The value of a `#[dynamo(constant = ..)]` attribute, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstantValue {
    /// A string (`S`).
    String(&'static str),
    /// A number (`N`), in DynamoDB's number syntax.
    Number(&'static str),
    /// A boolean (`BOOL`).
    Bool(bool),
}

impl ConstantValue {
    /// The stored form.
    pub fn to_attr(self) -> AttributeValue {
        match self {
            ConstantValue::String(s) => AttributeValue::S(s.to_owned()),
            ConstantValue::Number(n) => AttributeValue::N(n.to_owned()),
            ConstantValue::Bool(b) => AttributeValue::Bool(b),
        }
    }
}

impl Schema {
    /// The key attributes of the table and of every index, each named once.
    pub fn key_attributes(&self) -> impl Iterator<Item = KeyDef> + '_ {
        let mut seen: Vec<&'static str> = Vec::new();
        std::iter::once(self.hash_key)
            .chain(self.range_key)
            .chain(
                self.indexes
                    .iter()
                    .flat_map(|index| std::iter::once(index.hash_key).chain(index.range_key)),
            )
            .filter(move |key| {
                if seen.contains(&key.name) {
                    false
                } else {
                    seen.push(key.name);
                    true
                }
            })
    }

    /// Whether `name` is the table's hash or range key attribute.
    pub fn is_primary_key(&self, name: &str) -> bool {
        self.hash_key.name == name || self.range_key.is_some_and(|k| k.name == name)
    }
}

/// One key attribute: its stored name and DynamoDB type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyDef {
    /// The attribute name as stored.
    pub name: &'static str,
    /// `S`, `N` or `B`.
    pub scalar: ScalarType,
}

/// Whether an index is global or local.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// A global secondary index: any hash key, eventually consistent.
    Global,
    /// A local secondary index: the table's hash key with another range key.
    Local,
}

/// Which attributes an index copies from the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexProjection {
    /// Every attribute (the default).
    All,
    /// Only the table's and the index's key attributes.
    KeysOnly,
    /// The keys plus these attributes.
    Include(&'static [&'static str]),
}

/// A secondary index declared with `#[dynamo(gsi(..))]` or `#[dynamo(lsi(..))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDef {
    /// The index name, before any table prefix (index names are per table).
    pub name: &'static str,
    /// Global or local.
    pub kind: IndexKind,
    /// The index's hash key (for an LSI, the table's hash key).
    pub hash_key: KeyDef,
    /// The index's range key.
    pub range_key: Option<KeyDef>,
    /// What the index copies.
    pub projection: IndexProjection,
}

/// A typed handle to one attribute of model `M`, holding a value of type `T`.
///
/// The derive generates one per stored field, named after the field in upper case:
/// `User::EMAIL: Attr<User, String>`. Conditions, updates and projections take handles, so a
/// value of the wrong type for the attribute does not compile.
pub struct Attr<M, T> {
    name: &'static str,
    hooks: Option<&'static FieldHooks>,
    default: Option<fn() -> T>,
    _types: PhantomData<fn() -> (M, T)>,
}

/// What a field's options do to values written to it outside a whole item: an update's `set`
/// values are checked against the field's validation rules, relative updates (`add`, `sub`,
/// `append`, …) are guarded by them (see `pipeline::update`), and values in updates and
/// conditions pass through its `set` transform, as they do in `to_item`.
#[doc(hidden)]
#[derive(Debug)]
pub struct FieldHooks {
    /// Runs the field's rules (and those of nested documents) on a value for it.
    pub check: Option<CheckHook>,
    /// The `set` transform, on a value for the field.
    pub write: Option<WriteHook>,
    /// The `get` transform, on a stored value of the field (for reads of a projection).
    pub read: Option<ReadHook>,
    /// The field's rules as bounds, for updates whose result the client cannot know.
    pub limits: Option<fn() -> Limits>,
    /// The struct-level `validate` rule of the model or document holding the field: a rule
    /// over several fields, which an update of one cannot check.
    pub item_rule: Option<&'static str>,
}

/// A field's rules as a relative update (`add`, `sub`, `append`, …) can enforce them: `range`
/// and `length` become conditions DynamoDB checks on the stored value; any other rule cannot be
/// checked on a value the client never sees, so such an update is refused.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    /// `range(min, max)`.
    pub range: Option<(
        Option<crate::validate::Bound>,
        Option<crate::validate::Bound>,
    )>,
    /// `length(min, max)`.
    pub length: Option<(Option<usize>, Option<usize>)>,
    /// `non_empty`: a length of at least 1.
    pub non_empty: bool,
    /// The first rule of the field that a relative update cannot enforce (`custom`, `one_of`,
    /// `regex`, `email`, `constant`, the rules of a nested document).
    pub other: Option<&'static str>,
}

/// A field's `get` transform on a stored value (`None`: the transformed value is stored as
/// nothing, like `None` or an empty set).
#[doc(hidden)]
pub type ReadHook = fn(AttributeValue) -> Result<Option<AttributeValue>, AttrError>;

/// Checks that a value is of a type, by reading it as that type.
#[doc(hidden)]
pub type TypeCheck = fn(&AttributeValue) -> Result<(), AttrError>;

/// What an untyped path ([`Path::parse`](crate::Path::parse)) reaches in a model: found by
/// walking the model's fields, nested documents, lists and maps, so that a value written
/// through it gets the same type check, rules and transforms as through a typed handle.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// A value of a known type sits there: its type check, and its field's hooks when the path
    /// ends at a field.
    Value {
        /// Fails when a value is not of the type (by reading it as that type).
        check: TypeCheck,
        /// The hooks of the field the path ends at.
        hooks: Option<&'static FieldHooks>,
        /// The path ends at a field that every item must hold (no `Option`, no default):
        /// removing it would leave an item the model cannot read.
        required: bool,
    },
    /// The model does not describe what is there (attributes it does not name, `serde` and
    /// raw fields): the value is written as given.
    Unknown,
    /// The path cannot exist in an item of the model (inside a number, a field a document does
    /// not have): why.
    Invalid(&'static str),
}

/// Checks a value for a field against its rules.
#[doc(hidden)]
pub type CheckHook = fn(&AttributeValue, &Loc<'_>, &mut Vec<Violation>);

/// A field's `set` transform on a value for it.
#[doc(hidden)]
pub type WriteHook = fn(AttributeValue) -> Result<Option<AttributeValue>, AttrError>;

/// A value for a field, through the field's `set` transform.
pub(crate) fn transform(hooks: Option<&FieldHooks>, term: Term) -> Term {
    match (hooks.and_then(|h| h.write), term) {
        (Some(write), Term::Value(value)) => Term::from_value(write(value)),
        (_, term) => term,
    }
}

/// Checks a value written to a field (an update's `set` or `add`) against its rules, reporting
/// failures at `path`.
pub(crate) fn check(
    hooks: Option<&FieldHooks>,
    term: &Term,
    path: &crate::expr::Path,
    out: &mut Vec<Violation>,
) {
    if let (Some(check), Term::Value(value)) = (hooks.and_then(|h| h.check), term) {
        check(value, &Loc::Path(path), out);
    }
}

impl<M, T> Attr<M, T> {
    /// A handle for the stored attribute `name`. Generated code calls this; users rarely do.
    pub const fn new(name: &'static str) -> Self {
        Attr {
            name,
            hooks: None,
            default: None,
            _types: PhantomData,
        }
    }

    /// A handle for a field with validation rules or a `set` transform (generated code, through
    /// `__private::attr_with_hooks`).
    pub(crate) const fn with_hooks(name: &'static str, hooks: &'static FieldHooks) -> Self {
        Attr {
            name,
            hooks: Some(hooks),
            default: None,
            _types: PhantomData,
        }
    }

    /// The handle of a field with a `default` or `default_fn` (generated code, through
    /// `__private::attr_with_default`).
    pub(crate) const fn with_default(self, default: fn() -> T) -> Self {
        Attr {
            default: Some(default),
            ..self
        }
    }

    /// The field's `default` (or `default_fn`) value, for building a value the way a read of
    /// an item without the attribute would: `age: User::AGE.default_value().unwrap()`. `None`
    /// when the field has no default.
    pub fn default_value(&self) -> Option<T> {
        self.default.map(|default| default())
    }

    /// The field's hooks, if it has any.
    pub(crate) fn hooks(&self) -> Option<&'static FieldHooks> {
        self.hooks
    }

    /// The attribute's stored name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The attribute as an untyped [`Path`](crate::expr::Path), e.g. for projections.
    pub fn path(&self) -> crate::expr::Path {
        crate::expr::Path::name(self.name)
    }
}

impl<M, T> Clone for Attr<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Attr<M, T> {}

impl<M, T> fmt::Debug for Attr<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Attr({})", self.name)
    }
}

/// Carries an index handle's types without owning values of them (so handles are `Copy`).
pub(crate) type IndexTypes<M, H, R> = fn() -> (M, H, R);

/// A typed handle to a secondary index of model `M`, whose hash key holds `H` and range key `R`
/// (`()` when the index has no range key). The derive generates one per index, named after the
/// index in upper case: `User::BY_EMAIL`.
pub struct Index<M, H, R = ()> {
    def: &'static IndexDef,
    _types: PhantomData<IndexTypes<M, H, R>>,
}

impl<M, H, R> Index<M, H, R> {
    /// A handle for an index definition. Generated code calls this.
    pub const fn new(def: &'static IndexDef) -> Self {
        Index {
            def,
            _types: PhantomData,
        }
    }

    /// The index's definition.
    pub const fn def(&self) -> &'static IndexDef {
        self.def
    }

    /// The index name.
    pub const fn name(&self) -> &'static str {
        self.def.name
    }
}

impl<M, H, R> Clone for Index<M, H, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, H, R> Copy for Index<M, H, R> {}

impl<M, H, R> fmt::Debug for Index<M, H, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Index({})", self.def.name)
    }
}
