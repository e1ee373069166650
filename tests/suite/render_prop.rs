//! Property: random condition trees over random attribute names (reserved words, dots,
//! brackets, spaces, unicode) render with no user text in the expression string, and DynamoDB
//! Local accepts every one of them.

use crate::common;

use common::accounts::{account, Account};
use dynamo_model::prelude::*;
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "name", "status", "size", "data", "order", "by", "count", "key", "value", "AND",
        ])
        .prop_map(String::from),
        "[a-z]{1,8}",
        "[a-z]{1,4}[.\\[\\] #:()=<>,]{1,3}[a-z0-9]{0,4}",
        "\\PC{1,10}",
    ]
}

fn path() -> impl Strategy<Value = Path> {
    (
        name(),
        prop::option::of(name()),
        prop::option::of(0usize..5),
    )
        .prop_map(|(root, key, index)| {
            let mut path = Path::name(root);
            if let Some(index) = index {
                path = path.index(index);
            }
            if let Some(key) = key {
                path = path.key(key);
            }
            path
        })
}

#[derive(Debug, Clone)]
enum Value {
    Number(i64),
    Text(String),
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Number),
        "\\PC{0,12}".prop_map(Value::Text),
    ]
}

fn leaf() -> impl Strategy<Value = Condition<Account>> {
    (
        path(),
        value(),
        value(),
        0..10u8,
        prop::collection::vec(value(), 1..5),
    )
        .prop_map(|(path, a, b, kind, many)| {
            let compare = |op: u8, v: Value| -> Condition<Account> {
                match (op, v) {
                    (0, Value::Number(n)) => path.eq(n),
                    (0, Value::Text(s)) => path.eq(s),
                    (1, Value::Number(n)) => path.ne(n),
                    (1, Value::Text(s)) => path.ne(s),
                    (2, Value::Number(n)) => path.lt(n),
                    (2, Value::Text(s)) => path.lt(s),
                    (_, Value::Number(n)) => path.ge(n),
                    (_, Value::Text(s)) => path.ge(s),
                }
            };
            match kind {
                0..=3 => compare(kind, a),
                4 => path.exists(),
                5 => path.not_exists(),
                6 => path.begins_with(match a {
                    Value::Text(s) if !s.is_empty() => s,
                    _ => "x".to_owned(),
                }),
                7 => path.contains(match a {
                    Value::Number(n) => n.to_string(),
                    Value::Text(s) => s,
                }),
                8 => path.attribute_type(AttributeType::Map),
                _ => {
                    let numbers: Vec<i64> = many
                        .iter()
                        .map(|v| match v {
                            Value::Number(n) => *n,
                            Value::Text(s) => s.len() as i64,
                        })
                        .collect();
                    match b {
                        Value::Number(high) => {
                            let low = numbers[0];
                            path.between(low.min(high), low.max(high))
                        }
                        Value::Text(_) => path.in_(numbers),
                    }
                }
            }
        })
}

fn condition() -> impl Strategy<Value = Condition<Account>> {
    leaf().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
            inner.prop_map(|a| a.not()),
        ]
    })
}

/// What may appear in an expression string: placeholders, keywords, functions, punctuation.
fn only_placeholders_and_syntax(expression: &str) -> bool {
    const WORDS: [&str; 11] = [
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "attribute_exists",
        "attribute_not_exists",
        "attribute_type",
        "begins_with",
        "contains",
        "size",
    ];
    let mut rest = expression;
    while let Some(c) = rest.chars().next() {
        if c == '#' || c == ':' {
            let digits = rest[2..].bytes().take_while(u8::is_ascii_digit).count();
            let prefix = if c == '#' { "#n" } else { ":v" };
            if !rest.starts_with(prefix) || digits == 0 {
                return false;
            }
            rest = &rest[2 + digits..];
        } else if " ()[],.<>=".contains(c) || c.is_ascii_digit() {
            rest = &rest[c.len_utf8()..];
        } else if let Some(word) = WORDS.iter().find(|w| rest.starts_with(*w)) {
            rest = &rest[word.len()..];
        } else {
            return false;
        }
    }
    true
}

#[test]
fn the_checker_spots_user_text() {
    assert!(only_placeholders_and_syntax(
        "#n0 = :v1 AND NOT (size(#n2[3].#n4) > :v5)"
    ));
    assert!(!only_placeholders_and_syntax("#n0 = name"));
    assert!(!only_placeholders_and_syntax("#name = :v0"));
}

#[test]
fn random_conditions_render_safely_and_dynamodb_accepts_them() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(async {
        let db = common::db("render_prop").await;
        db.create_table::<Account>().send().await.unwrap();
        db
    });
    let item = account("prop");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(200)
    });
    runner
        .run(&condition(), |condition| {
            let shown = condition.to_string();
            // A path inside a key attribute (`id[0]`): DynamoDB refuses it, and so does the
            // library, before sending.
            let request = match db.put(&item).condition(condition.clone()).request() {
                Err(Error::InvalidRequest { message })
                    if message.contains("inside the key attribute `id`") =>
                {
                    return Ok(());
                }
                other => other.unwrap(),
            };
            let expression = request.condition_expression().unwrap();
            prop_assert!(
                only_placeholders_and_syntax(expression),
                "user text in `{}` (from {})",
                expression,
                shown
            );
            let result = runtime.block_on(db.put(&item).condition(condition).send());
            prop_assert!(
                matches!(result, Ok(_) | Err(Error::ConditionFailed { .. })),
                "DynamoDB refused {}: {:?}",
                shown,
                result
            );
            Ok(())
        })
        .unwrap();
}
