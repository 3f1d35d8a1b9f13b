//! The proposal page a share link opens, warm and in process (`cargo bench -p roomwright-local
//! --bench proposal`): the whole request through the router against the local AWS server
//! (moto) — the share looked up by its token, the view counted, the version, products and jobs
//! read, the plan drawn and the HTML written — and the page's weight without the 3D model.
//!
//! At most 55 views are timed: a client address may open 60 pages a minute.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use http::Method;
use roomwright_core::auth::Role;
use serde_json::json;

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{name:<52} n={:<4} p50 {:>7.2} ms  p90 {:>7.2} ms  max {:>7.2} ms",
        samples.len(),
        at(0.5),
        at(0.9),
        at(1.0)
    );
}

#[tokio::main]
async fn main() {
    let app = common::app().await;
    let (token, _) = app.user("bench@example.com", Role::Designer).await;
    let products = roomwright_local::seed::demo_products();
    for product in &products {
        app.put_product(product).await;
    }
    let demo = roomwright_local::seed::demo_project_for("x", "bench@example.com");
    let (id, etag) = app
        .project(&token, json!({"name": demo.name, "client": demo.client}))
        .await;
    let planned = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/floor-plan"),
            &token,
            Some(&etag),
            Some(serde_json::to_value(demo.floor_plan.as_ref().unwrap()).unwrap()),
        )
        .await;
    let scenario = &demo.scenarios[0];
    let saved = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/scenarios/{}", scenario.id),
            &token,
            Some(planned.etag()),
            Some(serde_json::to_value(scenario).unwrap()),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let expires =
        roomwright_core::time::rfc3339(roomwright_core::time::now() + time::Duration::days(1));
    let share = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/shares"),
            &token,
            None,
            Some(json!({"scenario_id": scenario.id, "expires_at": expires})),
        )
        .await;
    assert_eq!(share.status, 201, "{}", share.body);
    let path = format!(
        "/p/{}",
        share.body["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
    );

    let mut samples = Vec::new();
    let mut bytes = 0;
    for round in 0..58 {
        let started = Instant::now();
        let page = app.request(Method::GET, &path, &[], None).await;
        let took = started.elapsed();
        assert_eq!(page.status, 200);
        bytes = page.bytes.len();
        if round >= 3 {
            samples.push(took);
        }
    }
    report("GET /p/{token}: request to HTML (with moto's I/O)", samples);
    println!(
        "the page's HTML: {bytes} bytes ({} products, the plan inline as SVG)",
        scenario.selections.len()
    );
}
