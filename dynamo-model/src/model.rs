//! The traits `#[derive(Model)]` implements, and the checks every written item passes.

use std::fmt;

use crate::error::{AttrError, Result};
use crate::schema::Schema;
use crate::value::Item;

/// A struct stored as one item in one DynamoDB table. Implement it with `#[derive(Model)]`.
///
/// The derive generates, beside this impl, the typed key struct (`UserKey`), one [`Attr`]
/// handle per stored field (`User::EMAIL`) and one [`Index`] handle per secondary index
/// (`User::BY_EMAIL`).
///
/// [`Attr`]: crate::Attr
/// [`Index`]: crate::Index
pub trait Model: Sized {
    /// The typed primary key: `UserKey`.
    type Key: PrimaryKey<Model = Self>;

    /// The type of the table's hash key attribute (what `query().hash(..)` takes).
    type HashKey;

    /// The type of the table's range key attribute, `()` when the table has none.
    type RangeKey;

    /// The table, its keys and indexes.
    const SCHEMA: &'static Schema;

    /// Converts to a DynamoDB item. Fails, without touching the network, on a value DynamoDB
    /// cannot store (a NaN float, a number over 38 digits, …).
    fn to_item(&self) -> Result<Item>;

    /// Reads a DynamoDB item. A missing required attribute or a value of the wrong type is
    /// [`Error::Attribute`](crate::Error::Attribute) naming the attribute.
    fn from_item(item: Item) -> Result<Self>;

    /// This item's primary key.
    fn key(&self) -> Self::Key;

    /// Checks the item against its validation rules (`#[dynamo(validate(..))]`, `constant`,
    /// a struct-level `validate`, and the rules of nested documents), reporting every failure
    /// at once as [`Error::Validation`](crate::Error::Validation). Every write runs it before sending; call it yourself
    /// to check input early (say, before other work in a request handler).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// The hooks of the field stored as `name`, when it has a `set` transform (for key values
    /// given outside a handle, like a query's hash key).
    #[doc(hidden)]
    fn field_hooks(_name: &str) -> Option<&'static crate::schema::FieldHooks> {
        None
    }

    /// What an untyped path reaches in an item of the model (see [`Target`]).
    ///
    /// [`Target`]: crate::schema::Target
    #[doc(hidden)]
    fn target(_path: &[crate::value::PathElement]) -> crate::schema::Target {
        crate::schema::Target::Unknown
    }

    /// The first attribute every item must hold (no `Option`, no default) for which `is_set`
    /// is false: an upsert that does not set it cannot create a readable item.
    #[doc(hidden)]
    fn missing_required(_is_set: &dyn Fn(&str) -> bool) -> Option<&'static str> {
        None
    }

    /// The struct-level `validate` rule of the model, if it has one.
    #[doc(hidden)]
    fn item_rule() -> Option<&'static str> {
        None
    }

    /// The older names (`alias`) the attribute `name` is also read under.
    #[doc(hidden)]
    fn aliases(_name: &str) -> &'static [&'static str] {
        &[]
    }

    /// Applies the model's read options to the attributes of a projection (part of an item):
    /// an attribute stored under an alias moves to its name, and `get` transforms apply.
    #[doc(hidden)]
    fn prepare_projection(_item: &mut Item) -> Result<(), AttrError> {
        Ok(())
    }
}

/// An enum of models stored in one table, read together by one query into their variants:
/// implement it with `#[derive(Collection)]` on an enum whose variants each hold one model.
///
/// ```
/// # use dynamo_model::prelude::*;
/// # #[derive(Model, Debug)]
/// # #[dynamo(table = "store", hash_key = "CUSTOMER#{customer_id}", range_key = "sk")]
/// # #[dynamo(compose(sk = "PROFILE"))]
/// # struct Customer { customer_id: String, #[dynamo(constant = "Customer")] kind: String }
/// # #[derive(Model, Debug)]
/// # #[dynamo(table = "store", hash_key = "CUSTOMER#{customer_id}", range_key = "ORDER#{order_id}")]
/// # struct Order { customer_id: String, order_id: String, #[dynamo(constant = "Order")] kind: String }
/// #[derive(Collection, Debug)]
/// enum CustomerData {
///     Profile(Customer),
///     Order(Order),
/// }
///
/// # async fn read(db: &Db) -> Result<(), dynamo_model::Error> {
/// // The profile and every order of customer c1, in sort key order, in one query.
/// let items: Vec<CustomerData> = db.collection::<CustomerData>().hash(Customer::PK.of("c1")).all().await?;
/// # Ok(())
/// # }
/// ```
///
/// The first variant's model gives the query its keys and indexes; the models must share the
/// table, be told apart by a `constant` attribute and compose their hash keys alike (checked at
/// compile time). Items of other entities in the partition are filtered out by DynamoDB, so
/// `limit` counts the collection's.
pub trait Collection: Sized {
    /// The model whose keys and indexes a query of the collection uses: the first variant's.
    type Key: Model;

    /// The schemas of the variants' models, in variant order.
    const MEMBERS: &'static [&'static Schema];

    /// Reads an item of one of the models, told by its `constant` attributes.
    fn from_item(item: Item) -> Result<Self>;
}

/// What a stream record's images are read as (feature `streams`: `streams::Change<T>`): a
/// model, whose records of other entities sharing the table are skipped, or a
/// [`Collection`], whose records of none of its members are skipped, every other read as its
/// member. Implemented for every [`Model`], and by `#[derive(Collection)]`.
pub trait StreamImage: Sized {
    /// The table's name as the models declare it, for errors.
    #[doc(hidden)]
    fn table() -> &'static str;
    /// Whether a stored item is one of these (by its `constant` attributes).
    #[doc(hidden)]
    fn holds(item: &Item) -> bool;
    /// Reads an item, once `holds` said it is one of these.
    #[doc(hidden)]
    fn read(item: Item) -> Result<Self>;
}

impl<M: Model> StreamImage for M {
    fn table() -> &'static str {
        M::SCHEMA.table
    }

    fn holds(item: &Item) -> bool {
        crate::pipeline::read::holds_constants(M::SCHEMA, item)
    }

    fn read(item: Item) -> Result<Self> {
        crate::pipeline::read::read_listed::<M>(item)
    }
}

/// A model without a `#[dynamo(version)]` attribute. Batch puts, which cannot carry the
/// condition optimistic locking needs, take only these (or, for versioned models, the explicit
/// [`BatchWrite::put_unchecked`](crate::BatchWrite::put_unchecked)). `#[derive(Model)]`
/// implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has a version attribute, and a batch put cannot check it",
    label = "optimistic locking needs a condition, which BatchWriteItem cannot carry",
    note = "put it in a transaction (`db.transact_write().put(&item)`) or one `db.put(&item)` to keep the version check, or use `BatchWrite::put_unchecked` to overwrite whatever version is stored"
)]
pub trait Unversioned: Model {}

/// A struct stored as a nested map (`M`) inside a model. Implement it with
/// `#[derive(Attributes)]`, which also implements [`Attribute`](crate::Attribute) so the struct can be a field,
/// a list element (`Vec<Address>`) or optional (`Option<Address>`).
pub trait Attributes: Sized {
    /// The names of the attributes it stores, in field order (a query's `select::<P>()` projects
    /// exactly these).
    const ATTRIBUTES: &'static [&'static str];

    /// Converts to the map's attributes.
    fn to_map(&self) -> Result<Item, AttrError>;

    /// Reads the map's attributes; errors name the attribute inside the map.
    fn from_map(map: Item) -> Result<Self, AttrError>;

    /// Runs the document's validation rules, its failures placed at `at`.
    #[doc(hidden)]
    fn validate_at(
        &self,
        _at: &crate::validate::Loc<'_>,
        _out: &mut Vec<crate::validate::Violation>,
    ) {
    }

    /// Checks the document against its validation rules, reporting every failure at once as
    /// [`Error::Validation`](crate::Error::Validation) (paths relative to the document).
    fn validate(&self) -> Result<()> {
        let mut violations = Vec::new();
        self.validate_at(&crate::validate::Loc::Root, &mut violations);
        crate::validate::finish(violations)
    }
}

/// The typed primary key of a model, generated by `#[derive(Model)]` as `<Model>Key`.
///
/// Every call that takes a key takes this type, so a key of the wrong shape does not compile.
pub trait PrimaryKey: Clone + fmt::Debug {
    /// The model this key belongs to.
    type Model: Model<Key = Self>;

    /// The key as a DynamoDB item (one or two attributes). Fails on an empty string or binary
    /// key value, which DynamoDB refuses.
    fn to_item(&self) -> Result<Item>;

    /// The key's fields as stored: for a key composed by templates, the fields it is composed
    /// from (an upsert writes them); otherwise the key attributes themselves.
    #[doc(hidden)]
    fn fields(&self) -> Result<Item> {
        self.to_item()
    }
}
