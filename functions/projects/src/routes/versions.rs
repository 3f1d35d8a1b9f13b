//! Saved versions: save, list, read, compare, restore.

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState,
    auth::{Caller, Require, perm},
    dynamo::PageParams,
    etag::IfMatch,
    http::{ApiJson, ApiQuery},
    time,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Tagged, projects::commit};
use roomwright_projects::{
    access::{self, Need},
    model::Project,
    versions::{self, Diff, Version},
};

/// The project's current content as its next version, counted in the project; the caller
/// writes both in one transaction ([`commit_version`]), so a save racing an edit either
/// stores both or neither.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    project: &mut Project,
    note: String,
) -> Result<Version, ApiError> {
    versions::record(&state.table(), &caller.user_id, project, note).await
}

/// Writes the project (read at `expected`) and its new `version` in one transaction.
pub async fn commit_version(
    state: &AppState,
    caller: &roomwright_core::auth::Caller,
    mut project: Project,
    expected: u64,
    version: &Version,
) -> Result<Tagged, ApiError> {
    let table = state.table();
    project.updated_at = time::sortable(time::now());
    project.updated_by = Some(caller.user_id.clone());
    project.updated_via = None;
    let item = versions::create_item(&table, &project.id, version)?;
    let written =
        roomwright_projects::store::write_with(&table, &project, Some(expected), &[], vec![item])
            .await?;
    Ok(super::tagged(project, written))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveVersion {
    #[serde(default)]
    pub note: String,
}

/// Saves the project's current state as an immutable version.
#[utoipa::path(
    post, path = "/v1/projects/{id}/versions", tag = "versions", request_body = SaveVersion,
    params(("id" = String, Path), ("If-Match" = String, Header)), security(("bearer" = ["projects:write"])),
    responses((status = 201, body = Version, headers(("ETag" = String, description = "The project's new version"))), (status = 412))
)]
pub async fn save_version(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(request): ApiJson<SaveVersion>,
) -> Result<
    (
        StatusCode,
        [(http::header::HeaderName, http::HeaderValue); 1],
        Json<Version>,
    ),
    ApiError,
> {
    if request.note.chars().count() > 500 {
        return Err(ApiError::validation(vec![
            roomwright_core::FieldError::new("note", "too_long", "At most 500 characters."),
        ]));
    }
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    let version = record(&state, &caller, &mut project.value, request.note).await?;
    let (etag, _) =
        commit_version(&state, &caller, project.value, project.version, &version).await?;
    Ok((StatusCode::CREATED, etag, Json(version)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionPage {
    pub items: Vec<Version>,
    pub next_cursor: Option<String>,
}

/// Versions of a project, newest first.
#[utoipa::path(
    get, path = "/v1/projects/{id}/versions", tag = "versions",
    params(("id" = String, Path), PageParams), security(("bearer" = ["projects:read"])),
    responses((status = 200, body = VersionPage), (status = 404))
)]
pub async fn list_versions(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<VersionPage>, ApiError> {
    access::load(&state, &caller, &id, Need::Read).await?;
    let (items, next_cursor) = versions::list(&state.table(), &id, &page.parse()?).await?;
    Ok(Json(VersionPage { items, next_cursor }))
}

async fn version(state: &AppState, id: &str, number: u32) -> Result<Version, ApiError> {
    versions::get(&state.table(), id, number)
        .await?
        .ok_or_else(|| ApiError::not_found("version_not_found", format!("No version {number}.")))
}

/// One version.
#[utoipa::path(
    get, path = "/v1/projects/{id}/versions/{number}", tag = "versions",
    params(("id" = String, Path), ("number" = u32, Path)), security(("bearer" = ["projects:read"])),
    responses((status = 200, body = Version), (status = 404))
)]
pub async fn get_version(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((id, number)): Path<(String, u32)>,
) -> Result<Json<Version>, ApiError> {
    access::load(&state, &caller, &id, Need::Read).await?;
    Ok(Json(version(&state, &id, number).await?))
}

/// What changed between two versions.
#[utoipa::path(
    get, path = "/v1/projects/{id}/versions/{from}/diff/{to}", tag = "versions",
    params(("id" = String, Path), ("from" = u32, Path), ("to" = u32, Path)), security(("bearer" = ["projects:read"])),
    responses((status = 200, body = Diff), (status = 404))
)]
pub async fn diff_versions(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((id, from, to)): Path<(String, u32, u32)>,
) -> Result<Json<Diff>, ApiError> {
    access::load(&state, &caller, &id, Need::Read).await?;
    let (a, b) = (
        version(&state, &id, from).await?,
        version(&state, &id, to).await?,
    );
    Ok(Json(versions::diff(&a, &b)))
}

/// Makes a version's content the project's current content (a new head; history is kept).
#[utoipa::path(
    post, path = "/v1/projects/{id}/versions/{number}/restore", tag = "versions",
    params(("id" = String, Path), ("number" = u32, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 200, body = Project), (status = 404), (status = 412))
)]
pub async fn restore_version(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((id, number)): Path<(String, u32)>,
    if_match: IfMatch,
) -> Result<Tagged, ApiError> {
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    version(&state, &id, number)
        .await?
        .snapshot
        .apply_to(&mut project.value);
    commit(&state, &caller, project.value, project.version, &[]).await
}
