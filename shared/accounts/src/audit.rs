//! The audit log: every security-relevant event and every admin action, with who, what, whom,
//! when, and from where.
//!
//! | item | pk | sk | gsi1 |
//! | --- | --- | --- | --- |
//! | entry | `AUDIT` | `<time>#<id>` | `AUDIT#USER#<subject>` / `<time>#<id>` |
//!
//! The subject is the user the event is about: the target of an admin action, else the actor.
//! An email is never stored or logged as such: a target that is an address (a failed sign-in
//! for it, an invitation) is kept as its pseudonym `email:<hash>` ([`subject_of`]), which an
//! admin's `?user=<address>` query computes the same way; erasing an account scrubs even that.
//! Time-range queries read the `AUDIT` partition between two sort keys; per-user queries read
//! the index. Audit volume is low (security events only), so one partition has ample headroom.

use roomwright_core::{
    ApiError,
    auth::ClientInfo,
    dynamo::{Keys, PageRequest, SortKey, Table, index},
    time,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    /// `signup`, `login_succeeded`, `login_failed`, `login_throttled`, `token_reuse_detected`,
    /// `logout`, `password_changed`, `profile_updated`, `role_changed`, `user_disabled`,
    /// `user_enabled`, `user_invited`, `account_erased`, `data_exported`.
    pub action: String,
    /// User id of whoever acted, or `anonymous`.
    pub actor: String,
    /// User id or email the action was about, when not the actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub source_ip: String,
    pub user_agent: String,
    /// Action-specific facts (new role, failure reason); never secrets.
    #[serde(default)]
    pub details: serde_json::Value,
}

/// How an audit entry names a user id or an email address (the latter pseudonymised).
pub fn subject_of(text: &str) -> String {
    if text.contains('@') {
        let digest = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            text.trim().to_lowercase().as_bytes(),
        );
        format!("email:{}", &hex::encode(digest.as_ref())[..24])
    } else {
        text.to_string()
    }
}

pub struct Event<'a> {
    pub action: &'static str,
    pub actor: &'a str,
    pub target: Option<&'a str>,
    pub client: &'a ClientInfo,
    pub details: serde_json::Value,
}

/// Writes one entry. A failure to audit fails the request: security events must not go
/// unrecorded.
pub async fn record(table: &Table, event: Event<'_>) -> Result<AuditEntry, ApiError> {
    let now = time::now();
    let id = uuid::Uuid::now_v7().simple().to_string();
    let sort = format!("{}#{id}", time::sortable(now));
    let target = event.target.map(subject_of);
    let subject = target.clone().unwrap_or_else(|| event.actor.to_string());
    let entry = AuditEntry {
        id,
        at: time::rfc3339(now),
        action: event.action.to_string(),
        actor: event.actor.to_string(),
        target,
        source_ip: event.client.source_ip.clone(),
        user_agent: event.client.user_agent.clone(),
        details: event.details,
    };
    let keys = Keys::new("AUDIT", &sort).gsi1(format!("AUDIT#USER#{subject}"), &sort);
    table.create(&keys, &entry).await?;
    tracing::info!(action = entry.action, actor = entry.actor, target = ?entry.target, "audit");
    Ok(entry)
}

/// Erasure: entries about the address (failed sign-ins for it, invitations) lose even its
/// pseudonym and their index key; they stay in the time-ordered log as `erased`.
pub async fn scrub_email(table: &Table, email: &str) -> Result<usize, ApiError> {
    let mut scrubbed = 0;
    // The pseudonym, and the address itself as entries written before pseudonyms were.
    for subject in [subject_of(email), email.trim().to_lowercase()] {
        let entries = table
            .query_all::<AuditEntry>(
                Some(index::GSI1),
                &format!("AUDIT#USER#{subject}"),
                SortKey::Any,
            )
            .await?;
        for stored in entries {
            let mut entry = stored.value;
            let sort = format!(
                "{}#{}",
                time::parse_rfc3339(&entry.at)
                    .map(time::sortable)
                    .unwrap_or_default(),
                entry.id
            );
            entry.target = Some("erased".into());
            table
                .replace(&Keys::new("AUDIT", &sort), &entry, stored.version)
                .await?;
            scrubbed += 1;
        }
    }
    Ok(scrubbed)
}

/// Entries, newest first, about one user and/or within `[from, to]` (RFC 3339).
pub async fn query(
    table: &Table,
    user: Option<&str>,
    from: Option<::time::OffsetDateTime>,
    to: Option<::time::OffsetDateTime>,
    page: &PageRequest,
) -> Result<(Vec<AuditEntry>, Option<String>), ApiError> {
    let low = from.map(time::sortable).unwrap_or_else(|| "0".to_string());
    // `~` sorts after every digit and `#`, so the bound includes every entry at `to`.
    let high = to
        .map(|t| format!("{}~", time::sortable(t)))
        .unwrap_or_else(|| "~".to_string());
    let sort = SortKey::Between(&low, &high);
    let result = match user {
        Some(user) => {
            let partition = format!("AUDIT#USER#{}", subject_of(user));
            table
                .query::<AuditEntry>(Some(index::GSI1), &partition, sort, page, true)
                .await?
        }
        None => {
            table
                .query::<AuditEntry>(None, "AUDIT", sort, page, true)
                .await?
        }
    };
    Ok((
        result.items.into_iter().map(|v| v.value).collect(),
        result.next_cursor,
    ))
}
