//! What our layer adds to a message, the model excluded (`cargo bench -p roomwright-chat`).
//!
//! 1. In process, no I/O: the context built from a 40-message history, the Converse request
//!    serialised and the response parsed by the real SDK client (a replaying HTTP client answers
//!    at once). The reply's serialisation is inside the whole requests of part 2.
//! 2. Whole requests through the router against the local AWS server (moto), with Bedrock
//!    answering at once from recorded responses: a plain answer, and a tool round trip
//!    (search_catalog over the loaded index). This includes moto's ~4 ms per DynamoDB call.

#[path = "../tests/common/mod.rs"]
mod common;
use roomwright_testkit::recorded;

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use http::{Method, StatusCode};
use roomwright_catalog::store::{Write, write_one};
use roomwright_chat::{
    ChatContext,
    conversation::{Message, Role},
    model::{Model, ModelRequest, bedrock::BedrockModel},
    settings::ChatSettings,
    tools,
};
use roomwright_core::auth::Role as UserRole;
use serde_json::json;

fn settings(env: &[(&str, &str)]) -> ChatSettings {
    let map: HashMap<&str, &str> = env.iter().copied().collect();
    ChatSettings::from_lookup(|k| map.get(k).map(|v| v.to_string())).unwrap()
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (
        at(0.5),
        at(0.99),
        samples.iter().sum::<Duration>().as_secs_f64() * 1e3 / samples.len() as f64,
    )
}

fn report(name: &str, samples: Vec<Duration>) {
    let n = samples.len();
    let (p50, p99, mean) = percentiles(samples);
    println!("{name:<58} n={n:<5} p50 {p50:>8.3} ms  p99 {p99:>8.3} ms  mean {mean:>8.3} ms");
}

fn history(n: u32) -> Vec<Message> {
    (0..n)
        .map(|seq| Message {
            seq,
            role: if seq % 2 == 0 {
                Role::User
            } else {
                Role::Assistant
            },
            text: "We need twelve desks, two meeting rooms and a quiet corner; oak if possible. "
                .repeat(3),
            images: vec![],
            tool_calls: vec![],
            stop_reason: None,
            guardrail_intervened: false,
            usage: None,
            created_at: "2026-11-22T10:00:00.000000Z".into(),
        })
        .collect()
}

async fn in_process() {
    const ROUNDS: usize = 2_000;
    let app = common::app().await;
    let state = &app.stack.state;
    let past = history(40);
    let new = history(1).pop().unwrap();
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let turns = roomwright_chat::context::build(state, &[], &past, &new, 24_000)
            .await
            .unwrap();
        std::hint::black_box(&turns);
        samples.push(started.elapsed());
    }
    report("context from a 40-message history", samples);

    let names = vec!["converse-final"; ROUNDS];
    let (_, client) = recorded::recorded(&names);
    let model = BedrockModel::new(client, recorded::MODEL.into(), None);
    let turns = roomwright_chat::context::build(state, &[], &past, &new, 24_000)
        .await
        .unwrap();
    let specs = tools::specs();
    let sampling = settings(&[]).sampling;
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let request = ModelRequest {
            system: "You are Roomwright's design assistant.",
            turns: &turns,
            tools: &specs,
            sampling: &sampling,
        };
        let reply = model.converse(&request, None).await.unwrap();
        std::hint::black_box(&reply);
        samples.push(started.elapsed());
    }
    report(
        "SDK Converse request + response, 41 turns, 9 tools",
        samples,
    );
}

async fn through_the_router() {
    const MESSAGES: usize = 60;
    let mut names = vec!["converse-final"; MESSAGES];
    for _ in 0..MESSAGES {
        names.extend(["converse-tool-use", "converse-final"]);
    }
    let (_, client) = recorded::recorded(&names);
    let context = ChatContext::with_client(
        settings(&[
            ("CHAT_ASSISTANT", "bedrock"),
            ("CHAT_MODEL_ID", recorded::MODEL),
            ("CHAT_RATE_PER_MINUTE", "100000"),
        ]),
        client,
    );
    let app = common::app_with(roomwright_chat::routes(context)).await;
    let (token, _) = app.user("bench@example.com", UserRole::Designer).await;
    let table = app.stack.state.table();
    for i in 0..200 {
        let mut p = common::product(&format!("p{i}"), 50_000, 35_000, (680, 680));
        p.name = format!("Task chair model {i}");
        write_one(
            &table,
            Write {
                product: &p,
                expected: None,
                old_sku: None,
            },
        )
        .await
        .unwrap();
    }
    roomwright_catalog::SearchService::new(None)
        .reindex(&app.stack.state)
        .await
        .unwrap();
    let (project, _) = app.project(&token, json!({"name": "Bench"})).await;

    for (label, per_message) in [
        ("plain answer (1 model call)", 1),
        ("tool round trip (2 calls, search_catalog)", 2),
    ] {
        let reply = app
            .send(
                Method::POST,
                "/v1/conversations",
                &token,
                None,
                Some(json!({"project_id": project})),
            )
            .await;
        let id = reply.body["id"].as_str().unwrap().to_string();
        let mut samples = Vec::new();
        for i in 0..MESSAGES {
            let started = Instant::now();
            let reply = app
                .send(
                    Method::POST,
                    &format!("/v1/conversations/{id}/messages"),
                    &token,
                    None,
                    Some(json!({"text": format!("message {i}")})),
                )
                .await;
            samples.push(started.elapsed());
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            assert_eq!(reply.body["message"]["usage"]["model_calls"], per_message);
        }
        report(&format!("moto, whole request: {label}"), samples);
    }
}

fn main() {
    // `cargo test --all-targets` runs benches once as tests: keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("chat bench: run with `cargo bench -p roomwright-chat` for figures");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("-- our layer in process (no I/O; the model answers at once) --");
        in_process().await;
        println!("-- through the router against moto (I/O to the local server included) --");
        through_the_router().await;
    });
}
