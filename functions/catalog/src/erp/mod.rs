//! The ERP integration: signed webhooks in ([`signature`], [`events`]), applied from a queue
//! ([`consumer`]), and the outbound client for orders and live stock ([`client`], [`orders`]).

pub mod client;
pub mod consumer;
pub mod events;
pub mod orders;
pub use roomwright_core::signature;

use client::ErpClient;

/// How this deployment talks to its ERP.
pub struct ErpSettings {
    /// Shared secret of webhook signatures; webhooks are refused without one.
    pub webhook_secret: Option<String>,
    /// Queue accepted events go through.
    pub events_queue_url: Option<String>,
    /// The ERP's API, when configured.
    pub client: Option<ErpClient>,
}

impl ErpSettings {
    /// `ERP_WEBHOOK_SECRET`, `ERP_EVENTS_QUEUE_URL`, `ERP_BASE_URL` and `ERP_API_TOKEN`.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            webhook_secret: var("ERP_WEBHOOK_SECRET"),
            events_queue_url: var("ERP_EVENTS_QUEUE_URL"),
            client: var("ERP_BASE_URL").map(|base| {
                ErpClient::new(client::ErpClientConfig::new(
                    base,
                    var("ERP_API_TOKEN").unwrap_or_default(),
                ))
            }),
        }
    }
}
