//! One vision job, as AWS Batch runs it: read the frozen input, fetch the uploaded drawing,
//! read it, store the proposal as the job's output. A drawing that cannot be read fails the
//! job with the reason (exit 2: Batch does not retry); storage trouble exits 1 (retried).

use std::sync::Arc;

use roomwright_core::{
    aws::Aws,
    dynamo::Table,
    jobs::{
        self, JOB_ID_VAR, JobFailure, JobOutput, store,
        vision::{FloorPlanInput, PROPOSAL_OUTPUT, VisionInput},
    },
    s3,
};
use thiserror::Error;

use crate::{
    ocr::{Ocr, OcrConfig},
    raster,
};

/// Exit code of a job whose input is unusable (`evaluateOnExit` does not retry it).
pub const INPUT_ERROR_EXIT: i32 = 2;

#[derive(Debug, Error)]
pub enum JobError {
    /// The drawing cannot be read; retrying will not help.
    #[error("{0}")]
    Input(String),
    /// Storage, models, libraries: Batch retries.
    #[error("{0}")]
    Transient(String),
}

pub struct Worker {
    pub aws: Arc<Aws>,
    pub table: Table,
    pub bucket: String,
    pub ocr: Ocr,
}

impl Worker {
    /// Runs the job; a failure the user must fix is also written into the job record.
    pub async fn run(&mut self, job_id: &str) -> Result<(), JobError> {
        let result = self.read_job(job_id).await;
        if let Err(JobError::Input(message)) = &result {
            let failure = JobFailure {
                code: "invalid_input".into(),
                message: message.clone(),
            };
            if let Err(e) = store::record_failure(&self.table, job_id, &failure).await {
                tracing::warn!(error = ?e, "failure not recorded");
            }
        }
        result
    }

    async fn fetch(&self, key: &str) -> Result<Vec<u8>, JobError> {
        s3::get_bytes(&self.aws, &self.bucket, key)
            .await
            .map_err(JobError::Transient)?
            .ok_or_else(|| JobError::Input(format!("{key} is not in the bucket")))
    }

    async fn read_job(&mut self, job_id: &str) -> Result<(), JobError> {
        let input: VisionInput =
            serde_json::from_slice(&self.fetch(&jobs::input_key(job_id)).await?).map_err(|e| {
                JobError::Input(format!("the job's input is not a vision job: {e}"))
            })?;
        let VisionInput::FloorPlan(FloorPlanInput { upload_key, .. }) = input;
        let _ = store::report_progress(&self.table, job_id, 10, "reading the drawing").await;
        let bytes = self.fetch(&upload_key).await?;
        let page = raster::page(&bytes).map_err(|e| {
            if e.is_input() {
                JobError::Input(e.to_string())
            } else {
                JobError::Transient(e.to_string())
            }
        })?;
        let proposal = crate::read_plan(&page, &mut self.ocr).map_err(|e| {
            if e.is_input() {
                JobError::Input(e.to_string())
            } else {
                JobError::Transient(e.to_string())
            }
        })?;
        tracing::info!(
            job_id,
            rooms = proposal.floor_plan.rooms.len(),
            walls = proposal.floor_plan.walls.len(),
            openings = proposal.floor_plan.openings.len(),
            px_per_m = proposal.scale.px_per_m,
            ms = proposal
                .timings_ms
                .get("total")
                .copied()
                .unwrap_or_default(),
            "floor plan read"
        );
        let json = serde_json::to_vec(&proposal).map_err(|e| JobError::Transient(e.to_string()))?;
        let key = format!("{}{PROPOSAL_OUTPUT}.json", jobs::output_prefix(job_id));
        let bytes = json.len() as u64;
        s3::put_bytes(&self.aws, &self.bucket, &key, "application/json", json)
            .await
            .map_err(JobError::Transient)?;
        let output = JobOutput {
            name: PROPOSAL_OUTPUT.into(),
            key,
            content_type: "application/json".into(),
            bytes,
            width: Some(proposal.page.width_px),
            height: Some(proposal.page.height_px),
        };
        store::record_outputs(&self.table, job_id, &[output])
            .await
            .map_err(|e| JobError::Transient(format!("{e:?}")))?;
        Ok(())
    }
}

/// `vision job`: the job Batch started (`--job ID` or `ROOMWRIGHT_JOB_ID`). Returns the exit code.
pub fn main(job: Option<String>) -> i32 {
    roomwright_core::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("vision: {e}");
            return 1;
        }
    };
    runtime.block_on(async {
        let job_id = job
            .or_else(|| std::env::var(JOB_ID_VAR).ok())
            .filter(|id| !id.is_empty());
        let Some(job_id) = job_id else {
            eprintln!("vision: give --job ID or set {JOB_ID_VAR}");
            return INPUT_ERROR_EXIT;
        };
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (Some(table), Some(bucket)) = (var("TABLE_NAME"), var("BUCKET_NAME")) else {
            tracing::error!("TABLE_NAME and BUCKET_NAME must be set");
            return 1;
        };
        let Some(config) = OcrConfig::from_env() else {
            tracing::error!("ORT_DYLIB_PATH and VISION_OCR_MODEL_DIR must be set");
            return 1;
        };
        let ocr = match Ocr::load(&config) {
            Ok(ocr) => ocr,
            Err(e) => {
                tracing::error!(error = %e, "OCR models not loaded");
                return 1;
            }
        };
        let aws = Arc::new(Aws::from_env());
        let mut worker = Worker {
            table: Table::new(aws.clone(), table),
            aws,
            bucket,
            ocr,
        };
        match worker.run(&job_id).await {
            Ok(()) => 0,
            Err(e) => {
                tracing::error!(job_id, error = %e, "vision job failed");
                match e {
                    JobError::Input(_) => INPUT_ERROR_EXIT,
                    JobError::Transient(_) => 1,
                }
            }
        }
    })
}
