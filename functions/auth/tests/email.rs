//! Verification, password reset and signup as people meet them: by email, read back from the
//! local SES (moto), with addresses unique to each test's stack.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, app};
use http::{Method, StatusCode};
use roomwright_core::usage::{self, Scope};
use serde_json::json;

fn address(app: &common::App, who: &str) -> String {
    format!("{who}.{}@example.com", app.stack.stack_name)
}

#[tokio::test]
async fn an_address_is_confirmed_once_with_the_emailed_link_and_resends_are_limited() {
    let app = app().await;
    let email = address(&app, "vera");
    let tokens = app.signup(&email).await;
    assert_eq!(tokens["user"]["email_verified"], false, "{tokens}");
    let access = common::token(&tokens).to_string();

    let mail = app.stack.emails_to(&email).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(
        mail[0].subject.as_deref(),
        Some("Confirm your email address")
    );
    assert!(
        mail[0]
            .body
            .as_deref()
            .unwrap()
            .contains("Hello Test User,")
    );
    let token = mail[0].token("verify").expect("a confirmation link");

    let wrong = app
        .send(
            Method::POST,
            "/v1/auth/verify",
            None,
            Some(json!({"token": "nope"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.body["errors"][0]["code"], "invalid_token");
    assert_eq!(wrong.body["errors"][0]["path"], "token");

    let verified = app
        .send(
            Method::POST,
            "/v1/auth/verify",
            None,
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.body["email_verified"], true);
    let me = app.send(Method::GET, "/v1/me", Some(&access), None).await;
    assert_eq!(me.body["email_verified"], true);
    let again = app
        .send(
            Method::POST,
            "/v1/auth/verify",
            None,
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(
        again.body["errors"][0]["code"], "invalid_token",
        "once only"
    );
    let resend = app
        .send(Method::POST, "/v1/auth/verify/resend", Some(&access), None)
        .await;
    assert_eq!(resend.status, StatusCode::CONFLICT);
    assert_eq!(resend.body["code"], "already_verified");

    // Another account asks again and again: five emails an hour to one address, then 429.
    let other = address(&app, "walt");
    let tokens = app.signup(&other).await;
    let access = common::token(&tokens).to_string();
    for _ in 0..4 {
        let resend = app
            .send(Method::POST, "/v1/auth/verify/resend", Some(&access), None)
            .await;
        assert_eq!(resend.status, StatusCode::ACCEPTED, "{}", resend.body);
    }
    let limited = app
        .send(Method::POST, "/v1/auth/verify/resend", Some(&access), None)
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.body["code"], "too_many_emails");
    assert!(limited.headers.contains_key("retry-after"));
    let mail = app.stack.emails_to(&other).await;
    assert_eq!(mail.len(), 5);
    // The newest link works; every email was metered.
    let newest = mail[4].token("verify").unwrap();
    let verified = app
        .send(
            Method::POST,
            "/v1/auth/verify",
            None,
            Some(json!({"token": newest})),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK);
    let user_id = tokens["user"]["id"].as_str().unwrap();
    let month = usage::month_of(time::OffsetDateTime::now_utc());
    let spent = usage::totals(&app.stack.state.table(), &Scope::User(user_id), &month)
        .await
        .unwrap();
    assert_eq!(
        spent.cost_micro_usd,
        5 * roomwright_notify::mail::EMAIL_MICRO_USD
    );
}

#[tokio::test]
async fn a_password_is_reset_once_within_the_hour_and_every_session_ends() {
    let app = app().await;
    let email = address(&app, "rosa");
    let tokens = app.signup(&email).await;
    let refresh = common::refresh_token(&tokens).to_string();

    let asked = app
        .send(
            Method::POST,
            "/v1/auth/password-reset",
            None,
            Some(json!({"email": email.to_uppercase()})),
        )
        .await;
    let unknown = app
        .send(
            Method::POST,
            "/v1/auth/password-reset",
            None,
            Some(json!({"email": address(&app, "nobody")})),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    assert_eq!(
        (asked.status, &asked.body),
        (unknown.status, &unknown.body),
        "the same answer"
    );
    assert!(
        app.stack
            .emails_to(&address(&app, "nobody"))
            .await
            .is_empty()
    );
    let mail = app.stack.emails_to(&email).await;
    assert_eq!(mail.len(), 2, "the confirmation, then the reset: {mail:?}");
    assert_eq!(mail[1].subject.as_deref(), Some("Reset your password"));
    let token = mail[1].token("reset").expect("a reset link");

    let weak = app
        .send(
            Method::POST,
            "/v1/auth/password-reset/confirm",
            None,
            Some(json!({"token": token, "password": "short"})),
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.body["errors"][0]["path"], "password");
    let new_password = "a brand new harbour view";
    let done = app
        .send(
            Method::POST,
            "/v1/auth/password-reset/confirm",
            None,
            Some(json!({"token": token, "password": new_password})),
        )
        .await;
    assert_eq!(
        done.status,
        StatusCode::NO_CONTENT,
        "the weak try left the token usable: {}",
        done.body
    );
    let twice = app
        .send(
            Method::POST,
            "/v1/auth/password-reset/confirm",
            None,
            Some(json!({"token": token, "password": "another harbour view"})),
        )
        .await;
    assert_eq!(twice.body["errors"][0]["code"], "invalid_token");

    assert_eq!(
        app.login(&email, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let signed_in = app.login(&email, new_password).await;
    assert_eq!(signed_in.status, StatusCode::OK);
    assert_eq!(
        signed_in.body["user"]["email_verified"], true,
        "the mailbox's owner used it"
    );
    let old = app
        .send(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "the old session ended: {}",
        old.body
    );
}

#[tokio::test]
async fn a_suppressed_address_gets_nothing_more() {
    let app = app().await;
    let email = address(&app, "gone");
    app.signup(&email).await;
    let bounce = json!({"Records": [{"Sns": {"Message": json!({"eventType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": email}]}}).to_string()}}]});
    // What the email-events function does with SES's event.
    let table = app.stack.state.table();
    for record in bounce["Records"].as_array().unwrap() {
        for (address, reason) in
            roomwright_notify::suppression::addresses_to_suppress(&record["Sns"])
        {
            roomwright_notify::suppression::suppress(&table, &address, reason)
                .await
                .unwrap();
        }
    }
    assert!(
        roomwright_notify::suppression::is_suppressed(&table, &email)
            .await
            .unwrap()
    );
    let reset = app
        .send(
            Method::POST,
            "/v1/auth/password-reset",
            None,
            Some(json!({"email": email})),
        )
        .await;
    assert_eq!(reset.status, StatusCode::ACCEPTED);
    assert_eq!(
        app.stack.emails_to(&email).await.len(),
        1,
        "only the email before the bounce"
    );
}

/// Signup must not tell whether an address has an account: the status, the body and the time
/// are the same; only the address's owner learns, by email.
#[tokio::test]
async fn signup_with_a_taken_address_looks_like_a_new_one() {
    let app = app().await;
    let table = app.stack.state.table();
    let rounds = 7;
    let mut taken = Vec::new();
    for i in 0..rounds {
        let email = address(&app, &format!("taken{i}"));
        roomwright_accounts::users::provision(
            &table,
            &email,
            "Owner",
            roomwright_core::auth::Role::Designer,
            PASSWORD,
        )
        .await
        .unwrap()
        .unwrap();
        taken.push(email);
    }
    let signup = |email: String| {
        let app = &app;
        async move {
            let started = Instant::now();
            let reply = app
                .send(Method::POST, "/v1/auth/signup", None, Some(json!({"email": email, "password": "a different harbour view", "name": "Mallory"})))
                .await;
            (reply, started.elapsed())
        }
    };
    let (mut new_times, mut taken_times) = (Vec::new(), Vec::new());
    for (i, owned) in taken.iter().enumerate() {
        let (fresh, fresh_time) = signup(address(&app, &format!("fresh{i}"))).await;
        let (old, old_time) = signup(owned.clone()).await;
        assert_eq!(fresh.status, StatusCode::ACCEPTED);
        assert_eq!((fresh.status, &fresh.body), (old.status, &old.body));
        let headers = |r: &common::Reply| {
            let mut names: Vec<String> = r
                .headers
                .keys()
                .map(|k| k.to_string())
                .filter(|k| k != "x-request-id")
                .collect();
            names.sort();
            names
        };
        assert_eq!(headers(&fresh), headers(&old));
        new_times.push(fresh_time);
        taken_times.push(old_time);
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (new_median, taken_median) = (median(&mut new_times), median(&mut taken_times));
    let gap = new_median.abs_diff(taken_median);
    eprintln!(
        "signup medians over {rounds}: new address {new_median:?}, taken address {taken_median:?}"
    );
    let allowed = new_median
        .max(taken_median)
        .mul_f64(0.3)
        .max(Duration::from_millis(30));
    assert!(
        gap <= allowed,
        "new {new_median:?} vs taken {taken_median:?}: {gap:?} apart, more than {allowed:?}"
    );
    // The owner is told; the stranger's password did nothing.
    let owner_mail = app.stack.emails_to(&taken[0]).await;
    assert_eq!(owner_mail.len(), 1);
    assert_eq!(
        owner_mail[0].subject.as_deref(),
        Some("Someone tried to sign up with your address")
    );
    assert_eq!(app.login(&taken[0], PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        app.login(&taken[0], "a different harbour view")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let fresh_mail = app.stack.emails_to(&address(&app, "fresh0")).await;
    assert_eq!(
        fresh_mail[0].subject.as_deref(),
        Some("Confirm your email address")
    );
}
