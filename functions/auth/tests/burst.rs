//! A parallel burst of wrong passwords: each attempt is reserved before Argon2 runs, so the
//! burst gets no more checks than the limit. Alone in its binary, so the Argon2 count is its own.

mod common;

use std::sync::atomic::Ordering;

use common::{PASSWORD, app};
use http::{Method, StatusCode};
use roomwright_accounts::passwords::VERIFICATIONS;
use serde_json::json;

#[tokio::test]
async fn fifty_parallel_wrong_passwords_get_at_most_five_argon2_checks() {
    let app = app().await;
    let body = app.signup("quinn@example.com").await;
    let before = VERIFICATIONS.load(Ordering::Relaxed);
    let burst = (0..50).map(|_| {
        app.send_from(
            "203.0.113.7",
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": "quinn@example.com", "password": "not the password"})),
        )
    });
    let replies = futures::future::join_all(burst).await;
    let checks = VERIFICATIONS.load(Ordering::Relaxed) - before;
    let wrong = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = replies
        .iter()
        .filter(|r| {
            r.status == StatusCode::TOO_MANY_REQUESTS && r.body["code"] == "too_many_attempts"
        })
        .count();
    eprintln!(
        "50 parallel wrong passwords: {checks} Argon2 checks, {wrong} answered 401, {throttled} answered 429"
    );
    assert!(checks <= 5, "{checks} Argon2 checks");
    assert_eq!(wrong, checks as usize);
    assert_eq!(wrong + throttled, 50);

    // The same burst against a signed-in user's password checks.
    let token = body["access_token"].as_str().unwrap();
    let before = VERIFICATIONS.load(Ordering::Relaxed);
    let burst = (0..20).map(|_| {
        app.send_from(
            "203.0.113.8",
            Method::POST,
            "/v1/me/password",
            Some(token),
            Some(json!({"current_password": "not the password", "new_password": "a brand new pass phrase"})),
        )
    });
    let replies = futures::future::join_all(burst).await;
    let checks = VERIFICATIONS.load(Ordering::Relaxed) - before;
    assert!(checks <= 5, "{checks} Argon2 checks on /v1/me/password");
    assert!(
        replies
            .iter()
            .all(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY
                || r.status == StatusCode::TOO_MANY_REQUESTS),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let erase = app
        .send_from(
            "203.0.113.8",
            Method::DELETE,
            "/v1/me",
            Some(token),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(
        (erase.status, erase.body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
        "erasure shares the password checks' throttle"
    );
}
