//! The generic job routes: follow, list and cancel any job.

use axum::{Json, extract::State};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    dynamo::PageParams,
    http::ApiQuery,
};
use roomwright_jobs::{JobStatus, store};
use roomwright_projects::access::{self as project_access, Need};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use roomwright_jobs::{access, view::JobView};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobFilter {
    /// A project's jobs (any member's); without it, the caller's own jobs.
    pub project: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<JobView>,
    pub next_cursor: Option<String>,
}

/// Jobs, newest first: a project's, or the caller's own. Lists carry no download URLs.
#[utoipa::path(
    get, path = "/v1/jobs", tag = "jobs", params(JobFilter),
    security(("bearer" = ["jobs:read"])),
    responses((status = 200, body = JobPage), (status = 404), (status = 422))
)]
pub async fn list_jobs(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::JobsRead>,
    ApiQuery(filter): ApiQuery<JobFilter>,
) -> Result<Json<JobPage>, ApiError> {
    let page = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .parse()?;
    let table = state.table();
    let result = match &filter.project {
        Some(project) => {
            project_access::load(&state, &caller, project, Need::Read).await?;
            store::list_for_project(&table, project, &page).await?
        }
        None => store::list_for_owner(&table, &caller.user_id, &page).await?,
    };
    Ok(Json(JobPage {
        items: result
            .items
            .into_iter()
            .map(|j| JobView::summary(j.value))
            .collect(),
        next_cursor: result.next_cursor,
    }))
}

/// A job with its progress, and for a finished job its outputs with download URLs minted
/// now (valid 15 minutes; read the job again for new ones).
#[utoipa::path(
    get, path = "/v1/jobs/{id}", tag = "jobs", params(("id" = String, Path)),
    security(("bearer" = ["jobs:read"])),
    responses((status = 200, body = JobView), (status = 404))
)]
pub async fn get_job(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::JobsRead>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = access::load(&state, &caller, &id, Need::Read).await?;
    Ok(Json(JobView::with_urls(&state, job.value).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveries {
    /// The webhook's URL, when the job has one (its secret is never shown again).
    pub url: Option<String>,
    /// Every attempt, first first: status or error, and when the next one is due.
    pub items: Vec<roomwright_jobs::webhook::Delivery>,
}

/// The deliveries log of the job's completion webhook (Standard Webhooks: `webhook-id`,
/// `webhook-timestamp`, `webhook-signature`), retried on failure for about a day.
#[utoipa::path(
    get, path = "/v1/jobs/{id}/webhook-deliveries", tag = "jobs", params(("id" = String, Path)),
    security(("bearer" = ["jobs:read"])),
    responses((status = 200, body = WebhookDeliveries), (status = 404))
)]
pub async fn webhook_deliveries(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::JobsRead>,
    Path(id): Path<String>,
) -> Result<Json<WebhookDeliveries>, ApiError> {
    let job = access::load(&state, &caller, &id, Need::Read).await?;
    let items = roomwright_jobs::webhook::deliveries(&state.table(), &id).await?;
    Ok(Json(WebhookDeliveries {
        url: job.value.webhook.map(|w| w.url),
        items,
    }))
}

/// Cancels a job that has not finished: it stops in Batch and keeps status CANCELLED. Asking
/// again is harmless; a finished job cannot be cancelled (409).
#[utoipa::path(
    post, path = "/v1/jobs/{id}/cancel", tag = "jobs", params(("id" = String, Path)),
    security(("bearer" = ["renders:create"])),
    responses((status = 200, body = JobView), (status = 403), (status = 404), (status = 409))
)]
pub async fn cancel_job(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::RendersCreate>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = access::load(&state, &caller, &id, Need::Edit).await?.value;
    if job.status == JobStatus::Cancelled {
        return Ok(Json(JobView::summary(job)));
    }
    let Some(cancelled) = store::cancel(&state.table(), &id).await? else {
        let now = store::get(&state.table(), &id).await?.map(|j| j.value);
        return match now {
            Some(job) if job.status == JobStatus::Cancelled => Ok(Json(JobView::summary(job))),
            _ => Err(ApiError::conflict(
                "job_finished",
                "The job has finished; there is nothing to cancel.",
            )),
        };
    };
    roomwright_jobs::spend::settle(&state.table(), &state.config.spend, &cancelled.value).await?;
    if let Some(batch_id) = &cancelled.value.batch_job_id {
        crate::dispatcher::terminate(&state, batch_id, "Cancelled by the user").await;
    }
    tracing::info!(job_id = id, "job cancelled");
    Ok(Json(JobView::summary(cancelled.value)))
}
