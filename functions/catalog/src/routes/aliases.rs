//! Dealer aliases: other catalogs' part numbers and CAD block names mapped to our products,
//! kept by admins and sales reps; interchange imports match by them.

use axum::{Json, extract::State};
use roomwright_core::{
    ApiError, AppState, FieldErrors,
    auth::{Require, perm},
    catalog::get_products,
    dynamo::PageParams,
    http::{ApiJson, ApiQuery},
    time,
};
use roomwright_interchange::aliases::{self, Alias, AliasKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Aliases one request may set or remove.
const MAX_PER_REQUEST: usize = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AliasQuery {
    /// Only part numbers or only block names.
    pub kind: Option<AliasKind>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AliasPage {
    pub items: Vec<Alias>,
    pub next_cursor: Option<String>,
}

/// One alias to set, or (with `product_id: null`) to remove.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AliasInput {
    pub kind: AliasKind,
    /// The part number or block name, 1 to 100 characters.
    pub source: String,
    /// Our product; `null` removes the alias.
    pub product_id: Option<String>,
    #[serde(default)]
    pub manufacturer: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AliasChanges {
    /// 1 to 500 aliases; a later entry for the same kind and source wins.
    pub aliases: Vec<AliasInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AliasesChanged {
    pub set: Vec<Alias>,
    pub removed: usize,
}

/// Every alias, by kind and source.
#[utoipa::path(
    get, path = "/v1/catalog/aliases", tag = "products", params(AliasQuery),
    security(("bearer" = ["aliases:manage"])),
    responses((status = 200, body = AliasPage), (status = 422))
)]
pub async fn list_aliases(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::AliasesManage>,
    ApiQuery(query): ApiQuery<AliasQuery>,
) -> Result<Json<AliasPage>, ApiError> {
    let page = PageParams {
        limit: query.limit,
        cursor: query.cursor,
    }
    .parse()?;
    let found = aliases::list(&state.table(), query.kind, &page).await?;
    Ok(Json(AliasPage {
        items: found.items,
        next_cursor: found.next_cursor,
    }))
}

/// Sets and removes aliases. Every product named must exist; nothing is written unless all
/// entries are valid.
#[utoipa::path(
    put, path = "/v1/catalog/aliases", tag = "products", request_body = AliasChanges,
    security(("bearer" = ["aliases:manage"])),
    responses((status = 200, body = AliasesChanged), (status = 422))
)]
pub async fn put_aliases(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::AliasesManage>,
    ApiJson(changes): ApiJson<AliasChanges>,
) -> Result<Json<AliasesChanged>, ApiError> {
    let mut errors = FieldErrors::new();
    if changes.aliases.is_empty() || changes.aliases.len() > MAX_PER_REQUEST {
        errors.add(
            "aliases",
            "out_of_range",
            format!("Send 1 to {MAX_PER_REQUEST} aliases."),
        );
    }
    for (i, a) in changes.aliases.iter().enumerate() {
        let length = aliases::normalise(&a.source).chars().count();
        if !(1..=100).contains(&length) {
            errors.add(
                format!("aliases[{i}].source"),
                "invalid",
                "A part number or block name is 1 to 100 characters.",
            );
        }
        if a.manufacturer
            .as_ref()
            .is_some_and(|m| m.chars().count() > 100)
        {
            errors.add(
                format!("aliases[{i}].manufacturer"),
                "too_long",
                "At most 100 characters.",
            );
        }
    }
    errors.finish()?;
    let ids: Vec<String> = changes
        .aliases
        .iter()
        .filter_map(|a| a.product_id.clone())
        .collect();
    let products = get_products(&state.table(), &ids).await?;
    let mut errors = FieldErrors::new();
    for (i, a) in changes.aliases.iter().enumerate() {
        if let Some(id) = &a.product_id
            && !products.contains_key(id)
        {
            errors.add(
                format!("aliases[{i}].product_id"),
                "unknown_product",
                format!("No product {id}."),
            );
        }
    }
    errors.finish()?;
    let now = time::rfc3339(time::now());
    // The last entry for a kind and source is the one that counts.
    let mut last = std::collections::HashMap::new();
    for a in &changes.aliases {
        last.insert((a.kind, aliases::normalise(&a.source)), a);
    }
    let mut set = Vec::new();
    let mut removed = Vec::new();
    for ((kind, source), a) in last {
        match &a.product_id {
            Some(product_id) => set.push(Alias {
                kind,
                source: a.source.trim().to_string(),
                product_id: product_id.clone(),
                manufacturer: a.manufacturer.clone(),
                origin: "user".into(),
                updated_by: caller.user_id.clone(),
                updated_at: now.clone(),
            }),
            None => removed.push((kind, source)),
        }
    }
    set.sort_by(|a, b| (a.kind.as_str(), &a.source).cmp(&(b.kind.as_str(), &b.source)));
    aliases::remove_all(&state.table(), &removed).await?;
    aliases::put_all(&state.table(), &set).await?;
    tracing::info!(set = set.len(), removed = removed.len(), "aliases changed");
    Ok(Json(AliasesChanged {
        removed: removed.len(),
        set,
    }))
}
