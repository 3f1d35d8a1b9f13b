//! Admins' view of the recommender: the registry (versions, metrics, which is served), a
//! rollback to the previously served version, and the served model's customer segments.

use axum::{Extension, Json, extract::State};
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    dynamo::PageParams,
    http::ApiQuery,
    time,
};
use roomwright_recs::registry::{self, ModelRecord, Served};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{RecsContext, routes::recommend::no_model};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ModelsQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelsPage {
    /// Which version is served and which was before it.
    #[schema(value_type = Option<Object>)]
    pub served: Option<Served>,
    /// Every trained version, newest first, with its metrics and promotion decision.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ModelRecord>,
    pub next_cursor: Option<String>,
}

/// The model registry.
#[utoipa::path(
    get, path = "/v1/recommendations/models", tag = "recommendations", params(ModelsQuery),
    security(("bearer" = ["models:manage"])),
    responses((status = 200, body = ModelsPage), (status = 403))
)]
pub async fn list_models(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ModelsManage>,
    ApiQuery(query): ApiQuery<ModelsQuery>,
) -> Result<Json<ModelsPage>, ApiError> {
    let page = PageParams {
        limit: query.limit,
        cursor: query.cursor,
    }
    .parse()?;
    let table = state.table();
    let found = registry::list(&table, &page).await?;
    Ok(Json(ModelsPage {
        served: registry::served(&table).await?.map(|s| s.value),
        items: found.items,
        next_cursor: found.next_cursor,
    }))
}

/// Serves the previously served version again. The version rolled back from becomes the
/// previous one, so the rollback can itself be undone.
#[utoipa::path(
    post, path = "/v1/recommendations/models/rollback", tag = "recommendations",
    security(("bearer" = ["models:manage"])),
    responses((status = 200, description = "Now served", body = Object), (status = 403),
              (status = 409, description = "No previous version"))
)]
pub async fn rollback(
    State(state): State<AppState>,
    Extension(context): Extension<RecsContext>,
    Require(caller, _): Require<perm::ModelsManage>,
) -> Result<Json<Served>, ApiError> {
    let now = time::rfc3339(time::now());
    let served = registry::rollback(&state.table(), &now, &caller.user_id)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "nothing_to_roll_back",
                "No model was served before the current one.",
            )
        })?;
    context.models.invalidate().await;
    tracing::info!(
        version = served.current,
        by = caller.user_id,
        "recommendation model rolled back"
    );
    Ok(Json(served))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentItem {
    pub product_id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryShare {
    pub category: String,
    /// Share of the segment's choices, 0 to 1.
    pub share: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentView {
    pub id: u32,
    pub users: usize,
    /// Share of the active users.
    pub share: f64,
    /// Mean number of distinct products a member interacted with.
    pub mean_items: f64,
    /// Leaf categories members choose most, with their share of the choices.
    pub top_categories: Vec<CategoryShare>,
    pub top_products: Vec<SegmentItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentList {
    pub model_version: String,
    pub segments: Vec<SegmentView>,
}

/// Customer segments: users clustered by learnt taste and activity (k-means), largest first.
#[utoipa::path(
    get, path = "/v1/recommendations/segments", tag = "recommendations",
    security(("bearer" = ["models:manage"])),
    responses((status = 200, body = SegmentList), (status = 403), (status = 409, description = "No model trained yet (`model_not_trained`)"))
)]
pub async fn segments(
    State(state): State<AppState>,
    Extension(context): Extension<RecsContext>,
    Require(_caller, _): Require<perm::ModelsManage>,
) -> Result<Json<SegmentList>, ApiError> {
    let model = context.models.current(&state).await?.ok_or_else(no_model)?;
    Ok(Json(SegmentList {
        model_version: model.version.clone(),
        segments: model
            .segments
            .iter()
            .map(|s| SegmentView {
                id: s.id,
                users: s.users,
                share: s.share,
                mean_items: s.mean_items,
                top_categories: s
                    .top_categories
                    .iter()
                    .map(|(category, share)| CategoryShare {
                        category: category.clone(),
                        share: *share,
                    })
                    .collect(),
                top_products: s
                    .top_items
                    .iter()
                    .map(|&i| {
                        let item = &model.items[i as usize];
                        SegmentItem {
                            product_id: item.id.clone(),
                            name: item.name.clone(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    }))
}
