//! Item conversion, no server: derived `to_item` / `from_item` beside serde_dynamo and beside
//! hand-written `HashMap<String, AttributeValue>` code, paired in one run (`benches/paired`:
//! the sides alternate, each ratio is the median of per-round ratios with its spread).
//!
//! Each block converts distinct items (2,000 profiles; for documents, enough for ~4 ms), so
//! that no side reads one item's memory from cache over and over; items a conversion consumes
//! are cloned before the clock starts.
//!
//! `cargo bench --bench conversion`

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use serde::{Deserialize, Serialize};

mod paired;
mod profile;

use paired::{compare, per_op, Side};
use profile::{hand_from_item, hand_to_item, int, profiles, s, take_n, take_s, Item};

/// An item whose size is set by a list of 32-byte strings, to show how cost grows with size.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynamo(table = "documents")]
struct Document {
    #[dynamo(hash_key)]
    id: String,
    version: u64,
    lines: Vec<String>,
}

fn documents(bytes: usize, n: usize) -> Vec<Document> {
    (0..n)
        .map(|d| Document {
            id: format!("doc#{d}"),
            version: 7,
            lines: (0..bytes / 32)
                .map(|i| format!("{d:0>8}{i:0>23}."))
                .collect(),
        })
        .collect()
}

fn hand_document_to_item(d: &Document) -> Item {
    let mut item = HashMap::with_capacity(3);
    item.insert("id".to_owned(), s(&d.id));
    item.insert("version".to_owned(), int(d.version));
    item.insert(
        "lines".to_owned(),
        AttributeValue::L(d.lines.iter().map(|l| s(l)).collect()),
    );
    item
}

fn hand_document_from_item(mut item: Item) -> Result<Document, String> {
    Ok(Document {
        id: take_s(&mut item, "id")?,
        version: take_n(&mut item, "version")?,
        lines: match item.remove("lines") {
            Some(AttributeValue::L(list)) => list
                .into_iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s),
                    other => Err(format!("lines: expected S, found {other:?}")),
                })
                .collect::<Result<_, _>>()?,
            other => return Err(format!("lines: expected L, found {other:?}")),
        },
    })
}

/// An order in a single-table design: its keys and an index key composed from fields by
/// templates, the fields stored too.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(
    table = "store",
    hash_key = "CUSTOMER#{customer_id}",
    range_key = "ORDER#{placed_at}#{order_id}"
)]
#[dynamo(gsi(
    name = "by_status",
    hash = "STATUS#{status}",
    range = "{placed_at}#{order_id}"
))]
struct Order {
    customer_id: String,
    placed_at: Timestamp,
    order_id: String,
    #[dynamo(constant = "Order")]
    kind: String,
    status: Option<String>,
    total: u64,
    note: String,
}

fn orders(n: usize) -> Vec<Order> {
    (0..n)
        .map(|i| Order {
            customer_id: format!("customer-{}", i % 97),
            placed_at: Timestamp::from_millis(1_796_000_000_000 + i as i64 * 1_000),
            order_id: format!("order-{i:06}"),
            kind: "Order".into(),
            status: (i % 3 != 0).then(|| "OPEN".to_owned()),
            total: i as u64 * 13,
            note: format!("deliver to the back door, order {i}"),
        })
        .collect()
}

/// What a careful user writes for the same item: the keys with `format!` (the ids hold no
/// separator, so nothing needs escaping), the time as RFC 3339 text.
fn hand_order_to_item(o: &Order) -> Item {
    let placed_at = o.placed_at.to_string();
    let mut item = HashMap::with_capacity(12);
    item.insert("customer_id".to_owned(), s(&o.customer_id));
    item.insert("placed_at".to_owned(), s(&placed_at));
    item.insert("order_id".to_owned(), s(&o.order_id));
    item.insert("kind".to_owned(), s("Order"));
    // The index is sparse as a whole: its keys are stored only when the order has a status.
    if let Some(status) = &o.status {
        item.insert("status".to_owned(), s(status));
        item.insert(
            "by_status_pk".to_owned(),
            AttributeValue::S(format!("STATUS#{status}")),
        );
        item.insert(
            "by_status_sk".to_owned(),
            AttributeValue::S(format!("{placed_at}#{}", o.order_id)),
        );
    }
    item.insert("total".to_owned(), int(o.total));
    item.insert("note".to_owned(), s(&o.note));
    item.insert(
        "pk".to_owned(),
        AttributeValue::S(format!("CUSTOMER#{}", o.customer_id)),
    );
    item.insert(
        "sk".to_owned(),
        AttributeValue::S(format!("ORDER#{placed_at}#{}", o.order_id)),
    );
    item
}

fn hand_order_from_item(mut item: Item) -> Result<Order, String> {
    let placed_at = take_s(&mut item, "placed_at")?;
    Ok(Order {
        customer_id: take_s(&mut item, "customer_id")?,
        placed_at: placed_at
            .parse()
            .map_err(|_| "placed_at: bad time".to_owned())?,
        order_id: take_s(&mut item, "order_id")?,
        kind: take_s(&mut item, "kind")?,
        status: match item.remove("status") {
            Some(AttributeValue::S(status)) => Some(status),
            None => None,
            other => return Err(format!("status: expected S, found {other:?}")),
        },
        total: take_n(&mut item, "total")?,
        note: take_s(&mut item, "note")?,
    })
}

/// The serde_dynamo side of a comparison, for a model serde can write as the derive does.
struct SerdeSide<M> {
    to: fn(&M) -> Item,
    from: fn(Item) -> M,
}

fn serde_side<M: Serialize + serde::de::DeserializeOwned>() -> Option<SerdeSide<M>> {
    Some(SerdeSide {
        to: |v| serde_dynamo::to_item(v).unwrap(),
        from: |i| serde_dynamo::from_item(i).unwrap(),
    })
}

/// Both directions of one kind of item. Sides: 0 derived, 1 hand-written, and 2 serde_dynamo
/// when given (not for a model whose keys are composed, which serde_dynamo cannot write);
/// ratios derived / hand-written and serde_dynamo / derived.
fn both_ways<M: Model + PartialEq + std::fmt::Debug>(
    label: &str,
    values: &[M],
    to_hand: fn(&M) -> Item,
    from_hand: fn(Item) -> Result<M, String>,
    serde: Option<SerdeSide<M>>,
) {
    let items: Vec<Item> = values.iter().map(|v| v.to_item().unwrap()).collect();
    for (value, item) in values.iter().zip(&items) {
        assert_eq!(item, &to_hand(value), "the baselines build the same item");
        assert_eq!(&from_hand(item.clone()).unwrap(), value);
        assert_eq!(&M::from_item(item.clone()).unwrap(), value);
    }
    let ratios: &[(usize, usize)] = if serde.is_some() {
        &[(0, 1), (2, 0)]
    } else {
        &[(0, 1)]
    };
    let refs = || values.iter().collect::<Vec<&M>>();
    let mut sides = vec![
        Side::new("derived", || per_op(refs, |v| v.to_item().unwrap())),
        Side::new("hand", || per_op(refs, to_hand)),
    ];
    if let Some(serde) = &serde {
        sides.push(Side::new("serde_dynamo", || per_op(refs, serde.to)));
    }
    compare(&format!("{label} to_item"), &mut sides, ratios);
    let owned = || items.clone();
    let mut sides = vec![
        Side::new("derived", || per_op(owned, |i| M::from_item(i).unwrap())),
        Side::new("hand", || per_op(owned, |i| from_hand(i).unwrap())),
    ];
    if let Some(serde) = &serde {
        sides.push(Side::new("serde_dynamo", || per_op(owned, serde.from)));
    }
    compare(&format!("{label} from_item"), &mut sides, ratios);
}

fn main() {
    println!(
        "\nper item: median time of each side; ratios: median of {} per-round ratios (lowest-highest)",
        paired::ROUNDS
    );
    both_ways(
        "profile",
        &profiles(2_000),
        hand_to_item,
        hand_from_item,
        serde_side(),
    );
    for (kib, n) in [(1, 1_000), (10, 200), (100, 20)] {
        both_ways(
            &format!("document {kib} KB"),
            &documents(kib * 1024, n),
            hand_document_to_item,
            hand_document_from_item,
            serde_side(),
        );
    }
    both_ways(
        "order with key templates",
        &orders(2_000),
        hand_order_to_item,
        hand_order_from_item,
        None,
    );
}
