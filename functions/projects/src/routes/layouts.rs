//! Design generation: furnished layouts proposed from the brief, accepted as scenarios.

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    etag::IfMatch,
    http::{ApiJson, Drawing, Path},
    problem::FieldErrors,
};
use roomwright_layout::{
    Settings,
    service::{self, LayoutRequest, Layouts},
};
use roomwright_projects::{
    access::{self, Need},
    scenarios,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Tagged, projects::commit, scenarios::ScenarioSaved, tagged};

/// Proposes furnished layouts of the floor plan: real products in stock (or within the brief's
/// lead time) placed by the rules in the README, each proposal with its score, the rules each
/// room meets, warnings and a quote. Proposals are drafts kept 7 days until accepted.
#[utoipa::path(
    post, path = "/v1/projects/{id}/layouts", tag = "projects", request_body = LayoutRequest,
    params(("id" = String, Path)), security(("bearer" = ["projects:write"])),
    responses((status = 201, body = Layouts), (status = 404), (status = 409), (status = 422))
)]
pub async fn propose_layouts(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LayoutRequest>,
) -> Result<(StatusCode, Json<Layouts>), ApiError> {
    let mut errors = FieldErrors::new();
    request.validate(&mut errors);
    errors.finish()?;
    let project = access::load(&state, &caller, &id, Need::Edit).await?;
    let model = roomwright_recs::cache::served_model(&state).await;
    let layouts = service::propose_layouts(
        &state.table(),
        &project.value,
        &caller.user_id,
        &request,
        model.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(layouts)))
}

/// The body may be `{}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptLayout {
    /// The scenario to write: replaced if it exists, created otherwise. Defaults to the
    /// scenario the proposal took its terms from, else a new one named after the proposal.
    #[serde(default)]
    pub scenario_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// Accepts a proposal: writes it into the project as a scenario (with the project's
/// `If-Match`). Accepting the same proposal into the same scenario again changes nothing.
#[utoipa::path(
    post, path = "/v1/projects/{id}/layouts/{layout_id}/accept", tag = "projects",
    request_body = AcceptLayout,
    params(("id" = String, Path), ("layout_id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 200, body = ScenarioSaved), (status = 404), (status = 409), (status = 412), (status = 422))
)]
pub async fn accept_layout(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((id, layout_id)): Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(accept): ApiJson<AcceptLayout>,
) -> Result<Tagged<ScenarioSaved>, ApiError> {
    let mut errors = FieldErrors::new();
    if let Some(name) = &accept.name
        && (name.trim().is_empty() || name.chars().count() > 100)
    {
        errors.add(
            "name",
            "invalid",
            "Name the scenario in 1 to 100 characters.",
        );
    }
    if let Some(sid) = &accept.scenario_id
        && (sid.trim().is_empty() || sid.len() > 64)
    {
        errors.add(
            "scenario_id",
            "invalid",
            "Scenario ids are 1 to 64 characters.",
        );
    }
    errors.finish()?;
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    let draft = service::draft(&state.table(), &id, &layout_id).await?;
    let scenario = service::accepted_scenario(&draft, accept.scenario_id, accept.name);
    // A retried accept finds its scenario written and changes nothing.
    if project.value.scenarios.contains(&scenario) {
        let version = project.version;
        return Ok(tagged(
            ScenarioSaved {
                project: project.value,
                warnings: Vec::new(),
            },
            version,
        ));
    }
    access::check_version(&project, if_match)?;
    let mut errors = FieldErrors::new();
    scenarios::validate(&scenario, &mut errors);
    errors.finish()?;
    let mut errors = FieldErrors::new();
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

fn product_names(
    products: &std::collections::HashMap<String, roomwright_core::catalog::Product>,
) -> std::collections::HashMap<String, String> {
    products
        .iter()
        .map(|(id, p)| (id.clone(), p.name.clone()))
        .collect()
}

/// The scenario drawn on the floor plan (SVG): rooms, walls, doors with their swings,
/// windows, every placed item with its clearance, and the items that break a rule in red.
#[utoipa::path(
    get, path = "/v1/projects/{id}/scenarios/{scenario_id}/plan.svg", tag = "projects",
    params(("id" = String, Path), ("scenario_id" = String, Path)),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404), (status = 409))
)]
pub async fn scenario_plan(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((id, scenario_id)): Path<(String, String)>,
) -> Result<Drawing, ApiError> {
    draw_scenario(&state, &caller, &id, &scenario_id, false).await
}

/// The scenario's drawing as PNG (the same as `plan.svg`).
#[utoipa::path(
    get, path = "/v1/projects/{id}/scenarios/{scenario_id}/plan.png", tag = "projects",
    params(("id" = String, Path), ("scenario_id" = String, Path)),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404), (status = 409))
)]
pub async fn scenario_plan_png(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((id, scenario_id)): Path<(String, String)>,
) -> Result<Drawing, ApiError> {
    draw_scenario(&state, &caller, &id, &scenario_id, true).await
}

async fn draw_scenario(
    state: &AppState,
    caller: &roomwright_core::auth::Caller,
    id: &str,
    scenario_id: &str,
    png: bool,
) -> Result<Drawing, ApiError> {
    let project = access::load(state, caller, id, Need::Read).await?.value;
    let scenario = scenarios::find(&project.scenarios, scenario_id)?;
    let plan = project.floor_plan.as_ref().ok_or_else(|| {
        ApiError::conflict("no_floor_plan", "The project has no floor plan to draw on.")
    })?;
    let products = scenarios::products_of(&state.table(), scenario).await?;
    let items = roomwright_layout::engine::placed_items(scenario, &products);
    let settings = Settings::default();
    let violations = roomwright_layout::check::check(plan, &items, &settings);
    let title = format!("{} — {}", project.name, scenario.name);
    let svg = roomwright_layout::draw::plan_svg(
        plan,
        &items,
        &product_names(&products),
        &violations,
        &title,
        &settings,
    );
    roomwright_layout::draw::answer(svg, png)
}

/// A proposal drawn on the floor plan (SVG), before it is accepted.
#[utoipa::path(
    get, path = "/v1/projects/{id}/layouts/{layout_id}/plan.svg", tag = "projects",
    params(("id" = String, Path), ("layout_id" = String, Path)),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404))
)]
pub async fn layout_plan(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((id, layout_id)): Path<(String, String)>,
) -> Result<Drawing, ApiError> {
    draw_layout(&state, &caller, &id, &layout_id, false).await
}

/// The proposal's drawing as PNG (the same as `plan.svg`).
#[utoipa::path(
    get, path = "/v1/projects/{id}/layouts/{layout_id}/plan.png", tag = "projects",
    params(("id" = String, Path), ("layout_id" = String, Path)),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404))
)]
pub async fn layout_plan_png(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((id, layout_id)): Path<(String, String)>,
) -> Result<Drawing, ApiError> {
    draw_layout(&state, &caller, &id, &layout_id, true).await
}

async fn draw_layout(
    state: &AppState,
    caller: &roomwright_core::auth::Caller,
    id: &str,
    layout_id: &str,
    png: bool,
) -> Result<Drawing, ApiError> {
    let project = access::load(state, caller, id, Need::Read).await?.value;
    let draft = service::draft(&state.table(), id, layout_id).await?;
    let plan = project.floor_plan.as_ref().ok_or_else(|| {
        ApiError::conflict("no_floor_plan", "The project has no floor plan to draw on.")
    })?;
    let mut ids: Vec<String> = draft
        .proposal
        .items
        .iter()
        .map(|i| i.product_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    let products: std::collections::HashMap<String, _> =
        roomwright_core::catalog::get_products(&state.table(), &ids)
            .await?
            .into_iter()
            .map(|(id, v)| (id, v.value))
            .collect();
    let title = format!("{} — {} (proposal)", project.name, draft.proposal.name);
    let svg = roomwright_layout::draw::plan_svg(
        plan,
        &draft.proposal.items,
        &product_names(&products),
        &draft.proposal.violations,
        &title,
        &Settings::default(),
    );
    roomwright_layout::draw::answer(svg, png)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FitBudgetRequest {
    /// The budget in minor units; the requirements' budget ceiling when absent.
    #[serde(default)]
    pub budget_minor: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetFitted {
    pub project: roomwright_projects::model::Project,
    pub fit: roomwright_layout::budget::Fit,
}

/// Fits a scenario to a budget: swaps products for similar cheaper ones (same kind, fitting the
/// footprint, closest style) until the quote fits, each swap explained; under budget, suggests
/// upgrades without applying them. Writes the scenario (with the project's `If-Match`) only
/// when something was swapped; a budget no swap reaches is refused and changes nothing.
#[utoipa::path(
    post, path = "/v1/projects/{id}/scenarios/{scenario_id}/fit-budget", tag = "projects",
    request_body = FitBudgetRequest,
    params(("id" = String, Path), ("scenario_id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 200, body = BudgetFitted), (status = 404), (status = 409), (status = 412), (status = 422))
)]
pub async fn fit_budget(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((id, scenario_id)): Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(request): ApiJson<FitBudgetRequest>,
) -> Result<Tagged<BudgetFitted>, ApiError> {
    if let Some(b) = request.budget_minor
        && !(1..=1_000_000_000_000).contains(&b)
    {
        let mut errors = FieldErrors::new();
        errors.add(
            "budget_minor",
            "out_of_range",
            "A budget is a positive amount in minor units.",
        );
        errors.finish()?;
    }
    let mut project = access::load(&state, &caller, &id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    let fit = service::fit_scenario(
        &state.table(),
        &project.value,
        &scenario_id,
        request.budget_minor,
    )
    .await?;
    if fit.swaps.is_empty() {
        let version = project.version;
        return Ok(tagged(
            BudgetFitted {
                project: project.value,
                fit,
            },
            version,
        ));
    }
    scenarios::upsert(&mut project.value.scenarios, fit.scenario.clone())?;
    let (etag, Json(project)) =
        commit(&state, &caller, project.value, project.version, &[]).await?;
    Ok((etag, Json(BudgetFitted { project, fit })))
}
