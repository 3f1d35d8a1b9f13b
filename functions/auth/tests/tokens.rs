//! Access tokens that must be refused, and refresh-token rotation with reuse detection.

mod common;

use common::{App, app, refresh_token, token};
use http::{Method, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use roomwright_auth::KeySet;
use roomwright_core::auth::{AUDIENCE, AccessClaims, Role};
use serde_json::json;

/// The session id inside an access token we issued.
fn sid_of(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["sid"].as_str().unwrap().to_string()
}

fn claims(user_id: &str) -> AccessClaims {
    let now = roomwright_core::time::now().unix_timestamp();
    AccessClaims {
        sub: user_id.to_string(),
        email: "x@example.com".into(),
        role: Role::Designer,
        permissions: vec![],
        sid: "ses_x".into(),
        iat: now,
        exp: now + 600,
        iss: roomwright_devstack::stack::TEST_ISSUER.into(),
        aud: AUDIENCE.into(),
    }
}

fn sign(keys: &KeySet, claims: &AccessClaims) -> String {
    let key = keys.keys.last().unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(key.private_key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn me_code(app: &App, token: &str) -> (StatusCode, String) {
    let reply = app.send(Method::GET, "/v1/me", Some(token), None).await;
    (
        reply.status,
        reply.body["code"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn forged_expired_and_misdirected_tokens_are_refused() {
    let app = app().await;
    let body = app.signup("fay@example.com").await;
    let user_id = body["user"]["id"].as_str().unwrap();
    let sid = sid_of(token(&body));
    let claims = |user_id: &str| AccessClaims {
        sid: sid.clone(),
        ..claims(user_id)
    };
    let good = sign(&app.keys, &claims(user_id));
    assert_eq!(
        me_code(&app, &good).await.0,
        StatusCode::OK,
        "a well-formed token of ours works"
    );

    // Tampered signature: the payload changed after signing.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut forged = claims(user_id);
    forged.role = Role::Admin;
    use base64::Engine;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&forged).unwrap());
    assert_eq!(
        me_code(&app, &parts.join(".")).await,
        (StatusCode::UNAUTHORIZED, "invalid_token".into())
    );

    // `alg: none` with no signature.
    let none_header =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);
    assert_eq!(
        me_code(&app, &unsigned).await,
        (StatusCode::UNAUTHORIZED, "invalid_token".into())
    );

    // HS256 signed with the public modulus as secret (key-confusion attack).
    let jwks = app.keys.public().unwrap();
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(jwks.keys[0].kid.clone());
    let confused = jsonwebtoken::encode(
        &hs,
        &claims(user_id),
        &EncodingKey::from_secret(jwks.keys[0].n.as_bytes()),
    )
    .unwrap();
    assert_eq!(me_code(&app, &confused).await.0, StatusCode::UNAUTHORIZED);

    let mut wrong_aud = claims(user_id);
    wrong_aud.aud = "another-api".into();
    assert_eq!(
        me_code(&app, &sign(&app.keys, &wrong_aud)).await.0,
        StatusCode::UNAUTHORIZED
    );

    let mut wrong_iss = claims(user_id);
    wrong_iss.iss = "https://evil.example".into();
    assert_eq!(
        me_code(&app, &sign(&app.keys, &wrong_iss)).await.0,
        StatusCode::UNAUTHORIZED
    );

    let mut expired = claims(user_id);
    expired.iat -= 3600;
    expired.exp -= 3600;
    assert_eq!(
        me_code(&app, &sign(&app.keys, &expired)).await,
        (StatusCode::UNAUTHORIZED, "token_expired".into())
    );

    // Signed by a key that is not in the published set.
    let stranger = KeySet::generate().unwrap();
    assert_eq!(
        me_code(&app, &sign(&stranger, &claims(user_id))).await.0,
        StatusCode::UNAUTHORIZED
    );

    let missing = app.send(Method::GET, "/v1/me", None, None).await;
    assert_eq!(
        (missing.status, missing.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("missing_token"))
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = app().await;
    let first = app.signup("gil@example.com").await;
    let refresh = |t: &str| {
        app.send(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": t})),
        )
    };

    let second = refresh(refresh_token(&first)).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_ne!(refresh_token(&second.body), refresh_token(&first));
    assert_eq!(me_code(&app, token(&second.body)).await.0, StatusCode::OK);

    // The first token is replayed (stolen): refused, and the family is revoked...
    let replay = refresh(refresh_token(&first)).await;
    assert_eq!(
        (replay.status, replay.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("refresh_token_reused"))
    );
    // ...so the legitimate holder's newer token stops working too.
    let newer = refresh(refresh_token(&second.body)).await;
    assert_eq!(newer.body["code"], "session_revoked");

    let garbage = refresh("not-a-token").await;
    assert_eq!(garbage.body["code"], "invalid_refresh_token");

    // The reuse is in the audit log.
    let (admin, _) = app.user_with_role("root@example.com", Role::Admin).await;
    let log = app
        .send(
            Method::GET,
            &format!(
                "/v1/admin/audit?user={}",
                first["user"]["id"].as_str().unwrap()
            ),
            Some(&admin),
            None,
        )
        .await;
    let actions: Vec<_> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.first(),
        Some(&"token_reuse_detected"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_is_idempotent() {
    let app = app().await;
    let body = app.signup("hal@example.com").await;
    let logout = |t: &str| {
        app.send(
            Method::POST,
            "/v1/auth/logout",
            None,
            Some(json!({"refresh_token": t})),
        )
    };
    assert_eq!(
        logout(refresh_token(&body)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        logout(refresh_token(&body)).await.status,
        StatusCode::NO_CONTENT
    );
    let refresh = app
        .send(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": body["refresh_token"]})),
        )
        .await;
    assert_eq!(refresh.body["code"], "session_revoked");
}

#[tokio::test]
async fn a_signed_token_for_a_session_that_never_existed_is_refused() {
    let app = app().await;
    let body = app.signup("ivy@example.com").await;
    let user_id = body["user"]["id"].as_str().unwrap();
    // Correctly signed, right issuer and audience, but the session id is made up.
    let made_up = sign(&app.keys, &claims(user_id));
    assert_eq!(
        me_code(&app, &made_up).await,
        (StatusCode::UNAUTHORIZED, "session_ended".into())
    );
}

#[tokio::test]
async fn access_tokens_stop_at_logout_password_change_disable_and_erasure() {
    let app = app().await;
    let (admin, _) = app.user_with_role("root@example.com", Role::Admin).await;

    // Logout ends the access token of that session, not only its refresh token.
    let body = app.signup("jo@example.com").await;
    assert_eq!(me_code(&app, token(&body)).await.0, StatusCode::OK);
    app.send(
        Method::POST,
        "/v1/auth/logout",
        None,
        Some(json!({"refresh_token": refresh_token(&body)})),
    )
    .await;
    assert_eq!(
        me_code(&app, token(&body)).await,
        (StatusCode::UNAUTHORIZED, "session_ended".into())
    );

    // A password change ends the other sessions' access tokens, and keeps the caller's.
    let first = app.login("jo@example.com", common::PASSWORD).await.body;
    let second = app.login("jo@example.com", common::PASSWORD).await.body;
    let changed = app
        .send(
            Method::POST,
            "/v1/me/password",
            Some(token(&first)),
            Some(json!({"current_password": common::PASSWORD, "new_password": "another long pass phrase"})),
        )
        .await;
    assert!(changed.status.is_success(), "{}", changed.body);
    assert_eq!(me_code(&app, token(&first)).await.0, StatusCode::OK);
    assert_eq!(me_code(&app, token(&second)).await.1, "session_ended");

    // Disabling and erasing end every token of the account.
    let kim = app.signup("kim@example.com").await;
    let kim_id = kim["user"]["id"].as_str().unwrap();
    let disabled = app
        .send(
            Method::POST,
            &format!("/v1/admin/users/{kim_id}/disable"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(me_code(&app, token(&kim)).await.1, "session_ended");

    let lee = app.signup("lee@example.com").await;
    let erased = app
        .send(
            Method::DELETE,
            "/v1/me",
            Some(token(&lee)),
            Some(json!({"password": common::PASSWORD})),
        )
        .await;
    assert!(erased.status.is_success(), "{}", erased.body);
    assert_eq!(me_code(&app, token(&lee)).await.1, "session_ended");
}
