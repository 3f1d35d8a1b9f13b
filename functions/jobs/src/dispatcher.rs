//! The dispatcher (SQS trigger on the jobs queue): submits each queued job to AWS Batch.
//!
//! At-least-once delivery means a message can arrive twice, even at the same time. The job
//! moves from QUEUED to SUBMITTED by a conditional write after the Batch submit; the delivery
//! that loses that race (or finds the job cancelled meanwhile) terminates the Batch job it
//! just created, so one Batch job survives per job. Messages that fail are reported as batch
//! item failures: SQS retries only those, and moves them to the dead-letter queue after the
//! queue's maxReceiveCount.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_batch::types::{ContainerOverrides, JobTimeout, KeyValuePair};
use roomwright_core::{AppState, usage::SpendLimits};
use roomwright_jobs::{
    Estimate, JOB_ID_TAG, JOB_ID_VAR, Job, JobFailure, JobMessage, JobStatus, store,
};

use crate::settings::BatchSettings;

/// How long an attempt may take: from the estimate fixed at submission (a job queued before
/// estimates existed gets its kind's).
pub fn attempt_timeout(job: &Job, limits: &SpendLimits) -> i32 {
    let estimate = job
        .estimate
        .unwrap_or_else(|| Estimate::of_kind(job.kind, limits));
    estimate.timeout_seconds() as i32
}

/// Handles one delivery of messages; the failed ones are returned for SQS to retry.
pub async fn handle(
    state: &AppState,
    settings: &BatchSettings,
    event: SqsEvent,
) -> SqsBatchResponse {
    roomwright_core::lambda::sqs_batch(event, |record| async move {
        dispatch(state, settings, &record).await
    })
    .await
}

async fn dispatch(
    state: &AppState,
    settings: &BatchSettings,
    record: &SqsMessage,
) -> Result<(), String> {
    let body = record.body.as_deref().unwrap_or_default();
    // A malformed message will never work: failing it sends it to the dead-letter queue.
    let message: JobMessage =
        serde_json::from_str(body).map_err(|e| format!("malformed job message: {e}"))?;
    let table = state.table();
    let Some(job) = store::get(&table, &message.job_id)
        .await
        .map_err(|e| format!("reading job: {e:?}"))?
    else {
        tracing::warn!(job_id = message.job_id, "no such job; message dropped");
        return Ok(());
    };
    let job = job.value;
    if job.status != JobStatus::Queued {
        tracing::info!(
            job_id = job.id,
            status = job.status.as_str(),
            "job already past the queue; duplicate message"
        );
        return Ok(());
    }
    let (Some(queue), Some(definition)) = (settings.queue(job.kind), settings.definition(job.kind))
    else {
        // The stack has no worker for this kind: the job can never run.
        let failure = JobFailure {
            code: "unsupported".into(),
            message: format!("This deployment has no {} worker.", job.kind.as_str()),
        };
        store::apply_state(
            &table,
            &job.id,
            &store::StateChange {
                batch_job_id: None,
                status: JobStatus::Failed,
                finished_attempts: 0,
                failure: Some(failure),
            },
        )
        .await
        .map_err(|e| format!("failing job: {e:?}"))?;
        return Ok(());
    };
    let submitted = state
        .aws
        .batch()
        .await
        .submit_job()
        .job_name(format!("{}-{}", job.kind.as_str(), job.id))
        .job_queue(queue)
        .job_definition(definition)
        .container_overrides(
            ContainerOverrides::builder()
                .environment(
                    KeyValuePair::builder()
                        .name(JOB_ID_VAR)
                        .value(&job.id)
                        .build(),
                )
                .build(),
        )
        .tags(JOB_ID_TAG, &job.id)
        .propagate_tags(true)
        .timeout(
            JobTimeout::builder()
                .attempt_duration_seconds(attempt_timeout(&job, &state.config.spend))
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            format!(
                "SubmitJob: {}",
                aws_sdk_batch::error::DisplayErrorContext(e)
            )
        })?;
    let batch_id = submitted.job_id().unwrap_or_default().to_string();
    match store::mark_submitted(&table, &job.id, &batch_id)
        .await
        .map_err(|e| format!("recording submission: {e:?}"))?
    {
        Some(_) => tracing::info!(
            job_id = job.id,
            batch_job_id = batch_id,
            "job submitted to Batch"
        ),
        None => {
            terminate(
                state,
                &batch_id,
                "Duplicate submission or cancelled before it started",
            )
            .await;
        }
    }
    Ok(())
}

/// Stops a Batch job; failures are logged (the job record already says what happened).
pub async fn terminate(state: &AppState, batch_job_id: &str, reason: &str) {
    let result = state
        .aws
        .batch()
        .await
        .terminate_job()
        .job_id(batch_job_id)
        .reason(reason)
        .send()
        .await;
    match result {
        Ok(_) => tracing::info!(batch_job_id, reason, "Batch job terminated"),
        Err(e) => {
            tracing::warn!(batch_job_id, error = %aws_sdk_batch::error::DisplayErrorContext(e), "TerminateJob failed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomwright_jobs::JobKind;

    fn job(kind: JobKind, estimate: Option<Estimate>) -> Job {
        Job {
            id: "j".into(),
            kind,
            status: JobStatus::Queued,
            owner_id: "u".into(),
            project_id: None,
            request: serde_json::json!({}),
            input_key: String::new(),
            request_hash: String::new(),
            progress_pct: 0,
            stage: None,
            outputs: vec![],
            error: None,
            batch_job_id: None,
            attempts: 0,
            state_seq: 0,
            webhook: None,
            created_at: String::new(),
            updated_at: String::new(),
            started_at: None,
            finished_at: None,
            estimate,
        }
    }

    #[test]
    fn timeouts_follow_the_estimate_within_bounds() {
        let limits = SpendLimits::default();
        let small = Estimate::render(640 * 480 * 16 / 1_000_000, &limits);
        assert_eq!(
            attempt_timeout(&job(JobKind::Render, Some(small)), &limits),
            (3 * small.seconds + 300) as i32
        );
        let big = Estimate::render(3840 * 2160 * 1024 * 4 / 1_000_000, &limits);
        assert_eq!(
            attempt_timeout(&job(JobKind::Render, Some(big)), &limits),
            4 * 3600
        );
        let mid = Estimate::render(1920 * 1080 * 256 / 1_000_000, &limits);
        let timeout = attempt_timeout(&job(JobKind::Render, Some(mid)), &limits);
        assert!(
            timeout > attempt_timeout(&job(JobKind::Render, Some(small)), &limits)
                && timeout < 4 * 3600,
            "{timeout}"
        );
        // A job from before estimates: its kind's.
        assert_eq!(
            attempt_timeout(&job(JobKind::Training, None), &limits),
            Estimate::of_kind(JobKind::Training, &limits).timeout_seconds() as i32
        );
    }
}
