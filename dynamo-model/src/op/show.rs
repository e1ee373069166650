//! `Debug` of request builders: the request each would send, stored values redacted.
//!
//! A builder's `Debug` renders its request (as `.request()` does) so a log line shows what
//! would go to DynamoDB: table, key and item attribute names and types, expressions, their
//! placeholders' names, options. Rendering a write runs its model's rules (validation,
//! defaults, `set` transforms, timestamps), so the output says it is a rendering:
//! `Put { would_send: PutItemInput { .. } }`. Values are printed as `S("…")` (the type kept,
//! the data not) unless [`show_item_values`](crate::error::show_item_values) is on; a builder
//! whose request cannot be built shows the error instead: `Put { invalid: .. }`.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::create_table::CreateTableInput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::scan::ScanInput;
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{showing_item_values, Result};

/// Writes `name { would_send: request }`, the request's values redacted, or
/// `name { invalid: error }`.
pub(crate) fn request<T: Redact + fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    request: Result<T>,
) -> fmt::Result {
    match request {
        Ok(mut input) => {
            if !showing_item_values() {
                input.redact();
            }
            f.debug_struct(name).field("would_send", &input).finish()
        }
        Err(error) => f
            .debug_struct(name)
            .field("invalid", &error)
            .finish_non_exhaustive(),
    }
}

/// Replaces every stored value in a request with a placeholder of its type.
pub(crate) trait Redact {
    fn redact(&mut self);
}

const HIDDEN: &str = "…";

fn value(stored: &mut AttributeValue) {
    *stored = match std::mem::replace(stored, AttributeValue::Null(true)) {
        AttributeValue::S(_) => AttributeValue::S(HIDDEN.into()),
        AttributeValue::N(_) => AttributeValue::N(HIDDEN.into()),
        AttributeValue::B(_) => AttributeValue::B(Blob::new(HIDDEN)),
        AttributeValue::Ss(members) => AttributeValue::Ss(vec![HIDDEN.into(); members.len()]),
        AttributeValue::Ns(members) => AttributeValue::Ns(vec![HIDDEN.into(); members.len()]),
        AttributeValue::Bs(members) => AttributeValue::Bs(vec![Blob::new(HIDDEN); members.len()]),
        AttributeValue::L(mut items) => {
            items.iter_mut().for_each(value);
            AttributeValue::L(items)
        }
        AttributeValue::M(mut fields) => {
            item(&mut fields);
            AttributeValue::M(fields)
        }
        other => other,
    };
}

fn item(item: &mut HashMap<String, AttributeValue>) {
    item.values_mut().for_each(value);
}

fn optional(map: &mut Option<HashMap<String, AttributeValue>>) {
    if let Some(map) = map {
        item(map);
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact(&mut self) {
        self.iter_mut().for_each(Redact::redact);
    }
}

impl Redact for PutItemInput {
    fn redact(&mut self) {
        optional(&mut self.item);
        optional(&mut self.expression_attribute_values);
    }
}

impl Redact for GetItemInput {
    fn redact(&mut self) {
        optional(&mut self.key);
    }
}

impl Redact for DeleteItemInput {
    fn redact(&mut self) {
        optional(&mut self.key);
        optional(&mut self.expression_attribute_values);
    }
}

impl Redact for UpdateItemInput {
    fn redact(&mut self) {
        optional(&mut self.key);
        optional(&mut self.expression_attribute_values);
    }
}

impl Redact for QueryInput {
    fn redact(&mut self) {
        optional(&mut self.exclusive_start_key);
        optional(&mut self.expression_attribute_values);
    }
}

impl Redact for ScanInput {
    fn redact(&mut self) {
        optional(&mut self.exclusive_start_key);
        optional(&mut self.expression_attribute_values);
    }
}

impl Redact for CreateTableInput {
    /// A table definition holds no stored values.
    fn redact(&mut self) {}
}

impl Redact for BatchWriteItemInput {
    fn redact(&mut self) {
        for writes in self
            .request_items
            .iter_mut()
            .flat_map(|items| items.values_mut())
        {
            for write in writes {
                if let Some(put) = &mut write.put_request {
                    item(&mut put.item);
                }
                if let Some(delete) = &mut write.delete_request {
                    item(&mut delete.key);
                }
            }
        }
    }
}

impl Redact for BatchGetItemInput {
    fn redact(&mut self) {
        for keys in self
            .request_items
            .iter_mut()
            .flat_map(|items| items.values_mut())
        {
            keys.keys.iter_mut().for_each(item);
        }
    }
}

impl Redact for TransactGetItemsInput {
    fn redact(&mut self) {
        for get in self.transact_items.iter_mut().flatten() {
            if let Some(get) = &mut get.get {
                item(&mut get.key);
            }
        }
    }
}

impl Redact for TransactWriteItemsInput {
    fn redact(&mut self) {
        for action in self.transact_items.iter_mut().flatten() {
            if let Some(put) = &mut action.put {
                item(&mut put.item);
                optional(&mut put.expression_attribute_values);
            }
            if let Some(update) = &mut action.update {
                item(&mut update.key);
                optional(&mut update.expression_attribute_values);
            }
            if let Some(delete) = &mut action.delete {
                item(&mut delete.key);
                optional(&mut delete.expression_attribute_values);
            }
            if let Some(check) = &mut action.condition_check {
                item(&mut check.key);
                optional(&mut check.expression_attribute_values);
            }
        }
    }
}
