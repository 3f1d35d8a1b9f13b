//! Budget scenarios: sets of furniture selections, their placement checks, and their quotes.

use std::collections::HashMap;

use geo::{Area, BooleanOps, Contains, Coord, LineString, Polygon, Rotate, Translate};
use roomwright_core::{
    ApiError,
    catalog::{Product, get_products},
    dynamo::Table,
    money::percent_of,
    problem::FieldErrors,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::floorplan::FloorPlan;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub selections: Vec<Selection>,
    #[serde(default, deserialize_with = "roomwright_core::http::object::required")]
    pub terms: Terms,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    pub id: String,
    pub product_id: String,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
}

/// Where one item stands: its centre in a room of the floor plan, turned by `rotation_deg`
/// counter-clockwise (0: its width along x).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pub room_id: String,
    pub x_m: f64,
    pub y_m: f64,
    #[serde(default)]
    pub rotation_deg: f64,
}

/// Commercial terms of a scenario, in basis points (1% = 100).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    #[serde(default)]
    pub freight_bp: u32,
    #[serde(default)]
    pub installation_bp: u32,
    #[serde(default)]
    pub project_management_bp: u32,
    #[serde(default)]
    pub contingency_bp: u32,
    #[serde(default)]
    pub tax_rate_bp: u32,
}

/// Scenarios a project holds at most.
pub const MAX_SCENARIOS: usize = 10;

/// A project already holds [`MAX_SCENARIOS`].
#[derive(Debug)]
pub struct TooManyScenarios;

impl From<TooManyScenarios> for ApiError {
    fn from(_: TooManyScenarios) -> Self {
        ApiError::conflict(
            "too_many_scenarios",
            format!("A project has at most {MAX_SCENARIOS} scenarios."),
        )
    }
}

/// The scenario with this id, or 404 `scenario_not_found`.
pub fn find<'a>(list: &'a [Scenario], id: &str) -> Result<&'a Scenario, ApiError> {
    list.iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::not_found("scenario_not_found", format!("No scenario {id}.")))
}

/// Replaces the scenario with the same id, or adds it if the project has room for another.
pub fn upsert(list: &mut Vec<Scenario>, scenario: Scenario) -> Result<(), TooManyScenarios> {
    match list.iter().position(|s| s.id == scenario.id) {
        Some(i) => list[i] = scenario,
        None if list.len() >= MAX_SCENARIOS => return Err(TooManyScenarios),
        None => list.push(scenario),
    }
    Ok(())
}

/// Checks a scenario's own fields (products are checked against the catalog separately).
pub fn validate(scenario: &Scenario, errors: &mut FieldErrors) {
    if scenario.name.trim().is_empty() || scenario.name.chars().count() > 100 {
        errors.add(
            "name",
            "invalid",
            "Name the scenario in 1 to 100 characters.",
        );
    }
    if scenario.selections.len() > 500 {
        errors.add(
            "selections",
            "too_many",
            "A scenario holds at most 500 selections.",
        );
    }
    let mut ids = std::collections::HashSet::new();
    for (i, selection) in scenario.selections.iter().enumerate() {
        if selection.id.trim().is_empty() || !ids.insert(selection.id.as_str()) {
            errors.add(
                format!("selections[{i}].id"),
                "duplicate",
                "Selection ids are unique and not empty.",
            );
        }
        if !(1..=10_000).contains(&selection.quantity) {
            errors.add(
                format!("selections[{i}].quantity"),
                "out_of_range",
                "Quantity is 1 to 10,000.",
            );
        }
        if let Some(p) = &selection.placement {
            let finite = p.x_m.is_finite() && p.y_m.is_finite() && p.rotation_deg.is_finite();
            if !finite || p.x_m.abs() > 1000.0 || p.y_m.abs() > 1000.0 {
                errors.add(
                    format!("selections[{i}].placement"),
                    "out_of_range",
                    "Placement coordinates are finite metres within 1 km.",
                );
            }
            if selection.quantity != 1 {
                errors.add(
                    format!("selections[{i}].quantity"),
                    "placed_quantity",
                    "A placed selection stands for one item; add one selection per placed item.",
                );
            }
        }
    }
    let terms = &scenario.terms;
    for (field, value, max) in [
        ("freight_bp", terms.freight_bp, 5_000),
        ("installation_bp", terms.installation_bp, 5_000),
        ("project_management_bp", terms.project_management_bp, 5_000),
        ("contingency_bp", terms.contingency_bp, 5_000),
        ("tax_rate_bp", terms.tax_rate_bp, 5_000),
    ] {
        if value > max {
            errors.add(
                format!("terms.{field}"),
                "out_of_range",
                format!("At most {max} basis points ({}%).", max / 100),
            );
        }
    }
}

/// The products a scenario names, read from the catalog once each (in batches of 100, not one
/// call per product); unknown ids are absent.
pub async fn products_of(
    table: &Table,
    scenario: &Scenario,
) -> Result<HashMap<String, Product>, ApiError> {
    let ids: Vec<String> = scenario
        .selections
        .iter()
        .map(|s| s.product_id.clone())
        .collect();
    Ok(get_products(table, &ids)
        .await?
        .into_iter()
        .map(|(id, product)| (id, product.value))
        .collect())
}

/// The scenario priced from the catalog now, in the project's currency against its budget,
/// with the products it names; a selection the catalog cannot price is a 422 naming it.
pub async fn priced(
    table: &Table,
    requirements: &crate::model::Requirements,
    scenario: &Scenario,
) -> Result<(Quote, HashMap<String, Product>), ApiError> {
    let products = products_of(table, scenario).await?;
    let quote = quote(
        scenario,
        &products,
        &requirements.currency,
        requirements.budget_ceiling_minor,
    )
    .map_err(|errors| errors.finish().unwrap_err())?;
    Ok((quote, products))
}

/// Checks every selection names a known, active product with a finish it offers.
pub fn check_products(
    scenario: &Scenario,
    products: &HashMap<String, Product>,
    errors: &mut FieldErrors,
) {
    for (i, selection) in scenario.selections.iter().enumerate() {
        match products.get(&selection.product_id) {
            None => errors.add(
                format!("selections[{i}].product_id"),
                "unknown_product",
                format!("No product {}.", selection.product_id),
            ),
            Some(p) if p.status != "active" => errors.add(
                format!("selections[{i}].product_id"),
                "retired_product",
                format!("{} is no longer sold.", p.name),
            ),
            Some(p) => {
                if let Some(finish) = &selection.finish
                    && !p.finishes.contains(finish)
                {
                    errors.add(
                        format!("selections[{i}].finish"),
                        "unknown_finish",
                        format!("{} comes in: {}.", p.name, p.finishes.join(", ")),
                    );
                }
            }
        }
    }
}

/// A placement problem the caller may accept or fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    pub selection_id: String,
    /// `unknown_room`, `no_floor_plan`, `leaves_room`, `overlaps_wall`, `overlaps_item`.
    pub code: String,
    pub message: String,
}

/// Smallest overlap worth reporting: a square centimetre.
const OVERLAP_M2: f64 = 1e-4;

fn footprint(product: &Product, placement: &Placement) -> Polygon<f64> {
    let (w, d) = (
        product.dimensions.width_mm as f64 / 1000.0,
        product.dimensions.depth_mm as f64 / 1000.0,
    );
    let rectangle = Polygon::new(
        LineString::from(vec![
            (-w / 2.0, -d / 2.0),
            (w / 2.0, -d / 2.0),
            (w / 2.0, d / 2.0),
            (-w / 2.0, d / 2.0),
        ]),
        vec![],
    );
    rectangle
        .rotate_around_point(placement.rotation_deg, geo::Point(Coord { x: 0.0, y: 0.0 }))
        .translate(placement.x_m, placement.y_m)
}

/// Placement warnings: items outside their room, in a wall, or overlapping each other.
pub fn placement_warnings(
    scenario: &Scenario,
    plan: Option<&FloorPlan>,
    products: &HashMap<String, Product>,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let warn = |warnings: &mut Vec<Warning>, id: &str, code: &str, message: String| {
        warnings.push(Warning {
            selection_id: id.to_string(),
            code: code.to_string(),
            message,
        })
    };
    let mut placed: Vec<(&str, Polygon<f64>)> = Vec::new();
    for selection in &scenario.selections {
        let (Some(placement), Some(product)) =
            (&selection.placement, products.get(&selection.product_id))
        else {
            continue;
        };
        let Some(plan) = plan else {
            warn(
                &mut warnings,
                &selection.id,
                "no_floor_plan",
                "The project has no floor plan to place items in.".into(),
            );
            continue;
        };
        let Some(room) = plan.rooms.iter().find(|r| r.id == placement.room_id) else {
            warn(
                &mut warnings,
                &selection.id,
                "unknown_room",
                format!("No room {} in the floor plan.", placement.room_id),
            );
            continue;
        };
        let shape = footprint(product, placement);
        if !room.shape().contains(&shape) {
            warn(
                &mut warnings,
                &selection.id,
                "leaves_room",
                format!("{} extends outside {}.", product.name, room.name),
            );
        }
        for wall in &plan.walls {
            if shape.intersection(&wall.footprint()).unsigned_area() > OVERLAP_M2 {
                warn(
                    &mut warnings,
                    &selection.id,
                    "overlaps_wall",
                    format!("{} overlaps wall {}.", product.name, wall.id),
                );
            }
        }
        for (other, other_shape) in &placed {
            if shape.intersection(other_shape).unsigned_area() > OVERLAP_M2 {
                warn(
                    &mut warnings,
                    &selection.id,
                    "overlaps_item",
                    format!("{} overlaps selection {other}.", product.name),
                );
            }
        }
        placed.push((&selection.id, shape));
    }
    warnings
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuoteLine {
    pub selection_id: String,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish: Option<String>,
    pub quantity: u32,
    pub unit_list_minor: i64,
    /// Dealer unit price after the volume break for the product's total quantity.
    pub unit_net_minor: i64,
    pub line_list_minor: i64,
    pub line_net_minor: i64,
    pub available: u32,
    pub in_stock: bool,
    pub lead_time_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_available: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SustainabilitySummary {
    pub embodied_carbon_kg: f64,
    /// Recycled share of the scenario's total weight, 0 to 100.
    pub recycled_content_pct: f64,
}

/// A priced scenario: every amount in minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    pub scenario_id: String,
    pub name: String,
    pub currency: String,
    pub lines: Vec<QuoteLine>,
    pub subtotal_list_minor: i64,
    pub subtotal_net_minor: i64,
    pub discount_minor: i64,
    pub freight_minor: i64,
    pub installation_minor: i64,
    pub project_management_minor: i64,
    pub contingency_minor: i64,
    pub total_before_tax_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_budget: Option<bool>,
    /// Longest lead time of a line that is not in stock, in days.
    pub max_lead_time_days: u32,
    pub sustainability: SustainabilitySummary,
}

/// Prices a scenario from catalog data. Errors name selections whose product is missing or
/// priced in another currency.
pub fn quote(
    scenario: &Scenario,
    products: &HashMap<String, Product>,
    currency: &str,
    budget_minor: Option<i64>,
) -> Result<Quote, FieldErrors> {
    let mut errors = FieldErrors::new();
    // Volume breaks apply to the product's total quantity in the scenario.
    let mut per_product: HashMap<&str, u32> = HashMap::new();
    for s in &scenario.selections {
        *per_product.entry(s.product_id.as_str()).or_default() += s.quantity;
    }
    let mut lines = Vec::new();
    let (mut carbon, mut weight, mut recycled_weight) = (0.0, 0.0, 0.0);
    for (i, s) in scenario.selections.iter().enumerate() {
        let Some(p) = products.get(&s.product_id) else {
            errors.add(
                format!("selections[{i}].product_id"),
                "unknown_product",
                format!("No product {}.", s.product_id),
            );
            continue;
        };
        if p.list_price.currency != currency {
            errors.add(
                format!("selections[{i}].product_id"),
                "currency_mismatch",
                format!(
                    "{} is priced in {}, the project in {currency}.",
                    p.name, p.list_price.currency
                ),
            );
            continue;
        }
        let quantity = s.quantity as i64;
        let unit_net = p.dealer_unit_price(per_product[s.product_id.as_str()]);
        lines.push(QuoteLine {
            selection_id: s.id.clone(),
            product_id: p.id.clone(),
            sku: p.sku.clone(),
            name: p.name.clone(),
            finish: s.finish.clone(),
            quantity: s.quantity,
            unit_list_minor: p.list_price.amount_minor,
            unit_net_minor: unit_net,
            line_list_minor: p.list_price.amount_minor * quantity,
            line_net_minor: unit_net * quantity,
            available: p.stock.available,
            // Stock covers the product's total in the scenario, not each line alone.
            in_stock: p.stock.available >= per_product[s.product_id.as_str()],
            lead_time_days: p.stock.lead_time_days,
            next_available: p.stock.next_available.clone(),
            image: p.images.first().cloned(),
        });
        let q = s.quantity as f64;
        carbon += q * p.sustainability.embodied_carbon_kg;
        weight += q * p.dimensions.weight_kg;
        recycled_weight +=
            q * p.dimensions.weight_kg * p.sustainability.recycled_content_pct / 100.0;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let list: i64 = lines.iter().map(|l| l.line_list_minor).sum();
    let net: i64 = lines.iter().map(|l| l.line_net_minor).sum();
    let t = &scenario.terms;
    let freight = percent_of(net, t.freight_bp as i64);
    let installation = percent_of(net, t.installation_bp as i64);
    let management = percent_of(net, t.project_management_bp as i64);
    let contingency = percent_of(
        net + freight + installation + management,
        t.contingency_bp as i64,
    );
    let before_tax = net + freight + installation + management + contingency;
    let tax = percent_of(before_tax, t.tax_rate_bp as i64);
    let total = before_tax + tax;
    let max_lead_time_days = lines
        .iter()
        .filter(|l| !l.in_stock)
        .map(|l| l.lead_time_days)
        .max()
        .unwrap_or(0);
    Ok(Quote {
        scenario_id: scenario.id.clone(),
        name: scenario.name.clone(),
        currency: currency.to_string(),
        lines,
        subtotal_list_minor: list,
        subtotal_net_minor: net,
        discount_minor: list - net,
        freight_minor: freight,
        installation_minor: installation,
        project_management_minor: management,
        contingency_minor: contingency,
        total_before_tax_minor: before_tax,
        tax_minor: tax,
        total_minor: total,
        within_budget: budget_minor.map(|b| total <= b),
        max_lead_time_days,
        sustainability: SustainabilitySummary {
            embodied_carbon_kg: (carbon * 100.0).round() / 100.0,
            recycled_content_pct: if weight > 0.0 {
                (recycled_weight / weight * 1000.0).round() / 10.0
            } else {
                0.0
            },
        },
    })
}
