//! Access-token verification: RS256 only, with issuer, audience, expiry and a known key id.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::RwLock;

use super::{JWKS_PK, JWKS_SK, JwkSet, Role};
use crate::dynamo::Table;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub email: String,
    pub role: Role,
    pub permissions: Vec<String>,
    /// The session (refresh-token family) the token was issued in.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the token is malformed or not signed with RS256")]
    Malformed,
    #[error("the token names no key id or an unknown one")]
    UnknownKey,
    #[error("the token has expired")]
    Expired,
    #[error("the token's signature, issuer or audience is wrong")]
    Invalid,
    #[error("the signing keys could not be loaded: {0}")]
    Keys(String),
}

/// Where verification keys come from.
pub enum KeySource {
    /// The set the auth function publishes in the table.
    Table(Table),
    /// A fixed set (the auth function's own keys).
    Static(JwkSet),
}

struct Cache {
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

/// Unknown key ids refetch the set at most this often, so forged `kid`s cannot hammer the table.
const REFETCH_INTERVAL: Duration = Duration::from_secs(30);

pub struct Verifier {
    issuer: String,
    audience: String,
    source: KeySource,
    cache: RwLock<Cache>,
}

impl Verifier {
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>, source: KeySource) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            source,
            cache: RwLock::new(Cache {
                keys: HashMap::new(),
                fetched_at: None,
            }),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub async fn verify(&self, token: &str) -> Result<AccessClaims, AuthError> {
        // `alg: none` and HMAC tokens fail here: only RS256 is accepted.
        let header = decode_header(token).map_err(|_| AuthError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Malformed);
        }
        let kid = header.kid.ok_or(AuthError::UnknownKey)?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        decode::<AccessClaims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid,
            })
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        {
            let cache = self.cache.read().await;
            if let Some(key) = cache.keys.get(kid) {
                return Ok(key.clone());
            }
            if cache
                .fetched_at
                .is_some_and(|at| at.elapsed() < REFETCH_INTERVAL)
            {
                return Err(AuthError::UnknownKey);
            }
        }
        let mut cache = self.cache.write().await;
        if !cache.keys.contains_key(kid)
            && cache
                .fetched_at
                .is_none_or(|at| at.elapsed() >= REFETCH_INTERVAL)
        {
            cache.keys = self.load().await?;
            cache.fetched_at = Some(Instant::now());
        }
        cache.keys.get(kid).cloned().ok_or(AuthError::UnknownKey)
    }

    async fn load(&self) -> Result<HashMap<String, DecodingKey>, AuthError> {
        let set = match &self.source {
            KeySource::Static(set) => set.clone(),
            KeySource::Table(table) => table
                .get::<JwkSet>(JWKS_PK, JWKS_SK)
                .await
                .map_err(|e| AuthError::Keys(e.to_string()))?
                .map(|v| v.value)
                .unwrap_or_default(),
        };
        set.keys
            .iter()
            .filter(|k| k.kty == "RSA" && k.alg == "RS256")
            .map(|k| {
                DecodingKey::from_rsa_components(&k.n, &k.e)
                    .map(|key| (k.kid.clone(), key))
                    .map_err(|e| AuthError::Keys(e.to_string()))
            })
            .collect()
    }
}
