//! The rules of a model applied to an update's actions.
//!
//! - A value written whole (`set(path, value)`, `set_if_not_exists`) is checked against the
//!   field's rules and passes through its `set` transform, as in a put; through an untyped path
//!   the model's field is found first, and a value of the wrong type is refused.
//! - A relative update (`add`, `sub`, `plus`, `minus`, `append`, `prepend`, `delete` of set
//!   members) has a result only DynamoDB knows. Its `range` and `length` rules become a condition
//!   DynamoDB checks on the stored value (`sub(STOCK, 9)` with `range(min = 0)` adds
//!   `stock >= 9`); when the condition fails the error names the rule. Other rules (`custom`,
//!   `one_of`, …) and `set` transforms cannot be applied to a value the client never sees, so
//!   such an update is refused before sending.
//! - The library's own actions: the version is bumped, `updated_at` set, `created_at` set if
//!   missing; an upsert also writes the `constant` attributes and must set every required
//!   attribute, or find the item; an UpdateItem stores its write token
//!   ([`identity`](crate::pipeline::identity)).
//!
//! The first two apply as each action is added to the builder ([`ActionChecks`]); the library's
//! own actions, the limits and the conditions when the request is built ([`plan`]).

use std::borrow::Cow;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::decimal::Decimal;
use crate::error::{Error, Result, StoredItem};
use crate::expr::condition::{Comparator, Node};
use crate::expr::operand::Term;
use crate::expr::path::{Path, PathOf};
use crate::expr::update::{Action, SetValue, UpdateActions};
use crate::limits::MAX_ITEM_SIZE;
use crate::model::Model;
use crate::pipeline::write::{is_live, present, version_conflict, version_is, Conditions};
use crate::schema::{FieldHooks, Limits, Schema, Target, TemplateDef};
use crate::validate::{Bound, Violation};
use crate::value::Item;

/// A relative change to an attribute, whose result DynamoDB computes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change<'a> {
    /// `ADD path amount` on a number (an absent number counts as 0).
    AddNumber(&'a AttributeValue),
    /// `SET path = <computed>`: `a + 5`, `a - b`, `if_not_exists(a, 0) + 1`.
    Compute(&'a SetValue),
    /// `list_append` of this many elements (an absent list counts as empty).
    Append(usize),
    /// `ADD` of this many members to a set.
    AddMembers(usize),
    /// `DELETE` of this many members from a set.
    DeleteMembers(usize),
}

impl Change<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Change::AddNumber(_) => "`add`",
            Change::Compute(_) => "a computed `set`",
            Change::Append(_) => "`append`",
            Change::AddMembers(_) => "`add` of set members",
            Change::DeleteMembers(_) => "`delete` of set members",
        }
    }
}

/// A condition that keeps a relative update inside its attribute's rule, and how to explain
/// its failure from the stored item.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    target: Path,
    node: Node,
    check: Check,
}

#[derive(Debug, Clone)]
enum Check {
    /// The result is `sign * source + constant`, or `absent` when `source` is missing.
    Range {
        source: Path,
        negative: bool,
        constant: Decimal,
        absent: Option<Decimal>,
        min: Option<Bound>,
        max: Option<Bound>,
    },
    /// The result's length is the stored length plus `delta` (at most that, when not exact:
    /// set members may already be there or missing).
    Length {
        rule: &'static str,
        delta: i64,
        exact: bool,
        min: Option<usize>,
        max: Option<usize>,
    },
}

/// The guard a relative change of `target` needs, `None` when its field has no rule a relative
/// update could break; refused when a rule or transform of the field cannot be applied.
pub(crate) fn guard(
    target: &Path,
    hooks: Option<&FieldHooks>,
    change: Change<'_>,
) -> Result<Option<Guard>> {
    let Some(hooks) = hooks else {
        return Ok(None);
    };
    let refuse = |message: String| Err(Error::InvalidRequest { message });
    if hooks.write.is_some() {
        return refuse(format!(
            "`{target}` has a `set` transform, which applies to a whole value; {} cannot apply it to a value only DynamoDB computes: set the whole value instead",
            change.describe()
        ));
    }
    let Some(limits) = hooks.limits.map(|limits| limits()) else {
        return Ok(None);
    };
    if let Some(rule) = limits.other {
        return refuse(format!(
            "`{target}` has a `{rule}` rule, which cannot be checked on a value only DynamoDB computes ({}); read the item and set the new value, with `if_version` to keep concurrent writers out",
            change.describe()
        ));
    }
    match change {
        Change::AddNumber(amount) => {
            let Some(amount) = number(amount) else {
                return Ok(None);
            };
            let result = Affine {
                source: target.clone(),
                negative: false,
                constant: amount.clone(),
                absent: Some(amount),
            };
            range_guard(target, &limits, result)
        }
        Change::Compute(value) => {
            if limits.length.is_some() || limits.non_empty {
                return refuse(format!(
                    "`{target}` has a `{}` rule, and its new value is computed by DynamoDB (another attribute, or arithmetic), which no condition here can check; compute the value and set it",
                    if limits.length.is_some() { "length" } else { "non_empty" }
                ));
            }
            if limits.range.is_none() {
                return Ok(None);
            }
            match affine(value) {
                Some(result) => range_guard(target, &limits, result),
                None => refuse(format!(
                    "`{target}` has a `range` rule, and its new value is not an attribute plus or minus a number, so no condition can keep it in range; compute the value and set it"
                )),
            }
        }
        Change::Append(n) => {
            length_guard(target, &limits, i64::try_from(n).unwrap_or(i64::MAX), true)
        }
        Change::AddMembers(n) => {
            length_guard(target, &limits, i64::try_from(n).unwrap_or(i64::MAX), false)
        }
        Change::DeleteMembers(n) => length_guard(
            target,
            &limits,
            -i64::try_from(n).unwrap_or(i64::MAX),
            false,
        ),
    }
}

fn number(value: &AttributeValue) -> Option<Decimal> {
    match value {
        AttributeValue::N(n) => Decimal::parse(n),
        _ => None,
    }
}

fn bound_decimal(bound: Bound) -> Option<Decimal> {
    match bound {
        Bound::Int(n) => Some(Decimal::from_i128(n)),
        Bound::Float(x) => Decimal::from_f64(x),
    }
}

/// A result of the form `sign * source + constant` (`absent`: the result when `source` is
/// missing, for `ADD` and `if_not_exists`).
struct Affine {
    source: Path,
    negative: bool,
    constant: Decimal,
    absent: Option<Decimal>,
}

/// An operand of `+` / `-`: an attribute (with its value when missing) or a number.
enum Operand {
    Attribute(Path, Option<Decimal>),
    Number(Decimal),
}

fn operand(value: &SetValue) -> Option<Operand> {
    match value {
        SetValue::Term(Term::Path(path)) => Some(Operand::Attribute(path.clone(), None)),
        SetValue::Term(Term::Value(value)) => number(value).map(Operand::Number),
        SetValue::IfNotExists(path, inner) => match inner.as_ref() {
            SetValue::Term(Term::Value(value)) => {
                Some(Operand::Attribute(path.clone(), Some(number(value)?)))
            }
            _ => None,
        },
        _ => None,
    }
}

fn affine(value: &SetValue) -> Option<Affine> {
    let (left, right, minus) = match value {
        SetValue::Plus(left, right) => (left, right, false),
        SetValue::Minus(left, right) => (left, right, true),
        // A copy of another attribute (or of it, or a number, when missing).
        single => {
            let Operand::Attribute(source, absent) = operand(single)? else {
                return None;
            };
            return Some(Affine {
                source,
                negative: false,
                constant: Decimal::from_i128(0),
                absent,
            });
        }
    };
    match (operand(left)?, operand(right)?) {
        (Operand::Attribute(source, absent), Operand::Number(n)) => {
            let constant = if minus { n.neg() } else { n };
            Some(Affine {
                absent: absent.map(|a| a.add(&constant)),
                source,
                negative: false,
                constant,
            })
        }
        (Operand::Number(n), Operand::Attribute(source, absent)) => Some(Affine {
            absent: absent.map(|a| if minus { n.sub(&a) } else { n.add(&a) }),
            source,
            negative: minus,
            constant: n,
        }),
        _ => None,
    }
}

fn compare(path: &Path, comparator: Comparator, value: &Decimal) -> Result<Node> {
    if value.significant_digits() > 38 {
        return Err(Error::InvalidRequest {
            message: format!(
                "the bound {value} that keeps `{path}` in range has more than 38 digits, which DynamoDB cannot compare; set the value instead"
            ),
        });
    }
    Ok(Node::Compare(
        Term::Path(path.clone()),
        comparator,
        Term::Value(AttributeValue::N(value.to_string())),
    ))
}

fn in_range(value: &Decimal, min: Option<&Decimal>, max: Option<&Decimal>) -> bool {
    min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max)
}

fn range_guard(target: &Path, limits: &Limits, result: Affine) -> Result<Option<Guard>> {
    let Some((min_bound, max_bound)) = limits.range else {
        return Ok(None);
    };
    let min = min_bound.and_then(bound_decimal);
    let max = max_bound.and_then(bound_decimal);
    if min.is_none() && max.is_none() {
        return Ok(None);
    }
    // sign * s + c >= min  <=>  s >= min - c  (or, negated, s <= c - min); likewise for max.
    let mut parts = Vec::with_capacity(2);
    let source = &result.source;
    if let Some(min) = &min {
        parts.push(if result.negative {
            compare(source, Comparator::Le, &result.constant.sub(min))?
        } else {
            compare(source, Comparator::Ge, &min.sub(&result.constant))?
        });
    }
    if let Some(max) = &max {
        parts.push(if result.negative {
            compare(source, Comparator::Ge, &result.constant.sub(max))?
        } else {
            compare(source, Comparator::Le, &max.sub(&result.constant))?
        });
    }
    let absent_ok = result
        .absent
        .as_ref()
        .is_some_and(|value| in_range(value, min.as_ref(), max.as_ref()));
    Ok(Some(Guard {
        target: target.clone(),
        node: guard_node(parts, source, absent_ok),
        check: Check::Range {
            source: result.source,
            negative: result.negative,
            constant: result.constant,
            absent: result.absent,
            min: min_bound,
            max: max_bound,
        },
    }))
}

fn length_guard(target: &Path, limits: &Limits, delta: i64, exact: bool) -> Result<Option<Guard>> {
    let (rule, min, max) = match limits.length {
        Some((min, max)) => ("length", min, max),
        None if limits.non_empty => ("non_empty", Some(1), None),
        None => return Ok(None),
    };
    let min = match (min, limits.non_empty) {
        (Some(min), true) => Some(min.max(1)),
        (None, true) => Some(1),
        (min, false) => min,
    };
    let size = |comparator, n: i64| {
        Node::Compare(
            Term::Size(target.clone()),
            comparator,
            Term::Value(AttributeValue::N(n.to_string())),
        )
    };
    let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let mut parts = Vec::new();
    // What an absent attribute becomes: `delta` elements (appended or added), or still nothing.
    let absent_length = delta.max(0);
    let mut absent_ok = true;
    if let Some(max) = max.map(as_i64) {
        if delta > max {
            return Err(Error::Validation {
                violations: vec![violation(
                    target,
                    rule,
                    format!("must have at most {max} elements; this update adds {delta}"),
                )],
            });
        }
        if delta > 0 {
            parts.push(size(Comparator::Le, max - delta));
        }
        absent_ok &= absent_length <= max;
    }
    if let Some(min) = min.map(as_i64) {
        if delta < 0 || (exact && delta < min) {
            parts.push(size(Comparator::Ge, min.saturating_sub(delta).max(0)));
        } else if !exact && delta < min {
            // Adding members that may already be there: the set keeps at least what it has.
            parts.push(size(Comparator::Ge, min));
        }
        absent_ok &= absent_length >= min || delta < 0;
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(Guard {
        target: target.clone(),
        node: guard_node(parts, target, absent_ok),
        check: Check::Length {
            rule,
            delta,
            exact,
            min,
            max,
        },
    }))
}

/// The guard's condition: every part holds for the stored value, or (`absent_ok`) there is none.
fn guard_node(mut parts: Vec<Node>, source: &Path, absent_ok: bool) -> Node {
    let stored = if parts.len() == 1 {
        parts.remove(0)
    } else {
        Node::And(parts)
    };
    if absent_ok {
        Node::Or(vec![Node::NotExists(source.clone()), stored])
    } else {
        stored
    }
}

fn violation(target: &Path, rule: &'static str, message: String) -> Violation {
    let mut violation = Violation::new(target.to_string(), message);
    violation.rule = rule;
    violation
}

impl Guard {
    /// The rule this guard protects, when the stored item fails the guard's condition.
    fn explain(&self, stored: &Item) -> Option<Violation> {
        if holds(&self.node, stored) != Some(false) {
            return None;
        }
        Some(match &self.check {
            Check::Range {
                source,
                negative,
                constant,
                absent,
                min,
                max,
            } => {
                let expected = match (min, max) {
                    (Some(min), Some(max)) => format!("must be between {min} and {max}"),
                    (Some(min), None) => format!("must be at least {min}"),
                    (None, Some(max)) => format!("must be at most {max}"),
                    (None, None) => return None,
                };
                let value = source.lookup(stored).and_then(number);
                let message = match (&value, absent) {
                    (Some(value), _) => {
                        let signed = if *negative { value.neg() } else { value.clone() };
                        let result = signed.add(constant);
                        format!("{expected}; `{source}` is {value}, so the update would make it {result}; nothing was written")
                    }
                    (None, Some(absent)) => format!(
                        "{expected}; `{source}` is missing, so the update would make it {absent}; nothing was written"
                    ),
                    (None, None) => format!(
                        "{expected}; `{source}` has no stored number to compute it from; nothing was written"
                    ),
                };
                violation(&self.target, "range", message)
            }
            Check::Length {
                rule,
                delta,
                exact,
                min,
                max,
            } => {
                let length = match self.target.lookup(stored) {
                    Some(AttributeValue::L(list)) => list.len(),
                    Some(AttributeValue::Ss(set)) => set.len(),
                    Some(AttributeValue::Ns(set)) => set.len(),
                    Some(AttributeValue::Bs(set)) => set.len(),
                    _ => 0,
                };
                let length = i64::try_from(length).unwrap_or(i64::MAX);
                let result = length.saturating_add(*delta).max(0);
                let expected = match (min, max) {
                    (Some(min), Some(max)) => format!("must have {min} to {max} elements"),
                    (Some(min), None) => format!("must have at least {min} elements"),
                    (None, Some(max)) => format!("must have at most {max} elements"),
                    (None, None) => return None,
                };
                // Set members may already be there (or not): the result is a bound, not exact.
                let would = if *exact {
                    "would make it"
                } else {
                    "could make it"
                };
                violation(
                    &self.target,
                    rule,
                    format!("{expected}; it has {length}, and the update {would} {result}; nothing was written"),
                )
            }
        })
    }
}

/// Evaluates a guard's condition on a stored item, as DynamoDB did; `None` for conditions a
/// guard never holds.
fn holds(node: &Node, item: &Item) -> Option<bool> {
    match node {
        Node::NotExists(path) => Some(path.lookup(item).is_none()),
        Node::Exists(path) => Some(path.lookup(item).is_some()),
        Node::Compare(left, comparator, Term::Value(AttributeValue::N(bound))) => {
            let bound = Decimal::parse(bound)?;
            let value = match left {
                Term::Path(path) => match path.lookup(item) {
                    Some(value) => number(value)?,
                    None => return Some(false),
                },
                Term::Size(path) => {
                    let size = match path.lookup(item) {
                        Some(AttributeValue::L(list)) => list.len(),
                        Some(AttributeValue::Ss(set)) => set.len(),
                        Some(AttributeValue::Ns(set)) => set.len(),
                        Some(AttributeValue::Bs(set)) => set.len(),
                        Some(AttributeValue::M(map)) => map.len(),
                        Some(_) => return None,
                        None => return Some(false),
                    };
                    Decimal::from_i128(i128::try_from(size).unwrap_or(i128::MAX))
                }
                _ => return None,
            };
            Some(match comparator {
                Comparator::Eq => value == bound,
                Comparator::Ne => value != bound,
                Comparator::Lt => value < bound,
                Comparator::Le => value <= bound,
                Comparator::Gt => value > bound,
                Comparator::Ge => value >= bound,
            })
        }
        Node::And(parts) => parts
            .iter()
            .try_fold(true, |all, part| Some(all && holds(part, item)?)),
        Node::Or(parts) => parts
            .iter()
            .try_fold(false, |any, part| Some(any || holds(part, item)?)),
        Node::Not(inner) => holds(inner, item).map(|b| !b),
        _ => None,
    }
}

// ---- the whole update ----------------------------------------------------------------------

/// What an update sends: the caller's actions with the library's, and every condition.
pub(crate) struct Plan<'a> {
    pub(crate) actions: Cow<'a, UpdateActions>,
    pub(crate) conditions: Conditions<'a>,
    /// An upsert that does not set this required attribute: it can only update an existing item.
    pub(crate) unset_required: Option<&'static str>,
    /// The write token the update stores (rendered apart: `SET #wt = :wt`).
    pub(crate) token: Option<&'a crate::pipeline::identity::WriteToken>,
}

/// The parts of an update request the pipeline plans from.
pub(crate) struct UpdateSpec<'a> {
    pub(crate) actions: &'a UpdateActions,
    pub(crate) condition: Option<&'a Node>,
    pub(crate) upsert: bool,
    pub(crate) expected_version: Option<i128>,
    pub(crate) guards: &'a [Guard],
    /// The time the update's timestamps take (the same for every attempt).
    pub(crate) now: crate::timestamp::Timestamp,
    /// The key's fields as stored (only for a model with key templates): the parts an update
    /// does not set, and what an upsert writes.
    pub(crate) key_fields: Option<&'a Item>,
    /// The write token an UpdateItem stores (none in a transaction).
    pub(crate) token: Option<&'a crate::pipeline::identity::WriteToken>,
}

/// Plans an update of model `M`: the library's own actions added, the request checked, and
/// its conditions (the item exists unless upserting, the caller's condition, the version, the
/// guards of relative updates).
pub(crate) fn plan<'a, M: Model>(spec: &UpdateSpec<'a>) -> Result<Plan<'a>> {
    let schema = M::SCHEMA;
    if let Some(action) = spec
        .actions
        .actions
        .iter()
        .find(|a| a.path().root() == crate::pipeline::identity::WRITE_TOKEN)
    {
        return Err(Error::InvalidRequest {
            message: format!(
                "`{}` is the library's write token (dynamo_model::WRITE_TOKEN), which an update cannot change",
                action.path()
            ),
        });
    }
    let mut actions = own_actions(schema, spec.actions, spec.upsert, spec.now);
    if !schema.templates.is_empty() {
        let composed = template_actions(schema, spec.actions, spec.key_fields, spec.upsert)?;
        actions.to_mut().actions.extend(composed);
    }
    actions.check(schema)?;
    // The item after the update holds at least the values it writes, its token included.
    let token_size = spec
        .token
        .map_or(0, |_| crate::pipeline::identity::WRITE_TOKEN_SIZE);
    let written = check_values(schema, &actions)? + token_size;
    if written > MAX_ITEM_SIZE {
        return Err(Error::ItemTooLarge {
            size: written,
            limit: MAX_ITEM_SIZE,
        });
    }
    let unset_required = if spec.upsert {
        M::missing_required(&|name: &str| {
            schema.is_primary_key(name)
                || actions.actions.iter().any(|action| {
                    !matches!(action, Action::Remove(_) | Action::Delete(..))
                        && action.path().elements().len() == 1
                        && action.path().root() == name
                })
        })
    } else {
        None
    };
    let mut conditions = Conditions::default();
    if !spec.upsert || unset_required.is_some() {
        conditions.require(Some(present(schema)));
    } else if schema.ttl.is_some() {
        // An expired item is absent: the upsert may create the item, but not revive an expired
        // one with its old attributes (`send` deletes it and tries again).
        conditions.require(Some(upsert_fresh(schema)));
    }
    conditions.user(schema, spec.condition);
    if let (Some(name), Some(expected)) = (schema.version, spec.expected_version) {
        conditions.require(Some(version_is(name, expected)));
    }
    for guard in spec.guards {
        conditions.require(Some(guard.node.clone()));
    }
    Ok(Plan {
        actions,
        conditions,
        unset_required,
        token: spec.token,
    })
}

/// The limits on the values an update writes: index key values (not empty, not over their
/// size) and nesting (the path's depth and the value's). Returns the size of the values
/// written, with their attributes' names, as DynamoDB counts item sizes: one walk of each value
/// for both.
fn check_values(schema: &Schema, actions: &UpdateActions) -> Result<usize> {
    let mut written = 0;
    for action in &actions.actions {
        let path = action.path();
        let (mut size, mut levels, mut writes) = (0, 0, false);
        action.for_each_value(|value| {
            let measure = crate::limits::measure(value);
            size += measure.size;
            levels = levels.max(measure.levels);
            writes = true;
        });
        if writes {
            written += path.root().len() + size;
            let levels = path.elements().len() - 1 + levels;
            if levels > crate::limits::MAX_NESTING_LEVELS {
                return Err(Error::InvalidValue {
                    path: path.to_string(),
                    message: format!(
                        "the value would nest {levels} levels deep, over DynamoDB's limit of {}",
                        crate::limits::MAX_NESTING_LEVELS
                    ),
                });
            }
        }
        if path.elements().len() != 1 {
            continue;
        }
        let part = schema.indexes.iter().find_map(|index| {
            if index.hash_key.name == path.root() {
                Some(crate::limits::KeyPart::Partition)
            } else {
                index
                    .range_key
                    .filter(|k| k.name == path.root())
                    .map(|_| crate::limits::KeyPart::Sort)
            }
        });
        if let (Some(part), Action::Set(_, SetValue::Term(Term::Value(value)))) = (part, action) {
            crate::limits::check_key(path.root(), value, part, false)?;
        }
    }
    Ok(written)
}

/// The actions that keep a model's template attributes equal to their fields' values: a
/// template whose parts the update sets is set (removed when a part is removed: a sparse index
/// drops the item), and an upsert writes the key's fields. Refused: changing a part of the
/// primary key, writing a template attribute directly, and changing some parts of a template
/// whose other parts the update cannot know.
fn template_actions(
    schema: &Schema,
    actions: &UpdateActions,
    key_fields: Option<&Item>,
    upsert: bool,
) -> Result<Vec<Action>> {
    let refuse = |message: String| Err(Error::InvalidRequest { message });
    let mut out = Vec::new();
    for def in schema.templates {
        if let Some(action) = actions.actions.iter().find(|a| a.path().root() == def.name) {
            if !schema.is_primary_key(def.name) {
                return refuse(format!(
                    "`{}` is composed as {} from the item's fields; update those fields instead",
                    action.path(),
                    def.pattern()
                ));
            }
        }
        // Each part's new value: `Some(None)` when removed, `None` when the update leaves it.
        let mut parts: Vec<Option<Option<AttributeValue>>> = Vec::with_capacity(def.parts.len());
        for part in def.parts {
            let action = actions.actions.iter().find(|a| a.path().root() == *part);
            let Some(action) = action else {
                parts.push(None);
                continue;
            };
            if schema.is_primary_key(def.name) {
                return refuse(format!(
                    "`{part}` is part of the primary key ({} = {}), which an update cannot change; delete the item and put a new one",
                    def.name,
                    def.pattern()
                ));
            }
            let value = match action {
                Action::Set(path, SetValue::Term(Term::Value(value))) if path.elements().len() == 1 => {
                    Some(value.clone())
                }
                Action::Remove(path) if path.elements().len() == 1 => None,
                other => {
                    return refuse(format!(
                        "`{}` is a part of `{}` = {}, which is composed from the values written: set `{part}` to a value (or remove it), not {}",
                        other.path(),
                        def.name,
                        def.pattern(),
                        other.clause()
                    ))
                }
            };
            parts.push(Some(value));
        }
        // An untouched template is as stored, except on an item an upsert creates: then it is
        // written when the key's fields compose it.
        let composable_from_key = || {
            def.parts
                .iter()
                .all(|part| key_fields.is_some_and(|fields| fields.contains_key(*part)))
        };
        if parts.iter().all(Option::is_none)
            && !(upsert && !schema.is_primary_key(def.name) && composable_from_key())
        {
            continue;
        }
        out.push(compose_action(def, parts, key_fields)?);
    }
    pair_index_keys(schema, actions, key_fields, &mut out)?;
    if upsert {
        // The item may be created: it holds its key's fields like any other item.
        for (name, value) in key_fields.into_iter().flatten() {
            let path = Path::name(name.clone());
            if !schema.is_primary_key(name)
                && !actions.actions.iter().any(|a| a.path().overlaps(&path))
            {
                let value = SetValue::Term(Term::Value(value.clone()));
                out.push(Action::Set(
                    path.clone(),
                    SetValue::IfNotExists(path, Box::new(value)),
                ));
            }
        }
    }
    Ok(out)
}

/// The action writing template `def`: each part's new value (`Some(None)` when removed, `None`
/// when the update leaves it, then known only from the key's fields).
fn compose_action(
    def: &TemplateDef,
    parts: Vec<Option<Option<AttributeValue>>>,
    key_fields: Option<&Item>,
) -> Result<Action> {
    let mut values = Vec::with_capacity(parts.len());
    for (part, value) in def.parts.iter().zip(parts) {
        let value = match value {
            Some(value) => value,
            None => match key_fields.and_then(|fields| fields.get(*part)) {
                Some(value) => Some(value.clone()),
                None => {
                    return Err(Error::InvalidRequest {
                        message: format!(
                            "`{}` = {} is composed from `{part}` too, which this update does not set: set it as well (to its current value if it does not change), or put the whole item",
                            def.name,
                            def.pattern()
                        ),
                    })
                }
            },
        };
        values.push(value);
    }
    let path = Path::name(def.name);
    let values: Vec<Option<&AttributeValue>> = values.iter().map(Option::as_ref).collect();
    Ok(match crate::template::compose_values(def, &values)? {
        Some(value) => Action::Set(path, SetValue::Term(Term::Value(value))),
        None => Action::Remove(path),
    })
}

/// An index is sparse as a whole (as in a put: [`crate::template::index_partners`]): an update
/// that removes one key of an index removes the composed other; one that sets a key writes the
/// composed other too, which a removal took out before.
fn pair_index_keys(
    schema: &Schema,
    actions: &UpdateActions,
    key_fields: Option<&Item>,
    out: &mut Vec<Action>,
) -> Result<()> {
    let top = |action: &Action, name: &str| {
        action.path().elements().len() == 1 && action.path().root() == name
    };
    let written = |out: &[Action], name: &str, remove: bool| {
        out.iter()
            .chain(&actions.actions)
            .any(|a| matches!(a, Action::Remove(_)) == remove && top(a, name))
    };
    for index in schema.indexes {
        let Some(range) = index.range_key else {
            continue;
        };
        let partners =
            crate::template::index_partners(schema, index, |name| written(out, name, true));
        if !partners.is_empty() {
            for partner in partners {
                out.retain(|a| !top(a, partner));
                out.push(Action::Remove(Path::name(partner)));
            }
            continue;
        }
        for (key, partner) in [
            (index.hash_key.name, range.name),
            (range.name, index.hash_key.name),
        ] {
            let def = schema.templates.iter().find(|t| t.name == partner);
            let Some(def) = def.filter(|_| !schema.is_primary_key(partner)) else {
                continue;
            };
            if written(out, key, false)
                && !written(out, partner, false)
                && !written(out, partner, true)
            {
                out.push(compose_action(
                    def,
                    vec![None; def.parts.len()],
                    key_fields,
                )?);
            }
        }
    }
    Ok(())
}

/// `attribute_not_exists(hash key) OR <live>`: an upsert finds no item or a live one.
fn upsert_fresh(schema: &Schema) -> Node {
    let missing = Node::NotExists(Path::name(schema.hash_key.name));
    match crate::pipeline::write::live(schema) {
        Some(Node::Or(mut live)) => {
            live.insert(0, missing);
            Node::Or(live)
        }
        Some(live) => Node::Or(vec![missing, live]),
        None => missing,
    }
}

/// The caller's actions plus the library's: version bump, `updated_at`, `created_at` if
/// missing, and on an upsert the `constant` attributes if missing. An attribute the caller's
/// actions touch is left as they say.
fn own_actions<'a>(
    schema: &Schema,
    actions: &'a UpdateActions,
    upsert: bool,
    now: crate::timestamp::Timestamp,
) -> Cow<'a, UpdateActions> {
    let adds_constants = upsert && !schema.constants.is_empty();
    if schema.version.is_none()
        && schema.updated_at.is_none()
        && schema.created_at.is_none()
        && !adds_constants
    {
        return Cow::Borrowed(actions);
    }
    let mut extended = actions.clone();
    let untouched = |actions: &UpdateActions, path: &Path| {
        !actions.actions.iter().any(|a| a.path().overlaps(path))
    };
    if let Some(version) = schema.version {
        let path = Path::name(version);
        if untouched(&extended, &path) {
            extended.add(path, Term::Value(AttributeValue::N("1".into())));
        }
    }
    if let Some(updated) = schema.updated_at {
        let path = Path::name(updated.name);
        if untouched(&extended, &path) {
            let value = SetValue::Term(Term::Value(now.to_attr_as(updated.format)));
            extended.set(path, value);
        }
    }
    if let Some(created) = schema.created_at {
        let path = Path::name(created.name);
        if untouched(&extended, &path) {
            let value = SetValue::Term(Term::Value(now.to_attr_as(created.format)));
            extended.set_if_not_exists(path, value);
        }
    }
    if adds_constants {
        // A constant declared on the struct is a template of text alone: written with the
        // templates an upsert composes.
        let composed = |name: &str| schema.templates.iter().any(|t| t.name == name);
        for (name, value) in schema.constants {
            let path = Path::name(*name);
            if untouched(&extended, &path) && !composed(name) {
                extended.set_if_not_exists(path, SetValue::Term(Term::Value(value.to_attr())));
            }
        }
    }
    Cow::Owned(extended)
}

/// What a failed condition of an update means, from the stored item DynamoDB returned with
/// the failure: no (live) item, a version conflict, a relative update that would break a
/// rule, an upsert that cannot create the item, or the caller's condition.
pub(crate) fn explain_failure<M: Model>(
    spec: &UpdateSpec<'_>,
    unset_required: Option<&'static str>,
    error: Error,
) -> Error {
    let schema = M::SCHEMA;
    let Error::ConditionFailed { table, item } = error else {
        return error;
    };
    let live = item.as_ref().filter(|item| is_live(schema, item));
    if live.is_none() {
        if let (true, Some(name)) = (spec.upsert, unset_required) {
            return Error::Validation {
                violations: vec![violation(
                    &Path::name(name),
                    "required",
                    "is required: an upsert that creates the item must set it; nothing was written"
                        .into(),
                )],
            };
        }
        if !spec.upsert {
            return Error::NotFound { table };
        }
    }
    if let Some(expected) = spec.expected_version {
        match version_conflict(schema, expected, Error::ConditionFailed { table, item }) {
            Error::ConditionFailed { table: t, item: i } => return explain_guards(spec, t, i),
            other => return other,
        }
    }
    explain_guards(spec, table, item)
}

fn explain_guards(spec: &UpdateSpec<'_>, table: String, item: Option<StoredItem>) -> Error {
    if let Some(stored) = &item {
        let violations: Vec<Violation> = spec
            .guards
            .iter()
            .filter_map(|guard| guard.explain(stored))
            .collect();
        if !violations.is_empty() {
            return Error::Validation { violations };
        }
    }
    Error::ConditionFailed { table, item }
}

/// The violations of the guards, from the stored item of a canceled transaction action.
pub(crate) fn explain_guards_in(guards: &[Guard], stored: &Item) -> Vec<Violation> {
    guards
        .iter()
        .filter_map(|guard| guard.explain(stored))
        .collect()
}

// ---- each action's rules, applied as the action is added ------------------------------------

/// What an update's actions met as they were added (each value through its field's type
/// check, rules and transform; each relative change guarded): the builder keeps it, and
/// `request` and `send` report it before anything is sent.
#[derive(Default)]
pub(crate) struct ActionChecks {
    /// Values that failed their attribute's validation rules.
    pub(crate) violations: Vec<Violation>,
    /// Conditions that keep relative updates inside their attributes' rules.
    pub(crate) guards: Vec<Guard>,
    /// The first action that cannot be sent (a wrong type through an untyped path, a relative
    /// update of a field whose rules cannot be guarded).
    pub(crate) error: Option<Error>,
    /// A struct-level rule over a field the update changes, which it cannot check.
    pub(crate) item_rule: Option<(&'static str, Path)>,
}

/// The field a path of an update reaches: its hooks, and for untyped paths the type check.
pub(crate) struct Field {
    hooks: Option<&'static FieldHooks>,
    check: Option<crate::schema::TypeCheck>,
    required: bool,
}

impl ActionChecks {
    /// A removal: refused for an attribute the model requires (reached through an untyped
    /// path; through a typed one it does not compile).
    pub(crate) fn removal<M: Model>(&mut self, at: &Path) {
        if let Target::Value { required: true, .. } = M::target(at.elements()) {
            self.fail(required_removed(at));
        }
    }

    pub(crate) fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// The field at `at`: a typed path carries its hooks; an untyped one is looked up in the
    /// model, so it gets the same checks (`None`: the path cannot be in an item of the model,
    /// already reported).
    pub(crate) fn field<M: Model, P: PathOf<M>>(&mut self, path: &P, at: &Path) -> Option<Field> {
        let field = self.reach::<M, P>(path, at)?;
        if let Some(rule) = field.hooks.and_then(|hooks| hooks.item_rule) {
            self.item_rule.get_or_insert((rule, at.clone()));
        }
        Some(field)
    }

    fn reach<M: Model, P: PathOf<M>>(&mut self, path: &P, at: &Path) -> Option<Field> {
        if !path.is_untyped() {
            return Some(Field {
                hooks: path.hooks(),
                check: None,
                required: false,
            });
        }
        match M::target(at.elements()) {
            Target::Value {
                check,
                hooks,
                required,
            } => Some(Field {
                hooks,
                check: Some(check),
                required,
            }),
            Target::Unknown => Some(Field {
                hooks: None,
                check: None,
                required: false,
            }),
            Target::Invalid(what) => {
                self.fail(Error::InvalidValue {
                    path: at.to_string(),
                    message: format!(
                        "the model has no such attribute: the path goes inside a {what}, which has no part by that name or index"
                    ),
                });
                None
            }
        }
    }

    /// Type-checks a value written through an untyped path.
    pub(crate) fn type_check(&mut self, field: &Field, at: &Path, value: &AttributeValue) -> bool {
        let Some(check) = field.check else {
            return true;
        };
        match check(value) {
            Ok(()) => true,
            Err(e) => {
                let message = match Error::from(e) {
                    Error::Attribute {
                        expected, found, ..
                    } => format!("the model stores {expected} here, and the update writes {found}"),
                    other => other.to_string(),
                };
                self.fail(Error::InvalidValue {
                    path: at.to_string(),
                    message,
                });
                false
            }
        }
    }

    /// A value written whole: type-checked (untyped paths), checked against the field's rules,
    /// then passed through its `set` transform.
    pub(crate) fn whole_value(&mut self, field: &Field, at: &Path, term: Term) -> Term {
        if let Term::Value(value) = &term {
            if !self.type_check(field, at, value) {
                return term;
            }
        }
        if matches!(term, Term::Absent) && field.required {
            self.fail(required_removed(at));
        }
        crate::schema::check(field.hooks, &term, at, &mut self.violations);
        crate::schema::transform(field.hooks, term)
    }

    /// A relative change: guarded by the field's rules (or refused when they cannot be).
    pub(crate) fn relative(&mut self, field: &Field, at: &Path, change: Change<'_>) {
        match guard(at, field.hooks, change) {
            Ok(Some(guard)) => self.guards.push(guard),
            Ok(None) => {}
            Err(Error::Validation { violations }) => self.violations.extend(violations),
            Err(e) => self.fail(e),
        }
    }

    /// The value of a `set`: whole values through the field's rules and transform; computed
    /// ones guarded.
    pub(crate) fn set_value(&mut self, field: &Field, at: &Path, value: SetValue) -> SetValue {
        match value {
            SetValue::Term(Term::Path(_)) | SetValue::Plus(..) | SetValue::Minus(..) => {
                self.relative(field, at, Change::Compute(&value));
                value
            }
            SetValue::Term(term) => SetValue::Term(self.whole_value(field, at, term)),
            // `if_not_exists(at, v)` writes `v` whole, or keeps what is there.
            SetValue::IfNotExists(path, inner) if path == *at => {
                let inner = self.set_value(field, at, *inner);
                SetValue::IfNotExists(path, Box::new(inner))
            }
            other => {
                self.relative(field, at, Change::Compute(&other));
                other
            }
        }
    }
}

/// How many members a set value holds.
pub(crate) fn members(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::Ss(set) => set.len(),
        AttributeValue::Ns(set) => set.len(),
        AttributeValue::Bs(set) => set.len(),
        _ => 0,
    }
}

/// A number value as a type check sees it: the amount of a `sub` may be negative for an
/// unsigned attribute; only its being a number matters.
pub(crate) fn zero_like(value: &AttributeValue) -> AttributeValue {
    match value {
        AttributeValue::N(_) => AttributeValue::N("0".into()),
        other => other.clone(),
    }
}

fn required_removed(at: &Path) -> Error {
    Error::InvalidValue {
        path: at.to_string(),
        message:
            "the model requires this attribute; removing it would leave an item it cannot read"
                .into(),
    }
}
