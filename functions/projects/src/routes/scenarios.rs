//! The floor plan, budget scenarios and their quotes.

use axum::{Json, extract::State};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    etag::IfMatch,
    http::ApiJson,
    problem::FieldErrors,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Tagged, projects::commit, tagged};
use roomwright_projects::{
    access::{self, Need},
    floorplan::{self, FloorPlan},
    model::Project,
    scenarios::{self, Quote, Scenario, Warning},
};

/// Replaces the project's floor plan. Every invalid field is named; nothing is stored then.
#[utoipa::path(
    put, path = "/v1/projects/{id}/floor-plan", tag = "projects", request_body = FloorPlan,
    params(("id" = String, Path), ("If-Match" = String, Header)), security(("bearer" = ["projects:write"])),
    responses((status = 200, body = Project), (status = 412), (status = 422))
)]
pub async fn put_floor_plan(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(plan): ApiJson<FloorPlan>,
) -> Result<Tagged, ApiError> {
    // Access first: a stranger's plan costs no validation work.
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    let mut errors = FieldErrors::new();
    floorplan::validate(&plan, &mut errors);
    errors.finish()?;
    project.value.floor_plan = Some(plan);
    commit(&state, &caller, project.value, project.version, &[]).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioSaved {
    pub project: Project,
    /// Placement problems the caller may accept or fix.
    pub warnings: Vec<Warning>,
}

/// Creates or replaces a scenario (its selections and commercial terms). Placements that leave
/// their room or overlap a wall or another item are saved and reported as warnings.
#[utoipa::path(
    put, path = "/v1/projects/{id}/scenarios/{scenario_id}", tag = "projects", request_body = Scenario,
    params(("id" = String, Path), ("scenario_id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 200, body = ScenarioSaved), (status = 412), (status = 422))
)]
pub async fn put_scenario(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((id, scenario_id)): Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(scenario): ApiJson<Scenario>,
) -> Result<Tagged<ScenarioSaved>, ApiError> {
    let mut errors = FieldErrors::new();
    if scenario.id != scenario_id {
        errors.add("id", "mismatch", "The scenario's id must match the path.");
    }
    scenarios::validate(&scenario, &mut errors);
    if !errors.is_empty() {
        return Err(errors.finish().unwrap_err());
    }
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    let products = scenarios::products_of(&state.table(), &scenario).await?;
    scenarios::check_products(&scenario, &products, &mut errors);
    errors.finish()?;
    let warnings =
        scenarios::placement_warnings(&scenario, project.value.floor_plan.as_ref(), &products);
    scenarios::upsert(&mut project.value.scenarios, scenario)?;
    let (etag, Json(project)) =
        commit(&state, &caller, project.value, project.version, &[]).await?;
    Ok((etag, Json(ScenarioSaved { project, warnings })))
}

/// Removes a scenario.
#[utoipa::path(
    delete, path = "/v1/projects/{id}/scenarios/{scenario_id}", tag = "projects",
    params(("id" = String, Path), ("scenario_id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 200, body = Project), (status = 404), (status = 412))
)]
pub async fn delete_scenario(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((id, scenario_id)): Path<(String, String)>,
    if_match: IfMatch,
) -> Result<Tagged, ApiError> {
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    let before = project.value.scenarios.len();
    project.value.scenarios.retain(|s| s.id != scenario_id);
    if project.value.scenarios.len() == before {
        return Err(ApiError::not_found(
            "scenario_not_found",
            format!("No scenario {scenario_id}."),
        ));
    }
    commit(&state, &caller, project.value, project.version, &[]).await
}

/// Prices a scenario from current catalog prices and stock, with its sustainability summary.
#[utoipa::path(
    get, path = "/v1/projects/{id}/scenarios/{scenario_id}/quote", tag = "projects",
    params(("id" = String, Path), ("scenario_id" = String, Path)),
    security(("bearer" = ["estimates:create"])),
    responses((status = 200, body = Quote), (status = 404), (status = 422))
)]
pub async fn quote_scenario(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::EstimatesCreate>,
    Path((id, scenario_id)): Path<(String, String)>,
) -> Result<Tagged<Quote>, ApiError> {
    let project = access::load(&state, &caller, &id, Need::Read).await?;
    let scenario = scenarios::find(&project.value.scenarios, &scenario_id)?;
    let (quote, _) =
        scenarios::priced(&state.table(), &project.value.requirements, scenario).await?;
    Ok(tagged(quote, project.version))
}
