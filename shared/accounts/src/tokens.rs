//! The OAuth 2.0 token response (RFC 6749 section 5.1) that signup, login and refresh return.

use roomwright_core::{
    ApiError, AppState,
    auth::{ACCESS_TOKEN_TTL_SECONDS, AUDIENCE, AccessClaims, Role},
    time,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{keys::Signer, users::User};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// RS256 JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque; exchange at `/v1/auth/refresh` for a new pair. Single use.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: TokenUser,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// Until the address is confirmed (`POST /v1/auth/verify`), projects cannot be shared
    /// with this user.
    pub email_verified: bool,
}

/// Signs an access token for `user` in `session_id` and pairs it with `refresh_token`.
pub async fn respond(
    state: &AppState,
    signer: &Signer,
    user: &User,
    session_id: &str,
    refresh_token: String,
) -> Result<TokenResponse, ApiError> {
    let now = time::now().unix_timestamp();
    let claims = AccessClaims {
        sub: user.id.clone(),
        email: user.email.clone(),
        role: user.role,
        permissions: user
            .role
            .permissions()
            .iter()
            .map(|p| p.as_str().to_string())
            .collect(),
        sid: session_id.to_string(),
        iat: now,
        exp: now + ACCESS_TOKEN_TTL_SECONDS,
        iss: state.config.jwt_issuer.clone(),
        aud: AUDIENCE.to_string(),
    };
    let access_token = signer.sign(&state.aws, &state.table(), &claims).await?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer".to_string(),
        expires_in: ACCESS_TOKEN_TTL_SECONDS,
        user: TokenUser {
            id: user.id.clone(),
            email: user.email.clone(),
            role: user.role,
            email_verified: user.email_verified,
        },
    })
}
