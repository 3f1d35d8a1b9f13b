//! Project tools: read it, set its requirements, add and remove furniture, price a scenario.
//!
//! A change is applied to the version just read and written conditionally on it; when a
//! person changed the project in between, the change is applied again to the new version
//! (a tool's change is a delta, so nothing of theirs is lost), at most a few times.

use geo::Area;
use roomwright_core::{auth::Permission, catalog::get_product, problem::FieldErrors};
use roomwright_projects::{
    access::{self, Need},
    change,
    model::{Project, RoomNeed},
    scenarios::{self, Scenario, Selection, Terms},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ToolContext, ToolError, ToolResult};
use crate::model::ToolSpec;

/// Applies `change` to the project and saves it, re-reading on a concurrent write. `change`
/// returns what the tool reports, or refuses.
async fn change_project<F>(context: &ToolContext<'_>, project_id: &str, change: F) -> ToolResult
where
    F: FnMut(&mut Project) -> Result<Value, ToolError>,
{
    let mut change = change;
    context.caller.require(Permission::ProjectsWrite)?;
    access::update(
        context.state,
        context.caller,
        project_id,
        Need::Edit,
        |project: &mut Project| {
            // Collaborators see the assistant made it, on this user's behalf.
            project.updated_via = Some("assistant".into());
            change(project)
        },
    )
    .await
    .map(|(report, _)| report)
}

pub fn get_spec() -> ToolSpec {
    ToolSpec {
        name: "get_project",
        description: "The project: requirements, rooms of the floor plan with their areas, and \
                      each scenario's selections.",
        schema: json!({
            "type": "object",
            "properties": {"project_id": {"type": "string"}}
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectArgs {
    #[serde(default)]
    pub project_id: Option<String>,
}

pub async fn get(context: &ToolContext<'_>, args: ProjectArgs) -> ToolResult {
    context.caller.require(Permission::ProjectsRead)?;
    let id = context.project(args.project_id)?;
    let project = access::load(context.state, context.caller, &id, Need::Read)
        .await?
        .value;
    let rooms: Vec<Value> = project
        .floor_plan
        .iter()
        .flat_map(|plan| plan.rooms.iter())
        .map(|r| {
            json!({"id": r.id, "name": r.name, "kind": r.kind,
                   "area_m2": (r.shape().unsigned_area() * 10.0).round() / 10.0})
        })
        .collect();
    let scenarios: Vec<Value> = project
        .scenarios
        .iter()
        .map(|s| {
            json!({"id": s.id, "name": s.name, "selections": s.selections.iter().map(|x| json!({
                "id": x.id, "product_id": x.product_id, "quantity": x.quantity, "finish": x.finish,
                "placed": x.placement.is_some()})).collect::<Vec<_>>()})
        })
        .collect();
    Ok(json!({
        "id": project.id,
        "name": project.name,
        "client": project.client,
        "status": project.status,
        "requirements": project.requirements,
        "rooms": rooms,
        "scenarios": scenarios,
    }))
}

pub fn requirements_spec() -> ToolSpec {
    ToolSpec {
        name: "update_requirements",
        description: "Record what the client needs, as stated in the conversation: headcount, \
                      rooms needed, styles, work styles, budget. Only the given fields change.",
        schema: json!({
            "type": "object",
            "properties": {
                "project_id": {"type": "string"},
                "headcount": {"type": "integer", "minimum": 1, "maximum": 100000},
                "rooms_needed": {"type": "array", "items": {"type": "object",
                    "properties": {"kind": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
                    "required": ["kind", "count"]}},
                "style_preferences": {"type": "array", "items": {"type": "string"}},
                "work_styles": {"type": "array", "items": {"type": "string"}},
                "budget_ceiling_minor": {"type": "integer", "minimum": 1,
                    "description": "Total furniture budget in minor units of the project's currency"}
            }
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementsArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub headcount: Option<u32>,
    #[serde(default)]
    pub rooms_needed: Option<Vec<RoomNeed>>,
    #[serde(default)]
    pub style_preferences: Option<Vec<String>>,
    #[serde(default)]
    pub work_styles: Option<Vec<String>>,
    #[serde(default)]
    pub budget_ceiling_minor: Option<i64>,
}

fn words(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = list
        .into_iter()
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    out.dedup();
    out
}

pub async fn update_requirements(context: &ToolContext<'_>, args: RequirementsArgs) -> ToolResult {
    let id = context.project(args.project_id.clone())?;
    if args.headcount == Some(0) || args.budget_ceiling_minor.is_some_and(|b| b <= 0) {
        return Err(ToolError::new(
            "invalid_requirements",
            "Headcount and budget are positive numbers.",
        ));
    }
    change_project(context, &id, |project| {
        let r = &mut project.requirements;
        if let Some(v) = args.headcount {
            r.headcount = Some(v);
        }
        if let Some(v) = &args.rooms_needed {
            r.rooms_needed = v.iter().filter(|n| n.count > 0).cloned().collect();
        }
        if let Some(v) = &args.style_preferences {
            r.style_preferences = words(v.clone());
        }
        if let Some(v) = &args.work_styles {
            r.work_styles = words(v.clone());
        }
        if let Some(v) = args.budget_ceiling_minor {
            r.budget_ceiling_minor = Some(v);
        }
        // The rules every writer of a project applies (headcount 1 to 100,000, bounded lists).
        let mut errors = FieldErrors::new();
        change::check_requirements(&mut errors, r);
        if let Some(first) = errors.first() {
            return Err(ToolError::new(
                "invalid_requirements",
                format!("{}: {}", first.path, first.message),
            ));
        }
        Ok(json!({"updated": true, "requirements": r}))
    })
    .await
}

/// The scenario a selection change applies to: the named one, the first one, or a new
/// "Assistant proposal" when the project has none.
fn scenario_mut<'p>(
    project: &'p mut Project,
    id: Option<&str>,
) -> Result<&'p mut Scenario, ToolError> {
    if project.scenarios.is_empty() && id.is_none() {
        project.scenarios.push(Scenario {
            id: "proposal".into(),
            name: "Assistant proposal".into(),
            selections: Vec::new(),
            terms: Terms::default(),
        });
    }
    let index = match id {
        Some(id) => project.scenarios.iter().position(|s| s.id == id),
        None => Some(0),
    };
    index
        .map(|i| &mut project.scenarios[i])
        .ok_or_else(|| ToolError::new("scenario_not_found", "No such scenario in the project."))
}

pub fn add_spec() -> ToolSpec {
    ToolSpec {
        name: "add_selection",
        description: "Add a catalog product to a scenario of the project (the first scenario by \
                      default), in a quantity and optionally a finish it comes in.",
        schema: json!({
            "type": "object",
            "properties": {
                "project_id": {"type": "string"},
                "scenario_id": {"type": "string"},
                "product_id": {"type": "string"},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 10000},
                "finish": {"type": "string"}
            },
            "required": ["product_id", "quantity"]
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub scenario_id: Option<String>,
    pub product_id: String,
    pub quantity: u32,
    #[serde(default)]
    pub finish: Option<String>,
}

pub async fn add_selection(context: &ToolContext<'_>, args: AddArgs) -> ToolResult {
    let id = context.project(args.project_id.clone())?;
    context.caller.require(Permission::ProjectsWrite)?;
    let product = get_product(&context.state.table(), &args.product_id)
        .await?
        .ok_or_else(|| {
            ToolError::new(
                "unknown_product",
                format!("No product {}.", args.product_id),
            )
        })?
        .value;
    if product.status != "active" {
        return Err(ToolError::new(
            "retired_product",
            format!("{} is no longer sold.", product.name),
        ));
    }
    if let Some(finish) = &args.finish
        && !product.finishes.contains(finish)
    {
        return Err(ToolError::new(
            "unknown_finish",
            format!(
                "{} comes in: {}.",
                product.name,
                product.finishes.join(", ")
            ),
        ));
    }
    if !(1..=10_000).contains(&args.quantity) {
        return Err(ToolError::new(
            "invalid_quantity",
            "Quantity is 1 to 10000.",
        ));
    }
    change_project(context, &id, |project| {
        let scenario = scenario_mut(project, args.scenario_id.as_deref())?;
        let selection_id = format!("sel_{}", uuid::Uuid::now_v7().simple());
        scenario.selections.push(Selection {
            id: selection_id.clone(),
            product_id: product.id.clone(),
            quantity: args.quantity,
            finish: args.finish.clone(),
            placement: None,
        });
        let mut errors = roomwright_core::FieldErrors::new();
        scenarios::validate(scenario, &mut errors);
        errors.finish().map_err(ToolError::from)?;
        Ok(
            json!({"added": true, "scenario_id": scenario.id, "selection_id": selection_id,
                  "product": product.name, "quantity": args.quantity}),
        )
    })
    .await
}

pub fn remove_spec() -> ToolSpec {
    ToolSpec {
        name: "remove_selection",
        description: "Remove a selection (by selection_id, or every selection of a product_id) \
                      from a scenario of the project.",
        schema: json!({
            "type": "object",
            "properties": {
                "project_id": {"type": "string"},
                "scenario_id": {"type": "string"},
                "selection_id": {"type": "string"},
                "product_id": {"type": "string"}
            }
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub scenario_id: Option<String>,
    #[serde(default)]
    pub selection_id: Option<String>,
    #[serde(default)]
    pub product_id: Option<String>,
}

pub async fn remove_selection(context: &ToolContext<'_>, args: RemoveArgs) -> ToolResult {
    let id = context.project(args.project_id.clone())?;
    if args.selection_id.is_none() && args.product_id.is_none() {
        return Err(ToolError::new(
            "selection_required",
            "Name the selection_id or the product_id to remove.",
        ));
    }
    change_project(context, &id, |project| {
        let scenario = scenario_mut(project, args.scenario_id.as_deref())?;
        let before = scenario.selections.len();
        scenario.selections.retain(|s| {
            Some(&s.id) != args.selection_id.as_ref()
                && Some(&s.product_id) != args.product_id.as_ref()
        });
        let removed = before - scenario.selections.len();
        if removed == 0 {
            return Err(ToolError::new(
                "selection_not_found",
                "The scenario has no such selection.",
            ));
        }
        Ok(json!({"removed": removed, "scenario_id": scenario.id}))
    })
    .await
}

pub fn price_spec() -> ToolSpec {
    ToolSpec {
        name: "price_scenario",
        description: "Price a scenario with current dealer prices and stock: totals, whether it \
                      is within budget, lines not in stock and the longest lead time.",
        schema: json!({
            "type": "object",
            "properties": {"project_id": {"type": "string"}, "scenario_id": {"type": "string"}}
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub scenario_id: Option<String>,
}

pub async fn price(context: &ToolContext<'_>, args: PriceArgs) -> ToolResult {
    context.caller.require(Permission::EstimatesCreate)?;
    let id = context.project(args.project_id)?;
    let project = access::load(context.state, context.caller, &id, Need::Read)
        .await?
        .value;
    let scenario = match &args.scenario_id {
        Some(sid) => project.scenarios.iter().find(|s| &s.id == sid),
        None => project.scenarios.first(),
    }
    .ok_or_else(|| {
        ToolError::new(
            "scenario_not_found",
            "The project has no such scenario; add furniture first.",
        )
    })?;
    let (quote, _) =
        scenarios::priced(&context.state.table(), &project.requirements, scenario).await?;
    let short: Vec<Value> = quote
        .lines
        .iter()
        .filter(|l| !l.in_stock)
        .map(|l| {
            json!({"name": l.name, "quantity": l.quantity, "available": l.available,
                        "lead_time_days": l.lead_time_days})
        })
        .collect();
    Ok(json!({
        "scenario_id": quote.scenario_id,
        "currency": quote.currency,
        "lines": quote.lines.len(),
        "subtotal_net_minor": quote.subtotal_net_minor,
        "total_minor": quote.total_minor,
        "budget_ceiling_minor": project.requirements.budget_ceiling_minor,
        "within_budget": quote.within_budget,
        "not_in_stock": short,
        "max_lead_time_days": quote.max_lead_time_days,
        "embodied_carbon_kg": quote.sustainability.embodied_carbon_kg,
    }))
}
