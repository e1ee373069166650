//! Every supported attribute type through DynamoDB Local and back, extremes included, and what
//! reading bad stored data does.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use dynamo_model::prelude::*;
use dynamo_model::Item;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Theme {
    Light,
    Custom { accent: String, contrast: u8 },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Prefs {
    theme: Option<Theme>,
    langs: Vec<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "everything")]
struct Everything {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(range_key)]
    n: i64,
    s: String,
    i8_: i8,
    i16_: i16,
    i32_: i32,
    i64_: i64,
    i128_: i128,
    isize_: isize,
    u8_: u8,
    u16_: u16,
    u32_: u32,
    u64_: u64,
    u128_: u128,
    usize_: usize,
    f32_: f32,
    f64_: f64,
    flag: bool,
    bytes: Vec<u8>,
    shared_bytes: bytes::Bytes,
    blob: Blob,
    maybe: Option<String>,
    maybe_number: Option<u64>,
    list: Vec<String>,
    nested: Vec<Vec<i32>>,
    list_of_options: Vec<Option<u16>>,
    map: HashMap<String, u32>,
    sorted_map: BTreeMap<String, Vec<bool>>,
    strings: HashSet<String>,
    numbers: BTreeSet<i64>,
    binaries: HashSet<Vec<u8>>,
    boxed: Box<u32>,
    #[dynamo(serde)]
    prefs: Prefs,
    #[dynamo(serde)]
    theme: Option<Theme>,
    #[dynamo(skip)]
    cache: Option<String>,
}

fn extremes(id: &str) -> Everything {
    Everything {
        id: id.into(),
        n: i64::MIN,
        s: "ünïcödé ✓ \u{0} with nul".into(),
        i8_: i8::MIN,
        i16_: i16::MIN,
        i32_: i32::MIN,
        i64_: i64::MIN,
        i128_: -(10i128.pow(38) - 1),
        isize_: isize::MAX,
        u8_: u8::MAX,
        u16_: u16::MAX,
        u32_: u32::MAX,
        u64_: u64::MAX,
        u128_: 10u128.pow(38) - 1,
        usize_: usize::MAX,
        f32_: f32::MAX,
        f64_: 9.99999999999999e125,
        flag: true,
        bytes: vec![0, 255, 1, 254],
        shared_bytes: bytes::Bytes::from_static(b"\x00\xff"),
        blob: Blob::new(vec![7u8; 3]),
        maybe: Some(String::new()),
        maybe_number: Some(0),
        list: vec![String::new(), "b".into()],
        nested: vec![vec![], vec![i32::MAX, i32::MIN]],
        list_of_options: vec![Some(1), None, Some(u16::MAX)],
        map: HashMap::from([("a.b c".into(), 1), ("#:[0]".into(), 0)]),
        sorted_map: BTreeMap::from([("x".into(), vec![true, false]), ("y".into(), vec![])]),
        strings: HashSet::from(["".into(), "a".into()]),
        numbers: BTreeSet::from([i64::MIN, 0, i64::MAX]),
        binaries: HashSet::from([vec![], vec![1, 2]]),
        boxed: Box::new(u32::MAX),
        prefs: Prefs {
            theme: Some(Theme::Custom {
                accent: "#fff".into(),
                contrast: 7,
            }),
            langs: vec!["en".into()],
        },
        theme: Some(Theme::Light),
        cache: None,
    }
}

fn empties(id: &str) -> Everything {
    Everything {
        id: id.into(),
        n: 0,
        s: String::new(),
        i8_: 0,
        i16_: 0,
        i32_: 0,
        i64_: 0,
        i128_: 0,
        isize_: isize::MIN,
        u8_: 0,
        u16_: 0,
        u32_: 0,
        u64_: 0,
        u128_: 0,
        usize_: 0,
        f32_: f32::MIN_POSITIVE,
        f64_: 1e-130,
        flag: false,
        bytes: vec![],
        shared_bytes: bytes::Bytes::new(),
        blob: Blob::new(vec![]),
        maybe: None,
        maybe_number: None,
        list: vec![],
        nested: vec![],
        list_of_options: vec![None],
        map: HashMap::new(),
        sorted_map: BTreeMap::new(),
        strings: HashSet::new(),
        numbers: BTreeSet::new(),
        binaries: HashSet::new(),
        boxed: Box::default(),
        prefs: Prefs::default(),
        theme: None,
        cache: None,
    }
}

async fn everything_db(test: &str) -> Db {
    let db = common::db(test).await;
    db.create_table::<Everything>().send().await.unwrap();
    db
}

async fn raw_item(db: &Db, id: &str, n: i64) -> Item {
    db.client()
        .get_item()
        .table_name(db.table_name::<Everything>())
        .key("id", AttributeValue::S(id.into()))
        .key("n", AttributeValue::N(n.to_string()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

#[tokio::test]
async fn every_type_round_trips_at_its_extremes() {
    let db = everything_db("extremes").await;
    let written = extremes("max");
    db.put(&written).send().await.unwrap();
    let read = db
        .get(EverythingKey::new("max", i64::MIN))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, written);
    assert_eq!(read.f32_.to_bits(), f32::MAX.to_bits());
    assert_eq!(read.f64_.to_bits(), written.f64_.to_bits());

    let raw = raw_item(&db, "max", i64::MIN).await;
    assert_eq!(
        raw["u64_"],
        AttributeValue::N("18446744073709551615".into())
    );
    assert_eq!(
        raw["i64_"],
        AttributeValue::N("-9223372036854775808".into())
    );
    assert!(matches!(raw["bytes"], AttributeValue::B(_)));
    assert!(matches!(raw["strings"], AttributeValue::Ss(_)));
    assert!(matches!(raw["numbers"], AttributeValue::Ns(_)));
    assert!(matches!(raw["binaries"], AttributeValue::Bs(_)));
    assert!(
        !raw.contains_key("cache"),
        "skipped fields are never stored"
    );
}

#[tokio::test]
async fn empty_containers_round_trip_and_empty_sets_are_absent() {
    let db = everything_db("empties").await;
    let written = empties("empty");
    db.put(&written).send().await.unwrap();
    let read = db
        .get(EverythingKey::new("empty", 0))
        .consistent()
        .send()
        .await
        .unwrap();
    assert_eq!(read, Some(written));

    let raw = raw_item(&db, "empty", 0).await;
    for absent in [
        "strings",
        "numbers",
        "binaries",
        "maybe",
        "maybe_number",
        "theme",
    ] {
        assert!(
            !raw.contains_key(absent),
            "`{absent}` should not be stored: {raw:?}"
        );
    }
    assert_eq!(raw["list"], AttributeValue::L(vec![]));
    assert_eq!(
        raw["list_of_options"],
        AttributeValue::L(vec![AttributeValue::Null(true)])
    );
    assert_eq!(raw["map"], AttributeValue::M(HashMap::new()));
}

#[tokio::test]
async fn floats_round_trip_bit_exactly_through_dynamodb() {
    let db = everything_db("floats").await;
    let values = [
        0.1,
        1.0 / 3.0,
        -2.5e-7,
        123_456_789.123_456_78,
        f64::EPSILON,
        1e125,
        -1e-130,
        std::f64::consts::PI,
    ];
    for (i, x) in values.into_iter().enumerate() {
        let mut item = empties("floats");
        item.n = i as i64;
        item.f64_ = x;
        // Values past f32's range become infinity or zero: keep to the ones f32 can hold.
        let small = x as f32;
        item.f32_ = if small.is_finite() && small != 0.0 {
            small
        } else {
            0.5
        };
        db.put(&item).send().await.unwrap();
        let read = db
            .get(EverythingKey::new("floats", i as i64))
            .consistent()
            .send()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.f64_.to_bits(), x.to_bits(), "{x}");
        assert_eq!(read.f32_.to_bits(), item.f32_.to_bits(), "{x}");
    }
}

#[tokio::test]
async fn negative_zero_reads_back_as_zero() {
    let db = everything_db("negative_zero").await;
    let mut item = empties("zero");
    item.f64_ = -0.0;
    db.put(&item).send().await.unwrap();
    let read = db
        .get(EverythingKey::new("zero", 0))
        .consistent()
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.f64_.to_bits(), 0.0f64.to_bits());
}

#[tokio::test]
async fn empty_map_keys_are_refused_before_sending() {
    let db = common::db("empty_map_key").await;
    let mut item = empties("x");
    item.map.insert(String::new(), 1);
    let err = db.put(&item).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { path, .. } if path == "map"),
        "{err:?}"
    );
}

#[tokio::test]
async fn numbers_dynamodb_cannot_hold_are_refused_before_sending() {
    // No table: a request that went out would fail with TableNotFound instead.
    let db = common::db("bad_numbers").await;
    type Breaker = fn(&mut Everything);
    let cases: [(&str, Breaker); 6] = [
        ("f64_", |e| e.f64_ = f64::NAN),
        ("f64_", |e| e.f64_ = f64::INFINITY),
        ("f64_", |e| e.f64_ = 1e126),
        ("f64_", |e| e.f64_ = f64::MIN_POSITIVE),
        ("f32_", |e| e.f32_ = f32::NEG_INFINITY),
        ("u128_", |e| e.u128_ = u128::MAX),
    ];
    for (path, break_it) in cases {
        let mut item = empties("x");
        break_it(&mut item);
        let err = db.put(&item).send().await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidValue { path: p, .. } if p == path),
            "{path}: {err:?}"
        );
    }
}

/// Writes `item` as it is, bypassing the model, and reads it through the model.
async fn read_raw(db: &Db, mut item: Item) -> Result<Option<Everything>, Error> {
    let base = empties("raw").to_item().unwrap();
    for (name, value) in base {
        item.entry(name).or_insert(value);
    }
    item.retain(|_, v| !matches!(v, AttributeValue::Null(false)));
    db.client()
        .put_item()
        .table_name(db.table_name::<Everything>())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    db.get(EverythingKey::new("raw", 0))
        .consistent()
        .send()
        .await
}

fn attr_error(result: Result<Option<Everything>, Error>) -> (String, String, String) {
    match result {
        Err(Error::Attribute {
            path,
            expected,
            found,
            ..
        }) => (path, expected, found),
        other => panic!("expected Error::Attribute, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_stored_items_name_the_attribute() {
    let db = everything_db("malformed").await;
    let s = |v: &str| AttributeValue::S(v.into());
    let n = |v: &str| AttributeValue::N(v.into());
    // `Null(false)` marks an attribute to remove from the base item.
    let cases: Vec<(Item, &str, &str, &str)> = vec![
        (
            Item::from([("s".into(), AttributeValue::Null(false))]),
            "s",
            "string",
            "nothing (the attribute is missing)",
        ),
        (
            Item::from([("u8_".into(), s("12"))]),
            "u8_",
            "number (u8)",
            "string",
        ),
        (
            Item::from([("u8_".into(), n("300"))]),
            "u8_",
            "number (u8)",
            "number 300",
        ),
        (
            Item::from([("u64_".into(), n("-1"))]),
            "u64_",
            "number (u64)",
            "number -1",
        ),
        (
            Item::from([("i32_".into(), n("1.5"))]),
            "i32_",
            "number (i32)",
            "number 1.5",
        ),
        (
            Item::from([("s".into(), AttributeValue::Null(true))]),
            "s",
            "string",
            "null",
        ),
        (
            Item::from([("flag".into(), n("1"))]),
            "flag",
            "boolean",
            "number 1",
        ),
        (
            Item::from([("bytes".into(), AttributeValue::L(vec![]))]),
            "bytes",
            "binary",
            "list",
        ),
        (
            Item::from([("list".into(), AttributeValue::L(vec![s("a"), n("2")]))]),
            "list[1]",
            "string",
            "number 2",
        ),
        (
            Item::from([(
                "nested".into(),
                AttributeValue::L(vec![AttributeValue::L(vec![n("1"), s("x")])]),
            )]),
            "nested[0][1]",
            "number (i32)",
            "string",
        ),
        (
            Item::from([(
                "map".into(),
                AttributeValue::M(HashMap::from([("k".into(), s("x"))])),
            )]),
            "map.k",
            "number (u32)",
            "string",
        ),
        (
            Item::from([("numbers".into(), AttributeValue::Ss(vec!["a".into()]))]),
            "numbers",
            "number set (i64)",
            "string set",
        ),
        (
            Item::from([("numbers".into(), AttributeValue::Ns(vec!["1.5".into()]))]),
            "numbers",
            "number set (i64)",
            "number set member 1.5",
        ),
    ];
    for (item, path, expected, found) in cases {
        let got = attr_error(read_raw(&db, item).await);
        assert_eq!(got, (path.into(), expected.into(), found.into()));
    }
}

#[tokio::test]
async fn malformed_serde_fields_name_the_attribute() {
    let db = everything_db("malformed_serde").await;
    let item = Item::from([("prefs".into(), AttributeValue::S("not a map".into()))]);
    let (path, _, found) = attr_error(read_raw(&db, item).await);
    assert_eq!((path.as_str(), found.as_str()), ("prefs", "string"));
}

#[tokio::test]
async fn null_reads_as_none_and_as_an_empty_set() {
    let db = everything_db("nulls").await;
    let item = Item::from([
        ("maybe".into(), AttributeValue::Null(true)),
        ("maybe_number".into(), AttributeValue::Null(true)),
        ("strings".into(), AttributeValue::Null(true)),
        ("theme".into(), AttributeValue::Null(true)),
    ]);
    let read = read_raw(&db, item).await.unwrap().unwrap();
    assert_eq!(read, empties("raw"));
}

#[tokio::test]
async fn unknown_attributes_are_ignored_on_read() {
    let db = everything_db("unknown").await;
    let item = Item::from([("added_later".into(), AttributeValue::Bool(true))]);
    assert_eq!(read_raw(&db, item).await.unwrap().unwrap(), empties("raw"));
}
