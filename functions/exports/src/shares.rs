//! Share links of a project, for its editors: create, list, revoke; and the project's
//! activity, where what clients say on a link arrives.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use roomwright_core::{
    ApiError, AppState, FieldErrors,
    auth::{Require, perm},
    dynamo::{PageParams, StoreError},
    http::{ApiJson, ApiQuery, Path, idempotency_key},
    time,
};
use roomwright_projects::{
    access::{self, Need},
    shares::{self, Activity, ActivityKind, Share, ShareRequest, ShareState},
    store, versions,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// A share link as its project's editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareView {
    pub id: String,
    /// The page a client opens; anyone with it sees the shared version until it expires.
    pub url: String,
    pub scenario_id: String,
    pub version: u32,
    pub expires_at: String,
    pub show_prices: bool,
    pub allow_feedback: bool,
    pub state: ShareState,
    pub created_by: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// Where the link was emailed (`send_to`), in the answer that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emailed_to: Option<String>,
}

impl ShareView {
    fn of(state: &AppState, share: Share, now: ::time::OffsetDateTime) -> Self {
        Self {
            url: format!(
                "{}/p/{}",
                state.config.jwt_issuer.trim_end_matches('/'),
                share.token
            ),
            state: share.state(now),
            id: share.id,
            scenario_id: share.scenario_id,
            version: share.version,
            expires_at: share.expires_at,
            show_prices: share.show_prices,
            allow_feedback: share.allow_feedback,
            created_by: share.created_by,
            created_at: share.created_at,
            revoked_at: share.revoked_at,
            emailed_to: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareList {
    pub items: Vec<ShareView>,
}

/// A link's id from the caller's `Idempotency-Key`, so a retried create finds the first.
fn share_id(user_id: &str, project_id: &str, key: Option<&str>) -> Option<String> {
    key.map(|key| {
        let digest = Sha256::digest(format!("{user_id}\n{project_id}\n{key}").as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("shr_{hex}")
    })
}

/// Shares one scenario of a saved version with a client through an unguessable link (the
/// project's content now is saved as a new version when no version is given). A draft
/// project goes into review. Retried with the same `Idempotency-Key`, answers the first link.
#[utoipa::path(
    post, path = "/v1/projects/{id}/shares", tag = "proposals", request_body = ShareRequest,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 201, body = ShareView), (status = 200, description = "A retry: the link first made", body = ShareView), (status = 404), (status = 409, description = "`too_many_shares`"), (status = 422))
)]
pub async fn create_share(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ShareRequest>,
) -> Result<(StatusCode, Json<ShareView>), ApiError> {
    let key = idempotency_key(&headers)?;
    let now = time::now();
    let table = state.table();
    let project = access::load(&state, &caller, &id, Need::Edit).await?;
    let fixed_id = share_id(&caller.user_id, &id, key.as_deref());
    if let Some(sid) = &fixed_id
        && let Some(first) = shares::get(&table, &id, sid).await?
    {
        return Ok((
            StatusCode::OK,
            Json(ShareView::of(&state, first.value, now)),
        ));
    }
    let mut errors = FieldErrors::new();
    let expiry = request.expiry(now, &mut errors);
    if let Some(to) = &request.send_to {
        let email = to.email.trim();
        if email.len() > 254 || !email_address::EmailAddress::is_valid(email) {
            errors.add(
                "send_to.email",
                "invalid_email",
                "Enter a valid email address.",
            );
        }
        if to.name.chars().count() > 100 {
            errors.add("send_to.name", "too_long", "Use at most 100 characters.");
        }
    }
    let scenarios = match request.version {
        None => Some(project.value.scenarios.clone()),
        Some(number) => match versions::get(&table, &id, number).await? {
            Some(saved) => Some(saved.snapshot.scenarios),
            None => {
                errors.add(
                    "version",
                    "unknown_version",
                    format!("The project has no version {number}."),
                );
                None
            }
        },
    };
    if let Some(scenarios) = &scenarios
        && !scenarios.iter().any(|s| s.id == request.scenario_id)
    {
        errors.add(
            "scenario_id",
            "unknown_scenario",
            format!("No scenario {} in what is shared.", request.scenario_id),
        );
    }
    errors.finish()?;
    let active = shares::list(&table, &id)
        .await?
        .iter()
        .filter(|s| s.state(now) == ShareState::Active)
        .count();
    if active >= shares::MAX_ACTIVE {
        return Err(ApiError::conflict(
            "too_many_shares",
            format!(
                "A project has at most {} live links; revoke one first.",
                shares::MAX_ACTIVE
            ),
        ));
    }

    let mut project = project;
    let mut pending_version = None;
    let version = match request.version {
        Some(number) => number,
        None => {
            let version = versions::record(
                &table,
                &caller.user_id,
                &mut project.value,
                "Shared with the client".into(),
            )
            .await?;
            let number = version.number;
            // Written with the project below.
            pending_version = Some(version);
            number
        }
    };
    let mut share = Share::new(
        &id,
        &request,
        version,
        expiry.expect("checked"),
        &caller.user_id,
        now,
    );
    if let Some(sid) = fixed_id {
        share.id = sid;
    }
    let mut also = Vec::new();
    if let Some(version) = &pending_version {
        also.push(versions::create_item(&table, &id, version)?);
    }
    also.extend(shares::create_items(&table, &share)?);
    let mut activity = Activity::new(ActivityKind::Shared, now);
    activity.user_id = Some(caller.user_id.clone());
    activity.share_id = Some(share.id.clone());
    activity.version = Some(version);
    if project.value.status == roomwright_projects::model::Status::Draft {
        project.value.status = roomwright_projects::model::Status::InReview;
        activity.status = Some(project.value.status);
    }
    also.push(shares::activity_item(&table, &id, &activity)?);
    project.value.updated_at = time::sortable(now);
    project.value.updated_by = Some(caller.user_id.clone());
    project.value.updated_via = None;
    match store::write_with(&table, &project.value, Some(project.version), &[], also).await {
        Ok(_) => {}
        Err(StoreError::ConditionFailed) => {
            // A racing retry made the same link: answer it; otherwise the project moved on.
            if let Some(first) = shares::get(&table, &id, &share.id).await? {
                return Ok((
                    StatusCode::OK,
                    Json(ShareView::of(&state, first.value, now)),
                ));
            }
            return Err(ApiError::conflict(
                "project_busy",
                "The project changed while the link was made; send it again.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(
        project_id = id,
        share_id = share.id,
        version,
        "project shared"
    );
    let mut view = ShareView::of(&state, share, now);
    if let Some(to) = &request.send_to {
        let email = to.email.trim().to_lowercase();
        let designer = caller.email.clone();
        let pdf = format!("{}/quote.pdf", view.url);
        let letter = roomwright_notify::Mail::QuoteSent {
            client_name: if to.name.trim().is_empty() {
                "there"
            } else {
                to.name.trim()
            },
            designer: &designer,
            project: &project.value.name,
            page_link: &view.url,
            pdf_link: view.show_prices.then_some(pdf.as_str()),
            expires_at: &view.expires_at,
        }
        .to(&email);
        let sent = mailer(&state)
            .send(
                &state,
                &letter,
                roomwright_notify::mail::Meter {
                    call_id: format!("email-{}", view.id),
                    user_id: &caller.user_id,
                    project_id: Some(&id),
                },
            )
            .await?;
        if matches!(sent, roomwright_notify::mail::Sent::Sent { .. }) {
            view.emailed_to = Some(email);
        }
    }
    Ok((StatusCode::CREATED, Json(view)))
}

/// The mailer of this function (`EMAIL_FROM`), made on first use.
fn mailer(state: &AppState) -> std::sync::Arc<roomwright_notify::Mailer> {
    static MAILER: std::sync::OnceLock<std::sync::Arc<roomwright_notify::Mailer>> =
        std::sync::OnceLock::new();
    MAILER
        .get_or_init(|| std::sync::Arc::new(roomwright_notify::Mailer::from_env(state.aws.clone())))
        .clone()
}

/// The project's share links, newest first (editors: the links open the project's content).
#[utoipa::path(
    get, path = "/v1/projects/{id}/shares", tag = "proposals",
    params(("id" = String, Path)), security(("bearer" = ["projects:write"])),
    responses((status = 200, body = ShareList), (status = 404))
)]
pub async fn list_shares(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(id): Path<String>,
) -> Result<Json<ShareList>, ApiError> {
    access::load(&state, &caller, &id, Need::Edit).await?;
    let now = time::now();
    let items = shares::list(&state.table(), &id)
        .await?
        .into_iter()
        .map(|s| ShareView::of(&state, s, now))
        .collect();
    Ok(Json(ShareList { items }))
}

/// Revokes a link: from now on it opens a "not available" page. Revoking twice is the same.
#[utoipa::path(
    delete, path = "/v1/projects/{id}/shares/{share_id}", tag = "proposals",
    params(("id" = String, Path), ("share_id" = String, Path)), security(("bearer" = ["projects:write"])),
    responses((status = 200, body = ShareView), (status = 404))
)]
pub async fn revoke_share(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((id, share_id)): Path<(String, String)>,
) -> Result<Json<ShareView>, ApiError> {
    access::load(&state, &caller, &id, Need::Edit).await?;
    let table = state.table();
    let now = time::now();
    let not_found = || ApiError::not_found("share_not_found", format!("No share {share_id}."));
    let share = shares::get(&table, &id, &share_id)
        .await?
        .ok_or_else(not_found)?;
    if share.value.revoked_at.is_some() {
        return Ok(Json(ShareView::of(&state, share.value, now)));
    }
    let mut activity = Activity::new(ActivityKind::ShareRevoked, now);
    activity.user_id = Some(caller.user_id.clone());
    activity.share_id = Some(share_id.clone());
    activity.version = Some(share.value.version);
    let also = vec![shares::activity_item(&table, &id, &activity)?];
    let revoked = match shares::revoke(&table, share, now, also).await {
        Ok(revoked) => revoked,
        // Revoked meanwhile by another editor.
        Err(StoreError::ConditionFailed) => {
            shares::get(&table, &id, &share_id)
                .await?
                .ok_or_else(not_found)?
                .value
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(project_id = id, share_id, "share revoked");
    Ok(Json(ShareView::of(&state, revoked, now)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<Activity>,
    pub next_cursor: Option<String>,
}

/// What happened on the project, newest first: links shared and revoked, and what clients
/// said on them (approvals, requests for changes, comments) with the status it brought.
#[utoipa::path(
    get, path = "/v1/projects/{id}/activity", tag = "proposals",
    params(("id" = String, Path), PageParams), security(("bearer" = ["projects:read"])),
    responses((status = 200, body = ActivityPage), (status = 404))
)]
pub async fn project_activity(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<ActivityPage>, ApiError> {
    let page = page.parse()?;
    access::load(&state, &caller, &id, Need::Read).await?;
    let (items, next_cursor) = shares::activity(&state.table(), &id, &page).await?;
    Ok(Json(ActivityPage { items, next_cursor }))
}
