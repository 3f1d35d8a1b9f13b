//! Twenty clients update one project at once with If-Match: exactly one write per version
//! wins, the others get 412 and change nothing, and no accepted change is lost.

mod common;

use std::collections::HashMap;

use common::app;
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use serde_json::json;

const CLIENTS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_winner_per_version_and_no_lost_updates() {
    let app = app().await;
    let (token, _) = app.user("team@example.com", Role::Designer).await;
    let (id, etag) = app
        .project(&token, json!({"name": "Contended", "tags": []}))
        .await;
    let path = format!("/v1/projects/{id}");

    // Round one: everybody read the same version and writes at once.
    let first = futures::future::join_all((0..CLIENTS).map(|n| {
        let (app, path, token, etag) = (&app, path.clone(), token.clone(), etag.clone());
        async move {
            app.send(
                Method::PATCH,
                &path,
                &token,
                Some(&etag),
                Some(json!({"tags": [format!("client-{n}")]})),
            )
            .await
        }
    }))
    .await;
    let winners: Vec<_> = first
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one write wins version {etag}");
    assert!(
        first
            .iter()
            .all(|r| r.status == StatusCode::OK || r.status == StatusCode::PRECONDITION_FAILED)
    );
    let winner_tag = winners[0].body["tags"][0].as_str().unwrap().to_string();

    // Round two: each client adds its own tag, re-reading and retrying on 412 as a client
    // should. Every version must be won by exactly one client.
    let results = futures::future::join_all((0..CLIENTS).map(|n| {
        let (app, path, token) = (&app, path.clone(), token.clone());
        async move {
            let tag = format!("added-{n}");
            let mut refused = 0;
            loop {
                let current = app.get(&path, &token).await;
                let mut tags: Vec<String> =
                    serde_json::from_value(current.body["tags"].clone()).unwrap();
                tags.push(tag.clone());
                let reply = app
                    .send(
                        Method::PATCH,
                        &path,
                        &token,
                        Some(current.etag()),
                        Some(json!({"tags": tags})),
                    )
                    .await;
                match reply.status {
                    StatusCode::OK => return (reply.etag().to_string(), refused),
                    StatusCode::PRECONDITION_FAILED => refused += 1,
                    other => panic!("unexpected {other}: {}", reply.body),
                }
            }
        }
    }))
    .await;
    let mut by_version: HashMap<&str, usize> = HashMap::new();
    for (version, _) in &results {
        *by_version.entry(version).or_default() += 1;
    }
    assert!(
        by_version.values().all(|&count| count == 1),
        "two writes produced one version: {by_version:?}"
    );
    let refusals: usize = results.iter().map(|(_, r)| r).sum();
    assert!(refusals > 0, "the race was real: some writes were refused");

    let last = app.get(&path, &token).await;
    let tags: Vec<String> = serde_json::from_value(last.body["tags"].clone()).unwrap();
    assert_eq!(tags.len(), CLIENTS + 1);
    assert_eq!(tags[0], winner_tag);
    for n in 0..CLIENTS {
        assert!(
            tags.contains(&format!("added-{n}")),
            "lost the change of client {n}"
        );
    }
    // Versions advanced once per accepted write: 1 create + 1 + 20.
    assert_eq!(last.etag(), format!("\"{}\"", 2 + CLIENTS));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn version_saves_racing_edits_never_wedge_the_project() {
    let app = app().await;
    let (token, _) = app.user("racer@example.com", Role::Designer).await;
    let (id, mut etag) = app
        .project(&token, json!({"name": "Raced", "tags": []}))
        .await;
    let path = format!("/v1/projects/{id}");
    for round in 0..5 {
        // A save and a PATCH read the same version and write at once.
        let versions = format!("{path}/versions");
        let (saved, patched) = tokio::join!(
            app.send(
                Method::POST,
                &versions,
                &token,
                Some(&etag),
                Some(json!({"note": format!("round {round}")})),
            ),
            app.send(
                Method::PATCH,
                &path,
                &token,
                Some(&etag),
                Some(json!({"tags": [format!("round-{round}")]})),
            )
        );
        let statuses = [saved.status, patched.status];
        assert_eq!(
            statuses.iter().filter(|s| s.is_success()).count(),
            1,
            "exactly one of the two wins: {statuses:?}"
        );
        assert!(statuses.contains(&StatusCode::PRECONDITION_FAILED));
        // The project counts exactly the versions stored.
        let current = app.get(&path, &token).await;
        let listed = app.get(&format!("{path}/versions"), &token).await;
        let stored = listed.body["items"].as_array().unwrap().len() as u64;
        assert_eq!(current.body["latest_version"].as_u64(), Some(stored));
        etag = current.etag().to_string();
    }
    // Later saves and the approval still work.
    let saved = app
        .send(
            Method::POST,
            &format!("{path}/versions"),
            &token,
            Some(&etag),
            Some(json!({"note": "after the races"})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
}

#[tokio::test]
async fn a_project_whose_count_fell_behind_its_versions_is_repaired_by_the_next_save() {
    use roomwright_core::dynamo::Keys;
    let app = app().await;
    let (token, user_id) = app.user("wedged@example.com", Role::Designer).await;
    let (id, etag) = app
        .project(&token, json!({"name": "Wedged", "tags": []}))
        .await;
    // The state an older, non-atomic save left behind: version 1 stored, the project still at 0.
    let orphan = json!({"number": 1, "author_id": user_id, "created_at": "2026-11-30T10:00:00Z",
        "note": "orphan", "snapshot": app.get(&format!("/v1/projects/{id}"), &token).await.body});
    let snapshot: roomwright_projects::versions::Version = serde_json::from_value(orphan).unwrap();
    app.stack
        .state
        .table()
        .create(
            &Keys::new(
                roomwright_projects::store::project_pk(&id),
                "VERSION#00000001",
            ),
            &snapshot,
        )
        .await
        .unwrap();
    let saved = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/versions"),
            &token,
            Some(&etag),
            Some(json!({"note": "next"})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert_eq!(saved.body["number"], 2);
    let project = app.get(&format!("/v1/projects/{id}"), &token).await;
    assert_eq!(project.body["latest_version"], 2);
}
