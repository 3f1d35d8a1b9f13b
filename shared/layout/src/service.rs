//! Design generation as the routes and the assistant both run it: propose layouts for a
//! project (kept as drafts), turn a draft into a scenario, fit a scenario to a budget. Access
//! is the caller's business (both check it before calling); these check the request against
//! the project and do the work.

use std::collections::HashMap;

use roomwright_core::{ApiError, dynamo::Table, problem::FieldErrors, time};
use roomwright_projects::{
    model::Project,
    scenarios::{self, Quote, Scenario, Terms},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use roomwright_core::catalog::Product;
use roomwright_recs::{model::Model, serve::Basis};

use crate::{
    Brief, BriefOverrides, Proposal, Role, Settings,
    budget::{Fit, FitError, fit_budget},
    choose::{obtainable, role_of},
    propose,
    store::{self as drafts, DRAFT_DAYS, Draft},
};

/// Rooms' total area a request furnishes at most (a large office floor is 2,000-4,000 m²;
/// the engine's time grows with it, and a route must answer within the gateway's 29 s).
pub const MAX_AREA_M2: f64 = 6_000.0;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
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
    #[serde(default, deserialize_with = "roomwright_core::http::object::required")]
    pub brief: BriefOverrides,
}

fn two() -> u8 {
    2
}

impl LayoutRequest {
    /// What can be checked without the project.
    pub fn validate(&self, errors: &mut FieldErrors) {
        if !(1..=3).contains(&self.alternatives) {
            errors.add(
                "alternatives",
                "out_of_range",
                "Ask for 1 to 3 alternatives.",
            );
        }
        if self
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
        self.brief.validate(errors);
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Layout {
    pub layout_id: String,
    /// RFC 3339; accept before.
    pub expires_at: String,
    pub proposal: Proposal,
    /// The proposal priced as a scenario with the terms it took.
    pub quote: Quote,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Layouts {
    pub brief: Brief,
    pub layouts: Vec<Layout>,
}

/// Puts the model's affinity of the designer (else of the project's selections) for the
/// products a layout could use into the brief.
fn learn_taste(
    brief: &mut Brief,
    model: &Model,
    project: &Project,
    user_id: &str,
    products: &[Product],
) {
    let mut selected: Vec<String> = project
        .scenarios
        .iter()
        .flat_map(|s| &s.selections)
        .map(|s| s.product_id.clone())
        .collect();
    selected.sort();
    selected.dedup();
    let candidates: Vec<&str> = products
        .iter()
        .filter(|p| obtainable(p, brief) && role_of(p) != Role::Other)
        .map(|p| p.id.as_str())
        .collect();
    if let Some(affinity) = model.affinity(Some(user_id), &selected, &candidates) {
        brief.learned_taste = Some(format!(
            "recommendation model {}, {}",
            affinity.model_version,
            match affinity.basis {
                Basis::Personalised => "the designer's choices",
                Basis::Selections | Basis::Popularity => "the project's selections",
            }
        ));
        brief.affinity = affinity.scores;
    }
}

/// Proposes layouts of the project's floor plan and keeps each as a draft. The request must
/// have passed [`LayoutRequest::validate`]. The served recommendation `model`, when there is
/// one, adds the designer's learnt taste to the brief's style.
pub async fn propose_layouts(
    table: &Table,
    project: &Project,
    user_id: &str,
    request: &LayoutRequest,
    model: Option<&Model>,
) -> Result<Layouts, ApiError> {
    let Some(plan) = &project.floor_plan else {
        return Err(ApiError::conflict(
            "no_floor_plan",
            "The project has no floor plan to furnish: import or draw one first.",
        ));
    };
    let mut errors = FieldErrors::new();
    let area_of = |r: &roomwright_projects::floorplan::Room| geo::Area::unsigned_area(&r.shape());
    let area: f64 = match &request.rooms {
        Some(rooms) => rooms
            .iter()
            .enumerate()
            .filter_map(|(i, room_id)| {
                let room = plan.rooms.iter().find(|r| &r.id == room_id);
                if room.is_none() {
                    errors.add(
                        format!("rooms[{i}]"),
                        "unknown_room",
                        format!("The floor plan has no room {room_id}."),
                    );
                }
                room.map(area_of)
            })
            .sum(),
        None => plan.rooms.iter().map(area_of).sum(),
    };
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

    let mut brief = Brief::new(&project.requirements, &request.brief);
    let currency = project.requirements.currency.clone();
    let products = drafts::catalog_for(table, &currency).await?;
    if let Some(model) = model {
        learn_taste(&mut brief, model, project, user_id, &products);
    }
    let (plan, rooms, alternatives) = (
        plan.clone(),
        request.rooms.clone(),
        request.alternatives as usize,
    );
    let (engine_brief, engine_products) = (brief.clone(), products.clone());
    // CPU work off the async workers.
    let proposals = tokio::task::spawn_blocking(move || {
        propose(
            &plan,
            rooms.as_deref(),
            &engine_brief,
            &engine_products,
            alternatives,
            &Settings::default(),
        )
    })
    .await
    .map_err(ApiError::internal)?;

    let by_id: HashMap<String, _> = products.into_iter().map(|p| (p.id.clone(), p)).collect();
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
            created_by: user_id.to_string(),
            created_at: time::sortable(now),
            expires_at: expires.unix_timestamp(),
            scenario_id: request.scenario_id.clone(),
            terms: terms.clone(),
            brief: brief.clone(),
            proposal: proposal.clone(),
        };
        drafts::save(table, &draft).await?;
        layouts.push(Layout {
            layout_id,
            expires_at: time::rfc3339(expires),
            proposal,
            quote,
        });
    }
    Ok(Layouts { brief, layouts })
}

/// The project's draft, or 404 `layout_not_found`.
pub async fn draft(table: &Table, project_id: &str, layout_id: &str) -> Result<Draft, ApiError> {
    drafts::load(table, project_id, layout_id, time::now().unix_timestamp())
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "layout_not_found",
                format!("No layout {layout_id}: it expired or belongs to another project."),
            )
        })
}

/// The scenario accepting a draft writes: into `scenario_id`, else the scenario the proposal
/// took its terms from, else a new one named after the layout.
pub fn accepted_scenario(
    draft: &Draft,
    scenario_id: Option<String>,
    name: Option<String>,
) -> Scenario {
    let scenario_id = scenario_id
        .or(draft.scenario_id.clone())
        .unwrap_or_else(|| {
            format!(
                "layout-{}",
                &draft.layout_id[..8.min(draft.layout_id.len())]
            )
        });
    let name = name.unwrap_or_else(|| draft.proposal.name.clone());
    drafts::scenario_of(&draft.proposal, &scenario_id, &name, &draft.terms)
}

/// Fits one of the project's scenarios to `budget_minor` (the requirements' ceiling when
/// `None`), without writing anything.
pub async fn fit_scenario(
    table: &Table,
    project: &Project,
    scenario_id: &str,
    budget_minor: Option<i64>,
) -> Result<Fit, ApiError> {
    let requirements = &project.requirements;
    let Some(budget) = budget_minor.or(requirements.budget_ceiling_minor) else {
        let mut errors = FieldErrors::new();
        errors.add(
            "budget_minor",
            "required",
            "Give a budget: the project's requirements have none.",
        );
        return Err(errors.finish().unwrap_err());
    };
    let scenario = scenarios::find(&project.scenarios, scenario_id)?;
    let currency = &requirements.currency;
    let styles = Brief::new(requirements, &BriefOverrides::default()).styles;
    let products = scenarios::products_of(table, scenario).await?;
    let catalog = drafts::catalog_for(table, currency).await?;
    fit_budget(scenario, &products, &catalog, currency, budget, &styles).map_err(|e| match e {
        FitError::Unreachable { lowest_minor } => ApiError::conflict(
            "budget_unreachable",
            format!(
                "The lowest this scenario reaches with fitting products is {lowest_minor} (minor units of {currency}); the budget is {budget}."
            ),
        ),
        FitError::Unpriced(paths) => ApiError::conflict(
            "scenario_unpriced",
            format!("The scenario cannot be priced: {}.", paths.join(", ")),
        ),
    })
}
