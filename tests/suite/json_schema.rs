//! The derived JSON Schema (feature `json-schema`) refuses exactly what `Model::validate`
//! refuses: over a property-based sample of values near every rule's edges, an independent
//! validator (the `jsonschema` crate) run on the value's JSON agrees with `validate()` on every
//! value, in the 2020-12 dialect, and in draft 4 (API Gateway's REST API models) for the
//! draft-07 output. What the schema accepts, serde reads back to the same value.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use dynamo_model::json_schema::schemars::generate::SchemaSettings;
use dynamo_model::json_schema::schemars::schema_for;
use dynamo_model::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A plan, stored and sent as its lowercase name.
#[derive(
    Attributes, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord,
)]
#[dynamo(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
enum Role {
    Reader,
    Writer,
    Admin,
}

/// A postal address.
#[derive(Attributes, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Address {
    #[dynamo(validate(length(min = 2, max = 2)))]
    country_code: String,
    #[dynamo(validate(regex = "^[0-9]{5}$"))]
    zip_code: String,
    #[dynamo(validate(non_empty, length(max = 12)))]
    lines: Vec<String>,
}

#[derive(Attributes, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Link {
    #[dynamo(validate(regex = "^https://"))]
    url: String,
    #[dynamo(validate(range(min = 0, max = 5)))]
    rank: i8,
}

/// An account: every rule, on plain, optional, nested and collection fields.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynamo(table = "schema_accounts")]
#[serde(deny_unknown_fields)]
struct Account {
    #[dynamo(hash_key, validate(email))]
    email: String,
    #[dynamo(validate(length(min = 3, max = 12), regex = "^[a-z][a-z0-9_]*$"))]
    handle: String,
    #[dynamo(validate(range(min = 13, max = 130)))]
    age: Option<u32>,
    #[dynamo(validate(range(min = -10.5, max = 10.5)))]
    score: f64,
    #[dynamo(validate(one_of("free", "pro", "team")))]
    plan: String,
    #[dynamo(validate(one_of(1, 2, 3)))]
    tier: Option<u8>,
    #[dynamo(validate(non_empty, length(max = 2)))]
    roles: BTreeSet<Role>,
    #[dynamo(validate(length(max = 2)))]
    links: Vec<Link>,
    #[dynamo(validate(length(min = 1, max = 2)))]
    labels: HashMap<String, String>,
    #[dynamo(validate(email, length(max = 20)))]
    backup: Option<String>,
    address: Address,
    #[serde(rename = "kind")]
    #[dynamo(constant = "account")]
    entity: String,
    #[dynamo(validate(range(max = 1_000_000)))]
    #[serde(default)]
    balance: i64,
    joined: Timestamp,
}

/// Mostly a value every rule accepts, now and then one from `edge`, which reaches both sides of
/// the rules' edges: most sampled accounts break one rule or none, so each rule is seen
/// failing alone.
fn mostly<T: std::fmt::Debug>(
    valid: impl Strategy<Value = T> + 'static,
    edge: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<T> {
    prop_oneof![19 => valid, 1 => edge].boxed()
}

fn text(pattern: &'static str) -> BoxedStrategy<String> {
    proptest::string::string_regex(pattern)
        .expect("a valid pattern")
        .boxed()
}

/// Addresses around every edge of `is_email`: characters, the `@`, label and part lengths.
fn email() -> BoxedStrategy<String> {
    let label = prop_oneof![
        8 => text("[a-z0-9-]{0,4}"),
        1 => text("[a-z]{61,64}"),
    ];
    let local = prop_oneof![
        6 => text("[a-zA-Z0-9._+!-]{0,4}"),
        1 => text("[a-z ()é]{1,3}"),
        1 => text("[a-z]{63,65}"),
    ];
    let edge = (local, proptest::collection::vec(label, 1..5), any::<bool>()).prop_map(
        |(local, labels, at)| {
            let sep = if at { "@" } else { "" };
            format!("{local}{sep}{}", labels.join("."))
        },
    );
    mostly(text("[a-z]{1,5}@[a-z]{1,5}\\.[a-z]{2,3}"), edge)
}

prop_compose! {
    fn address()(
        country_code in mostly(text("[A-Z]{2}"), text("[A-Zé😀]{1,3}")),
        zip_code in mostly(text("[0-9]{5}"), text("[0-9a]{4,6}")),
        lines in mostly(
            proptest::collection::vec(text("[a-z ]{0,4}"), 1..=12),
            proptest::collection::vec(text("[a-z ]{0,4}"), 0..14),
        ),
    ) -> Address {
        Address { country_code, zip_code, lines }
    }
}

prop_compose! {
    fn link()(
        url in mostly(text("https://[a-z]{1,3}"), text("(https|http)://[a-z]{1,3}")),
        rank in mostly(0i8..=5, -2i8..8),
    ) -> Link {
        Link { url, rank }
    }
}

prop_compose! {
    fn account()(
        email in email(),
        handle in mostly(text("[a-z][a-z0-9_]{2,11}"), text("[a-zA-Z0-9_é😀]{1,14}")),
        age in proptest::option::of(mostly(13u32..=130, 10u32..135)),
        score in mostly(
            -10.5f64..=10.5,
            prop_oneof![Just(-10.5), Just(10.5), Just(10.500001), -12.0f64..12.0],
        ),
        plan in mostly(
            prop_oneof![Just("free"), Just("pro"), Just("team")],
            prop_oneof![Just("free"), Just("Pro"), Just("")],
        ),
        tier in proptest::option::of(mostly(1u8..=3, 0u8..5)),
        roles in mostly(
            proptest::collection::btree_set(
                prop_oneof![Just(Role::Reader), Just(Role::Writer), Just(Role::Admin)], 1..=2),
            proptest::collection::btree_set(
                prop_oneof![Just(Role::Reader), Just(Role::Writer), Just(Role::Admin)], 0..4),
        ),
        links in mostly(
            proptest::collection::vec(link(), 0..=2),
            proptest::collection::vec(link(), 2..4),
        ),
        labels in mostly(
            proptest::collection::hash_map(text("[a-c]"), text("[a-z]{0,2}"), 1..=2),
            proptest::collection::hash_map(text("[a-c]"), text("[a-z]{0,2}"), 0..4),
        ),
        backup in proptest::option::of(mostly(
            email(),
            prop_oneof![email(), text("[a-z]{8,12}@[a-z]{3,6}\\.[a-z]{2,3}")],
        )),
        address in address(),
        entity in mostly(Just("account"), Just("user")),
        balance in mostly(
            -1_000_000i64..=1_000_000,
            prop_oneof![Just(1_000_000i64), Just(1_000_001), any::<i64>()],
        ),
        joined in (0i64..4_000_000_000_000).prop_map(Timestamp::from_millis),
    ) -> Account {
        Account {
            email, handle, age, score, plan: plan.into(), tier, roles, links, labels, backup,
            address, entity: entity.into(), balance, joined,
        }
    }
}

/// Which accounts a run samples.
#[derive(Clone, Copy)]
enum Sample {
    /// The same every run: what it reaches (every rule failing alone) is known, not luck.
    Fixed,
    /// New every run, exploring further.
    Fresh,
}

/// Runs `cases` sampled accounts through `validate()` and the validator, asserting they agree;
/// returns how many were valid and the rules seen failing alone (each must fail somewhere).
fn agree(
    validator: &jsonschema::Validator,
    cases: u32,
    sample: Sample,
) -> (u32, BTreeMap<String, u32>) {
    let valid = RefCell::new(0);
    let failing = RefCell::new(BTreeMap::new());
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = match sample {
        Sample::Fixed => {
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
        }
        Sample::Fresh => TestRunner::new(config),
    };
    runner
        .run(&account(), |account| {
            let json = serde_json::to_value(&account).unwrap();
            let verdict = account.validate();
            let errors: Vec<String> = validator
                .iter_errors(&json)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            prop_assert_eq!(
                verdict.is_ok(),
                errors.is_empty(),
                "validate() says {:?}, the schema says {:?}, of {}",
                verdict,
                errors,
                json
            );
            match verdict {
                Ok(()) => {
                    *valid.borrow_mut() += 1;
                    // What the schema accepts, serde reads back.
                    let back: Account = serde_json::from_value(json).unwrap();
                    prop_assert_eq!(back, account);
                }
                Err(Error::Validation { violations }) if violations.len() == 1 => {
                    let rule = format!("{} {}", violations[0].path, violations[0].rule);
                    *failing.borrow_mut().entry(rule).or_insert(0) += 1;
                }
                Err(_) => {}
            }
            Ok(())
        })
        .unwrap();
    (valid.into_inner(), failing.into_inner())
}

/// Every rule of `Account` was seen failing alone, and many values were valid: the sample
/// reaches both sides of every edge, so a keyword missing or wrong would have shown.
fn assert_reaches_every_rule(valid: u32, failing: &BTreeMap<String, u32>, cases: u32) {
    assert!(valid >= cases / 20, "only {valid} of {cases} valid");
    let expected = [
        "email email",
        "handle length",
        "handle regex",
        "age range",
        "score range",
        "plan one_of",
        "tier one_of",
        "roles non_empty",
        "roles length",
        "links length",
        "links[0].url regex",
        "links[0].rank range",
        "labels length",
        "backup email",
        "backup length",
        "address.country_code length",
        "address.zip_code regex",
        "address.lines non_empty",
        "address.lines length",
        "entity constant",
        "balance range",
    ];
    let missing: Vec<&str> = expected
        .iter()
        .filter(|rule| !failing.contains_key(**rule))
        .copied()
        .collect();
    assert!(
        missing.is_empty(),
        "never seen failing alone: {missing:?}; seen: {failing:?}"
    );
}

#[test]
fn the_schema_refuses_exactly_what_validate_refuses() {
    let schema = serde_json::to_value(schema_for!(Account)).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let cases = 6_000;
    let (valid, failing) = agree(&validator, cases, Sample::Fixed);
    println!("2020-12: {valid} of {cases} valid; failing alone: {failing:?}");
    assert_reaches_every_rule(valid, &failing, cases);
    agree(&validator, cases, Sample::Fresh);
}

#[test]
fn the_draft_07_schema_agrees_under_draft_4() {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<Account>();
    let mut schema = serde_json::to_value(schema).unwrap();
    // API Gateway reads draft 4; what schemars writes for draft 7 uses nothing newer.
    schema["$schema"] = json!("http://json-schema.org/draft-04/schema#");
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let cases = 3_000;
    let (valid, failing) = agree(&validator, cases, Sample::Fixed);
    assert_reaches_every_rule(valid, &failing, cases);
    agree(&validator, cases, Sample::Fresh);
}

#[test]
fn names_required_fields_and_descriptions_are_serdes() {
    let schema = serde_json::to_value(schema_for!(Account)).unwrap();
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // `age`, `tier`, `backup` are options, `balance` has a serde default; `entity` is `kind`.
    let expected = [
        "email", "handle", "score", "plan", "roles", "links", "labels", "address", "kind", "joined",
    ];
    assert_eq!(required, expected.into_iter().collect());
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_eq!(
        schema["description"],
        "An account: every rule, on plain, optional, nested and collection fields."
    );
    let address = &schema["$defs"]["Address"];
    assert_eq!(address["description"], "A postal address.");
    assert!(address["properties"]["zipCode"]["pattern"].is_string());
    assert_eq!(
        schema["$defs"]["Role"]["enum"],
        json!(["reader", "writer", "admin"])
    );
    assert_eq!(
        schema["properties"]["joined"],
        json!({"type": "string", "format": "date-time"})
    );
    assert_eq!(schema["properties"]["kind"]["enum"], json!(["account"]));
    assert_eq!(schema["properties"]["tier"]["enum"], json!([1, 2, 3, null]));
}

/// A response holds what serde writes: the serialize contract names the written fields and
/// requires every one not written conditionally.
#[test]
fn the_serialize_contract_describes_what_is_written() {
    #[derive(Model, Serialize, Deserialize)]
    #[dynamo(table = "schema_notes")]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Note {
        #[dynamo(hash_key)]
        #[serde(skip_deserializing)]
        owner_id: String,
        #[dynamo(range_key)]
        #[serde(default)]
        note_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[dynamo(version)]
        #[serde(skip_deserializing)]
        version: u64,
    }
    let read = serde_json::to_value(schema_for!(Note)).unwrap();
    assert_eq!(read["required"], Value::Null);
    assert_eq!(
        read["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["noteId", "title"]
    );
    let written = SchemaSettings::default()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Note>();
    let written = serde_json::to_value(written).unwrap();
    assert_eq!(written["required"], json!(["ownerId", "noteId", "version"]));
    assert_eq!(written.get("additionalProperties"), None);
}

/// A `#[serde(flatten)]` field is not described one by one: the object admits other
/// properties, so the schema is never stricter than serde.
#[test]
fn a_flattened_field_leaves_the_object_open() {
    #[derive(Model, Serialize, Deserialize)]
    #[dynamo(table = "schema_flat")]
    struct Tagged {
        #[dynamo(hash_key, validate(length(min = 1)))]
        id: String,
        #[serde(flatten)]
        labels: HashMap<String, String>,
    }
    let schema = serde_json::to_value(schema_for!(Tagged)).unwrap();
    assert_eq!(schema["properties"].as_object().unwrap().len(), 1);
    assert_eq!(schema.get("additionalProperties"), None);
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let body = json!({ "id": "a", "colour": "red" });
    assert!(validator.is_valid(&body));
    let tagged: Tagged = serde_json::from_value(body).unwrap();
    assert_eq!(tagged.labels["colour"], "red");
    assert!(!validator.is_valid(&json!({ "id": "" })));
}
