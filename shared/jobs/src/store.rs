//! Jobs in the table.
//!
//! | item | pk | sk | gsi1 | gsi2 |
//! | --- | --- | --- | --- | --- |
//! | job | `JOB#<id>` | `JOB` | `PROJECT#<id>#JOBS` / `<created>#<id>` | `USER#<owner>#JOBS` / `<created>#<id>` |
//!
//! Every change after creation is a conditional update of a few attributes, so the API,
//! the dispatcher, the state function and the worker never overwrite each other's fields, and
//! nothing moves a finished job.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::{Job, JobFailure, JobOutput, JobStatus};
use roomwright_core::{
    dynamo::{
        Keys, Page, PageRequest, SortKey, StoreError, Table, Versioned, decode, index,
        service_error,
    },
    time,
};

pub fn job_pk(id: &str) -> String {
    format!("JOB#{id}")
}

const JOB_SK: &str = "JOB";

fn keys(job: &Job) -> Keys {
    let sort = format!("{}#{}", job.created_at, job.id);
    let keys =
        Keys::new(job_pk(&job.id), JOB_SK).gsi2(format!("USER#{}#JOBS", job.owner_id), &sort);
    match &job.project_id {
        Some(project) => keys.gsi1(format!("PROJECT#{project}#JOBS"), sort),
        None => keys,
    }
}

/// What [`create`] found.
pub enum Created {
    New,
    /// A job with this id existed already (a retried submit).
    Existing(Box<Versioned<Job>>),
}

/// Stores a new job, unless one with its id exists.
pub async fn create(table: &Table, job: &Job) -> Result<Created, StoreError> {
    match table.create(&keys(job), job).await {
        Ok(_) => Ok(Created::New),
        Err(StoreError::ConditionFailed) => match get(table, &job.id).await? {
            Some(existing) => Ok(Created::Existing(Box::new(existing))),
            None => Err(StoreError::Corrupt(
                "job vanished after a conflicting create".into(),
            )),
        },
        Err(e) => Err(e),
    }
}

pub async fn get(table: &Table, id: &str) -> Result<Option<Versioned<Job>>, StoreError> {
    table.get(&job_pk(id), JOB_SK).await
}

/// A project's jobs, newest first.
pub async fn list_for_project(
    table: &Table,
    project_id: &str,
    page: &PageRequest,
) -> Result<Page<Versioned<Job>>, StoreError> {
    let partition = format!("PROJECT#{project_id}#JOBS");
    table
        .query(Some(index::GSI1), &partition, SortKey::Any, page, true)
        .await
}

/// A user's jobs, newest first.
pub async fn list_for_owner(
    table: &Table,
    owner_id: &str,
    page: &PageRequest,
) -> Result<Page<Versioned<Job>>, StoreError> {
    let partition = format!("USER#{owner_id}#JOBS");
    table
        .query(Some(index::GSI2), &partition, SortKey::Any, page, true)
        .await
}

/// One conditional update: `SET` clauses, the condition, and the values both use. The names
/// `#status` and `#version` are always bound; the version goes up by one.
struct Update {
    set: Vec<String>,
    condition: String,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Update {
    fn new(condition: &str) -> Self {
        let names = HashMap::from([
            ("#status".to_string(), "status".to_string()),
            ("#version".to_string(), "version".to_string()),
        ]);
        let mut values = HashMap::new();
        values.insert(":one".to_string(), AttributeValue::N("1".into()));
        values.insert(
            ":now".to_string(),
            AttributeValue::S(time::rfc3339(time::now())),
        );
        Self {
            set: vec![
                "updated_at = :now".into(),
                "#version = #version + :one".into(),
            ],
            condition: condition.to_string(),
            names,
            values,
        }
    }

    /// Binds the terminal statuses as `:t0`..`:t2` for `NOT #status IN (:t0, :t1, :t2)`.
    fn not_terminal(condition: &str) -> Self {
        let mut update = Self::new(&format!(
            "attribute_exists(pk) AND NOT #status IN (:t0, :t1, :t2){condition}"
        ));
        for (i, status) in JobStatus::TERMINAL.iter().enumerate() {
            update = update.value(&format!(":t{i}"), s(status.as_str()));
        }
        update
    }

    fn set(mut self, clause: &str) -> Self {
        self.set.push(clause.to_string());
        self
    }

    fn value(mut self, name: &str, value: AttributeValue) -> Self {
        self.values.insert(name.to_string(), value);
        self
    }

    /// Runs the update; `None` when the condition refused it.
    async fn run(self, table: &Table, id: &str) -> Result<Option<Versioned<Job>>, StoreError> {
        let result = table
            .client()
            .await
            .update_item()
            .table_name(table.name())
            .key("pk", s(&job_pk(id)))
            .key("sk", s(JOB_SK))
            .update_expression(format!("SET {}", self.set.join(", ")))
            .condition_expression(self.condition)
            .set_expression_attribute_names(Some(self.names))
            .set_expression_attribute_values(Some(self.values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Some(decode(output.attributes.unwrap_or_default())?)),
            Err(e) if roomwright_core::dynamo::is_condition_failure(&e) => Ok(None),
            Err(e) => Err(service_error(e)),
        }
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn to_attribute<T: serde::Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Records the Batch job the dispatcher submitted; `None` when the job is no longer queued
/// (cancelled meanwhile, or another delivery of the message submitted it first).
pub async fn mark_submitted(
    table: &Table,
    id: &str,
    batch_job_id: &str,
) -> Result<Option<Versioned<Job>>, StoreError> {
    Update::new("#status = :queued")
        .value(":queued", s(JobStatus::Queued.as_str()))
        .set("#status = :submitted")
        .value(":submitted", s(JobStatus::Submitted.as_str()))
        .set("batch_job_id = :batch")
        .value(":batch", s(batch_job_id))
        .set("state_seq = :seq")
        .value(":seq", n(JobStatus::Submitted.sequence(0)))
        .run(table, id)
        .await
}

/// The stage of a job whose worker recorded its outputs.
pub const DONE_STAGE: &str = "done";

/// A state Batch reported.
#[derive(Debug, Clone, PartialEq)]
pub struct StateChange {
    /// The Batch job the state is of; `None` for a job that never reached Batch.
    pub batch_job_id: Option<String>,
    pub status: JobStatus,
    /// Attempts finished before this state.
    pub finished_attempts: u32,
    /// Why the job failed, for `Failed`.
    pub failure: Option<JobFailure>,
}

/// Applies a Batch state unless a later one (or a final state) was applied already, or it is
/// about another Batch job (a duplicate submission the dispatcher terminated). Returns the job
/// after the change, `None` when the event was stale, repeated or not this job's.
pub async fn apply_state(
    table: &Table,
    id: &str,
    change: &StateChange,
) -> Result<Option<Versioned<Job>>, StoreError> {
    let seq = change.status.sequence(change.finished_attempts);
    let attempts = change.finished_attempts + u32::from(change.status == JobStatus::Running);
    let mut update = match &change.batch_job_id {
        Some(batch) => Update::not_terminal(" AND state_seq < :seq AND batch_job_id = :batch")
            .value(":batch", s(batch)),
        None => {
            Update::not_terminal(" AND state_seq < :seq AND attribute_not_exists(batch_job_id)")
        }
    }
    .set("#status = :status")
    .value(":status", s(change.status.as_str()))
    .set("state_seq = :seq")
    .value(":seq", n(seq))
    .set("attempts = :attempts")
    .value(":attempts", n(attempts));
    match change.status {
        JobStatus::Running => update = update.set("started_at = if_not_exists(started_at, :now)"),
        status if status.is_terminal() => update = update.set("finished_at = :now"),
        _ => {}
    }
    if change.status == JobStatus::Succeeded {
        update = update
            .set("progress_pct = :hundred")
            .value(":hundred", n(100));
    }
    if let Some(failure) = &change.failure {
        // A worker that explained its failure (bad input) is more useful than Batch's reason.
        update = update
            .set("#error = if_not_exists(#error, :failure)")
            .value(":failure", to_attribute(failure)?);
        update.names.insert("#error".into(), "error".into());
    }
    update.run(table, id).await
}

/// The worker's progress; refused once the job is final or its outputs are recorded (a late
/// report must not move it back).
pub async fn report_progress(
    table: &Table,
    id: &str,
    percent: u8,
    stage: &str,
) -> Result<bool, StoreError> {
    Ok(
        Update::not_terminal(" AND (attribute_not_exists(stage) OR stage <> :done)")
            .value(":done", s(DONE_STAGE))
            .set("progress_pct = :pct")
            .value(":pct", n(percent.min(100)))
            .set("stage = :stage")
            .value(":stage", s(stage))
            .run(table, id)
            .await?
            .is_some(),
    )
}

/// The worker's results.
pub async fn record_outputs(
    table: &Table,
    id: &str,
    outputs: &[JobOutput],
) -> Result<bool, StoreError> {
    Ok(Update::not_terminal("")
        .set("outputs = :outputs")
        .value(":outputs", to_attribute(&outputs)?)
        .set("progress_pct = :hundred")
        .value(":hundred", n(100))
        .set("stage = :stage")
        .value(":stage", s(DONE_STAGE))
        .run(table, id)
        .await?
        .is_some())
}

/// A failure the worker understood (its input is unusable); Batch's FAILED event follows.
pub async fn record_failure(
    table: &Table,
    id: &str,
    failure: &JobFailure,
) -> Result<bool, StoreError> {
    let mut update = Update::not_terminal("")
        .set("#error = :failure")
        .value(":failure", to_attribute(failure)?);
    update.names.insert("#error".into(), "error".into());
    Ok(update.run(table, id).await?.is_some())
}

/// Cancels a job that has not finished; `None` when it had.
pub async fn cancel(table: &Table, id: &str) -> Result<Option<Versioned<Job>>, StoreError> {
    Update::not_terminal("")
        .set("#status = :cancelled")
        .value(":cancelled", s(JobStatus::Cancelled.as_str()))
        .set("finished_at = :now")
        .run(table, id)
        .await
}
