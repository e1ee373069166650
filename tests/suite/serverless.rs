//! The serverless example's handler (examples/serverless_api) fed API Gateway events — REST
//! API (v1) and HTTP API (v2) payloads, from JSON fixtures — against DynamoDB Local: status
//! codes, bodies, and what landed in the table.

use crate::common;

#[path = "../../examples/serverless_api/handler.rs"]
mod handler;

/// The OpenAPI document the handler serves.
#[path = "../../examples/serverless_api/openapi.rs"]
mod openapi;

/// The same API on the bare SDK: the baseline of the cold-start figures, held to the same
/// answers.
#[path = "../../examples/serverless_bare.rs"]
#[allow(dead_code)]
mod bare;

/// Who is calling (the handler's `super::identity`): the module both examples share.
use bare::identity;

use dynamo_model::prelude::*;
use handler::{Note, NoteKey};
use lambda_http::Body;
use serde_json::{json, Value};

/// The two payload versions API Gateway sends.
#[derive(Clone, Copy, Debug)]
enum Payload {
    RestV1,
    HttpV2,
}

/// An event of `payload`'s shape, from its fixture, for this request by `caller` (the `sub`
/// its authorizer verified: a Cognito user pool's claims for REST, a JWT authorizer's for HTTP
/// APIs), or by nobody.
fn event(
    payload: Payload,
    caller: Option<&str>,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> lambda_http::Request {
    let mut event: Value = match payload {
        Payload::RestV1 => serde_json::from_str(include_str!("fixtures/apigw/rest-v1.json")),
        Payload::HttpV2 => serde_json::from_str(include_str!("fixtures/apigw/http-v2.json")),
    }
    .unwrap();
    let header_map: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    match payload {
        Payload::RestV1 => {
            event["httpMethod"] = json!(method);
            event["path"] = json!(path);
            event["requestContext"]["httpMethod"] = json!(method);
            event["requestContext"]["path"] = json!(format!("/prod{path}"));
            event["headers"] = Value::Object(header_map.clone());
            event["multiValueHeaders"] = Value::Object(
                header_map
                    .into_iter()
                    .map(|(k, v)| (k, json!([v])))
                    .collect(),
            );
            let (single, multi): (serde_json::Map<_, _>, serde_json::Map<_, _>) = (
                query
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect(),
                query
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!([v])))
                    .collect(),
            );
            event["queryStringParameters"] = if single.is_empty() {
                Value::Null
            } else {
                Value::Object(single)
            };
            event["multiValueQueryStringParameters"] = if multi.is_empty() {
                Value::Null
            } else {
                Value::Object(multi)
            };
        }
        Payload::HttpV2 => {
            event["rawPath"] = json!(path);
            event["requestContext"]["http"]["method"] = json!(method);
            event["requestContext"]["http"]["path"] = json!(path);
            event["headers"] = Value::Object(header_map);
            let raw: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            event["rawQueryString"] = json!(raw.join("&"));
            if !query.is_empty() {
                event["queryStringParameters"] = Value::Object(
                    query
                        .iter()
                        .map(|(k, v)| (k.to_string(), json!(v)))
                        .collect(),
                );
            }
        }
    }
    event["requestContext"]["authorizer"] = match (payload, caller) {
        (_, None) => Value::Null,
        (Payload::RestV1, Some(sub)) => json!({ "claims": { "sub": sub } }),
        (Payload::HttpV2, Some(sub)) => {
            json!({ "jwt": { "claims": { "sub": sub }, "scopes": null } })
        }
    };
    event["body"] = body.map_or(Value::Null, |b| json!(b));
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event")
}

/// The API under test: the example's handler on a `Db`, or the bare-SDK one on a client.
enum Api {
    Model(Db),
    Bare(aws_sdk_dynamodb::Client),
}

/// Sends a request through the handler: status, JSON body (or null), and the ETag.
async fn call(api: &Api, request: lambda_http::Request) -> (u16, Value, Option<String>) {
    let response = match api {
        Api::Model(db) => handler::handle(db, request).await,
        Api::Bare(client) => bare::handle(client, request).await,
    };
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = match response.into_body() {
        Body::Text(text) => serde_json::from_str(&text).unwrap(),
        Body::Empty => Value::Null,
        other => panic!("unexpected body {other:?}"),
    };
    (status, body, etag)
}

async fn notes_db(test: &str) -> Db {
    // Sealed cursors, as the example runs: a key drawn for the test.
    let secret = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let db = common::db(test)
        .await
        .cursor_key(dynamo_model::CursorKey::new(secret).unwrap());
    db.create_table::<Note>().send().await.unwrap();
    db
}

#[tokio::test]
async fn the_fixtures_as_api_gateway_sends_them() {
    let db = notes_db("serverless_fixtures").await;
    // The REST API fixture creates note n1 (stage `prod` in its path).
    let request =
        lambda_http::request::from_str(include_str!("fixtures/apigw/rest-v1.json")).unwrap();
    let api = Api::Model(db.clone());
    let (status, body, _) = call(&api, request).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["id"].as_str(), body["version"].as_u64()),
        (Some("n1"), Some(1))
    );
    let stored = db
        .get(NoteKey::new("ada", "n1"))
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.title, "hello");
    assert_eq!(stored.tags.len(), 2);
    // The HTTP API fixture reads it back.
    let request =
        lambda_http::request::from_str(include_str!("fixtures/apigw/http-v2.json")).unwrap();
    let (status, body, etag) = call(&api, request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["body"], "first note");
    assert_eq!(etag.as_deref(), Some("\"1\""));
}

/// Every route and error mapping, under each payload version.
#[tokio::test]
async fn every_route_and_error_mapping() {
    for (payload, api, db) in both_apis("serverless").await {
        routes(payload, &api, &db).await;
    }
}

/// Each payload version with each API (the example's on a table of its own, the bare one on
/// `notes`), and the `Db` to look at what landed.
async fn both_apis(test: &str) -> Vec<(Payload, Api, Db)> {
    // The bare API names its table `notes`, as it is: this binary's DynamoDB Local is its own.
    let unprefixed = common::local().await.db();
    unprefixed
        .create_table::<Note>()
        .if_not_exists()
        .send()
        .await
        .unwrap();
    let mut out = Vec::new();
    for payload in [Payload::RestV1, Payload::HttpV2] {
        let model = notes_db(&format!("{test}_{payload:?}").to_lowercase()).await;
        out.push((payload, Api::Model(model.clone()), model));
        let bare = Api::Bare(unprefixed.client().clone());
        out.push((payload, bare, unprefixed.clone()));
    }
    out
}

async fn routes(payload: Payload, api: &Api, db: &Db) {
    let owner = format!("bo-{payload:?}");
    let notes = "/notes".to_owned();
    let note = |id: &str| format!("{notes}/{id}");
    let event = |method: &str,
                 path: &str,
                 query: &[(&str, &str)],
                 headers: &[(&str, &str)],
                 body: Option<&str>| {
        event(payload, Some(&owner), method, path, query, headers, body)
    };
    {
        let json_header = [("content-type", "application/json")];
        let create = |body: &'static str| event("POST", &notes, &[], &json_header, Some(body));

        // Create: 201; the same id again: 409.
        let (status, created, _) = call(api, create(r#"{"id":"x","title":"first"}"#)).await;
        assert_eq!(status, 201, "{payload:?} {created}");
        let (status, body, _) = call(api, create(r#"{"id":"x","title":"again"}"#)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("already_exists"))
        );

        // Validation: 400, each failed rule with its attribute.
        let tags: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        let invalid = json!({ "title": "", "tags": tags }).to_string();
        let request = event("POST", &notes, &[], &json_header, Some(&invalid));
        let (status, body, _) = call(api, request).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("validation")),
            "{body}"
        );
        let mut failed: Vec<(String, String)> = body["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["attribute"].as_str().unwrap().into(),
                    v["rule"].as_str().unwrap().into(),
                )
            })
            .collect();
        failed.sort();
        assert_eq!(
            failed,
            [
                ("tags".to_owned(), "length".to_owned()),
                ("title".to_owned(), "length".to_owned())
            ]
        );
        // Not JSON: 400.
        let (status, body, _) = call(api, create("{not json")).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));

        // Get: 200 with its version as ETag; a missing note: 404.
        let (status, _, etag) = call(api, event("GET", &note("x"), &[], &[], None)).await;
        assert_eq!((status, etag.as_deref()), (200, Some("\"1\"")));
        let (status, _, _) = call(api, event("GET", &note("nope"), &[], &[], None)).await;
        assert_eq!(status, 404);

        // Replace with If-Match: 200 at version 2; again with the stale version: 412.
        let body = r#"{"title":"second","body":"edited"}"#;
        let put = |version: &'static str| {
            event(
                "PUT",
                &note("x"),
                &[],
                &[("content-type", "application/json"), ("if-match", version)],
                Some(body),
            )
        };
        let (status, replaced, etag) = call(api, put("\"1\"")).await;
        assert_eq!(
            (status, etag.as_deref()),
            (200, Some("\"2\"")),
            "{replaced}"
        );
        assert_eq!(
            replaced["created_at"], created["created_at"],
            "created_at is kept"
        );
        let (status, body, _) = call(api, put("\"1\"")).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (412, Some("version_conflict"))
        );
        let stored = db
            .get(NoteKey::new(owner.as_str(), "x"))
            .consistent()
            .send()
            .await
            .unwrap()
            .unwrap();
        assert_eq!((stored.title.as_str(), stored.version), ("second", 2));
        // Replacing a note that does not exist: 404.
        let ghost = r#"{"title":"nobody wrote me"}"#;
        let request = event("PUT", &note("ghost"), &[], &json_header, Some(ghost));
        assert_eq!(call(api, request).await.0, 404);

        // List: pages of 2 over 7 notes, each next cursor through the query string.
        for i in 0..6 {
            let body = format!(r#"{{"id":"n{i}","title":"note {i}"}}"#);
            let request = event("POST", &notes, &[], &json_header, Some(&body));
            assert_eq!(call(api, request).await.0, 201);
        }
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut query = vec![("limit", "2")];
            if let Some(cursor) = &cursor {
                query.push(("cursor", cursor.as_str()));
            }
            let (status, page, _) = call(api, event("GET", &notes, &query, &[], None)).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            ids.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["id"].as_str().unwrap().to_owned()),
            );
            match page["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(ids, ["n0", "n1", "n2", "n3", "n4", "n5", "x"]);
        assert_eq!(pages, 4);
        // A cursor the API did not give, a bad limit: 400.
        let (status, _, _) = call(
            api,
            event("GET", &notes, &[("cursor", "forged")], &[], None),
        )
        .await;
        assert_eq!(status, 400);
        let (status, _, _) = call(api, event("GET", &notes, &[("limit", "0")], &[], None)).await;
        assert_eq!(status, 400);

        // Delete with a stale If-Match: 412; then 204, and the note is gone.
        let request = event("DELETE", &note("x"), &[], &[("if-match", "1")], None);
        assert_eq!(call(api, request).await.0, 412);
        let request = event("DELETE", &note("x"), &[], &[("if-match", "2")], None);
        assert_eq!(call(api, request).await.0, 204);
        // If-Match on a note that is not there fails (RFC 9110); without it, delete is idempotent.
        let request = event("DELETE", &note("x"), &[], &[("if-match", "2")], None);
        assert_eq!(call(api, request).await.0, 412);
        let request = event("DELETE", &note("x"), &[], &[], None);
        assert_eq!(call(api, request).await.0, 204);
        assert_eq!(
            db.get(NoteKey::new(owner.as_str(), "x"))
                .consistent()
                .send()
                .await
                .unwrap(),
            None
        );

        // An unknown route: 404.
        assert_eq!(
            call(api, event("GET", "/elsewhere", &[], &[], None))
                .await
                .0,
            404
        );
    }
}

/// The owner is who the authorizer says the caller is: without an identity every route is
/// 401; another caller's note is not found, not listed, not changed, not deleted; a cursor
/// minted for one caller is refused for another; Lambda authorizers' identities count too.
#[tokio::test]
async fn a_caller_reaches_its_own_notes_only() {
    for (payload, api, db) in both_apis("serverless_auth").await {
        let ada = format!("ada-{payload:?}-{}", matches!(api, Api::Bare(_)));
        let bob = format!("bob-{payload:?}-{}", matches!(api, Api::Bare(_)));
        let json_header = [("content-type", "application/json")];
        let by = |who: Option<&str>,
                  method: &str,
                  path: &str,
                  query: &[(&str, &str)],
                  body: Option<&str>| {
            let headers: &[(&str, &str)] = if body.is_some() { &json_header } else { &[] };
            event(payload, who, method, path, query, headers, body)
        };
        for id in ["a1", "a2", "a3"] {
            let body = format!(r#"{{"id":"{id}","title":"ada's {id}"}}"#);
            let (status, _, _) =
                call(&api, by(Some(&ada), "POST", "/notes", &[], Some(&body))).await;
            assert_eq!(status, 201);
        }
        // Nobody: 401 on every route, nothing changed.
        for (method, path, body) in [
            ("POST", "/notes", Some(r#"{"title":"anon"}"#)),
            ("GET", "/notes", None),
            ("GET", "/notes/a1", None),
            ("PUT", "/notes/a1", Some(r#"{"title":"anon"}"#)),
            ("DELETE", "/notes/a1", None),
        ] {
            let (status, body, _) = call(&api, by(None, method, path, &[], body)).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (401, Some("unauthorized")),
                "{method} {path}"
            );
        }
        // Bob: ada's notes are not his to see, change or delete.
        let (status, _, _) = call(&api, by(Some(&bob), "GET", "/notes/a1", &[], None)).await;
        assert_eq!(status, 404);
        let (status, page, _) = call(&api, by(Some(&bob), "GET", "/notes", &[], None)).await;
        assert_eq!(
            (status, page["items"].as_array().map(Vec::len)),
            (200, Some(0))
        );
        let (status, _, _) = call(
            &api,
            by(
                Some(&bob),
                "PUT",
                "/notes/a1",
                &[],
                Some(r#"{"title":"bob was here"}"#),
            ),
        )
        .await;
        assert_eq!(status, 404);
        let request = event(
            payload,
            Some(&bob),
            "DELETE",
            "/notes/a1",
            &[],
            &[("if-match", "1")],
            None,
        );
        assert_eq!(
            call(&api, request).await.0,
            412,
            "If-Match on a note he has not"
        );
        let (status, _, _) = call(&api, by(Some(&bob), "DELETE", "/notes/a1", &[], None)).await;
        assert_eq!(status, 204, "deleting a note of his that is not there");
        let kept = db
            .get(NoteKey::new(ada.as_str(), "a1"))
            .consistent()
            .send()
            .await
            .unwrap()
            .unwrap();
        assert_eq!((kept.title.as_str(), kept.version), ("ada's a1", 1));
        // Ada's cursor, replayed by bob: the model API refuses it; no API shows ada's notes.
        let (_, page, _) = call(
            &api,
            by(Some(&ada), "GET", "/notes", &[("limit", "1")], None),
        )
        .await;
        let cursor = page["next"].as_str().unwrap().to_owned();
        let (status, page, _) = call(
            &api,
            by(Some(&bob), "GET", "/notes", &[("cursor", &cursor)], None),
        )
        .await;
        match api {
            Api::Model(_) => assert_eq!(status, 400, "{page}"),
            Api::Bare(_) => assert_eq!(page["items"].as_array().map(Vec::len), Some(0)),
        }
    }
    // A Lambda authorizer's identity: REST's principalId, an HTTP API's context.
    let db = notes_db("serverless_auth_lambda").await;
    let api = Api::Model(db.clone());
    for (payload, authorizer) in [
        (Payload::RestV1, json!({ "principalId": "carol" })),
        (Payload::HttpV2, json!({ "lambda": { "sub": "carol" } })),
    ] {
        let raw = match payload {
            Payload::RestV1 => include_str!("fixtures/apigw/rest-v1.json"),
            Payload::HttpV2 => include_str!("fixtures/apigw/http-v2.json"),
        };
        let mut raw: Value = serde_json::from_str(raw).unwrap();
        raw["requestContext"]["authorizer"] = authorizer;
        let request = lambda_http::request::from_str(&raw.to_string()).unwrap();
        assert_eq!(identity::caller(&request).as_deref(), Some("carol"));
        // The REST fixture creates note n1, the HTTP one reads it: carol's.
        let (status, body, _) = call(&api, request).await;
        let expected = match payload {
            Payload::RestV1 => 201,
            Payload::HttpV2 => 200,
        };
        assert_eq!(status, expected, "{payload:?}: {body}");
        assert_eq!(body["owner"], "carol");
    }
}

/// Anything else is a 500 that says nothing of its cause.
#[tokio::test]
async fn other_failures_are_500_without_internals() {
    // A table that does not exist.
    let db = common::db("serverless_missing").await;
    let request = event(
        Payload::HttpV2,
        Some("bo"),
        "GET",
        "/notes/x",
        &[],
        &[],
        None,
    );
    let response = handler::handle(&db, request).await;
    assert_eq!(response.status().as_u16(), 500);
    let Body::Text(text) = response.into_body() else {
        panic!()
    };
    assert_eq!(text, r#"{"error":"internal"}"#);
}

/// `GET /openapi.json` serves the API's OpenAPI document, open to anyone, and the body schema
/// in it (the models' JSON Schema, what API Gateway validates at the edge) refuses exactly the
/// bodies the handler answers 400, over bodies at every rule's edge.
#[tokio::test]
async fn the_openapi_document_refuses_what_the_handler_refuses() {
    let db = notes_db("serverless_openapi").await;
    let api = Api::Model(db.clone());
    let (status, document, _) = call(
        &api,
        event(
            Payload::HttpV2,
            None,
            "GET",
            "/openapi.json",
            &[],
            &[],
            None,
        ),
    )
    .await;
    assert_eq!(status, 200, "{document}");
    assert_eq!(document, openapi::document());
    assert_eq!(document["openapi"], "3.0.3");
    let post = &document["paths"]["/notes"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Note"
    );
    // What a response holds: every field, the owner and version included.
    let written = &post["responses"]["201"]["content"]["application/json"]["schema"];
    assert!(
        written["properties"]["owner"].is_object() && written["properties"]["version"].is_object()
    );
    let note = &document["components"]["schemas"]["Note"];
    assert_eq!(note["required"], json!(["title"]));
    assert_eq!(note["additionalProperties"], json!(false));

    // The body schema as API Gateway reads it (draft 4), references resolved in the document.
    let root = json!({ "$ref": "#/components/schemas/Note", "components": document["components"] });
    let validator = jsonschema::draft4::new(&root).unwrap();
    let long = |n: usize| "é".repeat(n);
    let tags = |n: usize| (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>();
    let bodies = [
        json!({ "title": "hello" }),
        json!({ "title": long(200), "body": long(10_000), "tags": tags(10) }),
        json!({ "title": "" }),
        json!({ "title": long(201) }),
        json!({ "title": "x", "body": long(10_001) }),
        json!({ "title": "x", "tags": tags(11) }),
        json!({ "body": "no title" }),
        json!({ "title": 5 }),
        json!({ "title": "x", "tags": "t1" }),
        json!({ "title": "x", "owner": "mallory" }),
        json!({ "title": "x", "version": 7 }),
        json!({ "title": "x", "colour": "red" }),
        json!({ "title": "x", "id": "" }),
        json!({ "title": "x", "id": "chosen" }),
        json!([]),
        json!(null),
    ];
    let header = [("content-type", "application/json")];
    let mut refused = 0;
    for body in bodies {
        let text = body.to_string();
        let request = event(
            Payload::RestV1,
            Some("oa"),
            "POST",
            "/notes",
            &[],
            &header,
            Some(&text),
        );
        let (status, answer, _) = call(&api, request).await;
        let valid = validator.is_valid(&body);
        assert_eq!(
            (status == 400, status == 201),
            (!valid, valid),
            "{body}: the handler says {status} {answer}, the schema says {valid}"
        );
        refused += usize::from(!valid);
    }
    assert_eq!(refused, 12);
    // The one difference, on the edge's side: a set's duplicates are refused by the schema
    // (`uniqueItems`), while serde reads them into the set as one.
    let duplicates = json!({ "title": "x", "tags": ["a", "a"] });
    assert!(!validator.is_valid(&duplicates));
}
