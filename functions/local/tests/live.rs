//! Live updates as apps get them: a real WebSocket client on the runner's `/v1/live`, changes
//! carried by the table's stream through the fan-out and the Management API to the socket.

mod common;

use std::time::{Duration, Instant};

use common::{App, Socket, live};
use http::{Method, StatusCode};
use roomwright_core::auth::{AUDIENCE, AccessClaims, Role};
use serde_json::json;

const SECOND: Duration = Duration::from_secs(1);
const PATIENCE: Duration = Duration::from_secs(10);

/// A project of `owner` shared with `editor` as an editor; its id and ETag.
async fn shared_project(app: &App, owner: &str, editor_email: &str) -> (String, String) {
    let (id, etag) = app
        .project(
            owner,
            json!({"name": "Harbour office", "client": "Harbour Co."}),
        )
        .await;
    let shared = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/members"),
            owner,
            Some(&etag),
            Some(json!({"email": editor_email, "role": "editor"})),
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    (id, shared.etag().to_string())
}

#[tokio::test]
async fn a_collaborator_sees_a_change_within_a_second_and_who_else_is_there() {
    let app = common::app().await;
    let server = live(&app).await;
    let (ana, ana_id) = app.user("ana@live.test", Role::Designer).await;
    let (ben, ben_id) = app.user("ben@live.test", Role::Designer).await;
    let (project, etag) = shared_project(&app, &ana, "ben@live.test").await;

    let mut ben_socket = Socket::connect(&server, &ben).await.unwrap();
    ben_socket
        .send(json!({"action": "subscribe", "project_id": project}))
        .await;
    let subscribed = ben_socket.expect("subscribed", PATIENCE).await;
    assert_eq!(subscribed["project_id"], project.as_str());
    assert_eq!(subscribed["etag"], etag.as_str());

    let mut ana_socket = Socket::connect(&server, &ana).await.unwrap();
    ana_socket
        .send(json!({"action": "subscribe", "project_id": project}))
        .await;
    ana_socket.expect("subscribed", PATIENCE).await;
    let both = ben_socket
        .until(PATIENCE, |m| {
            m["type"] == "presence" && m["people"].as_array().is_some_and(|p| p.len() == 2)
        })
        .await
        .unwrap_or_else(|| panic!("ben sees ana arrive: {:?}", ben_socket.seen));
    let people: Vec<&str> = both["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_id"].as_str().unwrap())
        .collect();
    assert!(people.contains(&ana_id.as_str()) && people.contains(&ben_id.as_str()));

    let written = Instant::now();
    let changed = app
        .send(
            Method::PATCH,
            &format!("/v1/projects/{project}"),
            &ana,
            Some(&etag),
            Some(json!({"name": "Harbour office, level 2"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let message = ben_socket
        .until(PATIENCE, |m| m["type"] == "project_changed")
        .await
        .unwrap_or_else(|| panic!("no change reached ben: {:?}", ben_socket.seen));
    let latency = written.elapsed();
    assert!(latency < SECOND, "the change took {latency:?} to reach ben");
    assert_eq!(message["project_id"], project.as_str());
    assert_eq!(message["by"]["user_id"], ana_id.as_str());
    assert_eq!(message["by"]["name"], "Test");
    assert_eq!(
        message["etag"],
        changed.etag(),
        "the ETag to send in If-Match"
    );
    assert_eq!(message["changes"], json!(["name"]));

    // Ana leaves: ben sees he is alone.
    drop(ana_socket);
    let alone = ben_socket
        .until(PATIENCE, |m| {
            m["type"] == "presence" && m["people"].as_array().is_some_and(|p| p.len() == 1)
        })
        .await;
    assert!(alone.is_some(), "ben sees ana leave: {:?}", ben_socket.seen);
}

#[tokio::test]
async fn nobody_subscribes_to_a_project_they_cannot_see_or_connects_with_a_bad_token() {
    let app = common::app().await;
    let server = live(&app).await;
    let (ana, _) = app.user("ana@fence.test", Role::Designer).await;
    let (eve, eve_id) = app.user("eve@fence.test", Role::Designer).await;
    let (project, etag) = app.project(&ana, json!({"name": "Private"})).await;

    let mut eve_socket = Socket::connect(&server, &eve).await.unwrap();
    eve_socket
        .send(json!({"action": "subscribe", "project_id": project}))
        .await;
    let refused = eve_socket.expect("error", PATIENCE).await;
    assert_eq!(refused["code"], "project_not_found");
    assert_eq!(refused["project_id"], project.as_str());
    let changed = app
        .send(
            Method::PATCH,
            &format!("/v1/projects/{project}"),
            &ana,
            Some(&etag),
            Some(json!({"name": "Private, renamed"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let leaked = eve_socket
        .until(2 * SECOND, |m| m["type"] == "project_changed")
        .await;
    assert!(leaked.is_none(), "eve heard of a project she cannot see");
    eve_socket
        .send(json!({"action": "subscribe", "project_id": "x".repeat(5000)}))
        .await;
    assert_eq!(
        eve_socket.expect("error", PATIENCE).await["code"],
        "message_too_large"
    );
    eve_socket.send(json!({"action": "shout"})).await;
    assert_eq!(
        eve_socket.expect("error", PATIENCE).await["code"],
        "invalid_message"
    );

    // Tokens: none, forged, expired.
    assert_eq!(Socket::connect(&server, "").await.err(), Some(401));
    assert_eq!(
        Socket::connect(&server, "not.a.token").await.err(),
        Some(401)
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = AccessClaims {
        sub: eve_id.clone(),
        email: "eve@fence.test".into(),
        role: Role::Designer,
        permissions: Vec::new(),
        sid: "ses_whatever".into(),
        iat: now - 3600,
        exp: now - 1800,
        iss: app.state().config.jwt_issuer.clone(),
        aud: AUDIENCE.to_string(),
    };
    let expired = app
        .signer
        .sign(&app.state().aws, &app.state().table(), &claims)
        .await
        .unwrap();
    assert_eq!(Socket::connect(&server, &expired).await.err(), Some(401));
}

#[tokio::test]
async fn sharing_notifies_the_person_in_the_inbox_and_on_the_socket() {
    let app = common::app().await;
    let server = live(&app).await;
    let (ana, _) = app.user("ana@inbox.test", Role::Designer).await;
    let (ben, _) = app.user("ben@inbox.test", Role::Designer).await;
    let mut ben_socket = Socket::connect(&server, &ben).await.unwrap();
    // A connection API Gateway closed without telling us (no $disconnect ran).
    let ghost = "ghost0000000000=";
    let gone = roomwright_notify::Live::new(
        roomwright_notify::Poster::new(app.state().aws.clone(), server.http.clone()),
        None,
    );
    gone.connect(app.state(), ghost, Some(&ben)).await.unwrap();
    let table = app.state().table();
    let ghost_key = format!("LIVECONN#{ghost}");
    assert!(
        table
            .get::<serde_json::Value>(&ghost_key, "CONN")
            .await
            .unwrap()
            .is_some()
    );
    let (project, _) = shared_project(&app, &ana, "ben@inbox.test").await;

    let pushed = ben_socket.expect("notification", PATIENCE).await;
    // The post to the closed one answered 410: it is forgotten (once every post is done).
    let deadline = Instant::now() + PATIENCE;
    while table
        .get::<serde_json::Value>(&ghost_key, "CONN")
        .await
        .unwrap()
        .is_some()
    {
        assert!(
            Instant::now() < deadline,
            "the gone connection is still stored"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let channel = table
        .get::<serde_json::Value>(
            &format!(
                "LIVE#USER#{}",
                pushed["notification"]["user_id"].as_str().unwrap()
            ),
            &format!("CONN#{ghost}"),
        )
        .await
        .unwrap();
    assert!(channel.is_none(), "its row in ben's channel too");
    assert_eq!(pushed["unread"], 1);
    assert_eq!(pushed["notification"]["topic"], "project_shared");
    assert_eq!(pushed["notification"]["project_id"], project.as_str());
    assert_eq!(
        pushed["notification"]["title"],
        "Test shared “Harbour office” with you"
    );

    let inbox = app.get("/v1/notifications", &ben).await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    assert_eq!(inbox.body["unread"], 1);
    let id = inbox.body["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(inbox.body["items"][0]["read"], false);
    let read = app
        .send(
            Method::POST,
            &format!("/v1/notifications/{id}/read"),
            &ben,
            None,
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::NO_CONTENT);
    let after = app.get("/v1/notifications", &ben).await;
    assert_eq!(after.body["unread"], 0);
    assert_eq!(after.body["items"][0]["read"], true);
    let theirs = app
        .send(
            Method::POST,
            &format!("/v1/notifications/{id}/read"),
            &ana,
            None,
            None,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "not ana's to read");
    assert_eq!(
        app.get("/v1/notifications", &ana).await.body["items"],
        json!([])
    );
    // The email went to ben's verified address, as his preferences allow.
    let mail = app.stack.await_emails("ben@inbox.test", 1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(
        mail[0].subject.as_deref(),
        Some("Test shared “Harbour office” with you")
    );

    // Cid wants no email about shares: the inbox has it, the mailbox does not.
    let (cid, _) = app.user("cid@inbox.test", Role::Designer).await;
    let typo = app
        .send(
            Method::PUT,
            "/v1/me/notification-preferences",
            &cid,
            None,
            Some(json!({"project_shard": false})),
        )
        .await;
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    let set = app
        .send(
            Method::PUT,
            "/v1/me/notification-preferences",
            &cid,
            None,
            Some(json!({"project_shared": false})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let read_back = app.get("/v1/me/notification-preferences", &cid).await;
    assert_eq!(
        read_back.body,
        json!({"project_shared": false, "job_finished": true, "proposal_feedback": true})
    );
    let mut cid_socket = Socket::connect(&server, &cid).await.unwrap();
    let project_etag = app.get(&format!("/v1/projects/{project}"), &ana).await;
    let shared = app
        .send(
            Method::POST,
            &format!("/v1/projects/{project}/members"),
            &ana,
            Some(project_etag.etag()),
            Some(json!({"email": "cid@inbox.test", "role": "viewer"})),
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    let pushed = cid_socket.expect("notification", PATIENCE).await;
    assert_eq!(
        pushed["notification"]["body"],
        "You can now view the project “Harbour office” in Roomwright."
    );
    let all_read = app
        .send(Method::POST, "/v1/notifications/read-all", &cid, None, None)
        .await;
    assert_eq!(all_read.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/v1/notifications", &cid).await.body["unread"], 0);
    // The fan-out emails right after the socket's message: give it ample time to (not) send.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(app.stack.emails_to("cid@inbox.test").await.is_empty());
}
