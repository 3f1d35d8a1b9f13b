//! Layout drafts in the table, and the catalog products a layout may use.
//!
//! | item | pk | sk | expires |
//! | --- | --- | --- | --- |
//! | layout draft | `LAYOUT#<id>` | `LAYOUT` | 7 days after it was proposed (TTL) |

use std::collections::HashMap;

use roomwright_core::{
    catalog::{Product, products_in_category},
    dynamo::{Keys, StoreError, Table},
};
use roomwright_projects::scenarios::{Placement, Scenario, Selection, Terms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Brief, Role, choose::categories, engine::Proposal};

/// How long a proposal can be accepted.
pub const DRAFT_DAYS: i64 = 7;
/// Products read per category: enough choice for a layout, bounded work per request.
pub const PER_CATEGORY: u32 = 300;

/// A proposal kept until it is accepted or expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Draft {
    pub layout_id: String,
    pub project_id: String,
    pub created_by: String,
    pub created_at: String,
    /// Epoch seconds after which the draft is gone.
    pub expires_at: i64,
    /// The scenario whose terms the proposal took (and which accepting replaces by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_id: Option<String>,
    pub terms: Terms,
    pub brief: Brief,
    pub proposal: Proposal,
}

fn keys(layout_id: &str) -> Keys {
    Keys::new(format!("LAYOUT#{layout_id}"), "LAYOUT")
}

pub async fn save(table: &Table, draft: &Draft) -> Result<(), StoreError> {
    table
        .create(&keys(&draft.layout_id).expires_at(draft.expires_at), draft)
        .await
        .map(|_| ())
}

/// A project's draft, if it exists, belongs to the project and has not expired.
pub async fn load(
    table: &Table,
    project_id: &str,
    layout_id: &str,
    now_epoch: i64,
) -> Result<Option<Draft>, StoreError> {
    let keys = keys(layout_id);
    Ok(table
        .get::<Draft>(&keys.pk, &keys.sk)
        .await?
        .map(|v| v.value)
        .filter(|d| d.project_id == project_id && d.expires_at > now_epoch))
}

/// The proposal as a scenario: one selection per placed item.
pub fn scenario_of(proposal: &Proposal, id: &str, name: &str, terms: &Terms) -> Scenario {
    Scenario {
        id: id.into(),
        name: name.into(),
        selections: proposal
            .items
            .iter()
            .enumerate()
            .map(|(k, item)| Selection {
                id: format!("l{}", k + 1),
                product_id: item.product_id.clone(),
                quantity: 1,
                finish: None,
                placement: Some(Placement {
                    room_id: item.room_id.clone(),
                    x_m: item.x_m,
                    y_m: item.y_m,
                    rotation_deg: item.rotation_deg,
                }),
            })
            .collect(),
        terms: terms.clone(),
    }
}

/// The products of every role's categories priced in `currency`, read concurrently from the
/// category index (at most [`PER_CATEGORY`] each).
pub async fn catalog_for(table: &Table, currency: &str) -> Result<Vec<Product>, StoreError> {
    let mut wanted: Vec<(&str, &str)> = Role::ALL
        .iter()
        .flat_map(|r| categories(*r).iter().copied())
        .collect();
    wanted.sort();
    wanted.dedup();
    let reads = wanted
        .iter()
        .map(|(top, leaf)| products_in_category(table, top, leaf, PER_CATEGORY));
    let mut by_id = HashMap::new();
    for products in futures::future::try_join_all(reads).await? {
        for p in products {
            if p.list_price.currency == currency {
                by_id.insert(p.id.clone(), p);
            }
        }
    }
    let mut products: Vec<Product> = by_id.into_values().collect();
    products.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(products)
}
