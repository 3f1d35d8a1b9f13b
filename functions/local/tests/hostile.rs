//! The hostile suite: what a self-signed-up user with a script tries, against the local runner
//! over HTTP. Every probe must get the right 4xx as problem+json and write nothing: the table
//! and the bucket are compared before and after each group of probes.

mod common;

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::spawn_app;
use reqwest::{Client, Method, StatusCode};
use roomwright_core::auth::Role;
use roomwright_devstack::TestStack;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

struct User {
    id: String,
    token: String,
    refresh: String,
}

async fn user(client: &Client, base: &str, stack: &TestStack, email: &str, role: Role) -> User {
    let created =
        roomwright_accounts::users::provision(&stack.state.table(), email, "Probe", role, PASSWORD)
            .await
            .unwrap()
            .unwrap();
    let login: Value = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    User {
        id: created.id,
        token: login["access_token"].as_str().unwrap().to_string(),
        refresh: login["refresh_token"].as_str().unwrap().to_string(),
    }
}

type Snapshot = (BTreeMap<String, String>, Vec<String>);

/// Everything stored: every table item (by key, as text) and every object key in the bucket.
async fn snapshot(stack: &TestStack) -> Snapshot {
    let table = stack.state.table();
    let client = table.client().await;
    let mut items = BTreeMap::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table.name())
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items() {
            let key = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            };
            items.insert(format!("{} {}", key("pk"), key("sk")), canonical_map(item));
        }
        match page.last_evaluated_key() {
            Some(last) => start = Some(last.clone()),
            None => break,
        }
    }
    let listed = stack
        .state
        .aws
        .s3()
        .await
        .list_objects_v2()
        .bucket(&stack.state.config.bucket_name)
        .send()
        .await
        .unwrap();
    let keys = listed
        .contents()
        .iter()
        .map(|o| o.key().unwrap_or_default().to_string())
        .collect();
    (items, keys)
}

/// An item as text with its maps' keys in order (they come back in any order).
fn canonical_map(
    map: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> String {
    let mut fields: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{k}={}", canonical(v)))
        .collect();
    fields.sort();
    format!("{{{}}}", fields.join(","))
}

fn canonical(value: &aws_sdk_dynamodb::types::AttributeValue) -> String {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value {
        V::M(map) => canonical_map(map),
        V::L(list) => format!(
            "[{}]",
            list.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        V::Ss(set) | V::Ns(set) => {
            let mut set = set.clone();
            set.sort();
            format!("{set:?}")
        }
        other => format!("{other:?}"),
    }
}

/// Items the refusals themselves legitimately write: attempt counters, audit entries and the
/// proposal page's view counters (a view counts before its link is looked up).
fn bookkeeping(key: &str) -> bool {
    key.starts_with("THROTTLE#") || key.starts_with("AUDIT ") || key.starts_with("RATE#proposal#")
}

fn assert_unchanged(before: &Snapshot, after: &Snapshot, what: &str) {
    let changed: Vec<&String> = before
        .0
        .iter()
        .filter(|(k, v)| !bookkeeping(k) && after.0.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .chain(
            after
                .0
                .keys()
                .filter(|k| !bookkeeping(k) && !before.0.contains_key(*k)),
        )
        .collect();
    assert!(changed.is_empty(), "{what} wrote to the table: {changed:?}");
    assert_eq!(before.1, after.1, "{what} wrote to the bucket");
}

struct Reply {
    status: StatusCode,
    problem: bool,
    body: Value,
}

async fn send(
    client: &Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let problem = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or_default() == "application/problem+json");
    let bytes = response.bytes().await.unwrap();
    Reply {
        status,
        problem,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn json_body(value: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", value.to_string().into_bytes()))
}

/// A refusal; on a client's proposal page (`/p/...`, a browser's page) a 4xx page.
fn refused_or_page(reply: &Reply, path: &str, what: &str) {
    if path.starts_with("/p/") {
        assert!(reply.status.is_client_error(), "{what}: {}", reply.status);
    } else {
        refused_or_unavailable(reply, what);
    }
}

/// A refusal: a 4xx, as problem+json with a code.
fn refused(reply: &Reply, what: &str) {
    assert!(
        reply.status.is_client_error() && reply.problem && reply.body["code"].is_string(),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
}

/// A refusal, or 503 as problem+json where the feature is not configured here (no image model
/// offline, no ERP).
fn refused_or_unavailable(reply: &Reply, what: &str) {
    if reply.status == StatusCode::SERVICE_UNAVAILABLE && reply.problem {
        return;
    }
    refused(reply, what);
}

/// The operations of the runner's OpenAPI document: (method, path template, protected).
fn operations() -> Vec<(Method, String, bool)> {
    let document = serde_json::to_value(roomwright_local::openapi()).unwrap();
    let mut all = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            all.push((method, path.clone(), operation.get("security").is_some()));
        }
    }
    all
}

/// A designer's project with a floor plan (version 2); its id.
async fn project(client: &Client, base: &str, owner: &User, name: &str) -> String {
    let created = send(
        client,
        Method::POST,
        &format!("{base}/v1/projects"),
        Some(&owner.token),
        json_body(json!({"name": name})),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let plan = json!({"units": "m", "rooms": [{"id": "r1", "name": "Office", "kind": "office",
        "polygon": [[0, 0], [6, 0], [6, 5], [0, 5]]}], "walls": [], "openings": []});
    let put = send(
        client,
        Method::PUT,
        &format!("{base}/v1/projects/{id}/floor-plan"),
        Some(&owner.token),
        json_body(plan),
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    id
}

#[tokio::test]
async fn forged_tokens_are_refused() {
    let (base, stack) = spawn_app().await;
    let client = Client::new();
    let real = user(
        &client,
        &base,
        &stack,
        "forger@hostile.test",
        Role::Designer,
    )
    .await;
    let parts: Vec<&str> = real.token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let jwks: Value = client
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let public_n = jwks["keys"][0]["n"].as_str().unwrap().to_string();
    let before = snapshot(&stack).await;
    claims["role"] = json!("admin");
    let hs256 = {
        use hmac::{Hmac, KeyInit, Mac};
        let head = encode(&json!({"alg": "HS256", "typ": "JWT", "kid": header["kid"]}));
        let body = encode(&claims);
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(public_n.as_bytes()).unwrap();
        mac.update(format!("{head}.{body}").as_bytes());
        format!(
            "{head}.{body}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    };
    let with_header = |extra: Value| {
        let mut h = header.clone();
        for (k, v) in extra.as_object().unwrap() {
            h[k] = v.clone();
        }
        format!("{}.{}.{}", encode(&h), parts[1], parts[2])
    };
    let forged = [
        (
            "alg none",
            format!(
                "{}.{}.",
                encode(&json!({"alg": "none", "typ": "JWT"})),
                encode(&claims)
            ),
        ),
        ("HS256 signed with the public key", hs256),
        (
            "unknown kid",
            with_header(json!({"kid": "not-a-key-of-ours"})),
        ),
        ("embedded jwk", with_header(json!({"jwk": jwks["keys"][0]}))),
        (
            "jku",
            with_header(json!({"jku": "https://attacker.example/jwks.json"})),
        ),
        (
            "tampered claims",
            format!("{}.{}.{}", parts[0], encode(&claims), parts[2]),
        ),
        ("garbage", "not.a.token".to_string()),
    ];
    for (what, token) in forged {
        let reply = send(
            &client,
            Method::GET,
            &format!("{base}/v1/admin/users"),
            Some(&token),
            None,
            &[],
        )
        .await;
        refused(&reply, what);
        let reply = send(
            &client,
            Method::POST,
            &format!("{base}/v1/projects"),
            Some(&token),
            json_body(json!({"name": "forged"})),
            &[],
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            reply.body
        );
    }
    assert_unchanged(&before, &snapshot(&stack).await, "forged tokens");
}

/// A path template with the caller's or another user's resources filled in.
struct Ids<'a> {
    project: &'a str,
    conversation: &'a str,
    job: &'a str,
    user: &'a str,
}

fn fill(path: &str, ids: &Ids) -> String {
    let mut filled = path
        .replace("{number}", "1")
        .replace("{scenario_id}", "base")
        .replace("{user_id}", ids.user);
    let id = if path.starts_with("/v1/projects/") {
        ids.project
    } else if path.starts_with("/v1/conversations/") {
        ids.conversation
    } else if path.starts_with("/v1/jobs/") {
        ids.job
    } else if path.starts_with("/v1/admin/users/") {
        ids.user
    } else {
        "probe-id"
    };
    filled = filled.replace("{id}", id);
    // Any other parameter: a made-up id.
    while let (Some(open), Some(close)) = (filled.find('{'), filled.find('}')) {
        filled.replace_range(open..=close, "probe-id");
    }
    filled
}

#[tokio::test]
async fn another_users_ids_lead_nowhere_and_bad_requests_change_nothing() {
    let (base, stack) = spawn_app().await;
    let client = Client::new();
    let alice = user(&client, &base, &stack, "alice@hostile.test", Role::Designer).await;
    let bob = user(&client, &base, &stack, "bob@hostile.test", Role::Designer).await;
    let alices = project(&client, &base, &alice, "Alice's").await;
    let bobs = project(&client, &base, &bob, "Bob's").await;
    let conversation = send(
        &client,
        Method::POST,
        &format!("{base}/v1/conversations"),
        Some(&bob.token),
        json_body(json!({"project_id": bobs})),
        &[],
    )
    .await;
    assert_eq!(
        conversation.status,
        StatusCode::CREATED,
        "{}",
        conversation.body
    );
    let bobs_conversation = conversation.body["id"].as_str().unwrap().to_string();
    let render = send(
        &client,
        Method::POST,
        &format!("{base}/v1/projects/{bobs}/renders"),
        Some(&bob.token),
        json_body(json!({"width": 64, "height": 48, "quality": "draft"})),
        &[],
    )
    .await;
    assert_eq!(render.status, StatusCode::ACCEPTED, "{}", render.body);
    let bobs_job = render.body["job"]["id"].as_str().unwrap().to_string();
    let own = Ids {
        project: &alices,
        conversation: "probe-id",
        job: "probe-id",
        user: &alice.id,
    };
    let foreign = Ids {
        project: &bobs,
        conversation: &bobs_conversation,
        job: &bobs_job,
        user: &bob.id,
    };

    let before = snapshot(&stack).await;
    let mut probes = 0;
    for (method, path, protected) in operations() {
        let route = format!("{method} {path}");
        let url = format!("{base}{}", fill(&path, &own));
        // Unauthenticated: 401 on every protected operation.
        if protected {
            let reply = send(
                &client,
                method.clone(),
                &url,
                None,
                json_body(json!({})),
                &[],
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{route} without a token"
            );
            refused(&reply, &route);
        }
        if method != Method::GET {
            // Malformed and oversize bodies on the caller's own resources, at a stale version.
            let headers = [("if-match", "\"1\""), ("idempotency-key", "hostile")];
            let reply = send(
                &client,
                method.clone(),
                &url,
                Some(&alice.token),
                Some(("application/json", b"{\"name\": ".to_vec())),
                &headers,
            )
            .await;
            refused_or_page(&reply, &path, &format!("{route} with a malformed body"));
            let reply = send(
                &client,
                method.clone(),
                &url,
                Some(&alice.token),
                Some(("application/json", vec![b' '; 2 * 1024 * 1024])),
                &headers,
            )
            .await;
            refused_or_page(&reply, &path, &format!("{route} with a 2 MiB body"));
        }
        // The cross-user matrix: Bob's ids in Alice's hands.
        if path.contains("{id}")
            && ["/v1/projects/", "/v1/conversations/", "/v1/jobs/"]
                .iter()
                .any(|p| path.starts_with(p))
        {
            let url = format!("{base}{}", fill(&path, &foreign));
            let reply = send(
                &client,
                method.clone(),
                &url,
                Some(&alice.token),
                json_body(json!({})),
                &[("if-match", "\"2\""), ("idempotency-key", "hostile-cross")],
            )
            .await;
            refused(&reply, &format!("{route} on Bob's ids"));
            // Nothing of Bob's shows: refused by access (404) or by the request's own shape.
            assert!(
                !reply.body.to_string().contains("Bob's"),
                "{route} on Bob's ids: {}",
                reply.body
            );
        }
        probes += 1;
    }
    assert!(probes > 60, "{probes} operations probed");

    // A path parameter that does not parse, and one too long for any key.
    for path in [
        format!("/v1/projects/{alices}/versions/abc"),
        format!("/v1/projects/{}", "x".repeat(3000)),
    ] {
        let reply = send(
            &client,
            Method::GET,
            &format!("{base}{path}"),
            Some(&alice.token),
            None,
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.body["code"], "invalid_path_parameter");
    }

    // Upload keys: another user's, and dot-dot or folders out of one's own.
    for key in [
        format!("chat-uploads/{}/photo.png", alice.id),
        format!("chat-uploads/{}/../{}/photo.png", bob.id, alice.id),
        format!("chat-uploads/{}/a/b.png", bob.id),
    ] {
        let reply = send(
            &client,
            Method::POST,
            &format!("{base}/v1/conversations/{bobs_conversation}/messages"),
            Some(&bob.token),
            json_body(json!({"text": "look", "images": [key]})),
            &[("accept", "application/json")],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{key}");
        assert_eq!(reply.body["errors"][0]["code"], "not_your_upload", "{key}");
    }

    // Webhooks to the inside.
    for url in [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/iam/",
        "https://[fd00:ec2::254]/",
        "https://localhost/",
        "https://10.1.2.3/",
        "http://192.168.1.1/",
    ] {
        let reply = send(
            &client,
            Method::POST,
            &format!("{base}/v1/projects/{alices}/renders"),
            Some(&alice.token),
            json_body(json!({"width": 64, "height": 48, "webhook_url": url})),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(reply.body["errors"][0]["path"], "webhook_url", "{url}");
    }

    // A decompression bomb: 16000x16000 pixels claimed in a few bytes.
    let bomb = roomwright_visual::photo::claimed_png(16_000, 16_000);
    let reply = send(
        &client,
        Method::POST,
        &format!("{base}/v1/analyses/style"),
        Some(&alice.token),
        Some(("image/png", bomb)),
        &[],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(reply.body["code"], "too_many_pixels");

    // A 50,000-corner floor plan: on a project that does not exist, on Bob's, on one's own.
    let corners: Vec<[f64; 2]> = (0..50_000)
        .map(|i| {
            // Centimetres, so the plan stays under the 1 MiB body limit and reaches the checks.
            let a = i as f64 / 50_000.0 * std::f64::consts::TAU;
            let cm = |v: f64| (v * 100.0).round() / 100.0;
            [cm(10.0 + 9.0 * a.cos()), cm(10.0 + 9.0 * a.sin())]
        })
        .collect();
    let plan = json!({"units": "m", "rooms": [{"id": "r", "name": "Round", "kind": "office",
        "polygon": corners}]});
    for (project, expected) in [
        ("prj_nothing".to_string(), StatusCode::NOT_FOUND),
        (bobs.clone(), StatusCode::NOT_FOUND),
        (alices.clone(), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let started = Instant::now();
        let reply = send(
            &client,
            Method::PUT,
            &format!("{base}/v1/projects/{project}/floor-plan"),
            Some(&alice.token),
            json_body(plan.clone()),
            &[("if-match", "\"2\"")],
        )
        .await;
        let took = started.elapsed();
        assert_eq!(reply.status, expected, "{}", reply.body);
        eprintln!(
            "a 50,000-corner plan refused ({expected}) in {:.0} ms",
            took.as_secs_f64() * 1000.0
        );
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
    assert_unchanged(&before, &snapshot(&stack).await, "the hostile probes");
}

#[tokio::test]
async fn spend_limits_hold_against_a_burst_of_large_renders() {
    let (base, stack) = spawn_app().await;
    let client = Client::new();
    let designer = user(
        &client,
        &base,
        &stack,
        "spender@hostile.test",
        Role::Designer,
    )
    .await;
    let watcher = user(
        &client,
        &base,
        &stack,
        "watcher@hostile.test",
        Role::Designer,
    )
    .await;
    let id = project(&client, &base, &designer, "Spend").await;
    // A member with the viewer role on the project may not order renders on it.
    let shared = send(
        &client,
        Method::POST,
        &format!("{base}/v1/projects/{id}/members"),
        Some(&designer.token),
        json_body(json!({"email": "watcher@hostile.test", "role": "viewer"})),
        &[("if-match", "\"2\"")],
    )
    .await;
    assert!(shared.status.is_success(), "{}", shared.body);
    let as_viewer = send(
        &client,
        Method::POST,
        &format!("{base}/v1/projects/{id}/renders"),
        Some(&watcher.token),
        json_body(json!({"width": 64, "height": 48})),
        &[],
    )
    .await;
    assert_eq!(
        (as_viewer.status, as_viewer.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("insufficient_project_role"))
    );
    // The largest render the API describes is beyond what a designer may order.
    let camera = json!({"room_id": "r1"});
    let maximal = json!({"width": 3840, "height": 2160, "samples": 4096,
        "cameras": vec![camera; 8]});
    let too_large = send(
        &client,
        Method::POST,
        &format!("{base}/v1/projects/{id}/renders"),
        Some(&designer.token),
        json_body(maximal),
        &[],
    )
    .await;
    assert_eq!(
        too_large.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_large.body
    );
    assert_eq!(too_large.body["errors"][0]["code"], "render_too_large");

    // 100 large (but allowed) renders in a row: only the running-job limit gets through.
    let limit = stack.state.config.spend.jobs_running_per_user as usize;
    let large = json!({"width": 1920, "height": 1080, "samples": 256});
    let mut accepted = 0;
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    for n in 0..100 {
        let key = format!("burst-{n}");
        let reply = send(
            &client,
            Method::POST,
            &format!("{base}/v1/projects/{id}/renders"),
            Some(&designer.token),
            json_body(large.clone()),
            &[("idempotency-key", &key)],
        )
        .await;
        if reply.status == StatusCode::ACCEPTED {
            accepted += 1;
            assert!(reply.body["estimate"]["seconds"].as_u64().unwrap() > 60);
            assert!(reply.body["estimate"]["cost_usd"].as_f64().unwrap() > 0.0);
        } else {
            refused(&reply, "a render over the limits");
            *codes
                .entry(reply.body["code"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    eprintln!("a designer queueing 100 large renders: {accepted} accepted, refused {codes:?}");
    assert_eq!(accepted, limit);
    assert_eq!(codes.get("too_many_running_jobs"), Some(&(100 - limit)));
    // What was accepted is in the ledger with its estimate.
    let usage = send(
        &client,
        Method::GET,
        &format!("{base}/v1/usage"),
        Some(&designer.token),
        None,
        &[],
    )
    .await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.body);
    assert_eq!(usage.body["totals"]["jobs"], limit);
    assert!(usage.body["compute_minutes"].as_f64().unwrap() > 0.0);
    assert!(usage.body["totals"]["cost_micro_usd"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn tokens_end_with_their_session_and_guessing_is_throttled() {
    let (base, stack) = spawn_app().await;
    let client = Client::new();
    let victim = user(
        &client,
        &base,
        &stack,
        "victim@hostile.test",
        Role::Designer,
    )
    .await;
    // Signed in before the burst, which fills this address's attempts for 15 minutes.
    let admin = user(&client, &base, &stack, "admin@hostile.test", Role::Admin).await;
    let disabled = user(
        &client,
        &base,
        &stack,
        "disabled@hostile.test",
        Role::Designer,
    )
    .await;
    let erased = user(
        &client,
        &base,
        &stack,
        "erased@hostile.test",
        Role::Designer,
    )
    .await;
    let login = format!("{base}/v1/auth/login");
    let burst = (0..50).map(|_| {
        send(
            &client,
            Method::POST,
            &login,
            None,
            json_body(json!({"email": "victim@hostile.test", "password": "guess guess guess"})),
            &[],
        )
    });
    let replies = futures::future::join_all(burst).await;
    let checked = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS && r.problem)
        .count();
    eprintln!("50 parallel wrong passwords: {checked} checked, {throttled} throttled");
    assert!(
        checked <= 5 && checked + throttled == 50,
        "{checked} + {throttled}"
    );

    let logout = send(
        &client,
        Method::POST,
        &format!("{base}/v1/auth/logout"),
        None,
        json_body(json!({"refresh_token": victim.refresh})),
        &[],
    )
    .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let after = send(
        &client,
        Method::POST,
        &format!("{base}/v1/projects"),
        Some(&victim.token),
        json_body(json!({"name": "after logout"})),
        &[],
    )
    .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);
    assert_eq!(after.body["code"], "session_ended");

    // Disabled and erased accounts' tokens stop too.
    let disable = send(
        &client,
        Method::POST,
        &format!("{base}/v1/admin/users/{}/disable", disabled.id),
        Some(&admin.token),
        None,
        &[],
    )
    .await;
    assert_eq!(disable.status, StatusCode::OK, "{}", disable.body);
    let erase = send(
        &client,
        Method::DELETE,
        &format!("{base}/v1/me"),
        Some(&erased.token),
        json_body(json!({"password": PASSWORD})),
        &[],
    )
    .await;
    assert_eq!(erase.status, StatusCode::NO_CONTENT, "{}", erase.body);
    for (who, token) in [("disabled", &disabled.token), ("erased", &erased.token)] {
        let reply = send(
            &client,
            Method::POST,
            &format!("{base}/v1/projects"),
            Some(token),
            json_body(json!({"name": who})),
            &[],
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{who}: {}",
            reply.body
        );
        assert_eq!(reply.body["code"], "session_ended", "{who}");
    }
}

#[tokio::test]
async fn version_saves_racing_edits_leave_every_later_save_working() {
    let (base, stack) = spawn_app().await;
    let client = Client::new();
    let owner = user(&client, &base, &stack, "racer@hostile.test", Role::Designer).await;
    let id = project(&client, &base, &owner, "Raced").await;
    let path = format!("{base}/v1/projects/{id}");
    let versions = format!("{path}/versions");
    let mut version = 2;
    for round in 0..5 {
        let etag = format!("\"{version}\"");
        let if_match = [("if-match", etag.as_str())];
        let (saved, patched) = tokio::join!(
            send(
                &client,
                Method::POST,
                &versions,
                Some(&owner.token),
                json_body(json!({"note": format!("round {round}")})),
                &if_match,
            ),
            send(
                &client,
                Method::PATCH,
                &path,
                Some(&owner.token),
                json_body(json!({"tags": [format!("round-{round}")]})),
                &if_match,
            )
        );
        let won = [&saved, &patched]
            .iter()
            .filter(|r| r.status.is_success())
            .count();
        assert_eq!(won, 1, "{} {}", saved.status, patched.status);
        version += 1;
    }
    let project = send(&client, Method::GET, &path, Some(&owner.token), None, &[]).await;
    let listed = send(
        &client,
        Method::GET,
        &versions,
        Some(&owner.token),
        None,
        &[],
    )
    .await;
    let stored = listed.body["items"].as_array().unwrap().len() as u64;
    assert_eq!(project.body["latest_version"].as_u64(), Some(stored));
    let etag = format!("\"{version}\"");
    let approve = send(
        &client,
        Method::POST,
        &format!("{path}/status"),
        Some(&owner.token),
        json_body(json!({"status": "in_review"})),
        &[("if-match", &etag)],
    )
    .await;
    assert_eq!(approve.status, StatusCode::OK, "{}", approve.body);
    let saved = send(
        &client,
        Method::POST,
        &versions,
        Some(&owner.token),
        json_body(json!({"note": "after the races"})),
        &[("if-match", &format!("\"{}\"", version + 1))],
    )
    .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
}
