//! `vision-bench --dir DIR`: reads every `plan_NNN.png` (or `.pdf` with `--pdf`) that
//! `tools/plangen.py` drew, scores each against its truth and prints the figures the issue
//! names: wall IoU, rooms found and their polygon IoU, door and window precision and recall,
//! dimension strings read, scale error and time per page.

use std::path::PathBuf;

use clap::Parser;
use roomwright_vision::{
    eval::{self, Detection, Truth},
    ocr::{Ocr, OcrConfig},
    raster,
};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    dir: PathBuf,
    /// Read the PDF of each plan instead of its PNG.
    #[arg(long)]
    pdf: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let config = OcrConfig::from_env().ok_or("set ORT_DYLIB_PATH and VISION_OCR_MODEL_DIR")?;
    let mut ocr = Ocr::load(&config)?;
    let mut truths: Vec<PathBuf> = std::fs::read_dir(&args.dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    truths.sort();
    let (mut doors, mut windows) = (Detection::default(), Detection::default());
    let (mut wall_iou, mut room_iou, mut scale_err, mut times) = (vec![], vec![], vec![], vec![]);
    let (mut rooms_truth, mut rooms_found, mut dims_truth, mut dims_read, mut named) =
        (0, 0, 0, 0, 0);
    let mut failed = 0;
    println!(
        "plan        wall_iou rooms  room_iou doors(m/f/t) windows(m/f/t) dims   scale_err  seconds"
    );
    for path in &truths {
        let truth: Truth = serde_json::from_slice(&std::fs::read(path)?)?;
        let image = path.with_extension(if args.pdf { "pdf" } else { "png" });
        let started = std::time::Instant::now();
        let page = raster::page(&std::fs::read(&image)?)?;
        let result = roomwright_vision::read_plan(&page, &mut ocr);
        let seconds = started.elapsed().as_secs_f64();
        let name = path.file_stem().unwrap_or_default().to_string_lossy();
        let proposal = match result {
            Ok(p) => p,
            Err(e) => {
                println!("{name:<11} failed: {e}");
                failed += 1;
                continue;
            }
        };
        let s = eval::score(&truth, &proposal);
        println!(
            "{name:<11} {:>8.3} {:>2}/{:<2}  {:>8.3} {:>3}/{}/{:<5} {:>3}/{}/{:<6} {:>2}/{:<2} {:>8.3}%  {:>7.3}",
            s.wall_iou,
            s.rooms_found,
            s.rooms_truth,
            s.room_iou,
            s.doors.matched,
            s.doors.found,
            s.doors.truth,
            s.windows.matched,
            s.windows.found,
            s.windows.truth,
            s.dimensions_read,
            s.dimensions_truth,
            s.scale_error * 100.0,
            seconds
        );
        doors.add(s.doors);
        windows.add(s.windows);
        wall_iou.push(s.wall_iou);
        room_iou.push(s.room_iou);
        scale_err.push(s.scale_error);
        times.push(seconds);
        rooms_truth += s.rooms_truth;
        rooms_found += s.rooms_found;
        named += s.rooms_named;
        dims_truth += s.dimensions_truth;
        dims_read += s.dimensions_read;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    times.sort_by(f64::total_cmp);
    let mut errs = scale_err.clone();
    errs.sort_by(f64::total_cmp);
    println!("--");
    println!("plans {} (failed {failed})", truths.len());
    println!("wall IoU mean {:.3}", mean(&wall_iou));
    println!(
        "rooms found {rooms_found} of {rooms_truth}; room polygon IoU mean {:.3}, min {:.3}",
        mean(&room_iou),
        room_iou.iter().copied().fold(f64::INFINITY, f64::min)
    );
    println!("rooms named as drawn (ignoring spaces and case) {named} of {rooms_truth}");
    println!(
        "doors precision {:.3} recall {:.3} F1 {:.3}",
        doors.precision(),
        doors.recall(),
        doors.f1()
    );
    println!(
        "windows precision {:.3} recall {:.3} F1 {:.3}",
        windows.precision(),
        windows.recall(),
        windows.f1()
    );
    println!(
        "dimension strings read {dims_read} of {dims_truth} ({:.1}%)",
        100.0 * dims_read as f64 / dims_truth.max(1) as f64
    );
    if !errs.is_empty() {
        println!(
            "scale error mean {:.3}% max {:.3}%",
            100.0 * mean(&errs),
            100.0 * errs[errs.len() - 1]
        );
        println!(
            "seconds per page (decode + read) p50 {:.3} p95 {:.3} max {:.3}",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times[times.len() - 1]
        );
    }
    Ok(())
}
