//! How every function answers bad requests: problem+json with a stable code, and no write.

use axum::{Router, body::Body, extract::State, routing::post};
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use roomwright_core::{
    ApiError, AppState,
    dynamo::{Keys, PageParams, SortKey},
    http::{ApiJson, DEFAULT_BODY_LIMIT, finish},
    problem::PROBLEM_JSON,
};
use roomwright_devstack::TestStack;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower::ServiceExt;

#[derive(Debug, Serialize, Deserialize)]
struct NewNote {
    title: String,
    words: u32,
}

/// A route that stores what it is sent, so a test can see whether anything was written.
fn app(state: AppState) -> Router {
    async fn create(
        State(state): State<AppState>,
        ApiJson(note): ApiJson<NewNote>,
    ) -> Result<StatusCode, ApiError> {
        state
            .table()
            .create(&Keys::new("NOTES", &note.title), &note)
            .await?;
        Ok(StatusCode::CREATED)
    }
    async fn boom() -> StatusCode {
        panic!("handler bug")
    }
    finish(
        Router::new()
            .route("/v1/notes", post(create))
            .route("/v1/boom", post(boom))
            .with_state(state),
    )
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, http::HeaderMap, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, json)
}

fn post_json(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

async fn stored_notes(state: &AppState) -> usize {
    let page = PageParams::default().parse().unwrap();
    state
        .table()
        .query::<NewNote>(None, "NOTES", SortKey::Any, &page, false)
        .await
        .unwrap()
        .items
        .len()
}

fn assert_problem(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &Value,
    want: StatusCode,
    code: &str,
) {
    assert_eq!(status, want, "{body}");
    assert_eq!(headers[header::CONTENT_TYPE], PROBLEM_JSON);
    assert_eq!(body["status"], want.as_u16());
    assert_eq!(body["code"], code);
    assert!(body["title"].is_string() && body["type"].as_str().unwrap().ends_with(code));
}

#[tokio::test]
async fn bad_bodies_get_problems_and_write_nothing() {
    let stack = TestStack::new().await;
    let app = app(stack.state.clone());

    let (status, headers, body) = send(&app, post_json("/v1/notes", r#"{"title": "a", "#)).await;
    assert_problem(
        status,
        &headers,
        &body,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    );

    let (status, headers, body) = send(
        &app,
        post_json("/v1/notes", r#"{"title": "a", "words": "many"}"#),
    )
    .await;
    assert_problem(
        status,
        &headers,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(body["errors"][0]["path"], "words");

    let oversize = format!(
        r#"{{"title": "{}", "words": 1}}"#,
        "x".repeat(DEFAULT_BODY_LIMIT)
    );
    let (status, headers, body) = send(&app, post_json("/v1/notes", oversize)).await;
    assert_problem(
        status,
        &headers,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );

    let text = Request::post("/v1/notes")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(r#"{"title": "a", "words": 1}"#))
        .unwrap();
    let (status, headers, body) = send(&app, text).await;
    assert_problem(
        status,
        &headers,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    assert_eq!(
        stored_notes(&stack.state).await,
        0,
        "a refused request must not write"
    );

    let (status, _, _) = send(
        &app,
        post_json("/v1/notes", r#"{"title": "ok", "words": 3}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(stored_notes(&stack.state).await, 1);

    // The same key twice is a conflict the layer reports, not a silent overwrite.
    let (status, headers, body) = send(
        &app,
        post_json("/v1/notes", r#"{"title": "ok", "words": 4}"#),
    )
    .await;
    assert_problem(
        status,
        &headers,
        &body,
        StatusCode::PRECONDITION_FAILED,
        "version_mismatch",
    );
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_panics_are_problems() {
    let stack = TestStack::new().await;
    let app = app(stack.state.clone());

    let request = Request::get("/v1/nowhere").body(Body::empty()).unwrap();
    let (status, headers, body) = send(&app, request).await;
    assert_problem(
        status,
        &headers,
        &body,
        StatusCode::NOT_FOUND,
        "route_not_found",
    );

    let request = Request::get("/v1/notes").body(Body::empty()).unwrap();
    let (status, headers, body) = send(&app, request).await;
    assert_problem(
        status,
        &headers,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );

    let (status, headers, body) = send(&app, post_json("/v1/boom", "{}")).await;
    assert_problem(
        status,
        &headers,
        &body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
    );
    assert!(
        !body.to_string().contains("handler bug"),
        "panic text must not leak"
    );
}

#[tokio::test]
async fn correlation_ids_are_echoed_or_minted() {
    let stack = TestStack::new().await;
    let app = app(stack.state.clone());

    let request = Request::get("/v1/nowhere")
        .header("x-correlation-id", "client-trace-42")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&app, request).await;
    assert_eq!(headers["x-correlation-id"], "client-trace-42");
    assert!(!headers["x-request-id"].is_empty());

    // An unprintable or huge id is replaced, never echoed.
    let request = Request::get("/v1/nowhere")
        .header("x-correlation-id", "a".repeat(500))
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&app, request).await;
    assert_eq!(headers["x-correlation-id"], headers["x-request-id"]);
}
