//! Item conversion, no server: derived `to_item` / `from_item` beside serde_dynamo and beside
//! hand-written `HashMap<String, AttributeValue>` code, measured in the same run.
//!
//! `cargo bench --bench conversion`

use std::collections::HashMap;
use std::hint::black_box;

use aws_sdk_dynamodb::types::AttributeValue;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dynamo_model::prelude::*;
use serde::{Deserialize, Serialize};

mod profile;

use profile::{hand_from_item, hand_to_item, profile, s, take_n, take_s, Item, Profile};

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
