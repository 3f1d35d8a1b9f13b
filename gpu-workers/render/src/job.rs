//! One render job, start to end: read the frozen input, fetch product models, build the
//! scene, render every camera in the one Blender process, upload images and thumbnails, and
//! report progress and results into the job record.

use std::{
    collections::BTreeMap,
    io::Cursor,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use roomwright_core::{aws::Aws, dynamo::Table, s3};
use roomwright_jobs::{self as jobs, JobFailure, JobOutput, store};
use serde::Serialize;
use thiserror::Error;

use crate::{
    blender::{Blender, BlenderConfig, BlenderError, OutputFile, RenderCommand},
    input::{Format, RenderInput, SceneExport},
    scene::{self, SceneError},
};

/// Thumbnails are this wide (JPEG).
pub const THUMBNAIL_WIDTH: u32 = 320;
/// Progress is written at most this often (each write is a DynamoDB update).
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Error)]
pub enum WorkerError {
    /// The input cannot be rendered; retrying will not help.
    #[error("{0}")]
    Input(String),
    /// Anything else (storage, Blender); Batch retries the job.
    #[error("{0}")]
    Transient(String),
}

impl WorkerError {
    /// The exit code Batch sees; the job definition retries every code but this one.
    pub fn exit_code(&self) -> i32 {
        match self {
            WorkerError::Input(_) => INPUT_ERROR_EXIT,
            WorkerError::Transient(_) => 1,
        }
    }
}

/// Exit code of a job whose input is unusable (`evaluateOnExit` does not retry it).
pub const INPUT_ERROR_EXIT: i32 = roomwright_jobs::worker::Exit::Refused as i32;

impl From<BlenderError> for WorkerError {
    fn from(e: BlenderError) -> Self {
        match e {
            // Blender refusing a file we built from the input: the input (a model) is bad.
            BlenderError::Refused(message) => WorkerError::Input(message),
            other => WorkerError::Transient(other.to_string()),
        }
    }
}

impl From<SceneError> for WorkerError {
    fn from(e: SceneError) -> Self {
        WorkerError::Input(e.to_string())
    }
}

/// Where a job's work happens.
pub struct Worker {
    pub aws: std::sync::Arc<Aws>,
    pub table: Table,
    pub bucket: String,
    pub work_dir: PathBuf,
    pub blender: Blender,
    /// Render threads (0: all cores).
    pub threads: u32,
}

/// What a job cost, for logs and the benchmark.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub blender_startup_s: f64,
    pub input_s: f64,
    pub scene_build_s: f64,
    pub scene_load_s: f64,
    pub render_s: f64,
    pub save_s: f64,
    pub upload_s: f64,
    pub total_s: f64,
    pub solids: usize,
    pub coplanar_fixes: usize,
    pub device: String,
}

impl Timings {
    /// The worker's own share: everything but Blender importing, path tracing and saving.
    pub fn overhead_s(&self) -> f64 {
        self.input_s + self.scene_build_s + self.upload_s
    }
}

/// Progress reports: the worker sets the latest value at any time (Blender's progress comes
/// many times a second); a background task writes it at most every [`PROGRESS_EVERY`].
struct Progress {
    latest: tokio::sync::watch::Sender<(u8, String)>,
    writer: tokio::task::JoinHandle<()>,
}

impl Progress {
    fn start(table: Table, job_id: String) -> Self {
        let (latest, mut changes) = tokio::sync::watch::channel((0u8, String::new()));
        let writer = tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                let (percent, stage) = changes.borrow_and_update().clone();
                if let Err(e) = store::report_progress(&table, &job_id, percent, &stage).await {
                    // Progress is informative; a lost report must not fail the render.
                    tracing::warn!(error = ?e, "progress report failed");
                }
                tokio::time::sleep(PROGRESS_EVERY).await;
            }
        });
        Self { latest, writer }
    }

    fn set(&self, percent: u8, stage: &str) {
        self.latest.send_replace((percent, stage.to_string()));
    }

    /// Stops reporting (the final state is written by the caller).
    fn stop(self) {
        self.writer.abort();
    }
}

impl Worker {
    /// Runs the job; a failure the user must fix is also written into the job record.
    pub async fn run(&mut self, job_id: &str) -> Result<Timings, WorkerError> {
        let result = self.render_job(job_id).await;
        if let Err(WorkerError::Input(message)) = &result {
            let failure = JobFailure {
                code: "invalid_input".into(),
                message: message.clone(),
            };
            let _ = store::record_failure(&self.table, job_id, &failure).await;
        }
        result
    }

    async fn render_job(&mut self, job_id: &str) -> Result<Timings, WorkerError> {
        let started = Instant::now();
        let mut timings = Timings::default();
        let transient = |e: String| WorkerError::Transient(e);
        let job = store::get(&self.table, job_id)
            .await
            .map_err(|e| transient(format!("reading job {job_id}: {e:?}")))?
            .ok_or_else(|| WorkerError::Input(format!("no job {job_id}")))?
            .value;
        if job.status.is_terminal() {
            tracing::info!(
                job_id,
                status = job.status.as_str(),
                "job already finished; nothing to do"
            );
            return Ok(timings);
        }
        let progress = Progress::start(self.table.clone(), job_id.to_string());
        let result = self
            .render_input(job_id, &job.input_key, &progress, &mut timings)
            .await;
        progress.stop();
        // Scratch files go whatever happened; a retry starts afresh.
        let _ = tokio::fs::remove_dir_all(self.work_dir.join(job_id)).await;
        result?;
        timings.total_s = started.elapsed().as_secs_f64();
        Ok(timings)
    }

    async fn render_input(
        &mut self,
        job_id: &str,
        input_key: &str,
        progress: &Progress,
        timings: &mut Timings,
    ) -> Result<(), WorkerError> {
        let transient = |e: String| WorkerError::Transient(e);
        progress.set(2, "preparing");

        let phase = Instant::now();
        let bytes = s3::get_bytes(&self.aws, &self.bucket, input_key)
            .await
            .map_err(transient)?
            .ok_or_else(|| WorkerError::Input(format!("the job's input {input_key} is gone")))?;
        let input: RenderInput = serde_json::from_slice(&bytes).map_err(|e| {
            WorkerError::Input(format!("the job's input is not a render input: {e}"))
        })?;
        let dir = self.work_dir.join(job_id);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| transient(format!("creating {}: {e}", dir.display())))?;
        let models = self.fetch_models(&input, &dir).await?;
        timings.input_s = phase.elapsed().as_secs_f64();

        let phase = Instant::now();
        let (scene, stats) = scene::build(&input, &models)?;
        let scene_path = dir.join("scene.json");
        let scene_json = serde_json::to_vec(&scene).expect("scenes serialise");
        tokio::fs::write(&scene_path, scene_json)
            .await
            .map_err(|e| transient(format!("writing the scene: {e}")))?;
        timings.scene_build_s = phase.elapsed().as_secs_f64();
        timings.solids = stats.solids;
        timings.coplanar_fixes = stats.coplanar_fixes;
        tracing::info!(job_id, ?stats, "scene built");

        progress.set(5, "loading scene");
        let phase = Instant::now();
        self.blender.ready().await?;
        timings.blender_startup_s = self.blender.startup.unwrap_or_default().as_secs_f64();
        let loaded = self.blender.load(&scene_path).await?;
        timings.scene_load_s = phase.elapsed().as_secs_f64();
        timings.device = loaded.device;

        if let Some(export) = &input.export {
            return self.export(job_id, &dir, export, progress, timings).await;
        }
        let settings = &input.settings;
        let cameras = scene.cameras.len();
        let mut outputs = Vec::new();
        for camera in 0..cameras {
            let image = dir.join(format!("camera-{camera}.{}", settings.format.extension()));
            let mut files = vec![OutputFile {
                path: image.clone(),
                format: settings.format.blender(),
            }];
            // EXR is for post-production; the thumbnail needs a display-referred picture.
            let preview = dir.join(format!("camera-{camera}-preview.png"));
            if settings.format == Format::Exr {
                files.push(OutputFile {
                    path: preview.clone(),
                    format: "PNG",
                });
            }
            let command = RenderCommand {
                camera,
                width: settings.width,
                height: settings.height,
                samples: settings.samples,
                denoise: settings.denoise,
                seed: settings.seed,
                threads: self.threads,
                outputs: files,
            };
            let stage = format!("rendering camera {}/{cameras}", camera + 1);
            progress.set(percent(camera, cameras, 0.0), &stage);
            let rendered = self
                .blender
                .render(&command, |fraction| {
                    progress.set(percent(camera, cameras, fraction), &stage)
                })
                .await?;
            timings.render_s += rendered.seconds;
            timings.save_s += rendered.save_seconds;

            let phase = Instant::now();
            let thumbnail_source = if settings.format == Format::Exr {
                &preview
            } else {
                &image
            };
            let thumbnail = thumbnail(thumbnail_source)?;
            let key_base = format!("{}camera-{camera}", jobs::output_prefix(job_id));
            let image_bytes = tokio::fs::read(&image)
                .await
                .map_err(|e| transient(format!("reading the render: {e}")))?;
            let uploads = [
                (
                    format!("camera-{camera}"),
                    format!("{key_base}.{}", settings.format.extension()),
                    settings.format.content_type(),
                    image_bytes,
                    (settings.width, settings.height),
                ),
                (
                    format!("camera-{camera}-thumbnail"),
                    format!("{key_base}-thumbnail.jpg"),
                    "image/jpeg",
                    thumbnail.bytes,
                    (thumbnail.width, thumbnail.height),
                ),
            ];
            for (name, key, content_type, bytes, (width, height)) in uploads {
                let size = bytes.len() as u64;
                s3::put_bytes(&self.aws, &self.bucket, &key, content_type, bytes)
                    .await
                    .map_err(transient)?;
                outputs.push(JobOutput {
                    name,
                    key,
                    content_type: content_type.to_string(),
                    bytes: size,
                    width: Some(width),
                    height: Some(height),
                });
            }
            timings.upload_s += phase.elapsed().as_secs_f64();
        }
        let phase = Instant::now();
        store::record_outputs(&self.table, job_id, &outputs)
            .await
            .map_err(|e| transient(format!("recording outputs: {e:?}")))?;
        timings.upload_s += phase.elapsed().as_secs_f64();
        Ok(())
    }

    /// Writes the loaded scene as 3D files, checks their size and stores them as the job's
    /// outputs.
    async fn export(
        &mut self,
        job_id: &str,
        dir: &Path,
        export: &SceneExport,
        progress: &Progress,
        timings: &mut Timings,
    ) -> Result<(), WorkerError> {
        let transient = |e: String| WorkerError::Transient(e);
        progress.set(10, "exporting");
        let files: Vec<OutputFile> = export
            .formats
            .iter()
            .map(|format| OutputFile {
                path: dir.join(format!("scene.{}", format.extension())),
                format: format.blender(),
            })
            .collect();
        let phase = Instant::now();
        // Viewers orbit the rooms from above: the ceiling would hide them.
        let exported = self.blender.export(&files, &[scene::CEILING]).await?;
        timings.render_s = phase.elapsed().as_secs_f64();
        tracing::info!(job_id, seconds = ?exported.seconds, "scene exported");
        progress.set(90, "uploading");
        let phase = Instant::now();
        let mut outputs = Vec::new();
        for (format, file) in export.formats.iter().zip(&files) {
            let bytes = tokio::fs::read(&file.path)
                .await
                .map_err(|e| transient(format!("reading {}: {e}", file.path.display())))?;
            let size = bytes.len() as u64;
            if size > export.max_bytes {
                return Err(WorkerError::Input(format!(
                    "The {} scene is {} MiB; at most {} MiB: use lighter product models.",
                    format.extension(),
                    size / (1024 * 1024),
                    export.max_bytes / (1024 * 1024)
                )));
            }
            let key = format!(
                "{}scene.{}",
                jobs::output_prefix(job_id),
                format.extension()
            );
            s3::put_bytes(&self.aws, &self.bucket, &key, format.content_type(), bytes)
                .await
                .map_err(transient)?;
            outputs.push(JobOutput {
                name: format!("scene-{}", format.extension()),
                key,
                content_type: format.content_type().to_string(),
                bytes: size,
                width: None,
                height: None,
            });
        }
        store::record_outputs(&self.table, job_id, &outputs)
            .await
            .map_err(|e| transient(format!("recording outputs: {e:?}")))?;
        timings.upload_s = phase.elapsed().as_secs_f64();
        Ok(())
    }

    /// Downloads the glTF models of the products that have one; a missing model falls back
    /// to the stand-in (the render is still useful), a broken one fails the job (Blender).
    async fn fetch_models(
        &self,
        input: &RenderInput,
        dir: &Path,
    ) -> Result<BTreeMap<String, PathBuf>, WorkerError> {
        let mut models = BTreeMap::new();
        for item in &input.items {
            let Some(key) = &item.model_key else { continue };
            if models.contains_key(&item.product_id) {
                continue;
            }
            match s3::get_bytes(&self.aws, &self.bucket, key)
                .await
                .map_err(WorkerError::Transient)?
            {
                Some(bytes) => {
                    let path = dir.join(format!("model-{}.glb", models.len()));
                    tokio::fs::write(&path, bytes)
                        .await
                        .map_err(|e| WorkerError::Transient(format!("writing a model: {e}")))?;
                    models.insert(item.product_id.clone(), path);
                }
                None => tracing::warn!(
                    product = item.product_id,
                    key,
                    "model missing; using a stand-in"
                ),
            }
        }
        Ok(models)
    }
}

/// Overall percent while rendering camera `index` of `count`, `fraction` done: rendering
/// takes 5% to 95%.
fn percent(index: usize, count: usize, fraction: f64) -> u8 {
    let done = (index as f64 + fraction.clamp(0.0, 1.0)) / count.max(1) as f64;
    (5.0 + 90.0 * done).round() as u8
}

struct Thumbnail {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

fn thumbnail(path: &Path) -> Result<Thumbnail, WorkerError> {
    let image = image::open(path)
        .map_err(|e| WorkerError::Transient(format!("reading {}: {e}", path.display())))?;
    let small = image.thumbnail(THUMBNAIL_WIDTH, THUMBNAIL_WIDTH);
    let mut bytes = Vec::new();
    small
        .to_rgb8()
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .map_err(|e| WorkerError::Transient(format!("encoding a thumbnail: {e}")))?;
    Ok(Thumbnail {
        bytes,
        width: small.width(),
        height: small.height(),
    })
}

/// Starts Blender with the environment's settings (see [`BlenderConfig::from_env`]).
pub fn start_blender() -> Result<Blender, WorkerError> {
    Blender::start(&BlenderConfig::from_env()).map_err(|e| WorkerError::Transient(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn progress_spans_the_cameras() {
        assert_eq!(percent(0, 2, 0.0), 5);
        assert_eq!(percent(0, 2, 1.0), 50);
        assert_eq!(percent(1, 2, 1.0), 95);
    }
}
