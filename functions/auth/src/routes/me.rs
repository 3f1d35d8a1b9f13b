//! The caller's own account: profile, password, data export and erasure.

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Caller, ClientInfo, Role},
    dynamo::{PageParams, Table, Versioned},
    http::ApiJson,
    problem::FieldErrors,
    time,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::check_text;
use roomwright_accounts::{
    audit::{self, AuditEntry},
    passwords, sessions,
    sessions::Session,
    throttle,
    users::{self, Status, User, UserView},
};

/// The caller's account, or 401 when it no longer exists or is not active.
async fn current(state: &AppState, caller: &Caller) -> Result<Versioned<User>, ApiError> {
    users::get(&state.table(), &caller.user_id)
        .await?
        .filter(|u| u.value.status == Status::Active)
        .ok_or_else(|| ApiError::unauthorized("account_disabled", "This account is not active."))
}

/// Checks the caller's password, throttled like sign-ins (the attempt is reserved first).
async fn check_password(
    table: &Table,
    client: &ClientInfo,
    user: &User,
    password: &str,
    field: &str,
) -> Result<(), ApiError> {
    let subjects = throttle::password_subjects(&user.id, &client.source_ip);
    let reservation = throttle::reserve(table, subjects)
        .await?
        .map_err(throttle::too_many)?;
    match passwords::verify(password.to_string(), Some(user.password_hash.clone())).await? {
        passwords::Verdict::Right { .. } => reservation.succeeded(table).await,
        passwords::Verdict::Wrong => Err(ApiError::validation(vec![FieldError::new(
            field,
            "wrong_password",
            "The current password is wrong.",
        )])),
    }
}

/// The caller's profile.
#[utoipa::path(
    get, path = "/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401))
)]
pub async fn get_me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(UserView::from(&current(&state, &caller).await?.value)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    pub name: Option<String>,
    pub company: Option<String>,
}

/// Changes the caller's name or company. Email and role are not changed here.
#[utoipa::path(
    patch, path = "/v1/me", tag = "me", security(("bearer" = [])), request_body = UpdateMe,
    responses((status = 200, body = UserView), (status = 422))
)]
pub async fn update_me(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientInfo,
    ApiJson(request): ApiJson<UpdateMe>,
) -> Result<Json<UserView>, ApiError> {
    let mut errors = FieldErrors::new();
    if let Some(name) = &request.name {
        check_text(&mut errors, "name", name, true, 100);
    }
    if let Some(company) = &request.company {
        check_text(&mut errors, "company", company, false, 100);
    }
    errors.finish()?;
    // A concurrent change (an admin changing the role) moves the version; apply ours on top.
    let inactive = || ApiError::unauthorized("account_disabled", "This account is not active.");
    let updated = users::update(&state.table(), &caller.user_id, 3, |user| {
        if user.status != Status::Active {
            return Err(inactive());
        }
        if let Some(name) = &request.name {
            user.name = name.trim().to_string();
        }
        if let Some(company) = &request.company {
            user.company = company.trim().to_string();
        }
        Ok(users::Edit::Save)
    })
    .await?;
    match updated {
        users::Updated::Saved(user) => {
            audit::record(&state.table(), audit::Event {
                action: "profile_updated",
                actor: &user.id,
                target: None,
                client: &client,
                details: json!({"name_changed": request.name.is_some(), "company_changed": request.company.is_some()}),
            })
            .await?;
            return Ok(Json(UserView::from(&user)));
        }
        users::Updated::Missing | users::Updated::Kept(_) => return Err(inactive()),
        users::Updated::Busy => {}
    }
    Err(ApiError::conflict(
        "concurrent_update",
        "The account changed repeatedly; try again.",
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password and ends every other session.
#[utoipa::path(
    post, path = "/v1/me/password", tag = "me", security(("bearer" = [])), request_body = ChangePassword,
    responses((status = 204), (status = 422, description = "`wrong_password` or a policy error"))
)]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientInfo,
    ApiJson(request): ApiJson<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    let Versioned {
        value: mut user,
        version,
    } = current(&state, &caller).await?;
    let mut errors = FieldErrors::new();
    passwords::check_policy(
        &mut errors,
        "new_password",
        &request.new_password,
        &user.email,
    );
    errors.finish()?;
    check_password(
        &state.table(),
        &client,
        &user,
        &request.current_password,
        "current_password",
    )
    .await?;
    user.password_hash = passwords::hash(request.new_password).await?;
    user.updated_at = time::rfc3339(time::now());
    users::save(&state.table(), &user, version).await?;
    let ended = sessions::revoke_all(&state.table(), &user.id, Some(&caller.session_id)).await?;
    state.sessions.forget(&user.id);
    audit::record(
        &state.table(),
        audit::Event {
            action: "password_changed",
            actor: &user.id,
            target: None,
            client: &client,
            details: json!({"sessions_ended": ended}),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Export {
    pub user: UserView,
    pub sessions: Vec<Session>,
    /// Audit entries about the caller, newest first (at most 1,000).
    pub audit: Vec<AuditEntry>,
    /// Projects the caller owns or that are shared with them (the trash included).
    pub projects: Vec<roomwright_projects::store::ProjectSummary>,
    pub exported_at: String,
}

/// Everything stored about the caller, as JSON.
#[utoipa::path(
    get, path = "/v1/me/export", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Export))
)]
pub async fn export_me(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientInfo,
) -> Result<Json<Export>, ApiError> {
    let user = current(&state, &caller).await?.value;
    let table = state.table();
    audit::record(
        &table,
        audit::Event {
            action: "data_exported",
            actor: &user.id,
            target: None,
            client: &client,
            details: json!({}),
        },
    )
    .await?;
    let mut entries = Vec::new();
    let mut cursor = None;
    while entries.len() < 1000 {
        let page = PageParams {
            limit: Some(100),
            cursor,
        }
        .parse()?;
        let (items, next) = audit::query(&table, Some(&user.id), None, None, &page).await?;
        entries.extend(items);
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(Json(Export {
        user: UserView::from(&user),
        sessions: sessions::list(&table, &user.id).await?,
        audit: entries,
        projects: roomwright_projects::store::all_of_user(&table, &user.id).await?,
        exported_at: time::rfc3339(time::now()),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseMe {
    /// The current password, to confirm.
    pub password: String,
}

/// Erases the caller's account: name, company, email and password are removed, every session
/// ends, and the email can sign up again. The audit log keeps the user id only. Projects the
/// user owns go to the trash (removed after 30 days); projects shared with them drop them as a
/// member. Admins must hand over the role first.
#[utoipa::path(
    delete, path = "/v1/me", tag = "me", security(("bearer" = [])), request_body = EraseMe,
    responses((status = 204), (status = 409, description = "`admin_cannot_erase`"), (status = 422))
)]
pub async fn erase_me(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientInfo,
    ApiJson(request): ApiJson<EraseMe>,
) -> Result<StatusCode, ApiError> {
    let Versioned {
        value: mut user,
        version,
    } = current(&state, &caller).await?;
    if user.role == Role::Admin {
        return Err(ApiError::conflict(
            "admin_cannot_erase",
            "An admin account cannot erase itself; have another admin change its role first.",
        ));
    }
    check_password(
        &state.table(),
        &client,
        &user,
        &request.password,
        "password",
    )
    .await?;
    let table = state.table();
    let email = std::mem::replace(&mut user.email, format!("erased+{}@invalid", user.id));
    user.name.clear();
    user.company.clear();
    user.password_hash.clear();
    user.status = Status::Erased;
    user.updated_at = time::rfc3339(time::now());
    users::save(&table, &user, version).await?;
    users::release_email(&table, &email).await?;
    audit::scrub_email(&table, &email).await?;
    sessions::revoke_all(&table, &user.id, None).await?;
    state.sessions.forget(&user.id);
    let (trashed, left) = roomwright_projects::store::erase_user(&table, &user.id).await?;
    roomwright_notify::inbox::erase(&table, &user.id).await?;
    roomwright_notify::prefs::erase(&table, &user.id).await?;
    audit::record(
        &table,
        audit::Event {
            action: "account_erased",
            actor: &user.id,
            target: None,
            client: &client,
            details: json!({"projects_trashed": trashed, "projects_left": left}),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
