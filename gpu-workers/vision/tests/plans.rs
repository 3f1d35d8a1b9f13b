//! The floor-plan reader on drawings from `tools/plangen.py` (walls of several weights, rooms,
//! doors, windows, metric and imperial dimensions, rotated text, scan noise), scored against
//! the truth the generator writes: the targets hold, the output is a valid floor plan,
//! PDFs read like images, and bad drawings are refused with the reason.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

use image::{GrayImage, Luma};
use roomwright_core::problem::FieldErrors;
use roomwright_projects::floorplan;
use roomwright_vision::{
    PlanError,
    eval::{self, Detection, Truth},
    ocr::{Ocr, OcrConfig},
    proposal::Proposal,
    raster,
};

const PLANS: usize = 10;

/// The variables of the venv's native parts, set once for this test process.
fn setup() -> OcrConfig {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let env = roomwright_devstack::vision_env();
        assert_eq!(
            env.len(),
            3,
            "ONNX Runtime, the PP-OCR models and PDFium come from the venv: run `make test`"
        );
        for (k, v) in env {
            // SAFETY: set once, before any thread of this process reads the environment.
            unsafe { std::env::set_var(k, v) };
        }
    });
    OcrConfig::from_env().expect("set above")
}

/// Test plans drawn once per test process.
fn plans() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("roomwright-plans-{}", std::process::id()));
        let root = roomwright_devstack::repo_root();
        let status = Command::new(root.join(".venv/bin/python"))
            .arg(root.join("gpu-workers/vision/tools/plangen.py"))
            .arg(&dir)
            .args(["--count", &PLANS.to_string(), "--seed", "7", "--pdf"])
            .status()
            .expect("the venv's python runs the generator");
        assert!(status.success());
        dir
    })
}

fn read(ocr: &mut Ocr, file: &Path) -> Result<Proposal, PlanError> {
    let page = raster::page(&std::fs::read(file).unwrap()).unwrap();
    roomwright_vision::read_plan(&page, ocr)
}

fn truth(n: usize) -> Truth {
    serde_json::from_slice(&std::fs::read(plans().join(format!("plan_{n:03}.json"))).unwrap())
        .unwrap()
}

#[test]
fn generated_plans_are_read_within_the_targets() {
    let mut ocr = Ocr::load(&setup()).unwrap();
    let (mut doors, mut windows) = (Detection::default(), Detection::default());
    let (mut room_iou, mut wall_iou, mut worst_scale) = (0.0, 0.0, 0.0f64);
    let (mut rooms_found, mut rooms_truth, mut dims_read, mut dims_truth, mut named) =
        (0, 0, 0, 0, 0);
    for n in 0..PLANS {
        let proposal = read(&mut ocr, &plans().join(format!("plan_{n:03}.png"))).unwrap();
        let mut errors = FieldErrors::new();
        floorplan::validate(&proposal.floor_plan, &mut errors);
        assert!(errors.is_empty(), "plan {n}: {errors:?}");
        let s = eval::score(&truth(n), &proposal);
        doors.add(s.doors);
        windows.add(s.windows);
        room_iou += s.room_iou / PLANS as f64;
        wall_iou += s.wall_iou / PLANS as f64;
        worst_scale = worst_scale.max(s.scale_error);
        rooms_found += s.rooms_found;
        rooms_truth += s.rooms_truth;
        named += s.rooms_named;
        dims_read += s.dimensions_read;
        dims_truth += s.dimensions_truth;
        // Every element carries a confidence.
        let c = &proposal.confidence;
        assert_eq!(c.walls.len(), proposal.floor_plan.walls.len());
        assert_eq!(c.rooms.len(), proposal.floor_plan.rooms.len());
        assert_eq!(c.openings.len(), proposal.floor_plan.openings.len());
    }
    assert!(room_iou >= 0.9, "room IoU {room_iou}");
    assert!(wall_iou >= 0.9, "wall IoU {wall_iou}");
    assert!(worst_scale <= 0.02, "scale error {worst_scale}");
    assert!(doors.f1() >= 0.85, "doors {doors:?}");
    assert!(windows.f1() >= 0.85, "windows {windows:?}");
    assert_eq!(rooms_found, rooms_truth);
    assert!(
        named * 10 >= rooms_truth * 9,
        "{named} of {rooms_truth} rooms named"
    );
    assert!(
        dims_read * 10 >= dims_truth * 9,
        "{dims_read} of {dims_truth} dimensions"
    );
}

/// Residential plans write centimetres without a unit (`322 X 347` in rooms, `1375` outside):
/// read as centimetres because only they fit what the figures measure.
#[test]
fn unitless_centimetres_are_read_by_plausibility() {
    let mut ocr = Ocr::load(&setup()).unwrap();
    let dir = std::env::temp_dir().join(format!("roomwright-plans-cm-{}", std::process::id()));
    let root = roomwright_devstack::repo_root();
    let status = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("gpu-workers/vision/tools/plangen.py"))
        .arg(&dir)
        .args(["--count", "4", "--seed", "21", "--units", "cm"])
        .status()
        .unwrap();
    assert!(status.success());
    for n in 0..4 {
        let truth: Truth =
            serde_json::from_slice(&std::fs::read(dir.join(format!("plan_{n:03}.json"))).unwrap())
                .unwrap();
        let proposal = read(&mut ocr, &dir.join(format!("plan_{n:03}.png"))).unwrap();
        let scale = &proposal.scale;
        assert!(!scale.unscaled, "plan {n}");
        assert!(
            (scale.px_per_m / truth.px_per_m - 1.0).abs() < 0.02,
            "plan {n}: {} vs {}",
            scale.px_per_m,
            truth.px_per_m
        );
        let used: Vec<_> = scale.sources.iter().filter(|s| s.used).collect();
        assert!(!used.is_empty());
        assert!(
            used.iter().all(|s| s.assumed_unit.as_deref() == Some("cm")),
            "plan {n}: {used:?}"
        );
        assert_eq!(
            proposal.floor_plan.rooms.len(),
            truth.rooms.len(),
            "plan {n}"
        );
        // The sizes are not taken for room names.
        for room in &proposal.floor_plan.rooms {
            assert!(!room.name.contains(" X "), "plan {n}: {}", room.name);
        }
    }
}

#[test]
fn a_one_page_pdf_reads_like_the_image() {
    let mut ocr = Ocr::load(&setup()).unwrap();
    let proposal = read(&mut ocr, &plans().join("plan_002.pdf")).unwrap();
    let truth = truth(2);
    assert_eq!(proposal.floor_plan.rooms.len(), truth.rooms.len());
    // The PDF page is rendered at its own size: compare lengths, not pixels.
    let width = proposal
        .floor_plan
        .walls
        .iter()
        .flat_map(|w| [w.start[0], w.end[0]])
        .fold(0.0, f64::max);
    let truth_width = truth.dimensions[0].value_m;
    assert!(
        (width / truth_width - 1.0).abs() < 0.02,
        "{width} vs {truth_width}"
    );
}

#[test]
fn drawings_without_walls_are_refused_and_without_dimensions_come_back_unscaled() {
    let mut ocr = Ocr::load(&setup()).unwrap();
    let blank = GrayImage::from_pixel(800, 600, Luma([255]));
    assert!(matches!(
        roomwright_vision::read_plan(&blank, &mut ocr),
        Err(PlanError::NoWalls)
    ));
    let mut walls_only = blank.clone();
    for (x, y) in (100..700).flat_map(|x| (100..500).map(move |y| (x, y))) {
        let edge = !(115..685).contains(&x) || !(115..485).contains(&y);
        if edge {
            walls_only.put_pixel(x, y, Luma([0]));
        }
    }
    // No dimension: the geometry comes back unscaled, to be scaled from a length the user
    // knows, rather than as a failure.
    let unscaled = roomwright_vision::read_plan(&walls_only, &mut ocr).unwrap();
    assert!(unscaled.scale.unscaled);
    assert_eq!(
        (unscaled.scale.confidence, unscaled.scale.sources.len()),
        (0.0, 0)
    );
    assert_eq!(
        unscaled.floor_plan.rooms.len(),
        1,
        "{:?}",
        unscaled.floor_plan
    );
    assert_eq!(unscaled.floor_plan.walls.len(), 4);
    let width: f64 = unscaled
        .floor_plan
        .walls
        .iter()
        .map(|w| (w.end[0] - w.start[0]).abs())
        .fold(0.0, f64::max);
    assert!(
        (width - 600.0 / roomwright_vision::scale::NOMINAL_PX_PER_M).abs() < 0.1,
        "{width}"
    );
}

/// A doorway drawn as a plain gap in a wall (no leaf, no swing) still parts two rooms.
#[test]
fn an_undrawn_doorway_parts_two_rooms() {
    let mut ocr = Ocr::load(&setup()).unwrap();
    let mut page = GrayImage::from_pixel(900, 600, Luma([255]));
    for (x, y) in (100..800).flat_map(|x| (100..500).map(move |y| (x, y))) {
        let outer = !(115..785).contains(&x) || !(115..485).contains(&y);
        // An interior wall at x = 400..408 with a 40 px gap at y = 280..320.
        let inner = (400..408).contains(&x) && !(280..320).contains(&y);
        if outer || inner {
            page.put_pixel(x, y, Luma([0]));
        }
    }
    let read = roomwright_vision::read_plan(&page, &mut ocr).unwrap();
    assert_eq!(
        read.floor_plan.rooms.len(),
        2,
        "{:?}",
        read.floor_plan.rooms
    );
}

#[test]
fn the_command_line_writes_the_same_json_and_refuses_what_is_not_a_plan() {
    setup();
    let out = plans().join("cli.json");
    let vision = env!("CARGO_BIN_EXE_vision");
    let run = Command::new(vision)
        .args(["parse-plan", "--image"])
        .arg(plans().join("plan_001.png"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let written: Proposal = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written.floor_plan.rooms.len(), truth(1).rooms.len());
    assert_eq!(written.floor_plan.units, "m");

    let text = plans().join("notes.txt");
    std::fs::write(&text, "not a drawing").unwrap();
    let refused = Command::new(vision)
        .args(["parse-plan", "--image"])
        .arg(&text)
        .args(["--out", "-"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a PNG, JPEG or PDF"));

    // Two pages: which one is the plan is the user's call.
    let two_pages = plans().join("two.pdf");
    let root = roomwright_devstack::repo_root();
    let made = Command::new(root.join(".venv/bin/python"))
        .args([
            "-c",
            "import sys; from PIL import Image; a = Image.new('RGB', (200, 100), 'white'); \
             a.save(sys.argv[1], save_all=True, append_images=[a])",
        ])
        .arg(&two_pages)
        .status()
        .unwrap();
    assert!(made.success());
    let refused = Command::new(vision)
        .args(["parse-plan", "--image"])
        .arg(&two_pages)
        .args(["--out", "-"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("has 2 pages"));
}
