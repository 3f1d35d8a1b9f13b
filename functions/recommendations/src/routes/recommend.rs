//! `GET /v1/recommendations` and `GET /v1/products/{id}/also-chosen`: lists from the served
//! model, filtered by what is true now (active, in stock, within the project's budget, not
//! already selected), each item with the reason it is there.

use std::{collections::HashSet, sync::Arc};

use axum::{Extension, Json, extract::State};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Permission, Require, perm},
    catalog::Product,
    http::ApiQuery,
    money::Money,
};
use roomwright_recs::{
    model::Model,
    serve::{Basis, Request, Suggestion},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    RecsContext,
    live::{self, ProjectContext},
    routes::events::{Popularity, popularity},
};

const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 50;
/// Candidates asked of the model per item shown: live filters drop some.
const OVERFETCH: usize = 4;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationQuery {
    /// Whose taste (the caller by default; others: admins).
    pub user: Option<String>,
    /// A project the caller can see: its selections are excluded and explain suggestions,
    /// and its remaining budget caps prices.
    pub project: Option<String>,
    /// A category level as the catalog filters name it: `Seating` or `Seating/Task chairs`.
    pub category: Option<String>,
    /// 1 to 50 (10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReasonView {
    /// `because_you_selected`, `because_of_your_interest_in`, `chosen_with`,
    /// `similar_in_style_to` or `popular_in`.
    pub kind: String,
    pub text: String,
    /// The product the reason names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecommendedProduct {
    pub product_id: String,
    pub name: String,
    pub category: Vec<String>,
    pub list_price: Money,
    pub stock_available: u32,
    pub score: f32,
    pub reason: ReasonView,
    /// The words of the project's look the product shows (its style, its room's colours);
    /// such products come first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub look: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecommendationList {
    pub model_version: String,
    /// `personalised`, `selections` or `popularity`: what the list was made from.
    pub basis: String,
    pub items: Vec<RecommendedProduct>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AlsoChosenList {
    pub model_version: String,
    pub product_id: String,
    /// How often the product was viewed, added and ordered.
    pub popularity: Popularity,
    pub items: Vec<RecommendedProduct>,
}

fn limit(value: Option<usize>) -> Result<usize, ApiError> {
    match value.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(n),
        _ => Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "out_of_range",
            format!("limit is 1 to {MAX_LIMIT}."),
        )])),
    }
}

pub fn no_model() -> ApiError {
    ApiError::new(
        http::StatusCode::CONFLICT,
        "model_not_trained",
        "No recommendation model yet",
    )
    .with_detail(
        "No recommendation model has been trained yet; an admin can start training with \
         POST /v1/jobs/training (it also runs nightly).",
    )
}

async fn served(state: &AppState, context: &RecsContext) -> Result<Arc<Model>, ApiError> {
    context.models.current(state).await?.ok_or_else(no_model)
}

fn view(model: &Model, suggestion: &Suggestion, product: &Product) -> RecommendedProduct {
    let reason = &suggestion.reason;
    let kind = serde_json::to_value(reason).expect("serialisable")["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    RecommendedProduct {
        product_id: product.id.clone(),
        name: product.name.clone(),
        category: product.category.clone(),
        list_price: product.list_price.clone(),
        stock_available: product.stock.available,
        score: (suggestion.score * 1000.0).round() / 1000.0,
        reason: ReasonView {
            kind,
            text: reason.text(model),
            product_id: reason.item().map(|i| model.items[i as usize].id.clone()),
        },
        look: Vec::new(),
    }
}

/// Keeps the candidates whose live product passes `keep`, in order, up to `limit`, each with
/// the words of the project's look it shows.
async fn live_filter(
    state: &AppState,
    model: &Model,
    candidates: &[Suggestion],
    limit: usize,
    keep: impl Fn(&Product) -> bool,
    look: impl Fn(&Product) -> Vec<String>,
) -> Result<Vec<RecommendedProduct>, ApiError> {
    let ids: Vec<String> = candidates
        .iter()
        .map(|s| model.items[s.item as usize].id.clone())
        .collect();
    let products = live::products(state, &ids).await?;
    Ok(candidates
        .iter()
        .zip(&ids)
        .filter_map(|(s, id)| {
            products
                .get(id)
                .filter(|p| keep(p))
                .map(|p| RecommendedProduct {
                    look: look(p),
                    ..view(model, s, p)
                })
        })
        .take(limit)
        .collect())
}

/// Personalised products for a user (and project), each with the reason it is suggested.
/// New users get suggestions from the project's selections, then popularity.
#[utoipa::path(
    get, path = "/v1/recommendations", tag = "recommendations", params(RecommendationQuery),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = RecommendationList), (status = 403), (status = 404),
              (status = 422), (status = 409, description = "No model trained yet (`model_not_trained`)"))
)]
pub async fn recommendations(
    State(state): State<AppState>,
    Extension(context): Extension<RecsContext>,
    Require(caller, _): Require<perm::ProductsRead>,
    ApiQuery(query): ApiQuery<RecommendationQuery>,
) -> Result<Json<RecommendationList>, ApiError> {
    let limit = limit(query.limit)?;
    let user = match &query.user {
        Some(user) if user != &caller.user_id => {
            caller.require(Permission::UsersManage)?;
            user.clone()
        }
        _ => caller.user_id.clone(),
    };
    let project = match &query.project {
        Some(id) => live::project(&state, &caller, id).await?,
        None => ProjectContext::default(),
    };
    let model = served(&state, &context).await?;
    let category = query.category.as_deref().filter(|c| !c.trim().is_empty());
    let mut shown = Vec::new();
    let mut basis = Basis::Popularity;
    let mut rejected: HashSet<u32> = HashSet::new();
    // Live filters can reject many candidates (a tight budget): then ask once more, for five
    // times as many, leaving out the ones already rejected.
    for round in 0..2 {
        let request = Request {
            user: Some(&user),
            selected: &project.selected,
            category,
            count: limit * OVERFETCH * (1 + 4 * round),
        };
        let candidates;
        (basis, candidates) = model.recommend(&request, |i| !rejected.contains(&i));
        // Every candidate that passes: the project's look may pick from all of them.
        shown = live_filter(
            &state,
            &model,
            &candidates,
            candidates.len(),
            |p| live::active(p) && live::in_stock(p) && project.fits(p),
            |p| project.look_of(p).into_iter().map(str::to_owned).collect(),
        )
        .await?;
        if shown.len() >= limit || candidates.len() < request.count {
            break;
        }
        let kept: HashSet<&str> = shown.iter().map(|p| p.product_id.as_str()).collect();
        rejected.extend(
            candidates
                .iter()
                .filter(|s| !kept.contains(model.items[s.item as usize].id.as_str()))
                .map(|s| s.item),
        );
    }
    // Products showing the project's look first; stable, so the model's order holds within
    // each group.
    shown.sort_by_key(|item| item.look.is_empty());
    shown.truncate(limit);
    Ok(Json(RecommendationList {
        model_version: model.version.clone(),
        basis: serde_json::to_value(basis)
            .expect("serialisable")
            .as_str()
            .unwrap_or_default()
            .to_string(),
        items: shown,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlsoChosenQuery {
    /// 1 to 50 (10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
}

/// Products chosen by the people who chose this one; for a product with little history,
/// products like it in description and style; then the most chosen in its category.
#[utoipa::path(
    get, path = "/v1/products/{id}/also-chosen", tag = "recommendations",
    params(("id" = String, Path), AlsoChosenQuery),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = AlsoChosenList), (status = 404), (status = 409, description = "No model trained yet (`model_not_trained`)"))
)]
pub async fn also_chosen(
    State(state): State<AppState>,
    Extension(context): Extension<RecsContext>,
    Require(_caller, _): Require<perm::ProductsRead>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AlsoChosenQuery>,
) -> Result<Json<AlsoChosenList>, ApiError> {
    let limit = limit(query.limit)?;
    let product = live::products(&state, std::slice::from_ref(&id))
        .await?
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("product_not_found", format!("No product {id}.")))?;
    let model = served(&state, &context).await?;
    let count = limit * OVERFETCH;
    let candidates = match model.also_chosen(&id, count, |_| true) {
        Some(list) => list,
        // A product newer than the model: the most chosen in its category.
        None => {
            let category = product.category.join("/");
            model.popular_in(
                (!category.is_empty()).then_some(category.as_str()),
                count,
                |i| model.items[i as usize].id != id,
            )
        }
    };
    let items = live_filter(&state, &model, &candidates, limit, live::active, |_| {
        Vec::new()
    })
    .await?;
    Ok(Json(AlsoChosenList {
        model_version: model.version.clone(),
        product_id: id.clone(),
        popularity: popularity(&state.table(), &id).await?,
        items,
    }))
}
