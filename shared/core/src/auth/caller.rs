//! The `Caller` extractor: a verified access token, required on every protected route.

use axum::{extract::FromRequestParts, http::request::Parts};
use http::header;

use super::{AccessClaims, AuthError, Liveness, Permission, Role};
use crate::{AppState, problem::ApiError};

/// The authenticated user of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    pub session_id: String,
}

impl Caller {
    /// Refuses with 403 unless the caller's role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role.has(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "missing_permission",
                format!("This needs the {} permission.", permission.as_str()),
            ))
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.role.has(permission)
    }
}

impl From<AccessClaims> for Caller {
    fn from(claims: AccessClaims) -> Self {
        Self {
            user_id: claims.sub,
            email: claims.email,
            role: claims.role,
            session_id: claims.sid,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "missing_token",
                    "Send an access token as `Authorization: Bearer <token>`.",
                )
            })?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "missing_token",
                    "The Authorization header must be `Bearer <token>`.",
                )
            })?;
        Caller::authenticate(state, token).await
    }
}

impl Caller {
    /// The caller an access token names, if the token is valid and its session still live
    /// (the `Authorization` header's check, also used where a token comes another way, as a
    /// WebSocket connects).
    pub async fn authenticate(state: &AppState, token: &str) -> Result<Self, ApiError> {
        match state.verifier.verify(token).await {
            Ok(claims) => {
                let mut caller = Caller::from(claims);
                // The signature says who; the session says whether still, and as what.
                match state
                    .sessions
                    .check(&state.table(), &caller.user_id, &caller.session_id)
                    .await?
                {
                    Liveness::Live { role, email } => {
                        caller.role = role;
                        caller.email = email;
                        Ok(caller)
                    }
                    Liveness::Ended => Err(ApiError::unauthorized(
                        "session_ended",
                        "This session has ended (signed out, password changed, or the account \
                     disabled); sign in again.",
                    )),
                }
            }
            Err(AuthError::Keys(e)) => Err(ApiError::internal(format!("signing keys: {e}"))),
            Err(AuthError::Expired) => Err(ApiError::unauthorized(
                "token_expired",
                "The access token has expired; use the refresh token to get a new one.",
            )),
            Err(error) => {
                tracing::info!(reason = %error, "access token refused");
                Err(ApiError::unauthorized(
                    "invalid_token",
                    "The access token is not valid.",
                ))
            }
        }
    }
}

/// A permission as a type, so a route can demand it in its signature.
pub trait PermissionMarker {
    const PERMISSION: Permission;
}

/// A caller holding permission `P`: `Require(caller): Require<perm::UsersManage>`.
///
/// Extracted before the body, so a caller without the permission gets 403 before anything
/// about the request is validated.
#[derive(Debug)]
pub struct Require<P>(pub Caller, pub std::marker::PhantomData<P>);

impl<P: PermissionMarker + Send + Sync> FromRequestParts<AppState> for Require<P> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(P::PERMISSION)?;
        Ok(Require(caller, std::marker::PhantomData))
    }
}

impl<P> std::ops::Deref for Require<P> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.0
    }
}
