//! Who is calling: the identity API Gateway's authorizer verified and put in the request
//! context. Never the path, the body or a header the client writes: those say what the client
//! claims, the authorizer what it proved.
//!
//! - REST API (v1) with a Cognito user pool authorizer: `requestContext.authorizer.claims.sub`;
//!   with a Lambda authorizer: `requestContext.authorizer.principalId`.
//! - HTTP API (v2) with a JWT authorizer: `requestContext.authorizer.jwt.claims.sub`; with a
//!   Lambda authorizer: its context's `sub` (`requestContext.authorizer.lambda.sub`).
//!
//! A request without one gets `401`: deploy the API with an authorizer on every route.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// The caller's id, if an authorizer proved one.
pub fn caller(request: &Request) -> Option<String> {
    let text = |value: Option<&serde_json::Value>| {
        value
            .and_then(serde_json::Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
    };
    if let Some(RequestContext::ApiGatewayV1(context)) = request.request_context_ref() {
        let fields = &context.authorizer.fields;
        let claims = fields.get("claims").and_then(|c| c.get("sub"));
        return text(claims).or_else(|| text(fields.get("principalId")));
    }
    if let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() {
        let authorizer = context.authorizer.as_ref()?;
        let jwt = authorizer
            .jwt
            .as_ref()
            .and_then(|jwt| jwt.claims.get("sub"));
        return jwt
            .filter(|id| !id.is_empty())
            .cloned()
            .or_else(|| text(authorizer.fields.get("sub")));
    }
    None
}
