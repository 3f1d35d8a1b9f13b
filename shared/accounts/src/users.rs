//! User accounts in the table.
//!
//! | item | pk | sk | gsi1 | gsi2 |
//! | --- | --- | --- | --- | --- |
//! | user | `USER#<id>` | `PROFILE` | `USERS#ROLE#<role>` / `<email>` | `USERS` / `<email>` |
//! | email claim | `EMAIL#<email>` | `EMAIL` | | |
//!
//! The email claim makes addresses unique: it is written in one transaction with the user,
//! conditional on neither existing, so two signups with one address cannot both succeed.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use roomwright_core::{
    ApiError,
    auth::Role,
    dynamo::{Keys, PageRequest, SortKey, StoreError, Table, Versioned, index, service_error},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AccountStatus)]
pub enum Status {
    Active,
    Disabled,
    /// Erased at the user's request: personal fields removed, sign-in impossible.
    Erased,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub company: String,
    pub role: Role,
    pub status: Status,
    pub password_hash: String,
    /// Whoever signed up proved the address is theirs (by the emailed link, or an invitation
    /// sent to it). Projects are shared only with verified addresses.
    #[serde(default)]
    pub email_verified: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct EmailClaim {
    user_id: String,
}

/// The public view of a user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub company: String,
    pub role: Role,
    pub status: Status,
    pub email_verified: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            company: user.company.clone(),
            role: user.role,
            status: user.status,
            email_verified: user.email_verified,
            created_at: user.created_at.clone(),
            updated_at: user.updated_at.clone(),
        }
    }
}

pub fn new_id() -> String {
    format!("usr_{}", uuid::Uuid::now_v7().simple())
}

use roomwright_core::users::{PROFILE_SK as PROFILE, email_claim_key, user_pk as pk};

fn keys(user: &User) -> Keys {
    Keys::new(pk(&user.id), PROFILE)
        .gsi1(format!("USERS#ROLE#{}", user.role.as_str()), &user.email)
        .gsi2("USERS", &user.email)
}

fn email_keys(email: &str) -> Keys {
    let (pk, sk) = email_claim_key(email);
    Keys::new(pk, sk)
}

/// Creates a user and claims its email; `Ok(false)` when the email is taken.
pub async fn create(table: &Table, user: &User) -> Result<bool, ApiError> {
    let put = |item| {
        Put::builder()
            .table_name(table.name())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(ApiError::internal)
    };
    let user_item = Table::item(&keys(user), user, 1)?;
    let claim = EmailClaim {
        user_id: user.id.clone(),
    };
    let claim_item = Table::item(&email_keys(&user.email), &claim, 1)?;
    let result = table
        .client()
        .await
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().put(put(user_item)?).build())
        .transact_items(TransactWriteItem::builder().put(put(claim_item)?).build())
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) => {
            let cancelled = e
                .as_service_error()
                .is_some_and(|s| s.is_transaction_canceled_exception());
            if cancelled {
                Ok(false)
            } else {
                Err(service_error(e).into())
            }
        }
    }
}

pub async fn get(table: &Table, id: &str) -> Result<Option<Versioned<User>>, ApiError> {
    Ok(table.get(&pk(id), PROFILE).await?)
}

pub async fn find_by_email(
    table: &Table,
    email: &str,
) -> Result<Option<Versioned<User>>, ApiError> {
    let keys = email_keys(email);
    let Some(claim) = table.get::<EmailClaim>(&keys.pk, &keys.sk).await? else {
        return Ok(None);
    };
    get(table, &claim.value.user_id).await
}

/// Writes a changed user if nobody changed it since `version` was read.
pub async fn save(table: &Table, user: &User, version: u64) -> Result<u64, StoreError> {
    table.replace(&keys(user), user, version).await
}

/// What [`update`] should do with the user its change saw.
pub enum Edit {
    Save,
    /// Nothing to change: the user is answered as read.
    Keep,
}

/// What [`update`] did.
pub enum Updated {
    Saved(User),
    Kept(User),
    /// No such user.
    Missing,
    /// Someone else wrote the user between every read and write.
    Busy,
}

/// Reads the user, applies `change` and writes it over the version read (with a new
/// `updated_at`), reading again when someone wrote in between, at most `attempts` times.
/// `change` refusing writes nothing.
pub async fn update(
    table: &Table,
    id: &str,
    attempts: usize,
    mut change: impl FnMut(&mut User) -> Result<Edit, ApiError>,
) -> Result<Updated, ApiError> {
    for _ in 0..attempts {
        let Some(found) = get(table, id).await? else {
            return Ok(Updated::Missing);
        };
        let mut user = found.value;
        if let Edit::Keep = change(&mut user)? {
            return Ok(Updated::Kept(user));
        }
        user.updated_at = roomwright_core::time::rfc3339(roomwright_core::time::now());
        match save(table, &user, found.version).await {
            Ok(_) => return Ok(Updated::Saved(user)),
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Updated::Busy)
}

/// Frees the email of an erased account, so the address can sign up again.
pub async fn release_email(table: &Table, email: &str) -> Result<(), ApiError> {
    let keys = email_keys(email);
    Ok(table.delete(&keys.pk, &keys.sk, None).await?)
}

/// Users ordered by email, all or of one role.
pub async fn list(
    table: &Table,
    role: Option<Role>,
    page: &PageRequest,
) -> Result<(Vec<User>, Option<String>), ApiError> {
    let result = match role {
        Some(role) => {
            let partition = format!("USERS#ROLE#{}", role.as_str());
            table
                .query::<User>(Some(index::GSI1), &partition, SortKey::Any, page, false)
                .await?
        }
        None => {
            table
                .query::<User>(Some(index::GSI2), "USERS", SortKey::Any, page, false)
                .await?
        }
    };
    Ok((
        result.items.into_iter().map(|v| v.value).collect(),
        result.next_cursor,
    ))
}

/// Creates an active account outside the signup route (demo data, the first admin in AWS);
/// `Ok(None)` when the email is taken. The password must meet the policy.
pub async fn provision(
    table: &Table,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<Option<User>, ApiError> {
    let mut errors = roomwright_core::problem::FieldErrors::new();
    crate::passwords::check_policy(&mut errors, "password", password, email);
    errors.finish()?;
    let now = roomwright_core::time::rfc3339(roomwright_core::time::now());
    let user = User {
        id: new_id(),
        email: email.trim().to_lowercase(),
        name: name.to_string(),
        company: String::new(),
        role,
        status: Status::Active,
        password_hash: crate::passwords::hash(password.to_string()).await?,
        // Provisioned by an operator or as demo data: the address is taken as given.
        email_verified: true,
        created_at: now.clone(),
        updated_at: now,
    };
    Ok(create(table, &user).await?.then_some(user))
}
