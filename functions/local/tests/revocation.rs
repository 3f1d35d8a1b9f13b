//! Access tokens stop at logout, disabling, erasure and role changes within seconds, in every
//! function instance: each checks the session (through a short cache) on every request.

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{Router, body::Body};
use common::{PASSWORD, app};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use roomwright_core::{
    AppState,
    auth::{LiveSessions, Role, live::LIVE_TTL},
    http::finish,
};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Another instance of the projects function: same table, its own session cache.
fn other_instance(state: &AppState) -> Router {
    let state = AppState {
        sessions: Arc::new(LiveSessions::new()),
        ..state.clone()
    };
    let (router, _) = roomwright_projects_api::routes().split_for_parts();
    finish(router.with_state(state))
}

async fn call(
    router: &Router,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Seconds until `router` refuses `token` with `status` and `code`, polled every 200 ms.
async fn until_refused(
    router: &Router,
    path: &str,
    token: &str,
    status: StatusCode,
    code: &str,
) -> f64 {
    let started = Instant::now();
    loop {
        let (got, body) = call(router, Method::GET, path, token, None).await;
        if got == status {
            assert_eq!(body["code"], code, "{body}");
            return started.elapsed().as_secs_f64();
        }
        assert_eq!(got, StatusCode::OK, "{body}");
        assert!(
            started.elapsed() < LIVE_TTL + Duration::from_secs(2),
            "still accepted after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_disabled_users_token_stops_in_another_instance_within_seconds() {
    let app = app().await;
    let (admin, _) = app.user("root@example.com", Role::Admin).await;
    let (token, id) = app.user("dana@example.com", Role::Designer).await;
    let other = other_instance(&app.stack.state);
    assert_eq!(
        call(&other, Method::GET, "/v1/projects", &token, None)
            .await
            .0,
        StatusCode::OK
    );
    let disabled = app
        .send(
            Method::POST,
            &format!("/v1/admin/users/{id}/disable"),
            &admin,
            None,
            None,
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    // The instance that disabled the user knows at once.
    assert_eq!(
        app.get("/v1/projects", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let seconds = until_refused(
        &other,
        "/v1/projects",
        &token,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    eprintln!("a disabled user's token stopped working in another instance after {seconds:.1} s");
}

#[tokio::test]
async fn a_demoted_user_loses_the_old_roles_rights_within_seconds() {
    let app = app().await;
    let (admin, _) = app.user("root@example.com", Role::Admin).await;
    let (token, id) = app.user("eli@example.com", Role::Designer).await;
    let other = other_instance(&app.stack.state);
    let (created, _) = call(
        &other,
        Method::POST,
        "/v1/projects",
        &token,
        Some(json!({"name": "Before"})),
    )
    .await;
    assert_eq!(created, StatusCode::CREATED);
    let demoted = app
        .send(
            Method::PUT,
            &format!("/v1/admin/users/{id}/role"),
            &admin,
            None,
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);
    let started = Instant::now();
    loop {
        let (status, body) = call(
            &other,
            Method::POST,
            "/v1/projects",
            &token,
            Some(json!({"name": "After"})),
        )
        .await;
        if status == StatusCode::FORBIDDEN {
            assert_eq!(body["code"], "missing_permission");
            break;
        }
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(started.elapsed() < LIVE_TTL + Duration::from_secs(2));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn tokens_after_logout_and_erasure_create_nothing() {
    let app = app().await;
    let (token, user_id) = app.user("fran@example.com", Role::Designer).await;
    // Sign in again for a refresh token, then sign out of that session.
    let login = app
        .send(
            Method::POST,
            "/v1/auth/login",
            "",
            None,
            Some(json!({"email": "fran@example.com", "password": PASSWORD})),
        )
        .await;
    let second = login.body["access_token"].as_str().unwrap().to_string();
    let out = app
        .send(
            Method::POST,
            "/v1/auth/logout",
            "",
            None,
            Some(json!({"refresh_token": login.body["refresh_token"]})),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after_logout = app
        .send(
            Method::POST,
            "/v1/projects",
            &second,
            None,
            Some(json!({"name": "Ghost"})),
        )
        .await;
    assert_eq!(
        (after_logout.status, after_logout.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("session_ended"))
    );

    // Erasure ends every session; the erased address is stored nowhere new.
    let erased = app
        .send(
            Method::DELETE,
            "/v1/me",
            &token,
            None,
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.body);
    let after_erasure = app
        .send(
            Method::POST,
            "/v1/projects",
            &token,
            None,
            Some(json!({"name": "Ghost"})),
        )
        .await;
    assert_eq!(after_erasure.status, StatusCode::UNAUTHORIZED);
    let stored = app
        .stack
        .state
        .table()
        .query_all::<Value>(
            None,
            &format!("USER#{user_id}"),
            roomwright_core::dynamo::SortKey::Prefix("PROJECT#"),
        )
        .await
        .unwrap();
    assert!(
        stored.iter().all(|p| p.value["name"] != "Ghost"),
        "a project was created with a dead token"
    );
}
