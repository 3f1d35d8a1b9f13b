//! `POST /v1/projects/{id}/renders` and `.../scenes`: freeze the project's plan and placed
//! furniture into a render job (the ordering itself is `roomwright_jobs::render`).

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
    render::{
        SubmittedRender,
        input::{RenderRequest, SceneRequest},
        order, order_scene,
    },
    submit,
};

/// A submitted job: 202 (or 200 for a retry) with the job to follow at `Location`.
type Submitted = (
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<SubmittedRender>,
);

fn answer((status, submitted): (StatusCode, SubmittedRender)) -> Result<Submitted, ApiError> {
    let location =
        HeaderValue::from_str(&format!("/v1/jobs/{}", submitted.job.id)).expect("ids are ASCII");
    Ok((status, [(header::LOCATION, location)], Json(submitted)))
}

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
) -> Result<Submitted, ApiError> {
    let key = submit::idempotency_key(&headers)?;
    answer(order(&state, &caller, &project_id, request, key).await?)
}

/// Orders the furnished rooms of one scenario as 3D files: GLB (the web, Android AR) and USDZ
/// (iPhone AR Quick Look), exported by the render worker's Blender from the same frozen plan
/// and furniture a render uses (each product's own model, else its dimensioned stand-in).
/// Followed like a render (`GET /v1/jobs/{id}`); each file is at most 64 MiB.
#[utoipa::path(
    post, path = "/v1/projects/{id}/scenes", tag = "jobs", request_body = SceneRequest,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = ["renders:create"])),
    responses((status = 202, body = SubmittedRender), (status = 200, body = SubmittedRender),
              (status = 404), (status = 409), (status = 422))
)]
pub async fn submit_scene(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::RendersCreate>,
    Path(project_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SceneRequest>,
) -> Result<Submitted, ApiError> {
    let key = submit::idempotency_key(&headers)?;
    answer(order_scene(&state, &caller, &project_id, request, key).await?)
}
