//! Spend guards on jobs. Every job enters the usage ledger twice: its estimate when submitted
//! (so running jobs count against the budgets at once) and its settlement (actual minus
//! estimate) when it ends. Before a render is queued, in this order: the largest render the
//! caller's role may order (422), the budgets at the job's worst case (402, in
//! [`crate::submit::submit`]), renders per user per day (429) and jobs running per user (429).
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | renders ordered in a day | `RATE#renders#<user>` | `DAY#<yyyy-mm-dd>` (TTL) |
//! | a user's running jobs | `JOBSLOTS#<user>` | `RUNNING` (`jobs`: string set of job ids) |

use crate::{Estimate, Job, Machine, estimate, store};
use ::time::OffsetDateTime;
use aws_sdk_dynamodb::types::AttributeValue;
use roomwright_core::{
    ApiError, FieldError,
    auth::Role,
    dynamo::{StoreError, Table, counter, service_error},
    time,
    usage::{self, Entry, SpendLimits},
};

fn estimate_call(job_id: &str) -> String {
    format!("job:{job_id}:estimate")
}

fn machine_name(machine: Machine) -> &'static str {
    match machine {
        Machine::Gpu => "gpu",
        Machine::Cpu => "cpu",
    }
}

fn job_entry(job: &Job, call_id: String, estimate: &Estimate, at: OffsetDateTime) -> Entry {
    let mut entry = Entry::model_call(
        call_id,
        &job.owner_id,
        job.project_id.clone(),
        machine_name(estimate.machine),
        job.kind.as_str(),
        at,
    );
    entry.compute_seconds = estimate.seconds as i64;
    entry.cost_micro_usd = estimate.cost_micro_usd as i64;
    entry.jobs = 1;
    entry
}

/// Enters a new job's estimate in the ledger (once per job).
pub async fn enter_estimate(table: &Table, job: &Job) -> Result<(), ApiError> {
    let Some(estimate) = job.estimate else {
        return Ok(());
    };
    let entry = job_entry(job, estimate_call(&job.id), &estimate, time::now());
    usage::record(table, &entry).await
}

/// Seconds a finished job ran: from its first start to its end (0 when it never started).
pub fn actual_seconds(job: &Job) -> i64 {
    let at = |t: &Option<String>| {
        t.as_deref()
            .and_then(time::parse_rfc3339)
            .map(|t| t.unix_timestamp())
    };
    match (at(&job.started_at), at(&job.finished_at)) {
        (Some(start), Some(end)) => (end - start).max(0),
        _ => 0,
    }
}

/// Settles a finished job: the ledger gets actual minus estimate (once per job) and the
/// owner's running slot is freed. Called by the state function and by cancel; repeatable.
pub async fn settle(table: &Table, limits: &SpendLimits, job: &Job) -> Result<(), ApiError> {
    release_slot(table, &job.owner_id, &job.id).await?;
    let Some(estimate) = job.estimate else {
        return Ok(());
    };
    let actual = actual_seconds(job);
    let actual_cost = estimate::cost(actual, estimate.machine, limits);
    let mut entry = job_entry(
        job,
        format!("job:{}:settle", job.id),
        &estimate,
        time::now(),
    );
    entry.jobs = 0;
    entry.compute_seconds = actual - estimate.seconds as i64;
    entry.cost_micro_usd = actual_cost - estimate.cost_micro_usd as i64;
    usage::record(table, &entry).await
}

/// Millions of samples a render traces: width x height x samples x cameras.
pub fn megasamples(width: u32, height: u32, samples: u32, cameras: usize) -> u64 {
    (u64::from(width) * u64::from(height) * u64::from(samples) * cameras.max(1) as u64)
        .div_ceil(1_000_000)
}

/// Refuses a render larger than the caller's role may order, or than a job can finish within
/// its longest attempt (422 naming `samples`).
pub fn check_render_size(
    role: Role,
    megasamples: u64,
    limits: &SpendLimits,
) -> Result<(), ApiError> {
    let max = if role == Role::Admin {
        limits.render_max_megasamples_admin
    } else {
        limits.render_max_megasamples
    };
    if megasamples <= max && Estimate::render(megasamples, limits).fits() {
        return Ok(());
    }
    Err(ApiError::validation(vec![FieldError::new(
        "samples",
        "render_too_large",
        format!(
            "This render traces {megasamples} million samples (width x height x samples x \
             cameras); your role may order up to {max} million. Lower the samples, the size or \
             the number of cameras."
        ),
    )]))
}

fn daily_key(user_id: &str, now: OffsetDateTime) -> (String, String) {
    (
        format!("RATE#renders#{user_id}"),
        format!(
            "DAY#{:04}-{:02}-{:02}",
            now.year(),
            now.month() as u8,
            now.day()
        ),
    )
}

/// Takes one of the user's renders for today, or refuses with 429 until midnight UTC.
pub async fn take_daily_render(
    table: &Table,
    limits: &SpendLimits,
    user_id: &str,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let epoch = now.unix_timestamp();
    let (pk, sk) = daily_key(user_id, now);
    if counter::take(
        table,
        &pk,
        &sk,
        limits.renders_per_user_per_day,
        epoch + 2 * 86_400,
    )
    .await?
    {
        return Ok(());
    }
    Err(ApiError::new(
        http::StatusCode::TOO_MANY_REQUESTS,
        "daily_render_limit",
        "Too many renders today",
    )
    .with_detail(format!(
        "You can order {} renders a day; the count starts again at midnight UTC.",
        limits.renders_per_user_per_day
    ))
    .with_retry_after((86_400 - epoch.rem_euclid(86_400)) as u64))
}

/// Gives back a render taken today (the job was not created after all).
pub async fn give_back_daily_render(
    table: &Table,
    user_id: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let (pk, sk) = daily_key(user_id, now);
    counter::give_back(table, &pk, &sk).await
}

fn slots_key(user_id: &str) -> [(&'static str, AttributeValue); 2] {
    [
        ("pk", AttributeValue::S(format!("JOBSLOTS#{user_id}"))),
        ("sk", AttributeValue::S("RUNNING".into())),
    ]
}

/// Adds `job_id` to the user's running jobs unless they already run the limit (a set: adding
/// the same job twice takes one slot).
async fn add_slot(
    table: &Table,
    user_id: &str,
    job_id: &str,
    limit: u32,
) -> Result<bool, ApiError> {
    let [pk, sk] = slots_key(user_id);
    let result = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key(pk.0, pk.1)
        .key(sk.0, sk.1)
        .update_expression("ADD jobs :id")
        .condition_expression(
            "attribute_not_exists(jobs) OR size(jobs) < :limit OR contains(jobs, :one)",
        )
        .expression_attribute_values(":id", AttributeValue::Ss(vec![job_id.to_string()]))
        .expression_attribute_values(":one", AttributeValue::S(job_id.to_string()))
        .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) if roomwright_core::dynamo::is_condition_failure(&e) => Ok(false),
        Err(e) => Err(service_error(e).into()),
    }
}

/// Frees a job's slot (repeatable).
pub async fn release_slot(table: &Table, user_id: &str, job_id: &str) -> Result<(), ApiError> {
    let [pk, sk] = slots_key(user_id);
    table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key(pk.0, pk.1)
        .key(sk.0, sk.1)
        .update_expression("DELETE jobs :id")
        .expression_attribute_values(":id", AttributeValue::Ss(vec![job_id.to_string()]))
        .send()
        .await
        .map_err(|e| ApiError::from(service_error(e)))?;
    Ok(())
}

/// The job ids holding the user's slots.
async fn slot_holders(table: &Table, user_id: &str) -> Result<Vec<String>, ApiError> {
    let [pk, sk] = slots_key(user_id);
    let item = table
        .client()
        .await
        .get_item()
        .table_name(table.name())
        .key(pk.0, pk.1)
        .key(sk.0, sk.1)
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| ApiError::from(service_error(e)))?;
    Ok(item
        .item
        .and_then(|mut i| i.remove("jobs"))
        .and_then(|v| v.as_ss().ok().cloned())
        .unwrap_or_default())
}

/// Takes a running slot for `job_id`, or refuses with 429. A slot whose job has finished
/// without being settled (a lost event) is freed first, so slots cannot leak for good.
pub async fn take_slot(
    table: &Table,
    limits: &SpendLimits,
    user_id: &str,
    job_id: &str,
) -> Result<(), ApiError> {
    let limit = limits.jobs_running_per_user;
    if add_slot(table, user_id, job_id, limit).await? {
        return Ok(());
    }
    let mut freed = false;
    for holder in slot_holders(table, user_id).await? {
        let finished = store::get(table, &holder)
            .await?
            .is_none_or(|j| j.value.status.is_terminal());
        if finished {
            release_slot(table, user_id, &holder).await?;
            freed = true;
        }
    }
    if freed && add_slot(table, user_id, job_id, limit).await? {
        return Ok(());
    }
    Err(ApiError::new(
        http::StatusCode::TOO_MANY_REQUESTS,
        "too_many_running_jobs",
        "Too many jobs running",
    )
    .with_detail(format!(
        "You can have {limit} jobs queued or running at once; wait for one to finish or cancel one."
    ))
    .with_retry_after(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_caps_apply_to_the_whole_render() {
        let limits = SpendLimits::default();
        let largest = megasamples(3840, 2160, 4096, 8);
        assert_eq!(largest, 271_791);
        assert!(check_render_size(Role::Designer, largest, &limits).is_err());
        assert!(
            check_render_size(Role::Admin, largest, &limits).is_err(),
            "15 hours of GPU time fits no job"
        );
        let admin_size = megasamples(3840, 2160, 2048, 1);
        assert!(check_render_size(Role::Designer, admin_size, &limits).is_err());
        assert!(check_render_size(Role::Admin, admin_size, &limits).is_ok());
        let standard = megasamples(1920, 1080, 256, 4);
        assert!(check_render_size(Role::Designer, standard, &limits).is_ok());
        let refused = check_render_size(Role::SalesRep, megasamples(3840, 2160, 1024, 1), &limits)
            .unwrap_err();
        assert_eq!(refused.status(), http::StatusCode::UNPROCESSABLE_ENTITY);
    }
}
