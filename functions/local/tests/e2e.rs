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

/// The API reference page, loaded in a real headless browser (Debian's `chromium`, which
/// `make test` installs): Redoc, served by us, renders every operation of the document.
#[tokio::test]
async fn docs_page_lists_every_operation_in_a_browser() {
    let (base, _stack) = spawn_app().await;
    let client = reqwest::Client::new();
    let page = client.get(format!("{base}/docs")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let html = page.text().await.unwrap();
    let script = html
        .split("<script src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page loads a script");
    let asset = client.get(format!("{base}/{script}")).send().await.unwrap();
    assert_eq!(asset.status(), 200);
    assert!(
        asset.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let missing = client
        .get(format!("{base}/docs/other.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let document = serde_json::to_value(roomwright_local::openapi()).unwrap();
    let mut ids = Vec::new();
    for operations in document["paths"].as_object().unwrap().values() {
        for operation in operations.as_object().unwrap().values() {
            ids.push(operation["operationId"].as_str().unwrap().to_string());
        }
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "operation ids are unique");

    let browser = tokio::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            std::env::temp_dir()
                .join(format!("rw-chromium-{}", uuid::Uuid::new_v4().simple()))
                .display()
        ))
        .arg(format!("{base}/docs"))
        .output()
        .await
        .expect("Debian's chromium (make test installs it)");
    let dom = String::from_utf8_lossy(&browser.stdout);
    assert!(
        browser.status.success(),
        "{}",
        String::from_utf8_lossy(&browser.stderr)
    );
    let unlisted: Vec<&String> = ids
        .iter()
        .filter(|id| !dom.contains(&format!("/operation/{id}\"")))
        .collect();
    assert!(
        unlisted.is_empty(),
        "operations the page does not list: {unlisted:?} (page: {} bytes)",
        dom.len()
    );
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

/// `roomwright-local` starts moto and the API, and Ctrl-C leaves no process behind but keeps
/// the data: started again, the project created before, the demo password and the search
/// index are there.
#[test]
fn dev_runner_keeps_its_data_across_ctrl_c_and_leaves_no_process_behind() {
    let data = std::env::temp_dir().join(format!("rw-local-{}", uuid::Uuid::new_v4().simple()));
    let first = Runner::start(&data);
    assert!(first.banner.contains("a fresh stack"), "{}", first.banner);
    // (A debug build on a loaded machine embeds the demo catalog slowly.)
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(180))
        .build()
        .unwrap();
    let token = first.sign_in(&client);
    let search = |runner: &Runner, token: &str| -> Value {
        client
            .get(runner.url("/v1/products/search?q=chair"))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    // The search index is built and published before the stop.
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut indexed = search(&first, &token);
    while indexed["total"].as_u64().unwrap_or(0) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(1));
        indexed = search(&first, &token);
    }
    assert!(indexed["total"].as_u64().unwrap_or(0) > 0, "{indexed}");
    let created = client
        .post(first.url("/v1/projects"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Kept across restarts", "client": "Acme"}))
        .send()
        .unwrap();
    assert_eq!(created.status(), 201);
    let project: Value = created.json().unwrap();
    let password = first.password.clone();
    first.stop();
    assert!(data.join("state/tables").is_dir());
    assert!(!data.join("state.saving").exists());

    let second = Runner::start(&data);
    assert!(second.banner.contains("restored"), "{}", second.banner);
    assert_eq!(
        second.password, password,
        "the generated demo password is kept"
    );
    let token = second.sign_in(&client);
    let got = client
        .get(second.url(&format!("/v1/projects/{}", project["id"].as_str().unwrap())))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(got.status(), 200);
    let got: Value = got.json().unwrap();
    assert_eq!(got["name"], "Kept across restarts");
    assert_eq!(got["client"], "Acme");
    // The demo catalog was not seeded again, and its index (kept in the bucket) answers at once.
    let found = search(&second, &token);
    assert_eq!(found["total"], indexed["total"], "{found}");
    assert_eq!(found["index_revision"], indexed["index_revision"]);
    second.stop();
    std::fs::remove_dir_all(&data).unwrap();
}

/// A `roomwright-local` process on a free port with its data under a directory of the test's.
struct Runner {
    child: std::process::Child,
    port: u16,
    moto_port: String,
    banner: String,
    password: String,
}

impl Runner {
    fn start(data: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_roomwright-local"))
            .env("PORT", port.to_string())
            .env("LOCAL_DATA_DIR", data)
            .env_remove("DEMO_PASSWORD")
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
        // The banner, up to its last line.
        let mut banner = String::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while !banner.contains("Ctrl-C stops") && Instant::now() < deadline {
            if let Ok(line) = receiver.recv_timeout(Duration::from_millis(200)) {
                banner.push_str(&line);
                banner.push('\n');
            }
        }
        let field = |label: &str| {
            banner
                .lines()
                .find_map(|l| l.split(label).nth(1))
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("no {label} in the banner: {banner}"))
                .to_string()
        };
        let moto_port = field("local AWS (moto): ")
            .rsplit(':')
            .next()
            .unwrap()
            .to_string();
        let password = field("password:   ");
        // Keep draining, so the runner never blocks on a full pipe.
        std::thread::spawn(move || while receiver.recv().is_ok() {});
        let runner = Self {
            child,
            port,
            moto_port,
            banner,
            password,
        };
        // On a loaded machine health's 3 s dependency checks can time out while the runner
        // builds the search index (503): it must serve soon after.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut status = 0;
        while status != 200 && Instant::now() < deadline {
            status =
                reqwest::blocking::get(runner.url("/v1/health")).map_or(0, |r| r.status().as_u16());
            std::thread::sleep(Duration::from_millis(300));
        }
        assert_eq!(status, 200);
        assert!(
            moto_processes(&runner.moto_port) > 0,
            "moto runs while the runner does"
        );
        runner
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn sign_in(&self, client: &reqwest::blocking::Client) -> String {
        let login: Value = client
            .post(self.url("/v1/auth/login"))
            .json(&serde_json::json!({"email": "designer@example.com", "password": self.password}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        login["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("signed in: {login}"))
            .to_string()
    }

    /// Ctrl-C: the runner keeps its data, exits 0 and takes moto with it.
    fn stop(mut self) {
        // SAFETY: signalling the child we spawned.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let status = wait_with_timeout(&mut self.child, Duration::from_secs(60))
            .expect("runner exits on Ctrl-C");
        assert!(status.success(), "{status:?}");
        let deadline = Instant::now() + Duration::from_secs(5);
        while moto_processes(&self.moto_port) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(moto_processes(&self.moto_port), 0, "moto is left behind");
    }
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
