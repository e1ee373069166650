//! Runs a Lambda HTTP handler outside Lambda: an HTTP/1 server on loopback whose requests
//! become the `lambda_http::Request` the handler takes in Lambda, and its responses HTTP
//! responses. Copy this file as it is into a service of your own: `serve` takes any handler
//! `Fn(lambda_http::Request) -> impl Future<Output = Response<Body>>`.
//!
//! There no API Gateway authorizer runs, so with `dev_tokens` a development token stands in
//! for one: `Authorization: Bearer dev:<user>` becomes the request context an HTTP API's JWT
//! authorizer would have set for `sub = <user>`. Turn it on only for local runs, on loopback.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::BodyExt;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::{Body, Request, RequestExt, Response};

/// Serves `handle` on `address` (a loopback address) until the process stops.
pub async fn serve<F, Fut>(
    address: SocketAddr,
    dev_tokens: bool,
    handle: F,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send,
{
    if !address.ip().is_loopback() {
        return Err(format!("{address} is not a loopback address").into());
    }
    let listener = tokio::net::TcpListener::bind(address).await?;
    let handle = Arc::new(handle);
    loop {
        let (stream, _) = listener.accept().await?;
        let handle = handle.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let handle = handle.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let body = if bytes.is_empty() {
                        Body::Empty
                    } else {
                        Body::from(bytes.to_vec())
                    };
                    let mut request = hyper::Request::from_parts(parts, body);
                    if dev_tokens {
                        request = with_dev_identity(request);
                    }
                    let (parts, body) = handle(request).await.into_parts();
                    let bytes: Vec<u8> = match body {
                        Body::Text(text) => text.into_bytes(),
                        Body::Binary(bytes) => bytes,
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
/// authorizer verified `sub = <user>`: what the handler reads in Lambda.
fn with_dev_identity(request: Request) -> Request {
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
        ApiGatewayV2httpRequestContext,
    };
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
