//! The library's `tracing` spans: one per request, with OpenTelemetry's DynamoDB fields; a batch
//! or transaction is a parent span with a child per request.

// A binary of its own: the test sets a scoped subscriber, and in the shared suite the spans of
// the calls it makes were at times lost to the interest that tracing cached for their
// callsites while other tests ran them with no subscriber.
#[path = "suite/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dynamo_model::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes as SpanAttributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "traced", gsi(name = "by_kind", hash = "kind", range = "n"))]
struct Thing {
    #[dynamo(hash_key)]
    id: String,
    kind: String,
    n: u32,
}

fn thing(i: u32) -> Thing {
    Thing {
        id: format!("t{i}"),
        kind: "widget".into(),
        n: i,
    }
}

/// A closed span as the test sees it: name, parent's name, and fields as text.
#[derive(Debug, Clone)]
struct Seen {
    id: u64,
    name: String,
    parent: Option<u64>,
    fields: HashMap<String, String>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<Seen>>>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Collector {
    fn on_new_span(&self, attrs: &SpanAttributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().target() != "dynamo_model" {
            return;
        }
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent().map(|p| p.id().into_u64()));
        self.spans.lock().unwrap().push(Seen {
            id: id.into_u64(),
            name: attrs.metadata().name().to_owned(),
            parent,
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap();
        // Ids are reused once a span closes: the latest span with this id.
        if let Some(seen) = spans.iter_mut().rev().find(|s| s.id == id.into_u64()) {
            values.record(&mut Fields(&mut seen.fields));
        }
    }
}

impl Collector {
    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.spans.lock().unwrap())
    }
}

#[tokio::test]
async fn requests_are_spans_with_opentelemetry_fields() {
    let db = common::db("tracing").await;
    db.create_table::<Thing>().send().await.unwrap();
    let collector = Collector::default();
    let subscriber = tracing_subscriber::registry().with(collector.clone());
    let _default = tracing::subscriber::set_default(subscriber);
    let table = db.table_name::<Thing>();

    // A put.
    db.put(&thing(0)).send().await.unwrap();
    let spans = collector.take();
    assert_eq!(spans.len(), 1, "{spans:#?}");
    let put = &spans[0];
    assert_eq!(put.name, "PutItem");
    assert_eq!(put.field("db.system.name"), Some("aws.dynamodb"));
    assert_eq!(put.field("db.operation.name"), Some("PutItem"));
    assert_eq!(put.field("aws.dynamodb.table_names"), Some(table.as_str()));
    assert_eq!(
        put.field("otel.name"),
        Some(format!("PutItem {table}").as_str())
    );
    assert_eq!(put.field("otel.kind"), Some("client"));
    assert_eq!(put.field("dynamo_model.attempts"), Some("1"));
    assert!(
        put.field("aws.request_id").is_some_and(|id| !id.is_empty()),
        "{put:?}"
    );
    let capacity = put
        .field("aws.dynamodb.consumed_capacity")
        .expect("capacity");
    assert!(
        capacity.starts_with(&format!("[{{\"TableName\":\"{table}\",\"CapacityUnits\":")),
        "{capacity}"
    );
    assert_eq!(put.field("error.type"), None);

    // A batch: one parent span, a child per request (60 items: 3 requests of at most 25).
    let things: Vec<Thing> = (1..=60).map(thing).collect();
    db.batch_put(&things).send().await.unwrap();
    let spans = collector.take();
    let parents: Vec<&Seen> = spans.iter().filter(|s| s.parent.is_none()).collect();
    assert_eq!(parents.len(), 1, "{spans:#?}");
    let batch = parents[0];
    assert_eq!(batch.name, "BatchWriteItem");
    assert_eq!(batch.field("dynamo_model.requests"), Some("3"));
    assert_eq!(
        batch.field("aws.dynamodb.table_names"),
        Some(table.as_str())
    );
    let children: Vec<&Seen> = spans
        .iter()
        .filter(|s| s.parent == Some(batch.id))
        .collect();
    assert_eq!(children.len(), 3, "{spans:#?}");
    for child in children {
        assert_eq!(child.name, "BatchWriteItem");
        assert!(child.field("aws.request_id").is_some(), "{child:?}");
        assert!(
            child.field("aws.dynamodb.consumed_capacity").is_some(),
            "{child:?}"
        );
    }

    // A query page over an index: its counts and the index.
    let page = db
        .query::<Thing>()
        .index(Thing::BY_KIND)
        .hash("widget")
        .range(Thing::N.lt(20))
        .filter(Thing::ID.begins_with("t1"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 11, "t1 and t10..t19");
    let spans = collector.take();
    let query = spans.first().expect("a query span");
    assert_eq!(query.name, "Query");
    assert_eq!(query.field("aws.dynamodb.index_name"), Some("by_kind"));
    assert_eq!(query.field("aws.dynamodb.count"), Some("11"));
    assert_eq!(query.field("aws.dynamodb.scanned_count"), Some("20"));

    // A failure: its error type and status.
    let err = db.create(&thing(0)).send().await.unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }));
    let spans = collector.take();
    let create = spans.last().expect("a create span");
    assert_eq!(create.field("error.type"), Some("AlreadyExists"));
    assert_eq!(create.field("otel.status_code"), Some("ERROR"));

    // A transaction: a parent, a child per request sent.
    db.transact_write()
        .put(&thing(100))
        .delete::<Thing>(ThingKey::new("t1"))
        .send()
        .await
        .unwrap();
    let spans = collector.take();
    let parent = spans.iter().find(|s| s.parent.is_none()).expect("a parent");
    assert_eq!(parent.name, "TransactWriteItems");
    assert_eq!(parent.field("dynamo_model.requests"), Some("1"));
    assert!(spans
        .iter()
        .any(|s| s.parent == Some(parent.id) && s.field("aws.request_id").is_some()));

    // A request built outside a request span is the same whatever the caller's span.
    let outer = tracing::info_span!(target: "dynamo_model_test", "handler");
    let _entered = outer.enter();
    let input = db.put(&thing(0)).request().unwrap();
    assert_eq!(input.return_consumed_capacity, None);
}
