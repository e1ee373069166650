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
//! NOTES_DEV_TOKENS=1 cargo run --features serverless --example serverless_api   # 127.0.0.1:3000
//! curl -s -XPOST localhost:3000/notes -H 'authorization: Bearer dev:ada' -d '{"title":"hello"}'
//! curl -s 'localhost:3000/notes?limit=10' -H 'authorization: Bearer dev:ada'
//! ```
//!
//! `PORT` chooses another port. Locally, without `NOTES_CURSOR_KEY`, cursors are sealed with a
//! key drawn at start (they last as long as the process). The table is created when missing
//! (locally; in Lambda it is expected to exist, created by the deployment).

mod handler;
mod identity;

use std::convert::Infallible;
use std::net::SocketAddr;

use dynamo_model::prelude::*;
use dynamo_model::CursorKey;
use http_body_util::BodyExt;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

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
    serve(db, SocketAddr::from(([127, 0, 0, 1], port)), dev_tokens).await
}

/// Serves the handler over HTTP/1 on `address` (loopback): each request becomes the
/// `lambda_http::Request` the handler takes in Lambda; with `dev_tokens`, a development token
/// becomes the request context an authorizer would have set.
async fn serve(
    db: Db,
    address: SocketAddr,
    dev_tokens: bool,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!(
        "serving on http://{address} (DynamoDB at {})",
        db_endpoint()
    );
    let db = std::sync::Arc::new(db);
    loop {
        let (stream, _) = listener.accept().await?;
        let db = db.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let db = db.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let body = if bytes.is_empty() {
                        lambda_http::Body::Empty
                    } else {
                        lambda_http::Body::from(bytes.to_vec())
                    };
                    let mut request = hyper::Request::from_parts(parts, body);
                    if dev_tokens {
                        request = with_dev_identity(request);
                    }
                    let response = handler::handle(&db, request).await;
                    let (parts, body) = response.into_parts();
                    let bytes: Vec<u8> = match body {
                        lambda_http::Body::Text(text) => text.into_bytes(),
                        lambda_http::Body::Binary(bytes) => bytes,
                        _ => Vec::new(),
                    };
                    Ok::<_, Infallible>(hyper::Response::from_parts(
                        parts,
                        http_body_util::Full::new(bytes::Bytes::from(bytes)),
                    ))
                }
            });
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "connection closed");
            }
        });
    }
}

/// `Authorization: Bearer dev:<user>` as the request context of an HTTP API whose JWT
/// authorizer verified `sub = <user>`: what `identity::caller` reads in Lambda.
fn with_dev_identity(request: lambda_http::Request) -> lambda_http::Request {
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
        ApiGatewayV2httpRequestContext,
    };
    use lambda_http::RequestExt;
    let user = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer dev:"))
        .filter(|user| !user.is_empty())
        .map(str::to_owned);
    let Some(user) = user else {
        return request;
    };
    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims.insert("sub".into(), user);
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.authorizer = Some(authorizer);
    request.with_request_context(lambda_http::request::RequestContext::ApiGatewayV2(context))
}

fn db_endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT").unwrap_or_else(|_| "DynamoDB Local".into())
}
