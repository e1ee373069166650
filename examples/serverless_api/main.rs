//! A REST API on API Gateway → Lambda → DynamoDB, with typed models: notes per user, created,
//! read, listed with cursor pagination, replaced with optimistic locking (`If-Match`), deleted.
//! The routes and error mapping are in `handler.rs`.
//!
//! In Lambda (the runtime sets `AWS_LAMBDA_RUNTIME_API`) it serves API Gateway's REST (v1) and
//! HTTP (v2) events through `lambda_http`, on the standard AWS configuration. Anywhere else it
//! is an ordinary HTTP server on loopback, against DynamoDB Local (started for it, or the one at
//! `DYNAMODB_ENDPOINT`), with no cloud tools:
//!
//! ```sh
//! cargo run --features serverless --example serverless_api   # listens on 127.0.0.1:3000
//! curl -s -XPOST localhost:3000/users/ada/notes -d '{"title":"hello"}'
//! curl -s 'localhost:3000/users/ada/notes?limit=10'
//! ```
//!
//! `PORT` chooses another port. The table is created when missing (locally; in Lambda it is
//! expected to exist, created by the deployment).

mod handler;

use std::convert::Infallible;
use std::net::SocketAddr;

use dynamo_model::prelude::*;
use http_body_util::BodyExt;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        // `Db::from_env` reads the AWS configuration chain and builds the clients; it sends no
        // request to DynamoDB (BENCHMARKS.md, "Serverless cold start").
        let db = Db::from_env().await;
        let db = &db;
        return lambda_http::run(lambda_http::service_fn(move |request| async move {
            Ok::<_, Infallible>(handler::handle(db, request).await)
        }))
        .await;
    }
    let local = dynamo_model::local::DynamoDbLocal::start().await?;
    let db = local.db();
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
    serve(db, SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// Serves the handler over HTTP/1 on `address` (loopback): each request becomes the
/// `lambda_http::Request` the handler takes in Lambda.
async fn serve(
    db: Db,
    address: SocketAddr,
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
                    let response =
                        handler::handle(&db, hyper::Request::from_parts(parts, body)).await;
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

fn db_endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT").unwrap_or_else(|_| "DynamoDB Local".into())
}
