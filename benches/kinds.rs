//! Item conversion per attribute kind, and for whole-item shapes: each a small model beside the
//! hand-written code that reads and writes the same item into the same Rust types, paired in
//! one run (`benches/paired`: the sides alternate, ratios are medians of per-round ratios with
//! their spread). A kind's model holds a string key and six attributes of the kind, so the
//! kind's own cost dominates. The hand-written side is what a competent user writes: strings
//! moved out of the consumed map, sets collected straight into the set type, no clones.
//!
//! `cargo bench --bench kinds` (`PAIRED_ONLY='set|list'` for some rows).

use std::collections::{BTreeSet, HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;

mod paired;
mod profile;

use paired::{compare, per_op, Side};
use profile::{float, int, s, take_n, take_s, Item};

/// Items per block: distinct values, so no side reads one item's memory over and over.
const ITEMS: usize = 2_000;

// Each side's conversion of one item, never inlined: under callgrind each is a function of its
// own per model (`derived_to::<Lists>`, `hand_to::<Lists>`), whose inclusive instruction count
// is that side's cost (`KINDS_ONCE=1`, see BENCHMARKS.md). The output is dropped by the caller,
// outside them, alike for both sides.

#[inline(never)]
fn derived_to<M: Model>(value: &M) -> Item {
    value.to_item().unwrap()
}

#[inline(never)]
fn hand_to<M>(to_hand: fn(&M) -> Item, value: &M) -> Item {
    to_hand(value)
}

#[inline(never)]
fn derived_from<M: Model>(item: Item) -> M {
    M::from_item(item).unwrap()
}

#[inline(never)]
fn hand_from<M>(from_hand: fn(Item) -> Result<M, String>, item: Item) -> M {
    from_hand(item).unwrap()
}

/// Both directions of one model against its hand-written pair; prints two lines. With
/// `KINDS_ONCE` set, each side converts the items once, untimed, for callgrind (only the model
/// labelled `PAIRED_ONLY`, when set: `benches/kinds.sh` counts each row so).
fn both_ways<M: Model + PartialEq + std::fmt::Debug>(
    label: &str,
    values: &[M],
    to_hand: fn(&M) -> Item,
    from_hand: fn(Item) -> Result<M, String>,
) {
    let items: Vec<Item> = values.iter().map(|v| v.to_item().unwrap()).collect();
    for (value, item) in values.iter().zip(&items) {
        assert_eq!(
            item,
            &to_hand(value),
            "{label}: the sides build the same item"
        );
        assert_eq!(&from_hand(item.clone()).unwrap(), value, "{label}");
        assert_eq!(&M::from_item(item.clone()).unwrap(), value, "{label}");
    }
    let refs = || values.iter().collect::<Vec<&M>>();
    let owned = || items.clone();
    if std::env::var_os("KINDS_ONCE").is_some() {
        if std::env::var("PAIRED_ONLY").is_ok_and(|only| only != label) {
            return;
        }
        per_op(refs, derived_to);
        per_op(refs, |v| hand_to(to_hand, v));
        per_op(owned, derived_from::<M>);
        per_op(owned, |i| hand_from(from_hand, i));
        return;
    }
    let mut sides = vec![
        Side::new("derived", || per_op(refs, derived_to)),
        Side::new("hand", || per_op(refs, |v| hand_to(to_hand, v))),
    ];
    compare(&format!("{label} to_item"), &mut sides, &[(0, 1)]);
    let mut sides = vec![
        Side::new("derived", || per_op(owned, derived_from::<M>)),
        Side::new("hand", || per_op(owned, |i| hand_from(from_hand, i))),
    ];
    compare(&format!("{label} from_item"), &mut sides, &[(0, 1)]);
}

/// A model of one kind: `id` and six attributes `a`..`f` of type `$ty`; `$make(i, k)` makes
/// the k-th value of the i-th item, `$to(&value) -> Option<AttributeValue>` and
/// `$from(Option<AttributeValue>) -> Result<$ty, String>` are the hand-written conversions.
macro_rules! kind {
    ($label:literal, $model:ident, $ty:ty, $make:expr, $to:expr, $from:expr) => {{
        #[derive(Model, Debug, Clone, PartialEq)]
        #[dynamo(table = "kinds")]
        struct $model {
            #[dynamo(hash_key)]
            id: String,
            a: $ty,
            b: $ty,
            c: $ty,
            d: $ty,
            e: $ty,
            f: $ty,
        }
        let make: fn(usize, usize) -> $ty = $make;
        let values: Vec<$model> = (0..ITEMS)
            .map(|i| $model {
                id: format!("item-{i:06}"),
                a: make(i, 0),
                b: make(i, 1),
                c: make(i, 2),
                d: make(i, 3),
                e: make(i, 4),
                f: make(i, 5),
            })
            .collect();
        fn to_hand(m: &$model) -> Item {
            let to: fn(&$ty) -> Option<AttributeValue> = $to;
            let mut item = HashMap::with_capacity(7);
            item.insert("id".to_owned(), s(&m.id));
            for (name, value) in [
                ("a", &m.a),
                ("b", &m.b),
                ("c", &m.c),
                ("d", &m.d),
                ("e", &m.e),
                ("f", &m.f),
            ] {
                if let Some(value) = to(value) {
                    item.insert(name.to_owned(), value);
                }
            }
            item
        }
        fn from_hand(mut item: Item) -> Result<$model, String> {
            let from: fn(Option<AttributeValue>) -> Result<$ty, String> = $from;
            Ok($model {
                id: take_s(&mut item, "id")?,
                a: from(item.remove("a"))?,
                b: from(item.remove("b"))?,
                c: from(item.remove("c"))?,
                d: from(item.remove("d"))?,
                e: from(item.remove("e"))?,
                f: from(item.remove("f"))?,
            })
        }
        both_ways($label, &values, to_hand, from_hand);
    }};
}

fn string(value: Option<AttributeValue>) -> Result<String, String> {
    match value {
        Some(AttributeValue::S(s)) => Ok(s),
        other => Err(format!("expected S, found {other:?}")),
    }
}

fn number<T: std::str::FromStr>(value: Option<AttributeValue>) -> Result<T, String> {
    match value {
        Some(AttributeValue::N(n)) => n.parse().map_err(|_| "bad number".to_owned()),
        other => Err(format!("expected N, found {other:?}")),
    }
}

fn string_set<C: FromIterator<String>>(value: Option<AttributeValue>) -> Result<C, String> {
    match value {
        Some(AttributeValue::Ss(members)) => Ok(members.into_iter().collect()),
        None => Ok(std::iter::empty().collect()),
        other => Err(format!("expected SS, found {other:?}")),
    }
}

fn set_of<'a>(members: impl Iterator<Item = &'a String>) -> Option<AttributeValue> {
    let members: Vec<String> = members.cloned().collect();
    (!members.is_empty()).then_some(AttributeValue::Ss(members))
}

fn words(i: usize, k: usize, n: usize) -> Vec<String> {
    (0..n).map(|w| format!("word-{i}-{k}-{w}")).collect()
}

/// A nested document: three strings, stored as a map.
#[derive(Attributes, Debug, Clone, PartialEq)]
struct Address {
    street: String,
    city: String,
    country: String,
}

fn address(i: usize, k: usize) -> Address {
    Address {
        street: format!("{i} Long Street, flat {k}"),
        city: format!("City {}", i % 50),
        country: "GB".into(),
    }
}

fn hand_address(a: &Address) -> AttributeValue {
    let mut map = HashMap::with_capacity(3);
    map.insert("street".to_owned(), s(&a.street));
    map.insert("city".to_owned(), s(&a.city));
    map.insert("country".to_owned(), s(&a.country));
    AttributeValue::M(map)
}

fn hand_address_from(value: Option<AttributeValue>) -> Result<Address, String> {
    match value {
        Some(AttributeValue::M(mut map)) => Ok(Address {
            street: take_s(&mut map, "street")?,
            city: take_s(&mut map, "city")?,
            country: take_s(&mut map, "country")?,
        }),
        other => Err(format!("expected M, found {other:?}")),
    }
}

fn kinds() {
    kind!(
        "string",
        Strings,
        String,
        |i, k| format!("value {i} of {k}, some text"),
        |v| Some(s(v)),
        string
    );
    kind!(
        "integer (u32)",
        Integers,
        u32,
        |i, k| (i * 7919 + k * 104_729) as u32,
        |v| Some(int(*v)),
        number
    );
    kind!(
        "float (f64)",
        Floats,
        f64,
        |i, k| (i as f64 + 0.25) * (k as f64 + 1.5),
        |v| Some(float(*v)),
        number
    );
    kind!(
        "bool",
        Bools,
        bool,
        |i, k| (i + k) % 2 == 0,
        |v| Some(AttributeValue::Bool(*v)),
        |v| match v {
            Some(AttributeValue::Bool(b)) => Ok(b),
            other => Err(format!("expected BOOL, found {other:?}")),
        }
    );
    kind!(
        "string set (HashSet)",
        HashSets,
        HashSet<String>,
        |i, k| words(i, k, 4).into_iter().collect(),
        |v| set_of(v.iter()),
        string_set
    );
    kind!(
        "string set (BTreeSet)",
        BTreeSets,
        BTreeSet<String>,
        |i, k| words(i, k, 4).into_iter().collect(),
        |v| set_of(v.iter()),
        string_set
    );
    kind!(
        "list of strings",
        Lists,
        Vec<String>,
        |i, k| words(i, k, 4),
        |v| Some(AttributeValue::L(v.iter().map(|w| s(w)).collect())),
        |v| match v {
            Some(AttributeValue::L(list)) => list.into_iter().map(|w| string(Some(w))).collect(),
            other => Err(format!("expected L, found {other:?}")),
        }
    );
    kind!(
        "nested struct (map)",
        Nested,
        Address,
        address,
        |v| Some(hand_address(v)),
        hand_address_from
    );
    kind!(
        "Option<String> present",
        Present,
        Option<String>,
        |i, k| Some(format!("maybe {i} {k}")),
        |v| v.as_deref().map(s),
        |v| v.map(|v| string(Some(v))).transpose()
    );
    kind!(
        "Option<String> absent",
        Absent,
        Option<String>,
        |_, _| None,
        |v| v.as_deref().map(s),
        |v| v.map(|v| string(Some(v))).transpose()
    );
    kind!(
        "Timestamp",
        Times,
        Timestamp,
        |i, k| Timestamp::from_millis(1_790_000_000_000 + (i * 6 + k) as i64 * 1_337),
        |v| Some(AttributeValue::S(v.to_string())),
        |v| string(v)?.parse().map_err(|_| "bad time".to_owned())
    );
}

/// The shape of issue 31: 12 attributes of every common kind.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "mixed")]
struct Mixed {
    #[dynamo(hash_key)]
    pk: String,
    #[dynamo(range_key)]
    sk: String,
    name: String,
    email: String,
    count: u32,
    score: f64,
    active: bool,
    tags: HashSet<String>,
    lines: Vec<String>,
    address: Address,
    note: Option<String>,
}

fn mixed(i: usize) -> Mixed {
    Mixed {
        pk: format!("USER#{i:06}"),
        sk: format!("PROFILE#{}", i % 13),
        name: format!("User number {i}"),
        email: format!("user{i}@example.com"),
        count: (i * 31) as u32,
        score: i as f64 * 0.75 + 0.5,
        active: !i.is_multiple_of(3),
        tags: words(i, 0, 3).into_iter().collect(),
        lines: words(i, 1, 4),
        address: address(i, 0),
        note: Some(format!("note for {i}")),
    }
}

fn hand_mixed_to(m: &Mixed) -> Item {
    let mut item = HashMap::with_capacity(11);
    item.insert("pk".to_owned(), s(&m.pk));
    item.insert("sk".to_owned(), s(&m.sk));
    item.insert("name".to_owned(), s(&m.name));
    item.insert("email".to_owned(), s(&m.email));
    item.insert("count".to_owned(), int(m.count));
    item.insert("score".to_owned(), float(m.score));
    item.insert("active".to_owned(), AttributeValue::Bool(m.active));
    if let Some(tags) = set_of(m.tags.iter()) {
        item.insert("tags".to_owned(), tags);
    }
    item.insert(
        "lines".to_owned(),
        AttributeValue::L(m.lines.iter().map(|l| s(l)).collect()),
    );
    item.insert("address".to_owned(), hand_address(&m.address));
    if let Some(note) = &m.note {
        item.insert("note".to_owned(), s(note));
    }
    item
}

fn hand_mixed_from(mut item: Item) -> Result<Mixed, String> {
    Ok(Mixed {
        pk: take_s(&mut item, "pk")?,
        sk: take_s(&mut item, "sk")?,
        name: take_s(&mut item, "name")?,
        email: take_s(&mut item, "email")?,
        count: take_n(&mut item, "count")?,
        score: take_n(&mut item, "score")?,
        active: match item.remove("active") {
            Some(AttributeValue::Bool(b)) => b,
            other => return Err(format!("active: expected BOOL, found {other:?}")),
        },
        tags: string_set(item.remove("tags"))?,
        lines: match item.remove("lines") {
            Some(AttributeValue::L(list)) => list
                .into_iter()
                .map(|w| string(Some(w)))
                .collect::<Result<_, _>>()?,
            other => return Err(format!("lines: expected L, found {other:?}")),
        },
        address: hand_address_from(item.remove("address"))?,
        note: item.remove("note").map(|v| string(Some(v))).transpose()?,
    })
}

fn main() {
    println!(
        "\nper item: median time of each side; ratios: median of {} per-round ratios (lowest-highest)",
        paired::ROUNDS
    );
    kinds();
    let values: Vec<Mixed> = (0..ITEMS).map(mixed).collect();
    both_ways(
        "shape: 12 mixed attributes",
        &values,
        hand_mixed_to,
        hand_mixed_from,
    );
}
