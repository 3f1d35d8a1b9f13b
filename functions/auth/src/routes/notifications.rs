//! The in-app inbox and the email preferences.

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState,
    auth::Caller,
    dynamo::PageParams,
    http::{ApiJson, ApiQuery, NoBody, Path},
};
use roomwright_notify::{
    inbox::{self, Notification},
    prefs::{self, EmailPreferences},
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// Unread notifications in all (at most 999).
    pub unread: u32,
    pub next_cursor: Option<String>,
}

/// The caller's notifications, newest first, with the unread count.
#[utoipa::path(
    get, path = "/v1/notifications", tag = "notifications", params(PageParams),
    security(("bearer" = [])),
    responses((status = 200, body = NotificationPage), (status = 422))
)]
pub async fn list_notifications(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<NotificationPage>, ApiError> {
    let page = page.parse()?;
    let (items, next_cursor, unread) = inbox::list(&state.table(), &caller.user_id, &page).await?;
    Ok(Json(NotificationPage {
        items,
        unread,
        next_cursor,
    }))
}

/// Marks one notification read.
#[utoipa::path(
    post, path = "/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 400, description = "`unexpected_body`"), (status = 404, description = "`notification_not_found`"))
)]
pub async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    let known = id.starts_with("ntf_") && id.len() <= 64;
    if !known || !inbox::mark_read(&state.table(), &caller.user_id, &id).await? {
        return Err(ApiError::not_found(
            "notification_not_found",
            "You have no notification with this id.",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Marks every notification read.
#[utoipa::path(
    post, path = "/v1/notifications/read-all", tag = "notifications",
    security(("bearer" = [])), responses((status = 204), (status = 400, description = "`unexpected_body`"))
)]
pub async fn mark_all_read(
    State(state): State<AppState>,
    caller: Caller,
    _: NoBody,
) -> Result<StatusCode, ApiError> {
    inbox::mark_all_read(&state.table(), &caller.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which notifications the caller also gets by email.
#[utoipa::path(
    get, path = "/v1/me/notification-preferences", tag = "notifications",
    security(("bearer" = [])), responses((status = 200, body = EmailPreferences))
)]
pub async fn get_preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<EmailPreferences>, ApiError> {
    Ok(Json(prefs::get(&state.table(), &caller.user_id).await?))
}

/// Sets which notifications the caller also gets by email (topics left out stay on).
#[utoipa::path(
    put, path = "/v1/me/notification-preferences", tag = "notifications",
    request_body = EmailPreferences, security(("bearer" = [])),
    responses((status = 200, body = EmailPreferences), (status = 422))
)]
pub async fn put_preferences(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(preferences): ApiJson<EmailPreferences>,
) -> Result<Json<EmailPreferences>, ApiError> {
    prefs::put(&state.table(), &caller.user_id, &preferences).await?;
    Ok(Json(preferences))
}
