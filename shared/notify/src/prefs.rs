//! Which notifications a user also wants by email (the inbox and live updates get all).
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | preferences | `USER#<id>` | `NOTIFYPREFS` |

use roomwright_core::{
    ApiError,
    dynamo::{Keys, Table},
    users::user_pk,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a notification is about; each has its own email preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// A project was shared with you.
    ProjectShared,
    /// A render or scene export you ordered finished or failed.
    JobFinished,
    /// A client approved, asked for changes or commented on a proposal of your project.
    ProposalFeedback,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::ProjectShared => "project_shared",
            Topic::JobFinished => "job_finished",
            Topic::ProposalFeedback => "proposal_feedback",
        }
    }
}

/// Email on or off per topic; everything is on until turned off. Security emails
/// (verification, password reset) are always sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailPreferences {
    #[serde(default = "on")]
    pub project_shared: bool,
    #[serde(default = "on")]
    pub job_finished: bool,
    #[serde(default = "on")]
    pub proposal_feedback: bool,
}

fn on() -> bool {
    true
}

impl Default for EmailPreferences {
    fn default() -> Self {
        Self {
            project_shared: true,
            job_finished: true,
            proposal_feedback: true,
        }
    }
}

impl EmailPreferences {
    pub fn wants(&self, topic: Topic) -> bool {
        match topic {
            Topic::ProjectShared => self.project_shared,
            Topic::JobFinished => self.job_finished,
            Topic::ProposalFeedback => self.proposal_feedback,
        }
    }
}

const SK: &str = "NOTIFYPREFS";

/// The stored item: the preferences beside the item's keys (the request type refuses
/// unknown fields, the keys among them).
#[derive(Serialize, Deserialize)]
struct Stored {
    email: EmailPreferences,
}

pub async fn get(table: &Table, user_id: &str) -> Result<EmailPreferences, ApiError> {
    Ok(table
        .get::<Stored>(&user_pk(user_id), SK)
        .await?
        .map(|v| v.value.email)
        .unwrap_or_default())
}

/// Replaces the user's preferences (the last write wins: they are one user's own choice).
pub async fn put(table: &Table, user_id: &str, prefs: &EmailPreferences) -> Result<(), ApiError> {
    let keys = Keys::new(user_pk(user_id), SK);
    let item = Table::item(&keys, &Stored { email: *prefs }, 1)?;
    table
        .client()
        .await
        .put_item()
        .table_name(table.name())
        .set_item(Some(item))
        .send()
        .await
        .map_err(|e| ApiError::from(roomwright_core::dynamo::service_error(e)))?;
    Ok(())
}

/// Forgets an erased user's preferences.
pub async fn erase(table: &Table, user_id: &str) -> Result<(), ApiError> {
    Ok(table.delete(&user_pk(user_id), SK, None).await?)
}
