//! AWS Batch's part, played locally. The dispatcher submits to the Batch API (moto locally),
//! which records the job but runs nothing; this runner finds the submitted jobs, runs each
//! job definition's command as a child process with the environment a Batch container gets
//! (the job definition's and the submit's variables, `AWS_BATCH_JOB_ID`,
//! `AWS_BATCH_JOB_ATTEMPT`), applies the definition's retry strategy (`attempts`,
//! `evaluateOnExit`) and attempt timeout, and feeds the state function the same "Batch Job
//! State Change" events AWS would send. Like a compute environment, it runs only as many jobs
//! at once as its vCPUs hold (each takes its definition's `VCPU` requirement); the others wait
//! RUNNABLE.

use std::{
    collections::{BTreeMap, HashSet},
    os::unix::process::ExitStatusExt,
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::Semaphore;

use aws_sdk_batch::types::{EvaluateOnExit, RetryAction};
use roomwright_core::{AppState, time};
use roomwright_jobs::{JOB_ID_TAG, JobStatus, store};
use serde_json::{Value, json};

use roomwright_jobs_api::state;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Retry,
    Exit,
}

/// Batch's patterns: exact, or a prefix ending in `*`.
fn matches(pattern: Option<&str>, value: &str) -> bool {
    match pattern {
        None => true,
        Some(p) => match p.strip_suffix('*') {
            Some(prefix) => value.starts_with(prefix),
            None => p == value,
        },
    }
}

/// Batch's `evaluateOnExit`: the first rule whose every condition matches decides; with no
/// match, the attempt is retried (while attempts remain).
pub fn decide(
    rules: &[EvaluateOnExit],
    exit_code: i32,
    reason: &str,
    status_reason: &str,
) -> Action {
    let code = exit_code.to_string();
    for rule in rules {
        if matches(rule.on_exit_code(), &code)
            && matches(rule.on_reason(), reason)
            && matches(rule.on_status_reason(), status_reason)
        {
            // Compared as text: moto answers `exit` where AWS says `EXIT`.
            let exit = rule
                .action()
                .is_some_and(|a| a.as_str().eq_ignore_ascii_case(RetryAction::Exit.as_str()));
            return if exit { Action::Exit } else { Action::Retry };
        }
    }
    Action::Retry
}

/// The local Batch.
pub struct LocalBatch {
    pub state: AppState,
    /// The job queues the dispatcher submits to (GPU and CPU).
    pub queues: Vec<String>,
    /// The program each job definition command runs, by the command's first word (in the
    /// container, `render-worker` is on the PATH; locally it is a path in `target/`).
    pub programs: BTreeMap<String, Vec<String>>,
    /// Variables every local container gets besides the job's (the local AWS endpoint).
    pub env: Vec<(String, String)>,
    /// The compute environment's vCPUs, taken by running jobs.
    vcpus: Arc<Semaphore>,
    max_vcpus: u32,
    seen: HashSet<String>,
}

/// One submitted Batch job, as DescribeJobs and DescribeJobDefinitions tell it.
#[derive(Debug, Clone)]
struct Submitted {
    batch_id: String,
    name: String,
    command: Vec<String>,
    environment: Vec<(String, String)>,
    tags: BTreeMap<String, String>,
    timeout: Option<Duration>,
    attempts: u32,
    rules: Vec<EvaluateOnExit>,
    /// The definition's `VCPU` requirement.
    vcpus: u32,
}

/// How one attempt ended.
struct Ended {
    exit_code: i32,
    reason: String,
    status_reason: String,
    cancelled: bool,
}

impl LocalBatch {
    /// A local Batch whose compute environment has `max_vcpus`.
    pub fn new(
        state: AppState,
        queues: Vec<String>,
        programs: BTreeMap<String, Vec<String>>,
        env: Vec<(String, String)>,
        max_vcpus: u32,
    ) -> Self {
        let max_vcpus = max_vcpus.max(1);
        Self {
            state,
            queues,
            programs,
            env,
            vcpus: Arc::new(Semaphore::new(max_vcpus as usize)),
            max_vcpus,
            seen: HashSet::new(),
        }
    }

    /// Starts every job submitted since the last call; returns their tasks.
    pub async fn poll(&mut self) -> Result<Vec<tokio::task::JoinHandle<()>>, String> {
        let batch = self.state.aws.batch().await;
        let mut summaries = Vec::new();
        for queue in &self.queues {
            let listed = batch
                .list_jobs()
                .job_queue(queue)
                // moto records a submitted job as SUCCEEDED at once without running it.
                .job_status(aws_sdk_batch::types::JobStatus::Succeeded)
                .send()
                .await
                .map_err(|e| {
                    format!("ListJobs: {}", aws_sdk_batch::error::DisplayErrorContext(e))
                })?;
            summaries.extend(listed.job_summary_list.unwrap_or_default());
        }
        let mut started = Vec::new();
        for summary in &summaries {
            let id = summary.job_id().unwrap_or_default().to_string();
            if !self.seen.insert(id.clone()) {
                continue;
            }
            let submitted = match self.describe(&id).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(batch_job_id = id, error = %e, "local Batch: cannot describe job");
                    continue;
                }
            };
            let Some(program) = submitted
                .command
                .first()
                .and_then(|c| self.programs.get(c))
                .cloned()
            else {
                tracing::warn!(batch_job_id = id, command = ?submitted.command, "local Batch: no local program for this command");
                continue;
            };
            let state = self.state.clone();
            let env = self.env.clone();
            let vcpus = self.vcpus.clone();
            let need = submitted.vcpus.clamp(1, self.max_vcpus);
            started.push(tokio::spawn(async move {
                run(state, submitted, program, env, (vcpus, need)).await;
            }));
        }
        Ok(started)
    }

    /// Polls every `every` until the process ends.
    pub fn spawn(mut self, every: Duration) {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.poll().await {
                    tracing::warn!(error = %e, "local Batch: poll failed");
                }
                tokio::time::sleep(every).await;
            }
        });
    }

    async fn describe(&self, id: &str) -> Result<Submitted, String> {
        let batch = self.state.aws.batch().await;
        let jobs = batch.describe_jobs().jobs(id).send().await.map_err(|e| {
            format!(
                "DescribeJobs: {}",
                aws_sdk_batch::error::DisplayErrorContext(e)
            )
        })?;
        let job = jobs.jobs().first().ok_or("DescribeJobs: no such job")?;
        let definitions = batch
            .describe_job_definitions()
            .job_definitions(job.job_definition().unwrap_or_default())
            .send()
            .await
            .map_err(|e| {
                format!(
                    "DescribeJobDefinitions: {}",
                    aws_sdk_batch::error::DisplayErrorContext(e)
                )
            })?;
        let definition = definitions.job_definitions().first();
        let strategy = definition.and_then(|d| d.retry_strategy()).cloned();
        let vcpus = definition
            .and_then(|d| d.container_properties())
            .and_then(|c| {
                c.resource_requirements()
                    .iter()
                    .find(|r| r.r#type() == Some(&aws_sdk_batch::types::ResourceType::Vcpu))
                    .and_then(|r| r.value()?.parse().ok())
            })
            .unwrap_or(1);
        let container = job.container();
        Ok(Submitted {
            batch_id: id.to_string(),
            name: job.job_name().unwrap_or_default().to_string(),
            command: container.map(|c| c.command().to_vec()).unwrap_or_default(),
            environment: container
                .map(|c| {
                    c.environment()
                        .iter()
                        .filter_map(|kv| Some((kv.name()?.to_string(), kv.value()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            tags: job
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            timeout: job
                .timeout()
                .and_then(|t| t.attempt_duration_seconds())
                .map(|s| Duration::from_secs(s.max(1) as u64)),
            attempts: strategy
                .as_ref()
                .and_then(|s| s.attempts())
                .unwrap_or(1)
                .clamp(1, 10) as u32,
            rules: strategy
                .map(|s| s.evaluate_on_exit().to_vec())
                .unwrap_or_default(),
            vcpus,
        })
    }
}

/// The event Batch sends for a state of `job`, after `attempts`.
fn event(job: &Submitted, status: &str, status_reason: &str, attempts: &[Value]) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Batch Job State Change",
        "source": "aws.batch",
        "time": time::rfc3339(time::now()),
        "detail": {
            "jobId": job.batch_id,
            "jobName": job.name,
            "status": status,
            "statusReason": status_reason,
            "attempts": attempts,
            "tags": job.tags,
            "container": {
                "command": job.command,
                "environment": job.environment.iter()
                    .map(|(name, value)| json!({"name": name, "value": value}))
                    .collect::<Vec<_>>(),
            },
        },
    })
}

async fn emit(state: &AppState, job: &Submitted, status: &str, reason: &str, attempts: &[Value]) {
    if let Err(e) = state::handle(state, &event(job, status, reason, attempts)).await {
        tracing::warn!(batch_job_id = job.batch_id, status, error = ?e, "local Batch: state event failed");
    }
}

/// Runs a job's attempts as Batch would.
async fn run(
    state: AppState,
    job: Submitted,
    program: Vec<String>,
    env: Vec<(String, String)>,
    (vcpus, need): (Arc<Semaphore>, u32),
) {
    let ours = job.tags.get(JOB_ID_TAG).cloned().unwrap_or_default();
    // The dispatcher terminates duplicates; skip anything not the job's own Batch job.
    let runs = |state: AppState, ours: String, batch_id: String| async move {
        matches!(store::get(&state.table(), &ours).await, Ok(Some(record))
            if record.value.batch_job_id.as_deref() == Some(batch_id.as_str())
                && !record.value.status.is_terminal())
    };
    if !runs(state.clone(), ours.clone(), job.batch_id.clone()).await {
        return;
    }
    let mut attempts: Vec<Value> = Vec::new();
    emit(&state, &job, "RUNNABLE", "", &attempts).await;
    // Waits RUNNABLE for room on the compute environment, as on Batch.
    let Ok(_room) = vcpus.acquire_many_owned(need).await else {
        return;
    };
    // Cancelled while it waited.
    if !runs(state.clone(), ours.clone(), job.batch_id.clone()).await {
        return;
    }
    emit(&state, &job, "STARTING", "", &attempts).await;
    loop {
        emit(&state, &job, "RUNNING", "", &attempts).await;
        let started = time::now();
        let ended = attempt(&state, &job, &program, &env, &ours, attempts.len() + 1).await;
        attempts.push(json!({
            "container": {"exitCode": ended.exit_code, "reason": ended.reason},
            "startedAt": started.unix_timestamp() * 1000,
            "stoppedAt": time::now().unix_timestamp() * 1000,
            "statusReason": ended.status_reason,
        }));
        if ended.exit_code == 0 && !ended.cancelled {
            emit(
                &state,
                &job,
                "SUCCEEDED",
                "Essential container in task exited",
                &attempts,
            )
            .await;
            return;
        }
        let retry = !ended.cancelled
            && (attempts.len() as u32) < job.attempts
            && decide(
                &job.rules,
                ended.exit_code,
                &ended.reason,
                &ended.status_reason,
            ) == Action::Retry;
        if !retry {
            emit(&state, &job, "FAILED", &ended.status_reason, &attempts).await;
            return;
        }
        emit(&state, &job, "RUNNABLE", "", &attempts).await;
    }
}

/// One attempt: the program in a fresh environment, stopped on timeout or cancellation.
async fn attempt(
    state: &AppState,
    job: &Submitted,
    program: &[String],
    env: &[(String, String)],
    ours: &str,
    number: usize,
) -> Ended {
    let mut command = tokio::process::Command::new(&program[0]);
    command
        .args(&program[1..])
        .args(job.command.iter().skip(1))
        .env_clear()
        .envs(
            ["PATH", "HOME", "TMPDIR", "RUST_LOG"]
                .iter()
                .filter_map(|k| Some((*k, std::env::var(k).ok()?))),
        )
        .envs(job.environment.iter().map(|(k, v)| (k, v)))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("AWS_BATCH_JOB_ID", &job.batch_id)
        .env("AWS_BATCH_JOB_ATTEMPT", number.to_string())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Ended {
                exit_code: 127,
                reason: format!("CannotStartContainerError: {e}"),
                status_reason: "Essential container in task exited".into(),
                cancelled: false,
            };
        }
    };
    let started = Instant::now();
    loop {
        tokio::select! {
            status = child.wait() => {
                let status = status.expect("waiting on a child");
                let (exit_code, reason) = match (status.code(), status.signal()) {
                    (Some(code), _) => (code, String::new()),
                    (None, Some(signal)) => (128 + signal, format!("Worker killed by signal {signal}")),
                    _ => (1, String::new()),
                };
                return Ended {
                    exit_code,
                    reason,
                    status_reason: "Essential container in task exited".into(),
                    cancelled: false,
                };
            }
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                if job.timeout.is_some_and(|t| started.elapsed() > t) {
                    let _ = child.kill().await;
                    return Ended {
                        exit_code: 137,
                        reason: String::new(),
                        status_reason: "Job attempt duration exceeded timeout".into(),
                        cancelled: false,
                    };
                }
                // TerminateJob, as the cancel route asks of Batch.
                let cancelled = matches!(
                    store::get(&state.table(), ours).await,
                    Ok(Some(j)) if j.value.status == JobStatus::Cancelled
                );
                if cancelled {
                    let _ = child.kill().await;
                    return Ended {
                        exit_code: 137,
                        reason: String::new(),
                        status_reason: "Cancelled by the user".into(),
                        cancelled: true,
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(exit: Option<&str>, status: Option<&str>, action: RetryAction) -> EvaluateOnExit {
        EvaluateOnExit::builder()
            .set_on_exit_code(exit.map(str::to_owned))
            .set_on_status_reason(status.map(str::to_owned))
            .action(action)
            .build()
    }

    #[test]
    fn evaluates_on_exit_like_batch() {
        let rules = [
            rule(None, Some("Host EC2*"), RetryAction::Retry),
            rule(Some("2"), None, RetryAction::Exit),
            rule(Some("*"), None, RetryAction::Retry),
        ];
        assert_eq!(
            decide(&rules, 2, "", "Essential container in task exited"),
            Action::Exit
        );
        assert_eq!(
            decide(&rules, 139, "", "Essential container in task exited"),
            Action::Retry
        );
        assert_eq!(
            decide(&rules, 2, "", "Host EC2 (instance i-1) terminated."),
            Action::Retry
        );
        assert_eq!(decide(&[], 1, "", ""), Action::Retry);
        assert!(!matches(Some("13"), "139") && matches(Some("13*"), "139"));
        let lower = [rule(Some("2"), None, RetryAction::from("exit"))];
        assert_eq!(decide(&lower, 2, "", ""), Action::Exit);
    }
}
