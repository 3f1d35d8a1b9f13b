//! One vision job, as AWS Batch runs it: read the frozen input, then either read an uploaded
//! floor-plan drawing into a proposal (the job's output), or embed a product's first image
//! for visual search. An input that cannot be used fails the job with the reason (exit 2:
//! Batch does not retry); storage or model trouble exits 1 (retried).

use std::sync::Arc;

use roomwright_core::{aws::Aws, dynamo::Table, s3};
use roomwright_jobs::{
    self as jobs, JobFailure, JobOutput, store,
    vision::{
        EMBEDDING_OUTPUT, FloorPlanInput, InterchangeInput, PAGE_OUTPUT, PROPOSAL_OUTPUT,
        ProductImageInput, VisionInput,
    },
    worker::{self, Failure},
};
use roomwright_visual::{
    BedrockClient,
    encoder::{ImageEncoder, SETTING},
    image_vectors::{self, EmbedError},
};
use thiserror::Error;

use crate::{
    ocr::{Ocr, OcrConfig},
    raster,
};

/// Exit code of a job whose input is unusable (`evaluateOnExit` does not retry it).
pub const INPUT_ERROR_EXIT: i32 = worker::Exit::Refused as i32;

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
    /// Loaded by the first floor plan: embedding jobs do not need it.
    pub ocr: Option<Ocr>,
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
        match input {
            VisionInput::FloorPlan(FloorPlanInput { upload_key, .. }) => {
                self.read_plan(job_id, &upload_key).await
            }
            VisionInput::ProductImage(input) => self.embed_image(job_id, &input).await,
            VisionInput::Interchange(input) => self.read_interchange(job_id, &input).await,
        }
    }

    /// Reads a dealer's file and matches its lines against the catalog: the proposal is the
    /// job's output.
    async fn read_interchange(
        &self,
        job_id: &str,
        input: &InterchangeInput,
    ) -> Result<(), JobError> {
        let started = std::time::Instant::now();
        let _ = store::report_progress(&self.table, job_id, 10, "reading the file").await;
        let bytes = self.fetch(&input.upload_key).await?;
        let format = input.format;
        let parsed =
            tokio::task::spawn_blocking(move || roomwright_interchange::parse(format, &bytes))
                .await
                .map_err(|e| JobError::Transient(e.to_string()))?
                .map_err(|e| JobError::Input(e.0))?;
        let read_ms = started.elapsed().as_secs_f64() * 1000.0;
        let _ = store::report_progress(&self.table, job_id, 40, "matching the lines").await;
        let dir = std::env::temp_dir().join(format!("interchange-{job_id}"));
        let index =
            roomwright_catalog::search::service::open_published(&self.aws, &self.bucket, &dir)
                .await
                .map_err(|e| JobError::Transient(format!("the catalog index: {:?}", e.detail)))?;
        let catalog = roomwright_interchange::matching::Catalog {
            table: &self.table,
            index: index.as_ref(),
        };
        let mut proposal = roomwright_interchange::matching::propose(format, parsed, &catalog)
            .await
            .map_err(|e| JobError::Transient(format!("{e:?}")))?;
        drop(index);
        let _ = std::fs::remove_dir_all(&dir);
        proposal.timings_ms.insert("reading".into(), read_ms);
        proposal
            .timings_ms
            .insert("total".into(), started.elapsed().as_secs_f64() * 1000.0);
        tracing::info!(
            job_id,
            format = format.as_str(),
            lines = proposal.summary.lines,
            matched = proposal.summary.matched,
            problems = proposal.summary.problems,
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "interchange file read"
        );
        let output = self
            .upload_json(job_id, PROPOSAL_OUTPUT, &proposal, None)
            .await?;
        self.record(job_id, &[output]).await
    }

    async fn embed_image(&self, job_id: &str, input: &ProductImageInput) -> Result<(), JobError> {
        let region = std::env::var("IMAGE_BEDROCK_REGION")
            .ok()
            .filter(|r| !r.is_empty());
        let encoder =
            ImageEncoder::from_env(|| Arc::new(BedrockClient::lazy(self.aws.clone(), region)))
                .ok_or_else(|| {
                    JobError::Transient(format!("{SETTING} must be set for image jobs"))
                })?;
        let stored = image_vectors::embed_product_image(
            &self.aws,
            &self.table,
            &self.bucket,
            &encoder,
            input,
        )
        .await
        .map_err(|e| match e {
            EmbedError::Input(m) => JobError::Input(m),
            EmbedError::Transient(m) => JobError::Transient(m),
        })?;
        let summary = serde_json::json!({
            "product_id": input.product_id,
            "image_key": input.image_key,
            "stored": stored.is_some(),
            "model": encoder.model(),
            "dimensions": stored.as_ref().map(|s| s.vector.len()),
        });
        tracing::info!(job_id, product_id = %input.product_id, stored = stored.is_some(), "product image embedded");
        self.put_output(job_id, EMBEDDING_OUTPUT, summary, None)
            .await
    }

    async fn put_output(
        &self,
        job_id: &str,
        name: &str,
        value: serde_json::Value,
        size: Option<(u32, u32)>,
    ) -> Result<(), JobError> {
        let output = self.upload_json(job_id, name, &value, size).await?;
        self.record(job_id, &[output]).await
    }

    async fn upload_json(
        &self,
        job_id: &str,
        name: &str,
        value: &impl serde::Serialize,
        size: Option<(u32, u32)>,
    ) -> Result<JobOutput, JobError> {
        let json = serde_json::to_vec(value).map_err(|e| JobError::Transient(e.to_string()))?;
        self.upload(job_id, name, "json", "application/json", json, size)
            .await
    }

    /// Stores one output file of the job (recorded on the job by [`Worker::record`]).
    async fn upload(
        &self,
        job_id: &str,
        name: &str,
        extension: &str,
        content_type: &str,
        body: Vec<u8>,
        size: Option<(u32, u32)>,
    ) -> Result<JobOutput, JobError> {
        let key = format!("{}{name}.{extension}", jobs::output_prefix(job_id));
        let bytes = body.len() as u64;
        s3::put_bytes(&self.aws, &self.bucket, &key, content_type, body)
            .await
            .map_err(JobError::Transient)?;
        Ok(JobOutput {
            name: name.into(),
            key,
            content_type: content_type.into(),
            bytes,
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
        })
    }

    /// The job's outputs, all at once: recording them marks the job's work done.
    async fn record(&self, job_id: &str, outputs: &[JobOutput]) -> Result<(), JobError> {
        store::record_outputs(&self.table, job_id, outputs)
            .await
            .map_err(|e| JobError::Transient(format!("{e:?}")))?;
        Ok(())
    }

    async fn read_plan(&mut self, job_id: &str, upload_key: &str) -> Result<(), JobError> {
        let _ = store::report_progress(&self.table, job_id, 10, "reading the drawing").await;
        let bytes = self.fetch(upload_key).await?;
        let page = raster::page(&bytes).map_err(|e| {
            if e.is_input() {
                JobError::Input(e.to_string())
            } else {
                JobError::Transient(e.to_string())
            }
        })?;
        let ocr = match &mut self.ocr {
            Some(ocr) => ocr,
            empty => empty.insert(load_ocr().map_err(JobError::Transient)?),
        };
        let proposal = crate::read_plan(&page, ocr).map_err(|e| {
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
        // The page as read, small enough to draw the proposal over (`.../plan.svg`).
        let preview = crate::raster::preview(&page);
        let mut png = Vec::new();
        preview
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| JobError::Transient(e.to_string()))?;
        let preview_size = (preview.width(), preview.height());
        let page = self
            .upload(
                job_id,
                PAGE_OUTPUT,
                "png",
                "image/png",
                png,
                Some(preview_size),
            )
            .await?;
        let size = (proposal.page.width_px, proposal.page.height_px);
        let proposal = self
            .upload_json(job_id, PROPOSAL_OUTPUT, &proposal, Some(size))
            .await?;
        self.record(job_id, &[proposal, page]).await
    }
}

fn load_ocr() -> Result<Ocr, String> {
    let config = OcrConfig::from_env()
        .ok_or_else(|| "ORT_DYLIB_PATH and VISION_OCR_MODEL_DIR must be set".to_string())?;
    Ocr::load(&config).map_err(|e| format!("OCR models not loaded: {e}"))
}

/// `vision job`: the job Batch started (`--job ID` or `ROOMWRIGHT_JOB_ID`). Returns the exit code.
pub fn main(job: Option<String>) -> i32 {
    worker::run("vision", job, |setup| async move {
        let mut worker = Worker {
            table: setup.table,
            aws: setup.aws,
            bucket: setup.bucket,
            ocr: None,
        };
        worker.run(&setup.job_id).await.map_err(|e| match e {
            JobError::Input(_) => Failure::refused(e),
            JobError::Transient(_) => Failure::retry(e),
        })
    })
}
