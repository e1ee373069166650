//! `ExpressionWriter`: the one place expression strings are assembled.
//!
//! Every attribute name becomes a `#nN` placeholder and every value a `:vN` placeholder, so no
//! text a user supplies is ever spliced into an expression. One writer serves one request, so
//! its condition, update, key condition, filter and projection share one placeholder space, and
//! the same attribute name reuses one placeholder.

use std::collections::HashMap;
use std::fmt::Write;

use aws_sdk_dynamodb::types::AttributeValue;

/// `ExpressionAttributeNames`: placeholder -> attribute name.
pub(crate) type Names = HashMap<String, String>;
/// `ExpressionAttributeValues`: placeholder -> value.
pub(crate) type Values = HashMap<String, AttributeValue>;

/// Allocates placeholders for one request and collects the name and value maps.
#[derive(Debug, Default)]
pub(crate) struct ExpressionWriter {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl ExpressionWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Writes the placeholder for attribute `name` into `out`, reusing it if already allocated.
    pub(crate) fn name(&mut self, out: &mut String, name: &str) {
        let next = self.names.len();
        let placeholder = self
            .names
            .entry(name.to_owned())
            .or_insert_with(|| format!("#n{next}"));
        out.push_str(placeholder);
    }

    /// Writes a fresh placeholder for `value` into `out`.
    #[allow(dead_code)] // used by conditions and updates
    pub(crate) fn value(&mut self, out: &mut String, value: AttributeValue) {
        let placeholder = format!(":v{}", self.values.len());
        out.push_str(&placeholder);
        self.values.insert(placeholder, value);
    }

    /// Writes `function(#name)`, e.g. `attribute_not_exists(#n0)`.
    pub(crate) fn function_of_name(&mut self, out: &mut String, function: &str, name: &str) {
        let _ = write!(out, "{function}(");
        self.name(out, name);
        out.push(')');
    }

    /// The `ExpressionAttributeNames` and `ExpressionAttributeValues` maps, `None` when empty
    /// (DynamoDB refuses empty maps).
    pub(crate) fn finish(self) -> (Option<Names>, Option<Values>) {
        let names = (!self.names.is_empty()).then(|| {
            self.names
                .into_iter()
                .map(|(name, placeholder)| (placeholder, name))
                .collect()
        });
        let values = (!self.values.is_empty()).then_some(self.values);
        (names, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_name_reuses_its_placeholder() {
        let mut writer = ExpressionWriter::new();
        let mut out = String::new();
        writer.function_of_name(&mut out, "attribute_not_exists", "status");
        out.push_str(" AND ");
        writer.function_of_name(&mut out, "attribute_not_exists", "status");
        assert_eq!(
            out,
            "attribute_not_exists(#n0) AND attribute_not_exists(#n0)"
        );
        let (names, values) = writer.finish();
        assert_eq!(
            names.unwrap(),
            HashMap::from([("#n0".to_owned(), "status".to_owned())])
        );
        assert!(values.is_none());
    }
}
