//! The ERP integration: signed webhooks in ([`signature`], [`events`]), applied from a queue
//! ([`consumer`]), and the outbound client for orders and live stock ([`client`], [`orders`]).

pub mod client;
pub mod consumer;
pub mod events;
pub mod orders;
pub mod secret;
pub use roomwright_core::signature;

use std::sync::Arc;

use client::ErpClient;
use roomwright_core::aws::Aws;
use secret::Secret;

/// How this deployment talks to its ERP.
pub struct ErpSettings {
    /// Shared secret of webhook signatures; webhooks are refused without one.
    pub webhook_secret: Option<Secret>,
    /// Queue accepted events go through.
    pub events_queue_url: Option<String>,
    /// The ERP's API, when configured.
    pub client: Option<ErpClient>,
}

impl ErpSettings {
    /// `ERP_EVENTS_QUEUE_URL`, `ERP_BASE_URL`, and the secrets: `ERP_WEBHOOK_SECRET_ID` and
    /// `ERP_API_TOKEN_SECRET_ID` (Secrets Manager, read at run time), or locally the values
    /// `ERP_WEBHOOK_SECRET` and `ERP_API_TOKEN`.
    pub fn from_env(aws: &Arc<Aws>) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            webhook_secret: Secret::from_env("ERP_WEBHOOK_SECRET", "ERP_WEBHOOK_SECRET_ID", aws),
            events_queue_url: var("ERP_EVENTS_QUEUE_URL"),
            client: var("ERP_BASE_URL").map(|base| {
                ErpClient::new(client::ErpClientConfig::new(
                    base,
                    Secret::from_env("ERP_API_TOKEN", "ERP_API_TOKEN_SECRET_ID", aws)
                        .unwrap_or_else(|| Secret::from("")),
                ))
            }),
        }
    }
}
