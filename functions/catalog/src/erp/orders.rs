//! Orders placed with the ERP from a project's scenario.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | order | `ORDER#<id>` | `ORDER` |
//!
//! The order id is derived from the caller and their `Idempotency-Key`, so a retried submit
//! finds the first one instead of ordering twice; the same id goes to the ERP as its
//! idempotency key.

use roomwright_core::{
    ApiError,
    dynamo::{Keys, StoreError, Table, Versioned},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub const ORDER_SK: &str = "ORDER";

pub fn order_pk(id: &str) -> String {
    format!("ORDER#{id}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderLine {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_net_minor: i64,
    pub line_net_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: String,
    pub project_id: String,
    pub scenario_id: String,
    pub created_by: String,
    pub created_at: String,
    pub currency: String,
    pub lines: Vec<OrderLine>,
    pub total_net_minor: i64,
    /// `submitting`, `submitted`, then what the ERP reports: `confirmed`, `in_production`,
    /// `shipped`, `delivered`, `cancelled`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erp_reference: Option<String>,
    /// When the ERP last changed the status; older events are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_as_of: Option<String>,
    /// Digest of the request, to tell a retry from a different order under the same key.
    #[serde(skip_serializing)]
    #[serde(default)]
    pub request_digest: String,
}

/// Stored form: the digest is kept, unlike in API answers.
#[derive(Serialize)]
struct Stored<'a> {
    #[serde(flatten)]
    order: &'a Order,
    request_digest: &'a str,
}

pub fn order_id(user_id: &str, idempotency_key: &str) -> String {
    let digest = Sha256::digest(format!("{user_id}\n{idempotency_key}").as_bytes());
    format!("o-{}", &hex::encode(digest)[..24])
}

pub fn request_digest(project_id: &str, scenario_id: &str) -> String {
    hex::encode(&Sha256::digest(format!("{project_id}\n{scenario_id}").as_bytes())[..12])
}

pub async fn get(table: &Table, id: &str) -> Result<Option<Versioned<Order>>, ApiError> {
    Ok(table.get(&order_pk(id), ORDER_SK).await?)
}

fn keys(order: &Order) -> Keys {
    Keys::new(order_pk(&order.id), ORDER_SK)
}

/// Creates the order record; `false` when one with this id exists.
pub async fn create(table: &Table, order: &Order) -> Result<bool, ApiError> {
    let stored = Stored {
        order,
        request_digest: &order.request_digest,
    };
    match table.create(&keys(order), &stored).await {
        Ok(_) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub async fn replace(table: &Table, order: &Order, expected: u64) -> Result<u64, ApiError> {
    let stored = Stored {
        order,
        request_digest: &order.request_digest,
    };
    Ok(table.replace(&keys(order), &stored, expected).await?)
}

pub async fn delete(table: &Table, id: &str, expected: u64) -> Result<(), ApiError> {
    Ok(table
        .delete(&order_pk(id), ORDER_SK, Some(expected))
        .await?)
}

/// Records an order's lines as `order` interaction events for the recommender (one batch per
/// order, named by it, so a retry writes the same object). Clients cannot post order events
/// themselves: only real orders say what was ordered. Best effort: the order stands either way.
pub async fn record_events(state: &roomwright_core::AppState, order: &Order) {
    use roomwright_core::interactions::{EventKind, StoredEvent, batch_key};
    let body: String = order
        .lines
        .iter()
        .map(|line| {
            let event = StoredEvent {
                kind: EventKind::Order,
                user_id: order.created_by.clone(),
                product_id: line.product_id.clone(),
                project_id: Some(order.project_id.clone()),
                at: order.created_at.clone(),
                quantity: line.quantity,
            };
            serde_json::to_string(&event).expect("serialisable") + "\n"
        })
        .collect();
    let day = &order.created_at[..10.min(order.created_at.len())];
    let key = batch_key(day, &format!("order-{}", order.id));
    if let Err(e) = roomwright_core::s3::put_bytes(
        &state.aws,
        &state.config.bucket_name,
        &key,
        "application/x-ndjson",
        body.into_bytes(),
    )
    .await
    {
        tracing::warn!(order_id = %order.id, error = %e, "order events not recorded");
    }
}
