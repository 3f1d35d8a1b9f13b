//! Email through Amazon SES (v2): every message passes the suppression list and the budget,
//! and is entered in the usage ledger (SES charges per message).
//!
//! Locally the SDK points at moto, which keeps what was sent (the tests read it back).

use std::sync::Arc;

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use roomwright_core::{ApiError, AppState, aws::Aws, time, usage};
use tokio::sync::OnceCell;

use crate::{suppression, templates::Letter};

/// What SES charges for one message: USD 0.10 per 1,000.
pub const EMAIL_MICRO_USD: i64 = 100;

/// Sends letters from one address.
pub struct Mailer {
    aws: Arc<Aws>,
    client: OnceCell<aws_sdk_sesv2::Client>,
    /// `EMAIL_FROM`: a verified SES identity (with a display name if wanted).
    pub from: String,
    /// `SES_CONFIGURATION_SET`: where bounces and complaints are published.
    pub configuration_set: Option<String>,
}

/// Who a message is counted against.
#[derive(Debug, Clone)]
pub struct Meter<'a> {
    /// Stable across retries of the same message, so it is counted once.
    pub call_id: String,
    pub user_id: &'a str,
    pub project_id: Option<&'a str>,
}

/// What became of a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Sent {
        message_id: String,
    },
    /// The address bounced or complained before: nothing is sent to it again.
    Suppressed,
    /// The month's budget is spent: nothing is sent until it is raised.
    OverBudget,
}

impl Mailer {
    pub fn new(aws: Arc<Aws>, from: String, configuration_set: Option<String>) -> Self {
        Self {
            aws,
            client: OnceCell::new(),
            from,
            configuration_set,
        }
    }

    /// `EMAIL_FROM` (default `Roomwright <no-reply@roomwright.example>`) and
    /// `SES_CONFIGURATION_SET`.
    pub fn from_env(aws: Arc<Aws>) -> Self {
        Self::from_lookup(aws, |name| std::env::var(name).ok())
    }

    pub fn from_lookup(aws: Arc<Aws>, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Self::new(
            aws,
            get("EMAIL_FROM").unwrap_or_else(|| "Roomwright <no-reply@roomwright.example>".into()),
            get("SES_CONFIGURATION_SET"),
        )
    }

    async fn client(&self) -> &aws_sdk_sesv2::Client {
        let sdk = self.aws.sdk_config().await;
        self.client
            .get_or_init(|| async { aws_sdk_sesv2::Client::new(sdk) })
            .await
    }

    /// Sends `letter` unless its address is suppressed or the budget is spent, and enters it
    /// in the usage ledger.
    pub async fn send(
        &self,
        state: &AppState,
        letter: &Letter,
        meter: Meter<'_>,
    ) -> Result<Sent, ApiError> {
        let table = state.table();
        if suppression::is_suppressed(&table, &letter.to).await? {
            tracing::info!(kind = letter.kind, "email not sent: address suppressed");
            return Ok(Sent::Suppressed);
        }
        let now = time::now();
        if let Err(refusal) = state
            .config
            .spend
            .budgets
            .check(&table, meter.project_id, EMAIL_MICRO_USD as u64, now)
            .await
        {
            tracing::warn!(
                kind = letter.kind,
                code = refusal.code(),
                "email not sent: budget"
            );
            return Ok(Sent::OverBudget);
        }
        let text = |data: &str| {
            Content::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .map_err(ApiError::internal)
        };
        let message = Message::builder()
            .subject(text(&letter.subject)?)
            .body(
                Body::builder()
                    .html(text(&letter.html)?)
                    .text(text(&letter.text)?)
                    .build(),
            )
            .build();
        let sent = self
            .client()
            .await
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&letter.to).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .email_tags(
                aws_sdk_sesv2::types::MessageTag::builder()
                    .name("kind")
                    .value(letter.kind)
                    .build()
                    .map_err(ApiError::internal)?,
            )
            .send()
            .await
            .map_err(|e| {
                ApiError::internal(format!(
                    "SES SendEmail: {}",
                    aws_sdk_sesv2::error::DisplayErrorContext(&e)
                ))
            })?;
        let mut entry = usage::Entry::model_call(
            meter.call_id,
            meter.user_id,
            meter.project_id.map(str::to_string),
            "ses",
            "email",
            now,
        );
        entry.cost_micro_usd = EMAIL_MICRO_USD;
        usage::record(&table, &entry).await?;
        tracing::info!(kind = letter.kind, "email sent");
        Ok(Sent::Sent {
            message_id: sent.message_id.unwrap_or_default(),
        })
    }
}
