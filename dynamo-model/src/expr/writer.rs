//! `ExpressionWriter`: the one place expression strings are assembled.
//!
//! Every attribute name becomes a `#nN` placeholder and every value a `:vN` placeholder, so no
//! text a user supplies is ever spliced into an expression. One writer serves one request, so
//! its condition, update, key condition, filter and projection share one placeholder space, and
//! the same attribute name reuses one placeholder.
//!
//! Conditions and updates render through a [`Sink`]: the writer for requests, [`DisplaySink`]
//! for the readable `Display` form. One renderer, two outputs.

use std::collections::HashMap;
use std::fmt::Write;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expr::condition::{Comparator, Node};
use crate::expr::operand::Term;
use crate::expr::path::{Path, PathElement};
use crate::expr::update::{Action, SetValue};

/// `ExpressionAttributeNames`: placeholder -> attribute name.
pub(crate) type Names = HashMap<String, String>;
/// `ExpressionAttributeValues`: placeholder -> value.
pub(crate) type Values = HashMap<String, AttributeValue>;

/// DynamoDB's limit on the length of any one expression string.
pub const MAX_EXPRESSION_LENGTH: usize = 4096;
/// DynamoDB's limit on the values of one `IN`.
pub const MAX_IN_VALUES: usize = 100;

/// A condition expression, rendered with its name and value maps (all `None` without a
/// condition): what a conditional write attaches to its request, with [`with_condition!`].
#[derive(Debug, Default)]
pub(crate) struct RenderedCondition {
    pub(crate) expression: Option<String>,
    pub(crate) names: Option<Names>,
    pub(crate) values: Option<Values>,
}

impl RenderedCondition {
    /// Renders `a AND b AND …` (nothing for no parts) in a writer of its own.
    pub(crate) fn of(parts: &[impl AsRef<Node>]) -> Result<RenderedCondition> {
        if parts.is_empty() {
            return Ok(RenderedCondition::default());
        }
        let mut writer = ExpressionWriter::new();
        let expression = writer.conjunction("condition expression", parts);
        let (names, values) = writer.finish()?;
        Ok(RenderedCondition {
            expression: Some(expression),
            names,
            values,
        })
    }
}

/// Sets a [`RenderedCondition`] on any request builder with a condition expression (the SDK's
/// builders share the setters but no trait).
macro_rules! with_condition {
    ($builder:expr, $rendered:expr) => {{
        let rendered: $crate::expr::writer::RenderedCondition = $rendered;
        $builder
            .set_condition_expression(rendered.expression)
            .set_expression_attribute_names(rendered.names)
            .set_expression_attribute_values(rendered.values)
    }};
}
pub(crate) use with_condition;

/// Where rendered expressions go.
pub(crate) trait Sink {
    fn text(&mut self, text: &str);
    fn path(&mut self, path: &Path);
    fn value(&mut self, value: &AttributeValue);
    /// The expression cannot be rendered; the first failure is reported.
    fn fail(&mut self, message: String);
}

/// Allocates placeholders for one request and collects the name and value maps.
///
/// The maps are the SDK's own, filled as the expressions are written: `#n{i}` and `:v{i}`
/// number the entries in order. A request has few names, so a repeated name is found by a
/// scan of the entries rather than by a second map.
#[derive(Debug, Default)]
pub(crate) struct ExpressionWriter {
    names: Names,
    values: Values,
    error: Option<String>,
    out: String,
    /// The attribute and value of a write token set under `#wt` / `:wt`: entered in the maps
    /// by `finish`, after every numbered placeholder.
    token: Option<(&'static str, AttributeValue)>,
}

/// Room for the names or values of a typical request, reserved at the first entry, so the
/// map is not grown (and rehashed) on the way.
const TYPICAL_ENTRIES: usize = 7;

/// `#n12`, `:v3`: a placeholder's text.
fn placeholder(prefix: &str, index: usize) -> String {
    let mut text = String::with_capacity(prefix.len() + 4);
    text.push_str(prefix);
    text.push_str(itoa::Buffer::new().format(index));
    text
}

impl ExpressionWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Starts an expression: most fit in 64 bytes, one allocation.
    fn start(&mut self) {
        self.out.reserve(64);
    }

    /// Renders a condition (or filter) expression.
    #[cfg(test)]
    pub(crate) fn condition(&mut self, what: &str, node: &Node) -> String {
        self.start();
        node.render(self);
        self.take(what)
    }

    /// Renders `a AND b AND c` from borrowed conditions, without building a new tree.
    pub(crate) fn conjunction(&mut self, what: &str, parts: &[impl AsRef<Node>]) -> String {
        self.start();
        for (i, part) in parts.iter().enumerate() {
            let part = part.as_ref();
            if i > 0 {
                self.text(" AND ");
            }
            // AND is associative: only an OR among several parts needs parentheses here.
            if parts.len() > 1 && matches!(part, Node::Or(_)) {
                self.text("(");
                part.render(self);
                self.text(")");
            } else {
                part.render(self);
            }
        }
        self.take(what)
    }

    /// Renders a query's key condition: `hash = value`, and the range condition if any.
    pub(crate) fn key_condition(
        &mut self,
        hash: &str,
        value: &Term,
        range: Option<&Node>,
    ) -> String {
        self.start();
        self.name(hash);
        self.text(" = ");
        term(self, value);
        if let Some(range) = range {
            self.text(" AND ");
            range.render(self);
        }
        self.take("key condition expression")
    }

    /// Renders an update expression.
    pub(crate) fn update(&mut self, actions: &[Action]) -> String {
        self.start();
        render_update(actions, false, self);
        self.take("update expression")
    }

    /// Renders an update expression that also sets `name` (the library's write token) to
    /// `value`, first and under placeholders of its own (`SET #wt = :wt, …`), so the caller's
    /// placeholders keep the numbers they have without it.
    pub(crate) fn update_with_token(
        &mut self,
        actions: &[Action],
        name: &'static str,
        value: AttributeValue,
    ) -> String {
        self.start();
        self.text("SET #wt = :wt");
        self.token = Some((name, value));
        render_update(actions, true, self);
        self.take("update expression")
    }

    /// Renders a projection expression.
    pub(crate) fn projection(&mut self, paths: &[Path]) -> String {
        self.start();
        for (i, path) in paths.iter().enumerate() {
            if i > 0 {
                self.text(", ");
            }
            self.path(path);
        }
        self.take("projection expression")
    }

    fn take(&mut self, what: &str) -> String {
        let out = std::mem::take(&mut self.out);
        if out.len() > MAX_EXPRESSION_LENGTH && self.error.is_none() {
            self.error = Some(format!(
                "the {what} is {} bytes, over DynamoDB's limit of {MAX_EXPRESSION_LENGTH}; split the request or simplify it",
                out.len()
            ));
        }
        out
    }

    /// The `ExpressionAttributeNames` and `ExpressionAttributeValues` maps, `None` when empty
    /// (DynamoDB refuses empty maps), or the first reason the request cannot be sent.
    pub(crate) fn finish(mut self) -> Result<(Option<Names>, Option<Values>)> {
        if let Some(message) = self.error {
            return Err(Error::InvalidRequest { message });
        }
        if let Some((name, value)) = self.token.take() {
            self.names.insert("#wt".to_owned(), name.to_owned());
            self.values.insert(":wt".to_owned(), value);
        }
        let names = (!self.names.is_empty()).then_some(self.names);
        let values = (!self.values.is_empty()).then_some(self.values);
        Ok((names, values))
    }

    fn name(&mut self, name: &str) {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, known)| *known == name) {
            self.out.push_str(placeholder);
            return;
        }
        let placeholder = placeholder("#n", self.names.len());
        self.out.push_str(&placeholder);
        if self.names.is_empty() {
            self.names.reserve(TYPICAL_ENTRIES);
        }
        self.names.insert(placeholder, name.to_owned());
    }
}

impl Sink for ExpressionWriter {
    fn text(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn path(&mut self, path: &Path) {
        // DynamoDB's limits on a document path, checked here where every expression's paths
        // pass: no empty name, names under 64 KB, at most 32 levels.
        let elements = path.elements();
        if elements.len() > crate::limits::MAX_NESTING_LEVELS {
            self.fail(format!(
                "the path `{}` has {} levels, over DynamoDB's limit of {}",
                shorten(&path.to_string()),
                elements.len(),
                crate::limits::MAX_NESTING_LEVELS
            ));
        }
        for element in elements {
            if let PathElement::Name(name) = element {
                if name.is_empty() {
                    self.fail(format!(
                        "the path `{}` has an empty attribute name, which DynamoDB refuses",
                        shorten(&path.to_string())
                    ));
                } else if name.len() > crate::limits::MAX_ATTRIBUTE_NAME {
                    self.fail(format!(
                        "an attribute name in a path is {} bytes, over DynamoDB's limit of {}",
                        name.len(),
                        crate::limits::MAX_ATTRIBUTE_NAME
                    ));
                }
            }
        }
        for (i, element) in elements.iter().enumerate() {
            match element {
                PathElement::Name(name) => {
                    if i > 0 {
                        self.out.push('.');
                    }
                    self.name(name);
                }
                PathElement::Index(index) => {
                    self.out.push('[');
                    self.out.push_str(itoa::Buffer::new().format(*index));
                    self.out.push(']');
                }
            }
        }
    }

    fn value(&mut self, value: &AttributeValue) {
        let placeholder = placeholder(":v", self.values.len());
        self.out.push_str(&placeholder);
        if self.values.is_empty() {
            self.values.reserve(TYPICAL_ENTRIES);
        }
        self.values.insert(placeholder, value.clone());
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }
}

/// At most 80 characters of a path, for an error message.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Renders the readable form: real names and values, for `Display` and logs.
pub(crate) struct DisplaySink {
    out: String,
}

impl DisplaySink {
    pub(crate) fn new() -> Self {
        DisplaySink { out: String::new() }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

impl Sink for DisplaySink {
    fn text(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn path(&mut self, path: &Path) {
        let _ = write!(self.out, "{path}");
    }

    fn value(&mut self, value: &AttributeValue) {
        write_readable(&mut self.out, value);
    }

    fn fail(&mut self, message: String) {
        let _ = write!(self.out, "<invalid: {message}>");
    }
}

fn write_readable(out: &mut String, value: &AttributeValue) {
    let _ = match value {
        AttributeValue::S(s) => write!(out, "{s:?}"),
        AttributeValue::N(n) => write!(out, "{n}"),
        AttributeValue::B(b) => write!(out, "<{} bytes>", b.as_ref().len()),
        AttributeValue::Bool(b) => write!(out, "{b}"),
        AttributeValue::Null(_) => write!(out, "null"),
        AttributeValue::Ss(members) => write!(out, "<<{}>>", quoted(members)),
        AttributeValue::Ns(members) => write!(out, "<<{}>>", members.join(", ")),
        AttributeValue::Bs(members) => write!(out, "<<{} binaries>>", members.len()),
        AttributeValue::L(list) => {
            out.push('[');
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_readable(out, item);
            }
            out.push(']');
            Ok(())
        }
        AttributeValue::M(map) => {
            out.push('{');
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{key:?}: ");
                write_readable(out, &map[key]);
            }
            out.push('}');
            Ok(())
        }
        _ => write!(out, "<unknown>"),
    };
}

fn quoted(members: &[String]) -> String {
    members
        .iter()
        .map(|m| format!("{m:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---- rendering -----------------------------------------------------------------------------

fn term(sink: &mut impl Sink, term: &Term) {
    match term {
        Term::Path(path) => sink.path(path),
        Term::Size(path) => {
            sink.text("size(");
            sink.path(path);
            sink.text(")");
        }
        Term::Value(value) => sink.value(value),
        Term::Absent => sink.fail(
            "`None` or an empty set has no DynamoDB value here; compare with `eq(None)`/`ne(None)`, or use `exists()`/`not_exists()`".into(),
        ),
        Term::Invalid(error) => sink.fail(Error::from(error.clone()).to_string()),
    }
}

fn function(sink: &mut impl Sink, name: &str, path: &Path, argument: Option<&Term>) {
    sink.text(name);
    sink.text("(");
    sink.path(path);
    if let Some(argument) = argument {
        sink.text(", ");
        term(sink, argument);
    }
    sink.text(")");
}

impl Node {
    pub(crate) fn render(&self, sink: &mut impl Sink) {
        match self {
            Node::Compare(Term::Path(path), comparator, Term::Absent) => match comparator {
                // An absent value: the attribute is missing (or present, for `<>`).
                Comparator::Eq => function(sink, "attribute_not_exists", path, None),
                Comparator::Ne => function(sink, "attribute_exists", path, None),
                _ => sink.fail(format!(
                    "`{path}` cannot be ordered against `None` or an empty set"
                )),
            },
            Node::Compare(left, comparator, right) => {
                term(sink, left);
                sink.text(" ");
                sink.text(comparator.symbol());
                sink.text(" ");
                term(sink, right);
            }
            Node::Between(operand, low, high) => {
                if let (Term::Value(low), Term::Value(high)) = (low, high) {
                    if order(low, high) == Some(std::cmp::Ordering::Greater) {
                        sink.fail(
                            "`BETWEEN low AND high` needs low <= high; DynamoDB refuses it otherwise".into(),
                        );
                    }
                }
                term(sink, operand);
                sink.text(" BETWEEN ");
                term(sink, low);
                sink.text(" AND ");
                term(sink, high);
            }
            Node::In(operand, values) => {
                if values.is_empty() || values.len() > MAX_IN_VALUES {
                    sink.fail(format!(
                        "`IN` takes 1 to {MAX_IN_VALUES} values, not {}",
                        values.len()
                    ));
                }
                term(sink, operand);
                sink.text(" IN (");
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        sink.text(", ");
                    }
                    term(sink, value);
                }
                sink.text(")");
            }
            Node::Exists(path) => function(sink, "attribute_exists", path, None),
            Node::NotExists(path) => function(sink, "attribute_not_exists", path, None),
            Node::Type(path, ty) => {
                let code = Term::Value(AttributeValue::S(ty.code().to_owned()));
                function(sink, "attribute_type", path, Some(&code));
            }
            Node::BeginsWith(path, prefix) => function(sink, "begins_with", path, Some(prefix)),
            Node::Contains(path, member) => function(sink, "contains", path, Some(member)),
            Node::And(children) => join(sink, children, " AND "),
            Node::Or(children) => join(sink, children, " OR "),
            Node::Not(inner) => {
                sink.text("NOT ");
                grouped(sink, inner, true);
            }
        }
    }
}

/// DynamoDB's order of two values of one type: numbers by value, strings and binaries by bytes.
fn order(a: &AttributeValue, b: &AttributeValue) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (AttributeValue::N(a), AttributeValue::N(b)) => {
            match (a.parse::<i128>(), b.parse::<i128>()) {
                (Ok(a), Ok(b)) => Some(a.cmp(&b)),
                _ => a.parse::<f64>().ok()?.partial_cmp(&b.parse::<f64>().ok()?),
            }
        }
        (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.as_ref().cmp(b.as_ref())),
        _ => None,
    }
}

fn join(sink: &mut impl Sink, children: &[Node], separator: &str) {
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            sink.text(separator);
        }
        grouped(sink, child, false);
    }
}

/// Parenthesizes `AND`/`OR` groups inside another group (and anything under `NOT`), so the
/// rendered expression means what the tree means whatever DynamoDB's precedence.
fn grouped(sink: &mut impl Sink, node: &Node, always: bool) {
    if always || matches!(node, Node::And(_) | Node::Or(_)) {
        sink.text("(");
        node.render(sink);
        sink.text(")");
    } else {
        node.render(sink);
    }
}

fn set_value(sink: &mut impl Sink, value: &SetValue) {
    match value {
        SetValue::Term(Term::Size(_)) => sink.fail("`size()` cannot be used in an update".into()),
        SetValue::Term(t) => term(sink, t),
        SetValue::Plus(left, right) | SetValue::Minus(left, right) => {
            set_value(sink, left);
            sink.text(if matches!(value, SetValue::Plus(..)) {
                " + "
            } else {
                " - "
            });
            set_value(sink, right);
        }
        SetValue::IfNotExists(path, default) => {
            sink.text("if_not_exists(");
            sink.path(path);
            sink.text(", ");
            set_value(sink, default);
            sink.text(")");
        }
        SetValue::ListAppend(first, second) => {
            sink.text("list_append(");
            set_value(sink, first);
            sink.text(", ");
            set_value(sink, second);
            sink.text(")");
        }
    }
}

/// `SET a = :v, b = b + :w REMOVE c ADD d :x DELETE e :y`: actions grouped by clause, in the
/// order they were added.
pub(crate) fn render_update(actions: &[Action], set_open: bool, sink: &mut impl Sink) {
    let mut first_clause = !set_open;
    for clause in ["SET", "REMOVE", "ADD", "DELETE"] {
        // `set_open`: a SET clause was started; its actions continue it.
        let mut first = !(set_open && clause == "SET");
        for action in actions.iter().filter(|a| a.clause() == clause) {
            if first {
                if !first_clause {
                    sink.text(" ");
                }
                sink.text(clause);
                sink.text(" ");
                first = false;
                first_clause = false;
            } else {
                sink.text(", ");
            }
            match action {
                Action::Set(path, value) => {
                    sink.path(path);
                    sink.text(" = ");
                    set_value(sink, value);
                }
                Action::Remove(path) => sink.path(path),
                Action::Add(path, value) | Action::Delete(path, value) => {
                    sink.path(path);
                    sink.text(" ");
                    term(sink, value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_name_reuses_its_placeholder() {
        let mut writer = ExpressionWriter::new();
        let status = Path::name("status");
        let node = Node::And(vec![Node::Exists(status.clone()), Node::NotExists(status)]);
        let out = writer.condition("condition expression", &node);
        assert_eq!(out, "attribute_exists(#n0) AND attribute_not_exists(#n0)");
        let (names, values) = writer.finish().unwrap();
        assert_eq!(
            names.unwrap(),
            HashMap::from([("#n0".to_owned(), "status".to_owned())])
        );
        assert!(values.is_none());
    }
}
