//! `POST /v1/products/visual-search`: products that look like a photo, ranked by the catalog's
//! formula with similarity taken between image vectors (the photo's, computed now by the
//! configured encoder, and each product's first image's, computed by its embedding job).

use axum::{Extension, Json, body::Body, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState, FieldErrors,
    auth::{Require, perm},
    http::ApiQuery,
};
use roomwright_visual::{
    bedrock,
    encoder::{EncodeError, SETTING},
    photo,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::search::{DEFAULT_LIMIT, MAX_LIMIT, RankedResponse, SearchHit, Weights, split};
use crate::CatalogContext;
use roomwright_catalog::search::Filters;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VisualParams {
    /// Category path; several separated by commas.
    pub category: Option<String>,
    /// Only products available now.
    pub in_stock: Option<bool>,
    /// Highest list price, minor units.
    pub price_max: Option<u64>,
    /// Budget per unit, minor units: products near it rank higher.
    pub budget_minor: Option<u64>,
    /// Preferred brands, separated by commas: they rank higher.
    pub preferred_brands: Option<String>,
    /// 1 to 100 (20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

fn unavailable(code: &'static str, title: &'static str, detail: String) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, title).with_detail(detail)
}

/// Visual search is not ready in this deployment or catalog (no image model set up, no
/// product image embedded yet): the request is fine, the state it meets is not, so 409.
fn not_ready(code: &'static str, title: &'static str, detail: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, title).with_detail(detail)
}

/// Products that look like the photo (sent as the body: JPEG, PNG or WebP, at most 4 MB),
/// ranked by `similarity*a + price_alignment(budget)*b + brand_preference*c + availability*d`.
#[utoipa::path(
    post, path = "/v1/products/visual-search", tag = "catalog", params(VisualParams),
    request_body(content = Vec<u8>, content_type = "image/jpeg",
                 description = "The photo itself: JPEG, PNG or WebP"),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = RankedResponse), (status = 413), (status = 415),
              (status = 409, description = "No image model configured (`image_model_not_configured`), or no product image vectors yet (`image_index_empty`, `image_index_other_model`)"),
              (status = 422), (status = 429), (status = 502),
              (status = 503, description = "The image model could not be loaded"))
)]
pub async fn visual_search(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(_caller, _): Require<perm::ProductsRead>,
    ApiQuery(params): ApiQuery<VisualParams>,
    body: Body,
) -> Result<Json<RankedResponse>, ApiError> {
    let Some(encoder) = catalog.images.clone() else {
        return Err(not_ready(
            "image_model_not_configured",
            "Visual search needs an image model",
            format!(
                "No image model is configured: set {SETTING} to a Bedrock model id \
                 (amazon.titan-embed-image-v1) or to the path of an ONNX image encoder."
            ),
        ));
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    let mut errors = FieldErrors::new();
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.add(
            "limit",
            "out_of_range",
            format!("Between 1 and {MAX_LIMIT}."),
        );
    }
    errors.finish()?;
    let image = photo::from_body(body).await?;
    let index = catalog.search.index(&state).await?;
    let model = encoder.model();
    if index.image_vectors.is_empty() {
        return Err(not_ready(
            "image_index_empty",
            "No product images are embedded yet",
            "Product image vectors are computed by embedding jobs when products get images; \
             try again once they have run."
                .into(),
        )
        .with_retry_after(60));
    }
    if index.meta.image_model.as_deref() != Some(model.as_str()) {
        return Err(not_ready(
            "image_index_other_model",
            "The index holds another model's image vectors",
            format!(
                "The search index's image vectors come from {}, this function embeds with \
                 {model}; they are recomputed as products' images are embedded again.",
                index.meta.image_model.as_deref().unwrap_or("no model")
            ),
        )
        .with_retry_after(60));
    }
    let query = encoder.embed(&image).await.map_err(|e| match e {
        EncodeError::Model(e) => bedrock::problem(e),
        EncodeError::Setup(detail) => unavailable(
            "image_model_unavailable",
            "The image model could not be loaded",
            format!("{detail} (check {SETTING})"),
        ),
        EncodeError::Run(detail) => ApiError::internal(detail),
    })?;
    let weights = Weights::default();
    let ranking = weights.ranking(query, params.budget_minor, split(&params.preferred_brands));
    let filters = Filters {
        categories: split(&params.category),
        in_stock: params.in_stock.unwrap_or(false),
        price_max: params.price_max,
        ..Filters::default()
    };
    let results = index
        .visually_ranked(&ranking, &filters, limit)
        .map_err(ApiError::internal)?;
    Ok(Json(RankedResponse {
        items: results.items.into_iter().map(SearchHit::from).collect(),
        weights: weights.applied(),
    }))
}
