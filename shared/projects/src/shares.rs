//! Share links: a client sees one frozen version of one scenario through an unguessable link,
//! and may approve it or ask for changes; what they say is the project's activity.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | share | `PROJECT#<id>` | `SHARE#<share id>` |
//! | link (TTL: a day after expiry) | `SHARELINK#<sha256 of the token>` | `LINK` |
//! | activity | `PROJECT#<id>` | `ACTIVITY#<sortable time>#<id>` |
//! | feedback already taken (TTL: a day) | `PROJECT#<id>` | `FEEDBACK#<nonce>` |
//!
//! The page finds a share by its token's hash, never by a project or share id, so nothing on
//! it reaches another project.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use roomwright_core::{
    FieldErrors,
    dynamo::{Keys, PageRequest, SortKey, StoreError, Table, Versioned},
    time as clock,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{
    model::{Project, Status},
    store::{self, project_pk},
};

/// Links a project may have that are neither revoked nor expired.
pub const MAX_ACTIVE: usize = 50;
/// The longest a link may live.
pub const MAX_DAYS: i64 = 365;
pub const MAX_COMMENT_CHARS: usize = 2000;
pub const MAX_NAME_CHARS: usize = 100;
/// Tokens are 32 random bytes, base64url: 43 characters.
pub const TOKEN_CHARS: usize = 43;
/// Feedback one link takes per day (each is an activity entry and maybe a status change).
pub const FEEDBACK_PER_DAY: u32 = 30;
/// Page views one link serves per minute, and one client address across links.
pub const VIEWS_PER_MINUTE: u32 = 120;
pub const VIEWS_PER_ADDRESS_PER_MINUTE: u32 = 60;

fn yes() -> bool {
    true
}

/// `POST /v1/projects/{id}/shares`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub scenario_id: String,
    /// The saved version to show; the project's content now is saved as a new version when
    /// absent.
    #[serde(default)]
    pub version: Option<u32>,
    /// RFC 3339, in the future and within a year.
    pub expires_at: String,
    /// Unit prices, line totals and the quote's totals (hidden when false).
    #[serde(default = "yes")]
    pub show_prices: bool,
    /// Whether the client may approve, ask for changes or comment.
    #[serde(default = "yes")]
    pub allow_feedback: bool,
    /// Emails the link (and the quote's PDF when prices show) to the client.
    #[serde(default)]
    pub send_to: Option<Recipient>,
}

/// Who a proposal is emailed to.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub email: String,
    /// How the email greets them (at most 100 characters).
    #[serde(default)]
    pub name: String,
}

impl ShareRequest {
    /// The expiry as a time, or the field's problem.
    pub fn expiry(&self, now: OffsetDateTime, errors: &mut FieldErrors) -> Option<OffsetDateTime> {
        match clock::parse_rfc3339(&self.expires_at) {
            None => errors.add(
                "expires_at",
                "invalid",
                "expires_at is an RFC 3339 time, e.g. 2027-01-31T18:00:00Z.",
            ),
            Some(at) if at <= now => {
                errors.add("expires_at", "in_the_past", "expires_at is in the past.")
            }
            Some(at) if at > now + time::Duration::days(MAX_DAYS) => errors.add(
                "expires_at",
                "out_of_range",
                format!("A link lives at most {MAX_DAYS} days."),
            ),
            Some(at) => return Some(at),
        }
        None
    }
}

/// A share link as stored; [`Share::token`] is shown to the project's editors only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub id: String,
    pub project_id: String,
    pub scenario_id: String,
    pub version: u32,
    pub token: String,
    pub expires_at: String,
    pub show_prices: bool,
    pub allow_feedback: bool,
    pub created_by: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

impl Share {
    /// A new link with a fresh token.
    pub fn new(
        project_id: &str,
        request: &ShareRequest,
        version: u32,
        expires_at: OffsetDateTime,
        created_by: &str,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id: format!("shr_{}", uuid::Uuid::now_v7().simple()),
            project_id: project_id.to_string(),
            scenario_id: request.scenario_id.clone(),
            version,
            token: new_token(),
            expires_at: clock::rfc3339(expires_at),
            show_prices: request.show_prices,
            allow_feedback: request.allow_feedback,
            created_by: created_by.to_string(),
            created_at: clock::rfc3339(now),
            revoked_at: None,
        }
    }

    pub fn expiry(&self) -> OffsetDateTime {
        clock::parse_rfc3339(&self.expires_at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    pub fn state(&self, now: OffsetDateTime) -> ShareState {
        if self.revoked_at.is_some() {
            ShareState::Revoked
        } else if self.expiry() <= now {
            ShareState::Expired
        } else {
            ShareState::Active
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareState {
    Active,
    Expired,
    Revoked,
}

/// 32 random bytes, base64url without padding.
pub fn new_token() -> String {
    roomwright_core::random::token()
}

/// Whether `token` could be one of ours (checked before any read).
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn link_pk(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("SHARELINK#{hex}")
}

const LINK_SK: &str = "LINK";

fn share_sk(id: &str) -> String {
    format!("SHARE#{id}")
}

#[derive(Debug, Serialize, Deserialize)]
struct Link {
    project_id: String,
    share_id: String,
}

fn put(
    table: &Table,
    keys: &Keys,
    value: &impl Serialize,
    new: bool,
) -> Result<TransactWriteItem, StoreError> {
    let mut put = Put::builder()
        .table_name(table.name())
        .set_item(Some(Table::item(keys, value, 1)?));
    if new {
        put = put.condition_expression("attribute_not_exists(pk)");
    }
    let put = put
        .build()
        .map_err(|e| StoreError::Service(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The writes that store a new link (for the transaction that also saves its version).
pub fn create_items(table: &Table, share: &Share) -> Result<Vec<TransactWriteItem>, StoreError> {
    let link = Link {
        project_id: share.project_id.clone(),
        share_id: share.id.clone(),
    };
    let link_keys = Keys::new(link_pk(&share.token), LINK_SK)
        .expires_at(share.expiry().unix_timestamp() + 86_400);
    Ok(vec![
        put(
            table,
            &Keys::new(project_pk(&share.project_id), share_sk(&share.id)),
            share,
            true,
        )?,
        put(table, &link_keys, &link, true)?,
    ])
}

pub async fn get(
    table: &Table,
    project_id: &str,
    share_id: &str,
) -> Result<Option<Versioned<Share>>, StoreError> {
    table
        .get(&project_pk(project_id), &share_sk(share_id))
        .await
}

/// Every link of the project, newest first.
pub async fn list(table: &Table, project_id: &str) -> Result<Vec<Share>, StoreError> {
    let mut shares: Vec<Share> = table
        .query_all::<Share>(None, &project_pk(project_id), SortKey::Prefix("SHARE#"))
        .await?
        .into_iter()
        .map(|v| v.value)
        .collect();
    shares.sort_by(|a, b| (&b.created_at, &b.id).cmp(&(&a.created_at, &a.id)));
    Ok(shares)
}

/// Revokes a link: the share says when, and its token finds nothing from now on; `also` (its
/// activity entry) is written with it.
pub async fn revoke(
    table: &Table,
    share: Versioned<Share>,
    now: OffsetDateTime,
    also: Vec<TransactWriteItem>,
) -> Result<Share, StoreError> {
    let mut revoked = share.value;
    revoked.revoked_at = Some(clock::rfc3339(now));
    let keys = Keys::new(project_pk(&revoked.project_id), share_sk(&revoked.id));
    let (update, _) = table.versioned_put(&keys, &revoked, Some(share.version))?;
    let delete = Delete::builder()
        .table_name(table.name())
        .key("pk", AttributeValue::S(link_pk(&revoked.token)))
        .key("sk", AttributeValue::S(LINK_SK.into()))
        .build()
        .map_err(|e| StoreError::Service(e.to_string()))?;
    let mut items = vec![update, TransactWriteItem::builder().delete(delete).build()];
    items.extend(also);
    match table.transact(items).await {
        Ok(()) => Ok(revoked),
        Err(e) if e.failed_condition(0) => Err(StoreError::ConditionFailed),
        Err(roomwright_core::dynamo::TransactError::Service(e)) => Err(e),
        Err(_) => Err(StoreError::Contended),
    }
}

/// The live link a token opens: none when the token is unknown, revoked or expired.
pub async fn open(
    table: &Table,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<Share>, StoreError> {
    if !well_formed(token) {
        return Ok(None);
    }
    let Some(link) = table.get::<Link>(&link_pk(token), LINK_SK).await? else {
        return Ok(None);
    };
    let share = get(table, &link.value.project_id, &link.value.share_id).await?;
    // The token itself is compared too: a hash match alone is not trusted.
    Ok(share
        .map(|s| s.value)
        .filter(|s| s.token == token && s.state(now) == ShareState::Active))
}

/// What happened on a project that its people should see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    pub id: String,
    pub at: String,
    pub kind: ActivityKind,
    /// The signed-in user who did it; none for a client on a share link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The name a client gave, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The project's status after it, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Shared,
    ShareRevoked,
    ClientApproved,
    ClientRequestedChanges,
    ClientCommented,
}

impl Activity {
    pub fn new(kind: ActivityKind, now: OffsetDateTime) -> Self {
        Self {
            id: format!("act_{}", uuid::Uuid::now_v7().simple()),
            at: clock::rfc3339(now),
            kind,
            user_id: None,
            client_name: None,
            share_id: None,
            version: None,
            comment: None,
            status: None,
        }
    }

    fn keys(&self, project_id: &str) -> Keys {
        // Ids are time-ordered (UUIDv7): the sort key orders the feed.
        Keys::new(project_pk(project_id), format!("ACTIVITY#{}", self.id))
    }
}

/// The write of an activity entry, for the transaction that makes it happen.
pub fn activity_item(
    table: &Table,
    project_id: &str,
    activity: &Activity,
) -> Result<TransactWriteItem, StoreError> {
    put(table, &activity.keys(project_id), activity, true)
}

/// The project's activity, newest first.
pub async fn activity(
    table: &Table,
    project_id: &str,
    page: &PageRequest,
) -> Result<(Vec<Activity>, Option<String>), StoreError> {
    store::newest(table, project_id, "ACTIVITY#", page).await
}

/// What a client decides on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    RequestChanges,
    Comment,
}

/// The page's feedback form.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    pub decision: Decision,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub name: String,
    /// Set by the page once per form, so a resent form counts once.
    pub nonce: String,
}

impl Feedback {
    pub fn validate(&self, errors: &mut FieldErrors) {
        if self.comment.chars().count() > MAX_COMMENT_CHARS {
            errors.add(
                "comment",
                "too_long",
                format!("At most {MAX_COMMENT_CHARS} characters."),
            );
        }
        if self.decision != Decision::Approve && self.comment.trim().is_empty() {
            errors.add("comment", "required", "Say what you would like changed.");
        }
        if self.name.chars().count() > MAX_NAME_CHARS {
            errors.add(
                "name",
                "too_long",
                format!("At most {MAX_NAME_CHARS} characters."),
            );
        }
        if !(8..=64).contains(&self.nonce.len())
            || !self.nonce.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            errors.add("nonce", "invalid", "Reload the page and send again.");
        }
    }
}

/// What taking feedback did.
#[derive(Debug, Clone, PartialEq)]
pub enum Taken {
    Recorded {
        activity: Activity,
    },
    /// The same form was sent before.
    Repeated,
}

/// Records a client's feedback on the share's project: an activity entry, and the status an
/// approval (in review to approved) or a request for changes (in review to draft) brings,
/// written with the project in one transaction, read again when another writer came first.
pub async fn take_feedback(
    table: &Table,
    share: &Share,
    feedback: &Feedback,
    now: OffsetDateTime,
) -> Result<Taken, StoreError> {
    let kind = match feedback.decision {
        Decision::Approve => ActivityKind::ClientApproved,
        Decision::RequestChanges => ActivityKind::ClientRequestedChanges,
        Decision::Comment => ActivityKind::ClientCommented,
    };
    let marker = Keys::new(
        project_pk(&share.project_id),
        format!("FEEDBACK#{}", feedback.nonce),
    )
    .expires_at(now.unix_timestamp() + 86_400);
    for _ in 0..5 {
        let Some(Versioned { mut value, version }) = store::get(table, &share.project_id).await?
        else {
            return Err(StoreError::Service(format!(
                "project {} is gone",
                share.project_id
            )));
        };
        let mut activity = Activity::new(kind, now);
        activity.share_id = Some(share.id.clone());
        activity.version = Some(share.version);
        activity.client_name = Some(feedback.name.trim().to_string()).filter(|n| !n.is_empty());
        activity.comment = Some(feedback.comment.trim().to_string()).filter(|c| !c.is_empty());
        let next = match feedback.decision {
            Decision::Approve => Some(Status::Approved),
            Decision::RequestChanges => Some(Status::Draft),
            Decision::Comment => None,
        }
        .filter(|next| value.status == Status::InReview && value.status.can_become(*next));
        if let Some(next) = next {
            value.status = next;
            activity.status = Some(next);
        }
        value.updated_at = clock::sortable(now);
        value.updated_by = None;
        value.updated_via = Some("client".into());
        let also = vec![
            put(
                table,
                &marker,
                &serde_json::json!({"activity_id": activity.id}),
                true,
            )?,
            activity_item(table, &share.project_id, &activity)?,
        ];
        match store::write_with(table, &value, Some(version), &[], also).await {
            Ok(_) => return Ok(Taken::Recorded { activity }),
            Err(StoreError::ConditionFailed) => {
                if table
                    .get::<serde_json::Value>(&marker.pk, &marker.sk)
                    .await?
                    .is_some()
                {
                    return Ok(Taken::Repeated);
                }
                continue;
            }
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Contended)
}

/// The project as the share shows it: its content replaced by the shared version's.
pub fn as_shared(mut project: Project, snapshot: crate::versions::Snapshot) -> Project {
    snapshot.apply_to(&mut project);
    project
}
