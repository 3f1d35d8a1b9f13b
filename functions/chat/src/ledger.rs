//! The usage ledger: one entry per model call (tokens, images, cost from the price table),
//! written with its monthly aggregates (per user, per project, for the organisation) in one
//! transaction that is conditional on the entry being new, so a call is counted exactly once
//! however often the write is retried. The organisation's monthly budget is checked before
//! every model call.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use roomwright_core::{
    ApiError,
    dynamo::{Keys, Table},
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::settings::{ChatSettings, Price};

/// What one model call consumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique per call and stable across retries of its recording.
    pub call_id: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    pub model_id: String,
    /// `converse` or `image`.
    pub kind: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub images: u64,
    pub cost_micro_usd: u64,
    pub at: String,
}

/// Monthly totals of a user, a project or the organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Totals {
    #[serde(default)]
    pub calls: u64,
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub images: u64,
    #[serde(default)]
    pub cost_micro_usd: u64,
}

pub fn cost(price: &Price, input_tokens: u64, output_tokens: u64, images: u64) -> u64 {
    // Rounded up per call: the ledger never under-reports spend.
    (input_tokens * price.input_per_1k + output_tokens * price.output_per_1k).div_ceil(1000)
        + images * price.per_image
}

pub fn month_of(at: OffsetDateTime) -> String {
    format!("{:04}-{:02}", at.year(), at.month() as u8)
}

/// The partition of a scope's monthly totals.
pub enum Scope<'a> {
    User(&'a str),
    Project(&'a str),
    Organisation,
}

fn totals_pk(scope: &Scope) -> String {
    match scope {
        Scope::User(id) => format!("USAGE#USER#{id}"),
        Scope::Project(id) => format!("USAGE#PROJECT#{id}"),
        Scope::Organisation => "USAGE#ORG".into(),
    }
}

fn add_to(table: &Table, scope: &Scope, month: &str, entry: &Entry) -> TransactWriteItem {
    let n = |v: u64| AttributeValue::N(v.to_string());
    let update = Update::builder()
        .table_name(table.name())
        .key("pk", AttributeValue::S(totals_pk(scope)))
        .key("sk", AttributeValue::S(format!("MONTH#{month}")))
        .update_expression(
            "ADD calls :one, input_tokens :i, output_tokens :o, images :img, cost_micro_usd :c",
        )
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":i", n(entry.input_tokens))
        .expression_attribute_values(":o", n(entry.output_tokens))
        .expression_attribute_values(":img", n(entry.images))
        .expression_attribute_values(":c", n(entry.cost_micro_usd))
        .build()
        .expect("key, table and expression are set");
    TransactWriteItem::builder().update(update).build()
}

/// Records `entry` and adds it to its month's totals, once: a repeat of the same `call_id`
/// changes nothing.
pub async fn record(table: &Table, entry: &Entry) -> Result<(), ApiError> {
    let at = roomwright_core::time::parse_rfc3339(&entry.at)
        .ok_or_else(|| ApiError::internal("ledger entry time is not RFC 3339"))?;
    let month = month_of(at);
    let keys = Keys::new(format!("USAGECALL#{}", entry.call_id), "CALL").gsi1(
        format!("USAGE#USER#{}#{month}", entry.user_id),
        format!("{}#{}", entry.at, entry.call_id),
    );
    let item = Table::item(&keys, entry, 1)?;
    let put = Put::builder()
        .table_name(table.name())
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(ApiError::internal)?;
    let mut items = vec![
        TransactWriteItem::builder().put(put).build(),
        add_to(table, &Scope::User(&entry.user_id), &month, entry),
        add_to(table, &Scope::Organisation, &month, entry),
    ];
    if let Some(project) = &entry.project_id {
        items.push(add_to(table, &Scope::Project(project), &month, entry));
    }
    match table.transact(items).await {
        Ok(()) => Ok(()),
        // The entry exists: this call was recorded before.
        Err(e) if e.failed_condition(0) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub async fn totals(table: &Table, scope: &Scope<'_>, month: &str) -> Result<Totals, ApiError> {
    Ok(table
        .get::<Totals>(&totals_pk(scope), &format!("MONTH#{month}"))
        .await?
        .map(|v| v.value)
        .unwrap_or_default())
}

/// Refuses a new model call once the organisation has spent its monthly budget.
pub async fn check_budget(
    table: &Table,
    settings: &ChatSettings,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let Some(budget) = settings.monthly_budget_micro_usd else {
        return Ok(());
    };
    let spent = totals(table, &Scope::Organisation, &month_of(now))
        .await?
        .cost_micro_usd;
    if spent >= budget {
        return Err(ApiError::new(
            http::StatusCode::PAYMENT_REQUIRED,
            "monthly_budget_reached",
            "The organisation's monthly AI budget is spent",
        )
        .with_detail(format!(
            "This month's model calls cost ${:.2} of the ${:.2} budget; an administrator can raise \
             CHAT_MONTHLY_BUDGET_USD, or wait for next month.",
            spent as f64 / 1e6,
            budget as f64 / 1e6
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_rounds_up_per_call() {
        let price = Price {
            input_per_1k: 800,
            output_per_1k: 4_000,
            per_image: 40_000,
        };
        assert_eq!(cost(&price, 1000, 0, 0), 800);
        assert_eq!(cost(&price, 1, 1, 0), 5, "4.8 micro-USD rounds up");
        assert_eq!(cost(&price, 0, 0, 2), 80_000);
    }
}
