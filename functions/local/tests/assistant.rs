//! The assistant against the local AWS server, with Amazon Bedrock answered by recorded
//! responses (`events/bedrock/`, Bedrock's wire format) through the real
//! `aws-sdk-bedrockruntime` client: the SDK serialises our requests and parses the responses
//! and event streams exactly as it does against Bedrock.

mod common;
use roomwright_testkit::recorded;

use std::collections::HashMap;

use axum::body::Body;
use common::{App, product};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use recorded::recorded;
use roomwright_catalog::{
    SearchService,
    store::{Write, write_one},
};
use roomwright_chat::{
    ChatContext,
    ledger::{self, Entry, Scope},
    settings::ChatSettings,
};
use roomwright_core::{auth::Role, catalog::Product, time};
use roomwright_testkit::recorded::Replay;
use serde_json::{Value, json};
use tower::ServiceExt;

use recorded::MODEL;

fn settings(extra: &[(&str, &str)]) -> ChatSettings {
    let mut env: HashMap<&str, &str> =
        HashMap::from([("CHAT_ASSISTANT", "bedrock"), ("CHAT_MODEL_ID", MODEL)]);
    env.extend(extra.iter().copied());
    ChatSettings::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap()
}

/// The sent request bodies, as JSON.
fn sent(http: &Replay) -> Vec<Value> {
    http.actual_requests()
        .map(|r| serde_json::from_slice(r.body().bytes().unwrap()).unwrap())
        .collect()
}

struct Chat {
    app: App,
    http: Replay,
}

async fn chat(env: &[(&str, &str)], answers: &[&str]) -> Chat {
    let (http, client) = recorded(answers);
    let context = ChatContext::with_client(settings(env), client);
    let app = common::app_with(roomwright_chat::routes(context)).await;
    Chat { app, http }
}

fn chair() -> Product {
    let mut chair = product("prd_chair", 50_000, 35_000, (680, 680));
    chair.name = "Ergo Task Chair".into();
    chair.category = vec!["Seating".into(), "Task chairs".into()];
    chair
}

/// Products written as the catalog writes them, and the search index built.
async fn catalog(app: &App, products: &[Product]) {
    let table = app.stack.state.table();
    for p in products {
        write_one(
            &table,
            Write {
                product: p,
                expected: None,
                old_sku: None,
            },
        )
        .await
        .unwrap();
    }
    SearchService::new(None)
        .reindex(&app.stack.state)
        .await
        .unwrap();
}

async fn conversation(app: &App, token: &str, project: Option<&str>) -> String {
    let reply = app
        .send(
            Method::POST,
            "/v1/conversations",
            token,
            None,
            Some(json!({"project_id": project})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

async fn say(app: &App, token: &str, conversation: &str, text: &str) -> common::Reply {
    app.send(
        Method::POST,
        &format!("/v1/conversations/{conversation}/messages"),
        token,
        None,
        Some(json!({ "text": text })),
    )
    .await
}

async fn usage(app: &App, token: &str, query: &str) -> Value {
    let reply = app.get(&format!("/v1/usage{query}"), token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

async fn messages(app: &App, token: &str, conversation: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/v1/conversations/{conversation}"), token)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_tool_call_runs_our_search_and_the_answer_uses_its_result() {
    let c = chat(&[], &["converse-tool-use", "converse-final"]).await;
    let (token, _) = c.app.user("dana@example.com", Role::Designer).await;
    catalog(
        &c.app,
        &[chair(), product("desk", 90_000, 60_000, (1600, 800))],
    )
    .await;
    let (project, _) = c.app.project(&token, json!({"name": "HQ"})).await;
    let id = conversation(&c.app, &token, Some(&project)).await;

    let reply = say(&c.app, &token, &id, "Which task chairs are in stock?").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let calls = reply.body["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["name"], "search_catalog");
    assert_eq!(calls[0]["input"]["query"], "task chair");
    assert_eq!(
        calls[0]["result"]["items"][0]["id"], "prd_chair",
        "our index answered"
    );
    assert_eq!(calls[0]["result"]["count"], 1, "the desk is no task chair");
    assert_eq!(
        reply.body["message"]["text"],
        "Let me look for task chairs in stock.\nThe Ergo Task Chair is in stock (8 available) at 500.00 EUR."
    );
    assert_eq!(reply.body["message"]["stop_reason"], "end_turn");
    assert_eq!(reply.body["message"]["usage"]["model_calls"], 2);

    // What the SDK sent: the tools, then our tool's result under the model's tool-use id.
    let requests = sent(&c.http);
    assert_eq!(requests.len(), 2);
    let tools = requests[0]["toolConfig"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools
        .iter()
        .map(|t| t["toolSpec"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "search_catalog",
            "get_product",
            "recommend_products",
            "get_project",
            "update_requirements",
            "add_selection",
            "remove_selection",
            "price_scenario",
            "propose_layout",
            "accept_layout",
            "fit_budget",
            "submit_render"
        ]
    );
    assert_eq!(
        requests[0]["messages"][0]["content"][0]["text"],
        "Which task chairs are in stock?"
    );
    let last = requests[1]["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["role"], "user");
    let result = &last["content"][0]["toolResult"];
    assert_eq!(result["toolUseId"], "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
    assert_eq!(result["status"], "success");
    assert_eq!(
        result["content"][0]["json"]["items"][0]["name"],
        "Ergo Task Chair"
    );
    assert!(
        requests[1]["system"][0]["text"]
            .as_str()
            .unwrap()
            .contains(&project)
    );

    // Stored: the question, and the answer with its tool call.
    let stored = messages(&c.app, &token, &id).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0]["role"], "user");
    assert_eq!(
        stored[1]["tool_calls"][0]["result"]["items"][0]["id"],
        "prd_chair"
    );

    // Ledger: two calls, priced from the table (800 / 4000 micro-USD per 1k tokens).
    let mine = usage(&c.app, &token, "").await;
    assert_eq!(mine["totals"]["calls"], 2);
    assert_eq!(mine["totals"]["input_tokens"], 1412 + 1730);
    assert_eq!(mine["totals"]["output_tokens"], 71 + 38);
    let expected =
        (1412 * 800 + 71 * 4000u64).div_ceil(1000) + (1730 * 800 + 38 * 4000u64).div_ceil(1000);
    assert_eq!(mine["totals"]["cost_micro_usd"], expected);
    let of_project = usage(&c.app, &token, &format!("?project={project}")).await;
    assert_eq!(of_project["totals"]["calls"], 2);
}

/// Server-sent events of a streamed answer, as (event, data) pairs.
async fn stream(
    app: &App,
    token: &str,
    conversation: &str,
    text: &str,
) -> (StatusCode, Vec<(String, Value)>) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/v1/conversations/{conversation}/messages"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept", "text/event-stream")
        .body(Body::from(json!({ "text": text }).to_string()))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let events = text
        .split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    name = Some(v.to_string());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = Some(serde_json::from_str(v).unwrap_or(Value::String(v.into())));
                }
            }
            Some((name?, data?))
        })
        .collect();
    (status, events)
}

#[tokio::test]
async fn a_streamed_answer_arrives_in_order_and_is_stored_whole() {
    let c = chat(&[], &["converse-stream"]).await;
    let (token, _) = c.app.user("sam@example.com", Role::Designer).await;
    let id = conversation(&c.app, &token, None).await;

    let (status, events) =
        stream(&c.app, &token, &id, "We are twelve; what rooms do we need?").await;
    assert_eq!(status, StatusCode::OK);
    let pieces: Vec<&str> = events
        .iter()
        .filter(|(name, _)| name == "text")
        .map(|(_, data)| data["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        pieces,
        [
            "For twelve people ",
            "I would plan ",
            "two meeting rooms ",
            "and a quiet focus room."
        ]
    );
    let (last, message) = events.last().unwrap();
    assert_eq!(last, "message");
    assert_eq!(message["message"]["text"], pieces.concat());
    assert_eq!(message["message"]["usage"]["output_tokens"], 19);

    let stored = messages(&c.app, &token, &id).await;
    assert_eq!(stored[1]["text"], pieces.concat());
    assert_eq!(usage(&c.app, &token, "").await["totals"]["calls"], 1);
}

#[tokio::test]
async fn throttling_and_model_errors_are_clear_and_store_nothing() {
    let c = chat(
        &[],
        &[
            "throttling",
            "model-error",
            "converse-tool-use",
            "throttling",
            "converse-stream-throttled",
        ],
    )
    .await;
    let (token, _) = c.app.user("kim@example.com", Role::Designer).await;
    catalog(&c.app, &[chair()]).await;
    let id = conversation(&c.app, &token, None).await;

    let reply = say(&c.app, &token, &id, "Hello?").await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.body["code"], "model_throttled");

    let reply = say(&c.app, &token, &id, "Hello?").await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.body);
    assert_eq!(reply.body["code"], "model_error");
    assert_eq!(
        usage(&c.app, &token, "").await["totals"]["calls"],
        0,
        "failed calls cost nothing"
    );

    // The first call answers (a tool call, billed), the second is throttled: the turn is
    // not stored, and the ledger holds exactly the one call that happened.
    let reply = say(&c.app, &token, &id, "Find task chairs").await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    let totals = usage(&c.app, &token, "").await["totals"].clone();
    assert_eq!(totals["calls"], 1);
    assert_eq!(totals["input_tokens"], 1412);

    // Throttled inside the stream, before any text: a problem response, not a stream.
    let (status, _) = stream(&c.app, &token, &id, "Hello?").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    assert!(
        messages(&c.app, &token, &id).await.is_empty(),
        "nothing half-stored"
    );
    let listed = c.app.get("/v1/conversations", &token).await;
    assert_eq!(listed.body["items"][0]["message_count"], 0);
}

#[tokio::test]
async fn a_guardrail_intervention_is_surfaced() {
    let c = chat(
        &[
            ("CHAT_GUARDRAIL_ID", "gr-roomwright"),
            ("CHAT_GUARDRAIL_VERSION", "3"),
        ],
        &["converse-guardrail-intervened"],
    )
    .await;
    let (token, _) = c.app.user("lee@example.com", Role::SalesRep).await;
    let id = conversation(&c.app, &token, None).await;
    let reply = say(&c.app, &token, &id, "Write my tax return").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["message"]["guardrail_intervened"], true);
    assert_eq!(reply.body["message"]["stop_reason"], "guardrail_intervened");
    assert_eq!(
        reply.body["message"]["text"],
        "Sorry, I can only help with interior and furniture design."
    );
    let request = &sent(&c.http)[0];
    assert_eq!(
        request["guardrailConfig"]["guardrailIdentifier"],
        "gr-roomwright"
    );
    assert_eq!(request["guardrailConfig"]["guardrailVersion"], "3");
    assert_eq!(
        messages(&c.app, &token, &id).await[1]["guardrail_intervened"],
        true
    );
}

#[tokio::test]
async fn a_viewers_chat_cannot_change_a_project_through_a_tool() {
    let c = chat(
        &[],
        &["converse-update-requirements", "converse-refusal-explained"],
    )
    .await;
    let (owner, _) = c.app.user("owner@example.com", Role::Designer).await;
    let (viewer, _) = c.app.user("viewer@example.com", Role::Viewer).await;
    let (project, etag) = c.app.project(&owner, json!({"name": "Shared"})).await;
    let reply = c
        .app
        .send(
            Method::POST,
            &format!("/v1/projects/{project}/members"),
            &owner,
            Some(&etag),
            Some(json!({"email": "viewer@example.com", "role": "viewer"})),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let before = c.app.get(&format!("/v1/projects/{project}"), &owner).await;

    let id = conversation(&c.app, &viewer, Some(&project)).await;
    let reply = say(
        &c.app,
        &viewer,
        &id,
        "We are 40 people and like industrial style.",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let call = &reply.body["tool_calls"][0];
    assert_eq!(call["name"], "update_requirements");
    assert_eq!(call["is_error"], true);
    assert_eq!(call["result"]["error"]["code"], "missing_permission");

    let after = c.app.get(&format!("/v1/projects/{project}"), &owner).await;
    assert_eq!(after.body["requirements"], before.body["requirements"]);
    assert_eq!(after.etag, before.etag, "the project was not written");
    // The model was told the tool failed.
    let result = &sent(&c.http)[1]["messages"][2]["content"][0]["toolResult"];
    assert_eq!(result["status"], "error");
}

#[tokio::test]
async fn the_ledger_counts_a_call_once_however_often_it_is_recorded() {
    let c = chat(&[], &[]).await;
    let table = c.app.stack.state.table();
    let at = time::now();
    let entry = Entry {
        call_id: "msg_1-0".into(),
        user_id: "u1".into(),
        project_id: Some("p1".into()),
        conversation_id: None,
        model_id: MODEL.into(),
        kind: "converse".into(),
        input_tokens: 1000,
        output_tokens: 10,
        images: 0,
        compute_seconds: 0,
        jobs: 0,
        cost_micro_usd: 840,
        at: time::rfc3339(at),
    };
    ledger::record(&table, &entry).await.unwrap();
    ledger::record(&table, &entry).await.unwrap();
    let month = ledger::month_of(at);
    for scope in [Scope::User("u1"), Scope::Project("p1"), Scope::Organisation] {
        let totals = ledger::totals(&table, &scope, &month).await.unwrap();
        assert_eq!(
            (totals.calls, totals.input_tokens, totals.cost_micro_usd),
            (1, 1000, 840)
        );
    }
}

#[tokio::test]
async fn the_monthly_budget_stops_model_calls_once_spent() {
    // One call of the recorded size costs 1,436 micro-USD; the budget is a thousandth of a dollar.
    let c = chat(&[("MONTHLY_BUDGET_USD", "0.001")], &["converse-final"]).await;
    let (token, _) = c.app.user("pat@example.com", Role::Designer).await;
    let (admin, _) = c.app.user("admin@example.com", Role::Admin).await;
    let id = conversation(&c.app, &token, None).await;
    assert_eq!(say(&c.app, &token, &id, "Hi").await.status, StatusCode::OK);
    let reply = say(&c.app, &token, &id, "Hi again").await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{}", reply.body);
    assert_eq!(reply.body["code"], "monthly_budget_reached");
    assert_eq!(messages(&c.app, &token, &id).await.len(), 2);

    let org = usage(&c.app, &admin, "?scope=org").await;
    assert_eq!(org["budget_micro_usd"], 1000);
    assert_eq!(org["budget_left_micro_usd"], 0);
    let refused = c.app.get("/v1/usage?scope=org", &token).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn messages_are_rate_limited_per_user() {
    let c = chat(
        // The day's limit too, so a minute ending mid-test cannot let the third through
        // (`functions/chat/tests/limits.rs` checks each window at fixed times).
        &[
            ("CHAT_ASSISTANT", "offline"),
            ("CHAT_RATE_PER_MINUTE", "2"),
            ("CHAT_RATE_PER_DAY", "2"),
        ],
        &[],
    )
    .await;
    let (token, _) = c.app.user("ray@example.com", Role::Designer).await;
    let (other, _) = c.app.user("una@example.com", Role::Designer).await;
    let id = conversation(&c.app, &token, None).await;
    assert_eq!(
        say(&c.app, &token, &id, "hello").await.status,
        StatusCode::OK
    );
    assert_eq!(
        say(&c.app, &token, &id, "hello").await.status,
        StatusCode::OK
    );
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/v1/conversations/{id}/messages"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(json!({"text": "hello"}).to_string()))
        .unwrap();
    let response = c.app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&wait), "{wait}");
    let other_id = conversation(&c.app, &other, None).await;
    assert_eq!(
        say(&c.app, &other, &other_id, "hello").await.status,
        StatusCode::OK,
        "limits are per user"
    );
}

#[tokio::test]
async fn the_offline_assistant_sets_requirements_finds_and_prices_with_the_same_tools() {
    let c = chat(&[("CHAT_ASSISTANT", "offline")], &[]).await;
    let (token, _) = c.app.user("ola@example.com", Role::Designer).await;
    catalog(&c.app, &[chair()]).await;
    let (project, _) = c.app.project(&token, json!({"name": "Studio"})).await;
    let id = conversation(&c.app, &token, Some(&project)).await;

    let reply = say(
        &c.app,
        &token,
        &id,
        "We are 12 people, budget 30000 EUR, scandinavian style",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("(Offline assistant)")
    );
    let stored = c.app.get(&format!("/v1/projects/{project}"), &token).await;
    assert_eq!(stored.body["requirements"]["headcount"], 12);
    assert_eq!(
        stored.body["requirements"]["budget_ceiling_minor"],
        3_000_000
    );
    assert_eq!(
        stored.body["requirements"]["style_preferences"],
        json!(["scandinavian"])
    );

    // The tool applies the route's rules: a headcount the route refuses is refused here too,
    // and nothing changes.
    let reply = say(&c.app, &token, &id, "We are 200000 people").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let call = &reply.body["tool_calls"][0];
    assert_eq!(call["name"], "update_requirements", "{}", reply.body);
    assert_eq!(
        call["result"]["error"]["code"], "invalid_requirements",
        "{}",
        reply.body
    );
    let stored = c.app.get(&format!("/v1/projects/{project}"), &token).await;
    assert_eq!(stored.body["requirements"]["headcount"], 12);

    let reply = say(&c.app, &token, &id, "What does it cost?").await;
    let call = &reply.body["tool_calls"][0];
    assert_eq!(call["name"], "price_scenario");
    assert_eq!(call["result"]["error"]["code"], "scenario_not_found");

    let reply = say(&c.app, &token, &id, "Find a task chair").await;
    let found = &reply.body["tool_calls"][0]["result"]["items"][0];
    assert_eq!(found["id"], "prd_chair");
    let text = reply.body["message"]["text"].as_str().unwrap();
    assert!(text.contains("Ergo Task Chair"), "{text}");

    let reply = say(&c.app, &token, &id, "Please add 4 prd_chair").await;
    assert_eq!(reply.body["tool_calls"][0]["name"], "add_selection");
    assert_eq!(reply.body["tool_calls"][0]["is_error"], false);
    let stored = c.app.get(&format!("/v1/projects/{project}"), &token).await;
    let selections = &stored.body["scenarios"][0]["selections"];
    assert_eq!(selections[0]["product_id"], "prd_chair");
    assert_eq!(selections[0]["quantity"], 4);
    // Collaborators are told the assistant made it, for this user (the live fan-out's `via`).
    assert_eq!(stored.body["updated_via"], "assistant");
    assert!(
        stored.body["updated_by"]
            .as_str()
            .is_some_and(|u| u.starts_with("usr_"))
    );

    let reply = say(&c.app, &token, &id, "What does it cost?").await;
    let result = &reply.body["tool_calls"][0]["result"];
    assert_eq!(
        result["total_minor"],
        4 * 35_000,
        "four chairs at the dealer price"
    );
    assert_eq!(result["within_budget"], true);
    assert!(
        reply.body["message"]["text"]
            .as_str()
            .unwrap()
            .contains("1400.00 EUR")
    );

    // Rendering goes through the jobs API's own checks: this project has no floor plan.
    let reply = say(&c.app, &token, &id, "Render it").await;
    let call = &reply.body["tool_calls"][0];
    assert_eq!(call["name"], "submit_render");
    assert_eq!(call["is_error"], true);
    assert!(
        call["result"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("floor plan")
    );
    // Seven exchanges, a question and an answer each.
    assert_eq!(messages(&c.app, &token, &id).await.len(), 14);
}

#[tokio::test]
async fn images_in_a_message_reach_the_model_as_image_blocks() {
    let c = chat(&[], &["converse-final"]).await;
    let (token, user_id) = c.app.user("gil@example.com", Role::Designer).await;
    let ticket = c
        .app
        .send(
            Method::POST,
            "/v1/chat/uploads",
            &token,
            None,
            Some(json!({"content_type": "image/png", "size_bytes": 1000})),
        )
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.body);
    let key = ticket.body["key"].as_str().unwrap().to_string();
    assert!(key.starts_with(&format!("chat-uploads/{user_id}/")));
    let refused = c
        .app
        .send(
            Method::POST,
            "/v1/chat/uploads",
            &token,
            None,
            Some(json!({"content_type": "image/gif", "size_bytes": 99_000_000})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["errors"].as_array().unwrap().len(), 2);

    // The client's PUT to the presigned URL, done here with the SDK.
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        recorded::fixture("nova-canvas-text-image")["body"]["images"][0]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let state = &c.app.stack.state;
    roomwright_core::s3::put_bytes(
        &state.aws,
        &state.config.bucket_name,
        &key,
        "image/png",
        png.clone(),
    )
    .await
    .unwrap();
    let fake = format!("chat-uploads/{user_id}/fake.png");
    roomwright_core::s3::put_bytes(
        &state.aws,
        &state.config.bucket_name,
        &fake,
        "image/png",
        b"GIF89a...".to_vec(),
    )
    .await
    .unwrap();

    let id = conversation(&c.app, &token, None).await;
    let reply = c
        .app
        .send(
            Method::POST,
            &format!("/v1/conversations/{id}/messages"),
            &token,
            None,
            Some(json!({"text": "What style is this room?", "images": [fake]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"][0]["code"], "unsupported_image");

    let reply = c
        .app
        .send(
            Method::POST,
            &format!("/v1/conversations/{id}/messages"),
            &token,
            None,
            Some(json!({"text": "What style is this room?", "images": [key]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let content = &sent(&c.http)[0]["messages"][0]["content"];
    assert_eq!(content[0]["image"]["format"], "png");
    let sent_bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        content[0]["image"]["source"]["bytes"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(sent_bytes, png, "the uploaded bytes, unchanged");
    assert_eq!(content[1]["text"], "What style is this room?");
    assert_eq!(
        messages(&c.app, &token, &id).await[0]["images"][0]["key"],
        key
    );
}

#[tokio::test]
async fn the_tool_loop_is_capped() {
    let c = chat(
        &[("CHAT_MAX_TOOL_ROUNDS", "2")],
        &["converse-tool-use", "converse-tool-use"],
    )
    .await;
    let (token, _) = c.app.user("cap@example.com", Role::Designer).await;
    catalog(&c.app, &[chair()]).await;
    let id = conversation(&c.app, &token, None).await;
    let reply = say(&c.app, &token, &id, "Keep searching").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body["message"]["stop_reason"],
        "tool_rounds_exhausted"
    );
    assert_eq!(reply.body["tool_calls"].as_array().unwrap().len(), 2);
    assert!(
        reply.body["message"]["text"]
            .as_str()
            .unwrap()
            .contains("stopped after 2 steps")
    );
    assert_eq!(sent(&c.http).len(), 2, "no third model call");
}

#[tokio::test]
async fn concept_images_are_generated_stored_attached_and_billed() {
    let c = chat(&[], &["nova-canvas-text-image"]).await;
    let (token, _) = c.app.user("ivy@example.com", Role::Designer).await;
    let (viewer, _) = c.app.user("vic@example.com", Role::Viewer).await;
    let (project, _) = c.app.project(&token, json!({"name": "Lobby"})).await;
    let id = conversation(&c.app, &token, Some(&project)).await;

    let refused = c
        .app
        .send(
            Method::POST,
            "/v1/images/generate",
            &viewer,
            None,
            Some(json!({"prompt": "a lobby"})),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "viewers spend no image credits"
    );
    let invalid = c
        .app
        .send(
            Method::POST,
            "/v1/images/generate",
            &token,
            None,
            Some(json!({"prompt": "a lobby", "width": 1000, "count": 9})),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = invalid.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["width", "count"]);

    let reply = c
        .app
        .send(Method::POST, "/v1/images/generate", &token, None,
              Some(json!({"prompt": "Scandinavian lobby with oak benches", "seed": 42, "conversation_id": id})))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["seed"], 42);
    assert_eq!(reply.body["cost_micro_usd"], 40_000);
    let key = reply.body["images"][0]["key"].as_str().unwrap();
    assert!(key.starts_with(&format!("concepts/projects/{project}/")));
    let png = roomwright_core::s3::get_bytes(
        &c.app.stack.state.aws,
        &c.app.stack.state.config.bucket_name,
        key,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(png.starts_with(b"\x89PNG"));

    let request = &sent(&c.http)[0];
    assert_eq!(request["taskType"], "TEXT_IMAGE");
    assert_eq!(request["imageGenerationConfig"]["seed"], 42);
    let stored = messages(&c.app, &token, &id).await;
    assert_eq!(stored[0]["images"][0]["key"], key);
    let totals = usage(&c.app, &token, &format!("?project={project}")).await["totals"].clone();
    assert_eq!(
        (totals["images"].as_u64(), totals["cost_micro_usd"].as_u64()),
        (Some(1), Some(40_000))
    );
}

#[tokio::test]
async fn conversations_are_private_validated_and_spill_long_messages_to_s3() {
    let c = chat(
        &[("CHAT_ASSISTANT", "offline"), ("CHAT_SPILL_BYTES", "300")],
        &[],
    )
    .await;
    let (token, _) = c.app.user("amy@example.com", Role::Designer).await;
    let (other, _) = c.app.user("bob@example.com", Role::Designer).await;
    let id = conversation(&c.app, &token, None).await;

    assert_eq!(
        c.app
            .get(&format!("/v1/conversations/{id}"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        say(&c.app, &other, &id, "hi").await.status,
        StatusCode::NOT_FOUND
    );
    let reply = c
        .app
        .send(
            Method::POST,
            &format!("/v1/conversations/{id}/messages"),
            &token,
            None,
            Some(json!({"text": "", "images": ["chat-uploads/someone-else/x.png"]})),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.body["errors"][0]["path"], "images[0]");
    assert_eq!(reply.body["errors"][0]["code"], "not_your_upload");

    let long = "Our brief: ".to_string() + &"a calm open-plan floor with plants. ".repeat(20);
    let reply = say(&c.app, &token, &id, &long).await;
    assert_eq!(reply.status, StatusCode::OK);
    let stored = messages(&c.app, &token, &id).await;
    assert_eq!(stored[0]["text"], long.trim(), "read back whole from S3");
    let object = roomwright_core::s3::get_bytes(
        &c.app.stack.state.aws,
        &c.app.stack.state.config.bucket_name,
        &format!("conversations/{id}/000000.json"),
    )
    .await
    .unwrap();
    assert!(object.is_some(), "the long message's body is in S3");

    let list = c.app.get("/v1/conversations?limit=1", &token).await;
    assert_eq!(list.body["items"][0]["id"], id);
    assert!(
        list.body["items"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Our brief")
    );
    let deleted = c
        .app
        .send(
            Method::DELETE,
            &format!("/v1/conversations/{id}"),
            &token,
            None,
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        c.app
            .get(&format!("/v1/conversations/{id}"), &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.app.get("/v1/conversations", &token).await.body["items"],
        json!([])
    );
}

#[tokio::test]
async fn the_offline_assistant_furnishes_the_open_office_accepts_and_fits_the_budget() {
    use roomwright_layout::sample::{FloorSpec, catalog as sample_catalog, floor};
    let c = chat(&[("CHAT_ASSISTANT", "offline")], &[]).await;
    let (token, _) = c.app.user("fia@example.com", Role::Designer).await;
    let (viewer, _) = c.app.user("vio@example.com", Role::Designer).await;
    catalog(&c.app, &sample_catalog()).await;
    let (project, etag) = c.app.project(&token, json!({"name": "Floor 2"})).await;
    let plan = floor(FloorSpec {
        seed: 3,
        rooms: 6,
        angle_deg: 0.0,
        cut_corner: false,
        min_area_m2: 260.0,
    });
    let put = c
        .app
        .send(
            Method::PUT,
            &format!("/v1/projects/{project}/floor-plan"),
            &token,
            Some(&etag),
            Some(serde_json::to_value(&plan).unwrap()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let etag = put.etag().to_string();
    let id = conversation(&c.app, &token, Some(&project)).await;

    let reply = say(
        &c.app,
        &token,
        &id,
        "Furnish the open office for 24 people under 60k",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let call = &reply.body["tool_calls"][0];
    assert_eq!(call["name"], "propose_layout", "{}", reply.body);
    assert_eq!(call["is_error"], false, "{}", call["result"]);
    let result = &call["result"];
    assert_eq!(result["headcount"], 24);
    assert_eq!(result["budget_minor"], 6_000_000);
    let proposals = result["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), 2);
    assert!(
        proposals[0]["desks"].as_u64().unwrap() >= 12,
        "{}",
        proposals[0]
    );
    let text = reply.body["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("I furnished the plan for 24 people"),
        "{text}"
    );
    let unchanged = c.app.get(&format!("/v1/projects/{project}"), &token).await;
    assert_eq!(
        unchanged.etag(),
        etag,
        "proposing writes nothing to the project"
    );
    assert!(unchanged.body["requirements"].get("headcount").is_none());
    // Only the open offices were furnished.
    let open: Vec<&str> = plan
        .rooms
        .iter()
        .filter(|r| r.kind == "open_plan")
        .map(|r| r.id.as_str())
        .collect();
    let layout_id = proposals[0]["layout_id"].as_str().unwrap().to_string();

    // A viewer's assistant cannot accept it.
    let shared = c
        .app
        .send(
            Method::POST,
            &format!("/v1/projects/{project}/members"),
            &token,
            Some(&etag),
            Some(json!({"email": "vio@example.com", "role": "viewer"})),
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    let viewer_conversation = conversation(&c.app, &viewer, Some(&project)).await;
    let refused = say(
        &c.app,
        &viewer,
        &viewer_conversation,
        &format!("Accept {layout_id}"),
    )
    .await;
    assert_eq!(
        refused.body["tool_calls"][0]["is_error"], true,
        "{}",
        refused.body
    );
    let stored = c.app.get(&format!("/v1/projects/{project}"), &token).await;
    assert_eq!(stored.body["scenarios"], json!([]), "nothing was written");

    let reply = say(&c.app, &token, &id, &format!("Accept {layout_id}")).await;
    let call = &reply.body["tool_calls"][0];
    assert_eq!(call["name"], "accept_layout");
    assert_eq!(call["is_error"], false, "{}", call["result"]);
    let stored = c.app.get(&format!("/v1/projects/{project}"), &token).await;
    let scenario = &stored.body["scenarios"][0];
    let selections = scenario["selections"].as_array().unwrap();
    assert!(!selections.is_empty());
    assert!(
        selections
            .iter()
            .all(|s| open.contains(&s["placement"]["room_id"].as_str().unwrap())),
        "every item stands in an open office"
    );

    let reply = say(&c.app, &token, &id, "What does it cost?").await;
    let total = reply.body["tool_calls"][0]["result"]["total_minor"]
        .as_i64()
        .unwrap();
    let budget_eur = (total - 1_000) / 100;
    let reply = say(
        &c.app,
        &token,
        &id,
        &format!("Fit the budget of {budget_eur} EUR"),
    )
    .await;
    let call = &reply.body["tool_calls"][0];
    assert_eq!(call["name"], "fit_budget");
    assert_eq!(call["is_error"], false, "{}", call["result"]);
    assert_eq!(call["result"]["fits"], true);
    let reply = say(&c.app, &token, &id, "What does it cost?").await;
    assert!(
        reply.body["tool_calls"][0]["result"]["total_minor"]
            .as_i64()
            .unwrap()
            <= budget_eur * 100,
        "the stored scenario fits"
    );
}
