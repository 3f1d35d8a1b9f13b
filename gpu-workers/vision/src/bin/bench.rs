//! `vision-bench --dir DIR`: reads every `plan_NNN.png` (or `.pdf` with `--pdf`) that
//! `tools/plangen.py` drew, scores each against its truth and prints the figures the issue
//! names: wall IoU, rooms found and their polygon IoU, door and window precision and recall,
//! dimension strings read, scale error and time per page. `--real DIR` scores the real
//! drawings of `real/truth.json` found in DIR, side by side with the generated set.

use std::path::PathBuf;

use clap::Parser;
use roomwright_vision::{
    eval::{self, Detection, Truth},
    ocr::{Ocr, OcrConfig},
    raster,
    real::{RealSet, RoomMask, SCALE_TOLERANCE, SIZE_TOLERANCE, score as real_score},
};

#[derive(Parser)]
struct Args {
    /// The generator's plans with their truth.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Read the PDF of each plan instead of its PNG.
    #[arg(long)]
    pdf: bool,
    /// The real drawings of `gpu-workers/vision/real/truth.json`, as `tools/fetch_real.py`
    /// wrote them (`<id>.png`).
    #[arg(long)]
    real: Option<PathBuf>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The real set: each drawing present read and scored; a summary against the targets.
fn real(dir: &std::path::Path, ocr: &mut Ocr) -> Result<(), Box<dyn std::error::Error>> {
    let set: RealSet = serde_json::from_str(include_str!("../../real/truth.json"))?;
    // The directory listed once, each drawing looked up in it.
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    let present: Vec<_> = set
        .drawings
        .iter()
        .filter_map(|d| {
            let file = files
                .iter()
                .find(|p| p.file_stem().is_some_and(|s| s == d.id.as_str()))?;
            // The source's room annotation, when it has one (`<id>.rooms.png`).
            let mask = files.iter().find(|p| {
                p.file_name()
                    .is_some_and(|s| *s == *format!("{}.rooms.png", d.id))
            });
            Some((d, file.clone(), mask.cloned()))
        })
        .collect();
    if present.is_empty() {
        println!(
            "real set: absent from {} (fetch it by hand: gpu-workers/vision/tools/fetch_real.py {}; it needs the internet)",
            dir.display(),
            dir.display()
        );
        return Ok(());
    }
    println!(
        "drawing                   read  scaled(expected) rooms  sized  dims(used) scale_err  room_iou  seconds"
    );
    let (mut times, mut read, mut expected, mut counted, mut sized, mut sized_right) =
        (vec![], 0, 0, 0, 0, 0);
    let (mut dimensioned, mut within, mut found_dims) = (0, 0, 0);
    let (mut ious, mut annotated, mut matched, mut unscaled_undimensioned) = (vec![], 0, 0, (0, 0));
    for (drawing, path, mask_path) in &present {
        let mask = match mask_path {
            Some(p) => Some(RoomMask::from_annotation(&image::open(p)?.to_rgb8())),
            None => None,
        };
        let started = std::time::Instant::now();
        let result = raster::page(&std::fs::read(path)?)
            .map_err(|e| e.to_string())
            .and_then(|page| roomwright_vision::read_plan(&page, ocr).map_err(|e| e.to_string()));
        let seconds = started.elapsed().as_secs_f64();
        times.push(seconds);
        let proposal = match result {
            Ok(p) => p,
            Err(e) => {
                println!("{:<25} failed: {e}", drawing.id);
                continue;
            }
        };
        let s = real_score(drawing, &proposal, mask.as_ref());
        read += 1;
        found_dims += s.dimensions_found;
        if let Some(iou) = s.room_iou {
            ious.push(iou);
            annotated += s.rooms_truth;
            matched += s.rooms_matched;
        }
        if !drawing.dimensioned {
            unscaled_undimensioned.0 += 1;
            unscaled_undimensioned.1 += usize::from(!s.scaled && s.rooms_found > 0);
        }
        expected += usize::from(s.scale_as_expected);
        counted += usize::from(s.room_count_right);
        sized += s.rooms_sized;
        sized_right += s.rooms_sized_right;
        if drawing.dimensioned && s.scale_checked {
            dimensioned += 1;
            // Against the overall size when one is written, else against the room sizes.
            within += usize::from(match s.scale_error {
                Some(e) => e <= SCALE_TOLERANCE,
                None => s.scaled && s.rooms_sized > 0 && s.rooms_sized_right * 2 >= s.rooms_sized,
            });
        }
        println!(
            "{:<25} ok    {:<5} ({:<5})    {:>2}/{:<2}  {:>2}/{:<2}  {:>3}({:>2})  {:>9}  {:>8}  {:>7.3}",
            drawing.id,
            s.scaled,
            drawing.dimensioned,
            s.rooms_found,
            s.rooms_truth,
            s.rooms_sized_right,
            s.rooms_sized,
            s.dimensions_found,
            s.dimensions_used,
            s.scale_error
                .map_or("-".to_string(), |e| format!("{:.2}%", e * 100.0)),
            s.room_iou.map_or("-".to_string(), |v| format!("{v:.3}")),
            seconds
        );
    }
    times.sort_by(f64::total_cmp);
    println!("--");
    println!(
        "real drawings {} of {} present; read {read}; scaled as expected (dimensioned: scaled, else unscaled) {expected}",
        present.len(),
        set.drawings.len()
    );
    println!(
        "room count right (+-1) {counted} of {}; rooms of written size matched within {:.0}% {sized_right} of {sized}",
        present.len(),
        SIZE_TOLERANCE * 100.0
    );
    println!(
        "dimensioned drawings scaled within {:.0}%: {within} of {dimensioned} ({:.0}%; target 80%) (those whose truth checks the scale: against the scale the annotated rooms' written sizes give, else the overall size, else half the written room sizes within {:.0}%)",
        SCALE_TOLERANCE * 100.0,
        100.0 * within as f64 / dimensioned.max(1) as f64,
        SIZE_TOLERANCE * 100.0
    );
    println!(
        "undimensioned drawings back unscaled with rooms {} of {}; dimension strings found {found_dims}",
        unscaled_undimensioned.1, unscaled_undimensioned.0
    );
    if !ious.is_empty() {
        println!(
            "room IoU on {} annotated drawings: mean {:.3} (target 0.8); annotated rooms matched at IoU >= 0.5: {matched} of {annotated}",
            ious.len(),
            ious.iter().sum::<f64>() / ious.len() as f64
        );
    }
    println!(
        "seconds per page p50 {:.3} max {:.3}",
        percentile(&times, 0.5),
        times[times.len() - 1]
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let config = OcrConfig::from_env().ok_or("set ORT_DYLIB_PATH and VISION_OCR_MODEL_DIR")?;
    let mut ocr = Ocr::load(&config)?;
    if let Some(dir) = &args.real {
        real(dir, &mut ocr)?;
    }
    let Some(dir) = &args.dir else {
        return Ok(());
    };
    let mut truths: Vec<PathBuf> = std::fs::read_dir(dir)?
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
