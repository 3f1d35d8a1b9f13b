//! Search routes: faceted text search, semantic search with the ranking formula, similar
//! products, and the admin reindex.

use std::collections::HashMap;

use axum::{Extension, Json, extract::State, http::StatusCode};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState, FieldError, FieldErrors,
    auth::{Require, perm},
    catalog::Product,
    http::{ApiJson, ApiQuery},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::CatalogContext;
use roomwright_catalog::search::{
    Filters, Mode, Order, Ranking, Results, Search, service::ReindexRequested,
};

pub(super) const DEFAULT_LIMIT: usize = 20;
pub(super) const MAX_LIMIT: usize = 100;
/// Deepest a client can page: search is for finding, not for exporting the catalog.
const MAX_OFFSET: usize = 1_000;

/// The largest price a filter takes, in minor units (ten billion in major units).
const MAX_PRICE_MINOR: u64 = 1_000_000_000_000;
/// The largest size a filter takes, in millimetres.
const MAX_SIZE_MM: u64 = 100_000;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Free text; typos and word forms are forgiven.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Category path, `Seating` or `Seating/Task chairs`; several separated by commas.
    pub category: Option<String>,
    /// Brand names, separated by commas.
    pub brand: Option<String>,
    /// Lowest list price, minor units.
    #[param(minimum = 0, maximum = 1_000_000_000_000_u64)]
    pub price_min: Option<u64>,
    /// Highest list price, minor units.
    #[param(minimum = 0, maximum = 1_000_000_000_000_u64)]
    pub price_max: Option<u64>,
    /// Only products available now.
    pub in_stock: Option<bool>,
    #[param(minimum = 0, maximum = 100_000)]
    pub max_width_mm: Option<u64>,
    #[param(minimum = 0, maximum = 100_000)]
    pub max_depth_mm: Option<u64>,
    #[param(minimum = 0, maximum = 100_000)]
    pub max_height_mm: Option<u64>,
    /// Certification names, separated by commas (any of them).
    pub certification: Option<String>,
    /// Highest embodied carbon, kg CO2e.
    pub max_carbon_kg: Option<f64>,
    /// `relevance` (default), `price_asc` (or `price`), `price_desc`, `lead_time`.
    pub sort: Option<String>,
    /// `text`, `semantic` or `hybrid`; default `hybrid` where the embedding model is
    /// configured, else `text`.
    pub mode: Option<String>,
    /// 1 to 100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Facets {
    /// Category paths (`Seating/Task chairs`), counted without the category filter.
    pub category: Vec<FacetCount>,
    /// Counted without the brand filter.
    pub brand: Vec<FacetCount>,
    /// Counted without the certification filter.
    pub certification: Vec<FacetCount>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub product: Product,
    pub score: f32,
}

impl From<(Product, f32)> for SearchHit {
    fn from((product, score): (Product, f32)) -> Self {
        Self { product, score }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub items: Vec<SearchHit>,
    pub facets: Facets,
    /// Matching products in all pages (for hybrid: the fused candidates).
    pub total: u64,
    pub next_cursor: Option<String>,
    /// How the results were ranked: `text`, `semantic` or `hybrid`.
    pub mode: String,
    /// Catalog revision of the index that answered.
    pub index_revision: u64,
}

#[derive(Serialize, Deserialize)]
struct SearchCursor {
    /// Offset of the next page.
    o: usize,
    /// A digest of the query, so a cursor cannot be replayed against another search.
    h: u64,
}

pub(super) fn split(list: &Option<String>) -> Vec<String> {
    list.as_deref()
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn query_digest(params: &SearchParams) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (
        &params.q,
        &params.category,
        &params.brand,
        &params.certification,
    )
        .hash(&mut h);
    (params.price_min, params.price_max, params.in_stock).hash(&mut h);
    (
        params.max_width_mm,
        params.max_depth_mm,
        params.max_height_mm,
    )
        .hash(&mut h);
    (
        params.max_carbon_kg.map(f64::to_bits),
        &params.sort,
        &params.mode,
    )
        .hash(&mut h);
    h.finish()
}

/// Checks the query parameters; every problem is reported at once.
pub fn parse(params: &SearchParams, has_model: bool) -> Result<Search, ApiError> {
    let mut errors = FieldErrors::new();
    let order = match params.sort.as_deref().unwrap_or("relevance") {
        "relevance" => Order::Relevance,
        "price" | "price_asc" => Order::PriceAsc,
        "price_desc" => Order::PriceDesc,
        "lead_time" => Order::LeadTime,
        _ => {
            errors.add(
                "sort",
                "invalid_sort",
                "relevance, price_asc, price_desc or lead_time.",
            );
            Order::Relevance
        }
    };
    let mode = match params.mode.as_deref() {
        None if has_model => Mode::Hybrid,
        None | Some("text") => Mode::Text,
        Some("semantic") | Some("hybrid") if !has_model => {
            errors.add(
                "mode",
                "semantic_unavailable",
                "No embedding model is configured (EMBEDDING_MODEL_DIR); use mode=text.",
            );
            Mode::Text
        }
        Some("semantic") => Mode::Semantic,
        Some("hybrid") => Mode::Hybrid,
        Some(_) => {
            errors.add("mode", "invalid_mode", "text, semantic or hybrid.");
            Mode::Text
        }
    };
    if mode == Mode::Semantic && params.q.as_deref().is_none_or(|q| q.trim().is_empty()) {
        errors.add("q", "required", "Semantic search needs a text.");
    }
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.add(
            "limit",
            "out_of_range",
            format!("Between 1 and {MAX_LIMIT}."),
        );
    }
    if params.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        errors.add("q", "too_long", "At most 200 characters.");
    }
    for (field, price) in [
        ("price_min", params.price_min),
        ("price_max", params.price_max),
    ] {
        if price.is_some_and(|p| p > MAX_PRICE_MINOR) {
            errors.add(
                field,
                "out_of_range",
                "At most 1,000,000,000,000 minor units.",
            );
        }
    }
    for (field, size) in [
        ("max_width_mm", params.max_width_mm),
        ("max_depth_mm", params.max_depth_mm),
        ("max_height_mm", params.max_height_mm),
    ] {
        if size.is_some_and(|mm| mm > MAX_SIZE_MM) {
            errors.add(field, "out_of_range", "At most 100,000 mm.");
        }
    }
    if let (Some(low), Some(high)) = (params.price_min, params.price_max)
        && low > high
    {
        errors.add(
            "price_min",
            "above_price_max",
            "price_min must not exceed price_max.",
        );
    }
    if params
        .max_carbon_kg
        .is_some_and(|c| !c.is_finite() || c < 0.0)
    {
        errors.add("max_carbon_kg", "out_of_range", "Zero or more.");
    }
    let digest = query_digest(params);
    let offset = match &params.cursor {
        None => 0,
        Some(text) => match URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|b| serde_json::from_slice::<SearchCursor>(&b).ok())
        {
            Some(c) if c.h == digest && c.o <= MAX_OFFSET => c.o,
            _ => {
                errors.add("cursor", "invalid_cursor", "Not a cursor of this search.");
                0
            }
        },
    };
    errors.finish()?;
    Ok(Search {
        text: params.q.clone().filter(|q| !q.trim().is_empty()),
        filters: Filters {
            categories: split(&params.category),
            brands: split(&params.brand),
            certifications: split(&params.certification),
            price_min: params.price_min,
            price_max: params.price_max,
            in_stock: params.in_stock.unwrap_or(false),
            max_width_mm: params.max_width_mm,
            max_depth_mm: params.max_depth_mm,
            max_height_mm: params.max_height_mm,
            max_carbon_kg: params.max_carbon_kg,
            exclude_ids: Vec::new(),
        },
        order,
        mode,
        offset,
        limit,
        any_word: false,
    })
}

fn counts(map: HashMap<String, u64>) -> Vec<FacetCount> {
    let mut list: Vec<FacetCount> = map
        .into_iter()
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    list
}

fn respond(results: Results, next: Option<String>, mode: Mode, revision: u64) -> SearchResponse {
    SearchResponse {
        items: results.items.into_iter().map(SearchHit::from).collect(),
        facets: Facets {
            category: counts(results.categories),
            brand: counts(results.brands),
            certification: counts(results.certifications),
        },
        total: results.total,
        next_cursor: next,
        mode: match mode {
            Mode::Text => "text",
            Mode::Semantic => "semantic",
            Mode::Hybrid => "hybrid",
        }
        .into(),
        index_revision: revision,
    }
}

/// Searches active products: text with typo tolerance and stemming, filters, facet counts,
/// sorting and cursor pagination, optionally fused with semantic similarity.
#[utoipa::path(
    get, path = "/v1/products/search", tag = "catalog", params(SearchParams),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = SearchResponse), (status = 422), (status = 503))
)]
pub async fn search_products(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(_caller, _): Require<perm::ProductsRead>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    let search = parse(&params, catalog.search.has_model())?;
    let index = catalog.search.index(&state).await?;
    let vector = match (&search.text, search.mode) {
        (Some(text), Mode::Semantic | Mode::Hybrid) => catalog.search.embed(text).await?,
        _ => None,
    };
    let mode = if vector.is_some() && search.order == Order::Relevance {
        search.mode
    } else {
        Mode::Text
    };
    let results = index.search(&search, vector).map_err(ApiError::internal)?;
    let next = (results.more && search.offset + search.limit <= MAX_OFFSET).then(|| {
        let cursor = SearchCursor {
            o: search.offset + search.limit,
            h: query_digest(&params),
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).expect("cursor serialises"))
    });
    Ok(Json(respond(results, next, mode, index.meta.revision)))
}

/// Bounds and defaults of the ranking weights a client may set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// 0 to 1, default 0.7.
    #[serde(default = "default_similarity")]
    pub similarity: f32,
    /// 0 to 1, default 0.1.
    #[serde(default = "default_minor")]
    pub price: f32,
    /// 0 to 1, default 0.1.
    #[serde(default = "default_minor")]
    pub brand: f32,
    /// 0 to 1, default 0.1.
    #[serde(default = "default_minor")]
    pub availability: f32,
}

fn default_similarity() -> f32 {
    0.7
}
fn default_minor() -> f32 {
    0.1
}

impl Weights {
    /// The ranking of `query` with these weights.
    pub fn ranking(
        &self,
        query: Vec<f32>,
        budget_minor: Option<u64>,
        preferred_brands: Vec<String>,
    ) -> Ranking {
        Ranking {
            query,
            similarity: self.similarity,
            price: self.price,
            brand: self.brand,
            availability: self.availability,
            budget_minor,
            preferred_brands,
        }
    }

    /// The weights as a response reports them.
    pub fn applied(&self) -> AppliedWeights {
        AppliedWeights {
            similarity: self.similarity,
            price: self.price,
            brand: self.brand,
            availability: self.availability,
        }
    }
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            similarity: default_similarity(),
            price: default_minor(),
            brand: default_minor(),
            availability: default_minor(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SemanticRequest {
    /// What the client is looking for, in their words.
    pub query: String,
    /// Budget per unit, minor units: products near it rank higher.
    #[serde(default)]
    pub budget_minor: Option<u64>,
    #[serde(default)]
    pub preferred_brands: Vec<String>,
    #[serde(default, deserialize_with = "roomwright_core::http::object::optional")]
    pub weights: Option<Weights>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub in_stock: bool,
    #[serde(default)]
    pub price_max: Option<u64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedResponse {
    pub items: Vec<SearchHit>,
    /// The weights applied, after defaults.
    pub weights: AppliedWeights,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedWeights {
    pub similarity: f32,
    pub price: f32,
    pub brand: f32,
    pub availability: f32,
}

/// Checks the weights: each within 0..=1, similarity at least 0.1 so meaning always counts.
pub fn check_weights(weights: &Weights, errors: &mut FieldErrors) {
    for (name, value) in [
        ("similarity", weights.similarity),
        ("price", weights.price),
        ("brand", weights.brand),
        ("availability", weights.availability),
    ] {
        if !(0.0..=1.0).contains(&value) {
            errors.add(
                format!("weights.{name}"),
                "out_of_range",
                "Between 0 and 1.",
            );
        }
    }
    if weights.similarity < 0.1 {
        errors.add("weights.similarity", "too_low", "At least 0.1.");
    }
}

/// Products by meaning, ranked by
/// `similarity*a + price_alignment(budget)*b + brand_preference*c + availability*d`.
#[utoipa::path(
    post, path = "/v1/products/semantic-search", tag = "catalog", request_body = SemanticRequest,
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = RankedResponse), (status = 422), (status = 503))
)]
pub async fn semantic_search(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(_caller, _): Require<perm::ProductsRead>,
    ApiJson(request): ApiJson<SemanticRequest>,
) -> Result<Json<RankedResponse>, ApiError> {
    let mut errors = FieldErrors::new();
    if request.query.trim().is_empty() || request.query.chars().count() > 500 {
        errors.add("query", "invalid", "1 to 500 characters.");
    }
    let weights = request.weights.unwrap_or_default();
    check_weights(&weights, &mut errors);
    let limit = request.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.add(
            "limit",
            "out_of_range",
            format!("Between 1 and {MAX_LIMIT}."),
        );
    }
    if !catalog.search.has_model() {
        errors.add(
            "query",
            "semantic_unavailable",
            "No embedding model is configured (EMBEDDING_MODEL_DIR).",
        );
    }
    errors.finish()?;
    let index = catalog.search.index(&state).await?;
    let query = catalog
        .search
        .embed(&request.query)
        .await?
        .ok_or_else(|| ApiError::internal("embedding model vanished"))?;
    let ranking = weights.ranking(query, request.budget_minor, request.preferred_brands);
    let filters = Filters {
        categories: split(&request.category),
        in_stock: request.in_stock,
        price_max: request.price_max,
        ..Filters::default()
    };
    let results = index
        .ranked(&ranking, &filters, 0, limit)
        .map_err(ApiError::internal)?;
    Ok(Json(RankedResponse {
        items: results.items.into_iter().map(SearchHit::from).collect(),
        weights: weights.applied(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarParams {
    /// 1 to 50, default 10.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
    /// Only products available now.
    pub in_stock: Option<bool>,
}

/// Products like this one: nearest by meaning where embeddings exist, else the same category
/// and matching words.
#[utoipa::path(
    get, path = "/v1/products/{id}/similar", tag = "catalog", params(("id" = String, Path), SimilarParams),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = RankedResponse), (status = 404), (status = 422))
)]
pub async fn similar_products(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(_caller, _): Require<perm::ProductsRead>,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<SimilarParams>,
) -> Result<Json<RankedResponse>, ApiError> {
    let limit = params.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "out_of_range",
            "Between 1 and 50.",
        )]));
    }
    let product = super::products::load(&state, &id).await?.value;
    let index = catalog.search.index(&state).await?;
    let filters = Filters {
        in_stock: params.in_stock.unwrap_or(false),
        exclude_ids: vec![id.clone()],
        ..Filters::default()
    };
    let weights = AppliedWeights {
        similarity: 0.9,
        price: 0.0,
        brand: 0.0,
        availability: 0.1,
    };
    let results = match index.vectors.get(&id) {
        Some(vector) => {
            let ranking = Ranking {
                query: vector.to_vec(),
                similarity: weights.similarity,
                price: 0.0,
                brand: 0.0,
                availability: weights.availability,
                budget_minor: None,
                preferred_brands: Vec::new(),
            };
            index.ranked(&ranking, &filters, 0, limit)
        }
        None => {
            // No embedding: the same leaf category, ranked by the words of its name.
            let search = Search {
                text: Some(product.name.clone()),
                filters: Filters {
                    categories: vec![product.category.join("/")],
                    ..filters
                },
                order: Order::Relevance,
                mode: Mode::Text,
                offset: 0,
                limit,
                any_word: true,
            };
            index.search(&search, None)
        }
    }
    .map_err(ApiError::internal)?;
    Ok(Json(RankedResponse {
        items: results.items.into_iter().map(SearchHit::from).collect(),
        weights,
    }))
}

/// Asks the indexer to rebuild the search index from the table and publish it (admins): 202,
/// built on the indexer's next run (within a minute in AWS). The indexer also rebuilds by
/// itself whenever the catalog changes; this is for a rebuild with no change (a new model).
#[utoipa::path(
    post, path = "/v1/catalog/reindex", tag = "catalog",
    security(("bearer" = ["products:write"])),
    responses((status = 202, body = ReindexRequested))
)]
pub async fn reindex(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(_caller, _): Require<perm::ProductsWrite>,
) -> Result<(StatusCode, Json<ReindexRequested>), ApiError> {
    let requested = catalog.search.request_rebuild(&state).await?;
    Ok((StatusCode::ACCEPTED, Json(requested)))
}
