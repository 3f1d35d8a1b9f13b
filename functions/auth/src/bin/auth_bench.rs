//! `auth-bench`: what authentication costs per request on this machine, without I/O.
//!
//! Prints Argon2id hash and verify times, RS256 sign and verify times, and the warm overhead
//! of a protected request through the real router (routing, token verification, permission
//! check, problem serialisation) on a route that answers without touching AWS.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::body::Body;
use roomwright_accounts::passwords;
use roomwright_auth::{AuthContext, KeySet, KeySource};
use roomwright_core::{
    AppState,
    auth::{AUDIENCE, AccessClaims, Role, Verifier, verifier::KeySource as VerifyKeys},
    aws::Aws,
    config::Config,
};
use tower::ServiceExt;

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "{name:<44} n={:<6} p50 {:>9.1} us   p99 {:>9.1} us",
        samples.len(),
        pick(0.5).as_secs_f64() * 1e6,
        pick(0.99).as_secs_f64() * 1e6
    );
}

#[tokio::main]
async fn main() {
    let keys = KeySet::generate().unwrap();
    let issuer = "https://api.bench.example";

    let mut hashes = Vec::new();
    let mut stored = String::new();
    for _ in 0..20 {
        let started = Instant::now();
        stored = passwords::hash("correct horse battery staple".into())
            .await
            .unwrap();
        hashes.push(started.elapsed());
    }
    report("argon2id hash (19 MiB, t=2, p=1)", hashes);
    let mut verifies = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        passwords::verify("correct horse battery staple".into(), Some(stored.clone()))
            .await
            .unwrap();
        verifies.push(started.elapsed());
    }
    report("argon2id verify", verifies);

    let now = roomwright_core::time::now().unix_timestamp();
    let claims = AccessClaims {
        sub: "usr_bench".into(),
        email: "bench@example.com".into(),
        role: Role::Designer,
        permissions: Role::Designer
            .permissions()
            .iter()
            .map(|p| p.as_str().to_string())
            .collect(),
        sid: "ses_bench".into(),
        iat: now,
        exp: now + 900,
        iss: issuer.into(),
        aud: AUDIENCE.into(),
    };
    let key = keys.keys.last().unwrap();
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key_pem.as_bytes()).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    let mut signs = Vec::new();
    let mut token = String::new();
    for _ in 0..2000 {
        let started = Instant::now();
        token = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
        signs.push(started.elapsed());
    }
    report("RS256 sign (2048-bit)", signs);

    let verifier = Verifier::new(issuer, AUDIENCE, VerifyKeys::Static(keys.public().unwrap()));
    let mut checks = Vec::new();
    for _ in 0..10_000 {
        let started = Instant::now();
        verifier.verify(&token).await.unwrap();
        checks.push(started.elapsed());
    }
    report("access token verify (RS256, cached key)", checks);

    // The whole router, no I/O: a designer asking an admin route gets 403 after verification.
    let config = Config {
        stage: "bench".into(),
        table_name: "unused".into(),
        bucket_name: "unused".into(),
        jobs_queue_url: None,
        webhook_queue_url: None,
        jwt_issuer: issuer.into(),
        spend: Default::default(),
        webhook_allow: Vec::new(),
    };
    let mut state = AppState::new(config, Aws::from_env());
    state.verifier = Arc::new(Verifier::new(
        issuer,
        AUDIENCE,
        VerifyKeys::Static(keys.public().unwrap()),
    ));
    // The per-request session check, warm: what it adds to every protected request while the
    // session's state is cached (a table read every 5 s per session and instance otherwise).
    let live = roomwright_core::auth::Liveness::Live {
        role: Role::Designer,
        email: "bench@example.com".into(),
    };
    state.sessions.remember("usr_bench", "ses_bench", live);
    let table = state.table();
    let mut session_checks = Vec::new();
    for _ in 0..100_000 {
        let started = Instant::now();
        let checked = state
            .sessions
            .check(&table, "usr_bench", "ses_bench")
            .await
            .unwrap();
        session_checks.push(started.elapsed());
        assert!(matches!(
            checked,
            roomwright_core::auth::Liveness::Live { .. }
        ));
    }
    report("session check, cached (added per request)", session_checks);
    // An allowed request through our layer only: routing, token verification, the cached
    // session check, the permission, a JSON reply; the handler does no I/O.
    let (probe, _) = utoipa_axum::router::OpenApiRouter::new()
        .routes(roomwright_core::routes!(allowed))
        .split_for_parts();
    let probe = roomwright_core::http::finish(probe.with_state(state.clone()));
    let mut allowed_requests = Vec::new();
    for _ in 0..10_000 {
        let request = http::Request::get("/v1/bench")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let started = Instant::now();
        let response = probe.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), http::StatusCode::OK);
        let _ = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        allowed_requests.push(started.elapsed());
    }
    report(
        "allowed protected request, router to bytes",
        allowed_requests,
    );
    let app = roomwright_auth::app(
        state,
        AuthContext::new(KeySource::Given(keys), Role::Designer),
    );
    let mut requests = Vec::new();
    for _ in 0..10_000 {
        let request = http::Request::get("/v1/admin/users")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let started = Instant::now();
        let response = app.clone().oneshot(request).await.unwrap();
        let _ = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        requests.push(started.elapsed());
    }
    report("refused request (403 after verification)", requests);
}

/// What the bench's allowed request reaches: a permission check and a JSON reply, no I/O.
#[utoipa::path(get, path = "/v1/bench", responses((status = 200)))]
async fn allowed(
    _state: axum::extract::State<AppState>,
    required: roomwright_core::auth::Require<roomwright_core::auth::perm::ProjectsRead>,
) -> axum::Json<serde_json::Value> {
    let caller = required.0;
    axum::Json(serde_json::json!({"user_id": caller.user_id, "role": caller.role}))
}
