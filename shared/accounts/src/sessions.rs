//! Sessions and their rotating refresh tokens.
//!
//! A session is a refresh-token family: login starts one, every refresh replaces the token
//! with a new one in the same family. Presenting a token that was already used means it was
//! copied: the whole family is revoked (RFC 6819 5.2.2.3, OAuth 2.0 Security BCP 4.14).
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | session | `USER#<user id>` | `SESSION#<session id>` |
//! | refresh token | `REFRESH#<sha-256 of the token>` | `TOKEN` |
//!
//! Only the hash of a token is stored. Both items expire (TTL) 7 days after their last use.

use aws_lc_rs::digest;
use aws_sdk_dynamodb::types::AttributeValue;
use roomwright_core::{
    ApiError,
    auth::ClientInfo,
    dynamo::{Keys, PageParams, SortKey, Table, service_error},
    time,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const REFRESH_TTL_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created_at: String,
    pub source_ip: String,
    pub user_agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RefreshToken {
    user_id: String,
    session_id: String,
    issued_at: String,
    // Absent, not NULL, until used: the "use once" condition tests for the attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_at: Option<String>,
}

/// What presenting a refresh token led to.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// Valid and now used: issue the next token in this session.
    Rotated { user_id: String, session_id: String },
    /// Unknown or expired.
    Invalid,
    /// Already used once: the session has been revoked.
    Reused { user_id: String, session_id: String },
    /// The session was revoked (logout, password change, reuse).
    Revoked { user_id: String },
}

// The key formats are shared with every function's per-request session check.
fn session_pk(user_id: &str) -> String {
    roomwright_core::auth::live::session_key(user_id, "").0
}

fn session_sk(session_id: &str) -> String {
    roomwright_core::auth::live::session_key("", session_id).1
}

fn token_pk(token: &str) -> String {
    let digest = digest::digest(&digest::SHA256, token.as_bytes());
    format!("REFRESH#{}", hex::encode(digest.as_ref()))
}

fn expiry() -> i64 {
    time::now().unix_timestamp() + REFRESH_TTL_SECONDS
}

/// Starts a session for `user_id`; returns it and its first refresh token.
pub async fn start(
    table: &Table,
    user_id: &str,
    client: &ClientInfo,
) -> Result<(Session, String), ApiError> {
    let session = Session {
        id: format!("ses_{}", uuid::Uuid::now_v7().simple()),
        user_id: user_id.to_string(),
        created_at: time::rfc3339(time::now()),
        source_ip: client.source_ip.clone(),
        user_agent: client.user_agent.clone(),
        revoked_at: None,
    };
    let keys = Keys::new(session_pk(user_id), session_sk(&session.id)).expires_at(expiry());
    table.create(&keys, &session).await?;
    let token = issue(table, user_id, &session.id).await?;
    Ok((session, token))
}

/// A fresh refresh token in an existing session.
pub async fn issue(table: &Table, user_id: &str, session_id: &str) -> Result<String, ApiError> {
    let token = roomwright_core::random::token();
    let record = RefreshToken {
        user_id: user_id.to_string(),
        session_id: session_id.to_string(),
        issued_at: time::rfc3339(time::now()),
        used_at: None,
    };
    table
        .create(
            &Keys::new(token_pk(&token), "TOKEN").expires_at(expiry()),
            &record,
        )
        .await?;
    Ok(token)
}

/// Uses a refresh token once.
pub async fn rotate(table: &Table, token: &str) -> Result<Rotation, ApiError> {
    let pk = token_pk(token);
    let Some(record) = table.get::<RefreshToken>(&pk, "TOKEN").await? else {
        return Ok(Rotation::Invalid);
    };
    let record = record.value;
    let issued = time::parse_rfc3339(&record.issued_at)
        .map(|t| t.unix_timestamp())
        .unwrap_or(0);
    // TTL deletion lags; an expired token is refused whether or not it is gone yet.
    if issued + REFRESH_TTL_SECONDS < time::now().unix_timestamp() {
        return Ok(Rotation::Invalid);
    }
    // The conditional write makes "use once" hold under concurrent refreshes too.
    let marked = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(pk))
        .key("sk", AttributeValue::S("TOKEN".into()))
        .update_expression("SET used_at = :now")
        .condition_expression("attribute_exists(pk) AND attribute_not_exists(used_at)")
        .expression_attribute_values(":now", AttributeValue::S(time::rfc3339(time::now())))
        .send()
        .await;
    if let Err(e) = marked {
        if roomwright_core::dynamo::is_condition_failure(&e) {
            revoke(table, &record.user_id, &record.session_id).await?;
            return Ok(Rotation::Reused {
                user_id: record.user_id,
                session_id: record.session_id,
            });
        }
        return Err(service_error(e).into());
    }
    let session = table
        .get::<Session>(
            &session_pk(&record.user_id),
            &session_sk(&record.session_id),
        )
        .await?;
    match session {
        Some(s) if s.value.revoked_at.is_none() => Ok(Rotation::Rotated {
            user_id: record.user_id,
            session_id: record.session_id,
        }),
        _ => Ok(Rotation::Revoked {
            user_id: record.user_id,
        }),
    }
}

/// The session a refresh token belongs to, without using the token.
pub async fn session_of(table: &Table, token: &str) -> Result<Option<(String, String)>, ApiError> {
    Ok(table
        .get::<RefreshToken>(&token_pk(token), "TOKEN")
        .await?
        .map(|r| (r.value.user_id, r.value.session_id)))
}

/// Revokes one session; its refresh tokens stop working at once.
pub async fn revoke(table: &Table, user_id: &str, session_id: &str) -> Result<(), ApiError> {
    let result = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(session_pk(user_id)))
        .key("sk", AttributeValue::S(session_sk(session_id)))
        .update_expression("SET revoked_at = if_not_exists(revoked_at, :now)")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":now", AttributeValue::S(time::rfc3339(time::now())))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        // Expired and removed already: nothing left to revoke.
        Err(e) if roomwright_core::dynamo::is_condition_failure(&e) => Ok(()),
        Err(e) => Err(service_error(e).into()),
    }
}

/// Every session of a user, newest first.
pub async fn list(table: &Table, user_id: &str) -> Result<Vec<Session>, ApiError> {
    let mut sessions = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageParams {
            limit: Some(100),
            cursor,
        }
        .parse()?;
        let result = table
            .query::<Session>(
                None,
                &session_pk(user_id),
                SortKey::Prefix("SESSION#"),
                &page,
                true,
            )
            .await?;
        sessions.extend(result.items.into_iter().map(|v| v.value));
        match result.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(sessions),
        }
    }
}

/// Revokes every session of a user but `keep`.
pub async fn revoke_all(
    table: &Table,
    user_id: &str,
    keep: Option<&str>,
) -> Result<usize, ApiError> {
    let mut revoked = 0;
    for session in list(table, user_id).await? {
        if session.revoked_at.is_none() && Some(session.id.as_str()) != keep {
            revoke(table, user_id, &session.id).await?;
            revoked += 1;
        }
    }
    Ok(revoked)
}
