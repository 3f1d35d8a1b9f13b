//! The audit log never holds an email address, and erasure removes even its pseudonym.

mod common;

use common::{PASSWORD, app, token};
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use serde_json::json;

#[tokio::test]
async fn audit_entries_name_addresses_by_pseudonym_and_erasure_scrubs_them() {
    let app = app().await;
    let (admin, _) = app.user_with_role("root@example.com", Role::Admin).await;
    let body = app.signup("Nora@Example.com").await;
    for _ in 0..2 {
        let wrong = app
            .login("nora@example.com", "not the password at all")
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let about = |who: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.send(
                Method::GET,
                &format!("/v1/admin/audit?user={who}"),
                Some(&admin),
                None,
            )
            .await
        }
    };
    let before = about("nora@example.com").await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    let failed: Vec<_> = before.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login_failed")
        .collect();
    assert_eq!(
        failed.len(),
        2,
        "an admin finds the failures by the address"
    );
    let everything = app
        .send(Method::GET, "/v1/admin/audit?limit=100", Some(&admin), None)
        .await;
    assert!(
        !everything
            .body
            .to_string()
            .to_lowercase()
            .contains("nora@example.com"),
        "no address in the audit log: {}",
        everything.body
    );

    let erased = app
        .send(
            Method::DELETE,
            "/v1/me",
            Some(token(&body)),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.body);
    let after = about("nora@example.com").await;
    assert_eq!(after.body["items"], json!([]), "the pseudonym is gone too");
    let everything = app
        .send(Method::GET, "/v1/admin/audit?limit=100", Some(&admin), None)
        .await;
    let scrubbed = everything.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login_failed" && e["target"] == "erased")
        .count();
    assert_eq!(scrubbed, 2, "the entries stay in the log, about nobody");
}
