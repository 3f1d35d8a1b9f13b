//! The ERP integration: signed webhooks (signature, replay window, duplicates), events applied
//! through the queue in occurred-at order with partial batch failures, and the outbound client
//! (retries, circuit breaker, idempotent orders) against a local server playing the ERP.

mod common;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
};
use http::Method;
use roomwright_catalog_api::erp::{
    client::{ErpClient, ErpClientConfig, ErpError},
    consumer,
    signature::sign,
};
use roomwright_core::auth::Role;
use serde_json::{Value, json};

async fn post_event(app: &common::App, event: &Value, secret: &str, at: i64) -> common::Reply {
    let body = event.to_string().into_bytes();
    let signature = sign(secret, at, &body);
    let at = at.to_string();
    app.request(
        Method::POST,
        "/v1/webhooks/erp",
        &[
            ("x-roomwright-timestamp", &at),
            ("x-roomwright-signature", &signature),
        ],
        Some(("application/json", body)),
    )
    .await
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn inventory(id: &str, sku: &str, available: u32, at: &str) -> Value {
    json!({"id": id, "type": "inventory.updated", "occurred_at": at,
           "data": {"sku": sku, "on_hand": available + 2, "available": available, "lead_time_days": 9}})
}

/// Everything on the queue, as the SQS trigger would hand it over, deleting what it read.
async fn drain(app: &common::App) -> SqsEvent {
    let url = app.catalog.erp.events_queue_url.clone().unwrap();
    let sqs = app.stack.state.aws.sqs().await;
    let mut records = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            sqs.delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
            let mut message = SqsMessage::default();
            message.message_id = m.message_id.clone();
            message.body = m.body.clone();
            records.push(message);
        }
    }
    let mut event = SqsEvent::default();
    event.records = records;
    event
}

#[tokio::test]
async fn webhooks_need_a_fresh_valid_signature_and_duplicates_change_nothing() {
    let app = common::app().await;
    let admin = app.admin().await;
    let product = roomwright_devstack::demo::generate(1, 3).remove(0);
    app.import(&admin, std::slice::from_ref(&product)).await;
    let event = inventory("evt-1", &product.sku, 5, "2026-11-22T10:00:00Z");

    let unsigned = app
        .request(
            Method::POST,
            "/v1/webhooks/erp",
            &[],
            Some(("application/json", event.to_string().into_bytes())),
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unsigned.body["code"], "signature_missing");
    assert_eq!(
        post_event(&app, &event, "wrong-secret", now()).await.body["code"],
        "signature_mismatch"
    );
    let stale = post_event(&app, &event, common::WEBHOOK_SECRET, now() - 301).await;
    assert_eq!(stale.body["code"], "timestamp_out_of_range");
    let future = post_event(&app, &event, common::WEBHOOK_SECRET, now() + 400).await;
    assert_eq!(future.status, StatusCode::UNAUTHORIZED);
    // Nothing refused reached the queue.
    assert!(drain(&app).await.records.is_empty());

    let accepted = post_event(&app, &event, common::WEBHOOK_SECRET, now()).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "accepted");
    let again = post_event(&app, &event, common::WEBHOOK_SECRET, now()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["status"], "duplicate");
    let mut changed = event.clone();
    changed["data"]["available"] = json!(1);
    let reused = post_event(&app, &changed, common::WEBHOOK_SECRET, now()).await;
    assert_eq!(reused.status, StatusCode::CONFLICT);
    assert_eq!(reused.body["code"], "event_id_reused");
    let invalid = post_event(
        &app,
        &json!({"id": "evt-x", "type": "price.updated", "occurred_at": "yesterday",
                "data": {"sku": "A", "currency": "EUR", "list_price_minor": 100, "dealer_price_minor": 200}}),
        common::WEBHOOK_SECRET,
        now(),
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = invalid.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["occurred_at", "data.dealer_price_minor"]);

    // Exactly one message was queued, and applying it sets the stock.
    let batch = drain(&app).await;
    assert_eq!(batch.records.len(), 1);
    let response = consumer::handle(&app.stack.state.table(), batch).await;
    assert!(response.batch_item_failures.is_empty());
    let read = app
        .get(&format!("/v1/products/{}", product.id), &admin)
        .await;
    assert_eq!(read.body["stock"]["available"], 5);
    assert_eq!(read.body["stock_as_of"], "2026-11-22T10:00:00.000000Z");
}

#[tokio::test]
async fn out_of_order_events_never_move_stock_or_price_backwards_and_failures_are_partial() {
    let app = common::app().await;
    let admin = app.admin().await;
    let product = roomwright_devstack::demo::generate(1, 4).remove(0);
    app.import(&admin, std::slice::from_ref(&product)).await;
    let sku = product.sku.clone();
    for (id, available, at) in [
        ("e-3", 30, "2026-11-22T12:00:00Z"),
        ("e-1", 10, "2026-11-22T10:00:00Z"),
        ("e-2", 20, "2026-11-22T11:00:00Z"),
    ] {
        let reply = post_event(
            &app,
            &inventory(id, &sku, available, at),
            common::WEBHOOK_SECRET,
            now(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    let price = |id: &str, list: i64, at: &str| {
        json!({"id": id, "type": "price.updated", "occurred_at": at,
               "data": {"sku": sku, "currency": "EUR", "list_price_minor": list, "dealer_price_minor": list / 2}})
    };
    post_event(
        &app,
        &price("p-2", 120_000, "2026-11-22T12:00:00+01:00"),
        common::WEBHOOK_SECRET,
        now(),
    )
    .await;
    post_event(
        &app,
        &price("p-1", 90_000, "2026-11-22T10:30:00Z"),
        common::WEBHOOK_SECRET,
        now(),
    )
    .await;

    let mut batch = drain(&app).await;
    assert_eq!(batch.records.len(), 5);
    // One message the store refuses (an item over DynamoDB's 400 KB, crafted past the
    // webhook's checks): only it is reported back for retry, the rest are applied.
    let mut broken = SqsMessage::default();
    broken.message_id = Some("broken-1".into());
    let mut oversized = inventory("e-9", &sku, 1, "2026-11-22T13:00:00Z");
    oversized["data"]["next_available"] = json!("9".repeat(500_000));
    broken.body = Some(oversized.to_string());
    batch.records.insert(2, broken);
    let response = consumer::handle(&app.stack.state.table(), batch).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["broken-1"]);

    let read = app
        .get(&format!("/v1/products/{}", product.id), &admin)
        .await;
    assert_eq!(
        read.body["stock"]["available"], 30,
        "the newest inventory event wins"
    );
    // 12:00+01:00 is 11:00Z, later than 10:30Z: the 120 000 price stands.
    assert_eq!(read.body["list_price"]["amount_minor"], 120_000);
    assert_eq!(read.body["price_as_of"], "2026-11-22T11:00:00.000000Z");
    // A replay of an old event after the fact changes nothing either.
    let old = serde_json::from_value(inventory("e-0", &sku, 1, "2026-11-21T00:00:00Z")).unwrap();
    let applied = consumer::apply(&app.stack.state.table(), &old)
        .await
        .unwrap();
    assert_eq!(applied, consumer::Applied::Stale);
    let unknown =
        serde_json::from_value(inventory("e-u", "NO-SUCH-SKU", 1, "2026-11-23T00:00:00Z")).unwrap();
    assert_eq!(
        consumer::apply(&app.stack.state.table(), &unknown)
            .await
            .unwrap(),
        consumer::Applied::Unknown
    );
}

/// A local ERP: counts calls, fails the next `fail` calls with 503, deduplicates orders by
/// Idempotency-Key.
#[derive(Clone, Default)]
struct FakeErp {
    calls: Arc<AtomicU32>,
    fail: Arc<AtomicU32>,
    orders: Arc<Mutex<Vec<(String, Value)>>>,
    delay_ms: Arc<AtomicU32>,
}

async fn erp_order(
    State(erp): State<FakeErp>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    erp.calls.fetch_add(1, Ordering::SeqCst);
    if erp.fail.load(Ordering::SeqCst) > 0 {
        erp.fail.fetch_sub(1, Ordering::SeqCst);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "maintenance"})),
        );
    }
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer erp-token") {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "token"})));
    }
    let key = headers
        .get("idempotency-key")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let mut orders = erp.orders.lock().unwrap();
    let position = match orders.iter().position(|(k, _)| *k == key) {
        Some(p) => p,
        None => {
            orders.push((key, body));
            orders.len() - 1
        }
    };
    (
        StatusCode::CREATED,
        Json(json!({"erp_reference": format!("SO-{}", 1000 + position), "status": "received"})),
    )
}

async fn erp_inventory(
    State(erp): State<FakeErp>,
    Path(sku): Path<String>,
) -> (StatusCode, Json<Value>) {
    erp.calls.fetch_add(1, Ordering::SeqCst);
    let delay = erp.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay.into())).await;
    }
    if erp.fail.load(Ordering::SeqCst) > 0 {
        erp.fail.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::BAD_GATEWAY, Json(json!({})));
    }
    if sku == "UNKNOWN" {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "no such sku"})));
    }
    (
        StatusCode::OK,
        Json(json!({"sku": sku, "on_hand": 77, "available": 70, "lead_time_days": 3})),
    )
}

async fn fake_erp() -> (FakeErp, String) {
    let erp = FakeErp::default();
    let router = Router::new()
        .route("/orders", post(erp_order))
        .route("/inventory/{sku}", get(erp_inventory))
        .with_state(erp.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (erp, url)
}

fn fast_config(url: &str) -> ErpClientConfig {
    let mut config = ErpClientConfig::new(url, "erp-token");
    config.first_backoff = Duration::from_millis(5);
    config.timeout = Duration::from_millis(300);
    config.breaker_failures = 2;
    config.breaker_open_for = Duration::from_millis(400);
    config
}

#[tokio::test]
async fn the_client_retries_transient_failures_only_and_opens_its_circuit() {
    let (erp, url) = fake_erp().await;
    let client = ErpClient::new(fast_config(&url));

    // Two 502s, then an answer: three calls, one success.
    erp.fail.store(2, Ordering::SeqCst);
    let stock = client.inventory("NOR-TC-1").await.unwrap();
    assert_eq!((stock.available, erp.calls.load(Ordering::SeqCst)), (70, 3));

    // A 404 is the caller's problem: not retried, and the circuit stays closed.
    erp.calls.store(0, Ordering::SeqCst);
    assert!(matches!(
        client.inventory("UNKNOWN").await,
        Err(ErpError::Refused { status: 404, .. })
    ));
    assert_eq!(erp.calls.load(Ordering::SeqCst), 1);

    // Timeouts count as failures; two failed calls open the circuit...
    erp.delay_ms.store(1_000, Ordering::SeqCst);
    assert!(matches!(
        client.inventory("A").await,
        Err(ErpError::Unavailable(_))
    ));
    assert!(matches!(
        client.inventory("A").await,
        Err(ErpError::Unavailable(_))
    ));
    erp.calls.store(0, Ordering::SeqCst);
    assert!(matches!(
        client.inventory("A").await,
        Err(ErpError::CircuitOpen)
    ));
    assert_eq!(
        erp.calls.load(Ordering::SeqCst),
        0,
        "an open circuit answers without calling the ERP"
    );
    // ...and after its pause one call may try again, which closes it on success.
    erp.delay_ms.store(0, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(client.inventory("A").await.is_ok());
    assert!(client.inventory("A").await.is_ok());
}

#[tokio::test]
async fn orders_are_submitted_once_per_idempotency_key_and_live_stock_falls_back() {
    let (erp, url) = fake_erp().await;
    let app = common::app_with(common::Options {
        erp: Some(ErpClient::new(fast_config(&url))),
        ..Default::default()
    })
    .await;
    let admin = app.admin().await;
    let (rep, rep_id) = app.user("rep@example.com", Role::SalesRep).await;
    let (designer, _) = app.user("designer@example.com", Role::Designer).await;
    let products = roomwright_devstack::demo::generate(2, 8);
    app.import(&admin, &products).await;
    // The project is written through the project domain, as the projects function writes it.
    let mut project = roomwright_projects::change::create(
        &rep_id,
        "rep@example.com",
        serde_json::from_value(json!({"name": "HQ fit-out", "requirements": {"currency": "EUR"}}))
            .unwrap(),
    )
    .unwrap();
    project.scenarios = vec![
        serde_json::from_value(json!({"id": "base", "name": "Base", "selections": [
            {"id": "s1", "product_id": products[0].id, "quantity": 12},
            {"id": "s2", "product_id": products[1].id, "quantity": 3}]}))
        .unwrap(),
    ];
    roomwright_projects::store::write(&app.stack.state.table(), &project, None, &[])
        .await
        .unwrap();
    let project_id = project.id.clone();
    let scenario_id = "base";
    let order = json!({"project_id": project_id, "scenario_id": scenario_id});
    let auth = format!("Bearer {rep}");
    let submit = |key: &'static str, body: Value| {
        let auth = auth.clone();
        let app = &app;
        async move {
            let mut headers = vec![("authorization", auth.as_str())];
            if !key.is_empty() {
                headers.push(("idempotency-key", key));
            }
            app.request(
                Method::POST,
                "/v1/orders",
                &headers,
                Some(("application/json", body.to_string().into_bytes())),
            )
            .await
        }
    };

    assert_eq!(
        submit("", order.clone()).await.body["code"],
        "idempotency_key_required"
    );
    let designer_try = app
        .send(
            Method::POST,
            "/v1/orders",
            &designer,
            None,
            Some(order.clone()),
        )
        .await;
    assert_eq!(designer_try.status, StatusCode::FORBIDDEN);

    // The ERP is down past the retries: nothing is ordered or kept, the error says retry.
    erp.fail.store(10, Ordering::SeqCst);
    let failed = submit("order-1", order.clone()).await;
    assert_eq!(failed.status, StatusCode::BAD_GATEWAY, "{}", failed.body);
    assert_eq!(failed.body["code"], "erp_unavailable");
    assert!(erp.orders.lock().unwrap().is_empty());
    erp.fail.store(0, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(450)).await; // the circuit's pause

    let placed = submit("order-1", order.clone()).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    assert_eq!(placed.body["status"], "submitted");
    assert_eq!(placed.body["lines"].as_array().unwrap().len(), 2);
    let retried = submit("order-1", order.clone()).await;
    assert_eq!(retried.status, StatusCode::OK);
    assert_eq!(retried.body, placed.body);
    assert_eq!(erp.orders.lock().unwrap().len(), 1, "ordered exactly once");
    let sent = erp.orders.lock().unwrap()[0].1.clone();
    assert_eq!(sent["lines"][0]["quantity"], 12);
    let other = submit(
        "order-1",
        json!({"project_id": project_id, "scenario_id": "other"}),
    )
    .await;
    assert_eq!(other.body["code"], "idempotency_key_reused");

    // The ERP reports progress through the webhook; the order follows, never backwards.
    let order_id = placed.body["id"].as_str().unwrap();
    for (id, status, at) in [
        ("s-2", "shipped", "2026-11-22T12:00:00Z"),
        ("s-1", "confirmed", "2026-11-22T09:00:00Z"),
    ] {
        let event = json!({"id": id, "type": "order.status_changed", "occurred_at": at,
                           "data": {"order_id": order_id, "status": status, "erp_reference": "SO-1000"}});
        assert_eq!(
            post_event(&app, &event, common::WEBHOOK_SECRET, now())
                .await
                .status,
            StatusCode::ACCEPTED
        );
    }
    consumer::handle(&app.stack.state.table(), drain(&app).await).await;
    let read = app.get(&format!("/v1/orders/{order_id}"), &rep).await;
    assert_eq!(read.body["status"], "shipped");
    assert_eq!(
        app.get(&format!("/v1/orders/{order_id}"), &admin)
            .await
            .status,
        StatusCode::OK
    );
    let (other_rep, _) = app.user("rep2@example.com", Role::SalesRep).await;
    assert_eq!(
        app.get(&format!("/v1/orders/{order_id}"), &other_rep)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Live stock comes from the ERP; when it is down, from the catalog, saying so.
    let live = app
        .get(
            &format!("/v1/products/{}/availability", products[0].id),
            &designer,
        )
        .await;
    assert_eq!(
        (
            live.body["source"].as_str(),
            live.body["stock"]["available"].as_u64()
        ),
        (Some("erp"), Some(70))
    );
    erp.fail.store(100, Ordering::SeqCst);
    let fallback = app
        .get(
            &format!("/v1/products/{}/availability", products[0].id),
            &designer,
        )
        .await;
    assert_eq!(fallback.status, StatusCode::OK);
    assert_eq!(fallback.body["source"], "catalog");
    assert_eq!(
        fallback.body["stock"]["available"],
        products[0].stock.available
    );
}

#[tokio::test]
async fn the_consumer_applies_the_sample_sqs_batch_and_the_webhook_accepts_the_sample_event() {
    let app = common::app().await;
    let admin = app.admin().await;
    let mut product = roomwright_devstack::demo::generate(1, 9).remove(0);
    product.sku = "NOR-TC-00001".into();
    app.import(&admin, std::slice::from_ref(&product)).await;
    let events = format!("{}/../../events", env!("CARGO_MANIFEST_DIR"));
    let sample: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{events}/erp-webhook-inventory-updated.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        post_event(&app, &sample, common::WEBHOOK_SECRET, now())
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let batch: SqsEvent = serde_json::from_str(
        &std::fs::read_to_string(format!("{events}/sqs-erp-events-batch.json")).unwrap(),
    )
    .unwrap();
    let response = consumer::handle(&app.stack.state.table(), batch).await;
    assert!(response.batch_item_failures.is_empty());
    let read = app
        .get(&format!("/v1/products/{}", product.id), &admin)
        .await;
    assert_eq!(read.body["stock"]["available"], 41);
    assert_eq!(read.body["stock"]["next_available"], "2026-12-03");
    assert_eq!(read.body["list_price"]["amount_minor"], 64_900);
    assert_eq!(read.body["price_breaks"][0]["dealer_price_minor"], 39_900);
    // ERP-owned fields survive a later import of master data.
    app.import(&admin, std::slice::from_ref(&product)).await;
    let read = app
        .get(&format!("/v1/products/{}", product.id), &admin)
        .await;
    assert_eq!(read.body["stock"]["available"], 41);
    assert_eq!(read.body["list_price"]["amount_minor"], 64_900);
}

#[tokio::test]
async fn the_deployed_client_defaults_retry_three_times_and_open_after_five_failures() {
    let (erp, url) = fake_erp().await;
    let defaults = ErpClientConfig::new(format!("{url}/"), "erp-token");
    assert_eq!(defaults.base_url, url, "a trailing slash is dropped");
    assert_eq!(defaults.timeout, Duration::from_secs(4), "per attempt");
    assert_eq!(defaults.breaker_open_for, Duration::from_secs(30));
    let client = ErpClient::new(defaults);

    erp.fail.store(1_000, Ordering::SeqCst);
    for call in 1..=5 {
        assert!(matches!(
            client.inventory("A").await,
            Err(ErpError::Unavailable(_))
        ));
        assert_eq!(
            erp.calls.load(Ordering::SeqCst),
            3 * call as u32,
            "three attempts per call"
        );
    }
    // Five failed calls open the circuit: the sixth is answered without calling the ERP.
    assert!(matches!(
        client.inventory("A").await,
        Err(ErpError::CircuitOpen)
    ));
    assert_eq!(erp.calls.load(Ordering::SeqCst), 15);
}
