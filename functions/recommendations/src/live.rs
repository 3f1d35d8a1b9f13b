//! What the model cannot know and is read at request time: the products' live stock, price
//! and status, and the project's selections and remaining budget.

use std::collections::{HashMap, HashSet};

use roomwright_core::{
    ApiError, AppState,
    auth::Caller,
    catalog::{Product, get_products},
};
use roomwright_projects::access::{self, Need};

/// The project a list is for.
#[derive(Debug, Clone, Default)]
pub struct ProjectContext {
    /// Products in any of the project's scenarios.
    pub selected: Vec<String>,
    /// What is left of the budget ceiling after the costliest scenario, in the project's
    /// currency; `None` without a ceiling.
    pub budget_left: Option<(i64, String)>,
    /// Words of the look the project asks for: its style preferences (a style analysis puts
    /// its label first) and the main colours of its analysed room photo.
    pub look: Vec<String>,
}

impl ProjectContext {
    /// Whether one unit of `product` fits the budget (a product priced in another currency
    /// cannot be shown to fit, so it does not).
    pub fn fits(&self, product: &Product) -> bool {
        match &self.budget_left {
            None => true,
            Some((left, currency)) => {
                product.list_price.currency == *currency && product.list_price.amount_minor <= *left
            }
        }
    }
}

pub async fn project(
    state: &AppState,
    caller: &Caller,
    project_id: &str,
) -> Result<ProjectContext, ApiError> {
    let project = access::load(state, caller, project_id, Need::Read)
        .await?
        .value;
    let mut selected = Vec::new();
    let mut seen = HashSet::new();
    for selection in project.scenarios.iter().flat_map(|s| &s.selections) {
        if seen.insert(selection.product_id.clone()) {
            selected.push(selection.product_id.clone());
        }
    }
    let budget_left = match project.requirements.budget_ceiling_minor {
        None => None,
        Some(ceiling) => {
            let prices = products(state, &selected).await?;
            let costliest = project
                .scenarios
                .iter()
                .map(|s| {
                    s.selections
                        .iter()
                        .filter_map(|sel| {
                            prices
                                .get(&sel.product_id)
                                .map(|p| p.list_price.amount_minor * i64::from(sel.quantity))
                        })
                        .sum::<i64>()
                })
                .max()
                .unwrap_or(0);
            Some((ceiling - costliest, project.requirements.currency.clone()))
        }
    };
    Ok(ProjectContext {
        selected,
        budget_left,
        look: look(&project.requirements),
    })
}

/// Colours below this share of the photo do not describe the room.
const MAIN_COLOUR_SHARE: f32 = 0.1;

fn look(requirements: &roomwright_projects::model::Requirements) -> Vec<String> {
    let mut words: Vec<String> = requirements
        .style_preferences
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    if let Some(analysis) = &requirements.style_analysis {
        words.extend(
            analysis
                .palette
                .iter()
                .filter(|c| c.share >= MAIN_COLOUR_SHARE)
                .map(|c| c.name.to_lowercase()),
        );
    }
    let mut seen = HashSet::new();
    words.retain(|w| !w.trim().is_empty() && seen.insert(w.clone()));
    words
}

impl ProjectContext {
    /// The look words `product` shows in its name, description, finishes or materials.
    pub fn look_of(&self, product: &Product) -> Vec<&str> {
        if self.look.is_empty() {
            return Vec::new();
        }
        let text = format!(
            "{} {} {} {}",
            product.name,
            product.description,
            product.finishes.join(" "),
            product.materials.join(" ")
        )
        .to_lowercase();
        self.look
            .iter()
            .filter(|w| text.contains(w.as_str()))
            .map(String::as_str)
            .collect()
    }
}

/// Products by id, as stored now; missing ids are left out.
pub async fn products(
    state: &AppState,
    ids: &[String],
) -> Result<HashMap<String, Product>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(get_products(&state.table(), ids)
        .await?
        .into_iter()
        .map(|(id, p)| (id, p.value))
        .collect())
}

pub fn active(product: &Product) -> bool {
    product.status == "active"
}

pub fn in_stock(product: &Product) -> bool {
    product.stock.available > 0
}
