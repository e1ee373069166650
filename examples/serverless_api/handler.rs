//! The API's handler: HTTP requests in, DynamoDB through typed models, HTTP responses out. The
//! same function answers API Gateway (REST v1 and HTTP v2 events, through `lambda_http`) and
//! the local loopback server, so what the tests check is what runs in Lambda.
//!
//! Every note belongs to the caller: the owner is the identity API Gateway's authorizer put
//! in the request context (`identity.rs`), never a part of the path, so a caller reaches its
//! own notes only. Routes (JSON bodies; a note's body is what [`Note`]'s JSON Schema admits,
//! which `GET /openapi.json` serves, the one route open to anyone):
//! - `POST /notes` — create; `201` with the note, `409` if its `id` is taken (an absent or
//!   empty `id` is drawn by the API);
//! - `GET /notes?limit=N&cursor=C` — a page, newest id last, and the cursor of the next page
//!   (`next`), which the client passes back as `cursor` (sealed with the service's cursor key:
//!   it reveals nothing, and one minted for another caller is refused);
//! - `GET /notes/{id}` — `200` with an `ETag` (the version), or `404`;
//! - `PUT /notes/{id}` — replace title, body and tags; `If-Match: <version>` makes it
//!   conditional: `412` when the note changed since that version;
//! - `DELETE /notes/{id}` — `204`; with `If-Match`, conditional as above.
//!
//! Failures: `401` without an identity, `400` for invalid JSON, a bad cursor or limit, and
//! validation (every failed rule, with its attribute and rule), `404` (another caller's note
//! is not found, as if it did not exist), `409`, `412`, and `500` for anything else, whose body
//! says nothing of the cause (it is logged with `tracing`).

use std::collections::BTreeSet;

use dynamo_model::prelude::*;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A note. One type for the table, the request body and the response: its rules are written
/// once, here, and hold at the edge (API Gateway validates bodies against its JSON Schema, in
/// `openapi.rs`), in the library before every write, and in DynamoDB for updates. What the
/// client may not set is not read from a body (`skip_deserializing`): the owner comes from the
/// request context, the version and times from the library.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynamo(table = "notes", timestamps)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// The caller who owns the note.
    #[dynamo(hash_key)]
    #[serde(skip_deserializing)]
    pub owner: String,
    /// The note's id among its owner's; drawn by the API when left out.
    #[dynamo(range_key)]
    #[serde(default)]
    pub id: String,
    /// The title: 1 to 200 characters.
    #[dynamo(validate(length(min = 1, max = 200)))]
    pub title: String,
    /// The text: up to 10,000 characters.
    #[dynamo(validate(length(max = 10_000)))]
    #[serde(default)]
    pub body: String,
    /// Up to 10 distinct tags.
    #[dynamo(validate(length(max = 10)))]
    #[serde(default)]
    pub tags: BTreeSet<String>,
    /// Bumped by every write: the `ETag`, and `If-Match`'s value.
    #[dynamo(version)]
    #[serde(skip_deserializing)]
    pub version: u64,
    /// When the note was created.
    #[serde(skip_deserializing)]
    pub created_at: Timestamp,
    /// When the note last changed.
    #[serde(skip_deserializing)]
    pub updated_at: Timestamp,
}

/// The largest page a client may ask for.
const MAX_LIMIT: usize = 100;

/// Answers one request. Never fails: every error is a response.
pub async fn handle(db: &Db, request: Request) -> Response<Body> {
    match route(db, &request).await {
        Ok(response) => response,
        Err(error) => error_response(error),
    }
}

/// Why a request failed, as the client is told.
enum Failure {
    Unauthorized,
    BadRequest(String),
    NotFound,
    Db(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Db(error)
    }
}

async fn route(db: &Db, request: &Request) -> Result<Response<Body>, Failure> {
    // The path without API Gateway's stage (`/prod`); the URI's on the local server.
    let path = match request.raw_http_path() {
        "" => request.uri().path().to_owned(),
        raw => raw.to_owned(),
    };
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    if (request.method(), parts.as_slice()) == (&Method::GET, &["openapi.json"][..]) {
        return Ok(json_response(StatusCode::OK, &super::openapi::document()));
    }
    if parts.first() != Some(&"notes") {
        return Err(Failure::NotFound);
    }
    let owner = super::identity::caller(request).ok_or(Failure::Unauthorized)?;
    let owner = owner.as_str();
    match (request.method(), parts.as_slice()) {
        (&Method::POST, ["notes"]) => create(db, owner, request).await,
        (&Method::GET, ["notes"]) => list(db, owner, request).await,
        (&Method::GET, ["notes", id]) => get(db, owner, id).await,
        (&Method::PUT, ["notes", id]) => replace(db, owner, id, request).await,
        (&Method::DELETE, ["notes", id]) => delete(db, owner, id, request).await,
        _ => Err(Failure::NotFound),
    }
}

async fn create(db: &Db, owner: &str, request: &Request) -> Result<Response<Body>, Failure> {
    let mut note: Note = body_json(request)?;
    note.owner = owner.to_owned();
    if note.id.is_empty() {
        note.id = uuid::Uuid::new_v4().to_string();
    }
    let stored = db.create(&note).send().await?;
    Ok(json_response(StatusCode::CREATED, &stored))
}

async fn list(db: &Db, owner: &str, request: &Request) -> Result<Response<Body>, Failure> {
    let limit = match query_param(request, "limit") {
        None => 20,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                Failure::BadRequest(format!("limit must be a number from 1 to {MAX_LIMIT}"))
            })?,
    };
    let mut query = db.query::<Note>().hash(owner).limit(limit);
    if let Some(cursor) = query_param(request, "cursor") {
        let cursor: Cursor = cursor
            .parse()
            .map_err(|_| Failure::BadRequest("cursor is not one this API gave".into()))?;
        query = query.start_after(cursor);
    }
    let page = query.send().await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "items": page.items, "next": page.next.map(|c| c.to_string()) }),
    ))
}

async fn get(db: &Db, owner: &str, id: &str) -> Result<Response<Body>, Failure> {
    match db.get(NoteKey::new(owner, id)).send().await? {
        Some(note) => Ok(with_etag(
            json_response(StatusCode::OK, &note),
            note.version,
        )),
        None => Err(Failure::NotFound),
    }
}

async fn replace(
    db: &Db,
    owner: &str,
    id: &str,
    request: &Request,
) -> Result<Response<Body>, Failure> {
    let input: Note = body_json(request)?;
    if !input.id.is_empty() && input.id != id {
        return Err(Failure::BadRequest(
            "the body's id is not the path's".into(),
        ));
    }
    // An update, not a put: `created_at` stays, the version is bumped, the rules of each
    // value are checked, and a note that is not there is `NotFound`.
    let mut update = db
        .update(NoteKey::new(owner, id))
        .set(Note::TITLE, input.title)
        .set(Note::BODY, input.body)
        .set(Note::TAGS, input.tags);
    if let Some(version) = if_match(request)? {
        // The client's version: the update succeeds only if the note is still at it.
        update = update.if_version(version);
    }
    let stored = update.send().await?;
    Ok(with_etag(
        json_response(StatusCode::OK, &stored),
        stored.version,
    ))
}

async fn delete(
    db: &Db,
    owner: &str,
    id: &str,
    request: &Request,
) -> Result<Response<Body>, Failure> {
    let mut delete = db.delete(NoteKey::new(owner, id));
    if let Some(version) = if_match(request)? {
        delete = delete.if_version(version);
    }
    delete.send().await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn body_json<T: serde::de::DeserializeOwned>(request: &Request) -> Result<T, Failure> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => b"",
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    serde_json::from_slice(bytes)
        .map_err(|e| Failure::BadRequest(format!("the body is not a note: {e}")))
}

/// A query-string parameter: from the API Gateway event, or from the URI (local server).
fn query_param(request: &Request, name: &str) -> Option<String> {
    if let Some(value) = request
        .query_string_parameters_ref()
        .and_then(|q| q.first(name))
    {
        return Some(value.to_owned());
    }
    request.uri().query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

/// `If-Match: "3"` or `If-Match: 3`: the version the client last read.
fn if_match(request: &Request) -> Result<Option<u64>, Failure> {
    let Some(value) = request.headers().get("if-match") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| Failure::BadRequest("If-Match must hold a note's version (its ETag)".into()))
}

/// `%2B` and `+` in a query-string value (cursors are URL-safe already; ids may not be).
fn percent_decode(text: &str) -> String {
    let hex = |byte: u8| (byte as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn error_response(failure: Failure) -> Response<Body> {
    match failure {
        Failure::Unauthorized => json_response(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": "unauthorized" }),
        ),
        Failure::BadRequest(message) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "bad_request", "message": message }),
        ),
        Failure::NotFound => json_response(StatusCode::NOT_FOUND, &json!({ "error": "not_found" })),
        Failure::Db(Error::Validation { violations }) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({
                "error": "validation",
                "violations": violations.iter().map(|v| json!({
                    "attribute": v.path, "rule": v.rule, "message": v.message,
                })).collect::<Vec<_>>(),
            }),
        ),
        Failure::Db(Error::InvalidCursor { .. }) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "bad_request", "message": "cursor is not one this API gave" }),
        ),
        Failure::Db(Error::AlreadyExists { .. }) => {
            json_response(StatusCode::CONFLICT, &json!({ "error": "already_exists" }))
        }
        Failure::Db(Error::VersionConflict { .. }) => json_response(
            StatusCode::PRECONDITION_FAILED,
            &json!({ "error": "version_conflict", "message": "the note changed since that version" }),
        ),
        Failure::Db(Error::NotFound { .. }) => {
            json_response(StatusCode::NOT_FOUND, &json!({ "error": "not_found" }))
        }
        Failure::Db(other) => {
            // The cause is for the logs, not for the client.
            tracing::error!(error = %other, "request failed");
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({ "error": "internal" }),
            )
        }
    }
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".into());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(text))
        .unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR))
}

fn with_etag(mut response: Response<Body>, version: u64) -> Response<Body> {
    if let Ok(value) = format!("\"{version}\"").parse() {
        response.headers_mut().insert("etag", value);
    }
    response
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = status;
    response
}
