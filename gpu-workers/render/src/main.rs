//! `render-worker`: runs one render job, as AWS Batch starts it (`ROOMWRIGHT_JOB_ID` in the
//! environment, or `--job ID`), through the workers' one entry (`roomwright_jobs::worker`).
//! Exit code 0: done; 2: the input cannot be rendered (not retried); 1: Batch retries.

use std::path::PathBuf;

use roomwright_jobs::worker::{self, Exit, Failure};
use roomwright_render::job::{INPUT_ERROR_EXIT, Worker, start_blender};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let job = args
        .iter()
        .position(|a| a == "--job")
        .and_then(|i| args.get(i + 1).cloned());
    std::process::exit(worker::run("render", job, |setup| async move {
        // Blender imports while the job is read.
        let blender = start_blender().map_err(Failure::retry)?;
        let mut worker = Worker {
            table: setup.table,
            aws: setup.aws,
            bucket: setup.bucket,
            work_dir: std::env::var("RENDER_WORK_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| std::env::temp_dir().join("roomwright-render")),
            blender,
            threads: std::env::var("RENDER_THREADS")
                .ok()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
        };
        let timings = worker.run(&setup.job_id).await.map_err(|e| Failure {
            exit: if e.exit_code() == INPUT_ERROR_EXIT {
                Exit::Refused
            } else {
                Exit::Retry
            },
            message: e.to_string(),
        })?;
        tracing::info!(
            job_id = setup.job_id,
            ?timings,
            overhead_s = timings.overhead_s(),
            "render timings"
        );
        worker.blender.quit().await;
        Ok(())
    }))
}
