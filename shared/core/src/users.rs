//! Looking users up across functions (sharing a project by email, naming an author). The auth
//! function owns these items; the key formats live here so both sides agree.

use serde::Deserialize;

use crate::{ApiError, dynamo::Table};

pub fn user_pk(id: &str) -> String {
    format!("USER#{id}")
}

pub const PROFILE_SK: &str = "PROFILE";

/// Key of the item that claims an email for one user (keeps emails unique).
pub fn email_claim_key(email: &str) -> (String, &'static str) {
    (format!("EMAIL#{email}"), "EMAIL")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub id: String,
    pub email: String,
    /// The owner proved the address is theirs.
    pub verified: bool,
}

#[derive(Deserialize)]
struct Claim {
    user_id: String,
}

#[derive(Deserialize)]
struct Profile {
    id: String,
    email: String,
    status: String,
    #[serde(default)]
    email_verified: bool,
}

/// The active user with this email (compared trimmed and lower-cased).
pub async fn find_user_by_email(table: &Table, email: &str) -> Result<Option<UserRef>, ApiError> {
    // No address is longer (RFC 5321); a longer one names nobody and makes no key.
    if email.trim().is_empty() || email.trim().len() > 254 {
        return Ok(None);
    }
    let (pk, sk) = email_claim_key(&email.trim().to_lowercase());
    let Some(claim) = table.get::<Claim>(&pk, sk).await? else {
        return Ok(None);
    };
    let profile = table
        .get::<Profile>(&user_pk(&claim.value.user_id), PROFILE_SK)
        .await?;
    Ok(profile
        .map(|p| p.value)
        .filter(|p| p.status == "active")
        .map(|p| UserRef {
            id: p.id,
            email: p.email,
            verified: p.email_verified,
        }))
}
