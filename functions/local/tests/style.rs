//! Room style analysis against the local AWS server, with the style named by recorded Bedrock
//! responses through the real `aws-sdk-bedrockruntime` client.

mod common;
use roomwright_testkit::recorded;

use std::collections::HashMap;

use common::App;
use http::StatusCode;
use image::{Rgb, RgbImage};
use recorded::{MODEL, recorded};
use roomwright_chat::{ChatContext, settings::ChatSettings};
use roomwright_core::auth::Role;
use roomwright_testkit::recorded::Replay;
use serde_json::{Value, json};

async fn chat(env: &[(&str, &str)], answers: &[&str]) -> (App, Replay) {
    let mut vars: HashMap<&str, &str> =
        HashMap::from([("CHAT_ASSISTANT", "bedrock"), ("CHAT_MODEL_ID", MODEL)]);
    vars.extend(env.iter().copied());
    let settings = ChatSettings::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap();
    let (http, client) = recorded(answers);
    let app = common::app_with(roomwright_chat::routes(ChatContext::with_client(
        settings, client,
    )))
    .await;
    (app, http)
}

/// A photo of a pale Scandinavian room: half white, a quarter oak, grey, a little sage and navy.
fn scandinavian_room() -> Vec<u8> {
    let bands: [([u8; 3], u32); 5] = [
        ([246, 246, 243], 200),
        ([168, 121, 74], 100),
        ([142, 142, 140], 60),
        ([156, 175, 136], 24),
        ([31, 45, 77], 16),
    ];
    let mut image = RgbImage::new(600, 400);
    let mut y = 0;
    for (rgb, rows) in bands {
        for row in y..y + rows {
            for x in 0..600 {
                image.put_pixel(x, row, Rgb(rgb));
            }
        }
        y += rows;
    }
    roomwright_visual::photo::jpeg(&image)
}

async fn analyse(app: &App, token: &str, query: &str, photo: Vec<u8>) -> common::Reply {
    app.send_bytes(
        &format!("/v1/analyses/style{query}"),
        token,
        "image/jpeg",
        photo,
    )
    .await
}

fn names(report: &Value) -> Vec<&str> {
    report["palette"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_room_photo_is_measured_named_by_the_model_and_kept_in_the_project() {
    let (app, http) = chat(&[], &["converse-style-report"]).await;
    let (token, _) = app.user("noor@example.com", Role::Designer).await;
    let (project, _) = app
        .project(
            &token,
            json!({"name": "Studio", "requirements": {"style_preferences": ["warm wood"]}}),
        )
        .await;

    let reply = analyse(
        &app,
        &token,
        &format!("?project={project}"),
        scandinavian_room(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report = &reply.body;
    assert_eq!(
        names(report),
        ["white", "oak", "grey", "sage green", "navy"]
    );
    let share = |i: usize| report["palette"][i]["share"].as_f64().unwrap();
    assert!((share(0) - 0.5).abs() < 0.03 && (share(1) - 0.25).abs() < 0.03);
    assert!(report["brightness"].as_f64().unwrap() > 0.7);
    // Oak and a white that leans cream make it read warm, not cold.
    assert_eq!(report["temperature"], "warm", "{report}");
    let warmth = report["warmth"].as_f64().unwrap();
    assert!((0.2..0.7).contains(&warmth), "{warmth}");
    assert_eq!(report["style"]["label"], "scandinavian");
    let confidence = report["style"]["confidence"].as_f64().unwrap();
    assert!((confidence - 0.9 / 2.3).abs() < 0.002, "{confidence}");
    assert_eq!(report["style"]["model_id"], MODEL);

    // The model saw the photo and had to answer through the one tool.
    let sent: Vec<Value> = http
        .actual_requests()
        .map(|r| serde_json::from_slice(r.body().bytes().unwrap()).unwrap())
        .collect();
    assert_eq!(sent.len(), 1);
    let content = &sent[0]["messages"][0]["content"];
    assert_eq!(content[0]["image"]["format"], "jpeg");
    assert!(
        content[0]["image"]["source"]["bytes"]
            .as_str()
            .unwrap()
            .len()
            > 1000
    );
    assert_eq!(
        sent[0]["toolConfig"]["toolChoice"]["tool"]["name"],
        "report_style"
    );

    // Kept in the project: the style leads the preferences, the earlier ones stay.
    let stored = app.get(&format!("/v1/projects/{project}"), &token).await;
    let requirements = &stored.body["requirements"];
    assert_eq!(
        requirements["style_preferences"],
        json!(["scandinavian", "warm wood"])
    );
    assert_eq!(requirements["style_analysis"]["style"], "scandinavian");
    assert_eq!(requirements["style_analysis"]["palette"][1]["name"], "oak");
    assert_eq!(
        reply.body["project_version"].as_u64().unwrap().to_string(),
        stored.etag().trim_matches('"')
    );

    // The call is in the usage ledger.
    let usage = app.get("/v1/usage", &token).await;
    assert_eq!(usage.body["totals"]["calls"], 1, "{}", usage.body);
    assert_eq!(usage.body["totals"]["input_tokens"], 1688);
}

#[tokio::test]
async fn refused_photos_and_projects_cost_nothing_and_change_nothing() {
    let (app, http) = chat(&[], &["throttling"]).await;
    let (designer, _) = app.user("ida@example.com", Role::Designer).await;
    let (viewer, _) = app.user("vic@example.com", Role::Viewer).await;
    let (project, etag) = app.project(&designer, json!({"name": "Studio"})).await;

    // A viewer may analyse a photo but not keep it in a project.
    let reply = analyse(
        &app,
        &viewer,
        &format!("?project={project}"),
        scandinavian_room(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = analyse(&app, &designer, "?project=prj_missing", scandinavian_room()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);

    let reply = analyse(&app, &designer, "", b"%PDF-1.7 a drawing".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.body["code"], "unsupported_image");
    assert_eq!(reply.body["errors"][0]["path"], "body");
    // A PNG cut short (JPEG decoders fill a cut-off photo in grey instead of failing).
    let mut cut = Vec::new();
    RgbImage::from_pixel(300, 200, Rgb([120, 80, 40]))
        .write_to(&mut std::io::Cursor::new(&mut cut), image::ImageFormat::Png)
        .unwrap();
    cut.truncate(cut.len() / 2);
    let reply = analyse(&app, &designer, "", cut).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["code"], "unreadable_image");
    let mut huge = scandinavian_room();
    huge.resize(5 * 1024 * 1024, 0);
    let reply = analyse(&app, &designer, "", huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body["code"], "photo_too_large");
    assert_eq!(
        http.actual_requests().count(),
        0,
        "nothing reached the model"
    );

    // Bedrock throttles: a clear 429, the project untouched, nothing billed.
    let reply = analyse(
        &app,
        &designer,
        &format!("?project={project}"),
        scandinavian_room(),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.body["code"], "model_throttled");
    let stored = app.get(&format!("/v1/projects/{project}"), &designer).await;
    assert_eq!(stored.etag(), etag);
    assert!(stored.body["requirements"].get("style_analysis").is_none());
    let usage = app.get("/v1/usage", &designer).await;
    assert_eq!(usage.body["totals"]["calls"], 0);
}

#[tokio::test]
async fn offline_the_colours_are_measured_and_the_answer_says_the_label_needs_bedrock() {
    let (app, http) = chat(&[("CHAT_ASSISTANT", "offline")], &[]).await;
    let (token, _) = app.user("oli@example.com", Role::Designer).await;
    let (project, _) = app.project(&token, json!({"name": "Studio"})).await;
    let reply = analyse(
        &app,
        &token,
        &format!("?project={project}"),
        scandinavian_room(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body["style"].is_null());
    assert!(
        reply.body["style_note"]
            .as_str()
            .unwrap()
            .contains("needs Amazon Bedrock")
    );
    assert_eq!(names(&reply.body)[0], "white");
    assert_eq!(http.actual_requests().count(), 0);
    let stored = app.get(&format!("/v1/projects/{project}"), &token).await;
    let requirements = &stored.body["requirements"];
    assert_eq!(
        requirements["style_analysis"]["palette"][0]["name"],
        "white"
    );
    assert!(requirements["style_analysis"].get("style").is_none());
    assert_eq!(requirements["style_preferences"], json!([]));
}
