//! Training jobs: what one is given and how it is queued, on demand (`POST /v1/jobs/training`,
//! admins) and nightly (the `jobs-training-schedule` function, whose job key is the date, so a
//! repeated schedule delivery names the same job).

use roomwright_core::{ApiError, AppState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    Estimate, JobKind,
    submit::{self, NewJob, Submitted},
};

/// Who owns scheduled training jobs.
pub const SCHEDULE_OWNER: &str = "system:schedule";

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingRequest {
    /// Why this run (shown with the job), e.g. `catalog import`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Queues a training job; the same owner and key name the same job.
pub async fn order_training(
    state: &AppState,
    owner_id: &str,
    key: Option<&str>,
    request: &TrainingRequest,
) -> Result<Submitted, ApiError> {
    if request
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > 200)
    {
        return Err(ApiError::validation(vec![
            roomwright_core::FieldError::new(
                "note",
                "too_long",
                "Keep the note within 200 characters.",
            ),
        ]));
    }
    let body = serde_json::to_value(request).expect("serialisable");
    let text = body.to_string();
    submit::submit(
        state,
        NewJob {
            id: submit::job_id(owner_id, key),
            kind: JobKind::Training,
            owner_id: owner_id.to_string(),
            project_id: None,
            request: body,
            request_hash: submit::request_hash(&["training", &text]),
            input: text.into_bytes(),
            webhook: None,
            estimate: Estimate::of_kind(JobKind::Training, &state.config.spend),
        },
    )
    .await
}
