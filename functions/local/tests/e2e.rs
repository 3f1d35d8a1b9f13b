//! End to end through the local runner: real HTTP on a loopback port, real SDK calls to moto.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

mod common;
use common::spawn_app;

#[tokio::test]
async fn health_over_http() {
    let (base, _stack) = spawn_app().await;
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/health"))
        .header("x-correlation-id", "e2e-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-correlation-id"], "e2e-1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["checks"]["table"]["reachable"], true);
    assert_eq!(body["checks"]["bucket"]["reachable"], true);
}

#[tokio::test]
async fn unknown_route_and_bad_method_are_problems_over_http() {
    let (base, _stack) = spawn_app().await;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{base}/v1/does-not-exist"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "route_not_found");

    let response = client
        .delete(format!("{base}/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

/// Every documented operation is routed, so the document never promises a route that is not
/// served.
#[tokio::test]
async fn openapi_document_is_served_and_every_documented_route_exists() {
    let (base, _stack) = spawn_app().await;
    let client = reqwest::Client::new();
    let served: Value = client
        .get(format!("{base}/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        served,
        serde_json::to_value(roomwright_local::openapi()).unwrap()
    );
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = served["paths"].as_object().unwrap();
    assert!(paths.contains_key("/v1/health") && paths.contains_key("/v1/openapi.json"));
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let concrete = path.replace('{', "x").replace('}', "");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = client
                .request(method.clone(), format!("{base}{concrete}"))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                !matches!(
                    body["code"].as_str(),
                    Some("route_not_found" | "method_not_allowed")
                ),
                "{method} {path} is documented but not routed ({status})"
            );
        }
    }
}

/// Routes are only added through `roomwright_core::routes!`, which documents them; a plain
/// `.route(...)` in a function would serve a route the document does not list.
#[test]
fn every_route_goes_through_the_documented_router() {
    let functions = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut offenders = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(functions)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path
                    .file_name()
                    .is_some_and(|n| n != "tests" && n != "target")
                {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (line, content) in text.lines().enumerate() {
                    let code = content.split("//").next().unwrap_or_default();
                    if code.contains(".route(")
                        || code.contains(".route_service(")
                        || code.contains(".nest(")
                    {
                        offenders.push(format!("{}:{}", path.display(), line + 1));
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "undocumented routes: {offenders:?}");
}

/// `roomwright-local` starts moto and the API, and Ctrl-C leaves no process behind.
#[test]
fn dev_runner_serves_and_ctrl_c_stops_everything() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_roomwright-local"))
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let mut moto_endpoint = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    while moto_endpoint.is_none() && Instant::now() < deadline {
        if let Ok(line) = receiver.recv_timeout(Duration::from_millis(200))
            && let Some(rest) = line.split("local AWS (moto): ").nth(1)
        {
            moto_endpoint = rest.split_whitespace().next().map(str::to_owned);
        }
    }
    let moto_endpoint = moto_endpoint.expect("runner printed its moto endpoint");
    let moto_port = moto_endpoint.rsplit(':').next().unwrap().to_string();

    // The runner seeds the demo catalog through moto as it starts; on a loaded machine
    // health's 3 s dependency checks can time out meanwhile (503): it must serve soon after.
    let mut health = reqwest::blocking::get(format!("http://127.0.0.1:{port}/v1/health")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while health.status() != 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        health = reqwest::blocking::get(format!("http://127.0.0.1:{port}/v1/health")).unwrap();
    }
    assert_eq!(health.status(), 200);
    let body: Value = health.json().unwrap();
    assert_eq!(body["stage"], "local");
    assert!(
        moto_processes(&moto_port) > 0,
        "moto runs while the runner does"
    );

    // SAFETY: signalling the child we spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status =
        wait_with_timeout(&mut child, Duration::from_secs(20)).expect("runner exits on Ctrl-C");
    assert!(status.success(), "{status:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while moto_processes(&moto_port) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(moto_processes(&moto_port), 0, "moto is left behind");
}

fn wait_with_timeout(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

/// Live (non-zombie) moto processes listening on `port`.
fn moto_processes(port: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit(')')
                .next()
                .is_some_and(|s| s.trim_start().starts_with('Z'));
            !zombie
                && args.iter().any(|a| a.contains("moto_server"))
                && args.windows(2).any(|w| w[0] == "-p" && w[1] == port)
        })
        .count()
}

#[tokio::test]
async fn chat_answers_stream_as_server_sent_events_over_http() {
    let (base, stack) = spawn_app().await;
    let password = "correct horse battery staple";
    roomwright_accounts::users::provision(
        &stack.state.table(),
        "sse@example.com",
        "SSE",
        roomwright_core::auth::Role::Designer,
        password,
    )
    .await
    .unwrap()
    .unwrap();
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({"email": "sse@example.com", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let conversation: Value = client
        .post(format!("{base}/v1/conversations"))
        .bearer_auth(token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = client
        .post(format!(
            "{base}/v1/conversations/{}/messages",
            conversation["id"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .header("accept", "text/event-stream")
        .json(&serde_json::json!({"text": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let body = response.text().await.unwrap();
    let texts = body.matches("event: text").count();
    assert!(texts > 3, "the answer streams in pieces: {body}");
    assert!(body.contains("event: message"), "{body}");
    assert!(body.contains("(Offline assistant)"), "{body}");
}
