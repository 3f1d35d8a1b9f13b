//! Sharing a project with other users.

use axum::extract::State;
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState,
    auth::{Require, perm},
    etag::IfMatch,
    http::ApiJson,
    users::find_user_by_email,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Tagged, projects::commit};
use roomwright_projects::{
    access::{self, Need},
    model::{Member, MemberRole, Project},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub email: String,
    /// `viewer` or `editor`.
    pub role: MemberRole,
}

/// Shares the project with a user by email (owner only), or changes their project role.
#[utoipa::path(
    post, path = "/v1/projects/{id}/members", tag = "projects", request_body = NewMember,
    params(("id" = String, Path), ("If-Match" = String, Header)), security(("bearer" = ["projects:write"])),
    responses((status = 200, body = Project), (status = 404), (status = 412), (status = 422))
)]
pub async fn add_member(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(id): Path<String>,
    if_match: IfMatch,
    ApiJson(new): ApiJson<NewMember>,
) -> Result<Tagged, ApiError> {
    if new.role == MemberRole::Owner {
        return Err(ApiError::validation(vec![
            roomwright_core::FieldError::new(
                "role",
                "invalid",
                "Members are viewer or editor; a project has one owner.",
            ),
        ]));
    }
    let mut project = access::load(&state, &caller, &id, Need::Own).await?;
    access::check_version(&project, if_match)?;
    let Some(user) = find_user_by_email(&state.table(), &new.email).await? else {
        return Err(ApiError::validation(vec![
            roomwright_core::FieldError::new(
                "email",
                "unknown_user",
                "No active account has this email; invite them first.",
            ),
        ]));
    };
    if !user.verified {
        return Err(ApiError::validation(vec![
            roomwright_core::FieldError::new(
                "email",
                "email_not_verified",
                "This person has not confirmed their email address yet; projects are shared \
                 only with confirmed addresses. They can ask for a new link after signing in.",
            ),
        ]));
    }
    let members = &mut project.value.members;
    match members.iter().position(|m| m.user_id == user.id) {
        Some(i) if members[i].role == MemberRole::Owner => {
            return Err(ApiError::conflict(
                "cannot_change_owner",
                "The owner is always a member.",
            ));
        }
        Some(i) => members[i].role = new.role,
        None if members.len() >= 50 => {
            return Err(ApiError::conflict(
                "too_many_members",
                "A project is shared with at most 50 people.",
            ));
        }
        None => members.push(Member {
            user_id: user.id,
            email: user.email,
            role: new.role,
        }),
    }
    commit(&state, &caller, project.value, project.version, &[]).await
}

/// Stops sharing the project with a user (owner only).
#[utoipa::path(
    delete, path = "/v1/projects/{id}/members/{user_id}", tag = "projects",
    params(("id" = String, Path), ("user_id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 200, body = Project), (status = 404), (status = 409), (status = 412))
)]
pub async fn remove_member(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((id, user_id)): Path<(String, String)>,
    if_match: IfMatch,
) -> Result<Tagged, ApiError> {
    let mut project = access::load(&state, &caller, &id, Need::Own).await?;
    access::check_version(&project, if_match)?;
    match project.value.member(&user_id).map(|m| m.role) {
        None => {
            return Err(ApiError::not_found(
                "member_not_found",
                format!("{user_id} is not a member."),
            ));
        }
        Some(MemberRole::Owner) => {
            return Err(ApiError::conflict(
                "cannot_change_owner",
                "The owner cannot be removed.",
            ));
        }
        Some(_) => project.value.members.retain(|m| m.user_id != user_id),
    }
    commit(&state, &caller, project.value, project.version, &[user_id]).await
}
