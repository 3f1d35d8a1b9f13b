//! The completion webhook: a POST to the URL the client gave, once per finished job, signed as
//! [Standard Webhooks](https://www.standardwebhooks.com/) asks (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
//! keyed with the `whsec_` secret shown at submit) and with our own `X-Roomwright-Signature`
//! as before. An answer other than 2xx, or none, is tried again on [`SCHEDULE`] (about a day
//! in all) through a delay queue; every attempt is kept in the job's deliveries log
//! (`GET /v1/jobs/{id}/webhook-deliveries`).

use std::time::{Duration, Instant};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use roomwright_core::{
    AppState,
    dynamo::{Keys, PageRequest, SortKey, StoreError, Table},
    signature, time,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use crate::{Job, WebhookTarget, outbound, view::JobView};

const TIMEOUT: Duration = Duration::from_secs(5);
pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// Seconds after the first attempt at which the next ones are made (Standard Webhooks'
/// suggested schedule): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
pub const SCHEDULE: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// The longest delay SQS gives a message; longer waits hop through the queue.
const MAX_QUEUE_DELAY: i64 = 900;

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    format!(
        "whsec_{}",
        STANDARD.encode(roomwright_core::random::bytes::<32>())
    )
}

/// The `webhook-signature` value of `body` sent as message `id` at `timestamp`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    // The key is the secret's base64 part; a secret that is not base64 is used as it is.
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = STANDARD
        .decode(encoded)
        .unwrap_or_else(|_| encoded.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// What a job's completion webhook carries (the Standard Webhooks payload shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct JobFinishedNotice {
    /// `job.finished`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When the job finished (RFC 3339).
    pub timestamp: Option<String>,
    /// The job as `GET /v1/jobs/{id}` shows it, without download URLs (read the job for them).
    pub data: JobView,
    /// The same job (the name receivers of the first version read).
    pub job: JobView,
}

/// The body of a job's completion notice.
pub fn body(job: &Job) -> Vec<u8> {
    let notice = JobFinishedNotice {
        kind: "job.finished",
        timestamp: job.finished_at.clone(),
        data: JobView::summary(job.clone()),
        job: JobView::summary(job.clone()),
    };
    serde_json::to_vec(&notice).expect("serialisable")
}

/// The `webhooks` entry of the OpenAPI document: what a render's `webhook_url` receives.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::PartialSchema;
    let job = serde_json::json!({
        "id": "job_0d8f6c2b9a4e4f3c8d1e2a7b5c",
        "kind": "render",
        "status": "SUCCEEDED",
        "project_id": "prj_01a240545de774199de511a87fa981a6",
        "progress": {"percent": 100},
        "request": {"width": 1920, "height": 1080, "quality": "high"},
        "outputs": [],
        "attempts": 1,
        "webhook_url": "https://hooks.example.com/roomwright",
        "created_at": "2026-12-04T09:00:00Z",
        "updated_at": "2026-12-04T09:06:12Z",
        "started_at": "2026-12-04T09:01:30Z",
        "finished_at": "2026-12-04T09:06:12Z"
    });
    roomwright_core::openapi::Webhook {
        name: "jobFinished",
        operation_id: "job_finished_webhook",
        summary: "A job finished (render, plan reading, training)",
        description: "POSTed to the `webhook_url` given at submit once the job has finished \
            (SUCCEEDED, FAILED or CANCELLED), signed as Standard Webhooks define it. Verify \
            `webhook-signature` (`v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>` \
            keyed with the base64 part of the `whsec_` secret returned at submit) and reject \
            timestamps more than five minutes off. A retry keeps its `webhook-id`.",
        headers: &[
            (ID_HEADER, "The message id, the same on every retry (`msg_<job id>`)."),
            (TIMESTAMP_HEADER, "Unix seconds when this attempt was signed."),
            (SIGNATURE_HEADER, "`v1,<base64 HMAC-SHA256>`; several, space-separated, while a secret is rotated."),
        ],
        body: ("JobFinishedNotice".into(), JobFinishedNotice::schema()),
        example: serde_json::json!({
            "type": "job.finished",
            "timestamp": "2026-12-04T09:06:12Z",
            "data": job,
            "job": job,
        }),
        answer: "Received. Any other answer, or none within 5 s, is sent again 5 s, 5 min, \
            30 min, 2 h, 5 h, 10 h and 10 h later (`GET /v1/jobs/{id}/webhook-deliveries`).",
    }
    .document()
}

/// The message id of a job's completion notice: the same on every attempt, so receivers can
/// drop repeats.
pub fn message_id(job: &Job) -> String {
    format!("msg_{}", job.id)
}

/// One attempt, as the deliveries log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// 1 for the first attempt.
    pub attempt: u32,
    pub webhook_id: String,
    pub at: String,
    /// The receiver's status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why it failed without an answer (timeout, refused address, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: u64,
    pub delivered: bool,
    /// When the next attempt is due; none after a delivery or the last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
}

/// A retry waiting in the delay queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    pub job_id: String,
    /// The attempt to make (2 and on).
    pub attempt: u32,
    /// Unix seconds when it is due.
    pub due_at: i64,
}

fn delivery_keys(job_id: &str, attempt: u32) -> Keys {
    Keys::new(format!("WEBHOOK#{job_id}"), format!("ATTEMPT#{attempt:03}"))
}

/// The attempts made for a job's notice, first first.
pub async fn deliveries(table: &Table, job_id: &str) -> Result<Vec<Delivery>, StoreError> {
    let page = PageRequest {
        limit: 20,
        cursor: None,
    };
    let page = table
        .query::<Delivery>(
            None,
            &format!("WEBHOOK#{job_id}"),
            SortKey::Any,
            &page,
            false,
        )
        .await?;
    Ok(page.items.into_iter().map(|v| v.value).collect())
}

/// Makes one attempt, keeps it in the log, and when it failed and attempts remain, queues the
/// next (with no retry queue configured, the failure is only logged).
pub async fn deliver(state: &AppState, target: &WebhookTarget, job: &Job, attempt: u32) {
    let delivery = attempt_once(state, target, job, attempt).await;
    let next = (!delivery.delivered)
        .then(|| SCHEDULE.get(attempt as usize - 1))
        .flatten()
        .map(|after| first_attempt_at(job) + after);
    let delivery = Delivery {
        next_attempt_at: next
            .and_then(|at| ::time::OffsetDateTime::from_unix_timestamp(at).ok())
            .map(time::rfc3339),
        ..delivery
    };
    if let Err(e) = state
        .table()
        .create(&delivery_keys(&job.id, attempt), &delivery)
        .await
        && !matches!(e, StoreError::ConditionFailed)
    {
        tracing::warn!(job_id = job.id, error = %e, "webhook delivery not logged");
    }
    tracing::info!(
        job_id = job.id,
        attempt,
        delivered = delivery.delivered,
        status = delivery.status,
        "completion webhook attempt"
    );
    let Some(due_at) = next else {
        return;
    };
    let retry = Retry {
        job_id: job.id.clone(),
        attempt: attempt + 1,
        due_at,
    };
    if let Err(e) = enqueue(state, &retry).await {
        tracing::warn!(job_id = job.id, error = %e, "webhook retry not queued");
    }
}

/// When the first attempt was made: the job's finish.
fn first_attempt_at(job: &Job) -> i64 {
    job.finished_at
        .as_deref()
        .and_then(time::parse_rfc3339)
        .map_or_else(|| time::now().unix_timestamp(), |t| t.unix_timestamp())
}

/// Puts `retry` on the delay queue, due at its time or as close as the queue's delay reaches.
pub async fn enqueue(state: &AppState, retry: &Retry) -> Result<(), String> {
    let Some(queue) = state.config.webhook_queue_url.as_deref() else {
        return Err("no webhook retry queue configured".into());
    };
    let delay = (retry.due_at - time::now().unix_timestamp()).clamp(0, MAX_QUEUE_DELAY);
    state
        .aws
        .sqs()
        .await
        .send_message()
        .queue_url(queue)
        .message_body(serde_json::to_string(retry).expect("serialisable"))
        .delay_seconds(delay as i32)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())
}

/// A batch of the delay queue as Lambda's SQS trigger hands it (partial batch responses):
/// the messages that could not be handled stay on the queue.
pub async fn handle_batch(
    state: &AppState,
    event: aws_lambda_events::event::sqs::SqsEvent,
) -> aws_lambda_events::event::sqs::SqsBatchResponse {
    roomwright_core::lambda::sqs_batch(event, |message| async move {
        handle_retry(state, &message.body.unwrap_or_default()).await
    })
    .await
}

/// A message of the delay queue: waits again when not yet due, else makes the attempt.
pub async fn handle_retry(state: &AppState, body: &str) -> Result<(), String> {
    let retry: Retry = serde_json::from_str(body).map_err(|e| format!("not a retry: {e}"))?;
    if retry.due_at > time::now().unix_timestamp() {
        return enqueue(state, &retry).await;
    }
    let Some(job) = crate::store::get(&state.table(), &retry.job_id)
        .await
        .map_err(|e| format!("reading job: {e:?}"))?
    else {
        return Ok(());
    };
    let Some(target) = job.value.webhook.clone() else {
        return Ok(());
    };
    deliver(state, &target, &job.value, retry.attempt).await;
    Ok(())
}

/// One POST. The URL is checked again and the request pinned to the public addresses it
/// resolves to now.
async fn attempt_once(
    state: &AppState,
    target: &WebhookTarget,
    job: &Job,
    attempt: u32,
) -> Delivery {
    let id = message_id(job);
    let started = Instant::now();
    let now = time::now();
    let outcome = |status: Option<u16>, error: Option<String>| Delivery {
        attempt,
        webhook_id: id.clone(),
        at: time::rfc3339(now),
        delivered: status.is_some_and(|s| (200..300).contains(&s)),
        status,
        error,
        duration_ms: started.elapsed().as_millis() as u64,
        next_attempt_at: None,
    };
    let failed = |error: String| outcome(None, Some(error));
    let checked = match outbound::check(&state.config, &target.url).await {
        Ok(checked) => checked,
        Err(refusal) => return failed(format!("refused: {}", refusal.code())),
    };
    let Ok(client) = outbound::pinned_client(&checked, TIMEOUT) else {
        return failed("client failed to build".into());
    };
    let body = body(job);
    let timestamp = now.unix_timestamp();
    let sent = client
        .post(checked.url.clone())
        .header("content-type", "application/json")
        .header(ID_HEADER, &id)
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            SIGNATURE_HEADER,
            sign(&target.secret, &id, timestamp, &body),
        )
        .header(signature::TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            signature::SIGNATURE_HEADER,
            signature::sign(&target.secret, timestamp, &body),
        )
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => outcome(Some(response.status().as_u16()), None),
        Err(e) => failed(if e.is_timeout() {
            "timed out".into()
        } else {
            "no answer (connection failed)".into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_reference_does() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_whsec_and_32_random_bytes() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        let key = STANDARD.decode(a.strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(key.len(), 32);
    }
}
