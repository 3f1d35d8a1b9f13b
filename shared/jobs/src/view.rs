//! A job as clients see it: no internal fields, and download URLs minted for each request.

use std::time::Duration;

use crate::{Job, JobFailure, JobKind, JobStatus};
use roomwright_core::{ApiError, AppState, s3};
use serde::Serialize;
use utoipa::ToSchema;

/// How long a download URL works. Minted per request: URLs signed with a Lambda role's
/// session credentials stop working with them anyway.
pub const URL_TTL: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub percent: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutputView {
    pub name: String,
    pub content_type: String,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Presigned GET, valid for `url_expires_in` seconds; read the job again for a new one.
    pub url: String,
    pub url_expires_in: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub progress: Progress,
    /// What was asked for.
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    pub outputs: Vec<OutputView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<JobFailure>,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

impl JobView {
    /// The view without download URLs (lists, webhooks).
    pub fn summary(job: Job) -> Self {
        Self {
            id: job.id,
            kind: job.kind,
            status: job.status,
            project_id: job.project_id,
            progress: Progress {
                percent: job.progress_pct,
                stage: job.stage,
            },
            request: job.request,
            outputs: Vec::new(),
            error: job.error,
            attempts: job.attempts,
            webhook_url: job.webhook.map(|w| w.url),
            created_at: job.created_at,
            updated_at: job.updated_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
        }
    }

    /// The full view; outputs of a finished job come with fresh download URLs.
    pub async fn with_urls(state: &AppState, job: Job) -> Result<Self, ApiError> {
        let outputs = if job.status == JobStatus::Succeeded {
            job.outputs.clone()
        } else {
            Vec::new()
        };
        let mut view = Self::summary(job);
        for output in outputs {
            let url =
                s3::presigned_get(&state.aws, &state.config.bucket_name, &output.key, URL_TTL)
                    .await
                    .map_err(ApiError::internal)?;
            view.outputs.push(OutputView {
                name: output.name,
                content_type: output.content_type,
                bytes: output.bytes,
                width: output.width,
                height: output.height,
                url,
                url_expires_in: URL_TTL.as_secs(),
            });
        }
        Ok(view)
    }
}
