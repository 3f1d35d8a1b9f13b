//! Catalog tools: search, one product, and recommendations for a project.

use std::collections::HashSet;

use roomwright_catalog::search::{Filters, Mode, Order, Search};
use roomwright_core::{
    auth::Permission,
    catalog::{Product, get_product},
};
use roomwright_projects::access::{self, Need};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ToolContext, ToolError, ToolResult};
use crate::model::ToolSpec;

/// Most items a tool result lists: enough to choose from, few enough to keep tokens down.
const MAX_ITEMS: usize = 10;

/// What the model needs of a product to talk about it and select it.
pub fn brief(p: &Product) -> Value {
    let d = &p.dimensions;
    json!({
        "id": p.id,
        "name": p.name,
        "brand": p.brand,
        "category": p.category.join("/"),
        "list_price_minor": p.list_price.amount_minor,
        "currency": p.list_price.currency,
        "size_mm": [d.width_mm, d.depth_mm, d.height_mm],
        "finishes": p.finishes,
        "available": p.stock.available,
        "lead_time_days": p.stock.lead_time_days,
        "embodied_carbon_kg": p.sustainability.embodied_carbon_kg,
    })
}

pub fn search_spec() -> ToolSpec {
    ToolSpec {
        name: "search_catalog",
        description: "Search the furniture catalog by words (typos forgiven) and filters. \
                      Prices are in minor units (cents).",
        schema: json!({
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to look for, e.g. 'height adjustable desk'"},
                "category": {"type": "string", "description": "Category path such as 'Seating' or 'Seating/Task chairs'"},
                "max_price_minor": {"type": "integer", "minimum": 0},
                "in_stock": {"type": "boolean"},
                "max_width_mm": {"type": "integer", "minimum": 0},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_ITEMS}
            }
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub max_price_minor: Option<u64>,
    #[serde(default)]
    pub in_stock: Option<bool>,
    #[serde(default)]
    pub max_width_mm: Option<u64>,
    #[serde(default)]
    pub limit: Option<usize>,
}

async fn run_search(context: &ToolContext<'_>, search: Search) -> Result<Vec<Product>, ToolError> {
    let index = context.catalog.index(context.state).await?;
    // Search is CPU work over the in-memory index; keep it off the request's async thread.
    let results = tokio::task::spawn_blocking(move || index.search(&search, None))
        .await
        .map_err(|e| ToolError::new("search_failed", e.to_string()))?
        .map_err(|e| ToolError::new("search_failed", e.to_string()))?;
    Ok(results.items.into_iter().map(|(p, _)| p).collect())
}

pub async fn search(context: &ToolContext<'_>, args: SearchArgs) -> ToolResult {
    context.caller.require(Permission::ProductsRead)?;
    let limit = args.limit.unwrap_or(5).clamp(1, MAX_ITEMS);
    let search = Search {
        text: args.query,
        filters: Filters {
            categories: args.category.into_iter().collect(),
            price_max: args.max_price_minor,
            in_stock: args.in_stock.unwrap_or(false),
            max_width_mm: args.max_width_mm,
            ..Filters::default()
        },
        order: Order::Relevance,
        mode: Mode::Text,
        offset: 0,
        limit,
        any_word: false,
    };
    let items = run_search(context, search).await?;
    Ok(json!({
        "count": items.len(),
        "items": items.iter().map(brief).collect::<Vec<_>>(),
    }))
}

pub fn product_spec() -> ToolSpec {
    ToolSpec {
        name: "get_product",
        description: "One product's full details: description, dimensions, finishes, stock, \
                      sustainability and certifications.",
        schema: json!({
            "type": "object",
            "properties": {"product_id": {"type": "string"}},
            "required": ["product_id"]
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductArgs {
    pub product_id: String,
}

pub async fn product(context: &ToolContext<'_>, args: ProductArgs) -> ToolResult {
    context.caller.require(Permission::ProductsRead)?;
    let product = get_product(&context.state.table(), &args.product_id)
        .await?
        .ok_or_else(|| {
            ToolError::new(
                "product_not_found",
                format!("No product {}.", args.product_id),
            )
        })?
        .value;
    let mut out = brief(&product);
    out["description"] = product.description.clone().into();
    out["materials"] = json!(product.materials);
    out["certifications"] = json!(product.certifications);
    out["recycled_content_pct"] = product.sustainability.recycled_content_pct.into();
    out["status"] = product.status.clone().into();
    Ok(out)
}

pub fn recommend_spec() -> ToolSpec {
    ToolSpec {
        name: "recommend_products",
        description: "Products that suit the project: in stock, within the budget per person, \
                      matching its style preferences, not already selected; each with a reason.",
        schema: json!({
            "type": "object",
            "properties": {
                "project_id": {"type": "string"},
                "category": {"type": "string", "description": "e.g. 'Seating/Task chairs'"},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_ITEMS}
            }
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Recommendations from what the project says it wants: its style words and its analysed
/// room's colours rank the text search,
/// its budget per person caps the price, stock and current selections filter.
pub async fn recommend(context: &ToolContext<'_>, args: RecommendArgs) -> ToolResult {
    context.caller.require(Permission::ProductsRead)?;
    let project_id = context.project(args.project_id)?;
    let project = access::load(context.state, context.caller, &project_id, Need::Read)
        .await?
        .value;
    let requirements = &project.requirements;
    let selected: HashSet<&str> = project
        .scenarios
        .iter()
        .flat_map(|s| s.selections.iter().map(|x| x.product_id.as_str()))
        .collect();
    let per_person = match (requirements.budget_ceiling_minor, requirements.headcount) {
        (Some(budget), Some(heads)) if heads > 0 && budget > 0 => {
            Some(budget as u64 / heads as u64)
        }
        _ => None,
    };
    let limit = args.limit.unwrap_or(5).clamp(1, MAX_ITEMS);
    // The style words, and the main colours of the room photo the client's look came from
    // (`oak`, `white`): products in those finishes suit the room.
    let mut look = requirements.style_preferences.clone();
    if let Some(analysis) = &requirements.style_analysis {
        look.extend(
            analysis
                .palette
                .iter()
                .filter(|c| c.share >= 0.1)
                .map(|c| c.name.clone()),
        );
    }
    let style = look.join(" ");
    let search = Search {
        text: (!style.is_empty()).then_some(style.clone()),
        filters: Filters {
            categories: args.category.clone().into_iter().collect(),
            price_max: per_person,
            in_stock: true,
            exclude_ids: selected.iter().map(|s| s.to_string()).collect(),
            ..Filters::default()
        },
        order: Order::Relevance,
        mode: Mode::Text,
        offset: 0,
        limit,
        // Any style word is a reason to show a product; all of them would rarely match.
        any_word: true,
    };
    let mut items = run_search(context, search.clone()).await?;
    let mut styled = !style.is_empty();
    if items.is_empty() && styled {
        // Nothing matches the style words: fall back to what fits budget and stock.
        styled = false;
        items = run_search(
            context,
            Search {
                text: None,
                ..search
            },
        )
        .await?;
    }
    let recommendations: Vec<Value> = items
        .iter()
        .map(|p| {
            let mut reasons = vec![format!("in stock ({} available)", p.stock.available)];
            if styled {
                reasons.push(format!("matches the style: {style}"));
            }
            if let Some(cap) = per_person {
                reasons.push(format!(
                    "within the budget per person ({} {})",
                    cap, requirements.currency
                ));
            }
            let mut out = brief(p);
            out["why"] = reasons.join("; ").into();
            out
        })
        .collect();
    Ok(json!({"count": recommendations.len(), "items": recommendations}))
}
