//! Design tools: furnish the floor plan from the brief, accept a proposal as a scenario, fit a
//! scenario to the budget. The same service as the routes, with the caller's permissions.

use roomwright_core::{auth::Permission, problem::FieldErrors};
use roomwright_layout::{BriefOverrides, service};
use roomwright_projects::{
    access::{self, Need},
    scenarios,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ToolContext, ToolError, ToolResult};
use crate::model::ToolSpec;

pub fn propose_spec() -> ToolSpec {
    ToolSpec {
        name: "propose_layout",
        description: "Furnish the project's floor plan from the brief with real products in \
                      stock: returns proposals (layout_id, summary, score, total, warnings) to \
                      show the user; nothing is written until accept_layout. Overrides apply to \
                      this request only.",
        schema: json!({
            "type": "object",
            "properties": {
                "project_id": {"type": "string"},
                "room_kind": {"type": "string", "description": "Furnish only rooms of this kind (open_plan, office, meeting, ...)"},
                "alternatives": {"type": "integer", "minimum": 1, "maximum": 3},
                "headcount": {"type": "integer", "minimum": 1, "maximum": 2000},
                "budget_minor": {"type": "integer", "minimum": 1},
                "desk_ratio": {"type": "number", "minimum": 0.1, "maximum": 1}
            }
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub room_kind: Option<String>,
    #[serde(default)]
    pub alternatives: Option<u8>,
    #[serde(default)]
    pub headcount: Option<u32>,
    #[serde(default)]
    pub budget_minor: Option<i64>,
    #[serde(default)]
    pub desk_ratio: Option<f64>,
}

/// The open-office kinds answer for each other: "the open office" is an `open_plan` room or
/// a large `office`.
fn kind_matches(asked: &str, kind: &str) -> bool {
    let open = ["open_plan", "open_office", "office", "open"];
    asked == kind || (open.contains(&asked) && open.contains(&kind))
}

pub async fn propose(context: &ToolContext<'_>, args: ProposeArgs) -> ToolResult {
    context.caller.require(Permission::ProjectsWrite)?;
    let id = context.project(args.project_id)?;
    let mut request = service::LayoutRequest {
        alternatives: args.alternatives.unwrap_or(2),
        brief: BriefOverrides {
            headcount: args.headcount,
            budget_minor: args.budget_minor,
            desk_ratio: args.desk_ratio,
            ..BriefOverrides::default()
        },
        ..service::LayoutRequest::default()
    };
    let mut errors = FieldErrors::new();
    request.validate(&mut errors);
    errors.finish()?;
    let project = access::load(context.state, context.caller, &id, Need::Edit)
        .await?
        .value;
    if let (Some(kind), Some(plan)) = (&args.room_kind, &project.floor_plan) {
        let rooms: Vec<String> = plan
            .rooms
            .iter()
            .filter(|r| kind_matches(&kind.to_lowercase().replace(' ', "_"), &r.kind))
            .map(|r| r.id.clone())
            .collect();
        if rooms.is_empty() {
            return Err(ToolError::new(
                "no_such_rooms",
                format!("The floor plan has no {kind} room."),
            ));
        }
        request.rooms = Some(rooms);
    }
    let model = roomwright_recs::cache::served_model(context.state).await;
    let layouts = service::propose_layouts(
        &context.state.table(),
        &project,
        &context.caller.user_id,
        &request,
        model.as_deref(),
    )
    .await?;
    let proposals: Vec<Value> = layouts
        .layouts
        .iter()
        .map(|l| {
            json!({
                "layout_id": l.layout_id,
                "name": l.proposal.name,
                "summary": l.proposal.summary,
                "score": l.proposal.score,
                "desks": l.proposal.desks,
                "total_minor": l.quote.total_minor,
                "currency": l.quote.currency,
                "within_budget": l.quote.within_budget,
                "warnings": l.proposal.warnings,
                "drawing": format!("/v1/projects/{id}/layouts/{}/plan.svg", l.layout_id),
            })
        })
        .collect();
    Ok(json!({
        "headcount": layouts.brief.headcount,
        "budget_minor": layouts.brief.budget_minor,
        "proposals": proposals,
    }))
}

pub fn accept_spec() -> ToolSpec {
    ToolSpec {
        name: "accept_layout",
        description: "Write a proposal from propose_layout into the project as a scenario, \
                      when the user chose it.",
        schema: json!({
            "type": "object",
            "properties": {
                "project_id": {"type": "string"},
                "layout_id": {"type": "string"},
                "scenario_id": {"type": "string"},
                "name": {"type": "string"}
            },
            "required": ["layout_id"]
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    pub layout_id: String,
    #[serde(default)]
    pub scenario_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

pub async fn accept(context: &ToolContext<'_>, args: AcceptArgs) -> ToolResult {
    context.caller.require(Permission::ProjectsWrite)?;
    let id = context.project(args.project_id)?;
    // Access first: another project's draft is not even looked for.
    access::load(context.state, context.caller, &id, Need::Edit).await?;
    let draft = service::draft(&context.state.table(), &id, &args.layout_id).await?;
    let scenario = service::accepted_scenario(&draft, args.scenario_id, args.name);
    let mut errors = FieldErrors::new();
    scenarios::validate(&scenario, &mut errors);
    errors.finish()?;
    let (report, _) = access::update(context.state, context.caller, &id, Need::Edit, |project| {
        project.updated_via = Some("assistant".into());
        let report = json!({"scenario_id": scenario.id, "name": scenario.name,
                            "selections": scenario.selections.len()});
        if !project.scenarios.contains(&scenario) {
            scenarios::upsert(&mut project.scenarios, scenario.clone())
                .map_err(|e| ToolError::from(roomwright_core::ApiError::from(e)))?;
        }
        Ok::<_, ToolError>(report)
    })
    .await?;
    Ok(report)
}

pub fn fit_spec() -> ToolSpec {
    ToolSpec {
        name: "fit_budget",
        description: "Swap a scenario's products for similar cheaper ones (same kind, fitting \
                      the footprint, closest style) until its quote fits the budget; each swap \
                      is explained. Writes the scenario.",
        schema: json!({
            "type": "object",
            "properties": {
                "project_id": {"type": "string"},
                "scenario_id": {"type": "string", "description": "The first scenario when absent"},
                "budget_minor": {"type": "integer", "minimum": 1,
                    "description": "The requirements' budget ceiling when absent"}
            }
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub scenario_id: Option<String>,
    #[serde(default)]
    pub budget_minor: Option<i64>,
}

pub async fn fit(context: &ToolContext<'_>, args: FitArgs) -> ToolResult {
    context.caller.require(Permission::ProjectsWrite)?;
    let id = context.project(args.project_id)?;
    let project = access::load(context.state, context.caller, &id, Need::Edit).await?;
    let scenario_id = match args.scenario_id {
        Some(id) => id,
        None => project
            .value
            .scenarios
            .first()
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                ToolError::new("scenario_not_found", "The project has no scenario to fit.")
            })?,
    };
    let original = project
        .value
        .scenarios
        .iter()
        .find(|s| s.id == scenario_id)
        .cloned();
    let fit = service::fit_scenario(
        &context.state.table(),
        &project.value,
        &scenario_id,
        args.budget_minor,
    )
    .await?;
    if !fit.swaps.is_empty() {
        access::update(context.state, context.caller, &id, Need::Edit, |p| {
            p.updated_via = Some("assistant".into());
            // Fitted on what was read: if someone changed the scenario since, fitting again
            // is the caller's decision, not ours to overwrite.
            let now = p.scenarios.iter().find(|s| s.id == scenario_id).cloned();
            if now != original {
                return Err(ToolError::new(
                    "scenario_changed",
                    "The scenario changed while it was fitted; fit it again.",
                ));
            }
            scenarios::upsert(&mut p.scenarios, fit.scenario.clone())
                .map_err(|e| ToolError::from(roomwright_core::ApiError::from(e)))
        })
        .await?;
    }
    Ok(json!({
        "scenario_id": scenario_id,
        "budget_minor": fit.budget_minor,
        "fits": fit.fits,
        "total_before_minor": fit.before.total_minor,
        "total_after_minor": fit.after.total_minor,
        "currency": fit.after.currency,
        "swaps": fit.swaps.iter().map(|s| json!({"from": s.from_product_id, "to": s.to_product_id, "quantity": s.quantity, "saving_minor": s.saving_minor, "why": s.reason})).collect::<Vec<_>>(),
        "upgrades": fit.upgrades.iter().map(|s| json!({"from": s.from_product_id, "to": s.to_product_id, "why": s.reason})).collect::<Vec<_>>(),
    }))
}
