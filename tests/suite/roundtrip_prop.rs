//! Property: `from_item(to_item(x)) == x` for arbitrary values, in memory and through
//! DynamoDB Local; values DynamoDB cannot hold are an error, never a panic.

use crate::common;

use std::collections::{BTreeSet, HashMap, HashSet};

use dynamo_model::prelude::*;
use proptest::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "props")]
struct Props {
    #[dynamo(hash_key)]
    id: String,
    #[dynamo(range_key)]
    sort: i64,
    text: String,
    small: i8,
    big: u64,
    signed: i64,
    wide: i128,
    ratio: f64,
    single: f32,
    flag: bool,
    bytes: Vec<u8>,
    maybe: Option<String>,
    maybe_list: Option<Vec<u32>>,
    list: Vec<Option<i32>>,
    map: HashMap<String, Vec<u64>>,
    strings: HashSet<String>,
    numbers: BTreeSet<i64>,
    binaries: HashSet<Vec<u8>>,
}

/// Finite floats in DynamoDB's range (and zero), negative zero aside.
fn storable_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        any::<f64>().prop_filter("in DynamoDB's range", |x| {
            x.is_finite() && (1e-130..1e126).contains(&x.abs())
        }),
    ]
}

fn storable_f32() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite, not -0", |x| {
        x.is_finite() && !(*x == 0.0 && x.is_sign_negative())
    })
}

prop_compose! {
    fn props()(
        id in "[^\u{0}]{1,12}",
        sort in any::<i64>(),
        text in ".{0,40}",
        small in any::<i8>(),
        big in any::<u64>(),
        signed in any::<i64>(),
        wide in -(10i128.pow(38) - 1)..10i128.pow(38),
        ratio in storable_f64(),
        single in storable_f32(),
        flag in any::<bool>(),
        bytes in prop::collection::vec(any::<u8>(), 0..20),
        maybe in prop::option::of(".{0,10}"),
        maybe_list in prop::option::of(prop::collection::vec(any::<u32>(), 0..5)),
        list in prop::collection::vec(prop::option::of(any::<i32>()), 0..6),
        map in prop::collection::hash_map(".{1,8}", prop::collection::vec(any::<u64>(), 0..4), 0..4),
        strings in prop::collection::hash_set(".{0,8}", 0..5),
        numbers in prop::collection::btree_set(any::<i64>(), 0..5),
        binaries in prop::collection::hash_set(prop::collection::vec(any::<u8>(), 0..6), 0..4),
    ) -> Props {
        Props { id, sort, text, small, big, signed, wide, ratio, single, flag, bytes, maybe,
                maybe_list, list, map, strings, numbers, binaries }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn item_conversion_round_trips(value in props()) {
        let item = value.to_item().unwrap();
        let back = Props::from_item(item).unwrap();
        prop_assert_eq!(back.ratio.to_bits(), value.ratio.to_bits());
        prop_assert_eq!(back, value);
    }

    #[test]
    fn any_float_converts_or_errors_without_panicking(x in any::<f64>()) {
        let mut value = Props::from_item(
            Props { id: "i".into(), sort: 0, text: String::new(), small: 0, big: 0, signed: 0,
                    wide: 0, ratio: 0.0, single: 0.0, flag: false, bytes: vec![], maybe: None,
                    maybe_list: None, list: vec![], map: HashMap::new(), strings: HashSet::new(),
                    numbers: BTreeSet::new(), binaries: HashSet::new() }.to_item().unwrap()
        ).unwrap();
        value.ratio = x;
        match value.to_item() {
            Ok(item) => prop_assert_eq!(Props::from_item(item).unwrap().ratio.to_bits(), (x + 0.0).to_bits()),
            Err(Error::InvalidValue { path, .. }) => {
                prop_assert_eq!(path, "ratio");
                prop_assert!(!x.is_finite() || !(1e-130..1e126).contains(&x.abs()));
            }
            Err(other) => prop_assert!(false, "unexpected error {:?}", other),
        }
    }
}

#[test]
fn values_round_trip_through_dynamodb_local() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(async {
        let db = common::db("proptest").await;
        db.create_table::<Props>().send().await.unwrap();
        db
    });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(64)
    });
    runner
        .run(&props(), |value| {
            let read = runtime.block_on(async {
                db.put(&value).send().await.unwrap();
                db.get(value.key()).consistent().send().await.unwrap()
            });
            prop_assert_eq!(read, Some(value));
            Ok(())
        })
        .unwrap();
}
