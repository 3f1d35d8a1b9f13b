//! `render-worker`: runs one render job, as AWS Batch starts it (`ROOMWRIGHT_JOB_ID` in the
//! environment, or `--job ID`). Exit code 0: done; 2: the input cannot be rendered (not
//! retried); anything else: Batch retries the attempt.

use std::{path::PathBuf, sync::Arc};

use roomwright_core::{aws::Aws, dynamo::Table, telemetry};
use roomwright_jobs::JOB_ID_VAR;
use roomwright_render::job::{Worker, start_blender};

#[tokio::main]
async fn main() {
    telemetry::init();
    let code = match run().await {
        Ok(()) => 0,
        Err((code, message)) => {
            tracing::error!(error = %message, exit_code = code, "render job failed");
            code
        }
    };
    std::process::exit(code);
}

async fn run() -> Result<(), (i32, String)> {
    let args: Vec<String> = std::env::args().collect();
    let job_id = match args.iter().position(|a| a == "--job") {
        Some(i) => args.get(i + 1).cloned(),
        None => std::env::var(JOB_ID_VAR).ok(),
    }
    .filter(|id| !id.is_empty())
    .ok_or((2, format!("give the job as --job ID or in {JOB_ID_VAR}")))?;
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or((2, format!("{name} is not set")))
    };
    let (table_name, bucket) = (var("TABLE_NAME")?, var("BUCKET_NAME")?);
    // Blender imports while we read the job.
    let blender = start_blender().map_err(|e| (1, e.to_string()))?;
    let aws = Arc::new(Aws::from_env());
    let mut worker = Worker {
        table: Table::new(aws.clone(), table_name),
        aws,
        bucket,
        work_dir: std::env::var("RENDER_WORK_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| std::env::temp_dir().join("roomwright-render")),
        blender,
        threads: std::env::var("RENDER_THREADS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
    };
    let attempt = std::env::var("AWS_BATCH_JOB_ATTEMPT").unwrap_or_else(|_| "1".into());
    tracing::info!(job_id, attempt, "render job starting");
    let timings = worker
        .run(&job_id)
        .await
        .map_err(|e| (e.exit_code(), e.to_string()))?;
    tracing::info!(
        job_id,
        ?timings,
        overhead_s = timings.overhead_s(),
        "render job done"
    );
    worker.blender.quit().await;
    Ok(())
}
