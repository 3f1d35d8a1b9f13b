//! The state function (EventBridge "Batch Job State Change"): follows Batch into the job
//! record. Events arrive at least once and in any order; [`JobStatus::sequence`] orders them
//! and the conditional write in [`store::apply_state`] ignores stale and repeated ones, so
//! each transition is applied (and its webhook sent) once.

use roomwright_core::{ApiError, AppState};
use roomwright_jobs::{JOB_ID_TAG, JOB_ID_VAR, JobFailure, JobStatus, store};
use serde_json::Value;

use roomwright_jobs::webhook;

/// What the state function did with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied(JobStatus),
    /// Stale, repeated, or about a finished job.
    Ignored,
    /// Not one of our jobs, or a status we do not follow.
    NotOurs,
}

/// Our job id: from the tag the dispatcher sets, else the worker's environment.
fn job_id(detail: &Value) -> Option<String> {
    if let Some(id) = detail["tags"][JOB_ID_TAG].as_str() {
        return Some(id.to_string());
    }
    detail["container"]["environment"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == JOB_ID_VAR)
        .and_then(|e| e["value"].as_str())
        .map(str::to_owned)
}

/// Why a Batch job failed, in words: timeouts, lost hosts, and crashes are told apart.
pub fn failure(detail: &Value) -> JobFailure {
    let attempts = detail["attempts"].as_array().map_or(0, Vec::len);
    let status_reason = detail["statusReason"].as_str().unwrap_or_default();
    let last = detail["attempts"].as_array().and_then(|a| a.last());
    let exit_code = last.and_then(|a| a["container"]["exitCode"].as_i64());
    let reason = last
        .and_then(|a| {
            a["container"]["reason"]
                .as_str()
                .or(a["statusReason"].as_str())
        })
        .unwrap_or_default();
    let (code, what) = if status_reason.contains("timeout") || reason.contains("timeout") {
        ("timed_out", "The job ran out of time")
    } else if status_reason.starts_with("Host EC2") || reason.starts_with("Host EC2") {
        (
            "infrastructure",
            "The GPU host was lost (for example, a Spot reclaim)",
        )
    } else if exit_code.is_some() {
        ("worker_crashed", "The worker failed")
    } else {
        ("failed", "The job failed")
    };
    let mut message = format!(
        "{what} after {attempts} attempt{}",
        if attempts == 1 { "" } else { "s" }
    );
    if let Some(code) = exit_code {
        message.push_str(&format!("; last exit code {code}"));
    }
    for text in [reason, status_reason] {
        if !text.is_empty() && !message.contains(text) {
            message.push_str(&format!("; {text}"));
        }
    }
    message.push('.');
    JobFailure {
        code: code.into(),
        message,
    }
}

/// Applies one EventBridge event (the whole event, `detail` holding the Batch job).
pub async fn handle(state: &AppState, event: &Value) -> Result<Outcome, ApiError> {
    let detail = &event["detail"];
    let (Some(id), Some(status)) = (
        job_id(detail),
        detail["status"].as_str().and_then(JobStatus::from_batch),
    ) else {
        return Ok(Outcome::NotOurs);
    };
    let finished_attempts = detail["attempts"].as_array().map_or(0, Vec::len) as u32;
    let change = store::StateChange {
        batch_job_id: detail["jobId"].as_str().map(str::to_owned),
        status,
        finished_attempts,
        failure: (status == JobStatus::Failed).then(|| failure(detail)),
    };
    let Some(job) = store::apply_state(&state.table(), &id, &change).await? else {
        tracing::info!(
            job_id = id,
            status = status.as_str(),
            finished_attempts,
            "state event ignored (stale, repeated or job finished)"
        );
        return Ok(Outcome::Ignored);
    };
    tracing::info!(
        job_id = id,
        status = status.as_str(),
        finished_attempts,
        "job state applied"
    );
    if status.is_terminal() {
        roomwright_jobs::spend::settle(&state.table(), &state.config.spend, &job.value).await?;
        if let Some(target) = job.value.webhook.clone() {
            webhook::deliver(state, &target, &job.value, 1).await;
        }
    }
    Ok(Outcome::Applied(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failures_say_what_happened() {
        let crash = json!({"statusReason": "Essential container in task exited",
            "attempts": [{"container": {"exitCode": 139}}, {"container": {"exitCode": 139, "reason": "Segmentation fault"}}]});
        let f = failure(&crash);
        assert_eq!(f.code, "worker_crashed");
        assert_eq!(
            f.message,
            "The worker failed after 2 attempts; last exit code 139; Segmentation fault; Essential container in task exited."
        );
        let timeout =
            json!({"statusReason": "Job attempt duration exceeded timeout", "attempts": [{}]});
        assert_eq!(failure(&timeout).code, "timed_out");
        let spot =
            json!({"statusReason": "Host EC2 (instance i-0abc) terminated.", "attempts": [{}]});
        assert_eq!(failure(&spot).code, "infrastructure");
    }

    #[test]
    fn finds_our_id_by_tag_or_environment() {
        assert_eq!(
            job_id(&json!({"tags": {"roomwright:job_id": "job_1"}})).as_deref(),
            Some("job_1")
        );
        let env = json!({"container": {"environment": [{"name": "ROOMWRIGHT_JOB_ID", "value": "job_2"}]}});
        assert_eq!(job_id(&env).as_deref(), Some("job_2"));
        assert_eq!(job_id(&json!({})), None);
    }
}
