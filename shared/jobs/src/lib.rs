//! Asynchronous GPU jobs (render, vision, training): the record every part of the pipeline
//! shares. The API creates it, the dispatcher submits it to AWS Batch, the state function
//! follows Batch's events, the worker reports progress and results into it.
//!
//! A job kind is one typed input here ([`render::input::RenderInput`], [`vision::VisionInput`],
//! [`training::TrainingRequest`]), one worker entry and one job definition.
//!
//! - [`submit`]: one idempotent submission (record, estimate in the ledger, queue message);
//! - [`spend`]: estimates, settlement, running slots and daily counts;
//! - [`access`]: who may see and cancel a job;
//! - [`webhook`] with [`outbound`]: the signed completion call to a checked address;
//! - [`product_images`]: the vision job that embeds a product's photos.

pub mod access;
pub mod estimate;
pub mod outbound;
pub mod product_images;
pub mod render;
pub mod spend;
pub mod store;
pub mod submit;
pub mod training;
pub mod view;
pub mod vision;
pub mod webhook;
pub mod worker;

pub use estimate::{Estimate, Machine};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Render,
    Vision,
    Training,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Render => "render",
            JobKind::Vision => "vision",
            JobKind::Training => "training",
        }
    }
}

/// Where a job is. `Submitted` to `Failed` mirror AWS Batch; `Queued` is ours (on the jobs
/// queue, not yet in Batch) and so is `Cancelled` (asked for by the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Queued,
    Submitted,
    Runnable,
    Starting,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub const TERMINAL: [JobStatus; 3] = [
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "QUEUED",
            JobStatus::Submitted => "SUBMITTED",
            JobStatus::Runnable => "RUNNABLE",
            JobStatus::Starting => "STARTING",
            JobStatus::Running => "RUNNING",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
            JobStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn is_terminal(self) -> bool {
        Self::TERMINAL.contains(&self)
    }

    /// A Batch job status as ours (`PENDING` waits on dependencies: still submitted for us).
    pub fn from_batch(status: &str) -> Option<Self> {
        Some(match status {
            "SUBMITTED" | "PENDING" => JobStatus::Submitted,
            "RUNNABLE" => JobStatus::Runnable,
            "STARTING" => JobStatus::Starting,
            "RUNNING" => JobStatus::Running,
            "SUCCEEDED" => JobStatus::Succeeded,
            "FAILED" => JobStatus::Failed,
            _ => return None,
        })
    }

    /// How far along one attempt the status is.
    fn rank(self) -> u32 {
        match self {
            JobStatus::Queued => 0,
            JobStatus::Submitted => 1,
            JobStatus::Runnable => 2,
            JobStatus::Starting => 3,
            JobStatus::Running => 4,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled => 5,
        }
    }

    /// Orders Batch's events, which arrive at least once and in any order: a retried job goes
    /// back to RUNNABLE with one more finished attempt, so the count of finished attempts
    /// comes first and the status's rank second.
    pub fn sequence(self, finished_attempts: u32) -> u32 {
        finished_attempts * 10 + self.rank()
    }
}

/// A file a job produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobOutput {
    /// What the file is, e.g. `camera-0` or `camera-0-thumbnail`.
    pub name: String,
    /// Its key in the assets bucket.
    pub key: String,
    pub content_type: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// Why a job failed, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobFailure {
    /// `invalid_input`, `worker_crashed`, `timed_out`, `infrastructure`, ...
    pub code: String,
    pub message: String,
}

/// Where the completion notice goes. The secret signs it and is shown only at submit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: String,
}

/// The job record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub owner_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// What was asked for, as the client sent it (after defaults), for display.
    pub request: serde_json::Value,
    /// The frozen input the worker reads (key in the assets bucket).
    pub input_key: String,
    /// Hash of the request, to tell a retried submit from another one under the same key.
    pub request_hash: String,
    #[serde(default)]
    pub progress_pct: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default)]
    pub outputs: Vec<JobOutput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobFailure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_job_id: Option<String>,
    /// Attempts Batch started (retries included).
    #[serde(default)]
    pub attempts: u32,
    /// [`JobStatus::sequence`] of the last state applied; older events are ignored.
    #[serde(default)]
    pub state_seq: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookTarget>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// What the job was expected to take when it was submitted (older jobs have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Estimate>,
}

/// The message on the jobs queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    pub job_id: String,
    pub kind: JobKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub input_key: String,
}

/// Where a job's frozen input lives.
pub fn input_key(job_id: &str) -> String {
    format!("jobs/{job_id}/input.json")
}

/// Where a job's outputs go.
pub fn output_prefix(job_id: &str) -> String {
    format!("jobs/{job_id}/out/")
}

/// The environment variable that tells a worker its job.
pub const JOB_ID_VAR: &str = "ROOMWRIGHT_JOB_ID";
/// The Batch tag that carries our job id (state events name the Batch job, not ours).
pub const JOB_ID_TAG: &str = "roomwright:job_id";

#[cfg(test)]
mod tests {
    use super::JobStatus::*;

    #[test]
    fn retries_order_after_the_attempt_they_follow() {
        assert!(Running.sequence(0) > Runnable.sequence(0));
        // Attempt 1 failed and Batch retries: RUNNABLE again, but later than RUNNING.
        assert!(Runnable.sequence(1) > Running.sequence(0));
        assert!(Failed.sequence(3) > Running.sequence(2));
        assert!(Succeeded.sequence(1) > Running.sequence(0));
    }

    #[test]
    fn maps_batch_statuses() {
        assert_eq!(super::JobStatus::from_batch("PENDING"), Some(Submitted));
        assert_eq!(super::JobStatus::from_batch("SUCCEEDED"), Some(Succeeded));
        assert_eq!(super::JobStatus::from_batch("BOGUS"), None);
        assert!(Cancelled.is_terminal() && !Running.is_terminal());
    }
}
