//! Who may see and cancel a job: its owner, members of its project (seeing; editors and the
//! owner also cancelling), and admins. Jobs a caller may not see are 404.

use crate::{Job, store};
use roomwright_core::{
    ApiError, AppState,
    auth::{Caller, Role},
    dynamo::Versioned,
};
use roomwright_projects::access::{self as project_access, Need};

pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found("job_not_found", format!("No job {id} that you can see."))
}

/// Loads a job the caller may act on as `need` asks (`Read` or `Edit`).
pub async fn load(
    state: &AppState,
    caller: &Caller,
    id: &str,
    need: Need,
) -> Result<Versioned<Job>, ApiError> {
    if id.is_empty() || id.len() > roomwright_core::http::MAX_PATH_PARAMETER {
        return Err(not_found(id.get(..64).unwrap_or("")));
    }
    let job = store::get(&state.table(), id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if job.value.owner_id == caller.user_id || caller.role == Role::Admin {
        return Ok(job);
    }
    let Some(project_id) = &job.value.project_id else {
        return Err(not_found(id));
    };
    match project_access::load(state, caller, project_id, need).await {
        Ok(_) => Ok(job),
        // Not a member: the job does not exist for this caller.
        Err(e) if e.status() == http::StatusCode::NOT_FOUND => Err(not_found(id)),
        Err(e) => Err(e),
    }
}
