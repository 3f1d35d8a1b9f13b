//! Browser apps on other origins reach the local runner as they reach the HTTP API in AWS:
//! the CORS rules come from `template.yaml`, the allowed origins from `CORS_ALLOWED_ORIGINS`.

use axum::{Router, body::Body, routing::get};
use http::{Method, Request, StatusCode, header};
use roomwright_devstack::{repo_root, template::Template};
use tower::ServiceExt;

fn app(origins: Option<&str>) -> Router {
    let template = Template::load(&repo_root().join("template.yaml")).unwrap();
    Router::new()
        .route("/v1/projects", get(|| async { "[]" }))
        .layer(roomwright_local::cors::layer(&template, origins).unwrap())
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/v1/projects")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PATCH")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,if-match",
        )
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn an_allowed_origin_gets_the_templates_rules_and_another_gets_none() {
    let app = app(Some("https://app.example, https://admin.example"));
    let reply = app
        .clone()
        .oneshot(preflight("https://admin.example"))
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let headers = reply.headers();
    let get = |name: header::HeaderName| headers.get(name).unwrap().to_str().unwrap().to_string();
    assert_eq!(
        get(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        "https://admin.example"
    );
    assert!(get(header::ACCESS_CONTROL_ALLOW_METHODS).contains("PATCH"));
    assert!(get(header::ACCESS_CONTROL_ALLOW_HEADERS).contains("if-match"));
    assert_eq!(get(header::ACCESS_CONTROL_MAX_AGE), "600");

    let simple = Request::builder()
        .uri("/v1/projects")
        .header(header::ORIGIN, "https://app.example")
        .body(Body::empty())
        .unwrap();
    let reply = app.clone().oneshot(simple).await.unwrap();
    let exposed = reply.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap();
    assert!(
        exposed.contains("etag") && exposed.contains("x-request-id"),
        "{exposed}"
    );

    let other = app
        .oneshot(preflight("https://evil.example"))
        .await
        .unwrap();
    assert!(
        other
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none(),
        "an origin not in the setting is not allowed"
    );
}

#[tokio::test]
async fn without_the_setting_the_templates_default_applies() {
    let reply = app(None)
        .oneshot(preflight("https://any.example"))
        .await
        .unwrap();
    assert_eq!(reply.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
}
