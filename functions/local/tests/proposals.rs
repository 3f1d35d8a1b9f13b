//! Share links and the client's proposal page, in process: what a designer shares is the
//! frozen version, the client's decision lands on the project, and a revoked, expired or
//! made-up link shows nothing.

mod common;

use common::{app, product};
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use roomwright_testkit::{App, Reply};
use serde_json::{Value, json};

fn in_days(days: i64) -> String {
    roomwright_core::time::rfc3339(roomwright_core::time::now() + time::Duration::days(days))
}

async fn page(app: &App, path: &str) -> (Reply, String) {
    let reply = app.request(Method::GET, path, &[], None).await;
    let html = String::from_utf8(reply.bytes.clone()).unwrap();
    (reply, html)
}

async fn feedback(app: &App, token: &str, form: &[(&str, &str)]) -> Reply {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
        .collect::<Vec<_>>()
        .join("&");
    app.request(
        Method::POST,
        &format!("/p/{token}/feedback"),
        &[],
        Some(("application/x-www-form-urlencoded", body.into_bytes())),
    )
    .await
}

/// A project with a one-room plan and a priced scenario "main" of desks and chairs.
async fn shared_project(app: &App, token: &str) -> (String, String) {
    app.put_product(&product("desk", 100_000, 70_000, (1600, 800)))
        .await;
    app.put_product(&product("chair", 45_000, 30_000, (650, 650)))
        .await;
    let (id, etag) = app
        .project(token, json!({"name": "Harbour HQ", "client": "Kite Ltd"}))
        .await;
    let plan = json!({"units": "m", "rooms": [{"id": "r1", "name": "Studio", "kind": "office",
        "polygon": [[0.0, 0.0], [8.0, 0.0], [8.0, 6.0], [0.0, 6.0]]}]});
    let planned = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/floor-plan"),
            token,
            Some(&etag),
            Some(plan),
        )
        .await;
    assert_eq!(planned.status, StatusCode::OK, "{}", planned.body);
    let scenario = json!({"id": "main", "name": "Main", "selections": [
        {"id": "d1", "product_id": "desk", "quantity": 1, "finish": "oak",
         "placement": {"room_id": "r1", "x_m": 2.0, "y_m": 2.0, "rotation_deg": 0.0}},
        {"id": "d", "product_id": "desk", "quantity": 3, "finish": "oak"},
        {"id": "c", "product_id": "chair", "quantity": 4}
    ], "terms": {"tax_rate_bp": 2000}});
    let saved = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/scenarios/main"),
            token,
            Some(planned.etag()),
            Some(scenario),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    (id, saved.etag().to_string())
}

fn token_of(share: &Value) -> String {
    share["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_share_link_shows_the_frozen_version_and_takes_the_clients_approval() {
    let app = app().await;
    let (token, _) = app.user("dana@example.com", Role::Designer).await;
    let (id, etag) = shared_project(&app, &token).await;

    // Refused, and nothing made.
    let bad = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/shares"),
            &token,
            None,
            Some(json!({"scenario_id": "nope", "expires_at": in_days(-1), "version": 9})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["expires_at", "version"], "{}", bad.body);
    let listed = app.get(&format!("/v1/projects/{id}/shares"), &token).await;
    assert_eq!(listed.body["items"], json!([]));

    let request = json!({"scenario_id": "main", "expires_at": in_days(14)});
    let created = app
        .send_with(
            Method::POST,
            &format!("/v1/projects/{id}/shares"),
            &token,
            &[("idempotency-key", "share-1")],
            Some(request.clone()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let share = created.body.clone();
    assert_eq!(
        (share["version"].as_u64(), share["state"].as_str()),
        (Some(1), Some("active"))
    );
    let link = token_of(&share);
    assert_eq!(link.len(), 43, "{share}");
    // A retry answers the same link; no second version is saved.
    let again = app
        .send_with(
            Method::POST,
            &format!("/v1/projects/{id}/shares"),
            &token,
            &[("idempotency-key", "share-1")],
            Some(request),
        )
        .await;
    assert_eq!(
        (again.status, &again.body["id"]),
        (StatusCode::OK, &share["id"])
    );
    let project = app.get(&format!("/v1/projects/{id}"), &token).await;
    assert_eq!(project.body["latest_version"], 1);
    assert_eq!(
        project.body["status"], "in_review",
        "sharing a draft puts it in review"
    );

    // Later edits do not reach the link: the page shows version 1's four desks.
    let edited = json!({"id": "main", "name": "Main", "selections": [
        {"id": "d", "product_id": "desk", "quantity": 9, "finish": "oak"}], "terms": {}});
    let saved = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/scenarios/main"),
            &token,
            Some(project.etag()),
            Some(edited),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let _ = etag;

    let (shown, html) = page(&app, &format!("/p/{link}")).await;
    assert_eq!(shown.status, StatusCode::OK, "{html}");
    assert!(shown.content_type.starts_with("text/html"));
    for expected in [
        "Harbour HQ",
        "Kite Ltd",
        "dana@example.com",
        "<svg",
        "Studio",
        "SKU-desk",
        "SKU-chair",
        "version 1",
    ] {
        assert!(html.contains(expected), "the page lacks {expected}: {html}");
    }
    // 4 desks at 700.00 and 4 chairs at 300.00, 20 % tax: 4,800.00 in all.
    assert!(html.contains("4,800.00"), "{html}");
    assert!(!html.contains("9</td>"), "a later edit reached the link");

    // The client approves: the project is approved, and its activity says who and what.
    let sent = feedback(
        &app,
        &link,
        &[
            ("decision", "approve"),
            ("comment", "Looks great"),
            ("name", "Kim"),
            ("nonce", "abcdef123456"),
        ],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let project = app.get(&format!("/v1/projects/{id}"), &token).await;
    assert_eq!(project.body["status"], "approved");
    let resent = feedback(
        &app,
        &link,
        &[("decision", "approve"), ("nonce", "abcdef123456")],
    )
    .await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    let activity = app
        .get(&format!("/v1/projects/{id}/activity"), &token)
        .await;
    let kinds: Vec<&str> = activity.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["client_approved", "shared"],
        "a resent form counts once: {}",
        activity.body
    );
    let approval = &activity.body["items"][0];
    assert_eq!(
        (
            approval["client_name"].as_str(),
            approval["comment"].as_str(),
            approval["status"].as_str(),
            approval["version"].as_u64()
        ),
        (Some("Kim"), Some("Looks great"), Some("approved"), Some(1))
    );

    // Asking for changes needs a comment; a bad form changes nothing.
    let empty = feedback(
        &app,
        &link,
        &[("decision", "request_changes"), ("nonce", "zzzzzzzz1")],
    )
    .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let activity = app
        .get(&format!("/v1/projects/{id}/activity"), &token)
        .await;
    assert_eq!(activity.body["items"].as_array().unwrap().len(), 2);

    // The PDF of the shared quote.
    let pdf = app
        .request(Method::GET, &format!("/p/{link}/quote.pdf"), &[], None)
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.bytes.starts_with(b"%PDF"));

    // Revoked: the page, its PDF and its form are gone, and look like any unknown link.
    let revoked = app
        .send(
            Method::DELETE,
            &format!("/v1/projects/{id}/shares/{}", share["id"].as_str().unwrap()),
            &token,
            None,
            None,
        )
        .await;
    assert_eq!(
        (revoked.status, revoked.body["state"].as_str()),
        (StatusCode::OK, Some("revoked"))
    );
    for path in [format!("/p/{link}"), format!("/p/{link}/quote.pdf")] {
        let (gone, html) = page(&app, &path).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("not available"), "{html}");
    }
    let late = feedback(
        &app,
        &link,
        &[
            ("decision", "comment"),
            ("comment", "hello"),
            ("nonce", "late12345"),
        ],
    )
    .await;
    assert_eq!(late.status, StatusCode::NOT_FOUND);
    let (made_up, _) = page(&app, &format!("/p/{}", "A".repeat(43))).await;
    assert_eq!(made_up.status, StatusCode::NOT_FOUND);
    let (malformed, _) = page(&app, "/p/..%2F..%2Fv1%2Fprojects").await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn links_without_prices_hide_them_and_expired_links_show_nothing() {
    let app = app().await;
    let (token, _) = app.user("eli@example.com", Role::Designer).await;
    let (id, _) = shared_project(&app, &token).await;
    let created = app
        .send(Method::POST, &format!("/v1/projects/{id}/shares"), &token, None,
              Some(json!({"scenario_id": "main", "expires_at": in_days(1), "show_prices": false, "allow_feedback": false})))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let link = token_of(&created.body);
    let (shown, html) = page(&app, &format!("/p/{link}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        html.contains("SKU-desk") && !html.contains("4,800.00") && !html.contains("700.00"),
        "{html}"
    );
    assert!(!html.contains("<form"), "no feedback form when not allowed");
    let pdf = app
        .request(Method::GET, &format!("/p/{link}/quote.pdf"), &[], None)
        .await;
    assert_eq!(pdf.status, StatusCode::NOT_FOUND);
    let refused = feedback(
        &app,
        &link,
        &[("decision", "approve"), ("nonce", "abcdefgh1")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let project = app.get(&format!("/v1/projects/{id}"), &token).await;
    assert_eq!(project.body["status"], "in_review");

    // Expired: the stored share says so, and its page is gone.
    let table = app.state().table();
    let key = (
        format!("PROJECT#{id}"),
        format!("SHARE#{}", created.body["id"].as_str().unwrap()),
    );
    let mut stored = table.get::<Value>(&key.0, &key.1).await.unwrap().unwrap();
    stored.value["expires_at"] = json!(in_days(-1));
    table
        .replace(
            &roomwright_core::dynamo::Keys::new(key.0.clone(), key.1.clone()),
            &stored.value,
            stored.version,
        )
        .await
        .unwrap();
    let (gone, _) = page(&app, &format!("/p/{link}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let listed = app.get(&format!("/v1/projects/{id}/shares"), &token).await;
    assert_eq!(listed.body["items"][0]["state"], "expired");

    // Another designer cannot list, make or revoke this project's links.
    let (other, _) = app.user("fay@example.com", Role::Designer).await;
    for (method, path) in [
        (Method::GET, format!("/v1/projects/{id}/shares")),
        (Method::POST, format!("/v1/projects/{id}/shares")),
        (
            Method::DELETE,
            format!(
                "/v1/projects/{id}/shares/{}",
                created.body["id"].as_str().unwrap()
            ),
        ),
        (Method::GET, format!("/v1/projects/{id}/activity")),
    ] {
        let body = (method == Method::POST)
            .then(|| json!({"scenario_id": "main", "expires_at": in_days(1)}));
        let refused = app.send(method, &path, &other, None, body).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_page_serves_its_own_scripts() {
    let app = app().await;
    let (_, html) = page(&app, "/p/assets/nothing.js").await;
    assert!(html.contains("asset_not_found"));
    let viewer = app
        .request(
            Method::GET,
            &format!("/p/assets/model-viewer-{}.min.js", "4.4.0"),
            &[],
            None,
        )
        .await;
    assert_eq!(viewer.status, StatusCode::OK);
    assert!(viewer.content_type.starts_with("text/javascript"));
    assert!(
        viewer.bytes.len() > 500_000,
        "the self-contained build, three.js included"
    );
    let gzipped = app
        .request(
            Method::GET,
            &format!("/p/assets/model-viewer-{}.min.js", "4.4.0"),
            &[("accept-encoding", "gzip, deflate, br")],
            None,
        )
        .await;
    assert_eq!(gzipped.status, StatusCode::OK);
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gzipped.bytes[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, viewer.bytes, "the same script, gzipped");
    assert!(
        gzipped.bytes.len() * 3 < viewer.bytes.len(),
        "{}",
        gzipped.bytes.len()
    );
}

/// The designer emails the proposal to the client; the client approves; everyone who edits
/// the project hears of it in the inbox, on the socket and by email.
#[tokio::test]
async fn a_proposal_emailed_to_the_client_and_the_clients_approval_reach_the_designers() {
    let app = app().await;
    let server = common::live(&app).await;
    let (token, _) = app.user("owen@notify.test", Role::Designer).await;
    let (id, _) = shared_project(&app, &token).await;
    let mut socket = common::Socket::connect(&server, &token).await.unwrap();
    let client = "harbour.client@notify.test";
    let bad = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/shares"),
            &token,
            None,
            Some(json!({"scenario_id": "main", "expires_at": in_days(7), "send_to": {"email": "not an address"}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["path"], "send_to.email");
    let created = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/shares"),
            &token,
            None,
            Some(json!({"scenario_id": "main", "expires_at": in_days(7),
                        "send_to": {"email": client, "name": "Mira Holt"}})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["emailed_to"], client);
    let url = created.body["url"].as_str().unwrap();
    let mail = app.stack.emails_to(client).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    let body = mail[0].body.as_deref().unwrap();
    assert!(
        mail[0]
            .subject
            .as_deref()
            .unwrap()
            .starts_with("Your proposal: ")
    );
    assert!(body.contains("Hello Mira Holt,"), "{body}");
    assert!(
        body.contains(&format!("href=\"{url}\"")),
        "the page's link: {body}"
    );
    assert!(
        body.contains(&format!("{url}/quote.pdf")),
        "the quote's PDF: {body}"
    );

    let link = token_of(&created.body);
    let sent = feedback(
        &app,
        &link,
        &[
            ("decision", "approve"),
            ("name", "Mira Holt"),
            ("comment", "Go ahead."),
            ("nonce", "mira12345"),
        ],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let note = socket
        .until(std::time::Duration::from_secs(10), |m| {
            m["type"] == "notification" && m["notification"]["topic"] == "proposal_feedback"
        })
        .await
        .unwrap_or_else(|| panic!("no notification: {:?}", socket.seen));
    assert!(
        note["notification"]["title"]
            .as_str()
            .unwrap()
            .starts_with("Mira Holt approved the proposal for "),
        "{note}"
    );
    assert_eq!(note["notification"]["body"], "“Go ahead.”");
    let inbox = app.get("/v1/notifications", &token).await;
    assert_eq!(inbox.body["items"][0]["topic"], "proposal_feedback");
    let emailed = app.stack.await_emails("owen@notify.test", 1).await;
    assert!(
        emailed.iter().any(|m| m
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("Mira Holt approved"))),
        "{emailed:?}"
    );
}
