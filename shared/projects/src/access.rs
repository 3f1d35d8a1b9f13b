//! Who may do what with a project: the caller's role must grant the permission, and the caller
//! must be a member with a sufficient project role (admins may act on any project). Projects a
//! caller cannot see are 404, never 403, so their existence does not leak.

use roomwright_core::{
    ApiError, AppState,
    auth::{Caller, Role},
    dynamo::Versioned,
    etag::IfMatch,
};

use crate::{
    model::{MemberRole, Project},
    store,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any member.
    Read,
    /// Owner or editor.
    Edit,
    /// The owner: sharing, deleting, restoring.
    Own,
}

pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "project_not_found",
        format!("No project {id} that you can see."),
    )
}

/// Loads a project the caller may act on as `need` asks.
pub async fn load(
    state: &AppState,
    caller: &Caller,
    id: &str,
    need: Need,
) -> Result<Versioned<Project>, ApiError> {
    // Ids come from bodies and queries too; no project has a long one.
    if id.is_empty() || id.len() > roomwright_core::http::MAX_PATH_PARAMETER {
        return Err(not_found(id.get(..64).unwrap_or("")));
    }
    let project = store::get(&state.table(), id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let role = match project.value.member(&caller.user_id) {
        Some(member) => member.role,
        None if caller.role == Role::Admin => MemberRole::Owner,
        None => return Err(not_found(id)),
    };
    let enough = match need {
        Need::Read => true,
        Need::Edit => matches!(role, MemberRole::Owner | MemberRole::Editor),
        Need::Own => role == MemberRole::Owner,
    };
    if !enough {
        return Err(ApiError::forbidden(
            "insufficient_project_role",
            match need {
                Need::Own => "Only the project's owner can do this.",
                _ => {
                    "You can view this project but not change it; ask its owner for editor access."
                }
            },
        ));
    }
    if project.value.deleted_at.is_some() && need != Need::Read && need != Need::Own {
        return Err(ApiError::conflict(
            "project_deleted",
            "The project is in the trash; restore it first.",
        ));
    }
    Ok(project)
}

/// Refuses a write based on an older version before any work is done.
pub fn check_version(project: &Versioned<Project>, if_match: IfMatch) -> Result<(), ApiError> {
    if project.version == if_match.0 {
        Ok(())
    } else {
        Err(ApiError::version_mismatch(format!(
            "You sent If-Match \"{}\" but the project is at \"{}\"; read it again and reapply your change.",
            if_match.0, project.version
        )))
    }
}

/// Attempts [`update`] makes while other writers keep moving the project on.
pub const UPDATE_ATTEMPTS: usize = 3;

/// Changes a project the caller may act on as `need` asks: loads it, applies `change`, and
/// writes it over the version read. A concurrent write in between means a fresh load, a fresh
/// access check and `change` applied again, up to [`UPDATE_ATTEMPTS`] times, then 409
/// `project_busy`. `change` refusing leaves the project as it was. Returns what `change`
/// returned and the project as written.
pub async fn update<T, E>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    need: Need,
    mut change: impl FnMut(&mut Project) -> Result<T, E>,
) -> Result<(T, Versioned<Project>), E>
where
    E: From<ApiError>,
{
    for _ in 0..UPDATE_ATTEMPTS {
        let Versioned { mut value, version } = load(state, caller, id, need).await?;
        // Who changed it; `change` says how when not directly (the assistant does).
        value.updated_by = Some(caller.user_id.clone());
        value.updated_via = None;
        let report = change(&mut value)?;
        value.updated_at = roomwright_core::time::sortable(roomwright_core::time::now());
        match store::write(&state.table(), &value, Some(version), &[]).await {
            Ok(version) => return Ok((report, Versioned { value, version })),
            Err(e) if store::is_stale(&e) => continue,
            Err(e) => return Err(ApiError::from(e).into()),
        }
    }
    Err(ApiError::conflict(
        "project_busy",
        "The project kept changing while this change was saved; send it again.",
    )
    .into())
}
