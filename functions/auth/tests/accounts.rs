//! Signup, login, profile, password change, export and erasure through the real router.

mod common;

use common::{PASSWORD, app, token};
use http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn signup_answers_with_an_oauth_token_response_and_me_works() {
    let app = app().await;
    let body = app.signup("  Ann@Example.COM ").await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["email"], "ann@example.com");
    assert_eq!(body["user"]["role"], "designer");
    assert!(
        body["refresh_token"].as_str().unwrap().len() >= 43,
        "256-bit token"
    );

    let me = app
        .send(Method::GET, "/v1/me", Some(token(&body)), None)
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], "ann@example.com");
    assert_eq!(me.body["company"], "Acme");
    assert!(
        me.body.get("password_hash").is_none(),
        "hash must never be returned"
    );

    let again = app
        .send(
            Method::POST,
            "/v1/auth/signup",
            None,
            Some(json!({"email": "ANN@example.com", "password": PASSWORD, "name": "Other"})),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::ACCEPTED,
        "a taken address answers as a new one: {}",
        again.body
    );
    assert_eq!(again.body["status"], "check_your_email");
    let still = app.login("ann@example.com", PASSWORD).await;
    assert_eq!(
        still.status,
        StatusCode::OK,
        "the first account is unchanged"
    );
}

#[tokio::test]
async fn signup_validation_names_every_bad_field_and_stores_nothing() {
    let app = app().await;
    let reply = app
        .send(
            Method::POST,
            "/v1/auth/signup",
            None,
            Some(json!({"email": "not-an-email", "password": "short", "name": " "})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["email", "name", "password"]);

    let common = app
        .send(
            Method::POST,
            "/v1/auth/signup",
            None,
            Some(json!({"email": "bob@example.com", "password": "LeaveMeAlone", "name": "Bob"})),
        )
        .await;
    assert_eq!(common.body["errors"][0]["code"], "too_common");
    let login = app.login("bob@example.com", "LeaveMeAlone").await;
    assert_eq!(
        login.status,
        StatusCode::UNAUTHORIZED,
        "no account was created"
    );

    let typo = app
        .send(
            Method::POST,
            "/v1/auth/signup",
            None,
            Some(json!({"email": "bob@example.com", "pasword": PASSWORD, "name": "Bob"})),
        )
        .await;
    assert_eq!(
        typo.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused: {}",
        typo.body
    );
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = app().await;
    app.signup("cy@example.com").await;
    let wrong = app.login("cy@example.com", "not the right password").await;
    let unknown = app
        .login("nobody@example.com", "not the right password")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.body["code"], "invalid_credentials");
    assert!(wrong.headers.contains_key("www-authenticate"));

    let ok = app.login("CY@example.com", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_ends_other_sessions() {
    let app = app().await;
    let first = app.signup("dee@example.com").await;
    let second = app.login("dee@example.com", PASSWORD).await.body;

    let wrong = app
        .send(Method::POST, "/v1/me/password", Some(token(&first)), Some(json!({"current_password": "nope nope nope", "new_password": "a new long passphrase"})))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.body["errors"][0]["code"], "wrong_password");

    let changed = app
        .send(
            Method::POST,
            "/v1/me/password",
            Some(token(&first)),
            Some(json!({"current_password": PASSWORD, "new_password": "a new long passphrase"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.body);

    // The other session's refresh token stops working; this session's keeps working.
    let other = app
        .send(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": second["refresh_token"]})),
        )
        .await;
    assert_eq!(other.body["code"], "session_revoked");
    let mine = app
        .send(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": first["refresh_token"]})),
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK);

    assert_eq!(
        app.login("dee@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("dee@example.com", "a new long passphrase")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn profile_update_export_and_erasure() {
    let app = app().await;
    let body = app.signup("eve@example.com").await;
    let updated = app
        .send(
            Method::PATCH,
            "/v1/me",
            Some(token(&body)),
            Some(json!({"name": "Eve Long"})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body["name"], "Eve Long");
    assert_eq!(updated.body["company"], "Acme");

    let export = app
        .send(Method::GET, "/v1/me/export", Some(token(&body)), None)
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.body["user"]["name"], "Eve Long");
    assert_eq!(export.body["sessions"].as_array().unwrap().len(), 1);
    let actions: Vec<_> = export.body["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"signup") && actions.contains(&"profile_updated"),
        "{actions:?}"
    );

    let refused = app
        .send(
            Method::DELETE,
            "/v1/me",
            Some(token(&body)),
            Some(json!({"password": "wrong wrong wrong"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let erased = app
        .send(
            Method::DELETE,
            "/v1/me",
            Some(token(&body)),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT);

    assert_eq!(
        app.login("eve@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let me = app
        .send(Method::GET, "/v1/me", Some(token(&body)), None)
        .await;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "an erased account's tokens stop working"
    );
    let refresh = app
        .send(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": body["refresh_token"]})),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
    // The address is free again.
    app.signup("eve@example.com").await;
}

#[tokio::test]
async fn discovery_and_jwks_publish_the_signing_key() {
    let app = app().await;
    let config = app
        .send(Method::GET, "/.well-known/openid-configuration", None, None)
        .await;
    assert_eq!(
        config.body["issuer"],
        roomwright_devstack::stack::TEST_ISSUER
    );
    assert_eq!(
        config.body["jwks_uri"],
        format!(
            "{}/.well-known/jwks.json",
            roomwright_devstack::stack::TEST_ISSUER
        )
    );
    let jwks = app
        .send(Method::GET, "/.well-known/jwks.json", None, None)
        .await;
    assert_eq!(jwks.status, StatusCode::OK);
    let key = &jwks.body["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(key["kid"], app.keys.keys[0].kid.as_str());
}

#[tokio::test]
async fn a_login_raises_an_old_password_hash_to_the_current_parameters() {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version, password_hash::SaltString};
    let app = app().await;
    let table = app.stack.state.table();
    let user = roomwright_accounts::users::provision(
        &table,
        "old@example.com",
        "Old",
        roomwright_core::auth::Role::Designer,
        common::PASSWORD,
    )
    .await
    .unwrap()
    .unwrap();
    // The account's hash as an earlier release stored it: 8 MiB, one pass.
    let weak = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(8192, 1, 1, None).unwrap(),
    )
    .hash_password(
        common::PASSWORD.as_bytes(),
        &SaltString::encode_b64(b"an-old-salt-16b!").unwrap(),
    )
    .unwrap()
    .to_string();
    let stored = roomwright_accounts::users::get(&table, &user.id)
        .await
        .unwrap()
        .unwrap();
    let mut old = stored.value;
    old.password_hash = weak.clone();
    roomwright_accounts::users::save(&table, &old, stored.version)
        .await
        .unwrap();

    let login = app.login("old@example.com", common::PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let raised = roomwright_accounts::users::get(&table, &user.id)
        .await
        .unwrap()
        .unwrap()
        .value
        .password_hash;
    assert_ne!(raised, weak);
    assert!(
        raised.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{raised}"
    );
    // The raised hash still takes the same password.
    let again = app.login("old@example.com", common::PASSWORD).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}
