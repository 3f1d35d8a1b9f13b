//! Live updates and emails (`cargo bench -p roomwright-local --bench live`), with the code
//! `make dev` runs: the WebSocket route and Management API on a loopback port, the table's
//! stream read every 50 ms as `make dev` reads it, the fan-out posting through the SDK.
//!
//! - write to socket: a project changed through the API until a subscriber's socket has it;
//! - fan-out: one project change to 1,000 subscribed WebSocket connections, from the stream
//!   record to the last socket's frame (the watchers read from the table, every post made);
//! - email rendering: each template, HTML and text.
//!
//! Under `cargo test` (no `--bench` argument) it runs small, to prove it still works.

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use http::Method;
use roomwright_core::auth::Role;
use roomwright_notify::{Change, Live, Mail};
use serde_json::json;

fn report(name: &str, samples: Vec<Duration>) {
    report_in(name, samples, "ms", 1e3);
}

fn report_in(name: &str, mut samples: Vec<Duration>, unit: &str, scale: f64) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * scale;
    println!(
        "{name:<58} n={:<4} p50 {:>8.2} {unit}  p95 {:>8.2} {unit}  max {:>8.2} {unit}",
        samples.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (writes, connections, fan_outs, renders) = if full {
        (100, 1000, 10, 2000)
    } else {
        (5, 20, 2, 20)
    };
    emails(renders);

    let app = common::app().await;
    let server = common::live_every(&app, Duration::from_millis(50)).await;
    let (token, _) = app.user("writer@bench.test", Role::Designer).await;
    let (project, mut etag) = app.project(&token, json!({"name": "Bench"})).await;
    let mut socket = common::Socket::connect(&server, &token).await.unwrap();
    socket
        .send(json!({"action": "subscribe", "project_id": project}))
        .await;
    socket.expect("subscribed", Duration::from_secs(10)).await;

    let mut samples = Vec::new();
    for round in 0..writes {
        let started = Instant::now();
        let reply = app
            .send(
                Method::PATCH,
                &format!("/v1/projects/{project}"),
                &token,
                Some(&etag),
                Some(json!({"name": format!("Bench {round}")})),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        etag = reply.etag().to_string();
        let wanted = etag.clone();
        socket
            .until(Duration::from_secs(10), |m| {
                m["type"] == "project_changed" && m["etag"] == wanted.as_str()
            })
            .await
            .expect("the change reached the socket");
        samples.push(started.elapsed());
    }
    report("write to socket message (stream read every 50 ms)", samples);

    // 1,000 connections watching one project. The stream stops being read: the fan-out is
    // called below on one change, and the subscriptions' presence messages would only compete.
    server.stop_reading();
    let received = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    let started = Instant::now();
    for _ in 0..connections {
        let url = format!("{}?access_token={token}", server.url);
        let (mut stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        use futures::SinkExt;
        stream
            .send(tokio_tungstenite::tungstenite::Message::Text(
                json!({"action": "subscribe", "project_id": project})
                    .to_string()
                    .into(),
            ))
            .await
            .unwrap();
        let received = received.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(text) = frame
                    && text.as_str().contains("\"project_changed\"")
                {
                    received.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    let watchers = || async {
        app.state()
            .table()
            .query_all::<serde_json::Value>(
                None,
                &format!("LIVE#PROJECT#{project}"),
                roomwright_core::dynamo::SortKey::Prefix("CONN#"),
            )
            .await
            .unwrap()
            .len()
    };
    while watchers().await < connections + 1 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "{connections} connections opened and subscribed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The fan-out the stream function runs, without the stream: one change record.
    let live = Live::new(
        roomwright_notify::Poster::new(app.state().aws.clone(), server.http.clone()),
        None,
    );
    let stored = roomwright_projects::store::get(&app.state().table(), &project)
        .await
        .unwrap()
        .unwrap();
    let mut new = serde_json::to_value(&stored.value).unwrap();
    new["pk"] = json!(format!("PROJECT#{project}"));
    new["sk"] = json!("PROJECT");
    new["version"] = json!(stored.version);
    let mut old = new.clone();
    old["description"] = json!("before");
    new["description"] = json!("after");
    let change = Change::from_images(Some(old), Some(new)).unwrap();
    let mut samples = Vec::new();
    for round in 1..=fan_outs {
        let started = Instant::now();
        live.fan_out(app.state(), std::slice::from_ref(&change))
            .await
            .unwrap();
        while received.load(Ordering::SeqCst) < round * connections {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        samples.push(started.elapsed());
    }
    report(
        &format!("fan-out of one change to {connections} connections"),
        samples,
    );
    for reader in readers {
        reader.abort();
    }
}

/// Each email, rendered as HTML and text.
fn emails(rounds: usize) {
    let mails = [
        Mail::VerifyEmail {
            name: "Lena Park",
            link: "https://app.roomwright.example/account/verify#token=abc",
        },
        Mail::PasswordReset {
            name: "Lena Park",
            link: "https://app.roomwright.example/account/reset#token=abc",
        },
        Mail::Invitation {
            inviter: "Ada Admin",
            role: "designer",
            link: "https://app.roomwright.example/account/invite#token=abc",
            expires_at: "2026-12-07T10:00:00Z",
        },
        Mail::Notification {
            title: "Harbour Design Co. approved the proposal for “Demo studio”",
            body: "“Looks great, please order.”",
            link: Some("https://app.roomwright.example/app/projects/prj_1"),
            preferences_link: "https://app.roomwright.example/app/settings/notifications",
        },
    ];
    for mail in &mails {
        let mut samples = Vec::new();
        let mut bytes = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let letter = mail.to("lena@studio.example");
            samples.push(started.elapsed());
            bytes = letter.html.len() + letter.text.len();
        }
        report_in(
            &format!("email {} rendered ({bytes} bytes)", mail.kind()),
            samples,
            "µs",
            1e6,
        );
    }
}
