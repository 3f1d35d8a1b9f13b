//! The RS256 signing keys: where they are kept, how they are made and rotated, and the public
//! key set published from them.
//!
//! A key set is JSON `{"keys": [{"kid", "created_at", "private_key_pem"}]}`, oldest first. The
//! newest key signs; every key in the set verifies, so a rotation that keeps the previous key
//! lets tokens it signed live out their 15 minutes. In AWS the set is a Secrets Manager secret
//! only this function can read; locally it is a file under the local data directory.

use std::path::PathBuf;

use aws_lc_rs::{
    encoding::AsDer,
    rsa::{KeyPair, KeySize},
    signature::KeyPair as _,
};
use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use roomwright_core::{
    ApiError,
    auth::{AccessClaims, JWKS_PK, JWKS_SK, Jwk, JwkSet},
    aws::Aws,
    dynamo::{Keys, Table},
};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

/// At most this many keys are kept: the signing key and the one it replaced.
pub const MAX_KEYS: usize = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrivateKey {
    pub kid: String,
    pub created_at: String,
    pub private_key_pem: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeySet {
    pub keys: Vec<PrivateKey>,
}

impl KeySet {
    /// A set holding one fresh key.
    pub fn generate() -> Result<Self, String> {
        let mut set = KeySet::default();
        set.rotate()?;
        Ok(set)
    }

    /// Adds a fresh signing key and drops all but the newest [`MAX_KEYS`].
    pub fn rotate(&mut self) -> Result<(), String> {
        self.keys.push(generate_key()?);
        let excess = self.keys.len().saturating_sub(MAX_KEYS);
        self.keys.drain(..excess);
        Ok(())
    }

    /// The public half of every key, as published at `/.well-known/jwks.json`.
    pub fn public(&self) -> Result<JwkSet, String> {
        let keys = self
            .keys
            .iter()
            .map(|key| {
                let der = pem_body(&key.private_key_pem)?;
                let pair = KeyPair::from_pkcs8(&der).map_err(|e| format!("{}: {e}", key.kid))?;
                let public = pair.public_key();
                Ok(Jwk {
                    kty: "RSA".into(),
                    kid: key.kid.clone(),
                    use_: "sig".into(),
                    alg: "RS256".into(),
                    n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                    e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(JwkSet { keys })
    }
}

fn generate_key() -> Result<PrivateKey, String> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| e.to_string())?;
    let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).map_err(|e| e.to_string())?;
    let body = STANDARD.encode(der.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    let now = roomwright_core::time::now();
    Ok(PrivateKey {
        kid: format!("k{}", now.unix_timestamp()) + &uuid::Uuid::new_v4().simple().to_string()[..6],
        created_at: roomwright_core::time::rfc3339(now),
        private_key_pem: format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        ),
    })
}

fn pem_body(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).map_err(|e| e.to_string())
}

/// Where this deployment keeps its key set.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A Secrets Manager secret (name or ARN) holding the key set JSON.
    SecretsManager(String),
    /// A file, created with a fresh key on first use (local development).
    File(PathBuf),
    /// A set given whole (tests).
    Given(KeySet),
}

impl KeySource {
    /// `JWT_KEYS_SECRET_ID` in AWS, else `keys.json` under `LOCAL_DATA_DIR` (default `.local`).
    pub fn from_env() -> Self {
        match std::env::var("JWT_KEYS_SECRET_ID") {
            Ok(id) if !id.is_empty() => KeySource::SecretsManager(id),
            _ => {
                let dir = std::env::var("LOCAL_DATA_DIR").unwrap_or_else(|_| ".local".into());
                KeySource::File(PathBuf::from(dir).join("jwt-keys.json"))
            }
        }
    }
}

struct Loaded {
    kid: String,
    encoding: EncodingKey,
    public: JwkSet,
}

/// Signs access tokens with the newest key of the set, loaded on first use.
pub struct Signer {
    source: KeySource,
    loaded: OnceCell<Loaded>,
}

impl Signer {
    pub fn new(source: KeySource) -> Self {
        Self {
            source,
            loaded: OnceCell::new(),
        }
    }

    /// Loads the key set and publishes its public half to the table, where the other functions
    /// read it; publishing happens before the first token is signed with a new key.
    async fn loaded(&self, aws: &Aws, table: &Table) -> Result<&Loaded, ApiError> {
        self.loaded
            .get_or_try_init(|| async {
                let set = self.load_set(aws).await.map_err(ApiError::internal)?;
                let newest = set
                    .keys
                    .last()
                    .ok_or_else(|| ApiError::internal("the key set is empty"))?;
                let encoding = EncodingKey::from_rsa_pem(newest.private_key_pem.as_bytes())
                    .map_err(|e| ApiError::internal(format!("signing key {}: {e}", newest.kid)))?;
                let public = set.public().map_err(ApiError::internal)?;
                publish(table, &public).await?;
                Ok(Loaded {
                    kid: newest.kid.clone(),
                    encoding,
                    public,
                })
            })
            .await
    }

    async fn load_set(&self, aws: &Aws) -> Result<KeySet, String> {
        match &self.source {
            KeySource::Given(set) => Ok(set.clone()),
            KeySource::SecretsManager(id) => {
                let text = aws.secret_string(id).await?;
                serde_json::from_str(&text).map_err(|e| format!("key secret: {e}"))
            }
            KeySource::File(path) => {
                if let Ok(text) = std::fs::read_to_string(path) {
                    return serde_json::from_str(&text)
                        .map_err(|e| format!("{}: {e}", path.display()));
                }
                let set = KeySet::generate()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                }
                write_private(
                    path,
                    &serde_json::to_string_pretty(&set).map_err(|e| e.to_string())?,
                )?;
                Ok(set)
            }
        }
    }

    pub async fn sign(
        &self,
        aws: &Aws,
        table: &Table,
        claims: &AccessClaims,
    ) -> Result<String, ApiError> {
        let loaded = self.loaded(aws, table).await?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(loaded.kid.clone());
        jsonwebtoken::encode(&header, claims, &loaded.encoding).map_err(ApiError::internal)
    }

    pub async fn public_keys(&self, aws: &Aws, table: &Table) -> Result<JwkSet, ApiError> {
        Ok(self.loaded(aws, table).await?.public.clone())
    }
}

async fn publish(table: &Table, public: &JwkSet) -> Result<(), ApiError> {
    let keys = Keys::new(JWKS_PK, JWKS_SK);
    match table.get::<JwkSet>(JWKS_PK, JWKS_SK).await? {
        Some(current) if current.value == *public => Ok(()),
        Some(current) => table
            .replace(&keys, public, current.version)
            .await
            .map(drop)
            // Another instance published at the same time; its set is the same secret's.
            .or_else(|e| match e {
                roomwright_core::dynamo::StoreError::ConditionFailed => Ok(()),
                other => Err(other.into()),
            }),
        None => table
            .create(&keys, public)
            .await
            .map(drop)
            .or_else(|e| match e {
                roomwright_core::dynamo::StoreError::ConditionFailed => Ok(()),
                other => Err(other.into()),
            }),
    }
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> Result<(), String> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_the_previous_key_and_drops_older_ones() {
        let mut set = KeySet::generate().unwrap();
        let first = set.keys[0].kid.clone();
        set.rotate().unwrap();
        set.rotate().unwrap();
        assert_eq!(set.keys.len(), MAX_KEYS);
        assert!(set.keys.iter().all(|k| k.kid != first));
        let public = set.public().unwrap();
        assert_eq!(public.keys.len(), MAX_KEYS);
        assert_eq!(public.keys[0].e, "AQAB");
        assert!(EncodingKey::from_rsa_pem(set.keys[1].private_key_pem.as_bytes()).is_ok());
    }
}
