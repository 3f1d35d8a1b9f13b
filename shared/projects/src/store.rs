//! Projects in the table.
//!
//! | item | pk | sk | gsi1 | gsi2 |
//! | --- | --- | --- | --- | --- |
//! | project | `PROJECT#<id>` | `PROJECT` | | |
//! | membership | `USER#<user id>` | `PROJECT#<id>` | `MEMBER#<user id>` / `<updated>#<id>` (not while deleted) | `MEMBER#<user id>#<status or deleted>` / `<updated>#<id>` |
//! | version | `PROJECT#<id>` | `VERSION#<number, 8 digits>` | | |
//!
//! A membership row carries the project's summary, so a user's list (newest first, optionally
//! of one status) is one index query. The project and all its membership rows are written in
//! one transaction, conditional on the project's version: a stale write changes nothing.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use roomwright_core::dynamo::TransactError;
use roomwright_core::{
    dynamo::{Cursor, Keys, PageRequest, SortKey, StoreError, Table, Versioned, index},
    time,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{MemberRole, Project, Status};

/// How long a deleted project can be restored.
pub const TRASH_DAYS: i64 = 30;

pub fn project_pk(id: &str) -> String {
    format!("PROJECT#{id}")
}

pub const PROJECT_SK: &str = "PROJECT";

/// One line of a user's project list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    pub client: String,
    pub status: Status,
    pub role: MemberRole,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
}

fn expiry(project: &Project) -> Option<i64> {
    project
        .deleted_at
        .as_deref()
        .and_then(time::parse_rfc3339)
        .map(|t| t.unix_timestamp() + TRASH_DAYS * 24 * 3600)
}

fn project_keys(project: &Project) -> Keys {
    let keys = Keys::new(project_pk(&project.id), PROJECT_SK);
    match expiry(project) {
        Some(at) => keys.expires_at(at),
        None => keys,
    }
}

fn membership_items(
    table: &Table,
    project: &Project,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let sort = format!("{}#{}", project.updated_at, project.id);
    let status = if project.deleted_at.is_some() {
        "deleted"
    } else {
        project.status.as_str()
    };
    project
        .members
        .iter()
        .map(|member| {
            let summary = ProjectSummary {
                id: project.id.clone(),
                name: project.name.clone(),
                client: project.client.clone(),
                status: project.status,
                role: member.role,
                updated_at: project.updated_at.clone(),
                deleted_at: project.deleted_at.clone(),
            };
            let mut keys = Keys::new(format!("USER#{}", member.user_id), project_pk(&project.id))
                .gsi2(format!("MEMBER#{}#{status}", member.user_id), &sort);
            if project.deleted_at.is_none() {
                keys = keys.gsi1(format!("MEMBER#{}", member.user_id), &sort);
            }
            if let Some(at) = expiry(project) {
                keys = keys.expires_at(at);
            }
            let item = Table::item(&keys, &summary, 1)?;
            let put = Put::builder()
                .table_name(table.name())
                .set_item(Some(item))
                .build()
                .map_err(|e| StoreError::Service(e.to_string()))?;
            Ok(TransactWriteItem::builder().put(put).build())
        })
        .collect()
}

/// Writes `project` and its memberships; `expected` is the version it was read at (`None` to
/// create). Members in `removed` lose their row. Returns the new version.
pub async fn write(
    table: &Table,
    project: &Project,
    expected: Option<u64>,
    removed: &[String],
) -> Result<u64, StoreError> {
    write_with(table, project, expected, removed, Vec::new()).await
}

/// [`write`], with `also` in the same transaction (a version the project now counts): all of
/// it happens or none does.
pub async fn write_with(
    table: &Table,
    project: &Project,
    expected: Option<u64>,
    removed: &[String],
    also: Vec<TransactWriteItem>,
) -> Result<u64, StoreError> {
    check_size(project)?;
    let (put, version) = table.versioned_put(&project_keys(project), project, expected)?;
    let mut items = vec![put];
    items.extend(membership_items(table, project)?);
    for user_id in removed {
        let delete = Delete::builder()
            .table_name(table.name())
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{user_id}")),
            )
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S(project_pk(&project.id)),
            )
            .build()
            .map_err(|e| StoreError::Service(e.to_string()))?;
        items.push(TransactWriteItem::builder().delete(delete).build());
    }
    let added = items.len()..items.len() + also.len();
    items.extend(also);
    match table.transact(items).await {
        Ok(()) => Ok(version),
        // The first item is the project: its condition failing means a concurrent write; an
        // added item's (a version number taken meanwhile) means the same.
        Err(e) if e.failed_condition(0) || added.clone().any(|i| e.failed_condition(i)) => {
            Err(StoreError::ConditionFailed)
        }
        Err(TransactError::Service(e)) => Err(e),
        Err(TransactError::Cancelled(_)) => Err(StoreError::Contended),
    }
}

/// One page of the project's items whose sort keys start with `prefix` (versions, activity),
/// newest first.
pub async fn newest<T: serde::de::DeserializeOwned>(
    table: &Table,
    project_id: &str,
    prefix: &str,
    page: &PageRequest,
) -> Result<(Vec<T>, Option<String>), StoreError> {
    let result = table
        .query::<T>(
            None,
            &project_pk(project_id),
            SortKey::Prefix(prefix),
            page,
            true,
        )
        .await?;
    Ok((
        result.items.into_iter().map(|v| v.value).collect(),
        result.next_cursor,
    ))
}

/// Whether a write failed because the project moved on since it was read (another writer).
pub fn is_stale(error: &StoreError) -> bool {
    matches!(error, StoreError::ConditionFailed)
}

/// DynamoDB stores at most 400 KB in an item; a project (and a version, which copies its
/// content) stays under this, so a write is refused with the field that grew, never a 500.
pub const MAX_PROJECT_BYTES: usize = 300 * 1024;

/// Refuses a project whose stored form would be too large, naming its largest field.
pub fn check_size(project: &Project) -> Result<(), StoreError> {
    // Every write passes here: one serialisation measures it; the field breakdown is built
    // only for a project that is too large.
    let size = serde_json::to_vec(project)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .len();
    if size <= MAX_PROJECT_BYTES {
        return Ok(());
    }
    let value = serde_json::to_value(project).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let largest = value
        .as_object()
        .and_then(|fields| {
            fields
                .iter()
                .max_by_key(|(_, v)| v.to_string().len())
                .map(|(k, _)| k.clone())
        })
        .unwrap_or_default();
    Err(StoreError::TooLarge {
        item: "project",
        part: largest,
        bytes: size,
        limit: MAX_PROJECT_BYTES,
    })
}

pub async fn get(table: &Table, id: &str) -> Result<Option<Versioned<Project>>, StoreError> {
    table.get(&project_pk(id), PROJECT_SK).await
}

/// The user's projects, most recently updated first: all live ones, or those of one status,
/// or (`deleted`) the trash.
pub async fn list(
    table: &Table,
    user_id: &str,
    status: Option<&str>,
    page: &PageRequest,
) -> Result<(Vec<ProjectSummary>, Option<String>), StoreError> {
    let result = match status {
        None => {
            table
                .query::<ProjectSummary>(
                    Some(index::GSI1),
                    &format!("MEMBER#{user_id}"),
                    SortKey::Any,
                    page,
                    true,
                )
                .await?
        }
        Some(status) => {
            let partition = format!("MEMBER#{user_id}#{status}");
            table
                .query::<ProjectSummary>(Some(index::GSI2), &partition, SortKey::Any, page, true)
                .await?
        }
    };
    Ok((
        result.items.into_iter().map(|v| v.value).collect(),
        result.next_cursor,
    ))
}

/// Every project the user is a member of, trash included, most recent first.
pub async fn all_of_user(table: &Table, user_id: &str) -> Result<Vec<ProjectSummary>, StoreError> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest {
            limit: 100,
            cursor: cursor
                .as_deref()
                .map(Cursor::decode)
                .transpose()
                .map_err(|_| StoreError::Corrupt("a cursor the store made".into()))?,
        };
        let result = table
            .query::<ProjectSummary>(
                None,
                &format!("USER#{user_id}"),
                SortKey::Prefix("PROJECT#"),
                &page,
                false,
            )
            .await?;
        all.extend(result.items.into_iter().map(|v| v.value));
        match result.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

/// What erasing an account does to projects: the projects it owns go to the trash (and are
/// removed 30 days later), and it leaves every project shared with it, so no project keeps its
/// email. Returns (trashed, left).
pub async fn erase_user(table: &Table, user_id: &str) -> Result<(usize, usize), StoreError> {
    let (mut trashed, mut left) = (0, 0);
    for summary in all_of_user(table, user_id).await? {
        // A concurrent edit moves the version on; read again and retry.
        for _ in 0..5 {
            let Some(Versioned {
                value: mut project,
                version,
            }) = get(table, &summary.id).await?
            else {
                break;
            };
            let removed;
            if project.owner_id == user_id {
                if project.deleted_at.is_none() {
                    project.deleted_at = Some(time::rfc3339(time::now()));
                }
                for member in project.members.iter_mut().filter(|m| m.user_id == user_id) {
                    member.email = format!("erased+{user_id}@invalid");
                }
                removed = vec![];
                trashed += 1;
            } else {
                project.members.retain(|m| m.user_id != user_id);
                removed = vec![user_id.to_string()];
                left += 1;
            }
            project.updated_at = time::sortable(time::now());
            match write(table, &project, Some(version), &removed).await {
                Ok(_) => break,
                Err(e) if is_stale(&e) => {
                    if project.owner_id == user_id {
                        trashed -= 1
                    } else {
                        left -= 1
                    }
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok((trashed, left))
}
