//! Admin actions, invitations, throttling and the audit log.

mod common;

use common::{PASSWORD, app, refresh_token, token};
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use serde_json::json;

#[tokio::test]
async fn disabling_a_user_stops_login_and_refresh_at_once() {
    let app = app().await;
    let (admin, admin_id) = app.user_with_role("ada@example.com", Role::Admin).await;
    let body = app.signup("ian@example.com").await;
    let id = body["user"]["id"].as_str().unwrap();

    let disabled = app
        .send(
            Method::POST,
            &format!("/v1/admin/users/{id}/disable"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(disabled.body["status"], "disabled");

    let refresh = app
        .send(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh_token(&body)})),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
    let login = app.login("ian@example.com", PASSWORD).await;
    assert_eq!(
        (login.status, login.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("account_disabled"))
    );

    let enabled = app
        .send(
            Method::POST,
            &format!("/v1/admin/users/{id}/enable"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(enabled.body["status"], "active");
    assert_eq!(
        app.login("ian@example.com", PASSWORD).await.status,
        StatusCode::OK
    );

    let myself = app
        .send(
            Method::POST,
            &format!("/v1/admin/users/{admin_id}/disable"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(myself.body["code"], "cannot_modify_self");
    let missing = app
        .send(
            Method::POST,
            "/v1/admin/users/usr_nope/disable",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn role_changes_list_filters_and_apply_on_refresh() {
    let app = app().await;
    let (admin, _) = app.user_with_role("ada@example.com", Role::Admin).await;
    let body = app.signup("jo@example.com").await;
    let id = body["user"]["id"].as_str().unwrap();

    let bad = app
        .send(
            Method::PUT,
            &format!("/v1/admin/users/{id}/role"),
            Some(&admin),
            Some(json!({"role": "overlord"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let changed = app
        .send(
            Method::PUT,
            &format!("/v1/admin/users/{id}/role"),
            Some(&admin),
            Some(json!({"role": "sales_rep"})),
        )
        .await;
    assert_eq!(changed.body["role"], "sales_rep");

    let reps = app
        .send(
            Method::GET,
            "/v1/admin/users?role=sales_rep",
            Some(&admin),
            None,
        )
        .await;
    let emails: Vec<_> = reps.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["jo@example.com"]);
    let all = app
        .send(Method::GET, "/v1/admin/users?limit=1", Some(&admin), None)
        .await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);
    let next = all.body["next_cursor"].as_str().unwrap();
    let rest = app
        .send(
            Method::GET,
            &format!("/v1/admin/users?limit=1&cursor={next}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(rest.body["items"][0]["email"], "jo@example.com");
    let bad_limit = app
        .send(Method::GET, "/v1/admin/users?limit=500", Some(&admin), None)
        .await;
    assert_eq!(bad_limit.body["errors"][0]["path"], "limit");

    let refreshed = app
        .send(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh_token(&body)})),
        )
        .await;
    assert_eq!(refreshed.body["user"]["role"], "sales_rep");

    let designer = app
        .send(Method::GET, "/v1/admin/users", Some(token(&body)), None)
        .await;
    assert_eq!(
        designer.status,
        StatusCode::FORBIDDEN,
        "a sales rep is not an admin"
    );
}

#[tokio::test]
async fn invitations_grant_their_role_once_and_only_to_their_email() {
    let app = app().await;
    let (admin, _) = app.user_with_role("ada@example.com", Role::Admin).await;
    let invite = app
        .send(
            Method::POST,
            "/v1/admin/invites",
            Some(&admin),
            Some(json!({"email": format!("Kim.{}@Example.com", app.stack.stack_name), "role": "sales_rep"})),
        )
        .await;
    assert_eq!(invite.status, StatusCode::CREATED, "{}", invite.body);
    assert_eq!(invite.body["emailed"], true);
    assert!(
        invite.body.get("invite_token").is_none(),
        "the token goes to the invitee only: {}",
        invite.body
    );
    let kim_email = format!("kim.{}@example.com", app.stack.stack_name);
    let mail = app.stack.emails_to(&kim_email).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(
        mail[0].subject.as_deref(),
        Some("Role User invited you to Roomwright")
    );
    assert!(mail[0].body.as_deref().unwrap().contains("as a sales_rep"));
    let invite_token = mail[0].token("invite").expect("an invitation link");
    let invite_token = invite_token.as_str();

    let signup = |email: &str| {
        app.send(Method::POST, "/v1/auth/signup", None, Some(json!({"email": email, "password": PASSWORD, "name": "Kim", "invite_token": invite_token})))
    };
    let other = signup("lee@example.com").await;
    assert_eq!(other.body["errors"][0]["code"], "invalid_invite");
    let kim = signup(&kim_email).await;
    assert_eq!(kim.status, StatusCode::ACCEPTED, "{}", kim.body);
    let kim = app.login(&kim_email, PASSWORD).await;
    assert_eq!(kim.body["user"]["role"], "sales_rep");
    assert_eq!(
        kim.body["user"]["email_verified"], true,
        "the invitation went to this address"
    );
    assert!(
        app.stack.emails_to(&kim_email).await.len() == 1,
        "no confirmation email: the invitation proved the address"
    );
    let twice = app.send(Method::POST, "/v1/auth/signup", None, Some(json!({"email": "kim2@example.com", "password": PASSWORD, "name": "K", "invite_token": invite_token}))).await;
    assert_eq!(twice.body["errors"][0]["code"], "invalid_invite");

    let existing = app
        .send(
            Method::POST,
            "/v1/admin/invites",
            Some(&admin),
            Some(json!({"email": kim_email, "role": "viewer"})),
        )
        .await;
    assert_eq!(existing.body["code"], "email_taken");
}

#[tokio::test]
async fn five_failures_per_account_throttle_even_the_right_password() {
    let app = app().await;
    app.signup("max@example.com").await;
    for attempt in 0..5 {
        // Different addresses, so only the account counter reaches its limit.
        let reply = app
            .send_from(
                &format!("10.0.0.{attempt}"),
                Method::POST,
                "/v1/auth/login",
                None,
                Some(json!({"email": "max@example.com", "password": "wrong password!"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = app
        .send_from(
            "10.0.1.1",
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": "max@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        (blocked.status, blocked.body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts"))
    );
    let wait: u64 = blocked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // Another account is not affected.
    app.signup("ned@example.com").await;
    assert_eq!(
        app.send_from(
            "10.0.1.1",
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": "ned@example.com", "password": PASSWORD}))
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn five_failures_from_one_address_throttle_that_address() {
    let app = app().await;
    app.signup("olive@example.com").await;
    for n in 0..5 {
        let reply = app.send_from("192.0.2.9", Method::POST, "/v1/auth/login", None, Some(json!({"email": format!("guess{n}@example.com"), "password": "wrong password!"}))).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = app
        .send_from(
            "192.0.2.9",
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": "olive@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = app
        .send_from(
            "192.0.2.10",
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": "olive@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK);
}

#[tokio::test]
async fn audit_log_records_actor_target_source_and_filters_by_time() {
    let app = app().await;
    let (admin, admin_id) = app.user_with_role("ada@example.com", Role::Admin).await;
    let body = app.signup("pat@example.com").await;
    let id = body["user"]["id"].as_str().unwrap();
    let before = roomwright_core::time::rfc3339(roomwright_core::time::now());
    app.send_from(
        "198.51.100.4",
        Method::PUT,
        &format!("/v1/admin/users/{id}/role"),
        Some(&admin),
        Some(json!({"role": "viewer"})),
    )
    .await;

    let log = app
        .send(
            Method::GET,
            &format!("/v1/admin/audit?user={id}&from={before}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    let entry = &items[0];
    assert_eq!(entry["action"], "role_changed");
    assert_eq!(entry["actor"], admin_id.as_str());
    assert_eq!(entry["target"], id);
    assert_eq!(entry["source_ip"], "198.51.100.4");
    assert_eq!(entry["user_agent"], "auth-tests/1.0");
    assert_eq!(
        entry["details"],
        json!({"from": "designer", "to": "viewer"})
    );

    let everything = app
        .send(Method::GET, "/v1/admin/audit", Some(&admin), None)
        .await;
    let actions: Vec<_> = everything.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "role_changed",
            "login_succeeded",
            "signup",
            "login_succeeded"
        ],
        "newest first"
    );
    let bad = app
        .send(
            Method::GET,
            "/v1/admin/audit?from=yesterday",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(bad.body["errors"][0]["path"], "from");
}
