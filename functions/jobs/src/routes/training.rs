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
};
use roomwright_jobs::{
    submit::{Submitted, idempotency_key},
    training::{TrainingRequest, order_training},
    view::JobView,
};

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
