//! `cargo bench -p roomwright-render --bench render`: one render job of the sample office
//! through the real worker (job record and input on the local AWS server, Blender Cycles on
//! this machine's CPU), timed by phase. Prints the time to a clean image and the worker's own
//! overhead (input, scene build, uploads) as a share of the job.
//!
//! `RENDER_BENCH_SIZE=1280x720` and `RENDER_BENCH_SAMPLES=64` by default;
//! `RENDER_BENCH_OUT=path.png` keeps the image.

use std::sync::Arc;

use roomwright_core::{s3, time};
use roomwright_devstack::TestStack;
use roomwright_jobs::{self as jobs, Job, JobKind, JobStatus, store};
use roomwright_render::{
    job::{Worker, start_blender},
    sample,
};

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs benches once without `--bench`: a 96x64 smoke render
    // there keeps the test run short and still exercises the whole path.
    let measuring = std::env::args().any(|a| a == "--bench");
    let default_size = if measuring { "1280x720" } else { "96x64" };
    let size = std::env::var("RENDER_BENCH_SIZE").unwrap_or_else(|_| default_size.into());
    let (width, height) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .expect("RENDER_BENCH_SIZE is WIDTHxHEIGHT");
    let samples = std::env::var("RENDER_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if measuring { 64 } else { 4 });
    let stack = TestStack::new().await;
    let state = &stack.state;
    let mut input = sample::office();
    input.settings.width = width;
    input.settings.height = height;
    input.settings.samples = samples;
    let id = format!("job_bench_{}", std::process::id());
    input.job_id = id.clone();
    let now = time::rfc3339(time::now());
    let job = Job {
        id: id.clone(),
        kind: JobKind::Render,
        status: JobStatus::Running,
        owner_id: "bench".into(),
        project_id: None,
        request: serde_json::json!({}),
        input_key: jobs::input_key(&id),
        request_hash: String::new(),
        progress_pct: 0,
        stage: None,
        outputs: vec![],
        error: None,
        batch_job_id: None,
        attempts: 1,
        state_seq: 4,
        webhook: None,
        created_at: now.clone(),
        updated_at: now,
        started_at: None,
        finished_at: None,
        estimate: None,
    };
    let bucket = state.config.bucket_name.clone();
    let bytes = serde_json::to_vec(&input).unwrap();
    s3::put_bytes(
        &state.aws,
        &bucket,
        &job.input_key,
        "application/json",
        bytes,
    )
    .await
    .unwrap();
    store::create(&state.table(), &job).await.unwrap();

    let started = std::time::Instant::now();
    let mut worker = Worker {
        aws: Arc::clone(&state.aws),
        table: state.table(),
        bucket: bucket.clone(),
        work_dir: std::env::temp_dir().join("roomwright-render-bench"),
        blender: start_blender().unwrap(),
        threads: 0,
    };
    let timings = worker.run(&id).await.unwrap();
    let wall = started.elapsed().as_secs_f64();
    let record = store::get(&state.table(), &id)
        .await
        .unwrap()
        .unwrap()
        .value;
    let image = &record.outputs[0];
    if let Ok(path) = std::env::var("RENDER_BENCH_OUT") {
        let bytes = s3::get_bytes(&state.aws, &bucket, &image.key)
            .await
            .unwrap()
            .unwrap();
        std::fs::write(&path, bytes).unwrap();
        println!("image written to {path}");
    }
    worker.blender.quit().await;
    println!(
        "render job, sample office {width}x{height}, {samples} samples + denoise, device {}:",
        timings.device
    );
    println!("  wall time (process start of Blender to outputs recorded): {wall:.2} s");
    println!(
        "  Blender import (overlapped with input): {:.2} s",
        timings.blender_startup_s
    );
    println!("  input (job, S3 input, models):  {:.3} s", timings.input_s);
    println!(
        "  scene build ({} solids, {} coplanar faces moved): {:.3} s",
        timings.solids, timings.coplanar_fixes, timings.scene_build_s
    );
    println!(
        "  scene load in Blender:          {:.3} s",
        timings.scene_load_s
    );
    println!(
        "  path tracing + denoise:         {:.2} s",
        timings.render_s
    );
    println!("  saving the image:               {:.3} s", timings.save_s);
    println!(
        "  uploads (image, thumbnail, record): {:.3} s",
        timings.upload_s
    );
    println!(
        "  worker's own overhead (input + scene build + uploads): {:.3} s = {:.2}% of {:.2} s",
        timings.overhead_s(),
        100.0 * timings.overhead_s() / timings.total_s,
        timings.total_s
    );
}
