//! Applies queued ERP events to products and orders. Each change is one conditional update
//! that also requires the event to be newer than what the item reflects, so duplicates and
//! late arrivals are no-ops. Messages that fail for a passing reason are reported back to SQS
//! one by one (partial batch failure); the rest of the batch is not redelivered.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_dynamodb::types::AttributeValue;
use roomwright_core::{
    ApiError,
    catalog::{PRODUCT_SK, product_pk},
    dynamo::{Table, service_error},
    lambda,
};

use super::{
    events::{ErpEvent, EventBody},
    orders,
};
use roomwright_catalog::store;

/// What applying one event did.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Changed,
    /// Older than (or as old as) the state already stored.
    Stale,
    /// Names a product or order we do not have.
    Unknown,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Applies one event.
pub async fn apply(table: &Table, event: &ErpEvent) -> Result<Applied, ApiError> {
    let as_of = event
        .as_of()
        .ok_or_else(|| ApiError::internal("event without a valid occurred_at"))?;
    let (pk, sk, update, stamp, mut values) = match &event.body {
        EventBody::InventoryUpdated(e) => {
            let Some(id) = store::id_by_sku(table, &e.sku).await? else {
                return Ok(Applied::Unknown);
            };
            let stock = roomwright_core::catalog::Stock {
                on_hand: e.on_hand,
                available: e.available,
                lead_time_days: e.lead_time_days,
                next_available: e.next_available.clone(),
            };
            let values = vec![(
                ":stock",
                AttributeValue::M(serde_dynamo::to_item(&stock).map_err(ApiError::internal)?),
            )];
            (
                product_pk(&id),
                PRODUCT_SK.to_string(),
                "stock = :stock".to_string(),
                "stock_as_of",
                values,
            )
        }
        EventBody::PriceUpdated(e) => {
            let Some(id) = store::id_by_sku(table, &e.sku).await? else {
                return Ok(Applied::Unknown);
            };
            let price = roomwright_core::money::Money::new(e.list_price_minor, &e.currency);
            let values = vec![
                (
                    ":price",
                    AttributeValue::M(serde_dynamo::to_item(&price).map_err(ApiError::internal)?),
                ),
                (":dealer", n(e.dealer_price_minor)),
                (
                    ":breaks",
                    serde_dynamo::to_attribute_value(&e.price_breaks)
                        .map_err(ApiError::internal)?,
                ),
            ];
            (
                product_pk(&id),
                PRODUCT_SK.to_string(),
                "list_price = :price, dealer_price_minor = :dealer, price_breaks = :breaks"
                    .to_string(),
                "price_as_of",
                values,
            )
        }
        EventBody::OrderStatusChanged(e) => {
            let mut values = vec![(":status", s(&e.status))];
            let mut update = "#status = :status".to_string();
            if let Some(reference) = &e.erp_reference {
                values.push((":reference", s(reference)));
                update.push_str(", erp_reference = :reference");
            }
            (
                orders::order_pk(&e.order_id),
                orders::ORDER_SK.to_string(),
                update,
                "status_as_of",
                values,
            )
        }
    };
    values.push((":as_of", s(&as_of)));
    values.push((":one", n(1)));
    let mut request = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", s(pk))
        .key("sk", s(sk))
        .update_expression(format!("SET {update}, {stamp} = :as_of ADD #version :one"))
        .condition_expression(format!(
            "attribute_exists(pk) AND (attribute_not_exists({stamp}) OR {stamp} < :as_of)"
        ))
        .expression_attribute_names("#version", "version");
    if update.contains("#status") {
        request = request.expression_attribute_names("#status", "status");
    }
    for (name, value) in values {
        request = request.expression_attribute_values(name, value);
    }
    match request.send().await {
        Ok(_) => {
            if !matches!(event.body, EventBody::OrderStatusChanged(_)) {
                store::bump_revision(table).await;
            }
            Ok(Applied::Changed)
        }
        Err(e) if roomwright_core::dynamo::is_condition_failure(&e) => {
            // Either the item is gone or the event is not newer: both leave state as it is.
            Ok(Applied::Stale)
        }
        Err(e) => Err(service_error(e).into()),
    }
}

/// Applies a batch from SQS; returns the messages to retry.
pub async fn handle(table: &Table, batch: SqsEvent) -> SqsBatchResponse {
    lambda::sqs_batch(batch, |message| async move {
        let id = message.message_id.unwrap_or_default();
        let event: ErpEvent =
            match serde_json::from_str(message.body.as_deref().unwrap_or_default()) {
                Ok(event) => event,
                // The webhook checked the event before queueing it: an unreadable message will
                // never succeed, so it is logged and dropped rather than retried into the DLQ.
                Err(e) => {
                    tracing::error!(message_id = %id, error = %e, "unreadable ERP event dropped");
                    return Ok(());
                }
            };
        match apply(table, &event).await {
            Ok(applied) => {
                tracing::info!(event_id = %event.id, outcome = ?applied, "ERP event applied");
                Ok(())
            }
            Err(e) => Err(format!("ERP event not applied: {:?}", e.detail)),
        }
    })
    .await
}
