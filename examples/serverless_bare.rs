//! The serverless example's API written on the bare aws-sdk-dynamodb client, as a careful user
//! would without this library: the baseline of the cold-start and binary-size figures in
//! BENCHMARKS.md (`cargo bench --features serverless --bench cold_start`). Same routes, same
//! answers, same table as `examples/serverless_api`, but for its `GET /openapi.json` (a
//! document the bare SDK has nothing to make from); only Lambda mode (it serves API Gateway
//! events through `lambda_http`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};

/// Who is calling: the same code as the example's (the authorizer's identity).
#[path = "serverless_api/identity.rs"]
pub mod identity;

const TABLE: &str = "notes";

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = Client::new(&config);
    let client = &client;
    lambda_http::run(lambda_http::service_fn(move |request| async move {
        Ok::<_, Infallible>(handle(client, request).await)
    }))
    .await
}

/// Answers one request (`pub` for tests/suite/serverless.rs, which holds it to the same answers as
/// the example's handler).
pub async fn handle(client: &Client, request: Request) -> Response<Body> {
    let path = match request.raw_http_path() {
        "" => request.uri().path().to_owned(),
        raw => raw.to_owned(),
    };
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let caller = identity::caller(&request);
    let result = match (request.method(), parts.as_slice(), caller.as_deref()) {
        (_, ["notes", ..], None) => {
            Err((StatusCode::UNAUTHORIZED, json!({ "error": "unauthorized" })))
        }
        (&Method::POST, ["notes"], Some(owner)) => create(client, owner, &request).await,
        (&Method::GET, ["notes"], Some(owner)) => list(client, owner, &request).await,
        (&Method::GET, ["notes", id], Some(owner)) => get(client, owner, id).await,
        (&Method::PUT, ["notes", id], Some(owner)) => replace(client, owner, id, &request).await,
        (&Method::DELETE, ["notes", id], Some(owner)) => delete(client, owner, id, &request).await,
        _ => Err((StatusCode::NOT_FOUND, json!({ "error": "not_found" }))),
    };
    match result {
        Ok(response) => response,
        Err((status, body)) => json_response(status, &body),
    }
}

type Answer = Result<Response<Body>, (StatusCode, Value)>;

fn internal(error: impl std::fmt::Display) -> (StatusCode, Value) {
    tracing::error!(%error, "request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({ "error": "internal" }),
    )
}

fn bad_request(message: &str) -> (StatusCode, Value) {
    (
        StatusCode::BAD_REQUEST,
        json!({ "error": "bad_request", "message": message }),
    )
}

fn now() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let secs = millis.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        millis.rem_euclid(1000)
    )
}

/// A note's fields as a client sends them: id (optional), title, body, tags.
type Input = (Option<String>, String, String, Vec<String>);

/// The note's fields from a JSON body, checked as the model's rules check them.
fn input(request: &Request) -> Result<Input, (StatusCode, Value)> {
    let bytes: &[u8] = match request.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    let value: Value =
        serde_json::from_slice(bytes).map_err(|_| bad_request("the body is not a note"))?;
    let object = value
        .as_object()
        .ok_or_else(|| bad_request("the body is not a note"))?;
    if object
        .keys()
        .any(|k| !["id", "title", "body", "tags"].contains(&k.as_str()))
    {
        return Err(bad_request("the body is not a note"));
    }
    let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
    let title = text("title").ok_or_else(|| bad_request("the body is not a note"))?;
    let body = text("body").unwrap_or_default();
    let mut tags: Vec<String> = match object.get("tags") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad_request("the body is not a note"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad_request("the body is not a note")),
    };
    tags.sort();
    tags.dedup();
    let mut violations = Vec::new();
    let title_len = title.chars().count();
    if !(1..=200).contains(&title_len) {
        violations.push(json!({ "attribute": "title", "rule": "length", "message": format!("must have 1 to 200 characters, has {title_len}") }));
    }
    let body_len = body.chars().count();
    if body_len > 10_000 {
        violations.push(json!({ "attribute": "body", "rule": "length", "message": format!("must have at most 10000 characters, has {body_len}") }));
    }
    if tags.len() > 10 {
        violations.push(json!({ "attribute": "tags", "rule": "length", "message": format!("must have at most 10 elements, has {}", tags.len()) }));
    }
    if !violations.is_empty() {
        return Err((
            StatusCode::BAD_REQUEST,
            json!({ "error": "validation", "violations": violations }),
        ));
    }
    Ok((text("id"), title, body, tags))
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

/// A stored item as the API's JSON.
fn note_json(item: &HashMap<String, AttributeValue>) -> Result<Value, (StatusCode, Value)> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(s)) => Ok(s.clone()),
        _ => Err(internal(format!(
            "attribute {name} is missing or not a string"
        ))),
    };
    let version: u64 = match item.get("version") {
        Some(AttributeValue::N(n)) => n.parse().map_err(internal)?,
        _ => return Err(internal("attribute version is missing")),
    };
    let tags: Vec<String> = match item.get("tags") {
        Some(AttributeValue::Ss(tags)) => {
            let mut tags = tags.clone();
            tags.sort();
            tags
        }
        None => Vec::new(),
        _ => return Err(internal("attribute tags is not a string set")),
    };
    Ok(json!({
        "owner": text("owner")?, "id": text("id")?, "title": text("title")?, "body": text("body")?,
        "tags": tags, "version": version, "created_at": text("created_at")?, "updated_at": text("updated_at")?,
    }))
}

async fn create(client: &Client, owner: &str, request: &Request) -> Answer {
    let (id, title, body, tags) = input(request)?;
    let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let now = now();
    let mut item = HashMap::from([
        ("owner".to_owned(), s(owner)),
        ("id".to_owned(), s(&id)),
        ("title".to_owned(), s(&title)),
        ("body".to_owned(), s(&body)),
        ("version".to_owned(), AttributeValue::N("1".into())),
        ("created_at".to_owned(), s(&now)),
        ("updated_at".to_owned(), s(&now)),
    ]);
    if !tags.is_empty() {
        item.insert("tags".into(), AttributeValue::Ss(tags));
    }
    let result = client
        .put_item()
        .table_name(TABLE)
        .set_item(Some(item.clone()))
        .condition_expression("attribute_not_exists(#o)")
        .expression_attribute_names("#o", "owner")
        .send()
        .await;
    match result {
        Ok(_) => Ok(json_response(StatusCode::CREATED, &note_json(&item)?)),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
            Err((StatusCode::CONFLICT, json!({ "error": "already_exists" })))
        }
        Err(e) => Err(internal(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
    }
}

async fn get(client: &Client, owner: &str, id: &str) -> Answer {
    let output = client
        .get_item()
        .table_name(TABLE)
        .key("owner", s(owner))
        .key("id", s(id))
        .send()
        .await
        .map_err(|e| internal(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
    let item = output
        .item
        .ok_or((StatusCode::NOT_FOUND, json!({ "error": "not_found" })))?;
    let note = note_json(&item)?;
    let version = note["version"].as_u64().unwrap_or_default();
    Ok(with_etag(json_response(StatusCode::OK, &note), version))
}

fn query_param(request: &Request, name: &str) -> Option<String> {
    request
        .query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::to_owned)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    text.len()
        .is_multiple_of(2)
        .then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

async fn list(client: &Client, owner: &str, request: &Request) -> Answer {
    let limit: i32 = match query_param(request, "limit") {
        None => 20,
        Some(text) => text
            .parse()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| bad_request("limit must be a number from 1 to 100"))?,
    };
    let start = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => {
            let bad = || bad_request("cursor is not one this API gave");
            let id = String::from_utf8(unhex(&cursor).ok_or_else(bad)?).map_err(|_| bad())?;
            Some(HashMap::from([
                ("owner".to_owned(), s(owner)),
                ("id".to_owned(), s(&id)),
            ]))
        }
    };
    let output = client
        .query()
        .table_name(TABLE)
        .key_condition_expression("#o = :o")
        .expression_attribute_names("#o", "owner")
        .expression_attribute_values(":o", s(owner))
        .set_exclusive_start_key(start)
        .limit(limit)
        .send()
        .await
        .map_err(|e| internal(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
    let items: Vec<Value> = output
        .items()
        .iter()
        .map(note_json)
        .collect::<Result<_, _>>()?;
    let next = match output.last_evaluated_key() {
        Some(key) => match key.get("id") {
            Some(AttributeValue::S(id)) => Some(hex(id.as_bytes())),
            _ => None,
        },
        None => None,
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({ "items": items, "next": next }),
    ))
}

fn if_match(request: &Request) -> Result<Option<u64>, (StatusCode, Value)> {
    match request.headers().get("if-match") {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().trim_matches('"').parse().ok())
            .map(Some)
            .ok_or_else(|| bad_request("If-Match must hold a note's version (its ETag)")),
    }
}

async fn replace(client: &Client, owner: &str, id: &str, request: &Request) -> Answer {
    let (given, title, body, tags) = input(request)?;
    if given.as_deref().is_some_and(|given| given != id) {
        return Err(bad_request("the body's id is not the path's"));
    }
    let mut update = client
        .update_item()
        .table_name(TABLE)
        .key("owner", s(owner))
        .key("id", s(id))
        .expression_attribute_names("#o", "owner")
        .expression_attribute_names("#t", "title")
        .expression_attribute_names("#b", "body")
        .expression_attribute_names("#g", "tags")
        .expression_attribute_names("#v", "version")
        .expression_attribute_names("#u", "updated_at")
        .expression_attribute_values(":t", s(&title))
        .expression_attribute_values(":b", s(&body))
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":u", s(&now()))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew);
    let expression = if tags.is_empty() {
        "SET #t = :t, #b = :b, #u = :u REMOVE #g ADD #v :one"
    } else {
        update = update.expression_attribute_values(":g", AttributeValue::Ss(tags));
        "SET #t = :t, #b = :b, #u = :u, #g = :g ADD #v :one"
    };
    update = update.update_expression(expression);
    let version = if_match(request)?;
    update = match version {
        Some(version) => update
            .condition_expression("attribute_exists(#o) AND #v = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(version.to_string())),
        None => update.condition_expression("attribute_exists(#o)"),
    };
    match update.send().await {
        Ok(output) => {
            let note = note_json(&output.attributes.unwrap_or_default())?;
            let version = note["version"].as_u64().unwrap_or_default();
            Ok(with_etag(json_response(StatusCode::OK, &note), version))
        }
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => match version {
            Some(_) => Err((
                StatusCode::PRECONDITION_FAILED,
                json!({ "error": "version_conflict", "message": "the note changed since that version" }),
            )),
            None => Err((StatusCode::NOT_FOUND, json!({ "error": "not_found" }))),
        },
        Err(e) => Err(internal(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
    }
}

async fn delete(client: &Client, owner: &str, id: &str, request: &Request) -> Answer {
    let mut delete = client
        .delete_item()
        .table_name(TABLE)
        .key("owner", s(owner))
        .key("id", s(id));
    if let Some(version) = if_match(request)? {
        delete = delete
            // If-Match fails on a note that is not there (RFC 9110: no current representation).
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", AttributeValue::N(version.to_string()));
    }
    match delete.send().await {
        Ok(_) => Ok(Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Body::Empty)
            .map_err(internal)?),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => Err((
            StatusCode::PRECONDITION_FAILED,
            json!({ "error": "version_conflict", "message": "the note changed since that version" }),
        )),
        Err(e) => Err(internal(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(body.to_string()))
        .unwrap_or_default()
}

fn with_etag(mut response: Response<Body>, version: u64) -> Response<Body> {
    if let Ok(value) = format!("\"{version}\"").parse() {
        response.headers_mut().insert("etag", value);
    }
    response
}
