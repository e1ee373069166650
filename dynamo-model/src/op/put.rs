//! PutItem: `put` (overwrite) and `create` (only if the key is new).

use std::marker::PhantomData;

use aws_sdk_dynamodb::operation::put_item::builders::{PutItemFluentBuilder, PutItemInputBuilder};
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::types::ReturnValue;

use crate::capacity::{self, Capacity};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::Condition;
use crate::expr::writer::with_condition;
use crate::model::Model;
use crate::op::options::WriteOptions;
use crate::op::retry::{self, Concluded, Repeat, SingleWrite};
use crate::op::span;
use crate::op::update::{ReturnNew, ReturnNothing, ReturnOld};
use crate::op::{built, on_failure};
use crate::pipeline::identity::{Expects, Identity, WriteToken};
use crate::pipeline::write::{is_live, key_of, prepare, version_conflict, Conditions, WriteKind};
use crate::timestamp::Timestamp;
use crate::value::Item;

/// What a put returns: the item as stored (the default), the item it replaced, or nothing.
pub trait PutReturn<M: Model> {
    /// The ReturnValues the request asks for.
    #[doc(hidden)]
    const RETURN_VALUES: ReturnValue;
    /// Whether `send` reads the item it sends back into the model.
    #[doc(hidden)]
    const STORED: bool;
    /// What `send` gives back.
    type Output;
    #[doc(hidden)]
    fn output(stored: Option<M>, old: Option<Item>) -> Result<Self::Output>;
    /// The output of a write known to be applied whose response was lost: `None` when the
    /// response held it (the old item).
    #[doc(hidden)]
    fn known_applied(stored: Option<M>) -> Option<Self::Output>;
}

/// `send` returns the model as stored: version, timestamps, defaults and transforms applied,
/// exactly what a read would return, without another request. It costs one read of the item
/// in memory; [`Put::return_nothing`] skips it.
impl<M: Model> PutReturn<M> for ReturnNew {
    const RETURN_VALUES: ReturnValue = ReturnValue::None;
    const STORED: bool = true;
    type Output = M;

    fn output(stored: Option<M>, _: Option<Item>) -> Result<M> {
        stored.ok_or_else(|| Error::Internal {
            message: "a put returning the stored item did not keep it".into(),
        })
    }

    fn known_applied(stored: Option<M>) -> Option<M> {
        stored
    }
}

/// `send` returns the item the put replaced (`ALL_OLD`), `None` when there was none (or it had
/// expired).
impl<M: Model> PutReturn<M> for ReturnOld {
    const RETURN_VALUES: ReturnValue = ReturnValue::AllOld;
    const STORED: bool = false;
    type Output = Option<M>;

    fn output(_: Option<M>, old: Option<Item>) -> Result<Option<M>> {
        match old.filter(|item| !item.is_empty()) {
            Some(item) => crate::pipeline::read::read(item),
            None => Ok(None),
        }
    }

    fn known_applied(_: Option<M>) -> Option<Option<M>> {
        None
    }
}

/// `send` returns nothing.
impl<M: Model> PutReturn<M> for ReturnNothing {
    const RETURN_VALUES: ReturnValue = ReturnValue::None;
    const STORED: bool = false;
    type Output = ();

    fn output(_: Option<M>, _: Option<Item>) -> Result<()> {
        Ok(())
    }

    fn known_applied(_: Option<M>) -> Option<()> {
        Some(())
    }
}

/// Writes an item, replacing any item with the same key. Built by [`Db::put`].
///
/// The item goes through the write pipeline first (validation, transforms, version,
/// timestamps, limits); a versioned item must still hold the version it was read with
/// ([`Error::VersionConflict`] otherwise). `send` returns the model as stored.
#[must_use = "a request does nothing until `.send().await`"]
pub struct Put<'a, M: Model, R = ReturnNew> {
    db: &'a Db,
    item: &'a M,
    write: WriteOptions,
    kind: WriteKind,
    _return: PhantomData<fn() -> R>,
}

/// A prepared PutItem: the request's fields, the version it expects stored, what it requires
/// of the stored item, and the model as stored when `send` returns it.
struct Prepared<M> {
    fields: PutFields,
    expected_version: Option<i128>,
    expects: Expects,
    stored: Option<M>,
}

/// The fields of a PutItem request, set alike on the fluent builder (to send) and on the input
/// builder (for `request()`, without copying the item out of a fluent builder).
struct PutFields {
    table: String,
    item: Item,
    return_values: ReturnValue,
    return_item: bool,
    capacity: Option<aws_sdk_dynamodb::types::ReturnConsumedCapacity>,
    condition: crate::expr::writer::RenderedCondition,
}

/// Sets [`PutFields`] on a request builder.
trait FillPut: Sized {
    fn fill(self, fields: PutFields) -> Self;
}

macro_rules! fill_put {
    ($($builder:ty),*) => {$(
        impl FillPut for $builder {
            fn fill(self, f: PutFields) -> Self {
                let builder = self
                    .table_name(f.table)
                    .set_item(Some(f.item))
                    .return_values(f.return_values)
                    .set_return_values_on_condition_check_failure(on_failure(f.return_item))
                    .set_return_consumed_capacity(f.capacity);
                with_condition!(builder, f.condition)
            }
        }
    )*};
}

fill_put!(PutItemFluentBuilder, PutItemInputBuilder);

impl<'a, M: Model> Put<'a, M> {
    pub(crate) fn new(db: &'a Db, item: &'a M) -> Self {
        Put {
            db,
            item,
            write: WriteOptions::default(),
            kind: WriteKind::Put,
            _return: PhantomData,
        }
    }
}

impl<'a, M: Model, R: PutReturn<M>> Put<'a, M, R> {
    fn with_return<R2>(self) -> Put<'a, M, R2> {
        Put {
            db: self.db,
            item: self.item,
            write: self.write,
            kind: self.kind,
            _return: PhantomData,
        }
    }

    crate::op::options::write_setters!(M, return_item);

    /// Returns the item this put replaced (`None` when there was none). That item is only in
    /// the answer to the request that replaced it, so after a lost answer the put is not sent
    /// again: [`Error::OutcomeUnknown`] (a retry would return this put's own item as the one
    /// it replaced).
    pub fn return_old(self) -> Put<'a, M, ReturnOld> {
        self.with_return()
    }

    /// Returns nothing: the item as stored is not read back into the model.
    pub fn return_nothing(self) -> Put<'a, M, ReturnNothing> {
        self.with_return()
    }

    /// Whether the put has a condition: a create, a versioned put, a caller's condition. Such
    /// a put stores its write token, by which a retry tells its own item from another writer's.
    fn conditional(&self) -> bool {
        self.kind == WriteKind::Create
            || (self.kind == WriteKind::Put && M::SCHEMA.version.is_some())
            || self.write.condition.is_some()
    }

    /// The request, its timestamps taking `now`, storing `token`. A retry prepares it again with
    /// the same `now` and token and gets the same item (the item is not copied for retries that
    /// rarely happen).
    fn prepare(&self, now: Timestamp, token: Option<&WriteToken>) -> Result<Prepared<M>> {
        let prepared = prepare(self.item, self.kind, now, token)?;
        // Read back before sending: an item the model could not read is never written.
        let stored = if R::STORED {
            Some(crate::pipeline::read::decode::<M>(prepared.item.clone())?)
        } else {
            None
        };
        let mut conditions = Conditions::default();
        conditions.require(prepared.condition);
        conditions.user(M::SCHEMA, self.write.condition.as_ref());
        // A conditional write needs the stored item to tell a conflict (or an item that
        // exists) from a failed condition of the caller's, and a retry's own item from another
        // writer's. DynamoDB charges nothing for it.
        let return_item = self.write.return_item_on_failure || self.conditional();
        Ok(Prepared {
            fields: PutFields {
                table: self.db.table::<M>()?,
                item: prepared.item,
                return_values: R::RETURN_VALUES,
                return_item,
                capacity: capacity::asked(self.write.capacity.as_ref()),
                condition: conditions.rendered()?,
            },
            expected_version: prepared.expected_version,
            expects: prepared.expects,
            stored,
        })
    }

    /// The PutItem request this would send, without sending it.
    pub fn request(&self) -> Result<PutItemInput> {
        let token = self.conditional().then(WriteToken::new);
        let prepared = self.prepare(Timestamp::now(), token.as_ref())?;
        PutItemInput::builder()
            .fill(prepared.fields)
            .build()
            .map_err(built)
    }

    /// Sends the request. Throttling and lost responses are retried (a put applied twice
    /// stores the same item); when a retry fails its condition after an attempt that may have
    /// been applied, the item the failure returns tells by its write token (or version) whether
    /// this put was applied (see "Failures and retries" in the crate docs).
    pub async fn send(self) -> Result<R::Output> {
        let span = span::request_span!("PutItem", self.db.table_name::<M>());
        let asked = self.write.return_item_on_failure;
        span::traced(span, async move {
            self.send_untraced().await.map_err(|e| unasked(e, asked))
        })
        .await
    }

    async fn send_untraced(self) -> Result<R::Output> {
        let now = Timestamp::now();
        let token = self.conditional().then(WriteToken::new);
        let Prepared {
            fields,
            expected_version,
            expects,
            stored,
        } = self.prepare(now, token.as_ref())?;
        let table = fields.table.clone();
        let key = key_of(M::SCHEMA, &fields.item);
        let request = self.db.writer().put_item().fill(fields);
        let identity = Identity { token, expects };
        let write = SingleWrite::of::<M>(self.db, "PutItem", &table, key, &identity);
        let concluded = retry::single_write(
            write,
            self.write.capacity.as_ref(),
            Repeat::answering(&R::RETURN_VALUES),
            request,
            || {
                let fields = self.prepare(now, identity.token.as_ref())?.fields;
                Ok(self.db.writer().put_item().fill(fields))
            },
            |request| request.send(),
        )
        .await?;
        match concluded {
            Concluded::Answered(output) => R::output(stored, output.attributes).map_err(|e| {
                e.about_item(
                    || match crate::model::PrimaryKey::to_item(&self.item.key()) {
                        Ok(key) => crate::pipeline::read::describe_key(&table, &key),
                        Err(_) => format!("in table `{table}`"),
                    },
                )
            }),
            Concluded::Applied(_) => R::known_applied(stored).ok_or(Error::AnswerLost {
                operation: "PutItem",
                table,
            }),
            Concluded::Refused(error) => Err(match expected_version {
                Some(expected) => version_conflict(M::SCHEMA, expected, error),
                None => error,
            }),
        }
    }
}

/// Writes a new item, refusing to overwrite: [`Error::AlreadyExists`] when a (live) item with
/// the same key exists. Built by [`Db::create`]. `send` returns the model as stored (version
/// 1, timestamps now).
#[must_use = "a request does nothing until `.send().await`"]
pub struct Create<'a, M: Model, R = ReturnNew> {
    put: Put<'a, M, R>,
}

impl<'a, M: Model> Create<'a, M> {
    pub(crate) fn new(db: &'a Db, item: &'a M) -> Self {
        let mut put = Put::new(db, item);
        put.kind = WriteKind::Create;
        Create { put }
    }

    /// Returns nothing: the item as stored is not read back into the model.
    pub fn return_nothing(self) -> Create<'a, M, ReturnNothing> {
        Create {
            put: self.put.return_nothing(),
        }
    }
}

impl<M: Model, R: PutReturn<M>> Create<'_, M, R> {
    /// A further condition, on top of "no item has this key".
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.put = self.put.condition(condition);
        self
    }

    /// Adds the capacity this request consumes to `meter`.
    pub fn capacity(mut self, meter: &Capacity) -> Self {
        self.put = self.put.capacity(meter);
        self
    }

    /// The PutItem request this would send, without sending it.
    pub fn request(&self) -> Result<PutItemInput> {
        self.put.request()
    }

    /// Sends the request.
    pub async fn send(self) -> Result<R::Output> {
        let span = span::request_span!("PutItem", self.put.db.table_name::<M>());
        span::traced(span, self.send_untraced()).await
    }

    async fn send_untraced(self) -> Result<R::Output> {
        let asked = self.put.write.return_item_on_failure;
        match self.put.send_untraced().await {
            // The stored item, when there is a live one, is why: the key is taken. Otherwise
            // the caller's own condition failed.
            Err(Error::ConditionFailed { table, item })
                if item.as_ref().is_some_and(|i| is_live(M::SCHEMA, i)) =>
            {
                Err(Error::AlreadyExists { table })
            }
            other => other.map_err(|e| unasked(e, asked)),
        }
    }
}

/// A failed condition's error without the stored item, unless the caller asked for it
/// ([`return_item_on_condition_failure`](Put::return_item_on_condition_failure)): the library
/// asks for it to reach its own verdicts, and hands it back only when asked.
pub(crate) fn unasked(error: Error, asked: bool) -> Error {
    match error {
        Error::ConditionFailed { table, .. } if !asked => {
            Error::ConditionFailed { table, item: None }
        }
        other => other,
    }
}

/// The request it would send, values redacted (see [`show_item_values`](crate::show_item_values)).
impl<M: Model, R: PutReturn<M>> std::fmt::Debug for Put<'_, M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "Put", self.request())
    }
}

/// The request it would send, values redacted (see [`show_item_values`](crate::show_item_values)).
impl<M: Model, R: PutReturn<M>> std::fmt::Debug for Create<'_, M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::show::request(f, "Create", self.request())
    }
}
