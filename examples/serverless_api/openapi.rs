//! The API as an OpenAPI 3.0 document, its bodies generated from the models (dynamo-model's
//! feature `json-schema`): import it into API Gateway (`aws apigateway import-rest-api`, or a
//! SAM/CDK `DefinitionBody`) and API Gateway refuses a body that breaks a rule before the
//! function runs, with the rules written once, on `Note`. The `x-amazon-apigateway-*`
//! extensions turn that validation on; the integration (the function's ARN) is the
//! deployment's to add.

use dynamo_model::json_schema::schemars::generate::SchemaSettings;
use serde_json::{json, Value};

use super::handler::Note;

/// The document `GET /openapi.json` serves.
pub fn document() -> Value {
    // What a client sends (serde's deserialize contract: no owner, version or times) goes to
    // `components`; what it gets back (the serialize contract) is inlined, since the two
    // differ under one name.
    let mut requests = SchemaSettings::openapi3().into_generator();
    let note_in = requests.subschema_for::<Note>();
    let mut responses = SchemaSettings::openapi3()
        .for_serialize()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let note_out = responses.subschema_for::<Note>().to_value();
    let error = json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": { "type": "string" },
            "message": { "type": "string" },
            "violations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "attribute": { "type": "string" },
                        "rule": { "type": "string" },
                        "message": { "type": "string" },
                    },
                },
            },
        },
    });
    let answer = |description: &str, schema: &Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let failures = |codes: &[(&str, &str)]| -> Value {
        codes
            .iter()
            .map(|(code, why)| {
                (
                    code.to_string(),
                    answer(why, &json!({ "$ref": "#/components/schemas/Error" })),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let with = |mut base: Value, more: Value| {
        if let (Some(base), Some(more)) = (base.as_object_mut(), more.as_object()) {
            base.extend(more.clone());
        }
        base
    };
    let note_body =
        json!({ "required": true, "content": { "application/json": { "schema": note_in } } });
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } });
    let if_match = json!({ "name": "If-Match", "in": "header", "required": false,
        "description": "The version last read (the ETag): the write applies only at it.",
        "schema": { "type": "string" } });
    let etag =
        json!({ "ETag": { "description": "The note's version.", "schema": { "type": "string" } } });
    let mut schemas = requests.take_definitions(true);
    schemas.insert("Error".into(), error);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Notes",
            "version": "1",
            "description": "Each caller's notes; the caller is the identity the authorizer proved.",
        },
        "security": [{ "bearer": [] }],
        "x-amazon-apigateway-request-validators": {
            "all": { "validateRequestBody": true, "validateRequestParameters": true },
        },
        "x-amazon-apigateway-request-validator": "all",
        "paths": {
            "/notes": {
                "post": {
                    "summary": "Create a note",
                    "requestBody": note_body,
                    "responses": with(
                        json!({ "201": answer("Created", &note_out) }),
                        failures(&[("400", "Invalid body"), ("401", "No identity"), ("409", "The id is taken")]),
                    ),
                },
                "get": {
                    "summary": "A page of the caller's notes",
                    "parameters": [
                        { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100 } },
                        { "name": "cursor", "in": "query", "schema": { "type": "string" },
                          "description": "The `next` of the previous page." },
                    ],
                    "responses": with(
                        json!({ "200": answer("A page", &json!({
                            "type": "object",
                            "properties": {
                                "items": { "type": "array", "items": note_out },
                                "next": { "type": "string", "nullable": true },
                            },
                        })) }),
                        failures(&[("400", "Bad limit or cursor"), ("401", "No identity")]),
                    ),
                },
            },
            "/notes/{id}": {
                "parameters": [id],
                "get": {
                    "summary": "A note",
                    "responses": with(
                        json!({ "200": with(answer("The note", &note_out), json!({ "headers": etag })) }),
                        failures(&[("401", "No identity"), ("404", "No such note of the caller's")]),
                    ),
                },
                "put": {
                    "summary": "Replace a note's title, body and tags",
                    "parameters": [if_match],
                    "requestBody": note_body,
                    "responses": with(
                        json!({ "200": with(answer("The note", &note_out), json!({ "headers": etag })) }),
                        failures(&[("400", "Invalid body"), ("401", "No identity"),
                            ("404", "No such note of the caller's"), ("412", "Changed since that version")]),
                    ),
                },
                "delete": {
                    "summary": "Delete a note",
                    "parameters": [if_match],
                    "responses": with(
                        json!({ "204": { "description": "Deleted" } }),
                        failures(&[("401", "No identity"), ("404", "No such note of the caller's"),
                            ("412", "Changed since that version")]),
                    ),
                },
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
            },
        },
    })
}
