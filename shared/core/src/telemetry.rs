//! Structured JSON logs through `tracing`, each line carrying the request id and the caller's
//! correlation id.
//!
//! Only ids, method, route and status are logged per request: never headers or bodies, which
//! may hold tokens and passwords.

use std::time::Instant;

use axum::{extract::Request, middleware::Next, response::Response};
use http::HeaderValue;
use lambda_http::RequestExt;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

pub const CORRELATION_ID: &str = "x-correlation-id";
pub const REQUEST_ID: &str = "x-request-id";

/// Installs the JSON subscriber (level from `RUST_LOG`, default `info`). Safe to call twice.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
}

/// The ids of the request being served, for handlers that pass them on (to jobs, webhooks).
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub correlation_id: String,
}

/// Gives every request a span with its ids and echoes the ids back as response headers.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let request_id =
        lambda_request_id(&request).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    // A caller-chosen correlation id is kept only when it is short and printable, so it cannot
    // forge log lines or bloat them.
    let correlation_id = request
        .headers()
        .get(CORRELATION_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    // The X-Ray trace of the invocation, so a log line leads to its trace (and back).
    let trace_id = request
        .lambda_context_ref()
        .and_then(|context| context.xray_trace_id.clone())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        correlation_id = %correlation_id,
        trace_id = %trace_id,
        method = %request.method(),
        path = %logged_path(request.uri().path()),
    );
    request.extensions_mut().insert(RequestIds {
        request_id: request_id.clone(),
        correlation_id: correlation_id.clone(),
    });
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let latency = started.elapsed();
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_us = latency.as_micros() as u64,
            "request finished"
        );
    });
    crate::metrics::request(response.status().as_u16(), latency);
    let headers = response.headers_mut();
    for (name, value) in [(CORRELATION_ID, &correlation_id), (REQUEST_ID, &request_id)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}

/// The path as logged: a share link's token opens its proposal to anyone who has it, so
/// `/p/<token>...` is written as `/p/{token}...` (the gateway's access log has the route only).
fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/p/") {
        Some(rest) if !rest.starts_with("assets/") => {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            format!("/p/{{token}}{tail}").into()
        }
        _ => path.into(),
    }
}

/// The Lambda invocation's request id when running under `lambda_http`.
fn lambda_request_id(request: &Request) -> Option<String> {
    request
        .lambda_context_ref()
        .map(|context| context.request_id.clone())
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn share_tokens_stay_out_of_the_logs() {
        use super::logged_path;
        assert_eq!(logged_path("/p/AbC-123_x"), "/p/{token}");
        assert_eq!(logged_path("/p/AbC-123_x/feedback"), "/p/{token}/feedback");
        assert_eq!(logged_path("/p/assets/pano-1.js"), "/p/assets/pano-1.js");
        assert_eq!(logged_path("/v1/projects/p/x"), "/v1/projects/p/x");
    }
}
