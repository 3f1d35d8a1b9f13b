//! The one entry every worker (render, vision, training) runs a Batch job through, so they agree
//! on where the job comes from and on exit codes: telemetry, a runtime, the job id (`--job ID`
//! or [`JOB_ID_VAR`](crate::JOB_ID_VAR)), the table and bucket from the environment, the work,
//! and an exit code the job definitions' retry strategy reads.

use std::{future::Future, sync::Arc};

use roomwright_core::{aws::Aws, dynamo::Table, telemetry};

/// How a worker process ends. The job definitions in `template.yaml` exit on [`Exit::Refused`]
/// (`OnExitCode: "2"`, `Action: EXIT`) and retry anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The job is done.
    Done = 0,
    /// Something outside the input failed (a service, a timeout): another attempt may work.
    Retry = 1,
    /// The job cannot succeed as given (its input, or a worker without its configuration):
    /// another attempt would fail the same way.
    Refused = 2,
}

/// Why a job did not finish, and whether to retry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn retry(message: impl std::fmt::Display) -> Self {
        Self {
            exit: Exit::Retry,
            message: message.to_string(),
        }
    }

    pub fn refused(message: impl std::fmt::Display) -> Self {
        Self {
            exit: Exit::Refused,
            message: message.to_string(),
        }
    }
}

/// What every job starts with.
pub struct Setup {
    pub job_id: String,
    pub aws: Arc<Aws>,
    pub table: Table,
    pub bucket: String,
    /// Batch's attempt number (1 when not run by Batch).
    pub attempt: u32,
}

impl Setup {
    /// The job id from `--job` (given here as `job`) or the environment, and the table and
    /// bucket; a worker without them refuses the job.
    pub fn from_lookup(
        job: Option<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Failure> {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let job_id = job
            .filter(|id| !id.is_empty())
            .or_else(|| var(crate::JOB_ID_VAR))
            .ok_or_else(|| {
                Failure::refused(format!(
                    "give the job as --job ID or in {}",
                    crate::JOB_ID_VAR
                ))
            })?;
        let table = var("TABLE_NAME").ok_or_else(|| Failure::refused("TABLE_NAME is not set"))?;
        let bucket =
            var("BUCKET_NAME").ok_or_else(|| Failure::refused("BUCKET_NAME is not set"))?;
        let aws = Arc::new(Aws::from_env());
        Ok(Self {
            job_id,
            table: Table::new(aws.clone(), table),
            aws,
            bucket,
            attempt: var("AWS_BATCH_JOB_ATTEMPT")
                .and_then(|a| a.parse().ok())
                .unwrap_or(1),
        })
    }
}

/// Runs one job of `worker` (its name, for the logs) and returns the process exit code.
pub fn run<F, Fut>(worker: &str, job: Option<String>, work: F) -> i32
where
    F: FnOnce(Setup) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(worker, error = %e, "no runtime");
            return Exit::Retry as i32;
        }
    };
    let result: Result<(), Failure> = runtime.block_on(async {
        let setup = Setup::from_lookup(job, |name| std::env::var(name).ok())?;
        let job_id = setup.job_id.clone();
        tracing::info!(worker, job_id, attempt = setup.attempt, "job starting");
        work(setup).await?;
        tracing::info!(worker, job_id, "job done");
        Ok(())
    });
    match result {
        Ok(()) => Exit::Done as i32,
        Err(failure) => {
            tracing::error!(
                worker,
                error = %failure.message,
                exit_code = failure.exit as i32,
                "job failed"
            );
            failure.exit as i32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[tokio::test]
    async fn a_worker_without_its_job_or_configuration_refuses_and_is_not_retried() {
        let full = [
            ("ROOMWRIGHT_JOB_ID", "job_1"),
            ("TABLE_NAME", "t"),
            ("BUCKET_NAME", "b"),
            ("AWS_BATCH_JOB_ATTEMPT", "2"),
        ];
        let setup = Setup::from_lookup(None, lookup(&full)).unwrap();
        assert_eq!((setup.job_id.as_str(), setup.attempt), ("job_1", 2));
        let given = Setup::from_lookup(Some("job_2".into()), lookup(&full)).unwrap();
        assert_eq!(given.job_id, "job_2", "--job wins over the environment");
        for missing in ["ROOMWRIGHT_JOB_ID", "TABLE_NAME", "BUCKET_NAME"] {
            let rest: Vec<_> = full
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let failure = Setup::from_lookup(None, lookup(&rest)).err().unwrap();
            assert_eq!(failure.exit, Exit::Refused, "without {missing}");
        }
        assert_eq!(Exit::Refused as i32, 2, "the job definitions' OnExitCode");
    }
}
