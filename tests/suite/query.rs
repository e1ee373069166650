//! Query and scan against DynamoDB Local, over more than 1 MB so that DynamoDB itself pages.

use crate::common;

use std::collections::HashSet;

use dynamo_model::prelude::*;
use futures::{StreamExt, TryStreamExt};
use tokio::sync::OnceCell;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "events")]
#[dynamo(gsi(name = "by_kind", hash = "kind", range = "at"))]
#[dynamo(lsi(name = "by_score", range = "score"))]
pub struct Event {
    #[dynamo(hash_key)]
    stream: String,
    #[dynamo(range_key)]
    seq: u32,
    kind: String,
    at: i64,
    score: u32,
    body: String,
}

#[derive(Attributes, Debug, Clone, PartialEq)]
pub struct Summary {
    seq: u32,
    kind: String,
}

const ITEMS: u32 = 1200;
const RARE: u32 = ITEMS / 10;

fn event(seq: u32) -> Event {
    Event {
        stream: "big".into(),
        seq,
        kind: if seq.is_multiple_of(10) {
            "rare"
        } else {
            "common"
        }
        .into(),
        at: i64::from(ITEMS - seq),
        score: (seq * 7919) % 1000,
        // 1.5 KB each: 1,200 items are about 1.8 MB, so DynamoDB pages at 1 MB.
        body: "x".repeat(1500),
    }
}

static SEEDED: OnceCell<()> = OnceCell::const_new();

/// One table for the whole binary, seeded once; each test gets its own client.
async fn db() -> Db {
    SEEDED
        .get_or_init(|| async {
            let db = common::db("query").await;
            db.create_table::<Event>().send().await.unwrap();
            let db = &db;
            futures::stream::iter(0..ITEMS)
                .map(|seq| async move { db.put(&event(seq)).send().await })
                .buffer_unordered(32)
                .try_collect::<Vec<_>>()
                .await
                .unwrap();
            db.put(&Event {
                stream: "small".into(),
                ..event(0)
            })
            .send()
            .await
            .unwrap();
        })
        .await;
    common::db("query").await
}

fn seqs(events: &[Event]) -> Vec<u32> {
    events.iter().map(|e| e.seq).collect()
}

#[tokio::test]
async fn all_items_in_key_order_ascending_and_descending() {
    let db = db().await;
    let first = db.query::<Event>().hash("big").send().await.unwrap();
    assert!(first.next.is_some(), "DynamoDB pages at 1 MB");
    assert!(
        first.items.len() < ITEMS as usize,
        "{} items in one page",
        first.items.len()
    );

    let all = db.query::<Event>().hash("big").all().await.unwrap();
    assert_eq!(seqs(&all), (0..ITEMS).collect::<Vec<_>>());
    assert_eq!(all[5], event(5));
    let all = db
        .query::<Event>()
        .hash("big")
        .descending()
        .all()
        .await
        .unwrap();
    assert_eq!(seqs(&all), (0..ITEMS).rev().collect::<Vec<_>>());
}

#[tokio::test]
async fn pages_of_exactly_limit_through_string_cursors() {
    let db = db().await;
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let mut query = db.query::<Event>().hash("big").limit(100);
        if let Some(text) = cursor.take() {
            query = query.start_after(text.parse().unwrap());
        }
        let page = query.send().await.unwrap();
        pages += 1;
        seen.extend(seqs(&page.items));
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), 100);
                cursor = Some(next.to_string());
            }
            None => break,
        }
    }
    assert_eq!(pages, 12);
    assert_eq!(seen, (0..ITEMS).collect::<Vec<_>>());
}

#[tokio::test]
async fn limit_with_a_selective_filter_returns_exactly_n_matches_per_page() {
    let db = db().await;
    let rare = (0..ITEMS)
        .filter(|s| s.is_multiple_of(10))
        .collect::<Vec<_>>();
    for descending in [false, true] {
        let mut start: Option<Cursor> = None;
        let mut seen = Vec::new();
        loop {
            let mut query = db
                .query::<Event>()
                .hash("big")
                .filter(Event::KIND.eq("rare"))
                .page_size(50)
                .limit(7);
            if descending {
                query = query.descending();
            }
            if let Some(cursor) = start.take() {
                query = query.start_after(cursor);
            }
            let page = query.send().await.unwrap();
            assert!(page.items.iter().all(|e| e.kind == "rare"));
            seen.extend(seqs(&page.items));
            match page.next {
                Some(next) => {
                    assert_eq!(page.items.len(), 7);
                    start = Some(next);
                }
                None => break,
            }
        }
        let mut expected = rare.clone();
        if descending {
            expected.reverse();
        }
        assert_eq!(seen, expected);
    }
    let limited = db
        .query::<Event>()
        .hash("big")
        .filter(Event::KIND.eq("rare"))
        .limit(33)
        .all()
        .await
        .unwrap();
    assert_eq!(limited.len(), 33);
}

#[tokio::test]
async fn first_and_one_read_at_most_one_or_two_items() {
    let db = db().await;
    let first = db
        .query::<Event>()
        .hash("big")
        .descending()
        .first()
        .await
        .unwrap();
    assert_eq!(first.map(|e| e.seq), Some(ITEMS - 1));
    let none = db.query::<Event>().hash("nothing").first().await.unwrap();
    assert!(none.is_none());
    let one = db
        .query::<Event>()
        .hash("big")
        .range(Event::SEQ.eq(7))
        .one()
        .await
        .unwrap();
    assert_eq!(one.map(|e| e.seq), Some(7));
    assert!(db
        .query::<Event>()
        .hash("nothing")
        .one()
        .await
        .unwrap()
        .is_none());
    let err = db.query::<Event>().hash("big").one().await.unwrap_err();
    assert!(matches!(err, Error::MoreThanOne { .. }), "{err:?}");
    assert!(
        err.to_string().contains("use `first()`") || err.to_string().contains("first()"),
        "{err}"
    );
}

#[tokio::test]
async fn range_conditions_and_counts() {
    let db = db().await;
    let between = db
        .query::<Event>()
        .hash("big")
        .range(Event::SEQ.between(10, 19))
        .all()
        .await
        .unwrap();
    assert_eq!(seqs(&between), (10..=19).collect::<Vec<_>>());
    let below = db
        .query::<Event>()
        .hash("big")
        .range(Event::SEQ.lt(3))
        .all()
        .await
        .unwrap();
    assert_eq!(seqs(&below), [0, 1, 2]);
    let at_or_above = db
        .query::<Event>()
        .hash("big")
        .range(Event::SEQ.ge(1195))
        .count()
        .await
        .unwrap();
    assert_eq!(at_or_above, 5);
    assert_eq!(
        db.query::<Event>().hash("big").count().await.unwrap(),
        ITEMS as usize
    );
    assert_eq!(
        db.query::<Event>()
            .hash("big")
            .filter(Event::KIND.eq("rare"))
            .count()
            .await
            .unwrap(),
        RARE as usize
    );
    assert_eq!(
        db.query::<Event>().hash("nobody").all().await.unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn invalid_queries_are_refused_before_sending() {
    let db = db().await;
    let refused = |result: Result<_, Error>| match result {
        Err(Error::InvalidRequest { message }) => message,
        other => panic!("expected InvalidRequest, got {other:?}"),
    };
    assert!(refused(db.query::<Event>().request()).contains("needs its hash key"));
    assert!(refused(
        db.query::<Event>()
            .hash("big")
            .range(Event::KIND.eq("x"))
            .request()
    )
    .contains("range key `seq`"));
    assert!(refused(
        db.query::<Event>()
            .hash("big")
            .range(Event::SEQ.ne(1))
            .request()
    )
    .contains("range key"));
    assert!(refused(
        db.query::<Event>()
            .hash("big")
            .range(Event::SEQ.gt(1).and(Event::SEQ.lt(5)))
            .request()
    )
    .contains("range key"));
    assert!(refused(
        db.query::<Event>()
            .index(Event::BY_KIND)
            .hash("rare")
            .consistent()
            .request()
    )
    .contains("global secondary index"));
}

#[tokio::test]
async fn tampered_and_foreign_cursors_are_refused() {
    let db = db().await;
    let page = db
        .query::<Event>()
        .hash("big")
        .limit(10)
        .send()
        .await
        .unwrap();
    let text = page.next.unwrap().to_string();

    let mut bytes = text.clone().into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(bytes).unwrap();
    assert!(matches!(
        tampered.parse::<Cursor>(),
        Err(Error::InvalidCursor { .. })
    ));
    assert!(matches!(
        "not a cursor!".parse::<Cursor>(),
        Err(Error::InvalidCursor { .. })
    ));

    let cursor: Cursor = text.parse().unwrap();
    let other_hash = db
        .query::<Event>()
        .hash("small")
        .start_after(cursor.clone())
        .send()
        .await;
    assert!(
        matches!(other_hash, Err(Error::InvalidCursor { .. })),
        "{other_hash:?}"
    );
    let other_index = db
        .query::<Event>()
        .index(Event::BY_SCORE)
        .hash("big")
        .start_after(cursor.clone())
        .send()
        .await;
    assert!(
        matches!(other_index, Err(Error::InvalidCursor { .. })),
        "{other_index:?}"
    );
    let scan = db.scan::<Event>().start_after(cursor).send().await;
    assert!(matches!(scan, Err(Error::InvalidCursor { .. })), "{scan:?}");
}

#[tokio::test]
async fn global_and_local_index_queries() {
    let db = db().await;
    let rare = db
        .query::<Event>()
        .index(Event::BY_KIND)
        .hash("rare")
        .all()
        .await
        .unwrap();
    assert_eq!(
        rare.len(),
        RARE as usize + 1,
        "the `small` stream's item is rare too"
    );
    assert!(
        rare.windows(2).all(|w| w[0].at <= w[1].at),
        "ordered by the index range key"
    );
    let recent = db
        .query::<Event>()
        .index(Event::BY_KIND)
        .hash("rare")
        .range(Event::AT.le(100))
        .all()
        .await
        .unwrap();
    assert_eq!(
        recent.len(),
        (1..ITEMS)
            .filter(|s| s.is_multiple_of(10) && ITEMS - s <= 100)
            .count()
    );

    let low = db
        .query::<Event>()
        .index(Event::BY_SCORE)
        .hash("big")
        .range(Event::SCORE.lt(100))
        .consistent()
        .all()
        .await
        .unwrap();
    let expected = (0..ITEMS).filter(|s| (s * 7919) % 1000 < 100).count();
    assert_eq!(low.len(), expected);
    assert!(low.windows(2).all(|w| w[0].score <= w[1].score));

    // Index pages resume through cursors too.
    let mut start = None;
    let mut seen = HashSet::new();
    loop {
        let mut query = db
            .query::<Event>()
            .index(Event::BY_KIND)
            .hash("common")
            .limit(250);
        if let Some(cursor) = start.take() {
            query = query.start_after(cursor);
        }
        let page = query.send().await.unwrap();
        for e in &page.items {
            assert!(seen.insert(e.seq), "{} seen twice", e.seq);
        }
        match page.next {
            Some(next) => start = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), (ITEMS - RARE) as usize);
}

#[tokio::test]
async fn select_reads_a_typed_projection() {
    let db = db().await;
    let request = db
        .query::<Event>()
        .hash("big")
        .select::<Summary>()
        .request()
        .unwrap();
    let projection = request.projection_expression().unwrap();
    assert_eq!(projection, "#n1, #n2");
    let summaries = db
        .query::<Event>()
        .hash("big")
        .range(Event::SEQ.lt(3))
        .select::<Summary>()
        .all()
        .await
        .unwrap();
    assert_eq!(
        summaries,
        (0..3)
            .map(|seq| Summary {
                seq,
                kind: event(seq).kind
            })
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn streams_yield_every_item_once_and_honour_limit() {
    let db = db().await;
    let mut stream = Box::pin(db.query::<Event>().hash("big").page_size(100).stream());
    let mut next = 0;
    while let Some(event) = stream.next().await {
        assert_eq!(event.unwrap().seq, next);
        next += 1;
    }
    assert_eq!(next, ITEMS);
    let first = db
        .query::<Event>()
        .hash("big")
        .limit(250)
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(seqs(&first), (0..250).collect::<Vec<_>>());
}

#[tokio::test]
async fn parallel_scan_returns_the_same_set_as_a_plain_scan() {
    let db = db().await;
    let plain: Vec<Event> = db.scan::<Event>().all().await.unwrap();
    assert_eq!(plain.len(), ITEMS as usize + 1);
    let parallel: Vec<Event> = db.scan::<Event>().segments(4).all().await.unwrap();
    let key = |e: &Event| (e.stream.clone(), e.seq);
    let plain: HashSet<_> = plain.iter().map(key).collect();
    let parallel_keys: HashSet<_> = parallel.iter().map(key).collect();
    assert_eq!(parallel.len(), plain.len(), "no item twice");
    assert_eq!(parallel_keys, plain);

    assert_eq!(
        db.scan::<Event>().segments(4).count().await.unwrap(),
        ITEMS as usize + 1
    );
    assert_eq!(
        db.scan::<Event>()
            .filter(Event::KIND.eq("rare"))
            .count()
            .await
            .unwrap(),
        RARE as usize + 1
    );
}

#[tokio::test]
async fn segmented_scan_pages_resume_every_segment_from_one_cursor() {
    let db = db().await;
    let mut start: Option<Cursor> = None;
    let mut seen = HashSet::new();
    let mut pages = 0;
    loop {
        let mut scan = db
            .scan::<Event>()
            .segments(3)
            .limit(200)
            .filter(Event::KIND.eq("common"));
        if let Some(cursor) = start.take() {
            scan = scan.start_after(cursor.to_string().parse().unwrap());
        }
        let page = scan.send().await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 200);
        for e in &page.items {
            assert!(
                seen.insert((e.stream.clone(), e.seq)),
                "{} seen twice",
                e.seq
            );
        }
        match page.next {
            Some(next) => start = Some(next),
            None => break,
        }
        assert!(pages < 100, "the scan must end");
    }
    assert_eq!(seen.len(), (ITEMS - RARE) as usize);
    // Each segment of three alone, as workers would scan them: together, every item once.
    let mut total = HashSet::new();
    for segment in 0..3 {
        for e in db.scan::<Event>().segment(segment, 3).all().await.unwrap() {
            assert!(total.insert((e.stream, e.seq)));
        }
    }
    assert_eq!(total.len(), ITEMS as usize + 1);
    let invalid = db.scan::<Event>().segment(3, 3).send().await;
    assert!(
        matches!(invalid, Err(Error::InvalidRequest { .. })),
        "{invalid:?}"
    );
}
