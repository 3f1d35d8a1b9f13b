//! The in-app inbox: what happened that concerns a user, newest first, read or unread.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | notification | `USER#<id>` | `NOTIF#<id>` (kept 90 days) |
//! | inbox state | `USER#<id>` | `INBOX` (`read_before`: every notification up to this id is read) |
//!
//! A notification's id starts with its time in microseconds, so ids sort by time; the rest is
//! a hash of what it is about, so the same event notified twice (a retried stream batch) is
//! one notification. "All read" moves one mark instead of touching every item, and the unread
//! count is a count of the items after the mark that are not read.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use roomwright_core::{
    dynamo::{Keys, PageRequest, SortKey, StoreError, Table, is_condition_failure, service_error},
    time,
    users::user_pk,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::prefs::Topic;

/// How long notifications are kept.
pub const KEEP_DAYS: i64 = 90;
/// Unread counts stop here ("99+" is what a badge shows anyway).
pub const MAX_UNREAD: u32 = 999;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub id: String,
    pub user_id: String,
    pub topic: Topic,
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Who caused it: a user's name, or "Your client".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub read: bool,
}

impl Notification {
    /// A new notification for `user_id`; `about` names the event (the same event, the same id).
    pub fn new(
        user_id: &str,
        topic: Topic,
        about: &str,
        at: ::time::OffsetDateTime,
        title: String,
        body: String,
    ) -> Self {
        let micros = at.unix_timestamp_nanos() / 1_000;
        let hash = Sha256::digest(format!("{user_id}\n{about}").as_bytes());
        Self {
            id: format!("ntf_{micros:016}{}", &hex::encode(hash)[..12]),
            user_id: user_id.to_string(),
            topic,
            title,
            body,
            project_id: None,
            job_id: None,
            actor: None,
            created_at: time::rfc3339(at),
            read: false,
        }
    }
}

fn sk(id: &str) -> String {
    format!("NOTIF#{id}")
}

const INBOX: &str = "INBOX";

#[derive(Debug, Default, Deserialize)]
struct InboxState {
    #[serde(default)]
    read_before: Option<String>,
}

/// Stores `notification`; `false` when it was stored before (the same event again).
pub async fn create(table: &Table, notification: &Notification) -> Result<bool, StoreError> {
    let expires = time::now() + ::time::Duration::days(KEEP_DAYS);
    let keys = Keys::new(user_pk(&notification.user_id), sk(&notification.id))
        .expires_at(expires.unix_timestamp());
    match table.create(&keys, notification).await {
        Ok(_) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn read_before(table: &Table, user_id: &str) -> Result<Option<String>, StoreError> {
    Ok(table
        .get::<InboxState>(&user_pk(user_id), INBOX)
        .await?
        .and_then(|v| v.value.read_before))
}

/// One page of the user's notifications, newest first, and how many are unread.
pub async fn list(
    table: &Table,
    user_id: &str,
    page: &PageRequest,
) -> Result<(Vec<Notification>, Option<String>, u32), StoreError> {
    let mark = read_before(table, user_id).await?;
    let result = table
        .query::<Notification>(
            None,
            &user_pk(user_id),
            SortKey::Prefix("NOTIF#"),
            page,
            true,
        )
        .await?;
    let items = result
        .items
        .into_iter()
        .map(|v| {
            let mut n = v.value;
            n.read |= mark.as_deref().is_some_and(|m| n.id.as_str() <= m);
            n
        })
        .collect();
    let unread = unread(table, user_id, mark.as_deref()).await?;
    Ok((items, result.next_cursor, unread))
}

/// Unread notifications after the mark, up to [`MAX_UNREAD`].
pub async fn unread_count(table: &Table, user_id: &str) -> Result<u32, StoreError> {
    let mark = read_before(table, user_id).await?;
    unread(table, user_id, mark.as_deref()).await
}

async fn unread(table: &Table, user_id: &str, mark: Option<&str>) -> Result<u32, StoreError> {
    // After the mark: strictly greater, so the marked one itself is excluded.
    let low = match mark {
        Some(m) => format!("NOTIF#{m}\u{1}"),
        None => "NOTIF#".to_string(),
    };
    let mut count = 0u32;
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let output = table
            .client()
            .await
            .query()
            .table_name(table.name())
            .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
            .filter_expression("attribute_not_exists(#read) OR #read = :false")
            .expression_attribute_names("#read", "read")
            .expression_attribute_values(":pk", AttributeValue::S(user_pk(user_id)))
            .expression_attribute_values(":low", AttributeValue::S(low.clone()))
            .expression_attribute_values(":high", AttributeValue::S("NOTIF#~".into()))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .select(aws_sdk_dynamodb::types::Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(service_error)?;
        count += output.count.max(0) as u32;
        start = output.last_evaluated_key;
        if start.is_none() || count >= MAX_UNREAD {
            return Ok(count.min(MAX_UNREAD));
        }
    }
}

/// Sets `attribute` to `value` on one notification, if it exists and `unless` (a condition
/// on the item) does not hold; `false` otherwise.
async fn set_if(
    table: &Table,
    user_id: &str,
    id: &str,
    attribute: &str,
    value: AttributeValue,
    unless: Option<&str>,
) -> Result<bool, StoreError> {
    let condition = match unless {
        Some(other) => format!("attribute_exists(pk) AND NOT ({other})"),
        None => "attribute_exists(pk)".to_string(),
    };
    let result = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(user_pk(user_id)))
        .key("sk", AttributeValue::S(sk(id)))
        .update_expression("SET #attribute = :value")
        .condition_expression(condition)
        .expression_attribute_names("#attribute", attribute)
        .expression_attribute_values(":value", value)
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) if is_condition_failure(&e) => Ok(false),
        Err(e) => Err(service_error(e)),
    }
}

/// Marks one notification read; `false` when the user has none with this id.
pub async fn mark_read(table: &Table, user_id: &str, id: &str) -> Result<bool, StoreError> {
    set_if(table, user_id, id, "read", AttributeValue::Bool(true), None).await
}

/// Marks everything up to the newest notification read (the mark only moves forward).
pub async fn mark_all_read(table: &Table, user_id: &str) -> Result<(), StoreError> {
    let newest = table
        .query::<Notification>(
            None,
            &user_pk(user_id),
            SortKey::Prefix("NOTIF#"),
            &PageRequest {
                limit: 1,
                cursor: None,
            },
            true,
        )
        .await?;
    let Some(newest) = newest.items.into_iter().next() else {
        return Ok(());
    };
    let result = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(user_pk(user_id)))
        .key("sk", AttributeValue::S(INBOX.into()))
        .update_expression("SET read_before = :id")
        .condition_expression("attribute_not_exists(read_before) OR read_before < :id")
        .expression_attribute_values(":id", AttributeValue::S(newest.value.id))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if is_condition_failure(&e) => Ok(()),
        Err(e) => Err(service_error(e)),
    }
}

/// Claims the right to email a notification: `true` once, `false` for every later caller (a
/// retried stream batch does not email twice).
pub async fn claim_email(table: &Table, user_id: &str, id: &str) -> Result<bool, StoreError> {
    let now = AttributeValue::S(time::rfc3339(time::now()));
    let claimed = Some("attribute_exists(emailed_at)");
    set_if(table, user_id, id, "emailed_at", now, claimed).await
}

/// Deletes every notification of an erased user (and the inbox mark).
pub async fn erase(table: &Table, user_id: &str) -> Result<(), StoreError> {
    for item in table
        .query_all::<serde_json::Value>(None, &user_pk(user_id), SortKey::Prefix("NOTIF#"))
        .await?
    {
        if let Some(id) = item.value.get("id").and_then(|v| v.as_str()) {
            table.delete(&user_pk(user_id), &sk(id), None).await?;
        }
    }
    table.delete(&user_pk(user_id), INBOX, None).await
}
