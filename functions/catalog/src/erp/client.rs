//! The outbound ERP client: order submission and live inventory.
//!
//! Every call has a timeout; transient failures (connection errors, timeouts, 429, 5xx) are
//! retried with exponential backoff and jitter; a circuit breaker stops calling an ERP that
//! keeps failing, so requests answer at once from the catalog's own data instead of queueing
//! behind timeouts. ERP answers 4xx are the caller's problem and are neither retried nor
//! counted against the ERP.
//!
//! The ERP API it speaks (bearer token):
//! - `POST {base}/orders` with `Idempotency-Key`, body [`ErpOrderRequest`] -> 200/201 [`ErpOrderAck`]
//! - `GET {base}/inventory/{sku}` -> [`LiveStock`]

use std::sync::Arc;
use std::time::Duration;

use super::secret::Secret;

use backon::{ExponentialBuilder, Retryable};
use failsafe::{
    StateMachine, backoff::Constant, failure_policy::ConsecutiveFailures, futures::CircuitBreaker,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone)]
pub struct ErpClientConfig {
    pub base_url: String,
    /// The bearer token (read from Secrets Manager when deployed).
    pub token: Arc<Secret>,
    /// Per attempt.
    pub timeout: Duration,
    /// Attempts in all, the first included.
    pub attempts: usize,
    pub first_backoff: Duration,
    /// Consecutive failed calls (after their retries) that open the circuit.
    pub breaker_failures: u32,
    /// How long the circuit stays open before one call may try again.
    pub breaker_open_for: Duration,
}

impl ErpClientConfig {
    pub fn new(base_url: impl Into<String>, token: impl Into<Secret>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            token: Arc::new(token.into()),
            timeout: Duration::from_secs(4),
            attempts: 3,
            first_backoff: Duration::from_millis(100),
            breaker_failures: 5,
            breaker_open_for: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErpOrderLine {
    pub sku: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErpOrderRequest {
    pub order_id: String,
    pub project_id: String,
    pub currency: String,
    pub lines: Vec<ErpOrderLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErpOrderAck {
    pub erp_reference: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LiveStock {
    pub sku: String,
    pub on_hand: u32,
    pub available: u32,
    pub lead_time_days: u32,
    #[serde(default)]
    pub next_available: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ErpError {
    #[error("the ERP did not answer in time or failed: {0}")]
    Unavailable(String),
    #[error("the ERP is failing; calls are paused")]
    CircuitOpen,
    #[error("the ERP refused the request ({status}): {body}")]
    Refused { status: u16, body: String },
}

impl ErpError {
    fn is_transient(&self) -> bool {
        matches!(self, ErpError::Unavailable(_))
    }
}

type Breaker = StateMachine<ConsecutiveFailures<Constant>, ()>;

pub struct ErpClient {
    http: reqwest::Client,
    config: ErpClientConfig,
    breaker: Breaker,
}

impl ErpClient {
    pub fn new(config: ErpClientConfig) -> Self {
        let policy = failsafe::failure_policy::consecutive_failures(
            config.breaker_failures,
            failsafe::backoff::constant(config.breaker_open_for),
        );
        Self {
            http: reqwest::Client::builder()
                .timeout(config.timeout)
                .connect_timeout(config.timeout)
                .build()
                .expect("HTTP client builds"),
            breaker: failsafe::Config::new().failure_policy(policy).build(),
            config,
        }
    }

    /// Whether calls go through now (the circuit is closed or half-open).
    pub fn is_available(&self) -> bool {
        self.breaker.is_call_permitted()
    }

    async fn attempt<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ErpError> {
        let token = self
            .config
            .token
            .value()
            .await
            .map_err(ErpError::Unavailable)?;
        let response = request
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| ErpError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json::<T>()
                .await
                .map_err(|e| ErpError::Unavailable(format!("unreadable answer: {e}")));
        }
        let body: String = response
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(500)
            .collect();
        if status.as_u16() == 429 || status.is_server_error() {
            Err(ErpError::Unavailable(format!("{status}: {body}")))
        } else {
            Err(ErpError::Refused {
                status: status.as_u16(),
                body,
            })
        }
    }

    /// One logical call: retried while transient, through the circuit breaker.
    async fn call<T, F>(&self, build: F) -> Result<T, ErpError>
    where
        T: serde::de::DeserializeOwned,
        F: Fn() -> reqwest::RequestBuilder,
    {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.config.first_backoff)
            .with_max_times(self.config.attempts.saturating_sub(1))
            .with_jitter();
        let retried = (|| self.attempt::<T>(build()))
            .retry(backoff)
            .when(ErpError::is_transient);
        match self
            .breaker
            .call_with(ErpError::is_transient, retried)
            .await
        {
            Ok(value) => Ok(value),
            Err(failsafe::Error::Inner(e)) => Err(e),
            Err(failsafe::Error::Rejected) => Err(ErpError::CircuitOpen),
        }
    }

    /// Submits an order; the ERP deduplicates on `Idempotency-Key` (our order id), so a retry
    /// after a lost answer does not order twice.
    pub async fn submit_order(&self, order: &ErpOrderRequest) -> Result<ErpOrderAck, ErpError> {
        let url = format!("{}/orders", self.config.base_url);
        self.call(|| {
            self.http
                .post(&url)
                .header("idempotency-key", &order.order_id)
                .json(order)
        })
        .await
    }

    /// Stock of one SKU as the ERP sees it now.
    pub async fn inventory(&self, sku: &str) -> Result<LiveStock, ErpError> {
        let url = format!(
            "{}/inventory/{}",
            self.config.base_url,
            form_urlencoded::byte_serialize(sku.as_bytes()).collect::<String>()
        );
        self.call(|| self.http.get(&url)).await
    }
}
