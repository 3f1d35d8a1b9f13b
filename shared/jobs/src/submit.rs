//! Creating a job: one id per (user, Idempotency-Key), the frozen input in S3, the record
//! (QUEUED), then the message for the dispatcher. A retried submit finds the job by its id and
//! returns it, re-sending the message while the job is still queued (the first send may be
//! what failed); the dispatcher submits a job to Batch only once.

use crate::{Estimate, Job, JobKind, JobMessage, JobStatus, WebhookTarget, store};
use roomwright_core::{ApiError, AppState, s3, time};
use sha2::{Digest, Sha256};

pub use roomwright_core::http::idempotency_key;

/// A job id: derived from the user and key (so a retry names the same job), else fresh.
pub fn job_id(user_id: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => {
            let digest = Sha256::digest(format!("{user_id}\n{key}").as_bytes());
            format!("job_{}", &hex::encode(digest)[..26])
        }
        None => format!("job_{}", uuid::Uuid::now_v7().simple()),
    }
}

pub fn request_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// What [`submit`] did.
pub enum Submitted {
    Created(Job),
    /// The same request was submitted before under this key.
    Replayed(Job),
}

/// Everything a new job needs.
pub struct NewJob {
    pub id: String,
    pub kind: JobKind,
    pub owner_id: String,
    pub project_id: Option<String>,
    pub request: serde_json::Value,
    pub request_hash: String,
    pub input: Vec<u8>,
    pub webhook: Option<WebhookTarget>,
    /// What it is expected to take: checked against the budgets, entered in the ledger.
    pub estimate: Estimate,
}

fn replay(existing: Job, hash: &str) -> Result<Job, ApiError> {
    if existing.request_hash == hash {
        Ok(existing)
    } else {
        Err(ApiError::conflict(
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request; use a new key for a new job.",
        ))
    }
}

/// Looks for the job a retried submit created, before any work is done.
pub async fn existing(state: &AppState, id: &str, hash: &str) -> Result<Option<Job>, ApiError> {
    match store::get(&state.table(), id).await? {
        Some(job) => replay(job.value, hash).map(Some),
        None => Ok(None),
    }
}

pub async fn submit(state: &AppState, new: NewJob) -> Result<Submitted, ApiError> {
    let table = state.table();
    if let Some(job) = existing(state, &new.id, &new.request_hash).await? {
        enqueue_if_queued(state, &job).await?;
        return Ok(Submitted::Replayed(job));
    }
    // Nothing is written or queued for a job the budgets cannot pay for at its worst.
    let limits = &state.config.spend;
    limits
        .budgets
        .check(
            &table,
            new.project_id.as_deref(),
            new.estimate.max_cost_micro_usd(limits),
            time::now(),
        )
        .await?;
    let input_key = crate::input_key(&new.id);
    s3::put_bytes(
        &state.aws,
        &state.config.bucket_name,
        &input_key,
        "application/json",
        new.input,
    )
    .await
    .map_err(ApiError::internal)?;
    let now = time::rfc3339(time::now());
    let job = Job {
        id: new.id,
        kind: new.kind,
        status: JobStatus::Queued,
        owner_id: new.owner_id,
        project_id: new.project_id,
        request: new.request,
        input_key,
        request_hash: new.request_hash,
        progress_pct: 0,
        stage: None,
        outputs: Vec::new(),
        error: None,
        batch_job_id: None,
        attempts: 0,
        state_seq: 0,
        webhook: new.webhook,
        created_at: now.clone(),
        updated_at: now,
        started_at: None,
        finished_at: None,
        estimate: Some(new.estimate),
    };
    match store::create(&table, &job).await? {
        store::Created::New => {
            crate::spend::enter_estimate(&table, &job).await?;
            enqueue(state, &job).await?;
            Ok(Submitted::Created(job))
        }
        // Two retries raced; the first one's job stands.
        store::Created::Existing(existing) => {
            let job = replay(existing.value, &job.request_hash)?;
            enqueue_if_queued(state, &job).await?;
            Ok(Submitted::Replayed(job))
        }
    }
}

async fn enqueue_if_queued(state: &AppState, job: &Job) -> Result<(), ApiError> {
    if job.status == JobStatus::Queued {
        enqueue(state, job).await?;
    }
    Ok(())
}

async fn enqueue(state: &AppState, job: &Job) -> Result<(), ApiError> {
    let Some(queue) = &state.config.jobs_queue_url else {
        return Err(ApiError::internal("JOBS_QUEUE_URL is not set"));
    };
    let message = JobMessage {
        job_id: job.id.clone(),
        kind: job.kind,
        project_id: job.project_id.clone(),
        input_key: job.input_key.clone(),
    };
    state
        .aws
        .sqs()
        .await
        .send_message()
        .queue_url(queue)
        .message_body(serde_json::to_string(&message).expect("serialisable"))
        .send()
        .await
        .map_err(|e| ApiError::internal(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_one_job_per_user() {
        assert_eq!(job_id("u1", Some("k")), job_id("u1", Some("k")));
        assert_ne!(job_id("u1", Some("k")), job_id("u2", Some("k")));
        assert_ne!(job_id("u1", None), job_id("u1", None));
        assert_eq!(job_id("u1", Some("k")).len(), 30);
    }
}
