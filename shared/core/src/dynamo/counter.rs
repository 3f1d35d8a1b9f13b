//! Rate counters: one item per subject and window (a minute, a day), `n` counting what was
//! taken, expiring (TTL) after its window. Taking is one conditional ADD, so concurrent takers
//! never pass the limit; a refused take changes nothing.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::{StoreError, Table, service_error};

const TAKE: &str = "ADD #n :one SET expires_at = :expires";
const UNDER_LIMIT: &str = "attribute_not_exists(#n) OR #n < :limit";

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The take of one unit of the counter at (`pk`, `sk`) while it is under `limit`, as an item
/// of a transaction with other counters.
pub fn take_item(
    table: &Table,
    pk: &str,
    sk: &str,
    limit: u32,
    expires_at: i64,
) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table.name())
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .update_expression(TAKE)
        .condition_expression(UNDER_LIMIT)
        .expression_attribute_names("#n", "n")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":limit", n(limit))
        .expression_attribute_values(":expires", n(expires_at))
        .build()
        .map_err(|e| StoreError::Service(e.to_string()))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Takes one unit of the counter at (`pk`, `sk`) while it is under `limit`; `false` when full.
pub async fn take(
    table: &Table,
    pk: &str,
    sk: &str,
    limit: u32,
    expires_at: i64,
) -> Result<bool, StoreError> {
    let result = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .update_expression(TAKE)
        .condition_expression(UNDER_LIMIT)
        .expression_attribute_names("#n", "n")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":limit", n(limit))
        .expression_attribute_values(":expires", n(expires_at))
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) if crate::dynamo::is_condition_failure(&e) => Ok(false),
        Err(e) => Err(service_error(e)),
    }
}

/// Gives one unit back (what it was taken for did not happen); never below zero.
pub async fn give_back(table: &Table, pk: &str, sk: &str) -> Result<(), StoreError> {
    let result = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .update_expression("ADD #n :minus")
        .condition_expression("#n > :zero")
        .expression_attribute_names("#n", "n")
        .expression_attribute_values(":minus", n(-1))
        .expression_attribute_values(":zero", n(0))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if crate::dynamo::is_condition_failure(&e) => Ok(()),
        Err(e) => Err(service_error(e)),
    }
}
