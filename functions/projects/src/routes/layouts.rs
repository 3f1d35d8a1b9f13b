//! Design generation: furnished layouts proposed from the brief, accepted as scenarios.

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    etag::IfMatch,
    http::{ApiJson, Path},
    problem::FieldErrors,
    time,
};
use roomwright_layout::{
    Brief, BriefOverrides, Settings, propose,
    store::{self as drafts, DRAFT_DAYS, Draft},
};
use roomwright_projects::{
    access::{self, Need},
    scenarios::{self, Quote, Terms},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Tagged, projects::commit, scenarios::ScenarioSaved, tagged};

/// Rooms' total area a request furnishes at most (a large office floor is 2,000-4,000 m²;
/// the engine's time grows with it, and the route must answer within the gateway's 29 s).
const MAX_AREA_M2: f64 = 6_000.0;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LayoutRequest {
    /// A scenario whose commercial terms the proposals take (and which accepting replaces).
    #[serde(default)]
    pub scenario_id: Option<String>,
    /// Furnish only these rooms of the floor plan (all when absent).
    #[serde(default)]
    pub rooms: Option<Vec<String>>,
    /// 1 to 3 proposals, each from another strategy (benching, desks by the windows, value).
    #[serde(default = "two")]
    pub alternatives: u8,
    /// Changes to the brief the project's requirements give.
    #[serde(default)]
    pub brief: BriefOverrides,
}

fn two() -> u8 {
    2
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Layout {
    pub layout_id: String,
    /// RFC 3339; accept before.
    pub expires_at: String,
    pub proposal: roomwright_layout::Proposal,
    /// The proposal priced as a scenario with the terms it took.
    pub quote: Quote,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Layouts {
    pub brief: Brief,
    pub layouts: Vec<Layout>,
}

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
    if !(1..=3).contains(&request.alternatives) {
        errors.add(
            "alternatives",
            "out_of_range",
            "Ask for 1 to 3 alternatives.",
        );
    }
    if request
        .rooms
        .as_ref()
        .is_some_and(|r| r.is_empty() || r.len() > 200)
    {
        errors.add(
            "rooms",
            "out_of_range",
            "Name 1 to 200 rooms, or none for all.",
        );
    }
    request.brief.validate(&mut errors);
    errors.finish()?;
    let mut errors = FieldErrors::new();
    let project = access::load(&state, &caller, &id, Need::Edit).await?;
    let project = project.value;
    let Some(plan) = &project.floor_plan else {
        return Err(ApiError::conflict(
            "no_floor_plan",
            "The project has no floor plan to furnish: import or draw one first.",
        ));
    };
    let mut area = 0.0;
    if let Some(rooms) = &request.rooms {
        for (i, room_id) in rooms.iter().enumerate() {
            match plan.rooms.iter().find(|r| &r.id == room_id) {
                Some(room) => area += geo::Area::unsigned_area(&room.shape()),
                None => errors.add(
                    format!("rooms[{i}]"),
                    "unknown_room",
                    format!("The floor plan has no room {room_id}."),
                ),
            }
        }
    } else {
        area = plan
            .rooms
            .iter()
            .map(|r| geo::Area::unsigned_area(&r.shape()))
            .sum();
    }
    let terms = match &request.scenario_id {
        None => Terms::default(),
        Some(sid) => match project.scenarios.iter().find(|s| &s.id == sid) {
            Some(s) => s.terms.clone(),
            None => {
                errors.add(
                    "scenario_id",
                    "unknown_scenario",
                    format!("No scenario {sid}."),
                );
                Terms::default()
            }
        },
    };
    if area > MAX_AREA_M2 {
        errors.add(
            "rooms",
            "floor_too_large",
            format!(
                "These rooms cover {area:.0} m²; a request furnishes at most {MAX_AREA_M2:.0} m². Name fewer rooms."
            ),
        );
    }
    errors.finish()?;

    let brief = Brief::new(&project.requirements, &request.brief);
    let currency = project.requirements.currency.clone();
    let products = drafts::catalog_for(&state.table(), &currency).await?;
    let settings = Settings::default();
    let plan = plan.clone();
    let rooms = request.rooms.clone();
    let alternatives = request.alternatives as usize;
    let engine_brief = brief.clone();
    let engine_products = products.clone();
    // CPU work off the async workers.
    let proposals = tokio::task::spawn_blocking(move || {
        propose(
            &plan,
            rooms.as_deref(),
            &engine_brief,
            &engine_products,
            alternatives,
            &settings,
        )
    })
    .await
    .map_err(ApiError::internal)?;

    let by_id: std::collections::HashMap<String, _> =
        products.into_iter().map(|p| (p.id.clone(), p)).collect();
    let now = time::now();
    let expires = now + ::time::Duration::days(DRAFT_DAYS);
    let mut layouts = Vec::new();
    for proposal in proposals {
        let layout_id = uuid::Uuid::now_v7().to_string();
        let scenario = drafts::scenario_of(&proposal, &layout_id, &proposal.name, &terms);
        let quote =
            scenarios::quote(&scenario, &by_id, &currency, brief.budget_minor).map_err(|e| {
                ApiError::internal(format!("a proposal could not be priced: {:?}", e.paths()))
            })?;
        let draft = Draft {
            layout_id: layout_id.clone(),
            project_id: project.id.clone(),
            created_by: caller.user_id.clone(),
            created_at: time::sortable(now),
            expires_at: expires.unix_timestamp(),
            scenario_id: request.scenario_id.clone(),
            terms: terms.clone(),
            brief: brief.clone(),
            proposal: proposal.clone(),
        };
        drafts::save(&state.table(), &draft).await?;
        layouts.push(Layout {
            layout_id,
            expires_at: time::rfc3339(expires),
            proposal,
            quote,
        });
    }
    Ok((StatusCode::CREATED, Json(Layouts { brief, layouts })))
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
    let draft = drafts::load(
        &state.table(),
        &id,
        &layout_id,
        time::now().unix_timestamp(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::not_found(
            "layout_not_found",
            format!("No layout {layout_id} to accept: it expired or belongs to another project."),
        )
    })?;
    let scenario_id = accept
        .scenario_id
        .or(draft.scenario_id.clone())
        .unwrap_or_else(|| {
            format!(
                "layout-{}",
                &draft.layout_id[..8.min(draft.layout_id.len())]
            )
        });
    let name = accept.name.unwrap_or_else(|| draft.proposal.name.clone());
    let scenario = drafts::scenario_of(&draft.proposal, &scenario_id, &name, &draft.terms);
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
    let (etag, Json(project)) = commit(&state, project.value, project.version, &[]).await?;
    Ok((etag, Json(ScenarioSaved { project, warnings })))
}

/// An SVG drawing.
pub struct Svg(String);

impl axum::response::IntoResponse for Svg {
    fn into_response(self) -> axum::response::Response {
        (
            [
                (http::header::CONTENT_TYPE, "image/svg+xml"),
                (http::header::CACHE_CONTROL, "private, no-store"),
            ],
            self.0,
        )
            .into_response()
    }
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
) -> Result<Svg, ApiError> {
    let project = access::load(&state, &caller, &id, Need::Read).await?.value;
    let scenario = project
        .scenarios
        .iter()
        .find(|s| s.id == scenario_id)
        .ok_or_else(|| {
            ApiError::not_found("scenario_not_found", format!("No scenario {scenario_id}."))
        })?;
    let plan = project.floor_plan.as_ref().ok_or_else(|| {
        ApiError::conflict("no_floor_plan", "The project has no floor plan to draw on.")
    })?;
    let products = scenarios::products_of(&state.table(), scenario).await?;
    let items = roomwright_layout::engine::placed_items(scenario, &products);
    let settings = Settings::default();
    let violations = roomwright_layout::check::check(plan, &items, &settings);
    let title = format!("{} — {}", project.name, scenario.name);
    Ok(Svg(roomwright_layout::draw::plan_svg(
        plan,
        &items,
        &product_names(&products),
        &violations,
        &title,
        &settings,
    )))
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
) -> Result<Svg, ApiError> {
    let project = access::load(&state, &caller, &id, Need::Read).await?.value;
    let draft = drafts::load(
        &state.table(),
        &id,
        &layout_id,
        time::now().unix_timestamp(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::not_found(
            "layout_not_found",
            format!("No layout {layout_id}: it expired or belongs to another project."),
        )
    })?;
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
    Ok(Svg(roomwright_layout::draw::plan_svg(
        plan,
        &draft.proposal.items,
        &product_names(&products),
        &draft.proposal.violations,
        &title,
        &Settings::default(),
    )))
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
    let requirements = &project.value.requirements;
    let Some(budget) = request.budget_minor.or(requirements.budget_ceiling_minor) else {
        let mut errors = FieldErrors::new();
        errors.add(
            "budget_minor",
            "required",
            "Give a budget: the project's requirements have none.",
        );
        return Err(errors.finish().unwrap_err());
    };
    let scenario = project
        .value
        .scenarios
        .iter()
        .find(|s| s.id == scenario_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found("scenario_not_found", format!("No scenario {scenario_id}."))
        })?;
    let currency = requirements.currency.clone();
    let styles = Brief::new(requirements, &BriefOverrides::default()).styles;
    let products = scenarios::products_of(&state.table(), &scenario).await?;
    let catalog = drafts::catalog_for(&state.table(), &currency).await?;
    let fit = roomwright_layout::budget::fit_budget(&scenario, &products, &catalog, &currency, budget, &styles)
        .map_err(|e| match e {
            roomwright_layout::budget::FitError::Unreachable { lowest_minor } => ApiError::conflict(
                "budget_unreachable",
                format!(
                    "The lowest this scenario reaches with fitting products is {lowest_minor} (minor units of {currency}); the budget is {budget}."
                ),
            ),
            roomwright_layout::budget::FitError::Unpriced(paths) => ApiError::conflict(
                "scenario_unpriced",
                format!("The scenario cannot be priced: {}.", paths.join(", ")),
            ),
        })?;
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
    let (etag, Json(project)) = commit(&state, project.value, project.version, &[]).await?;
    Ok((etag, Json(BudgetFitted { project, fit })))
}
