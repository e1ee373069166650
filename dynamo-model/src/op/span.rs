//! `tracing` spans of requests, shaped by OpenTelemetry's semantic conventions for DynamoDB, so
//! an OTel pipeline (e.g. `tracing-opentelemetry`) shows them as database client spans.
//!
//! Every request the library sends runs inside one span at `INFO`, target `dynamo_model`, named
//! by its DynamoDB operation (`PutItem`, `Query`, …), with the fields:
//! - `db.system.name` = `aws.dynamodb`, `db.operation.name`, `aws.dynamodb.table_names`
//!   (comma-separated when several), `aws.dynamodb.index_name` (queries and scans of an index);
//! - when answered: `aws.request_id`, `aws.dynamodb.consumed_capacity` (the JSON of each
//!   `ConsumedCapacity`, as the convention asks: capacity is requested whenever the span is
//!   recorded), `aws.dynamodb.count` and `aws.dynamodb.scanned_count` (queries and scans);
//! - `dynamo_model.attempts`: how many times the library sent it (writes are retried by the
//!   library; the SDK's own retries of reads show as its `try_attempt` spans inside this one);
//! - on failure: `error.type` (DynamoDB's error code, or the library's error kind) and
//!   `otel.status_code` = `ERROR`; `otel.name` (`PutItem orders`) and `otel.kind` = `client`
//!   for `tracing-opentelemetry`.
//!
//! Batches and transactions are a parent span (`BatchWriteItem`, `BatchGetItem`,
//! `TransactWriteItems`, `TransactGetItems`, with `dynamo_model.requests`: how many requests it
//! sent) with a child span of the same name per request sent. With no subscriber, or one that
//! does not record these spans, nothing is formatted or allocated: a span costs a check of a
//! cached flag (BENCHMARKS.md, "Tracing spans").

use std::fmt::Write as _;
use std::future::Future;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::ConsumedCapacity;
use futures::FutureExt as _;
use tracing::Instrument;

use crate::error::Error;

/// The span of one request (or one batch or transaction, the parent of its requests). `$tables`
/// is evaluated only when the span is recorded.
macro_rules! request_span {
    ($operation:literal, $tables:expr) => {{
        let span = tracing::info_span!(
            target: "dynamo_model",
            $operation,
            db.system.name = "aws.dynamodb",
            db.operation.name = $operation,
            aws.dynamodb.table_names = tracing::field::Empty,
            aws.dynamodb.index_name = tracing::field::Empty,
            aws.dynamodb.consumed_capacity = tracing::field::Empty,
            aws.dynamodb.count = tracing::field::Empty,
            aws.dynamodb.scanned_count = tracing::field::Empty,
            aws.request_id = tracing::field::Empty,
            dynamo_model.attempts = tracing::field::Empty,
            dynamo_model.requests = tracing::field::Empty,
            error.type = tracing::field::Empty,
            otel.name = tracing::field::Empty,
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
        );
        if !span.is_disabled() {
            let tables = $tables;
            span.record("aws.dynamodb.table_names", tracing::field::display(&tables));
            span.record(
                "otel.name",
                tracing::field::display(format_args!("{} {}", $operation, tables)),
            );
        }
        span
    }};
}
pub(crate) use request_span;

/// The distinct table names, in order of first use, comma-separated.
pub(crate) fn table_names<'a>(tables: impl IntoIterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = Vec::new();
    for table in tables {
        if !names.contains(&table) {
            names.push(table);
        }
    }
    names.join(",")
}

/// Runs `request` inside `span`, recording its failure on the span. A combinator, not an
/// `async fn`: an `async fn` would hold the request's future twice (its argument and the
/// instrumented copy), doubling the stack an unoptimised build needs at each level.
pub(crate) fn traced<T>(
    span: tracing::Span,
    request: impl Future<Output = crate::Result<T>>,
) -> impl Future<Output = crate::Result<T>> {
    let recorder = span.clone();
    request.instrument(span).inspect(move |result| {
        if let Err(error) = result {
            if !recorder.is_disabled() {
                failed(&recorder, error);
            }
        }
    })
}

/// The library's request span the code runs in, when one is recorded. With no subscriber ever
/// installed this is one atomic load, and nothing else runs on the request path.
fn current() -> Option<tracing::Span> {
    if !tracing::dispatcher::has_been_set() {
        return None;
    }
    let span = tracing::Span::current();
    span.metadata()
        .is_some_and(|meta| meta.target() == "dynamo_model")
        .then_some(span)
}

/// Whether the request being built runs in a request span that is recorded: then it asks
/// DynamoDB for its consumed capacity, which the span reports. (Only the library's own spans:
/// a request built outside one, by `.request()`, is the same whatever the caller's span.)
pub(crate) fn recording() -> bool {
    current().is_some()
}

/// Records what DynamoDB answered on the current request span.
pub(crate) fn answered(request_id: Option<&str>, consumed: &[ConsumedCapacity]) {
    let Some(span) = current() else {
        return;
    };
    if let Some(id) = request_id {
        span.record("aws.request_id", id);
    }
    if !consumed.is_empty() {
        span.record("aws.dynamodb.consumed_capacity", capacity_json(consumed));
    }
}

/// Records a query's or scan's counts on the current request span.
pub(crate) fn counted(count: i32, scanned: i32) {
    if let Some(span) = current() {
        span.record("aws.dynamodb.count", count);
        span.record("aws.dynamodb.scanned_count", scanned);
    }
}

/// Records how many requests a batch or transaction has sent, on its (current) parent span.
pub(crate) fn requests(requests: usize) {
    if let Some(span) = current() {
        span.record("dynamo_model.requests", requests);
    }
}

/// Records how many times the library sent the current request.
pub(crate) fn attempts(attempts: u32) {
    if let Some(span) = current() {
        span.record("dynamo_model.attempts", attempts);
    }
}

fn failed(span: &tracing::Span, error: &Error) {
    span.record("otel.status_code", "ERROR");
    span.record("error.type", error_type(error));
    if let Error::Sdk {
        request_id: Some(id),
        ..
    } = error
    {
        span.record("aws.request_id", id.as_str());
    }
}

/// DynamoDB's error code when it answered with one, or the library's error kind.
fn error_type(error: &Error) -> &str {
    match error {
        Error::Sdk {
            code: Some(code), ..
        } => code,
        Error::Sdk { .. } => "Sdk",
        Error::Attribute { .. } => "Attribute",
        Error::InvalidValue { .. } => "InvalidValue",
        Error::Validation { .. } => "Validation",
        Error::ItemTooLarge { .. } => "ItemTooLarge",
        Error::AlreadyExists { .. } => "AlreadyExists",
        Error::NotFound { .. } => "NotFound",
        Error::ConditionFailed { .. } => "ConditionFailed",
        Error::Unprocessed { .. } => "Unprocessed",
        Error::BatchStopped { .. } => "BatchStopped",
        Error::TransactionCanceled { .. } => "TransactionCanceled",
        Error::VersionConflict { .. } => "VersionConflict",
        Error::TableNotFound { .. } => "TableNotFound",
        Error::InvalidPath { .. } => "InvalidPath",
        Error::InvalidCursor { .. } => "InvalidCursor",
        Error::InvalidRequest { .. } => "InvalidRequest",
        Error::Internal { .. } => "Internal",
        Error::Wait { .. } => "Wait",
        Error::OutcomeUnknown { .. } => "OutcomeUnknown",
        Error::AnswerLost { .. } => "AnswerLost",
        Error::MoreThanOne { .. } => "MoreThanOne",
        #[cfg(feature = "local")]
        Error::Local(_) => "Local",
    }
}

/// `[{"TableName":"orders","CapacityUnits":1.0,…}]`: each `ConsumedCapacity` in the JSON of
/// DynamoDB's API, as OpenTelemetry's `aws.dynamodb.consumed_capacity` holds it.
fn capacity_json(consumed: &[ConsumedCapacity]) -> String {
    let mut json = String::from("[");
    for (i, each) in consumed.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push('{');
        let mut first = true;
        let mut field = |name: &str, value: &dyn std::fmt::Display| {
            let _ = write!(json, "{}\"{name}\":{value}", if first { "" } else { "," });
            first = false;
        };
        if let Some(table) = &each.table_name {
            field("TableName", &format_args!("{table:?}"));
        }
        for (name, units) in [
            ("CapacityUnits", each.capacity_units),
            ("ReadCapacityUnits", each.read_capacity_units),
            ("WriteCapacityUnits", each.write_capacity_units),
        ] {
            if let Some(units) = units {
                field(name, &units);
            }
        }
        json.push('}');
    }
    json.push(']');
    json
}

/// An answer that carries a request id and consumed capacity.
pub(crate) trait Answer: aws_sdk_dynamodb::operation::RequestId {
    /// The capacity it reports.
    fn consumed(&self) -> &[ConsumedCapacity];
}

macro_rules! answers {
    ($($output:ty => $field:ident),* $(,)?) => {$(
        impl Answer for $output {
            fn consumed(&self) -> &[ConsumedCapacity] {
                self.$field.as_deref().unwrap_or_default()
            }
        }
    )*};
}
answers!(
    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput => consumed_capacity,
    aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsOutput => consumed_capacity,
    aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput => consumed_capacity,
    aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput => consumed_capacity,
);

/// One request of a batch or transaction, in a child span of the current (parent) span that
/// records its answer or its failure. A combinator, for the reason given at [`traced`].
pub(crate) fn child<T: Answer, E>(
    span: tracing::Span,
    request: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
) -> impl Future<Output = Result<T, SdkError<E, HttpResponse>>>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
    SdkError<E, HttpResponse>: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    let recorder = span.clone();
    request.instrument(span).inspect(move |result| {
        if recorder.is_disabled() {
            return;
        }
        let _entered = recorder.enter();
        match result {
            Ok(output) => answered(output.request_id(), output.consumed()),
            Err(error) => {
                recorder.record("otel.status_code", "ERROR");
                recorder.record(
                    "error.type",
                    aws_sdk_dynamodb::error::ProvideErrorMetadata::code(error).unwrap_or("Sdk"),
                );
                if let Some(id) = aws_sdk_dynamodb::operation::RequestId::request_id(error) {
                    recorder.record("aws.request_id", id);
                }
            }
        }
    })
}
