//! Creating, reading, listing, changing, deleting and restoring projects.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState,
    auth::{Caller, Require, perm},
    dynamo::{PageParams, Versioned},
    etag::IfMatch,
    http::{ApiJson, ApiQuery},
    problem::FieldErrors,
    time,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Tagged, tagged};
use roomwright_projects::{
    access::{self, Need},
    change::{self, NewProject, ProjectChange},
    model::{Project, Status},
    store::{self, ProjectSummary},
};

/// Saves a changed project over the version it was read at; returns it with its new ETag.
pub async fn commit(
    state: &AppState,
    caller: &Caller,
    mut project: Project,
    version: u64,
    removed: &[String],
) -> Result<Tagged, ApiError> {
    project.updated_at = time::sortable(time::now());
    project.updated_by = Some(caller.user_id.clone());
    project.updated_via = None;
    let version = store::write(&state.table(), &project, Some(version), removed).await?;
    Ok(tagged(project, version))
}

/// Creates a project owned by the caller.
#[utoipa::path(
    post, path = "/v1/projects", tag = "projects", request_body = NewProject,
    security(("bearer" = ["projects:write"])),
    responses((status = 201, body = Project, headers(("ETag" = String), ("Location" = String))), (status = 422))
)]
pub async fn create_project(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    ApiJson(new): ApiJson<NewProject>,
) -> Result<impl IntoResponse, ApiError> {
    let project = change::create(&caller.user_id, &caller.email, new)?;
    let version = store::write(&state.table(), &project, None, &[]).await?;
    let location = format!("/v1/projects/{}", project.id);
    let (etag, body) = tagged(project, version);
    Ok((
        StatusCode::CREATED,
        etag,
        [(header::LOCATION, location)],
        body,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    /// One status, or `deleted` for the trash.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<ProjectSummary>,
    pub next_cursor: Option<String>,
}

/// The caller's own and shared projects, most recently updated first.
#[utoipa::path(
    get, path = "/v1/projects", tag = "projects", params(ListFilter),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, body = ProjectPage), (status = 422))
)]
pub async fn list_projects(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> Result<Json<ProjectPage>, ApiError> {
    if let Some(status) = &filter.status
        && status != "deleted"
        && !Status::ALL.iter().any(|s| s.as_str() == status)
    {
        return Err(ApiError::validation(vec![
            roomwright_core::FieldError::new(
                "status",
                "invalid",
                "status is draft, in_review, approved, ordered, archived or deleted.",
            ),
        ]));
    }
    let page = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .parse()?;
    let (items, next_cursor) = store::list(
        &state.table(),
        &caller.user_id,
        filter.status.as_deref(),
        &page,
    )
    .await?;
    Ok(Json(ProjectPage { items, next_cursor }))
}

/// One project, with its version as ETag.
#[utoipa::path(
    get, path = "/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path)), security(("bearer" = ["projects:read"])),
    responses((status = 200, body = Project, headers(("ETag" = String))), (status = 404))
)]
pub async fn get_project(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path(id): Path<String>,
) -> Result<Tagged, ApiError> {
    let Versioned { value, version } = access::load(&state, &caller, &id, Need::Read).await?;
    Ok(tagged(value, version))
}

/// Changes fields of a project. Needs `If-Match`.
#[utoipa::path(
    patch, path = "/v1/projects/{id}", tag = "projects", request_body = ProjectChange,
    params(("id" = String, Path), ("If-Match" = String, Header)), security(("bearer" = ["projects:write"])),
    responses((status = 200, body = Project), (status = 404), (status = 412), (status = 428), (status = 422))
)]
pub async fn update_project(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(change): ApiJson<ProjectChange>,
) -> Result<Tagged, ApiError> {
    let mut errors = FieldErrors::new();
    change::check(&mut errors, &change);
    errors.finish()?;
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    change::apply(&mut project.value, change);
    commit(&state, &caller, project.value, project.version, &[]).await
}

/// Moves a project to the trash; it can be restored for 30 days, then it is removed.
#[utoipa::path(
    delete, path = "/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path), ("If-Match" = String, Header)), security(("bearer" = ["projects:delete"])),
    responses((status = 200, body = Project), (status = 404), (status = 412))
)]
pub async fn delete_project(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsDelete>,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<Tagged, ApiError> {
    let mut project = access::load(&state, &caller, &id, Need::Own).await?;
    access::check_version(&project, if_match)?;
    if project.value.deleted_at.is_some() {
        return Err(ApiError::conflict(
            "project_deleted",
            "The project is in the trash already.",
        ));
    }
    project.value.deleted_at = Some(time::rfc3339(time::now()));
    commit(&state, &caller, project.value, project.version, &[]).await
}

/// Brings a project back from the trash.
#[utoipa::path(
    post, path = "/v1/projects/{id}/restore", tag = "projects",
    params(("id" = String, Path), ("If-Match" = String, Header)), security(("bearer" = ["projects:delete"])),
    responses((status = 200, body = Project), (status = 404), (status = 409), (status = 412))
)]
pub async fn restore_project(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsDelete>,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<Tagged, ApiError> {
    let mut project = access::load(&state, &caller, &id, Need::Own).await?;
    access::check_version(&project, if_match)?;
    if project.value.deleted_at.take().is_none() {
        return Err(ApiError::conflict(
            "project_not_deleted",
            "The project is not in the trash.",
        ));
    }
    commit(&state, &caller, project.value, project.version, &[]).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: Status,
    /// Note of the version saved when the project is approved.
    #[serde(default)]
    pub note: Option<String>,
}

/// Moves a project along its lifecycle (allowed transitions only). Approval saves a version.
#[utoipa::path(
    post, path = "/v1/projects/{id}/status", tag = "projects", request_body = StatusChange,
    params(("id" = String, Path), ("If-Match" = String, Header)), security(("bearer" = ["projects:write"])),
    responses((status = 200, body = Project), (status = 409, description = "`invalid_transition`"), (status = 412))
)]
pub async fn change_status(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(change): ApiJson<StatusChange>,
) -> Result<Tagged, ApiError> {
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    let from = project.value.status;
    if !from.can_become(change.status) {
        return Err(ApiError::conflict(
            "invalid_transition",
            format!(
                "A project cannot go from {} to {}.",
                from.as_str(),
                change.status.as_str()
            ),
        ));
    }
    project.value.status = change.status;
    if change.status == Status::Approved {
        let note = change.note.unwrap_or_else(|| "Approved".to_string());
        let version = super::versions::record(&state, &caller, &mut project.value, note).await?;
        return super::versions::commit_version(
            &state,
            &caller,
            project.value,
            project.version,
            &version,
        )
        .await;
    }
    commit(&state, &caller, project.value, project.version, &[]).await
}
