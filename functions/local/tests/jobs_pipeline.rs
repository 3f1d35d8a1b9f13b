//! The jobs pipeline against the local AWS server: submit (idempotent, validated), the
//! dispatcher (partial batch failures, one Batch job per job), Batch state events (repeated,
//! out of order), cancel, a crashing worker retried then failed, a real render, a floor-plan
//! import read by the vision worker, and a product image embedded by it.

mod common;
#[path = "jobs_pipeline/interchange.rs"]
mod interchange;
use roomwright_testkit::mean_colour;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use common::{App, product};
use http::{Method, StatusCode};
use roomwright_core::{auth::Role, catalog::Product, s3};
use roomwright_jobs::{
    Job, JobStatus, product_images, store,
    submit::Submitted,
    training::{SCHEDULE_OWNER, TrainingRequest, order_training},
};
use roomwright_jobs_api::{dispatcher, settings::BatchSettings, state};
use roomwright_local::local_batch::LocalBatch;
use roomwright_visual::image_vectors;
use serde_json::{Value, json};

fn settings(app: &App) -> BatchSettings {
    BatchSettings::from_lookup(|name| app.stack.provisioned.environment.get(name).cloned())
}

fn furniture() -> Vec<Product> {
    let mut desk = product("desk", 90_000, 60_000, (1600, 800));
    desk.category = vec!["Desks".into(), "Fixed desks".into()];
    let mut chair = product("chair", 50_000, 35_000, (680, 680));
    chair.category = vec!["Seating".into(), "Task chairs".into()];
    chair.dimensions.height_mm = 1100;
    vec![desk, chair]
}

/// A designer's project: a 5 x 4 m office with a window, a placed desk and chair, and an
/// unplaced chair.
async fn project(app: &App, token: &str) -> String {
    project_with(app, token, furniture()).await
}

async fn project_with(app: &App, token: &str, products: Vec<Product>) -> String {
    for p in products {
        app.put_product(&p).await;
    }
    let wall = |id: &str, s: [f64; 2], e: [f64; 2]| json!({"id": id, "start": s, "end": e, "thickness_m": 0.15, "height_m": 2.7});
    let (id, etag) = app
        .project(token, json!({"name": "Render test", "client": "ACME"}))
        .await;
    let plan = json!({
        "units": "m",
        "rooms": [{"id": "office", "name": "Office", "kind": "office",
                   "polygon": [[0, 0], [5, 0], [5, 4], [0, 4]]}],
        "walls": [wall("s", [0.0, 0.0], [5.0, 0.0]), wall("e", [5.0, 0.0], [5.0, 4.0]),
                  wall("n", [5.0, 4.0], [0.0, 4.0]), wall("w", [0.0, 4.0], [0.0, 0.0])],
        "openings": [{"id": "win", "wall_id": "n", "kind": "window", "offset_m": 1.0,
                      "width_m": 3.0, "height_m": 1.4, "sill_m": 0.8}]
    });
    let path = format!("/v1/projects/{id}/floor-plan");
    let reply = app
        .send(Method::PUT, &path, token, Some(&etag), Some(plan))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let placed = |sid: &str, pid: &str, x: f64, y: f64| {
        json!({"id": sid, "product_id": pid, "quantity": 1, "finish": "oak",
               "placement": {"room_id": "office", "x_m": x, "y_m": y, "rotation_deg": 0}})
    };
    let scenario = json!({"id": "base", "name": "Base", "selections": [
        placed("d1", "desk", 2.5, 2.6), placed("c1", "chair", 2.5, 1.8),
        {"id": "spare", "product_id": "chair", "quantity": 2}
    ]});
    let path = format!("/v1/projects/{id}/scenarios/base");
    let reply = app
        .send(
            Method::PUT,
            &path,
            token,
            Some(reply.etag()),
            Some(scenario),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    id
}

async fn submit(
    app: &App,
    token: &str,
    project: &str,
    key: Option<&str>,
    body: Value,
) -> common::Reply {
    let path = format!("/v1/projects/{project}/renders");
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    app.send_with(Method::POST, &path, token, &headers, Some(body))
        .await
}

/// A fresh stack with the jobs routes, a signed-in designer (`email`) and their project.
async fn designer_project(email: &str) -> (App, String, String) {
    let app = common::app_with(roomwright_jobs_api::routes()).await;
    let (token, _) = app.user(email, Role::Designer).await;
    let project = project(&app, &token).await;
    (app, token, project)
}

/// Submits a 96x64 render of `project` and returns its job id.
async fn submit_small(app: &App, token: &str, project: &str) -> String {
    let reply = submit(
        app,
        token,
        project,
        None,
        json!({"width": 96, "height": 64}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    job_id(&reply)
}

fn sqs_event(bodies: &[(&str, String)]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .map(|(id, body)| {
            let mut m = SqsMessage::default();
            m.message_id = Some(id.to_string());
            m.body = Some(body.clone());
            m
        })
        .collect();
    event
}

/// The queue message of a job, as the API sends it.
fn message(job_id: &str) -> String {
    json!({"job_id": job_id, "kind": "render", "input_key": format!("jobs/{job_id}/input.json")})
        .to_string()
}

async fn job(app: &App, id: &str) -> Job {
    store::get(&app.stack.state.table(), id)
        .await
        .unwrap()
        .unwrap()
        .value
}

fn job_id(reply: &common::Reply) -> String {
    reply.body["job"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn submit_is_validated_frozen_and_idempotent() {
    let app = common::app_with(roomwright_jobs_api::routes()).await;
    let (token, _) = app.user("designer@render.test", Role::Designer).await;
    let project = project(&app, &token).await;

    let bad = json!({"width": 5000, "cameras": [{"room_id": "attic"}]});
    let bad = submit(&app, &token, &project, None, bad).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["path"], "width");
    let hook = json!({"webhook_url": "ftp://example.com/x"});
    let hook = submit(&app, &token, &project, None, hook).await;
    assert_eq!(hook.body["errors"][0]["path"], "webhook_url");
    // Webhooks go to public addresses only: loopback, private, metadata and local receivers
    // not on the allow-list are refused before anything is queued.
    for (url, code) in [
        ("https://127.0.0.1/hook", "forbidden_address"),
        ("https://localhost:8443/hook", "forbidden_address"),
        ("https://[::1]/hook", "forbidden_address"),
        (
            "https://169.254.169.254/latest/meta-data/",
            "forbidden_address",
        ),
        ("https://10.0.0.7/hook", "forbidden_address"),
        ("https://[::ffff:192.168.0.1]/hook", "forbidden_address"),
        ("http://127.0.0.1:9/hook", "invalid"),
    ] {
        let hook = submit(&app, &token, &project, None, json!({"webhook_url": url})).await;
        assert_eq!(hook.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(
            (
                hook.body["errors"][0]["path"].as_str(),
                hook.body["errors"][0]["code"].as_str()
            ),
            (Some("webhook_url"), Some(code)),
            "{url}"
        );
    }
    let attic = json!({"cameras": [{"room_id": "attic"}]});
    let attic = submit(&app, &token, &project, None, attic).await;
    assert_eq!(attic.body["errors"][0]["path"], "cameras[0].room_id");
    let (empty_project, _) = app.project(&token, json!({"name": "No plan"})).await;
    let no_plan = submit(&app, &token, &empty_project, None, json!({})).await;
    assert_eq!(
        no_plan.body["errors"][0]["code"], "no_floor_plan",
        "{}",
        no_plan.body
    );
    let (viewer, _) = app.user("viewer@render.test", Role::Viewer).await;
    let refused = submit(&app, &viewer, &project, None, json!({})).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "viewers spend no GPU time"
    );

    let body = json!({"width": 96, "height": 64, "samples": 4, "cameras": [{"room_id": "office"}]});
    let first = submit(&app, &token, &project, Some("render-1"), body.clone()).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    let id = job_id(&first);
    assert_eq!(first.body["job"]["status"], "QUEUED");
    assert_eq!(first.body["unplaced_selections"], json!(["spare"]));
    let again = submit(&app, &token, &project, Some("render-1"), body.clone()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(job_id(&again), id);
    let other = json!({"width": 128, "height": 64});
    let other = submit(&app, &token, &project, Some("render-1"), other).await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    assert_eq!(other.body["code"], "idempotency_key_reused");

    // The input is frozen in S3: later edits of the project do not change the job.
    let state = &app.stack.state;
    let key = format!("jobs/{id}/input.json");
    let input = s3::get_bytes(&state.aws, &state.config.bucket_name, &key)
        .await
        .unwrap()
        .unwrap();
    let input: roomwright_jobs::render::input::RenderInput =
        serde_json::from_slice(&input).unwrap();
    assert_eq!(input.items.len(), 2);
    assert_eq!((input.settings.width, input.settings.samples), (96, 4));

    let listed = app
        .get(&format!("/v1/jobs?project={project}"), &token)
        .await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", listed.body);
    let mine = app.get("/v1/jobs", &token).await;
    assert_eq!(mine.body["items"][0]["id"], id.as_str());
    let (stranger, _) = app.user("stranger@render.test", Role::Designer).await;
    let path = format!("/v1/jobs/{id}");
    assert_eq!(
        app.get(&path, &stranger).await.status,
        StatusCode::NOT_FOUND
    );
    let path = format!("/v1/jobs?project={project}");
    assert_eq!(
        app.get(&path, &stranger).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn dispatcher_reports_only_failed_messages_and_submits_once() {
    let (app, token, project) = designer_project("d@dispatch.test").await;
    let id = submit_small(&app, &token, &project).await;
    let state = &app.stack.state;
    let event = sqs_event(&[
        ("m1", message(&id)),
        ("m2", "{not json".into()),
        ("m3", message(&id)),
        ("m4", message("job_unknown")),
    ]);
    let response = dispatcher::handle(state, &settings(&app), event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        failed,
        ["m2"],
        "only the malformed message is retried (then dead-lettered)"
    );
    let record = job(&app, &id).await;
    assert_eq!(record.status, JobStatus::Submitted);
    let batch_id = record.batch_job_id.unwrap();
    let batch = state.aws.batch().await;
    let described = batch.describe_jobs().jobs(&batch_id).send().await.unwrap();
    let submitted = &described.jobs()[0];
    assert_eq!(submitted.tags().unwrap()["roomwright:job_id"], id);
    assert!(
        submitted
            .job_definition()
            .unwrap()
            .contains("renderjobdefinition")
    );
    let listed = batch
        .list_jobs()
        .job_queue(settings(&app).job_queue.unwrap())
        .job_status(aws_sdk_batch::types::JobStatus::Succeeded)
        .send()
        .await
        .unwrap();
    let name = format!("render-{id}");
    let ours = listed
        .job_summary_list()
        .iter()
        .filter(|j| j.job_name() == Some(name.as_str()))
        .count();
    assert_eq!(ours, 1, "the duplicate delivery submitted nothing");
}

/// A Batch event about our job `id`'s Batch job, `batch_id`.
fn batch_event(id: &str, batch_id: &str, status: &str, finished_attempts: usize) -> Value {
    let mut event: Value = serde_json::from_str(include_str!(
        "../../../events/eventbridge-batch-job-state-change.json"
    ))
    .unwrap();
    event["detail"]["jobId"] = batch_id.into();
    event["detail"]["status"] = status.into();
    event["detail"]["tags"]["roomwright:job_id"] = id.into();
    event["detail"]["attempts"] = (0..finished_attempts)
        .map(|_| json!({"container": {"exitCode": 1}}))
        .collect::<Vec<_>>()
        .into();
    event
}

type Deliveries = Arc<tokio::sync::Mutex<Vec<(http::HeaderMap, bytes::Bytes)>>>;

/// A webhook receiver on a free port that records what it is sent.
async fn receiver() -> (String, Deliveries) {
    flaky_receiver(0).await
}

#[tokio::test]
async fn state_events_apply_once_in_order_and_send_one_signed_webhook() {
    // The receiver is on this machine: allow-listed, as `make dev` allows local receivers.
    let (url, received) = receiver().await;
    let receiver_host = url["http://".len()..url.len() - "/hook".len()].to_string();
    let app = common::app_configured(roomwright_jobs_api::routes(), |config| {
        config.webhook_allow = vec![receiver_host]
    })
    .await;
    let (token, _) = app.user("d@state.test", Role::Designer).await;
    let project = project(&app, &token).await;
    let body = json!({"width": 96, "height": 64, "webhook_url": url});
    let reply = submit(&app, &token, &project, None, body).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let id = job_id(&reply);
    let secret = reply.body["webhook_secret"].as_str().unwrap().to_string();
    let state = &app.stack.state;
    dispatcher::handle(state, &settings(&app), sqs_event(&[("m", message(&id))])).await;
    let batch_id = job(&app, &id).await.batch_job_id.unwrap();

    use state::Outcome::*;
    let apply = |status: &str, attempts: usize| {
        let event = batch_event(&id, &batch_id, status, attempts);
        async move { state::handle(state, &event).await.unwrap() }
    };
    // A duplicate Batch job the dispatcher terminated reports FAILED: not this job's state.
    let duplicate = batch_event(&id, "another-batch-job", "FAILED", 0);
    assert_eq!(state::handle(state, &duplicate).await.unwrap(), Ignored);
    assert_eq!(apply("RUNNING", 0).await, Applied(JobStatus::Running));
    assert_eq!(
        apply("RUNNING", 0).await,
        Ignored,
        "a repeated event changes nothing"
    );
    assert_eq!(
        apply("RUNNABLE", 0).await,
        Ignored,
        "a late, older event changes nothing"
    );
    assert_eq!(job(&app, &id).await.status, JobStatus::Running);
    // Attempt 1 failed and Batch retries: RUNNABLE again, but later.
    assert_eq!(apply("RUNNABLE", 1).await, Applied(JobStatus::Runnable));
    assert_eq!(apply("SUCCEEDED", 2).await, Applied(JobStatus::Succeeded));
    assert_eq!(
        apply("RUNNING", 1).await,
        Ignored,
        "nothing moves a finished job"
    );
    assert_eq!(apply("FAILED", 2).await, Ignored);
    let record = job(&app, &id).await;
    assert_eq!(
        (record.status, record.attempts, record.progress_pct),
        (JobStatus::Succeeded, 2, 100)
    );
    assert!(record.started_at.is_some() && record.finished_at.is_some());
    let foreign = json!({"detail": {"status": "RUNNING", "tags": {}}});
    assert_eq!(state::handle(state, &foreign).await.unwrap(), NotOurs);

    let deliveries = received.lock().await;
    assert_eq!(deliveries.len(), 1, "one webhook per finished job");
    let (headers, body) = &deliveries[0];
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = roomwright_core::time::now().unix_timestamp();
    roomwright_core::signature::verify(
        &secret,
        header(roomwright_core::signature::TIMESTAMP_HEADER),
        header(roomwright_core::signature::SIGNATURE_HEADER),
        body,
        now,
    )
    .expect("signed with the job's secret");
    // Standard Webhooks: the id, the timestamp and `v1,<base64 HMAC>` of "id.timestamp.body".
    let webhook_id = header("webhook-id").unwrap();
    assert_eq!(webhook_id, format!("msg_{id}"));
    let timestamp: i64 = header("webhook-timestamp").unwrap().parse().unwrap();
    assert_eq!(
        header("webhook-signature").unwrap(),
        roomwright_jobs::webhook::sign(&secret, webhook_id, timestamp, body)
    );
    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(payload["job"]["status"], "SUCCEEDED");
    assert_eq!(payload["type"], "job.finished");
    assert!(
        !payload.to_string().contains(&secret),
        "the secret is never sent"
    );
}

/// A receiver that records what it is sent and answers 503 to its first `failures`
/// requests, then 200.
async fn flaky_receiver(failures: usize) -> (String, Deliveries) {
    let received: Deliveries = Default::default();
    let sink = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: http::HeaderMap, body: bytes::Bytes| {
            let sink = sink.clone();
            async move {
                let mut sink = sink.lock().await;
                sink.push((headers, body));
                if sink.len() <= failures {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn a_failed_webhook_is_queued_again_on_schedule_and_every_attempt_is_logged() {
    let (url, received) = flaky_receiver(1).await;
    let receiver_host = url["http://".len()..url.len() - "/hook".len()].to_string();
    let app = common::app_configured(roomwright_jobs_api::routes(), |config| {
        config.webhook_allow = vec![receiver_host]
    })
    .await;
    let state = &app.stack.state;
    let queue = state
        .config
        .webhook_queue_url
        .clone()
        .expect("the template's retry queue is provisioned");
    let (token, _) = app.user("d@retry.test", Role::Designer).await;
    let (other, _) = app.user("o@retry.test", Role::Designer).await;
    let project = project(&app, &token).await;
    let body = json!({"width": 96, "height": 64, "webhook_url": url});
    let reply = submit(&app, &token, &project, None, body).await;
    let id = job_id(&reply);
    dispatcher::handle(state, &settings(&app), sqs_event(&[("m", message(&id))])).await;
    let batch_id = job(&app, &id).await.batch_job_id.unwrap();
    let event = batch_event(&id, &batch_id, "SUCCEEDED", 1);
    state::handle(state, &event).await.unwrap();

    // The first attempt got a 503: logged, and the second is on the queue, due 5 s later.
    let path = format!("/v1/jobs/{id}/webhook-deliveries");
    let log = app.get(&path, &token).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert_eq!(log.body["url"], url);
    assert_eq!(log.body["items"].as_array().unwrap().len(), 1);
    let first = &log.body["items"][0];
    assert_eq!(
        (first["attempt"].clone(), first["status"].clone()),
        (json!(1), json!(503))
    );
    assert_eq!(first["delivered"], false);
    assert!(first["next_attempt_at"].is_string(), "{first}");
    assert!(
        !log.body.to_string().contains("whsec_"),
        "the secret is not shown"
    );
    let sqs = state.aws.sqs().await;
    let mut retry = None;
    for _ in 0..20 {
        let got = sqs
            .receive_message()
            .queue_url(&queue)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        if let Some(message) = got.messages.unwrap_or_default().into_iter().next() {
            retry = Some(message);
            break;
        }
    }
    let retry = retry.expect("the retry arrives after its delay");
    let queued: roomwright_jobs::webhook::Retry =
        serde_json::from_str(retry.body().unwrap()).unwrap();
    assert_eq!((queued.job_id.as_str(), queued.attempt), (id.as_str(), 2));

    // Taken from the queue when due, the second attempt is delivered; nothing more is queued.
    roomwright_jobs::webhook::handle_retry(state, retry.body().unwrap())
        .await
        .unwrap();
    let log = app.get(&path, &token).await;
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", log.body);
    assert_eq!(
        (items[1]["status"].clone(), items[1]["delivered"].clone()),
        (json!(200), json!(true))
    );
    assert!(items[1].get("next_attempt_at").is_none());
    let deliveries = received.lock().await;
    assert_eq!(deliveries.len(), 2);
    let ids: Vec<_> = deliveries
        .iter()
        .map(|(h, _)| h.get("webhook-id").unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(ids[0], ids[1], "a retry carries the same webhook-id");
    // Another user cannot read the log.
    assert_eq!(app.get(&path, &other).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cancel_stops_a_queued_job_for_good_and_needs_the_right_role() {
    let (app, token, project) = designer_project("d@cancel.test").await;
    let (viewer, _) = app.user("v@cancel.test", Role::Viewer).await;
    let id = submit_small(&app, &token, &project).await;

    let path = format!("/v1/jobs/{id}/cancel");
    let refused = app.send(Method::POST, &path, &viewer, None, None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let cancelled = app.send(Method::POST, &path, &token, None, None).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "CANCELLED");
    let again = app.send(Method::POST, &path, &token, None, None).await;
    assert_eq!(
        (again.status, again.body["status"].clone()),
        (StatusCode::OK, json!("CANCELLED"))
    );

    // The queued message arrives after the cancel: nothing is submitted.
    let state = &app.stack.state;
    let event = sqs_event(&[("m", message(&id))]);
    let response = dispatcher::handle(state, &settings(&app), event).await;
    assert!(response.batch_item_failures.is_empty());
    let record = job(&app, &id).await;
    assert_eq!(
        (record.status, record.batch_job_id),
        (JobStatus::Cancelled, None)
    );
    let late = state::handle(state, &batch_event(&id, "any", "RUNNING", 0)).await;
    assert_eq!(late.unwrap(), state::Outcome::Ignored);

    // A finished job cannot be cancelled.
    let done_id = submit_small(&app, &token, &project).await;
    let event = sqs_event(&[("m", message(&done_id))]);
    dispatcher::handle(state, &settings(&app), event).await;
    let done_batch = job(&app, &done_id).await.batch_job_id.unwrap();
    state::handle(state, &batch_event(&done_id, &done_batch, "SUCCEEDED", 1))
        .await
        .unwrap();
    let path = format!("/v1/jobs/{done_id}/cancel");
    let late = app.send(Method::POST, &path, &token, None, None).await;
    assert_eq!(
        (late.status, late.body["code"].clone()),
        (StatusCode::CONFLICT, json!("job_finished"))
    );
}

/// The local Batch with `program` as the render worker.
fn local_batch(app: &App, program: Vec<String>) -> LocalBatch {
    batch_with(app, "render-worker", program, Vec::new())
}

/// [`local_batch`] on a compute environment of `vcpus`.
fn local_batch_of(app: &App, program: Vec<String>, vcpus: u32) -> LocalBatch {
    let mut batch = batch_with(app, "render-worker", Vec::new(), Vec::new());
    batch.programs = BTreeMap::from([("render-worker".to_string(), program)]);
    LocalBatch::new(batch.state, batch.queues, batch.programs, batch.env, vcpus)
}

/// The local Batch running `program` for the job definitions whose command is `name`, with
/// the local AWS server's settings and `extra` in the workers' environment.
fn batch_with(
    app: &App,
    name: &str,
    program: Vec<String>,
    extra: Vec<(String, String)>,
) -> LocalBatch {
    let mut env = vec![
        ("AWS_ENDPOINT_URL".to_string(), app.stack.endpoint.clone()),
        (
            "AWS_REGION".into(),
            roomwright_devstack::stack::LOCAL_REGION.into(),
        ),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
    ];
    env.extend(extra);
    LocalBatch::new(
        app.stack.state.clone(),
        settings(app).queues(),
        BTreeMap::from([(name.to_string(), program)]),
        env,
        8,
    )
}

/// The local Batch running the vision worker with its native parts from the venv.
fn vision_batch(app: &App, extra: Vec<(String, String)>) -> LocalBatch {
    let mut env = roomwright_devstack::vision_env();
    env.extend(extra);
    batch_with(
        app,
        "vision",
        vec![worker_binary("roomwright-vision", "vision")],
        env,
    )
}

async fn run_to_end(app: &App, batch: &mut LocalBatch, id: &str) {
    let state = &app.stack.state;
    dispatcher::handle(state, &settings(app), sqs_event(&[("m", message(id))])).await;
    let tasks = batch.poll().await.unwrap();
    assert_eq!(tasks.len(), 1, "the local Batch found the submitted job");
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(240), task)
            .await
            .unwrap()
            .unwrap();
    }
}

#[tokio::test]
async fn the_local_batch_runs_only_what_its_vcpus_hold_and_queues_the_rest() {
    let (app, token, project) = designer_project("d@vcpus.test").await;
    let first = submit_small(&app, &token, &project).await;
    let second = submit_small(&app, &token, &project).await;
    // Renders ask for 4 vCPUs; an environment of 4 runs one at a time.
    let sleeper = vec!["sh".to_string(), "-c".into(), "sleep 1".into()];
    let mut batch = local_batch_of(&app, sleeper, 4);
    let state = &app.stack.state;
    dispatcher::handle(
        state,
        &settings(&app),
        sqs_event(&[("a", message(&first)), ("b", message(&second))]),
    )
    .await;
    let tasks = batch.poll().await.unwrap();
    assert_eq!(tasks.len(), 2);
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .unwrap()
            .unwrap();
    }
    let (a, b) = (job(&app, &first).await, job(&app, &second).await);
    assert_eq!(
        (a.status, b.status),
        (JobStatus::Succeeded, JobStatus::Succeeded)
    );
    let at =
        |t: &Option<String>| roomwright_core::time::parse_rfc3339(t.as_deref().unwrap()).unwrap();
    let (earlier, later) = if at(&a.started_at) <= at(&b.started_at) {
        (a, b)
    } else {
        (b, a)
    };
    assert!(
        at(&later.started_at) >= at(&earlier.finished_at),
        "the second job started while the first ran: {:?} {:?}",
        earlier.finished_at,
        later.started_at
    );
    // Both are settled in the ledger: the estimates were replaced by what the jobs took.
    let owner = earlier.owner_id.clone();
    let actual: i64 = [&earlier, &later]
        .iter()
        .map(|j| roomwright_jobs::spend::actual_seconds(j))
        .sum();
    let month = roomwright_core::usage::month_of(roomwright_core::time::now());
    let totals = roomwright_core::usage::totals(
        &state.table(),
        &roomwright_core::usage::Scope::User(&owner),
        &month,
    )
    .await
    .unwrap();
    assert_eq!(totals.jobs, 2);
    assert_eq!(totals.compute_seconds, actual);
    let limits = &state.config.spend;
    let cost =
        |seconds| roomwright_jobs::estimate::cost(seconds, roomwright_jobs::Machine::Gpu, limits);
    assert_eq!(
        totals.cost_micro_usd,
        cost(roomwright_jobs::spend::actual_seconds(&earlier))
            + cost(roomwright_jobs::spend::actual_seconds(&later))
    );
}

#[tokio::test]
async fn a_render_the_project_budget_cannot_pay_for_is_refused_before_anything_is_queued() {
    let app = common::app_configured(roomwright_jobs_api::routes(), |config| {
        // $0.20: a 1920x1080 render at 1024 samples may cost up to ~$0.49 (its timeout).
        config.spend.budgets.project_micro_usd = Some(200_000);
    })
    .await;
    let (token, _) = app.user("d@budget.test", Role::Designer).await;
    let project = project(&app, &token).await;
    let big = json!({"width": 1920, "height": 1080, "samples": 1024});
    let reply = submit(&app, &token, &project, None, big).await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{}", reply.body);
    assert_eq!(reply.body["code"], "project_budget_reached");
    let listed = app
        .get(&format!("/v1/jobs?project={project}"), &token)
        .await;
    assert_eq!(listed.body["items"], json!([]), "no job was created");
    // A render the budget covers at its worst (~$0.14) still goes through.
    let small = json!({"width": 64, "height": 48, "quality": "draft"});
    let small = submit(&app, &token, &project, None, small).await;
    assert_eq!(small.status, StatusCode::ACCEPTED, "{}", small.body);
}

#[tokio::test]
async fn a_crashing_worker_is_retried_then_the_job_fails_with_the_reason() {
    let (app, token, project) = designer_project("d@crash.test").await;
    let id = submit_small(&app, &token, &project).await;
    // A worker that dies of a segmentation fault on every attempt.
    let crash = vec!["sh".to_string(), "-c".into(), "kill -SEGV $$".into()];
    let mut batch = local_batch(&app, crash);
    run_to_end(&app, &mut batch, &id).await;
    let view = app.get(&format!("/v1/jobs/{id}"), &token).await;
    assert_eq!(view.body["status"], "FAILED", "{}", view.body);
    assert_eq!(
        view.body["attempts"], 3,
        "the job definition allows 3 attempts"
    );
    assert_eq!(view.body["error"]["code"], "worker_crashed");
    let message = view.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("3 attempts") && message.contains("signal 11"),
        "{message}"
    );
    assert_eq!(view.body["outputs"], json!([]));
}

/// A worker binary of `package`, built by `cargo test --workspace` beside this test's binary
/// (and built here when missing).
fn worker_binary(package: &str, bin: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join(bin);
    if !path.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", package, "--bin", bin])
            .status()
            .unwrap();
        assert!(status.success());
    }
    path.display().to_string()
}

fn render_worker() -> String {
    worker_binary("roomwright-render", "render-worker")
}

#[tokio::test]
async fn a_render_job_runs_end_to_end_and_its_image_downloads() {
    let (app, token, project) = designer_project("d@render.test").await;
    let body = json!({"width": 96, "height": 64, "samples": 4});
    let reply = submit(&app, &token, &project, None, body).await;
    let id = job_id(&reply);
    let mut batch = local_batch(&app, vec![render_worker()]);
    run_to_end(&app, &mut batch, &id).await;

    let view = app.get(&format!("/v1/jobs/{id}"), &token).await;
    assert_eq!(view.body["status"], "SUCCEEDED", "{}", view.body);
    assert_eq!(view.body["attempts"], 1);
    assert_eq!(view.body["progress"]["percent"], 100);
    let outputs = view.body["outputs"].as_array().unwrap();
    let names: Vec<&str> = outputs
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["camera-0", "camera-0-thumbnail"]);
    let url = outputs[0]["url"].as_str().unwrap();
    let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    let image = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (96, 64));
    let mean = image.pixels().map(|p| u64::from(p[1])).sum::<u64>() / (96 * 64);
    assert!(
        (20..235).contains(&mean),
        "a lit room, not a black or white frame: {mean}"
    );
}

/// What an app watching its renders sees: the job's progress while Blender renders, then its
/// completion and a notification, over the WebSocket.
#[tokio::test]
async fn render_progress_and_completion_arrive_over_the_socket_while_it_runs() {
    let (app, token, project) = designer_project("d@live-render.test").await;
    let server = common::live(&app).await;
    let mut socket = common::Socket::connect(&server, &token).await.unwrap();
    let body = json!({"width": 96, "height": 64, "samples": 4});
    let id = job_id(&submit(&app, &token, &project, None, body).await);
    let mut batch = local_batch(&app, vec![render_worker()]);
    let watched = socket.until(Duration::from_secs(240), |m| {
        m["type"] == "job" && m["job"]["id"] == id.as_str() && m["job"]["status"] == "SUCCEEDED"
    });
    let (done, ()) = tokio::join!(watched, run_to_end(&app, &mut batch, &id));
    let done = done.unwrap_or_else(|| panic!("no completion on the socket: {:?}", socket.seen));
    assert_eq!(done["job"]["progress"]["percent"], 100);
    let updates: Vec<(&str, u64)> = socket
        .seen
        .iter()
        .filter(|m| m["type"] == "job" && m["job"]["id"] == id.as_str())
        .map(|m| {
            (
                m["job"]["status"].as_str().unwrap(),
                m["job"]["progress"]["percent"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        updates
            .iter()
            .any(|(status, percent)| *status == "RUNNING" && (1..100).contains(percent)),
        "progress arrived while the render ran: {updates:?}"
    );
    let percents: Vec<u64> = updates.iter().map(|(_, p)| *p).collect();
    assert!(
        percents.windows(2).all(|w| w[0] <= w[1]),
        "progress only goes forward: {percents:?}"
    );
    let note = socket
        .until(Duration::from_secs(10), |m| m["type"] == "notification")
        .await
        .unwrap_or_else(|| panic!("no notification: {:?}", socket.seen));
    assert_eq!(note["notification"]["topic"], "job_finished");
    assert_eq!(note["notification"]["title"], "Your render is ready");
    assert_eq!(note["notification"]["job_id"], id.as_str());
}

#[tokio::test]
async fn an_unrenderable_input_fails_at_once_with_the_workers_reason() {
    let app = common::app_with(roomwright_jobs_api::routes()).await;
    let (token, _) = app.user("d@broken.test", Role::Designer).await;
    // The desk's 3D model is not a glTF file: retrying cannot help.
    let mut products = furniture();
    products[0].model_key = Some("products/desk/model.glb".into());
    let state = &app.stack.state;
    let bucket = &state.config.bucket_name;
    let garbage = b"not a model".to_vec();
    s3::put_bytes(
        &state.aws,
        bucket,
        "products/desk/model.glb",
        "model/gltf-binary",
        garbage,
    )
    .await
    .unwrap();
    let project = project_with(&app, &token, products).await;
    let body = json!({"width": 96, "height": 64, "samples": 4});
    let reply = submit(&app, &token, &project, None, body).await;
    let id = job_id(&reply);
    let mut batch = local_batch(&app, vec![render_worker()]);
    run_to_end(&app, &mut batch, &id).await;
    let view = app.get(&format!("/v1/jobs/{id}"), &token).await;
    assert_eq!(view.body["status"], "FAILED", "{}", view.body);
    assert_eq!(
        view.body["attempts"], 1,
        "exit code 2 is not retried: {}",
        view.body
    );
    assert_eq!(view.body["error"]["code"], "invalid_input", "{}", view.body);
}

#[tokio::test]
async fn training_is_one_job_per_night_and_goes_to_the_training_definition() {
    let app = common::app_with(roomwright_jobs_api::routes()).await;
    let state = &app.stack.state;
    let request = TrainingRequest {
        note: Some("nightly".into()),
    };
    // The schedule delivered twice the same night: one job.
    let first = order_training(state, SCHEDULE_OWNER, Some("nightly-2026-12-01"), &request)
        .await
        .unwrap();
    let Submitted::Created(job) = first else {
        panic!("the first delivery creates the job")
    };
    let again = order_training(state, SCHEDULE_OWNER, Some("nightly-2026-12-01"), &request)
        .await
        .unwrap();
    assert!(matches!(again, Submitted::Replayed(j) if j.id == job.id));
    let next = order_training(state, SCHEDULE_OWNER, Some("nightly-2026-12-02"), &request)
        .await
        .unwrap();
    assert!(matches!(next, Submitted::Created(j) if j.id != job.id));
    assert_eq!(job.kind, roomwright_jobs::JobKind::Training);
    let long = TrainingRequest {
        note: Some("x".repeat(201)),
    };
    let refused = order_training(state, SCHEDULE_OWNER, Some("k"), &long).await;
    assert_eq!(refused.err().unwrap().code(), "validation_failed");
    // The dispatcher sends it to the trainer's job definition.
    let response = dispatcher::handle(
        state,
        &settings(&app),
        sqs_event(&[("m1", message(&job.id))]),
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    let batch_id = self::job(&app, &job.id).await.batch_job_id.unwrap();
    let described = state
        .aws
        .batch()
        .await
        .describe_jobs()
        .jobs(&batch_id)
        .send()
        .await
        .unwrap();
    assert!(
        described.jobs()[0]
            .job_definition()
            .unwrap()
            .contains("trainingjobdefinition"),
        "{:?}",
        described.jobs()[0].job_definition()
    );
}

/// One plan drawn by the vision worker's generator: the PNG's bytes and its room count.
fn drawn_plan(seed: u32) -> (Vec<u8>, usize) {
    let (png, truth) = drawn_plan_with(seed, &[]);
    (png, truth["rooms"].as_array().unwrap().len())
}

/// One plan drawn by the generator with `options`: the PNG's bytes and its truth.
fn drawn_plan_with(seed: u32, options: &[&str]) -> (Vec<u8>, Value) {
    let root = roomwright_devstack::repo_root();
    let dir = std::env::temp_dir().join(format!(
        "roomwright-import-{}-{seed}-{}",
        std::process::id(),
        options.join("")
    ));
    let status = std::process::Command::new(root.join(".venv/bin/python"))
        .arg(root.join("gpu-workers/vision/tools/plangen.py"))
        .arg(&dir)
        .args(["--count", "1", "--seed", &seed.to_string()])
        .args(options)
        .status()
        .unwrap();
    assert!(status.success());
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.join("plan_000.json")).unwrap()).unwrap();
    let png = std::fs::read(dir.join("plan_000.png")).unwrap();
    (png, truth)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_floor_plan_import_is_uploaded_read_reviewed_and_accepted() {
    let (app, token, project) = designer_project("d@import.test").await;
    let (png, rooms) = drawn_plan(3);
    let imports = format!("/v1/projects/{project}/floor-plan-imports");

    // What cannot be a drawing is refused before anything is stored.
    let bad = json!({"content_type": "image/gif", "size_bytes": 0});
    let refused = app
        .send(Method::POST, &imports, &token, None, Some(bad))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["content_type", "size_bytes"]);
    let (viewer, _) = app.user("v@import.test", Role::Viewer).await;
    let body = json!({"content_type": "image/png", "size_bytes": png.len()});
    let forbidden = app
        .send(Method::POST, &imports, &viewer, None, Some(body.clone()))
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let created = app
        .send(Method::POST, &imports, &token, None, Some(body))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let import_id = created.body["import"]["id"].as_str().unwrap().to_string();
    let one = format!("{imports}/{import_id}");
    let waiting = app.get(&one, &token).await;
    assert_eq!(
        waiting.body["import"]["status"], "awaiting_upload",
        "{}",
        waiting.body
    );
    assert!(waiting.body.get("job").is_none());

    // The client uploads straight to S3 with the signed headers.
    let upload = &created.body["upload"];
    assert_eq!(upload["method"], "PUT");
    let put = reqwest::Client::new()
        .put(upload["url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());

    // The next read finds the drawing and starts one vision job, however often it is read.
    let reading = app.get(&one, &token).await;
    assert_eq!(
        reading.body["import"]["status"], "reading",
        "{}",
        reading.body
    );
    let job_id = reading.body["job"]["id"].as_str().unwrap().to_string();
    assert_eq!(reading.body["job"]["kind"], "vision");
    let again = app.get(&one, &token).await;
    assert_eq!(again.body["job"]["id"], json!(job_id));
    let (project_path, accept) = (format!("/v1/projects/{project}"), format!("{one}/accept"));
    let etag = app.get(&project_path, &token).await.etag().to_string();
    let early = app
        .send(Method::POST, &accept, &token, Some(&etag), Some(json!({})))
        .await;
    assert_eq!(
        (early.status, early.body["code"].clone()),
        (StatusCode::CONFLICT, json!("proposal_not_ready"))
    );
    let unread = app.get(&format!("{one}/plan.svg"), &token).await;
    assert_eq!(
        (unread.status, unread.body["code"].clone()),
        (StatusCode::CONFLICT, json!("proposal_not_ready"))
    );

    // The local Batch runs the real worker.
    let mut batch = vision_batch(&app, Vec::new());
    run_to_end(&app, &mut batch, &job_id).await;

    let proposed = app.get(&one, &token).await;
    assert_eq!(
        proposed.body["import"]["status"], "proposed",
        "{}",
        proposed.body
    );
    let proposal = &proposed.body["proposal"];
    assert_eq!(
        proposal["floor_plan"]["rooms"].as_array().unwrap().len(),
        rooms
    );
    assert!(proposal["scale"]["px_per_m"].as_f64().unwrap() > 0.0);
    // The reading drawn over the page it was read from, as SVG and PNG.
    let over = app.get(&format!("{one}/plan.svg"), &token).await;
    assert_eq!(over.status, StatusCode::OK);
    assert_eq!(over.content_type, "image/svg+xml");
    let svg = String::from_utf8(over.bytes).unwrap();
    assert!(
        svg.contains("href=\"data:image/png;base64,"),
        "the page is under the plan: {}",
        &svg[..svg.len().min(600)]
    );
    assert_eq!(
        svg.matches("#1565c0").count(),
        proposal["floor_plan"]["walls"].as_array().unwrap().len(),
        "every wall read is drawn in blue"
    );
    let png = app.get(&format!("{one}/plan.png"), &token).await;
    assert_eq!(png.content_type, "image/png");
    let image = image::load_from_memory(&png.bytes).unwrap().to_rgb8();
    let blue = image.pixels().filter(|p| p[2] > 150 && p[0] < 80).count();
    // The drawing's own dimension lines and figures show in the margin left of the plan and
    // above it (below the title), where the plan draws nothing.
    let ink = image
        .enumerate_pixels()
        .filter(|(x, y, p)| *y > 40 && (*x < 30 || *y < 62) && p.0.iter().all(|&c| c < 160))
        .count();
    assert!(
        blue > 1000 && ink > 50,
        "walls read in blue ({blue}) over the drawing ({ink})"
    );
    // Nothing reaches the project before it is accepted.
    let before = app.get(&project_path, &token).await;
    assert_eq!(before.etag(), etag);
    assert_ne!(before.body["floor_plan"], proposal["floor_plan"]);

    // Accepting needs the project's current version, and an edit must be a valid plan.
    let no_tag = app
        .send(Method::POST, &accept, &token, None, Some(json!({})))
        .await;
    assert_eq!(no_tag.status, StatusCode::PRECONDITION_REQUIRED);
    let stale = app
        .send(
            Method::POST,
            &accept,
            &token,
            Some("\"999\""),
            Some(json!({})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let mut edited = proposal["floor_plan"].clone();
    edited["units"] = json!("ft");
    let invalid = app
        .send(
            Method::POST,
            &accept,
            &token,
            Some(&etag),
            Some(json!({"floor_plan": edited})),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.body["errors"][0]["path"], "floor_plan.units");
    assert_eq!(app.get(&project_path, &token).await.etag(), etag);

    // The user's edit is what is written.
    let mut edited = proposal["floor_plan"].clone();
    edited["rooms"][0]["name"] = json!("Board room");
    let accepted = app
        .send(
            Method::POST,
            &accept,
            &token,
            Some(&etag),
            Some(json!({"floor_plan": edited})),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_ne!(accepted.etag(), etag);
    let after = app.get(&project_path, &token).await;
    assert_eq!(after.body["floor_plan"], edited);
    let done = app.get(&one, &token).await;
    assert_eq!(done.body["import"]["status"], "accepted");

    // A file that is not what was declared never reaches a job.
    let lie = json!({"content_type": "image/png", "size_bytes": 13});
    let created = app
        .send(Method::POST, &imports, &token, None, Some(lie))
        .await;
    let put = reqwest::Client::new()
        .put(created.body["upload"]["url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(b"%PDF-1.7 fake".to_vec())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let path = format!(
        "{imports}/{}",
        created.body["import"]["id"].as_str().unwrap()
    );
    let refused = app.get(&path, &token).await;
    assert_eq!(
        refused.body["import"]["status"], "failed",
        "{}",
        refused.body
    );
    assert!(
        refused.body["import"]["error"]
            .as_str()
            .unwrap()
            .contains("not of the declared type (image/png)")
    );
    assert!(refused.body.get("job").is_none());

    // A page with nothing drawn on it: the worker fails the job at once with the reason.
    let mut blank = Vec::new();
    image::GrayImage::from_pixel(400, 300, image::Luma([255]))
        .write_to(
            &mut std::io::Cursor::new(&mut blank),
            image::ImageFormat::Png,
        )
        .unwrap();
    let body = json!({"content_type": "image/png", "size_bytes": blank.len()});
    let created = app
        .send(Method::POST, &imports, &token, None, Some(body))
        .await;
    reqwest::Client::new()
        .put(created.body["upload"]["url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(blank)
        .send()
        .await
        .unwrap();
    let path = format!(
        "{imports}/{}",
        created.body["import"]["id"].as_str().unwrap()
    );
    let reading = app.get(&path, &token).await;
    let blank_job = reading.body["job"]["id"].as_str().unwrap().to_string();
    run_to_end(&app, &mut batch, &blank_job).await;
    let failed = app.get(&path, &token).await;
    assert_eq!(failed.body["import"]["status"], "failed", "{}", failed.body);
    assert_eq!(
        failed.body["job"]["attempts"], 1,
        "an unreadable drawing is not retried"
    );
    assert_eq!(failed.body["job"]["error"]["code"], "invalid_input");
    assert!(
        failed.body["import"]["error"]
            .as_str()
            .unwrap()
            .contains("no walls were found")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_product_image_is_embedded_by_the_vision_worker_and_stored_for_search() {
    let (app, _, _) = designer_project("d@embed.test").await;
    let state = &app.stack.state;
    let mut lamp = product("green-lamp", 12_000, 9_000, (300, 300));
    lamp.images = vec!["products/green-lamp/images/main.jpg".into()];
    put_product(&app, &lamp).await;
    let photo = roomwright_visual::photo::jpeg(&image::RgbImage::from_pixel(
        80,
        60,
        image::Rgb([40, 160, 60]),
    ));
    s3::put_bytes(
        &state.aws,
        &state.config.bucket_name,
        &lamp.images[0],
        "image/jpeg",
        photo,
    )
    .await
    .unwrap();

    // What the catalog does when a product gets a new first image; twice is one job.
    product_images::submit_for(state, &lamp).await;
    product_images::submit_for(state, &lamp).await;
    let job_id = product_images::job_id(&lamp.id, &lamp.images[0]);
    assert_eq!(job(&app, &job_id).await.status, JobStatus::Queued);

    // The deployer's ONNX encoder: here the mean-colour model.
    let dir = std::env::temp_dir().join(format!("rw-embed-{}", std::process::id()));
    let model = mean_colour::write(&dir);
    let mut batch = vision_batch(
        &app,
        vec![("IMAGE_EMBEDDING_MODEL".into(), model.display().to_string())],
    );
    let revision_before = catalog_revision(&app).await;
    run_to_end(&app, &mut batch, &job_id).await;

    let done = job(&app, &job_id).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{:?}", done.error);
    assert_eq!(done.outputs[0].name, "embedding");
    let stored = image_vectors::get(&state.table(), &lamp.id)
        .await
        .unwrap()
        .expect("the vector is stored");
    assert!(stored.model.starts_with("onnx:mean-colour.onnx:"));
    assert_eq!(stored.image_key, lamp.images[0]);
    for (got, want) in stored
        .vector
        .iter()
        .zip(mean_colour::expected([40, 160, 60]))
    {
        // JPEG moves a flat colour by a level or two.
        assert!((got - want).abs() < 0.02, "{:?}", stored.vector);
    }
    assert!(
        catalog_revision(&app).await > revision_before,
        "the catalog is marked changed for the index"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The product as the catalog stores it (its keys and version), without the catalog's routes.
async fn put_product(app: &App, product: &Product) {
    let keys = roomwright_core::dynamo::Keys::new(
        roomwright_core::catalog::product_pk(&product.id),
        roomwright_core::catalog::PRODUCT_SK,
    )
    .gsi1(roomwright_core::catalog::PRODUCTS_PARTITION, &product.id);
    app.stack
        .state
        .table()
        .create(&keys, product)
        .await
        .unwrap();
}

async fn catalog_revision(app: &App) -> u64 {
    roomwright_core::catalog::revision(&app.stack.state.table())
        .await
        .unwrap()
}

/// Uploads `png` as a floor-plan import of `project`, lets the vision worker read it and
/// accepts the proposal as it is; returns the accepted plan.
/// Uploads a drawing as an import and runs its reading: the import's path and its view.
async fn read_drawing(app: &App, token: &str, project: &str, png: Vec<u8>) -> (String, Value) {
    let imports = format!("/v1/projects/{project}/floor-plan-imports");
    let body = json!({"content_type": "image/png", "size_bytes": png.len()});
    let created = app
        .send(Method::POST, &imports, token, None, Some(body))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let put = reqwest::Client::new()
        .put(created.body["upload"]["url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(png)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let one = format!(
        "{imports}/{}",
        created.body["import"]["id"].as_str().unwrap()
    );
    let reading = app.get(&one, token).await;
    let job = reading.body["job"]["id"].as_str().unwrap().to_string();
    let mut batch = vision_batch(app, Vec::new());
    run_to_end(app, &mut batch, &job).await;
    let proposed = app.get(&one, token).await;
    assert_eq!(
        proposed.body["import"]["status"], "proposed",
        "{}",
        proposed.body
    );
    (one, proposed.body)
}

async fn import_plan(app: &App, token: &str, project: &str, png: Vec<u8>) -> Value {
    let (one, _) = read_drawing(app, token, project, png).await;
    let etag = app
        .get(&format!("/v1/projects/{project}"), token)
        .await
        .etag()
        .to_string();
    let accepted = app
        .send(
            Method::POST,
            &format!("{one}/accept"),
            token,
            Some(&etag),
            Some(json!({})),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    accepted.body["floor_plan"].clone()
}

/// The design chain as a user runs it: a drawing imported and accepted as the floor plan,
/// furnished from the brief with catalog products, a proposal accepted as a scenario, its
/// quote fitted within the budget, and the scenario rendered.
#[tokio::test(flavor = "multi_thread")]
async fn a_drawing_becomes_a_furnished_priced_and_rendered_design() {
    let app = common::app_with(roomwright_jobs_api::routes()).await;
    let (token, _) = app.user("d@chain.test", Role::Designer).await;
    let catalog = roomwright_layout::sample::catalog();
    for p in &catalog {
        app.put_product(p).await;
    }
    let (project, _) = app
        .project(
            &token,
            json!({"name": "Chain", "requirements": {"headcount": 8, "budget_ceiling_minor": 10_000_000}}),
        )
        .await;
    // Seed 6 draws a focus room, an open plan, a kitchen, a reception and a print room.
    let (png, _) = drawn_plan(6);
    let plan = import_plan(&app, &token, &project, png).await;
    let kinds: Vec<&str> = plan["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"open_plan"), "{kinds:?}");

    let proposed = app
        .send(
            Method::POST,
            &format!("/v1/projects/{project}/layouts"),
            &token,
            None,
            Some(json!({"alternatives": 1})),
        )
        .await;
    assert_eq!(proposed.status, StatusCode::CREATED, "{}", proposed.body);
    let layout = &proposed.body["layouts"][0];
    let proposal = &layout["proposal"];
    assert!(
        proposal["desks"].as_u64().unwrap() >= 6,
        "desks on the imported plan: {}",
        proposal["summary"]
    );
    assert_eq!(proposal["violations"], json!([]));
    let layout_id = layout["layout_id"].as_str().unwrap();
    let etag = app
        .get(&format!("/v1/projects/{project}"), &token)
        .await
        .etag()
        .to_string();
    let accepted = app
        .send(
            Method::POST,
            &format!("/v1/projects/{project}/layouts/{layout_id}/accept"),
            &token,
            Some(&etag),
            Some(json!({"scenario_id": "furnished"})),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let scenario = format!("/v1/projects/{project}/scenarios/furnished");
    let quote = app.get(&format!("{scenario}/quote"), &token).await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.body);
    let total = quote.body["total_minor"].as_i64().unwrap();

    // A cheaper twin of the chosen desk comes into the catalog; a budget under the proposal's
    // total is fitted by swapping to it, then quoted within it.
    let desk = proposal["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "desk")
        .unwrap()["product_id"]
        .as_str()
        .unwrap();
    let mut twin = catalog.iter().find(|p| p.id == desk).unwrap().clone();
    twin.id = format!("{desk}-promo");
    twin.name = format!("{} (promotion)", twin.name);
    twin.sku = format!("{}-PROMO", twin.sku);
    twin.list_price.amount_minor /= 2;
    twin.dealer_price_minor /= 2;
    app.put_product(&twin).await;
    let budget = total * 95 / 100;
    let fitted = app
        .send(
            Method::POST,
            &format!("{scenario}/fit-budget"),
            &token,
            Some(accepted.etag()),
            Some(json!({"budget_minor": budget})),
        )
        .await;
    assert_eq!(
        fitted.status,
        StatusCode::OK,
        "{} (a twin of {desk}: {twin:?})",
        fitted.body
    );
    let quote = app.get(&format!("{scenario}/quote"), &token).await;
    let fitted_total = quote.body["total_minor"].as_i64().unwrap();
    assert!(fitted_total <= budget, "{fitted_total} within {budget}");
    assert!(
        fitted.body["fit"]["swaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["to_product_id"] == json!(twin.id)),
        "{}",
        fitted.body["fit"]["swaps"]
    );

    // The furnished scenario rendered by the real worker.
    let reply = submit(
        &app,
        &token,
        &project,
        None,
        json!({"scenario_id": "furnished", "width": 96, "height": 64, "samples": 4}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let id = job_id(&reply);
    let mut batch = local_batch(&app, vec![render_worker()]);
    run_to_end(&app, &mut batch, &id).await;
    let view = app.get(&format!("/v1/jobs/{id}"), &token).await;
    assert_eq!(view.body["status"], "SUCCEEDED", "{}", view.body);
    let url = view.body["outputs"][0]["url"].as_str().unwrap();
    let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    let image = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (96, 64));
}

/// A drawing with no length written on it: read all the same, unscaled; accepted only with
/// one wall's real length, from which the whole plan is scaled.
#[tokio::test(flavor = "multi_thread")]
async fn a_drawing_without_dimensions_is_scaled_from_one_length_the_user_gives() {
    let (app, token, project) = designer_project("d@unscaled.test").await;
    let (png, truth) = drawn_plan_with(6, &["--no-dimensions"]);
    let (one, view) = read_drawing(&app, &token, &project, png).await;
    let proposal = &view["proposal"];
    assert_eq!(proposal["scale"]["unscaled"], true, "{}", proposal["scale"]);
    assert_eq!(
        proposal["floor_plan"]["rooms"].as_array().unwrap().len(),
        truth["rooms"].as_array().unwrap().len()
    );
    // The drawing over the upload says what is missing.
    let svg = app.get(&format!("{one}/plan.svg"), &token).await;
    let svg = String::from_utf8_lossy(&svg.bytes);
    assert!(
        svg.contains("read without a scale: give one wall"),
        "{}",
        &svg[..600.min(svg.len())]
    );

    // The building's longest wall read (an outer one, outer face to outer face) and its
    // real length, as the user would measure it.
    let walls = proposal["floor_plan"]["walls"].as_array().unwrap();
    let length = |w: &Value| {
        let (s, e) = (&w["start"], &w["end"]);
        let d = |i: usize| e[i].as_f64().unwrap() - s[i].as_f64().unwrap();
        (d(0).powi(2) + d(1).powi(2)).sqrt()
    };
    let longest = walls
        .iter()
        .max_by(|a, b| length(a).total_cmp(&length(b)))
        .unwrap();
    let truth_walls = truth["walls"].as_array().unwrap();
    let outer = truth_walls.iter().map(length).fold(0.0, f64::max);
    let wall_id = longest["id"].as_str().unwrap();

    let project_path = format!("/v1/projects/{project}");
    let before = app.get(&project_path, &token).await;
    let etag = before.etag().to_string();
    let accept = |body: Value| {
        let (app, one, token, etag) = (&app, &one, &token, &etag);
        async move {
            app.send(
                Method::POST,
                &format!("{one}/accept"),
                token,
                Some(etag),
                Some(body),
            )
            .await
        }
    };
    // Refused, and nothing written, without a length or with one that cannot be.
    for (body, path, code) in [
        (json!({}), "known_length", "scale_unknown"),
        (
            json!({"known_length": {"wall_id": "w999", "length_m": 12.0}}),
            "known_length.wall_id",
            "unknown_wall",
        ),
        (
            json!({"known_length": {"wall_id": wall_id, "length_m": 0.0}}),
            "known_length.length_m",
            "out_of_range",
        ),
    ] {
        let refused = accept(body).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(refused.body["errors"][0]["path"], path, "{}", refused.body);
        assert_eq!(refused.body["errors"][0]["code"], code, "{}", refused.body);
    }
    let unchanged = app.get(&project_path, &token).await;
    assert_eq!(unchanged.etag(), etag);
    assert_eq!(unchanged.body["floor_plan"], before.body["floor_plan"]);

    let accepted = accept(json!({"known_length": {"wall_id": wall_id, "length_m": outer}})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let plan = &accepted.body["floor_plan"];
    let scaled = plan["walls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == wall_id)
        .unwrap();
    assert!((length(scaled) - outer).abs() < 0.01, "{scaled}");
    // The rest of the plan follows: the building's width and depth as drawn, within 2%.
    let extent = |walls: &[Value], axis: usize| {
        let values: Vec<f64> = walls
            .iter()
            .flat_map(|w| {
                [
                    w["start"][axis].as_f64().unwrap(),
                    w["end"][axis].as_f64().unwrap(),
                ]
            })
            .collect();
        values.iter().copied().fold(f64::MIN, f64::max)
            - values.iter().copied().fold(f64::MAX, f64::min)
    };
    for axis in [0, 1] {
        let (got, want) = (
            extent(plan["walls"].as_array().unwrap(), axis),
            extent(truth_walls, axis),
        );
        assert!(
            (got / want - 1.0).abs() < 0.02,
            "axis {axis}: {got} vs {want}"
        );
    }
}
