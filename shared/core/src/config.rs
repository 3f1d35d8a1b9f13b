//! Configuration from the environment, read in one place.
//!
//! The names are the ones `template.yaml` sets on every function, so the deployed stack, the
//! local runner and the tests all configure a function the same way.

use thiserror::Error;

/// Settings every function reads at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Deployment stage (`dev`, `prod`, `local`, `test`).
    pub stage: String,
    /// The single DynamoDB table (see `shared/README.md` for its design).
    pub table_name: String,
    /// The private bucket for files, images, models and renders.
    pub bucket_name: String,
    /// The queue that feeds GPU jobs, when the stack has one.
    pub jobs_queue_url: Option<String>,
    /// The delay queue of webhook retries, when the stack has one.
    pub webhook_queue_url: Option<String>,
    /// `iss` of access tokens: the public base URL of the API, where
    /// `/.well-known/openid-configuration` is served.
    pub jwt_issuer: String,
    /// What users may spend on jobs, and the budgets every paid call stops at.
    pub spend: crate::usage::SpendLimits,
    /// `host:port` receivers that may get plain-http webhooks on private addresses, on the
    /// `local` and `test` stages only (`WEBHOOK_ALLOW_HOSTS`, comma-separated).
    pub webhook_allow: Vec<String>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {0}: {1}")]
    Invalid(&'static str, String),
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can configure without touching the process
    /// environment (which parallel tests share).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|v: &String| !v.is_empty());
        let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
        Ok(Self {
            stage: get("STAGE").unwrap_or_else(|| "dev".to_string()),
            table_name: required("TABLE_NAME")?,
            bucket_name: required("BUCKET_NAME")?,
            jobs_queue_url: get("JOBS_QUEUE_URL"),
            webhook_queue_url: get("WEBHOOK_QUEUE_URL"),
            jwt_issuer: required("JWT_ISSUER")?,
            spend: crate::usage::SpendLimits::from_lookup(&get)?,
            webhook_allow: get("WEBHOOK_ALLOW_HOSTS")
                .map(|v| {
                    v.split(',')
                        .map(|h| h.trim().to_string())
                        .filter(|h| !h.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn reads_required_and_optional_settings() {
        let env: HashMap<&str, &str> = [
            ("TABLE_NAME", "t"),
            ("BUCKET_NAME", "b"),
            ("STAGE", "prod"),
            ("JWT_ISSUER", "https://api.example.com"),
        ]
        .into();
        let config = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(config.table_name, "t");
        assert_eq!(config.bucket_name, "b");
        assert_eq!(config.stage, "prod");
        assert_eq!(config.jobs_queue_url, None);
    }

    #[test]
    fn names_the_missing_variable() {
        let env: HashMap<&str, &str> = [("TABLE_NAME", "t"), ("BUCKET_NAME", "")].into();
        let err = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap_err();
        assert_eq!(err, ConfigError::Missing("BUCKET_NAME"));
    }
}
