//! `GET /v1/health` through the real router, fed API Gateway events as Lambda would.

use std::sync::Arc;

use axum::body::Body;
use http::StatusCode;
use http_body_util::BodyExt;
use roomwright_core::{AppState, config::Config};
use roomwright_devstack::TestStack;
use serde_json::Value;
use tower::ServiceExt;

fn event(name: &str) -> lambda_http::Request {
    let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    lambda_http::request::from_str(&text).unwrap()
}

async fn call(
    state: AppState,
    request: lambda_http::Request,
) -> (StatusCode, http::HeaderMap, Value) {
    let (parts, body) = request.into_parts();
    let request = http::Request::from_parts(parts, Body::from(body.to_vec()));
    let response = roomwright_health::app(state)
        .oneshot(request)
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn reports_version_and_reachable_table_and_bucket() {
    let stack = TestStack::new().await;
    let (status, headers, body) =
        call(stack.state.clone(), event("apigw-http-get-health.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["commit"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(body["stage"], "test");
    assert_eq!(body["checks"]["table"]["reachable"], true);
    assert_eq!(body["checks"]["bucket"]["reachable"], true);
    assert_eq!(headers["x-correlation-id"], "corr-health-0001");
}

#[tokio::test]
async fn works_behind_the_jwt_authorizer_too() {
    let stack = TestStack::new().await;
    let (status, _, body) =
        call(stack.state.clone(), event("apigw-http-jwt-get-health.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn is_degraded_with_503_when_the_table_is_missing() {
    let stack = TestStack::new().await;
    let config = Config {
        table_name: format!("{}-gone", stack.stack_name),
        ..Config::clone(&stack.state.config)
    };
    let state = AppState {
        config: Arc::new(config),
        ..stack.state.clone()
    };
    let (status, _, body) = call(state, event("apigw-http-get-health.json")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["checks"]["table"]["reachable"], false);
    assert_eq!(
        body["checks"]["table"]["error"],
        "ResourceNotFoundException"
    );
    assert_eq!(body["checks"]["bucket"]["reachable"], true);
}

#[tokio::test]
async fn malformed_event_body_on_a_get_route_is_a_problem() {
    let stack = TestStack::new().await;
    let (status, headers, body) = call(
        stack.state.clone(),
        event("apigw-http-post-malformed-json.json"),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(body["code"], "method_not_allowed");
}
