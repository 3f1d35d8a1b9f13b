//! The completion webhook: a signed POST to the URL the client gave, once per finished job.
//! Signature as on every Roomwright webhook ([`roomwright_core::signature`]): the receiver
//! checks `X-Roomwright-Signature` with the secret it got at submit.

use std::time::Duration;

use crate::{Job, WebhookTarget};
use backon::{ExponentialBuilder, Retryable};
use roomwright_core::{config::Config, signature, time};

use crate::{outbound, view::JobView};

const TIMEOUT: Duration = Duration::from_secs(5);

/// The body: the job as `GET /v1/jobs/{id}` shows it, without download URLs (the receiver
/// reads the job for fresh ones).
pub fn body(job: &Job) -> Vec<u8> {
    let payload = serde_json::json!({
        "type": "job.finished",
        "job": JobView::summary(job.clone()),
    });
    serde_json::to_vec(&payload).expect("serialisable")
}

/// Sends the notice, retrying network errors and 5xx answers three times; gives up quietly
/// after that (the job record is the source of truth; the webhook is a courtesy). The URL is
/// checked again and the request pinned to the public addresses it resolves to now.
pub async fn deliver(config: &Config, target: &WebhookTarget, job: &Job) {
    let body = body(job);
    let checked = match outbound::check(config, &target.url).await {
        Ok(checked) => checked,
        Err(refusal) => {
            tracing::warn!(
                job_id = job.id,
                reason = refusal.code(),
                "completion webhook not sent"
            );
            return;
        }
    };
    let Ok(client) = outbound::pinned_client(&checked, TIMEOUT) else {
        tracing::warn!(job_id = job.id, "completion webhook client failed to build");
        return;
    };
    let attempt = || async {
        let now = time::now().unix_timestamp();
        let response = client
            .post(checked.url.clone())
            .header("content-type", "application/json")
            .header(signature::TIMESTAMP_HEADER, now.to_string())
            .header(
                signature::SIGNATURE_HEADER,
                signature::sign(&target.secret, now, &body),
            )
            .body(body.clone())
            .send()
            .await?;
        response.error_for_status().map(|_| ())
    };
    let result = attempt
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(200))
                .with_max_times(3)
                .with_jitter(),
        )
        .when(|e: &reqwest::Error| e.status().is_none_or(|s| s.is_server_error()))
        .await;
    match result {
        Ok(()) => tracing::info!(job_id = job.id, "completion webhook delivered"),
        Err(e) => tracing::warn!(job_id = job.id, error = %e, "completion webhook failed"),
    }
}
