//! A REST API on API Gateway → Lambda → DynamoDB, with typed models: each caller's notes,
//! created, read, listed with cursor pagination, replaced with optimistic locking
//! (`If-Match`), deleted. The routes and error mapping are in `handler.rs`; who the caller is,
//! in `identity.rs` (from the authorizer's claims in the request context, never the path).
//!
//! In Lambda (the runtime sets `AWS_LAMBDA_RUNTIME_API`) it serves API Gateway's REST (v1) and
//! HTTP (v2) events through `lambda_http`, on the standard AWS configuration; the API must
//! have an authorizer (Cognito user pool, JWT or Lambda) on every route, and
//! `NOTES_CURSOR_KEY` must hold the secret cursors are sealed with (at least 32 bytes, from
//! your secret store; the same on every instance). Anywhere else it is an ordinary HTTP server
//! on loopback, against DynamoDB Local (started for it, or the one at `DYNAMODB_ENDPOINT`),
//! with no cloud tools. There no authorizer runs, so a development token stands in for one,
//! and only when `NOTES_DEV_TOKENS=1` says so: `Authorization: Bearer dev:<user>` is then taken
//! as that user's identity (never do this where the port is reachable by others):
//!
//! ```sh
//! NOTES_DEV_TOKENS=1 cargo run -p serverless-api   # 127.0.0.1:3000
//! curl -s -XPOST localhost:3000/notes -H 'authorization: Bearer dev:ada' -d '{"title":"hello"}'
//! curl -s 'localhost:3000/notes?limit=10' -H 'authorization: Bearer dev:ada'
//! ```
//!
//! `PORT` chooses another port. Locally, without `NOTES_CURSOR_KEY`, cursors are sealed with a
//! key drawn at start (they last as long as the process). The table is created when missing
//! (locally; in Lambda it is expected to exist, created by the deployment).
//!
//! `GET /openapi.json` serves the API's OpenAPI document (`openapi.rs`), its bodies the
//! models' JSON Schema: imported into API Gateway, it refuses invalid bodies at the edge by the
//! same rules the library checks.
//!
//! This folder is a crate of its own: `Cargo.toml` lists exactly its dependencies, each with
//! why. To start a service from it, copy the folder, point `dynamo-model` at a release instead
//! of the workspace path, and build. `local.rs`, the loopback runner, serves any `lambda_http`
//! handler.

mod handler;
mod identity;
mod local;
mod openapi;

use std::convert::Infallible;
use std::net::SocketAddr;

use dynamo_model::prelude::*;
use dynamo_model::CursorKey;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        // `Db::from_env` reads the AWS configuration chain and builds the clients; it sends no
        // request to DynamoDB (BENCHMARKS.md, "Serverless cold start").
        let key = std::env::var("NOTES_CURSOR_KEY").map_err(|_| {
            "NOTES_CURSOR_KEY must hold the secret cursors are sealed with (at least 32 bytes)"
        })?;
        let db = Db::from_env().await.cursor_key(CursorKey::new(key)?);
        let db = &db;
        return lambda_http::run(lambda_http::service_fn(move |request| async move {
            Ok::<_, Infallible>(handler::handle(db, request).await)
        }))
        .await;
    }
    let local = dynamo_model::local::DynamoDbLocal::start().await?;
    let key = match std::env::var("NOTES_CURSOR_KEY") {
        Ok(key) => key,
        // Drawn at start: cursors last as long as the process.
        Err(_) => format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4()),
    };
    let db = local.db().cursor_key(CursorKey::new(key)?);
    let dev_tokens = std::env::var("NOTES_DEV_TOKENS").is_ok_and(|v| v == "1");
    db.create_table::<handler::Note>()
        .if_not_exists()
        .send()
        .await?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT must be a port number, not {port:?}"))?,
        Err(_) => 3000,
    };
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    println!(
        "serving on http://{address} (DynamoDB at {})",
        db_endpoint()
    );
    let db = std::sync::Arc::new(db);
    local::serve(address, dev_tokens, move |request| {
        let db = db.clone();
        async move { handler::handle(&db, request).await }
    })
    .await
}

fn db_endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT").unwrap_or_else(|_| "DynamoDB Local".into())
}
