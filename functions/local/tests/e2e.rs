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
                    // The WebSocket API (and the Management API it posts through) is another
                    // API Gateway API, with its protocol in the README, not HTTP API routes.
                    let websocket = path.ends_with("local/src/live.rs");
                    if !websocket && code.contains(".route(")
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

/// A test that fails midway still stops its runner (and the runner its moto).
impl Drop for Runner {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // SAFETY: signalling the child we spawned.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
            let _ = wait_with_timeout(&mut self.child, Duration::from_secs(30));
        }
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

/// A client opens a shared proposal in a real browser (Debian's Chromium, driven by
/// Playwright: `tests/browser/proposal.py`) against the local runner, as `make dev` runs it:
/// the designer saves a version, renders it (a picture and a 360° panorama) and exports its
/// scene (GLB and USDZ) on the local Batch, and shares it. On a phone and on a desk the page
/// shows the plan, the products and the renders; model-viewer loads the GLB; nothing is asked
/// of any host but ours and the bucket; no console errors; the screenshots are not blank.
/// "Approve" approves the project; the revoked link is a 404 page.
#[test]
fn a_client_opens_a_shared_proposal_in_a_browser_and_approves_it() {
    let data = std::env::temp_dir().join(format!("rw-local-{}", uuid::Uuid::new_v4().simple()));
    let runner = Runner::start(&data);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(180))
        .build()
        .unwrap();
    let token = runner.sign_in(&client);
    let send = |method: reqwest::Method, path: &str, body: Option<Value>, etag: Option<&str>| {
        let mut request = client.request(method, runner.url(path)).bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(etag) = etag {
            request = request.header("if-match", etag);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        (
            status,
            response.json::<Value>().unwrap_or(Value::Null),
            etag,
        )
    };
    let (_, projects, _) = send(reqwest::Method::GET, "/v1/projects", None, None);
    let id = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Demo studio")
        .unwrap_or_else(|| panic!("the demo project: {projects}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, etag) = send(
        reqwest::Method::GET,
        &format!("/v1/projects/{id}"),
        None,
        None,
    );
    let (status, version, _) = send(
        reqwest::Method::POST,
        &format!("/v1/projects/{id}/versions"),
        Some(serde_json::json!({"note": "For the client"})),
        etag.as_deref(),
    );
    assert_eq!(status, 201, "{version}");
    let number = version["number"].as_u64().unwrap();
    let jobs = [
        (
            "renders",
            serde_json::json!({"scenario_id": "better", "version": number, "width": 320, "height": 180,
                               "quality": "draft", "cameras": [{"room_id": "studio"}]}),
        ),
        (
            "renders",
            serde_json::json!({"scenario_id": "better", "version": number, "width": 512, "height": 256,
                               "quality": "draft", "cameras": [{"room_id": "studio", "panorama": true}]}),
        ),
        (
            "scenes",
            serde_json::json!({"scenario_id": "better", "version": number}),
        ),
    ];
    let mut ids = Vec::new();
    for (route, body) in jobs {
        let (status, submitted, _) = send(
            reqwest::Method::POST,
            &format!("/v1/projects/{id}/{route}"),
            Some(body),
            None,
        );
        assert_eq!(status, 202, "{submitted}");
        ids.push(submitted["job"]["id"].as_str().unwrap().to_string());
    }
    let mut finished = Vec::new();
    for job in &ids {
        let deadline = Instant::now() + Duration::from_secs(300);
        let view = loop {
            let (_, view, _) = send(reqwest::Method::GET, &format!("/v1/jobs/{job}"), None, None);
            if view["status"] == "SUCCEEDED"
                || view["status"] == "FAILED"
                || Instant::now() > deadline
            {
                break view;
            }
            std::thread::sleep(Duration::from_millis(500));
        };
        assert_eq!(view["status"], "SUCCEEDED", "{view}");
        finished.push(view);
    }
    let scene = &finished[2];
    let size = |name: &str| {
        scene["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {scene}"))["bytes"]
            .as_u64()
            .unwrap()
    };
    let (glb, usdz) = (size("scene-glb"), size("scene-usdz"));
    eprintln!(
        "scene export of the demo project: GLB {glb} bytes, USDZ {usdz} bytes, job {} to {}",
        scene["started_at"], scene["finished_at"]
    );

    let (status, share, _) = send(
        reqwest::Method::POST,
        &format!("/v1/projects/{id}/shares"),
        Some(
            serde_json::json!({"scenario_id": "better", "version": number,
            "expires_at": roomwright_core::time::rfc3339(roomwright_core::time::now() + time::Duration::days(7))}),
        ),
        None,
    );
    assert_eq!(status, 201, "{share}");
    // The share URL names the API's public address; locally the page is on the runner's port.
    let link = runner.url(&format!(
        "/p/{}",
        share["url"].as_str().unwrap().rsplit('/').next().unwrap()
    ));
    let bucket_host = format!("127.0.0.1:{}", runner.moto_port);
    // Kept after the test (target/tmp/proposal-browser): what a client saw, phone and desk.
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("proposal-browser");
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/proposal.py");
    let run = Command::new(&python)
        .arg(&script)
        .arg(&link)
        .arg(&out)
        .arg("--approve")
        .arg(format!("--bucket-host={bucket_host}"))
        .output()
        .expect("the venv's python with playwright (make test installs it)");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    eprintln!("browser report: {report}");
    for width in ["phone", "desktop"] {
        let seen = &report[width];
        assert_eq!(seen["status"], 200, "{width}: {seen}");
        assert_eq!(seen["plan_svg"], 1, "{width}: the plan");
        assert_eq!(
            seen["product_rows"].as_u64(),
            Some(6),
            "{width}: the products {seen}"
        );
        assert!(
            seen["product_names"].to_string().contains("desk")
                || seen["product_names"].to_string().contains("Desk"),
            "{seen}"
        );
        assert_eq!(seen["renders"], 1, "{width}: the render, loaded");
        assert_eq!(seen["panoramas"], 1, "{width}: the panorama");
        assert_eq!(seen["panorama_turned"], true, "{width}: dragging turns it");
        assert_eq!(
            seen["model_loaded"], true,
            "{width}: model-viewer loaded the GLB"
        );
        assert!(
            seen["model_stddev"].as_f64().unwrap() > 2.0,
            "{width}: the 3D view is blank: {seen}"
        );
        assert_eq!(seen["console_errors"], serde_json::json!([]), "{width}");
        assert_eq!(
            seen["foreign_requests"],
            serde_json::json!([]),
            "{width}: third-party requests"
        );
        assert!(
            seen["screenshot"]["stddev"].as_f64().unwrap() > 10.0,
            "{width}: blank: {seen}"
        );
        assert_eq!(
            seen["page_text_has_project_ids"], false,
            "{width}: no project ids on the page"
        );
    }
    assert_eq!(
        report["desktop"]["after_approve"]["status"], "approved",
        "{}",
        report["desktop"]
    );
    let (_, project, _) = send(
        reqwest::Method::GET,
        &format!("/v1/projects/{id}"),
        None,
        None,
    );
    assert_eq!(project["status"], "approved");
    let (_, activity, _) = send(
        reqwest::Method::GET,
        &format!("/v1/projects/{id}/activity"),
        None,
        None,
    );
    assert_eq!(
        activity["items"][0]["kind"], "client_approved",
        "{activity}"
    );
    assert_eq!(activity["items"][0]["comment"], "Lovely - go ahead.");

    // Revoked: a 404 page, in the browser as anywhere.
    let (status, _, _) = send(
        reqwest::Method::DELETE,
        &format!("/v1/projects/{id}/shares/{}", share["id"].as_str().unwrap()),
        None,
        None,
    );
    assert_eq!(status, 200);
    let gone = Command::new(&python)
        .arg(&script)
        .arg(&link)
        .arg(&out)
        .arg("--gone")
        .output()
        .unwrap();
    let gone: Value = serde_json::from_slice(&gone.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&gone.stderr)));
    assert_eq!(gone["status"], 404, "{gone}");
    assert!(
        gone["text"].as_str().unwrap().contains("not available"),
        "{gone}"
    );
    runner.stop();
    let _ = std::fs::remove_dir_all(&data);
}
