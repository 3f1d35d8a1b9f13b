//! Invitations: an admin invites an email with a role; the invite token, used once within 72
//! hours, lets that email sign up with that role.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | invite | `INVITE#<sha-256 of the token>` | `INVITE` |

use aws_lc_rs::digest;
use aws_sdk_dynamodb::types::AttributeValue;
use roomwright_core::{
    ApiError,
    auth::Role,
    dynamo::{Keys, Table, service_error},
    time,
};
use serde::{Deserialize, Serialize};

pub const INVITE_TTL_SECONDS: i64 = 72 * 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invite {
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: String,
    pub expires_at_text: String,
    // Absent, not NULL, until used: the "use once" condition tests for the attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<String>,
}

fn pk(token: &str) -> String {
    let digest = digest::digest(&digest::SHA256, token.as_bytes());
    format!("INVITE#{}", hex::encode(digest.as_ref()))
}

/// Stores an invite; returns its token (shown once) and when it expires.
pub async fn create(
    table: &Table,
    email: &str,
    role: Role,
    invited_by: &str,
) -> Result<(String, String), ApiError> {
    let token = roomwright_core::random::token();
    let now = time::now();
    let expires = now + ::time::Duration::seconds(INVITE_TTL_SECONDS);
    let invite = Invite {
        email: email.to_string(),
        role,
        invited_by: invited_by.to_string(),
        created_at: time::rfc3339(now),
        expires_at_text: time::rfc3339(expires),
        used_at: None,
    };
    table
        .create(
            &Keys::new(pk(&token), "INVITE").expires_at(expires.unix_timestamp()),
            &invite,
        )
        .await?;
    Ok((token, invite.expires_at_text))
}

/// Uses an invite for `email`; `None` when it is unknown, expired, used, or for another email.
pub async fn redeem(table: &Table, token: &str, email: &str) -> Result<Option<Invite>, ApiError> {
    let key = pk(token);
    let Some(stored) = table.get::<Invite>(&key, "INVITE").await? else {
        return Ok(None);
    };
    let invite = stored.value;
    let expired = time::parse_rfc3339(&invite.expires_at_text).is_none_or(|t| t < time::now());
    if expired || invite.used_at.is_some() || invite.email != email {
        return Ok(None);
    }
    let used = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(key))
        .key("sk", AttributeValue::S("INVITE".into()))
        .update_expression("SET used_at = :now")
        .condition_expression("attribute_exists(pk) AND attribute_not_exists(used_at)")
        .expression_attribute_values(":now", AttributeValue::S(time::rfc3339(time::now())))
        .send()
        .await;
    match used {
        Ok(_) => Ok(Some(invite)),
        Err(e) if roomwright_core::dynamo::is_condition_failure(&e) => Ok(None),
        Err(e) => Err(service_error(e).into()),
    }
}
