//! Item conversion, no server: derived `to_item` / `from_item` beside serde_dynamo and beside
//! hand-written `HashMap<String, AttributeValue>` code, measured in the same run.
//!
//! `cargo bench --bench conversion`

use std::collections::{HashMap, HashSet};
use std::hint::black_box;

use aws_sdk_dynamodb::types::AttributeValue;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dynamo_model::prelude::*;
use serde::{Deserialize, Serialize};

type Item = HashMap<String, AttributeValue>;

/// A realistic profile item: 12 attributes of the usual kinds.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynamo(table = "profiles")]
struct Profile {
    #[dynamo(hash_key)]
    pk: String,
    #[dynamo(range_key)]
    sk: String,
    email: String,
    name: String,
    age: u32,
    balance: f64,
    active: bool,
    tags: HashSet<String>,
    recent: Vec<String>,
    address: HashMap<String, String>,
    nickname: Option<String>,
    created_at: i64,
}

fn profile() -> Profile {
    Profile {
        pk: "user#4f1c2a9e".into(),
        sk: "profile".into(),
        email: "ada.lovelace@example.com".into(),
        name: "Ada Lovelace".into(),
        age: 36,
        balance: 1234.56,
        active: true,
        tags: ["admin", "beta", "math"].map(String::from).into(),
        recent: ["order#1", "order#2", "order#3", "order#4"]
            .map(String::from)
            .into(),
        address: [
            ("city", "London"),
            ("zip", "W1"),
            ("street", "St James's Square"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into(),
        nickname: Some("countess".into()),
        created_at: 1_700_000_000_123,
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// What a careful user writes by hand with aws-sdk-dynamodb.
fn hand_to_item(p: &Profile) -> Item {
    let mut item = HashMap::with_capacity(12);
    item.insert("pk".to_owned(), s(&p.pk));
    item.insert("sk".to_owned(), s(&p.sk));
    item.insert("email".to_owned(), s(&p.email));
    item.insert("name".to_owned(), s(&p.name));
    item.insert("age".to_owned(), AttributeValue::N(p.age.to_string()));
    item.insert(
        "balance".to_owned(),
        AttributeValue::N(p.balance.to_string()),
    );
    item.insert("active".to_owned(), AttributeValue::Bool(p.active));
    if !p.tags.is_empty() {
        item.insert(
            "tags".to_owned(),
            AttributeValue::Ss(p.tags.iter().cloned().collect()),
        );
    }
    item.insert(
        "recent".to_owned(),
        AttributeValue::L(p.recent.iter().map(|r| s(r)).collect()),
    );
    item.insert(
        "address".to_owned(),
        AttributeValue::M(p.address.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
    );
    if let Some(nickname) = &p.nickname {
        item.insert("nickname".to_owned(), s(nickname));
    }
    item.insert(
        "created_at".to_owned(),
        AttributeValue::N(p.created_at.to_string()),
    );
    item
}

fn take_s(item: &mut Item, name: &str) -> Result<String, String> {
    match item.remove(name) {
        Some(AttributeValue::S(s)) => Ok(s),
        other => Err(format!("{name}: expected S, found {other:?}")),
    }
}

fn take_n<T: std::str::FromStr>(item: &mut Item, name: &str) -> Result<T, String> {
    match item.remove(name) {
        Some(AttributeValue::N(n)) => n.parse().map_err(|_| format!("{name}: bad number")),
        other => Err(format!("{name}: expected N, found {other:?}")),
    }
}

fn hand_from_item(mut item: Item) -> Result<Profile, String> {
    Ok(Profile {
        pk: take_s(&mut item, "pk")?,
        sk: take_s(&mut item, "sk")?,
        email: take_s(&mut item, "email")?,
        name: take_s(&mut item, "name")?,
        age: take_n(&mut item, "age")?,
        balance: take_n(&mut item, "balance")?,
        active: match item.remove("active") {
            Some(AttributeValue::Bool(b)) => b,
            other => return Err(format!("active: expected BOOL, found {other:?}")),
        },
        tags: match item.remove("tags") {
            Some(AttributeValue::Ss(tags)) => tags.into_iter().collect(),
            None => HashSet::new(),
            other => return Err(format!("tags: expected SS, found {other:?}")),
        },
        recent: match item.remove("recent") {
            Some(AttributeValue::L(list)) => list
                .into_iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s),
                    other => Err(format!("recent: expected S, found {other:?}")),
                })
                .collect::<Result<_, _>>()?,
            other => return Err(format!("recent: expected L, found {other:?}")),
        },
        address: match item.remove("address") {
            Some(AttributeValue::M(map)) => map
                .into_iter()
                .map(|(k, v)| match v {
                    AttributeValue::S(s) => Ok((k, s)),
                    other => Err(format!("address: expected S, found {other:?}")),
                })
                .collect::<Result<_, _>>()?,
            other => return Err(format!("address: expected M, found {other:?}")),
        },
        nickname: match item.remove("nickname") {
            Some(AttributeValue::S(s)) => Some(s),
            None | Some(AttributeValue::Null(_)) => None,
            other => return Err(format!("nickname: expected S, found {other:?}")),
        },
        created_at: take_n(&mut item, "created_at")?,
    })
}

/// An item whose size is set by a list of 32-byte lines, to show how cost grows with size.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynamo(table = "documents")]
struct Document {
    #[dynamo(hash_key)]
    id: String,
    version: u64,
    lines: Vec<String>,
}

fn document(bytes: usize) -> Document {
    Document {
        id: "doc#1".into(),
        version: 7,
        lines: (0..bytes / 32).map(|i| format!("{i:0>31}.")).collect(),
    }
}

fn hand_document_to_item(d: &Document) -> Item {
    let mut item = HashMap::with_capacity(3);
    item.insert("id".to_owned(), s(&d.id));
    item.insert(
        "version".to_owned(),
        AttributeValue::N(d.version.to_string()),
    );
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

fn conversion(c: &mut Criterion) {
    let p = profile();
    let item = p.to_item().unwrap();
    assert_eq!(item, hand_to_item(&p), "the baselines build the same item");
    assert_eq!(hand_from_item(item.clone()).unwrap(), p);

    let mut group = c.benchmark_group("profile/to_item");
    group.bench_function("derived", |b| b.iter(|| black_box(&p).to_item().unwrap()));
    group.bench_function("serde_dynamo", |b| {
        b.iter(|| serde_dynamo::to_item::<_, Item>(black_box(&p)).unwrap())
    });
    group.bench_function("hand_written", |b| b.iter(|| hand_to_item(black_box(&p))));
    group.finish();

    let mut group = c.benchmark_group("profile/from_item");
    group.bench_function("derived", |b| {
        b.iter_batched(
            || item.clone(),
            |i| Profile::from_item(i).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("serde_dynamo", |b| {
        b.iter_batched(
            || item.clone(),
            |i| serde_dynamo::from_item::<_, Profile>(i).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("hand_written", |b| {
        b.iter_batched(
            || item.clone(),
            |i| hand_from_item(i).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    for size in [1024, 10 * 1024, 100 * 1024] {
        let d = document(size);
        let item = d.to_item().unwrap();
        assert_eq!(item, hand_document_to_item(&d));
        let label = format!("{}KB", size / 1024);
        let mut group = c.benchmark_group(format!("document_{label}/to_item"));
        group.bench_function("derived", |b| b.iter(|| black_box(&d).to_item().unwrap()));
        group.bench_function("serde_dynamo", |b| {
            b.iter(|| serde_dynamo::to_item::<_, Item>(black_box(&d)).unwrap())
        });
        group.bench_function("hand_written", |b| {
            b.iter(|| hand_document_to_item(black_box(&d)))
        });
        group.finish();

        let mut group = c.benchmark_group(format!("document_{label}/from_item"));
        let batch = if size > 10 * 1024 {
            BatchSize::LargeInput
        } else {
            BatchSize::SmallInput
        };
        group.bench_function("derived", |b| {
            b.iter_batched(|| item.clone(), |i| Document::from_item(i).unwrap(), batch)
        });
        group.bench_function("serde_dynamo", |b| {
            b.iter_batched(
                || item.clone(),
                |i| serde_dynamo::from_item::<_, Document>(i).unwrap(),
                batch,
            )
        });
        group.bench_function("hand_written", |b| {
            b.iter_batched(
                || item.clone(),
                |i| hand_document_from_item(i).unwrap(),
                batch,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, conversion);
criterion_main!(benches);
