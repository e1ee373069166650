//! Golden tests: the exact expression, name map and value map each builder renders. No server.

use crate::common;

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use common::accounts::{account, Account, AccountKey};
use dynamo_model::prelude::*;

/// A client that is never used to send: these tests only build requests.
fn db() -> Db {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .build();
    Db::new(aws_sdk_dynamodb::Client::from_conf(config))
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.into())
}

fn names(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn values(pairs: Vec<(&str, AttributeValue)>) -> HashMap<String, AttributeValue> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Renders `condition` as a put's condition: (expression, names, values).
fn render(
    condition: Condition<Account>,
) -> (
    String,
    HashMap<String, String>,
    HashMap<String, AttributeValue>,
) {
    let item = account("a");
    let request = db().put(&item).condition(condition).request().unwrap();
    (
        request.condition_expression.unwrap(),
        request.expression_attribute_names.unwrap_or_default(),
        request.expression_attribute_values.unwrap_or_default(),
    )
}

fn expression(condition: Condition<Account>) -> String {
    render(condition).0
}

#[test]
fn comparison_with_names_and_values() {
    let (expression, names_map, values_map) =
        render(Account::AGE.gt(21).and(Account::TAGS.contains("vip")));
    assert_eq!(expression, "#n0 > :v0 AND contains(#n1, :v1)");
    assert_eq!(names_map, names(&[("#n0", "age"), ("#n1", "tags")]));
    assert_eq!(
        values_map,
        values(vec![(":v0", n("21")), (":v1", s("vip"))])
    );
}

#[test]
fn every_comparator() {
    assert_eq!(expression(Account::NAME.eq("Ada")), "#n0 = :v0");
    assert_eq!(expression(Account::NAME.ne("Ada")), "#n0 <> :v0");
    assert_eq!(expression(Account::AGE.lt(1)), "#n0 < :v0");
    assert_eq!(expression(Account::AGE.le(1)), "#n0 <= :v0");
    assert_eq!(expression(Account::AGE.gt(1)), "#n0 > :v0");
    assert_eq!(expression(Account::AGE.ge(1)), "#n0 >= :v0");
    assert_eq!(
        expression(Account::AGE.between(18, 30)),
        "#n0 BETWEEN :v0 AND :v1"
    );
    assert_eq!(
        expression(Account::AGE.in_([1, 2, 3])),
        "#n0 IN (:v0, :v1, :v2)"
    );
    assert_eq!(
        expression(Account::NAME.begins_with("A")),
        "begins_with(#n0, :v0)"
    );
    assert_eq!(
        expression(Account::NAME.contains("d")),
        "contains(#n0, :v0)"
    );
    assert_eq!(
        expression(Account::NOTES.contains("first")),
        "contains(#n0, :v0)"
    );
    assert_eq!(
        expression(Account::STATUS.exists()),
        "attribute_exists(#n0)"
    );
    assert_eq!(
        expression(Account::STATUS.not_exists()),
        "attribute_not_exists(#n0)"
    );
    assert_eq!(
        render(Account::TAGS.attribute_type(AttributeType::StringSet)).2,
        values(vec![(":v0", s("SS"))])
    );
    assert_eq!(expression(Account::TAGS.size().gt(2)), "size(#n0) > :v0");
    assert_eq!(
        expression(Account::NOTES.size().between(1, 3)),
        "size(#n0) BETWEEN :v0 AND :v1"
    );
}

#[test]
fn attribute_to_attribute_and_the_same_name_reused() {
    let (expression, names_map, values_map) = render(
        Account::BALANCE
            .lt(Account::LIMIT)
            .and(Account::BALANCE.ge(0)),
    );
    assert_eq!(expression, "#n0 < #n1 AND #n0 >= :v0");
    assert_eq!(names_map, names(&[("#n0", "balance"), ("#n1", "limit")]));
    assert_eq!(values_map, values(vec![(":v0", n("0"))]));
}

#[test]
fn grouping_renders_parentheses_where_the_tree_needs_them() {
    let a = || Account::AGE.gt(1);
    let b = || Account::BALANCE.gt(2);
    let c = || Account::LIMIT.gt(3);
    assert_eq!(
        expression(a().and(b()).and(c())),
        "#n0 > :v0 AND #n1 > :v1 AND #n2 > :v2"
    );
    assert_eq!(
        expression(a().or(b()).and(c())),
        "(#n0 > :v0 OR #n1 > :v1) AND #n2 > :v2"
    );
    assert_eq!(
        expression(a().and(b().or(c()))),
        "#n0 > :v0 AND (#n1 > :v1 OR #n2 > :v2)"
    );
    assert_eq!(
        expression(a().and(b()).or(c())),
        "(#n0 > :v0 AND #n1 > :v1) OR #n2 > :v2"
    );
    assert_eq!(expression(a().not()), "NOT (#n0 > :v0)");
    assert_eq!(
        expression(!(a() | b()) & c()),
        "NOT (#n0 > :v0 OR #n1 > :v1) AND #n2 > :v2"
    );
    assert_eq!(
        expression(Account::AGE.between(1, 2).not()),
        "NOT (#n0 BETWEEN :v0 AND :v1)"
    );
}

#[test]
fn none_means_absent() {
    assert_eq!(
        expression(Account::NICKNAME.eq(None)),
        "attribute_not_exists(#n0)"
    );
    assert_eq!(
        expression(Account::NICKNAME.ne(None)),
        "attribute_exists(#n0)"
    );
    assert_eq!(expression(Account::NICKNAME.eq("x")), "#n0 = :v0");
    assert_eq!(
        expression(Account::TAGS.eq(HashSet::new())),
        "attribute_not_exists(#n0)"
    );
}

#[test]
fn nested_paths_list_elements_and_map_keys() {
    let (expression, names_map, _) = render(
        Account::NOTES
            .at(1)
            .eq("second")
            .and(Account::SCORES.key("math").ge(90))
            .and(Account::ADDRESS.key("city").begins_with("Lon")),
    );
    assert_eq!(
        expression,
        "#n0[1] = :v0 AND #n1.#n2 >= :v1 AND begins_with(#n3.#n4, :v2)"
    );
    assert_eq!(
        names_map,
        names(&[
            ("#n0", "notes"),
            ("#n1", "scores"),
            ("#n2", "math"),
            ("#n3", "home address"),
            ("#n4", "city")
        ])
    );
}

#[test]
fn untyped_paths_parse_and_render_safely() {
    let path = Path::parse("profile.emails[0].verified").unwrap();
    let (expression, names_map, _) = render(path.eq(true));
    assert_eq!(expression, "#n0.#n1[0].#n2 = :v0");
    assert_eq!(
        names_map,
        names(&[("#n0", "profile"), ("#n1", "emails"), ("#n2", "verified")])
    );
    // A literal name with dots and brackets stays one name.
    let (expression, names_map, _) = render(Path::name("a.b[1]").exists());
    assert_eq!(expression, "attribute_exists(#n0)");
    assert_eq!(names_map, names(&[("#n0", "a.b[1]")]));
    assert!(matches!(
        Path::parse("a..b"),
        Err(Error::InvalidPath { .. })
    ));
}

#[test]
fn display_shows_names_and_values() {
    let condition = Account::AGE
        .between(18, 30)
        .and(Account::TAGS.contains("vip").or(Account::NICKNAME.eq(None)));
    assert_eq!(
        condition.to_string(),
        r#"age BETWEEN 18 AND 30 AND (contains(tags, "vip") OR attribute_not_exists(nickname))"#
    );
}

#[test]
fn invalid_conditions_are_refused_before_sending() {
    let item = account("a");
    let refused =
        |condition: Condition<Account>| match db().put(&item).condition(condition).request() {
            Err(Error::InvalidRequest { message }) => message,
            other => panic!("expected InvalidRequest, got {other:?}"),
        };
    assert!(refused(Account::AGE.in_(Vec::<u32>::new())).contains("1 to 100 values"));
    assert!(refused(Account::AGE.in_(0..101)).contains("not 101"));
    assert!(db()
        .put(&item)
        .condition(Account::AGE.in_(0..100))
        .request()
        .is_ok());
    assert!(refused(Account::NICKNAME.gt(None)).contains("cannot be ordered"));
    assert!(refused(Account::AGE.between(30, 18)).contains("low <= high"));
    assert!(refused(Account::NAME.between("b", "a")).contains("low <= high"));
    assert!(db()
        .put(&item)
        .condition(Account::AGE.between(18, 18))
        .request()
        .is_ok());
    let message = refused(Account::BALANCE.eq(0).and(Path::name("x").eq(f64::NAN)));
    assert!(message.contains("NaN"), "{message}");
    let long = (0..400).fold(Account::AGE.gt(0), |c, i| c.and(Account::AGE.ne(i)));
    assert!(refused(long).contains("over DynamoDB's limit of 4096"));
}

#[test]
fn update_expressions() {
    let request = db()
        .update(AccountKey::new("a", "account"))
        .set(Account::NAME, "Grace")
        .set(Account::LIMIT, Account::BALANCE.plus(10))
        .set_if_not_exists(Account::STATUS, "new")
        .sub(Account::AGE, 1)
        .add(Account::BALANCE, 5)
        .add(Account::TAGS, HashSet::from(["gold".to_owned()]))
        .remove(Account::NICKNAME)
        .append(Account::NOTES, vec!["third".to_owned()])
        .set(Account::SCORES.key("math"), 100)
        .condition(Account::AGE.lt(150))
        .request()
        .unwrap();
    assert_eq!(
        request.update_expression.as_deref().unwrap(),
        "SET #wt = :wt, #n0 = :v0, #n1 = #n2 + :v1, #n3 = if_not_exists(#n3, :v2), \
         #n4 = #n4 - :v3, #n5 = list_append(if_not_exists(#n5, :v4), :v5), #n6.#n7 = :v6 \
         REMOVE #n8 ADD #n2 :v7, #n9 :v8"
    );
    // The existence check and the caller's condition share the placeholders.
    assert_eq!(
        request.condition_expression.as_deref().unwrap(),
        "attribute_exists(#n10) AND #n4 < :v9"
    );
    let names_map = request.expression_attribute_names.unwrap();
    assert_eq!(names_map["#n10"], "id");
    assert_eq!(names_map["#n4"], "age");
    // The write token: the library's proof, after a lost answer, that this update was applied.
    assert_eq!(names_map["#wt"], dynamo_model::WRITE_TOKEN);
    assert_eq!(
        request.expression_attribute_values.unwrap()[":v4"],
        AttributeValue::L(vec![])
    );
}

#[test]
fn update_of_a_set_and_removal_of_elements() {
    let request = db()
        .update(AccountKey::new("a", "account"))
        .delete(Account::TAGS, HashSet::from(["beta".to_owned()]))
        .remove(Account::NOTES.at(0))
        .remove(Account::SCORES.key("art"))
        .set(Account::STATUS, None)
        .request()
        .unwrap();
    assert_eq!(
        request.update_expression.as_deref().unwrap(),
        "SET #wt = :wt REMOVE #n0[0], #n1.#n2, #n3 DELETE #n4 :v0"
    );
}

#[test]
fn invalid_updates_are_refused_before_sending() {
    let refused = |request: dynamo_model::Result<
        aws_sdk_dynamodb::operation::update_item::UpdateItemInput,
    >| {
        match request {
            Err(Error::InvalidRequest { message }) => message,
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    };
    let key = || AccountKey::new("a", "account");
    assert!(refused(db().update(key()).request()).contains("no actions"));
    assert!(refused(db().update(key()).set(Account::SK, "x").request()).contains("primary key"));
    assert!(refused(
        db().update(key())
            .add(Account::TAGS, HashSet::from(["a".to_owned()]))
            .delete(Account::TAGS, HashSet::from(["b".to_owned()]))
            .request()
    )
    .contains("overlap"));
    assert!(refused(
        db().update(key())
            .set(Account::SCORES, HashMap::new())
            .set(Account::SCORES.key("math"), 1)
            .request()
    )
    .contains("overlap"));
    assert!(matches!(
        db().update(AccountKey::new("", "x"))
            .set(Account::AGE, 1)
            .request(),
        Err(Error::InvalidValue { .. })
    ));
}
