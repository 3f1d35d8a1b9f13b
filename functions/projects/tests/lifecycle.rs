//! Projects through the real router: CRUD with ETags, lists, sharing, trash, status, versions.

mod common;

use common::app;
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use serde_json::json;

#[tokio::test]
async fn create_read_update_with_if_match() {
    let app = app().await;
    let (token, user_id) = app.user("dana@example.com", Role::Designer).await;
    let (id, etag) = app
        .project(&token, json!({"name": "Harbour office", "client": "Kite Ltd", "requirements": {"headcount": 40, "currency": "EUR", "budget_ceiling_minor": 25_000_000}, "tags": ["hq"]}))
        .await;
    let read = app.get(&format!("/v1/projects/{id}"), &token).await;
    assert_eq!(read.etag(), etag);
    assert_eq!(read.body["status"], "draft");
    assert_eq!(read.body["owner_id"], user_id.as_str());
    assert_eq!(read.body["requirements"]["headcount"], 40);

    let path = format!("/v1/projects/{id}");
    let missing = app
        .send(
            Method::PATCH,
            &path,
            &token,
            None,
            Some(json!({"name": "New"})),
        )
        .await;
    assert_eq!(
        (missing.status, missing.body["code"].as_str()),
        (
            StatusCode::PRECONDITION_REQUIRED,
            Some("precondition_required")
        )
    );

    let updated = app
        .send(
            Method::PATCH,
            &path,
            &token,
            Some(&etag),
            Some(json!({"name": "Harbour HQ"})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_ne!(updated.etag(), etag);
    assert_eq!(updated.body["client"], "Kite Ltd", "absent fields stay");

    let stale = app
        .send(
            Method::PATCH,
            &path,
            &token,
            Some(&etag),
            Some(json!({"name": "Lost update"})),
        )
        .await;
    assert_eq!(
        (stale.status, stale.body["code"].as_str()),
        (StatusCode::PRECONDITION_FAILED, Some("version_mismatch"))
    );
    assert_eq!(
        app.get(&path, &token).await.body["name"],
        "Harbour HQ",
        "a stale write changes nothing"
    );

    let invalid = app
        .send(
            Method::PATCH,
            &path,
            &token,
            Some(updated.etag()),
            Some(json!({"name": "", "requirements": {"currency": "euro", "headcount": 0}})),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = invalid.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["name", "requirements.currency", "requirements.headcount"]
    );
}

#[tokio::test]
async fn lists_own_and_shared_projects_newest_first_and_hides_others() {
    let app = app().await;
    let (owner, _) = app.user("olga@example.com", Role::Designer).await;
    let (friend, _) = app.user("finn@example.com", Role::Designer).await;
    let (stranger, _) = app.user("sam@example.com", Role::Designer).await;
    let (a, _) = app.project(&owner, json!({"name": "A"})).await;
    let (b, b_tag) = app.project(&owner, json!({"name": "B"})).await;
    let (c, _) = app.project(&friend, json!({"name": "C"})).await;

    let shared = app
        .send(
            Method::POST,
            &format!("/v1/projects/{b}/members"),
            &owner,
            Some(&b_tag),
            Some(json!({"email": "FINN@example.com", "role": "viewer"})),
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);

    let names = |reply: &common::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&app.get("/v1/projects", &owner).await), ["B", "A"]);
    let first = app.get("/v1/projects?limit=1", &owner).await;
    assert_eq!(names(&first), ["B"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        names(
            &app.get(&format!("/v1/projects?limit=1&cursor={cursor}"), &owner)
                .await
        ),
        ["A"]
    );
    let friends = app.get("/v1/projects", &friend).await;
    assert_eq!(
        names(&friends),
        ["B", "C"],
        "shared B was updated after C was created"
    );
    assert_eq!(friends.body["items"][0]["role"], "viewer");

    // Outsiders cannot tell the project exists; a viewer cannot change it.
    let hidden = app.get(&format!("/v1/projects/{a}"), &stranger).await;
    assert_eq!(
        (hidden.status, hidden.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("project_not_found"))
    );
    let write = app
        .send(
            Method::PATCH,
            &format!("/v1/projects/{b}"),
            &friend,
            Some(shared.etag()),
            Some(json!({"name": "Mine now"})),
        )
        .await;
    assert_eq!(
        (write.status, write.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("insufficient_project_role"))
    );
    let outsider_write = app
        .send(
            Method::PATCH,
            &format!("/v1/projects/{c}"),
            &owner,
            Some("\"1\""),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(outsider_write.status, StatusCode::NOT_FOUND);

    // As editor the friend can; removing them hides the project again.
    let editor = app
        .send(
            Method::POST,
            &format!("/v1/projects/{b}/members"),
            &owner,
            Some(shared.etag()),
            Some(json!({"email": "finn@example.com", "role": "editor"})),
        )
        .await;
    let edited = app
        .send(
            Method::PATCH,
            &format!("/v1/projects/{b}"),
            &friend,
            Some(editor.etag()),
            Some(json!({"description": "by Finn"})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    let friend_id = edited.body["members"][1]["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let removed = app
        .send(
            Method::DELETE,
            &format!("/v1/projects/{b}/members/{friend_id}"),
            &owner,
            Some(edited.etag()),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/v1/projects/{b}"), &friend).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(names(&app.get("/v1/projects", &friend).await), ["C"]);

    let unknown = app
        .send(
            Method::POST,
            &format!("/v1/projects/{b}/members"),
            &owner,
            Some(removed.etag()),
            Some(json!({"email": "ghost@example.com", "role": "viewer"})),
        )
        .await;
    assert_eq!(unknown.body["errors"][0]["code"], "unknown_user");
}

#[tokio::test]
async fn trash_and_restore() {
    let app = app().await;
    let (token, _) = app.user("tess@example.com", Role::Designer).await;
    let (id, etag) = app.project(&token, json!({"name": "Old wing"})).await;
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/v1/projects/{id}"),
            &token,
            Some(&etag),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert!(deleted.body["deleted_at"].is_string());
    assert!(
        app.get("/v1/projects", &token).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get("/v1/projects?status=deleted", &token).await.body["items"][0]["id"],
        id.as_str()
    );

    let edit = app
        .send(
            Method::PATCH,
            &format!("/v1/projects/{id}"),
            &token,
            Some(deleted.etag()),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(edit.body["code"], "project_deleted");

    // The stored item expires 30 days after deletion.
    let item = app
        .stack
        .state
        .table()
        .client()
        .await
        .get_item()
        .table_name(app.stack.state.table().name())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("PROJECT#{id}")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("PROJECT".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    let now = roomwright_core::time::now().unix_timestamp();
    assert!(
        (expires - now - 30 * 86_400).abs() < 60,
        "expires in 30 days"
    );

    let restored = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/restore"),
            &token,
            Some(deleted.etag()),
            None,
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK);
    assert!(restored.body.get("deleted_at").is_none());
    assert_eq!(
        app.get("/v1/projects", &token).await.body["items"][0]["id"],
        id.as_str()
    );

    let bad_filter = app.get("/v1/projects?status=gone", &token).await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn status_moves_only_along_allowed_transitions_and_approval_saves_a_version() {
    let app = app().await;
    let (token, _) = app.user("uma@example.com", Role::Designer).await;
    let (id, etag) = app.project(&token, json!({"name": "Studio"})).await;
    let path = format!("/v1/projects/{id}/status");
    let skip = app
        .send(
            Method::POST,
            &path,
            &token,
            Some(&etag),
            Some(json!({"status": "approved"})),
        )
        .await;
    assert_eq!(
        (skip.status, skip.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_transition"))
    );
    let review = app
        .send(
            Method::POST,
            &path,
            &token,
            Some(&etag),
            Some(json!({"status": "in_review"})),
        )
        .await;
    assert_eq!(review.body["status"], "in_review");
    let approved = app
        .send(
            Method::POST,
            &path,
            &token,
            Some(review.etag()),
            Some(json!({"status": "approved", "note": "Signed off by Kite"})),
        )
        .await;
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["latest_version"], 1);
    let versions = app
        .get(&format!("/v1/projects/{id}/versions"), &token)
        .await;
    assert_eq!(versions.body["items"][0]["note"], "Signed off by Kite");
    assert_eq!(
        app.get("/v1/projects?status=approved", &token).await.body["items"][0]["id"],
        id.as_str()
    );
}

#[tokio::test]
async fn versions_list_diff_and_restore() {
    let app = app().await;
    let (token, _) = app.user("vic@example.com", Role::Designer).await;
    let (id, etag) = app
        .project(
            &token,
            json!({"name": "V1 name", "requirements": {"headcount": 10}}),
        )
        .await;
    let save = |tag: String, note: &'static str| {
        let path = format!("/v1/projects/{id}/versions");
        let app = &app;
        let token = token.clone();
        async move {
            app.send(
                Method::POST,
                &path,
                &token,
                Some(&tag),
                Some(json!({"note": note})),
            )
            .await
        }
    };
    let v1 = save(etag, "first").await;
    assert_eq!(
        (v1.status, v1.body["number"].as_u64()),
        (StatusCode::CREATED, Some(1))
    );
    let changed = app
        .send(
            Method::PATCH,
            &format!("/v1/projects/{id}"),
            &token,
            Some(v1.etag()),
            Some(json!({"name": "V2 name", "requirements": {"headcount": 12}})),
        )
        .await;
    let v2 = save(changed.etag().to_string(), "second").await;
    assert_eq!(v2.body["number"], 2);

    let diff = app
        .get(&format!("/v1/projects/{id}/versions/1/diff/2"), &token)
        .await;
    assert_eq!(
        diff.body["fields"],
        json!(["/name", "/requirements/headcount"])
    );
    let one = app
        .get(&format!("/v1/projects/{id}/versions/1"), &token)
        .await;
    assert_eq!(one.body["snapshot"]["name"], "V1 name");
    assert_eq!(
        app.get(&format!("/v1/projects/{id}/versions/9"), &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let restored = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/versions/1/restore"),
            &token,
            Some(v2.etag()),
            None,
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert_eq!(restored.body["name"], "V1 name");
    assert_eq!(restored.body["latest_version"], 2, "history is kept");
}
