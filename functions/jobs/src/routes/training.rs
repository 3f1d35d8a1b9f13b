//! Training jobs: on demand (`POST /v1/jobs/training`, admins) and nightly (the
//! `jobs-training-schedule` function, whose job key is the date, so a repeated schedule
//! delivery names the same job).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    http::ApiJson,
    jobs::JobKind,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    submit::{self, NewJob, Submitted, idempotency_key},
    view::JobView,
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
            estimate: roomwright_core::jobs::Estimate::of_kind(
                JobKind::Training,
                &state.config.spend,
            ),
        },
    )
    .await
}

/// Starts training the recommendation model now (it also runs nightly). The job reads the
/// interaction events, trains, evaluates, and serves the new model if it is not worse than
/// the current one. Send `Idempotency-Key`: a retry returns the same job (200).
#[utoipa::path(
    post, path = "/v1/jobs/training", tag = "jobs", request_body = TrainingRequest,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = ["models:manage"])),
    responses((status = 202, body = JobView), (status = 200, body = JobView), (status = 403),
              (status = 409), (status = 422))
)]
pub async fn submit_training(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ModelsManage>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<TrainingRequest>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let key = idempotency_key(&headers)?;
    Ok(
        match order_training(&state, &caller.user_id, key.as_deref(), &request).await? {
            Submitted::Created(job) => (StatusCode::ACCEPTED, Json(JobView::summary(job))),
            Submitted::Replayed(job) => (StatusCode::OK, Json(JobView::summary(job))),
        },
    )
}
