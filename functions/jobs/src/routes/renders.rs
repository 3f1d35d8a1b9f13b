//! `POST /v1/projects/{id}/renders`: freezes the project's plan and placed furniture into a
//! render job (the ordering itself is `roomwright_jobs::render`).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    http::ApiJson,
};
use roomwright_jobs::{
    render::{SubmittedRender, input::RenderRequest, order},
    submit,
};

/// Orders a photorealistic render of the project's floor plan with the placed furniture of
/// one scenario. Send `Idempotency-Key`: a retry returns the same job (200) instead of a new
/// one (202).
#[utoipa::path(
    post, path = "/v1/projects/{id}/renders", tag = "jobs", request_body = RenderRequest,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = ["renders:create"])),
    responses((status = 202, body = SubmittedRender), (status = 200, body = SubmittedRender),
              (status = 404), (status = 409), (status = 422))
)]
pub async fn submit_render(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::RendersCreate>,
    Path(project_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<RenderRequest>,
) -> Result<
    (
        StatusCode,
        [(header::HeaderName, HeaderValue); 1],
        Json<SubmittedRender>,
    ),
    ApiError,
> {
    let key = submit::idempotency_key(&headers)?;
    let (status, submitted) = order(&state, &caller, &project_id, request, key).await?;
    let location =
        HeaderValue::from_str(&format!("/v1/jobs/{}", submitted.job.id)).expect("ids are ASCII");
    Ok((status, [(header::LOCATION, location)], Json(submitted)))
}
