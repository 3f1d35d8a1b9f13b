//! The public signing keys, as a JSON Web Key Set (RFC 7517).
//!
//! The auth function publishes the set to the table (and at `/.well-known/jwks.json`); every
//! other function reads it from the table to verify tokens, so no function but auth can read
//! the private keys.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where the published key set is stored.
pub const JWKS_PK: &str = "AUTH#JWKS";
pub const JWKS_SK: &str = "CURRENT";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    /// RSA modulus, base64url without padding.
    pub n: String,
    /// RSA public exponent, base64url without padding.
    pub e: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}
