//! Erasing an account reaches its projects: its own go to the trash, shared ones forget it
//! (the auth function's `DELETE /v1/me` over the projects store).

mod common;

use common::app;
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use serde_json::json;

#[tokio::test]
async fn erasing_an_account_trashes_its_projects_and_leaves_shared_ones() {
    let app = app().await;
    let (leaver, leaver_id) = app.user("leaver@example.com", Role::Designer).await;
    let (owner, _) = app.user("stayer@example.com", Role::Designer).await;
    let (own, _) = app.project(&leaver, json!({"name": "Mine"})).await;
    let (shared, tag) = app.project(&owner, json!({"name": "Theirs"})).await;
    app.send(
        Method::POST,
        &format!("/v1/projects/{shared}/members"),
        &owner,
        Some(&tag),
        Some(json!({"email": "leaver@example.com", "role": "editor"})),
    )
    .await;

    let export = app.get("/v1/me/export", &leaver).await;
    let names: Vec<_> = export.body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "the export lists the caller's projects: {names:?}"
    );

    let erased = app
        .send(
            Method::DELETE,
            "/v1/me",
            &leaver,
            None,
            Some(json!({"password": common::PASSWORD})),
        )
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{}", erased.body);

    let theirs = app.get(&format!("/v1/projects/{shared}"), &owner).await;
    let members: Vec<_> = theirs.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        members,
        ["stayer@example.com"],
        "no project keeps the erased email"
    );
    let stored = roomwright_projects::store::get(&app.stack.state.table(), &own)
        .await
        .unwrap()
        .unwrap()
        .value;
    assert!(
        stored.deleted_at.is_some(),
        "the erased user's own project is in the trash"
    );
    assert!(
        roomwright_projects::store::all_of_user(&app.stack.state.table(), &leaver_id)
            .await
            .unwrap()
            .iter()
            .all(|p| p.id == own)
    );
}
