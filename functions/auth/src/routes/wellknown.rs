//! OpenID Connect discovery and the public signing keys, for API Gateway's JWT authorizer and
//! for clients that verify tokens themselves.

use axum::{Extension, Json, extract::State, http::header, response::IntoResponse};
use roomwright_core::{ApiError, AppState, auth::JwkSet};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AuthContext;

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub jwks_uri: String,
    pub token_endpoint: String,
    pub response_types_supported: Vec<String>,
    pub subject_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub grant_types_supported: Vec<String>,
}

/// OpenID Connect discovery document.
#[utoipa::path(
    get, path = "/.well-known/openid-configuration", tag = "auth",
    responses((status = 200, body = OpenIdConfiguration))
)]
pub async fn openid_configuration(State(state): State<AppState>) -> Json<OpenIdConfiguration> {
    let issuer = state.config.jwt_issuer.clone();
    Json(OpenIdConfiguration {
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        token_endpoint: format!("{issuer}/v1/auth/login"),
        response_types_supported: vec!["token".into()],
        subject_types_supported: vec!["public".into()],
        id_token_signing_alg_values_supported: vec!["RS256".into()],
        grant_types_supported: vec!["password".into(), "refresh_token".into()],
        issuer,
    })
}

/// The public keys that verify access tokens (the signing key and the one before it).
#[utoipa::path(
    get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, body = JwkSet))
)]
pub async fn jwks(
    State(state): State<AppState>,
    Extension(context): Extension<AuthContext>,
) -> Result<impl IntoResponse, ApiError> {
    let keys = context
        .signer
        .public_keys(&state.aws, &state.table())
        .await?;
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(keys)))
}
