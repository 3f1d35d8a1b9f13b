//! Secrets the catalog uses with the ERP (the webhook signing secret, the API token), read at
//! run time from Secrets Manager and kept for a few minutes, so a rotated secret is picked up
//! without a deploy and never sits in the function's environment. Locally and in tests the
//! value is given.

use std::sync::Arc;
use std::time::{Duration, Instant};

use roomwright_core::aws::Aws;
use tokio::sync::RwLock;

/// How long a value read from Secrets Manager is used before it is read again.
const KEEP_FOR: Duration = Duration::from_secs(300);

pub struct Secret {
    source: Source,
    cached: RwLock<Option<(String, Instant)>>,
}

enum Source {
    Given(String),
    SecretsManager { id: String, aws: Arc<Aws> },
}

impl std::fmt::Debug for Secret {
    // Never the value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Source::Given(_) => f.write_str("Secret(given)"),
            Source::SecretsManager { id, .. } => write!(f, "Secret(secretsmanager:{id})"),
        }
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::given(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::given(value.to_string())
    }
}

impl Secret {
    pub fn given(value: String) -> Self {
        Self {
            source: Source::Given(value),
            cached: RwLock::new(None),
        }
    }

    /// The secret string of a Secrets Manager secret (name or ARN).
    pub fn secrets_manager(id: String, aws: Arc<Aws>) -> Self {
        Self {
            source: Source::SecretsManager { id, aws },
            cached: RwLock::new(None),
        }
    }

    /// The secret `id_var` names (Secrets Manager, as deployed), else the value of
    /// `value_var` (locally).
    pub fn from_env(value_var: &str, id_var: &str, aws: &Arc<Aws>) -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match var(id_var) {
            Some(id) => Some(Self::secrets_manager(id, aws.clone())),
            None => var(value_var).map(Self::given),
        }
    }

    /// The value: given, or read from Secrets Manager at most every five minutes.
    pub async fn value(&self) -> Result<String, String> {
        let (id, aws) = match &self.source {
            Source::Given(value) => return Ok(value.clone()),
            Source::SecretsManager { id, aws } => (id, aws),
        };
        if let Some((value, read)) = self.cached.read().await.as_ref()
            && read.elapsed() < KEEP_FOR
        {
            return Ok(value.clone());
        }
        let mut cached = self.cached.write().await;
        if let Some((value, read)) = cached.as_ref()
            && read.elapsed() < KEEP_FOR
        {
            return Ok(value.clone());
        }
        let value = aws.secret_string(id).await?;
        *cached = Some((value.clone(), Instant::now()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_given_value_is_itself_and_never_printed() {
        let secret = Secret::from("s3cr3t");
        assert_eq!(secret.value().await.unwrap(), "s3cr3t");
        assert_eq!(format!("{secret:?}"), "Secret(given)");
    }
}
