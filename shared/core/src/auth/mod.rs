//! Who is calling, and what they may do: access-token verification and the permission check
//! every protected route makes in its handler (API Gateway's JWT authorizer is only a first gate).

mod caller;
mod client;
mod jwks;
pub mod live;
mod roles;
pub mod verifier;

pub use caller::{Caller, PermissionMarker, Require};
pub use client::ClientInfo;
pub use jwks::{JWKS_PK, JWKS_SK, Jwk, JwkSet};
pub use live::{LiveSessions, Liveness};
pub use roles::{Permission, Role, perm};
pub use verifier::{AccessClaims, AuthError, Verifier};

/// The audience of every access token.
pub const AUDIENCE: &str = "roomwright-api";
/// Lifetime of an access token, in seconds.
pub const ACCESS_TOKEN_TTL_SECONDS: i64 = 15 * 60;
