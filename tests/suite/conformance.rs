//! The conformance matrix: every rule of a model (a row, one test each) on every operation (a
//! column, one `match` arm each, so a new operation cannot be added without a cell in every
//! row). Each cell asserts that the rule holds, or that the operation refuses with a clear error
//! (nothing sent), or, where the rule has nothing to act on, what the operation does instead.
//! The same table is in the crate docs ("Rules on every operation"), read here: its columns
//! and rows must be this file's, and each ✗ (refused before sending) an operation its row's
//! test saw refuse without a request.

use crate::common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::{ttl, Update, UpdateReturn};
use futures::TryStreamExt;

use common::counting::Requests;

fn lower(text: &str) -> String {
    text.to_lowercase()
}

fn rot13(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            other => other,
        })
        .collect()
}

fn unscramble(text: String) -> String {
    rot13(&text)
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "widgets", timestamps)]
struct Widget {
    #[dynamo(hash_key, set = lower)]
    pk: String,
    #[dynamo(range_key)]
    sk: u32,
    #[dynamo(constant = "WIDGET")]
    kind: String,
    #[dynamo(validate(range(min = 0, max = 100)))]
    stock: i64,
    #[dynamo(set = rot13, get = unscramble)]
    secret: Option<String>,
    #[dynamo(default = 7, force_default)]
    format: u32,
    #[dynamo(version)]
    version: u64,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[dynamo(ttl)]
    expires: Option<i64>,
    note: Option<String>,
}

/// A collection of one model: the `collection` column reads widgets through it.
#[derive(Collection, Debug)]
enum Widgets {
    Widget(Widget),
}

/// The columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Create,
    Put,
    Update,
    Upsert,
    Delete,
    BatchPut,
    BatchDelete,
    BatchGet,
    TxCreate,
    TxPut,
    TxPutIf,
    TxUpdate,
    TxDelete,
    TxCheck,
    TxGet,
    Get,
    Query,
    Scan,
    Stream,
    Collection,
    Count,
}

const OPS: [Op; 21] = [
    Op::Create,
    Op::Put,
    Op::Update,
    Op::Upsert,
    Op::Delete,
    Op::BatchPut,
    Op::BatchDelete,
    Op::BatchGet,
    Op::TxCreate,
    Op::TxPut,
    Op::TxPutIf,
    Op::TxUpdate,
    Op::TxDelete,
    Op::TxCheck,
    Op::TxGet,
    Op::Get,
    Op::Query,
    Op::Scan,
    Op::Stream,
    Op::Collection,
    Op::Count,
];

type Item = HashMap<String, AttributeValue>;

struct Fixture {
    db: Db,
    requests: Arc<Requests>,
    row: &'static str,
    /// The operations this row saw refuse before sending: held to the docs' ✗ cells.
    refusals: std::sync::Mutex<Vec<Op>>,
}

impl Fixture {
    async fn new(row: &'static str) -> Fixture {
        let test = format!("conformance_{row}");
        let (db, requests) = common::counting::db(&test).await;
        db.create_table::<Widget>().send().await.unwrap();
        // DynamoDB Local deletes expired items within seconds; the library's own hiding is
        // what the TTL row tests, so DynamoDB's deletion is turned off again.
        common::keep_expired_items::<Widget>(&db).await;
        Fixture {
            db,
            requests,
            row,
            refusals: Default::default(),
        }
    }

    /// The partition key of `op`'s cell in this row.
    fn pk(&self, op: Op) -> String {
        format!("{}-{op:?}", self.row).to_lowercase()
    }

    fn widget(&self, op: Op) -> Widget {
        Widget {
            pk: self.pk(op),
            sk: 1,
            kind: "WIDGET".into(),
            stock: 10,
            secret: Some("plain".into()),
            format: 7,
            version: 0,
            created_at: Timestamp::default(),
            updated_at: Timestamp::default(),
            expires: None,
            note: None,
        }
    }

    /// Stores `w` through the library.
    async fn store(&self, w: &Widget) -> Widget {
        self.db.create(w).send().await.unwrap()
    }

    /// Stores an item as another writer would, bypassing every rule.
    async fn store_raw(&self, item: Item) {
        self.db
            .client()
            .put_item()
            .table_name(self.db.table_name::<Widget>())
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }

    /// The item stored under the (already lower-case) key, as DynamoDB holds it.
    async fn raw(&self, pk: &str) -> Option<Item> {
        self.db
            .client()
            .get_item()
            .table_name(self.db.table_name::<Widget>())
            .key("pk", AttributeValue::S(pk.into()))
            .key("sk", AttributeValue::N("1".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
    }

    /// Runs `attempt` and asserts it sent nothing.
    async fn refused<T: std::fmt::Debug>(
        &self,
        op: Op,
        attempt: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Error {
        let before = self.requests.sent();
        let err = attempt.await.expect_err(&format!("{op:?} must refuse"));
        assert_eq!(self.requests.sent(), before, "{op:?} sent a request: {err}");
        self.refusals.lock().unwrap().push(op);
        err
    }

    /// The row's cells in the crate docs' table (its rows, for `timestamps`) mark ✗ exactly
    /// the operations this row's test saw refuse before sending; `compile_time` lists the ✗
    /// cells that are compile errors instead (a test cannot run them; the UI tests do).
    fn refusals_match_the_docs(&self, compile_time: &[Op]) {
        let refused = self.refusals.lock().unwrap();
        for (label, cells) in docs_rows(self.row) {
            for (op, cell) in OPS.iter().zip(&cells) {
                let marked = cell.contains('✗');
                let seen = refused.contains(op) || compile_time.contains(op);
                assert_eq!(
                    marked,
                    seen,
                    "the docs' {label:?} row marks {op:?} {cell:?}, and the test {} it refuse",
                    if seen { "saw" } else { "did not see" }
                );
            }
        }
    }
}

/// The crate docs' table ("Rules on every operation" in `dynamo-model/src/lib.rs`): the
/// header's operations, and each row's label and cells, footnote marks taken off.
fn docs_table() -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let docs = include_str!("../../dynamo-model/src/lib.rs");
    let mut lines = docs
        .lines()
        .filter_map(|line| line.strip_prefix("//! | "))
        .skip_while(|line| !line.starts_with("rule |"))
        .map(|line| {
            line.trim_end_matches(" |")
                .split(" | ")
                .map(|cell| {
                    cell.trim_end_matches(['¹', '²', '³', '⁴', '⁵'])
                        .replace('`', "")
                })
                .collect::<Vec<String>>()
        });
    let header = lines.next().expect("the docs have the table");
    let rows = lines
        .filter(|cells| !cells[0].starts_with("---"))
        .map(|mut cells| (cells.remove(0), cells))
        .collect();
    (header[1..].to_vec(), rows)
}

/// The docs' rows of the test row `row`.
fn docs_rows(row: &str) -> Vec<(String, Vec<String>)> {
    let labels: &[&str] = match row {
        "validation" | "set" | "get" | "force_default" | "constant" | "version" => &[row],
        "timestamps" => &["created_at", "updated_at"],
        "ttl" => &["TTL hiding"],
        "size" => &["item size"],
        "keys" => &["key values"],
        other => panic!("no docs row for {other:?}"),
    };
    let (_, rows) = docs_table();
    labels
        .iter()
        .map(|label| {
            rows.iter()
                .find(|(l, _)| l == label)
                .unwrap_or_else(|| panic!("the docs' table has a row {label:?}"))
                .clone()
        })
        .collect()
}

/// The docs' table has one column per operation, in `OPS` order, and one row per rule tested
/// here (a test row each; `timestamps` covers two).
#[test]
fn the_docs_table_is_this_matrix() {
    let (header, rows) = docs_table();
    let names: Vec<String> = OPS
        .iter()
        .map(|op| {
            let name = format!("{op:?}");
            let mut words = String::new();
            for (i, c) in name.char_indices() {
                if c.is_uppercase() && i > 0 {
                    words.push(' ');
                }
                words.push(c.to_ascii_lowercase());
            }
            words.replace("put if", "put_if")
        })
        .collect();
    assert_eq!(header, names);
    let labels: Vec<&str> = rows.iter().map(|(label, _)| label.as_str()).collect();
    let tested: Vec<String> = [
        "validation",
        "set",
        "get",
        "force_default",
        "constant",
        "version",
        "timestamps",
        "ttl",
        "size",
        "keys",
    ]
    .iter()
    .flat_map(|row| docs_rows(row).into_iter().map(|(label, _)| label))
    .collect();
    assert_eq!(labels, tested);
    for (label, cells) in &rows {
        assert_eq!(cells.len(), OPS.len(), "{label}");
    }
}

fn key(pk: &str) -> WidgetKey {
    WidgetKey::new(pk, 1)
}

/// Every field of `w` set by an update.
fn fields<'a, R: UpdateReturn<Widget>>(
    u: Update<'a, Widget, R>,
    w: &Widget,
) -> Update<'a, Widget, R> {
    u.set(Widget::KIND, w.kind.clone())
        .set(Widget::STOCK, w.stock)
        .set(Widget::SECRET, w.secret.clone())
        .set(Widget::FORMAT, w.format)
        .set(Widget::EXPIRES, w.expires)
        .set(Widget::NOTE, w.note.clone())
}

/// The one widget a transaction stored.
fn stored(written: &dynamo_model::Written) -> Option<Widget> {
    let mut widgets = written.stored::<Widget>().unwrap();
    assert_eq!(widgets.len(), 1);
    widgets.pop()
}

/// Writes `w`: whole (create, put, batch put, transaction create/put/put_if) or field by field
/// (update, upsert, transaction update). Returns the item when the operation returns one.
async fn write(db: &Db, op: Op, w: &Widget) -> Result<Option<Widget>, Error> {
    let k = key(&w.pk);
    match op {
        Op::Create => db.create(w).send().await.map(Some),
        Op::Put => db.put(w).send().await.map(Some),
        Op::BatchPut => db.batch_write().put_unchecked(w).send().await.map(|_| None),
        // A transaction gives back what its puts stored, as single writes do.
        Op::TxCreate => db
            .transact_write()
            .create(w)
            .send()
            .await
            .map(|t| stored(&t)),
        Op::TxPut => db.transact_write().put(w).send().await.map(|t| stored(&t)),
        Op::TxPutIf => db
            .transact_write()
            .put_if(w, Widget::NOTE.not_exists())
            .send()
            .await
            .map(|t| stored(&t)),
        Op::Update => fields(db.update(k), w).send().await.map(Some),
        Op::Upsert => fields(db.update(k).upsert(), w).send().await.map(Some),
        Op::TxUpdate => db
            .transact_write()
            .update::<Widget>(k, |u| fields(u, w))
            .send()
            .await
            .map(|_| None),
        other => panic!("{other:?} writes no item"),
    }
}

/// Deletes (delete with `return_old`, batch delete, transaction delete / `delete_if`) or checks
/// (transaction check) the item with `pk`.
async fn touch(
    db: &Db,
    op: Op,
    pk: &str,
    condition: Option<Condition<Widget>>,
) -> Result<Option<Widget>, Error> {
    let k = key(pk);
    match op {
        Op::Delete => match condition {
            Some(condition) => db.delete(k).condition(condition).return_old().send().await,
            None => db.delete(k).return_old().send().await,
        },
        Op::BatchDelete => {
            assert!(condition.is_none(), "a batch carries no condition");
            db.batch_delete([k]).send().await.map(|_| None)
        }
        Op::TxDelete => match condition {
            Some(condition) => db.transact_write().delete_if::<Widget>(k, condition),
            None => db.transact_write().delete::<Widget>(k),
        }
        .send()
        .await
        .map(|_| None),
        Op::TxCheck => db
            .transact_write()
            .check::<Widget>(k, condition.unwrap_or_else(|| Widget::STOCK.exists()))
            .send()
            .await
            .map(|_| None),
        other => panic!("{other:?} neither deletes nor checks"),
    }
}

/// Reads the item with `pk` (get, batch get, transaction get, query, scan, stream).
async fn read(db: &Db, op: Op, pk: &str) -> Result<Option<Widget>, Error> {
    match op {
        Op::Get => db.get(key(pk)).consistent().send().await,
        Op::BatchGet => db
            .batch_get::<Widget>([key(pk)])
            .consistent()
            .send()
            .await
            .map(|mut found| found.remove(0)),
        Op::TxGet => db
            .transact_get()
            .get::<Widget>(key(pk))
            .send()
            .await
            .map(|(found,)| found),
        Op::Query => db
            .query::<Widget>()
            .hash(pk)
            .range(Widget::SK.eq(1))
            .consistent()
            .send()
            .await
            .map(|page| page.items.into_iter().next()),
        Op::Scan => db
            .scan::<Widget>()
            .filter(Widget::PK.eq(pk))
            .consistent()
            .all()
            .await
            .map(|found| found.into_iter().next()),
        Op::Collection => db
            .collection::<Widgets>()
            .hash(pk)
            .range(Widget::SK.eq(1))
            .consistent()
            .send()
            .await
            .map(|page| page.items.into_iter().next().map(|Widgets::Widget(w)| w)),
        Op::Stream => db
            .query::<Widget>()
            .hash(pk)
            .consistent()
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .map(|found| found.into_iter().next()),
        other => panic!("{other:?} reads no item"),
    }
}

/// The one item with `pk`, read by `op`; for a count, which reads no item, asserts that it
/// counts one and gives `None`.
async fn read_one(db: &Db, op: Op, pk: &str) -> Option<Widget> {
    if op == Op::Count {
        assert_eq!(count(db, pk).await.unwrap(), 1);
        return None;
    }
    let found = read(db, op, pk)
        .await
        .unwrap_or_else(|e| panic!("{op:?}: {e}"));
    Some(found.unwrap_or_else(|| panic!("{op:?} found no item")))
}

async fn count(db: &Db, pk: &str) -> Result<usize, Error> {
    db.query::<Widget>().hash(pk).consistent().count().await
}

fn n(value: &AttributeValue) -> i64 {
    match value {
        AttributeValue::N(n) => n.parse().unwrap(),
        other => panic!("not a number: {other:?}"),
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// The (path, rule) of each violation.
fn violated(op: Op, err: &Error) -> Vec<(String, &'static str)> {
    match err {
        Error::Validation { violations } => violations
            .iter()
            .map(|v| (in_action(op, &v.path), v.rule))
            .collect(),
        other => panic!("{op:?}: expected a validation error, got {other:?}"),
    }
}

/// A path of an error, without the action a transaction's or batch's error names it by
/// (checked there: `actions[0] (Widget).stock`, `items[0] (Widget).stock`).
fn in_action(op: Op, path: &str) -> String {
    let prefix = match op {
        Op::TxCreate | Op::TxPut | Op::TxPutIf | Op::TxUpdate | Op::TxDelete | Op::TxCheck => {
            Some("actions[0] (Widget).")
        }
        // A batch delete refuses a bad key as it is added, by its call.
        Op::BatchPut => Some("items[0] (Widget)."),
        _ => None,
    };
    match prefix {
        Some(prefix) => match path.strip_prefix(prefix) {
            Some(rest) => rest.to_owned(),
            None => panic!("{op:?}: {path} names no action"),
        },
        None => path.to_owned(),
    }
}

/// The codes of a canceled transaction's failed actions.
fn canceled(op: Op, err: &Error) -> Vec<String> {
    match err {
        Error::TransactionCanceled { reasons } => reasons
            .iter()
            .filter(|r| r.failed())
            .map(|r| r.code.to_string())
            .collect(),
        other => panic!("{op:?}: expected a canceled transaction, got {other:?}"),
    }
}

/// Validation: no write stores a value that breaks a field rule (`stock` in 0..=100); values
/// written whole are refused before sending, relative changes are kept in range by DynamoDB.
/// Conditions may compare with any value; reads return what is stored.
#[tokio::test]
async fn validation() {
    let fx = Fixture::new("validation").await;
    let db = &fx.db;
    for op in OPS {
        let w = fx.widget(op);
        let bad = Widget {
            stock: 500,
            ..w.clone()
        };
        match op {
            Op::Create | Op::Put | Op::BatchPut | Op::TxCreate | Op::TxPut | Op::TxPutIf => {
                let err = fx.refused(op, write(db, op, &bad)).await;
                assert_eq!(violated(op, &err), [("stock".to_owned(), "range")]);
                assert_eq!(fx.raw(&w.pk).await, None, "{op:?}");
            }
            Op::Update | Op::Upsert | Op::TxUpdate => {
                fx.store(&w).await;
                let err = fx.refused(op, write(db, op, &bad)).await;
                assert_eq!(violated(op, &err), [("stock".to_owned(), "range")]);
                // A relative change past the bound: refused by DynamoDB, named as the rule.
                let k = key(&w.pk);
                match op {
                    Op::TxUpdate => {
                        let err = db
                            .transact_write()
                            .update::<Widget>(k, |u| u.add(Widget::STOCK, 91))
                            .send()
                            .await
                            .unwrap_err();
                        let Error::TransactionCanceled { reasons } = &err else {
                            panic!("{err:?}")
                        };
                        assert_eq!(reasons[0].violations[0].rule, "range");
                    }
                    _ => {
                        let update = db.update(k).add(Widget::STOCK, 91);
                        let update = if op == Op::Upsert {
                            update.upsert()
                        } else {
                            update
                        };
                        let err = update.send().await.unwrap_err();
                        assert_eq!(violated(op, &err), [("stock".to_owned(), "range")]);
                    }
                }
                assert_eq!(n(&fx.raw(&w.pk).await.unwrap()["stock"]), 10, "{op:?}");
            }
            Op::Delete | Op::TxDelete | Op::TxCheck => {
                // A condition compares; it writes nothing, so any value may be in it.
                fx.store(&w).await;
                let err = touch(db, op, &w.pk, Some(Widget::STOCK.gt(500)))
                    .await
                    .unwrap_err();
                match op {
                    Op::Delete => assert!(matches!(err, Error::ConditionFailed { .. }), "{err}"),
                    _ => assert_eq!(canceled(op, &err), ["ConditionalCheckFailed"]),
                }
                assert!(fx.raw(&w.pk).await.is_some(), "{op:?}");
            }
            Op::BatchDelete => {
                // Writes no value: nothing to validate; the delete is sent.
                fx.store(&w).await;
                touch(db, op, &w.pk, None).await.unwrap();
                assert_eq!(fx.raw(&w.pk).await, None);
            }
            Op::BatchGet
            | Op::TxGet
            | Op::Get
            | Op::Query
            | Op::Scan
            | Op::Stream
            | Op::Collection
            | Op::Count => {
                // Another writer stored a value outside the rule: reads return what is stored
                // (rules guard writes; a read that refused would hide the data).
                let mut item = w.to_item().unwrap();
                item.insert("stock".into(), AttributeValue::N("500".into()));
                fx.store_raw(item).await;
                // Counted (a count reads no item), or read.
                if let Some(found) = read_one(db, op, &w.pk).await {
                    assert_eq!(found.stock, 500, "{op:?}");
                }
            }
        }
    }
    fx.refusals_match_the_docs(&[]);
}

/// `set` transforms: every value written passes through them (items, update values, keys,
/// condition values, query hash keys and filters), so `"SET-Op"` and `"set-op"` are one key and
/// the secret is stored scrambled.
#[tokio::test]
async fn set_transforms() {
    let fx = Fixture::new("set").await;
    let db = &fx.db;
    for op in OPS {
        let w = fx.widget(op);
        let upper = w.pk.to_uppercase();
        match op {
            Op::Create
            | Op::Put
            | Op::BatchPut
            | Op::TxCreate
            | Op::TxPut
            | Op::TxPutIf
            | Op::Upsert => {
                let given = Widget {
                    pk: upper.clone(),
                    ..w.clone()
                };
                write(db, op, &given).await.unwrap();
                let stored = fx
                    .raw(&w.pk)
                    .await
                    .unwrap_or_else(|| panic!("{op:?}: stored under the lower-case key"));
                assert_eq!(stored["secret"], s("cynva"), "{op:?}");
            }
            Op::Update | Op::TxUpdate => {
                fx.store(&Widget {
                    secret: None,
                    ..w.clone()
                })
                .await;
                let given = Widget {
                    pk: upper.clone(),
                    ..w.clone()
                };
                write(db, op, &given).await.unwrap();
                assert_eq!(fx.raw(&w.pk).await.unwrap()["secret"], s("cynva"), "{op:?}");
            }
            Op::Delete | Op::TxDelete | Op::TxCheck => {
                fx.store(&w).await;
                // The key and the condition's value pass through the transforms.
                touch(db, op, &upper, Some(Widget::SECRET.eq("plain")))
                    .await
                    .unwrap_or_else(|e| panic!("{op:?}: {e}"));
                assert_eq!(fx.raw(&w.pk).await.is_some(), op == Op::TxCheck, "{op:?}");
            }
            Op::BatchDelete => {
                fx.store(&w).await;
                touch(db, op, &upper, None).await.unwrap();
                assert_eq!(fx.raw(&w.pk).await, None);
            }
            Op::BatchGet | Op::TxGet | Op::Get | Op::Query | Op::Stream | Op::Collection => {
                fx.store(&w).await;
                let found = read(db, op, &upper).await.unwrap();
                assert_eq!(found.map(|f| f.pk), Some(w.pk.clone()), "{op:?}");
            }
            Op::Scan => {
                fx.store(&w).await;
                let found = db
                    .scan::<Widget>()
                    .filter(
                        Widget::PK
                            .eq(upper.as_str())
                            .and(Widget::SECRET.eq("plain")),
                    )
                    .all()
                    .await
                    .unwrap();
                assert_eq!(found.len(), 1);
            }
            Op::Count => {
                fx.store(&w).await;
                let counted = db
                    .query::<Widget>()
                    .hash(upper.as_str())
                    .filter(Widget::SECRET.eq("plain"))
                    .count()
                    .await
                    .unwrap();
                assert_eq!(counted, 1);
            }
        }
    }
    fx.refusals_match_the_docs(&[]);
}

/// `get` transforms: every item read is unscrambled, whole or returned by a write; operations
/// that return no item say so in their type.
#[tokio::test]
async fn get_transforms() {
    let fx = Fixture::new("get").await;
    let db = &fx.db;
    for op in OPS {
        let w = fx.widget(op);
        match op {
            Op::Create
            | Op::Put
            | Op::Update
            | Op::Upsert
            | Op::TxCreate
            | Op::TxPut
            | Op::TxPutIf => {
                if op == Op::Update {
                    fx.store(&w).await;
                }
                let returned = write(db, op, &w).await.unwrap().unwrap();
                assert_eq!(returned.secret.as_deref(), Some("plain"), "{op:?}");
                assert_eq!(fx.raw(&w.pk).await.unwrap()["secret"], s("cynva"));
            }
            Op::BatchPut | Op::TxUpdate => {
                // Returns no item: a batch returns `()`, DynamoDB gives a transaction's update
                // nothing back.
                if op == Op::TxUpdate {
                    fx.store(&w).await;
                }
                assert_eq!(write(db, op, &w).await.unwrap(), None, "{op:?}");
            }
            Op::Delete => {
                fx.store(&w).await;
                let old = touch(db, op, &w.pk, None).await.unwrap().unwrap();
                assert_eq!(old.secret.as_deref(), Some("plain"));
            }
            Op::BatchDelete | Op::TxDelete | Op::TxCheck => {
                fx.store(&w).await;
                assert_eq!(touch(db, op, &w.pk, None).await.unwrap(), None, "{op:?}");
            }
            Op::BatchGet
            | Op::TxGet
            | Op::Get
            | Op::Query
            | Op::Scan
            | Op::Stream
            | Op::Collection => {
                fx.store(&w).await;
                let found = read(db, op, &w.pk).await.unwrap().unwrap();
                assert_eq!(found.secret.as_deref(), Some("plain"), "{op:?}");
                // A projection gets the model's transforms too.
                if op == Op::Query {
                    #[derive(Attributes, Debug, PartialEq)]
                    struct Secret {
                        secret: Option<String>,
                    }
                    let page = db
                        .query::<Widget>()
                        .hash(w.pk.as_str())
                        .select::<Secret>()
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(page.items[0].secret.as_deref(), Some("plain"));
                }
            }
            Op::Count => {
                // Counts; reads no item.
                fx.store(&w).await;
                let counted: usize = count(db, &w.pk).await.unwrap();
                assert_eq!(counted, 1);
            }
        }
    }
    fx.refusals_match_the_docs(&[]);
}

/// `force_default`: every whole-item write stores the default (7), whatever the field holds;
/// updates write what they say; a read of an item without the attribute gets the default.
#[tokio::test]
async fn force_default() {
    let fx = Fixture::new("force_default").await;
    let db = &fx.db;
    for op in OPS {
        let w = fx.widget(op);
        let nine = Widget {
            format: 9,
            ..w.clone()
        };
        match op {
            Op::Create | Op::Put | Op::BatchPut | Op::TxCreate | Op::TxPut | Op::TxPutIf => {
                write(db, op, &nine).await.unwrap();
                assert_eq!(n(&fx.raw(&w.pk).await.unwrap()["format"]), 7, "{op:?}");
            }
            Op::Update | Op::TxUpdate => {
                fx.store(&w).await;
                write(db, op, &nine).await.unwrap();
                assert_eq!(
                    n(&fx.raw(&w.pk).await.unwrap()["format"]),
                    9,
                    "{op:?}: updates write what they say"
                );
            }
            Op::Upsert => {
                // An upsert that creates the item without the attribute: read as the default.
                let created = db
                    .update(key(&w.pk))
                    .upsert()
                    .set(Widget::STOCK, 3)
                    .send()
                    .await
                    .unwrap();
                assert!(!fx.raw(&w.pk).await.unwrap().contains_key("format"));
                assert_eq!(created.format, 7);
            }
            Op::Delete => {
                let mut item = w.to_item().unwrap();
                item.remove("format");
                fx.store_raw(item).await;
                let old = touch(db, op, &w.pk, None).await.unwrap().unwrap();
                assert_eq!(old.format, 7);
            }
            Op::BatchDelete | Op::TxDelete | Op::TxCheck => {
                // Writes no item.
                fx.store(&w).await;
                touch(db, op, &w.pk, None).await.unwrap();
                assert_eq!(fx.raw(&w.pk).await.is_some(), op == Op::TxCheck, "{op:?}");
            }
            Op::BatchGet
            | Op::TxGet
            | Op::Get
            | Op::Query
            | Op::Scan
            | Op::Stream
            | Op::Collection
            | Op::Count => {
                let mut item = w.to_item().unwrap();
                item.remove("format");
                fx.store_raw(item).await;
                // Counted (a count reads no item), or read.
                if let Some(found) = read_one(db, op, &w.pk).await {
                    assert_eq!(found.format, 7, "{op:?}");
                }
            }
        }
    }
    fx.refusals_match_the_docs(&[]);
}

/// `constant`: every item written holds "WIDGET" (another value is refused before sending, an
/// upsert writes it); a read by key of an item holding another value is an error naming the
/// attribute; queries, scans and counts leave such items out (a table shared by entities).
#[tokio::test]
async fn constant() {
    let fx = Fixture::new("constant").await;
    let db = &fx.db;
    let gadget_of = |w: &Widget| {
        let mut item = w.to_item().unwrap();
        item.insert("kind".into(), s("GADGET"));
        item
    };
    let is_kind_error = |op: Op, err: &Error| {
        assert!(
            matches!(err, Error::Attribute { path, found, .. } if path == "kind" && found.starts_with("\"GADGET\"")),
            "{op:?}: {err:?}"
        )
    };
    for op in OPS {
        let w = fx.widget(op);
        let gadget = Widget {
            kind: "GADGET".into(),
            ..w.clone()
        };
        match op {
            Op::Create
            | Op::Put
            | Op::BatchPut
            | Op::TxCreate
            | Op::TxPut
            | Op::TxPutIf
            | Op::Update
            | Op::TxUpdate => {
                if matches!(op, Op::Update | Op::TxUpdate) {
                    fx.store(&w).await;
                }
                let err = fx.refused(op, write(db, op, &gadget)).await;
                assert_eq!(violated(op, &err), [("kind".to_owned(), "constant")]);
                if !matches!(op, Op::Update | Op::TxUpdate) {
                    write(db, op, &w).await.unwrap();
                }
                assert_eq!(fx.raw(&w.pk).await.unwrap()["kind"], s("WIDGET"), "{op:?}");
            }
            Op::Upsert => {
                db.update(key(&w.pk))
                    .upsert()
                    .set(Widget::STOCK, 3)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    fx.raw(&w.pk).await.unwrap()["kind"],
                    s("WIDGET"),
                    "written by the upsert"
                );
            }
            Op::Delete => {
                // The item it returns is read like any other.
                fx.store_raw(gadget_of(&w)).await;
                let err = touch(db, op, &w.pk, None).await.unwrap_err();
                is_kind_error(op, &err);
            }
            Op::BatchDelete | Op::TxDelete | Op::TxCheck => {
                // Writes no value, reads no item: nothing for the rule to check.
                fx.store(&w).await;
                assert_eq!(touch(db, op, &w.pk, None).await.unwrap(), None);
            }
            Op::BatchGet | Op::TxGet | Op::Get => {
                fx.store_raw(gadget_of(&w)).await;
                let err = read(db, op, &w.pk).await.unwrap_err();
                is_kind_error(op, &err);
            }
            Op::Query | Op::Scan | Op::Stream | Op::Collection | Op::Count => {
                fx.store_raw(gadget_of(&w)).await;
                let mut second = gadget_of(&w);
                second.insert("sk".into(), AttributeValue::N("2".into()));
                second.insert("kind".into(), s("WIDGET"));
                fx.store_raw(second).await;
                if op == Op::Count {
                    assert_eq!(count(db, &w.pk).await.unwrap(), 1);
                } else if op == Op::Scan {
                    let found = db
                        .scan::<Widget>()
                        .filter(Widget::PK.eq(w.pk.as_str()))
                        .all()
                        .await
                        .unwrap();
                    assert_eq!(found.iter().map(|f| f.sk).collect::<Vec<_>>(), [2]);
                } else {
                    let found = match op {
                        Op::Query => {
                            db.query::<Widget>()
                                .hash(w.pk.as_str())
                                .limit(1)
                                .send()
                                .await
                                .unwrap()
                                .items
                        }
                        Op::Collection => db
                            .collection::<Widgets>()
                            .hash(w.pk.as_str())
                            .limit(1)
                            .send()
                            .await
                            .unwrap()
                            .items
                            .into_iter()
                            .map(|Widgets::Widget(w)| w)
                            .collect(),
                        _ => db
                            .query::<Widget>()
                            .hash(w.pk.as_str())
                            .stream()
                            .try_collect()
                            .await
                            .unwrap(),
                    };
                    assert_eq!(
                        found.iter().map(|f| f.sk).collect::<Vec<_>>(),
                        [2],
                        "{op:?}: limit counts items of this entity"
                    );
                }
            }
        }
    }
    fx.refusals_match_the_docs(&[]);
}

/// Optimistic locking: a create stores version 1, every write bumps it, a stale put, update or
/// delete is a version conflict, inside transactions too. A batch cannot check a version:
/// `batch_put` of a versioned model does not compile
/// (tests/compile-errors/tests/ui-types/batch_versioned.rs) and `put_unchecked` bumps without
/// checking; a batch delete, like a delete without `if_version`, does not check.
#[tokio::test]
async fn version() {
    let fx = Fixture::new("version").await;
    let db = &fx.db;
    let version = |item: &Item| n(&item["version"]);
    for op in OPS {
        let w = fx.widget(op);
        match op {
            Op::Create | Op::TxCreate => {
                write(
                    db,
                    op,
                    &Widget {
                        version: 42,
                        ..w.clone()
                    },
                )
                .await
                .unwrap();
                assert_eq!(version(&fx.raw(&w.pk).await.unwrap()), 1, "{op:?}");
            }
            Op::Put | Op::TxPut | Op::TxPutIf | Op::BatchPut => {
                let stored = fx.store(&w).await;
                let stale = Widget {
                    version: 0,
                    ..w.clone()
                };
                if op == Op::BatchPut {
                    // No check: it stores the version it was given + 1.
                    write(db, op, &stale).await.unwrap();
                    assert_eq!(version(&fx.raw(&w.pk).await.unwrap()), 1);
                    continue;
                }
                let err = write(db, op, &stale).await.unwrap_err();
                match op {
                    Op::Put => assert!(
                        matches!(
                            err,
                            Error::VersionConflict {
                                expected: 0,
                                found: Some(1),
                                ..
                            }
                        ),
                        "{err:?}"
                    ),
                    _ => assert_eq!(canceled(op, &err), ["ConditionalCheckFailed"]),
                }
                write(db, op, &stored).await.unwrap();
                assert_eq!(version(&fx.raw(&w.pk).await.unwrap()), 2, "{op:?}");
            }
            Op::Update | Op::TxUpdate => {
                fx.store(&w).await;
                write(db, op, &w).await.unwrap();
                assert_eq!(version(&fx.raw(&w.pk).await.unwrap()), 2, "{op:?}");
                let err = match op {
                    Op::Update => db
                        .update(key(&w.pk))
                        .if_version(1)
                        .set(Widget::STOCK, 1)
                        .send()
                        .await
                        .map(drop),
                    _ => db
                        .transact_write()
                        .update::<Widget>(key(&w.pk), |u| u.if_version(1).set(Widget::STOCK, 1))
                        .send()
                        .await
                        .map(drop),
                }
                .unwrap_err();
                match op {
                    Op::Update => assert!(
                        matches!(
                            err,
                            Error::VersionConflict {
                                expected: 1,
                                found: Some(2),
                                ..
                            }
                        ),
                        "{err:?}"
                    ),
                    _ => assert_eq!(canceled(op, &err), ["ConditionalCheckFailed"]),
                }
            }
            Op::Upsert => {
                let created = write(db, op, &w).await.unwrap().unwrap();
                assert_eq!(created.version, 1);
            }
            Op::Delete | Op::TxDelete => {
                fx.store(&w).await;
                let err = match op {
                    Op::Delete => db.delete(key(&w.pk)).if_version(7).send().await,
                    _ => touch(db, op, &w.pk, Some(Widget::VERSION.eq(7)))
                        .await
                        .map(drop),
                }
                .unwrap_err();
                match op {
                    Op::Delete => assert!(
                        matches!(
                            err,
                            Error::VersionConflict {
                                expected: 7,
                                found: Some(1),
                                ..
                            }
                        ),
                        "{err:?}"
                    ),
                    _ => assert_eq!(canceled(op, &err), ["ConditionalCheckFailed"]),
                }
                assert!(fx.raw(&w.pk).await.is_some());
            }
            Op::BatchDelete => {
                fx.store(&w).await;
                touch(db, op, &w.pk, None).await.unwrap();
                assert_eq!(fx.raw(&w.pk).await, None);
            }
            Op::TxCheck => {
                fx.store(&w).await;
                touch(db, op, &w.pk, Some(Widget::VERSION.eq(1)))
                    .await
                    .unwrap();
                let err = touch(db, op, &w.pk, Some(Widget::VERSION.eq(0)))
                    .await
                    .unwrap_err();
                assert_eq!(canceled(op, &err), ["ConditionalCheckFailed"]);
            }
            Op::BatchGet
            | Op::TxGet
            | Op::Get
            | Op::Query
            | Op::Scan
            | Op::Stream
            | Op::Collection
            | Op::Count => {
                fx.store(&w).await;
                db.put(&fx.store_read(&w.pk).await).send().await.unwrap();
                if let Some(found) = read_one(db, op, &w.pk).await {
                    assert_eq!(found.version, 2, "{op:?}");
                }
            }
        }
    }
    fx.refusals_match_the_docs(&[Op::BatchPut]);
}

impl Fixture {
    /// The item with `pk`, read through the library.
    async fn store_read(&self, pk: &str) -> Widget {
        self.db
            .get(key(pk))
            .consistent()
            .send()
            .await
            .unwrap()
            .unwrap()
    }
}

/// `created_at` / `updated_at`: a create sets both to now; every later write sets `updated_at`
/// and keeps `created_at` (an upsert that creates the item sets it); no write stores the 1970
/// of an unset timestamp. Reads return what is stored.
#[tokio::test]
async fn timestamps() {
    let fx = Fixture::new("timestamps").await;
    let db = &fx.db;
    let stamp = |item: &Item, name: &str| match &item[name] {
        AttributeValue::S(text) => Timestamp::parse_rfc3339(text).unwrap(),
        other => panic!("{other:?}"),
    };
    for op in OPS {
        let w = fx.widget(op);
        let start = Timestamp::now();
        match op {
            Op::Create
            | Op::TxCreate
            | Op::Upsert
            | Op::Put
            | Op::BatchPut
            | Op::TxPut
            | Op::TxPutIf => {
                // A fresh struct (timestamps unset) written for the first time.
                write(db, op, &w).await.unwrap();
                let stored = fx.raw(&w.pk).await.unwrap();
                assert!(stamp(&stored, "created_at") >= start, "{op:?}");
                assert!(stamp(&stored, "updated_at") >= start, "{op:?}");
                if matches!(op, Op::Put | Op::BatchPut | Op::TxPut | Op::TxPutIf) {
                    // A later write of what was read keeps `created_at`.
                    let read = fx.store_read(&w.pk).await;
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    write(db, op, &read).await.unwrap();
                    let again = fx.raw(&w.pk).await.unwrap();
                    assert_eq!(stamp(&again, "created_at"), read.created_at, "{op:?}");
                    assert!(stamp(&again, "updated_at") > read.updated_at, "{op:?}");
                }
            }
            Op::Update | Op::TxUpdate => {
                let stored = fx.store(&w).await;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                write(db, op, &w).await.unwrap();
                let again = fx.raw(&w.pk).await.unwrap();
                assert_eq!(stamp(&again, "created_at"), stored.created_at, "{op:?}");
                assert!(stamp(&again, "updated_at") > stored.updated_at, "{op:?}");
            }
            Op::Delete => {
                let stored = fx.store(&w).await;
                let old = touch(db, op, &w.pk, None).await.unwrap().unwrap();
                assert_eq!(
                    (old.created_at, old.updated_at),
                    (stored.created_at, stored.updated_at)
                );
            }
            Op::BatchDelete | Op::TxDelete | Op::TxCheck => {
                // Writes no item.
                fx.store(&w).await;
                touch(db, op, &w.pk, None).await.unwrap();
                assert_eq!(fx.raw(&w.pk).await.is_some(), op == Op::TxCheck, "{op:?}");
            }
            Op::BatchGet
            | Op::TxGet
            | Op::Get
            | Op::Query
            | Op::Scan
            | Op::Stream
            | Op::Collection
            | Op::Count => {
                let stored = fx.store(&w).await;
                // Counted (a count reads no item), or read.
                if let Some(found) = read_one(db, op, &w.pk).await {
                    assert_eq!(
                        (found.created_at, found.updated_at),
                        (stored.created_at, stored.updated_at),
                        "{op:?}"
                    );
                }
            }
        }
    }
    fx.refusals_match_the_docs(&[]);
}

/// TTL: an expired item (still stored, waiting for DynamoDB's deletion) is absent for every
/// operation: reads do not return it, a create or a put may replace it, an update does not find
/// it, an upsert creates the item afresh, and a condition holds on it exactly when it would hold
/// on no item.
#[tokio::test]
async fn ttl_hiding() {
    let fx = Fixture::new("ttl").await;
    let db = &fx.db;
    for op in OPS {
        let w = fx.widget(op);
        let expired = Widget {
            expires: Some(ttl::now() - 60),
            note: Some("from the expired item".into()),
            stock: 50,
            ..w.clone()
        };
        fx.store(&expired).await;
        assert!(fx.raw(&w.pk).await.is_some());
        match op {
            Op::Create | Op::Put | Op::BatchPut | Op::TxCreate | Op::TxPut => {
                // A fresh item (version 0: "no item") over the expired one.
                write(db, op, &w)
                    .await
                    .unwrap_or_else(|e| panic!("{op:?}: {e}"));
                let stored = fx.store_read(&w.pk).await;
                assert_eq!((stored.note, stored.version), (None, 1), "{op:?}");
            }
            Op::TxPutIf => {
                // `note` exists only on the expired item: for the condition there is no note.
                let err = db
                    .transact_write()
                    .put_if(&w, Widget::NOTE.exists())
                    .send()
                    .await
                    .unwrap_err();
                assert_eq!(canceled(op, &err), ["ConditionalCheckFailed"]);
                write(db, op, &w).await.unwrap();
            }
            Op::Update => {
                let err = write(db, op, &w).await.unwrap_err();
                assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
            }
            Op::Upsert => {
                let created = db
                    .update(key(&w.pk))
                    .upsert()
                    .set(Widget::STOCK, 3)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    (created.stock, created.note, created.version),
                    (3, None, 1),
                    "afresh"
                );
            }
            Op::TxUpdate => {
                let err = write(db, op, &w).await.unwrap_err();
                assert_eq!(canceled(op, &err), ["ConditionalCheckFailed"]);
            }
            Op::Delete => {
                let err = touch(db, op, &w.pk, Some(Widget::NOTE.exists()))
                    .await
                    .unwrap_err();
                assert!(matches!(err, Error::ConditionFailed { .. }), "{err:?}");
                assert_eq!(
                    touch(db, op, &w.pk, None).await.unwrap(),
                    None,
                    "returns no old item"
                );
                assert_eq!(fx.raw(&w.pk).await, None);
            }
            Op::BatchDelete => {
                touch(db, op, &w.pk, None).await.unwrap();
                assert_eq!(fx.raw(&w.pk).await, None);
            }
            Op::TxDelete | Op::TxCheck => {
                let err = touch(db, op, &w.pk, Some(Widget::NOTE.exists()))
                    .await
                    .unwrap_err();
                assert_eq!(canceled(op, &err), ["ConditionalCheckFailed"]);
                touch(db, op, &w.pk, Some(Widget::NOTE.not_exists()))
                    .await
                    .unwrap_or_else(|e| panic!("{op:?}: holds on no item: {e}"));
            }
            Op::BatchGet
            | Op::TxGet
            | Op::Get
            | Op::Query
            | Op::Scan
            | Op::Stream
            | Op::Collection => {
                assert_eq!(read(db, op, &w.pk).await.unwrap(), None, "{op:?}");
            }
            Op::Count => assert_eq!(count(db, &w.pk).await.unwrap(), 0),
        }
    }
    fx.refusals_match_the_docs(&[]);
}

/// The item size limit (400 KB): a write of a larger item, or an update writing more than
/// that, is refused before sending. Deletes and reads write no item.
#[tokio::test]
async fn size_limit() {
    let fx = Fixture::new("size").await;
    let db = &fx.db;
    for op in OPS {
        let w = fx.widget(op);
        let huge = Widget {
            note: Some("x".repeat(401 * 1024)),
            ..w.clone()
        };
        match op {
            Op::Create
            | Op::Put
            | Op::BatchPut
            | Op::TxCreate
            | Op::TxPut
            | Op::TxPutIf
            | Op::Upsert
            | Op::Update
            | Op::TxUpdate => {
                if matches!(op, Op::Update | Op::TxUpdate) {
                    fx.store(&w).await;
                }
                let err = fx.refused(op, write(db, op, &huge)).await;
                assert!(
                    matches!(err, Error::ItemTooLarge { limit: 409_600, .. }),
                    "{op:?}: {err:?}"
                );
            }
            Op::Delete | Op::BatchDelete | Op::TxDelete | Op::TxCheck => {
                // Writes no item.
                fx.store(&w).await;
                touch(db, op, &w.pk, None).await.unwrap();
            }
            Op::BatchGet
            | Op::TxGet
            | Op::Get
            | Op::Query
            | Op::Scan
            | Op::Stream
            | Op::Collection => {
                // DynamoDB stores no item over the limit: there is none to read.
                fx.store(&w).await;
                assert!(read(db, op, &w.pk).await.unwrap().is_some());
            }
            Op::Count => {
                fx.store(&w).await;
                assert_eq!(count(db, &w.pk).await.unwrap(), 1);
            }
        }
    }
    fx.refusals_match_the_docs(&[]);
}

/// Key checks: an empty key value (which DynamoDB refuses) is refused before sending, by every
/// operation that takes a key, an item or a hash key; a scan takes no key, and its cursor
/// (which holds one) is checked.
#[tokio::test]
async fn key_checks() {
    let fx = Fixture::new("keys").await;
    let db = &fx.db;
    let empty = |op: Op, err: &Error| {
        assert!(
            matches!(err, Error::InvalidValue { path, .. } if in_action(op, path) == "pk"),
            "{op:?}: {err:?}"
        )
    };
    for op in OPS {
        let w = Widget {
            pk: String::new(),
            ..fx.widget(op)
        };
        match op {
            Op::Create
            | Op::Put
            | Op::BatchPut
            | Op::TxCreate
            | Op::TxPut
            | Op::TxPutIf
            | Op::Update
            | Op::Upsert
            | Op::TxUpdate => {
                let err = fx.refused(op, write(db, op, &w)).await;
                empty(op, &err);
            }
            Op::Delete | Op::BatchDelete | Op::TxDelete | Op::TxCheck => {
                let err = fx.refused(op, touch(db, op, "", None)).await;
                empty(op, &err);
            }
            Op::BatchGet | Op::TxGet | Op::Get | Op::Query | Op::Stream | Op::Collection => {
                let err = fx.refused(op, read(db, op, "")).await;
                empty(op, &err);
            }
            Op::Count => {
                let err = fx.refused(op, count(db, "")).await;
                empty(op, &err);
            }
            Op::Scan => {
                // A cursor of a query (its position is a key) does not fit a scan.
                let w = fx.widget(op);
                fx.store(&w).await;
                fx.store(&Widget { sk: 2, ..w.clone() }).await;
                let page = db
                    .query::<Widget>()
                    .hash(w.pk.as_str())
                    .limit(1)
                    .send()
                    .await
                    .unwrap();
                let cursor = page.next.expect("a second item follows");
                let err = fx
                    .refused(op, db.scan::<Widget>().start_after(cursor).send())
                    .await;
                assert!(matches!(err, Error::InvalidCursor { .. }), "{err:?}");
            }
        }
    }
    fx.refusals_match_the_docs(&[]);
}
