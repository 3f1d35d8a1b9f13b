//! Where a request comes from, for audit records and per-IP throttling.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};
// `lambda_http` keeps the API Gateway request context in the request's extensions.
use lambda_http::request::RequestContext;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The caller's address as API Gateway saw it (never a client-set header), or the peer
    /// address locally; `unknown` when neither exists.
    pub source_ip: String,
    pub user_agent: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let gateway_ip = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
            _ => None,
        };
        let peer_ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip().to_string());
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect())
            .unwrap_or_default();
        Ok(ClientInfo {
            source_ip: gateway_ip
                .or(peer_ip)
                .unwrap_or_else(|| "unknown".to_string()),
            user_agent,
        })
    }
}
