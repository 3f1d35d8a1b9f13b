//! Makers: registered by catalog managers, matched to a brief by anyone who can see products.

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    http::ApiJson,
};

use roomwright_catalog::makers::{self, Maker, MakerInput, MakerMatch, MatchRequest, maker_keys};

/// Registers a workshop.
#[utoipa::path(
    post, path = "/v1/makers", tag = "makers", request_body = MakerInput,
    security(("bearer" = ["products:write"])),
    responses((status = 201, body = Maker), (status = 422))
)]
pub async fn create_maker(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ProductsWrite>,
    ApiJson(input): ApiJson<MakerInput>,
) -> Result<(StatusCode, Json<Maker>), ApiError> {
    let maker = input.validate(format!("m-{}", uuid::Uuid::now_v7().simple()))?;
    state.table().create(&maker_keys(&maker), &maker).await?;
    Ok((StatusCode::CREATED, Json(maker)))
}

/// Every registered workshop.
#[utoipa::path(
    get, path = "/v1/makers", tag = "makers",
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = [Maker]))
)]
pub async fn list_makers(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ProductsRead>,
) -> Result<Json<Vec<Maker>>, ApiError> {
    Ok(Json(makers::all(&state.table()).await?))
}

/// Workshops that could make what the catalog lacks, ranked by capability, materials,
/// distance, lead time and budget, with the reasons.
#[utoipa::path(
    post, path = "/v1/makers/match", tag = "makers", request_body = MatchRequest,
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = [MakerMatch]), (status = 422))
)]
pub async fn match_makers(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ProductsRead>,
    ApiJson(request): ApiJson<MatchRequest>,
) -> Result<Json<Vec<MakerMatch>>, ApiError> {
    request.check()?;
    let all = makers::all(&state.table()).await?;
    Ok(Json(makers::rank(&request, all)))
}
