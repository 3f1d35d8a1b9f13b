//! Admin endpoints: users, roles, disabling, invitations, the audit log.

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Caller, ClientInfo, Require, Role, perm},
    dynamo::{PageParams, StoreError, Versioned},
    http::{ApiJson, ApiQuery},
    problem::FieldErrors,
    time,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::{check_email, normalize_email};
use roomwright_accounts::{
    audit::{self, AuditEntry},
    invites, sessions,
    users::{self, Status, User, UserView},
};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only users with this role.
    pub role: Option<Role>,
    /// 1 to 100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Users ordered by email, optionally of one role.
#[utoipa::path(
    get, path = "/v1/admin/users", tag = "admin", params(UserFilter),
    security(("bearer" = ["users:manage"])),
    responses((status = 200, body = UserPage), (status = 403))
)]
pub async fn list_users(
    State(state): State<AppState>,
    _caller: Require<perm::UsersManage>,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> Result<Json<UserPage>, ApiError> {
    let page = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .parse()?;
    let (items, next_cursor) = users::list(&state.table(), filter.role, &page).await?;
    Ok(Json(UserPage {
        items: items.iter().map(UserView::from).collect(),
        next_cursor,
    }))
}

/// Loads a user another admin action applies to; refuses the caller's own account.
async fn target(state: &AppState, caller: &Caller, id: &str) -> Result<Versioned<User>, ApiError> {
    if id == caller.user_id {
        return Err(ApiError::conflict(
            "cannot_modify_self",
            "Admins cannot change their own role or status; ask another admin.",
        ));
    }
    users::get(&state.table(), id)
        .await?
        .filter(|u| u.value.status != Status::Erased)
        .ok_or_else(|| ApiError::not_found("user_not_found", format!("No user {id}.")))
}

/// Reads the target user, applies `change` and saves it, again from a fresh read when another
/// admin's change landed in between (the caller sent no version, so theirs simply applies
/// last); then records the audit event with the details `change` returned.
async fn update_and_audit<F, Fut>(
    state: &AppState,
    caller: &Caller,
    client: &ClientInfo,
    id: &str,
    action: &'static str,
    change: F,
) -> Result<Json<UserView>, ApiError>
where
    F: Fn(User) -> Fut,
    Fut: std::future::Future<Output = Result<(User, serde_json::Value), ApiError>>,
{
    const ATTEMPTS: usize = 5;
    for attempt in 1..=ATTEMPTS {
        let Versioned { value, version } = target(state, caller, id).await?;
        let (mut user, details) = change(value).await?;
        user.updated_at = time::rfc3339(time::now());
        match users::save(&state.table(), &user, version).await {
            Err(StoreError::ConditionFailed | StoreError::Contended) if attempt < ATTEMPTS => {
                continue;
            }
            saved => saved?,
        };
        state.sessions.forget(&user.id);
        audit::record(
            &state.table(),
            audit::Event {
                action,
                actor: &caller.user_id,
                target: Some(&user.id),
                client,
                details,
            },
        )
        .await?;
        return Ok(Json(UserView::from(&user)));
    }
    unreachable!("the last attempt returns")
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRole {
    pub role: Role,
}

/// Changes a user's role; it applies to their requests within seconds (tokens already issued
/// act with the new role).
#[utoipa::path(
    put, path = "/v1/admin/users/{id}/role", tag = "admin", request_body = SetRole,
    params(("id" = String, Path, description = "User id")),
    security(("bearer" = ["users:manage"])),
    responses((status = 200, body = UserView), (status = 404), (status = 409, description = "`cannot_modify_self`"))
)]
pub async fn set_role(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::UsersManage>,
    client: ClientInfo,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SetRole>,
) -> Result<Json<UserView>, ApiError> {
    update_and_audit(
        &state,
        &caller,
        &client,
        &id,
        "role_changed",
        |mut user| async move {
            let from = user.role;
            user.role = request.role;
            Ok((user, json!({"from": from, "to": request.role})))
        },
    )
    .await
}

/// Disables a user: sign-in is refused and every refresh token stops working at once.
#[utoipa::path(
    post, path = "/v1/admin/users/{id}/disable", tag = "admin",
    params(("id" = String, Path, description = "User id")),
    security(("bearer" = ["users:manage"])),
    responses((status = 200, body = UserView), (status = 404), (status = 409))
)]
pub async fn disable_user(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::UsersManage>,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let table = state.table();
    update_and_audit(
        &state,
        &caller,
        &client,
        &id,
        "user_disabled",
        |mut user| {
            let table = &table;
            async move {
                user.status = Status::Disabled;
                let ended = sessions::revoke_all(table, &user.id, None).await?;
                Ok((user, json!({"sessions_ended": ended})))
            }
        },
    )
    .await
}

/// Enables a disabled user again.
#[utoipa::path(
    post, path = "/v1/admin/users/{id}/enable", tag = "admin",
    params(("id" = String, Path, description = "User id")),
    security(("bearer" = ["users:manage"])),
    responses((status = 200, body = UserView), (status = 404), (status = 409))
)]
pub async fn enable_user(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::UsersManage>,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    update_and_audit(
        &state,
        &caller,
        &client,
        &id,
        "user_enabled",
        |mut user| async move {
            user.status = Status::Active;
            Ok((user, json!({})))
        },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteResponse {
    pub email: String,
    pub role: Role,
    /// The invitation went to the address by email (its token only there, never to the admin).
    pub emailed: bool,
    pub expires_at: String,
}

/// Invites an email to sign up with a role.
#[utoipa::path(
    post, path = "/v1/admin/invites", tag = "admin", request_body = InviteRequest,
    security(("bearer" = ["users:manage"])),
    responses((status = 201, body = InviteResponse), (status = 409, description = "`email_taken`"), (status = 422))
)]
pub async fn invite_user(
    State(state): State<AppState>,
    axum::Extension(context): axum::Extension<crate::AuthContext>,
    Require(caller, _): Require<perm::UsersManage>,
    client: ClientInfo,
    ApiJson(request): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<InviteResponse>), ApiError> {
    let email = normalize_email(&request.email);
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", &email);
    errors.finish()?;
    let table = state.table();
    if users::find_by_email(&table, &email).await?.is_some() {
        return Err(ApiError::conflict(
            "email_taken",
            "An account with this email exists already.",
        ));
    }
    let (invite_token, expires_at) =
        invites::create(&table, &email, request.role, &caller.user_id).await?;
    audit::record(
        &table,
        audit::Event {
            action: "user_invited",
            actor: &caller.user_id,
            target: Some(&email),
            client: &client,
            details: json!({"role": request.role}),
        },
    )
    .await?;
    let inviter = users::get(&table, &caller.user_id)
        .await?
        .map(|u| u.value.name)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| caller.email.clone());
    let links = roomwright_notify::Links::of(&state);
    let letter = roomwright_notify::Mail::Invitation {
        inviter: &inviter,
        role: request.role.as_str(),
        link: &links.account("invite", &invite_token),
        expires_at: &expires_at,
    }
    .to(&email);
    let emailed = super::email::send(&state, &context, &letter, &caller.user_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(InviteResponse {
            email,
            role: request.role,
            emailed,
            expires_at,
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Entries about this user id (or invited/failed-login email).
    pub user: Option<String>,
    /// RFC 3339; entries at or after.
    pub from: Option<String>,
    /// RFC 3339; entries at or before.
    pub to: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// The audit log, newest first, by user and/or time range.
#[utoipa::path(
    get, path = "/v1/admin/audit", tag = "admin", params(AuditFilter),
    security(("bearer" = ["audit:read"])),
    responses((status = 200, body = AuditPage), (status = 403), (status = 422))
)]
pub async fn query_audit(
    State(state): State<AppState>,
    _caller: Require<perm::AuditRead>,
    ApiQuery(filter): ApiQuery<AuditFilter>,
) -> Result<Json<AuditPage>, ApiError> {
    let mut errors = Vec::new();
    let mut parse = |field: &str, text: &Option<String>| {
        text.as_deref().and_then(|t| {
            let parsed = time::parse_rfc3339(t);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    field,
                    "invalid_time",
                    "Use RFC 3339, e.g. 2026-11-22T09:00:00Z.",
                ));
            }
            parsed
        })
    };
    let from = parse("from", &filter.from);
    let to = parse("to", &filter.to);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .parse()?;
    let (items, next_cursor) =
        audit::query(&state.table(), filter.user.as_deref(), from, to, &page).await?;
    Ok(Json(AuditPage { items, next_cursor }))
}
