//! `layout-bench`: the layout engine on generated floors of 1 to 40 rooms and briefs of 5 to
//! 200 people, with the demo catalog (`make bench-layout`). Per size: seconds per proposal on
//! one core (p50, p95), desks placed against the brief and against the area's upper bound,
//! rule violations found by the independent check (must be 0), and the budget fit's error
//! (a budget 10% under each proposal's total: how far the fitted total lands from it).

use std::time::{Duration, Instant};

use roomwright_devstack::demo::demo_catalog;
use roomwright_layout::{
    Brief, BriefOverrides, Settings,
    budget::{FitError, fit_budget},
    check::check,
    propose,
    sample::{FloorSpec, floor},
    store::scenario_of,
};
use roomwright_projects::{
    floorplan::{self, FloorPlan, Opening, OpeningKind, Room, Wall},
    model::Requirements,
    scenarios::Terms,
};

/// A plan drawn by the vision worker's generator (`plangen.py`), from the truth it writes
/// beside each drawing: walls, rooms named as on the drawing (kinds from the names, as the
/// reader makes them), doors and windows placed on their walls.
fn plangen_plan(truth: &serde_json::Value) -> FloorPlan {
    let point = |v: &serde_json::Value| [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()];
    let walls: Vec<Wall> = truth["walls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| Wall {
            id: w["id"].as_str().unwrap().into(),
            start: point(&w["start"]),
            end: point(&w["end"]),
            thickness_m: w["thickness_m"].as_f64().unwrap(),
            height_m: 2.7,
        })
        .collect();
    let rooms = truth["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let name = r["name"].as_str().unwrap().to_string();
            Room {
                id: format!("room-{}", k + 1),
                kind: floorplan::kind_of(&name).into(),
                name,
                polygon: r["polygon"].as_array().unwrap().iter().map(point).collect(),
            }
        })
        .collect();
    let mut openings = Vec::new();
    for (kind, list) in [
        (OpeningKind::Door, "doors"),
        (OpeningKind::Window, "windows"),
    ] {
        for (k, o) in truth[list].as_array().unwrap().iter().enumerate() {
            let [cx, cy] = point(&o["center"]);
            let width = o["width"].as_f64().unwrap();
            // The wall the opening's centre lies in.
            let Some((wall, along)) = walls.iter().find_map(|w| {
                let length = w.length();
                let (dx, dy) = (
                    (w.end[0] - w.start[0]) / length,
                    (w.end[1] - w.start[1]) / length,
                );
                let (px, py) = (cx - w.start[0], cy - w.start[1]);
                let along = px * dx + py * dy;
                let across = (px * dy - py * dx).abs();
                (across <= w.thickness_m / 2.0 + 0.05 && along > 0.0 && along < length)
                    .then_some((w, along))
            }) else {
                continue;
            };
            openings.push(Opening {
                id: format!("{list}-{k}"),
                wall_id: wall.id.clone(),
                kind,
                offset_m: (along - width / 2.0).max(0.0),
                width_m: width,
                height_m: if kind == OpeningKind::Door { 2.1 } else { 1.2 },
                sill_m: if kind == OpeningKind::Door { 0.0 } else { 0.9 },
            });
        }
    }
    FloorPlan {
        units: "m".into(),
        rooms,
        walls,
        openings,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64()
}

/// `--draw DIR`: the demo project's proposals as SVG and PNG drawings, for people to look at.
fn draw_demo(dir: &str) {
    let project = roomwright_local::seed::demo_project_for("usr_demo", "designer@example.com");
    let catalog: Vec<_> = roomwright_local::seed::demo_products()
        .into_iter()
        .chain(demo_catalog())
        .collect();
    let plan = project
        .floor_plan
        .as_ref()
        .expect("the demo project has a plan");
    let brief = Brief::new(&project.requirements, &BriefOverrides::default());
    let labels = catalog
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    std::fs::create_dir_all(dir).expect("the drawings' folder");
    for proposal in propose(plan, None, &brief, &catalog, 3, &Settings::default()) {
        let path = format!("{dir}/demo-{}.svg", proposal.strategy);
        let title = format!("{}: {}. {}", project.name, proposal.name, proposal.summary);
        let svg = roomwright_layout::draw::plan_svg(
            plan,
            &proposal.items,
            &labels,
            &proposal.violations,
            &title,
            &Settings::default(),
        );
        let png = roomwright_layout::draw::png(&svg, 1.0).expect("a drawing as PNG");
        std::fs::write(path.replace(".svg", ".png"), png).expect("a PNG written");
        std::fs::write(&path, svg).expect("a drawing written");
        println!("{path}: {} ({:?})", proposal.summary, proposal.warnings);
    }
}

/// One line of the table: the engine on `floors` (name, plan, people).
#[allow(clippy::too_many_arguments)]
fn bench_row(
    rooms: &str,
    people: &str,
    floors: &[(String, FloorPlan, u32)],
    catalog: &[roomwright_core::catalog::Product],
    products: &std::collections::HashMap<String, roomwright_core::catalog::Product>,
    settings: &Settings,
    draw: Option<&str>,
) {
    let mut times = Vec::new();
    let (mut placed, mut asked, mut violations) = (0u32, 0u32, 0usize);
    let mut area = 0.0;
    let mut budget_errors = Vec::new();
    let mut unreachable = 0;
    let (mut full, mut full_bound, mut full_feasible) = (0u32, 0u32, 0u32);
    for (name, plan, people) in floors {
        let (plan, people) = (plan, *people);
        let brief = Brief::new(
            &Requirements::default(),
            &BriefOverrides {
                headcount: Some(people),
                ..BriefOverrides::default()
            },
        );
        let start = Instant::now();
        let proposal = propose(plan, None, &brief, catalog, 1, settings).remove(0);
        times.push(start.elapsed());
        area += proposal.rooms.iter().map(|r| r.area_m2).sum::<f64>();
        placed += proposal.desks;
        asked += proposal.desks_asked;
        let broken = check(plan, &proposal.items, settings);
        if let Some(first) = broken.first() {
            eprintln!(
                "{name}: {} rule breaks, the first: {first:?} {:?}",
                broken.len(),
                first.item.map(|k| &proposal.items[k])
            );
        }
        violations += broken.len();
        // Packing: a brief asking more desks than the area could ever hold.
        let crowd = Brief::new(
            &Requirements::default(),
            &BriefOverrides {
                headcount: Some((proposal.desks_area_bound * 2).clamp(1, 2000)),
                meeting_seats: Some(0),
                focus_rooms: Some(0),
                collaboration_areas: Some(0),
                storage_per_person: Some(0.0),
                ..BriefOverrides::default()
            },
        );
        let packed = propose(plan, None, &crowd, catalog, 1, settings).remove(0);
        if let Some(dir) = draw {
            let labels = catalog
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect();
            std::fs::create_dir_all(dir).expect("the drawings' folder");
            for (kind, p) in [("brief", &proposal), ("packed", &packed)] {
                let svg = roomwright_layout::draw::plan_svg(
                    plan,
                    &p.items,
                    &labels,
                    &p.violations,
                    &format!("{name}: {}", p.summary),
                    settings,
                );
                std::fs::write(format!("{dir}/{kind}-{name}.svg"), svg).expect("a drawing written");
            }
        }
        full += packed.desks;
        full_bound += packed.desks_area_bound;
        full_feasible += packed.desks_feasible;
        violations += packed.violations.len();
        let scenario = scenario_of(&proposal, "bench", "Bench", &Terms::default());
        if let Ok(q) = roomwright_projects::scenarios::quote(&scenario, products, "EUR", None) {
            let budget = q.total_minor * 9 / 10;
            match fit_budget(&scenario, products, catalog, "EUR", budget, &brief.styles) {
                Ok(fit) => {
                    budget_errors.push((fit.after.total_minor - budget) as f64 / budget as f64)
                }
                Err(FitError::Unreachable { .. }) => unreachable += 1,
                Err(FitError::Unpriced(p)) => panic!("unpriced: {p:?}"),
            }
        }
    }
    times.sort();
    let budget = if budget_errors.is_empty() {
        "-".to_string()
    } else {
        let worst = budget_errors.iter().copied().fold(f64::MIN, f64::max);
        let mean = budget_errors.iter().sum::<f64>() / budget_errors.len() as f64;
        format!("{:+.1}%/{:+.1}%", mean * 100.0, worst * 100.0)
    };
    println!(
        "{:>5} {:>6} {:>7.0} {:>8.3} {:>8.3} {:>13} {:>15} {:>15} {:>10} {:>12}{}",
        rooms,
        people,
        area / floors.len() as f64,
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        format!(
            "{placed}/{asked} {:.0}%",
            100.0 * placed as f64 / asked.max(1) as f64
        ),
        format!(
            "{full}/{full_feasible} {:.0}%",
            100.0 * full as f64 / full_feasible.max(1) as f64
        ),
        format!(
            "{full}/{full_bound} {:.0}%",
            100.0 * full as f64 / full_bound.max(1) as f64
        ),
        violations,
        budget,
        if unreachable > 0 {
            format!(" ({unreachable} budgets out of reach)")
        } else {
            String::new()
        }
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--draw") {
        draw_demo(args.get(i + 1).map_or("layouts", String::as_str));
        return;
    }
    // `--draw-packed DIR`: the floors as drawings (the brief's proposal and the packing run), to see where seats were lost.
    let draw_packed = args
        .iter()
        .position(|a| a == "--draw-packed")
        .map(|i| args.get(i + 1).cloned().unwrap_or_else(|| "packed".into()));
    let runs: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let catalog: Vec<_> = demo_catalog()
        .into_iter()
        .filter(|p| p.list_price.currency == "EUR")
        .collect();
    let products: std::collections::HashMap<String, _> =
        catalog.iter().map(|p| (p.id.clone(), p.clone())).collect();
    let settings = Settings::default();
    println!(
        "{:>5} {:>6} {:>7} {:>8} {:>8} {:>13} {:>15} {:>15} {:>10} {:>12}",
        "rooms",
        "people",
        "m²",
        "p50 s",
        "p95 s",
        "desks/asked",
        "packed/feasible",
        "packed/area",
        "violations",
        "budget err"
    );
    for (rooms, people) in [(1, 5), (5, 20), (10, 40), (20, 80), (30, 120), (40, 200)] {
        let floors: Vec<(String, FloorPlan, u32)> = (0..runs)
            .map(|seed| {
                let plan = floor(FloorSpec {
                    seed: seed * 7919 + rooms as u64,
                    rooms,
                    angle_deg: if seed % 2 == 0 {
                        0.0
                    } else {
                        17.0 * seed as f64
                    },
                    cut_corner: seed % 3 == 1,
                    // About 9 m² a person: desks, meeting rooms, circulation and support.
                    min_area_m2: people as f64 * 9.0,
                });
                (format!("{rooms}-{seed}"), plan, people)
            })
            .collect();
        bench_row(
            &rooms.to_string(),
            &people.to_string(),
            &floors,
            &catalog,
            &products,
            &settings,
            draw_packed.as_deref(),
        );
    }
    // The vision worker's generator's plans (`--plans DIR`, written by `plangen.py`).
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--plans")
        .and_then(|i| args.get(i + 1))
    {
        let mut floors = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("the generator's plans")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let truth: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).expect("a plan")).expect("plan JSON");
            let plan = plangen_plan(&truth);
            // Their offices hold the people: one per small office (a focus room), one per
            // 6 m² of larger offices and open plan (a desk, its chair, its share of aisles).
            let focus_max = settings.focus_room_max_m2;
            let people: f64 = plan
                .rooms
                .iter()
                .filter(|r| matches!(r.kind.as_str(), "office" | "open_plan"))
                .map(|r| geo::Area::unsigned_area(&r.shape()))
                .map(|area| if area <= focus_max { 1.0 } else { area / 6.0 })
                .sum();
            if people == 0.0 {
                // A plan of meeting rooms, kitchens and stores: no desks to place.
                continue;
            }
            let people = (people.round() as u32).clamp(1, 200);
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            floors.push((name, plan, people));
        }
        let span = |v: Vec<u32>| {
            format!(
                "{}-{}",
                v.iter().min().unwrap_or(&0),
                v.iter().max().unwrap_or(&0)
            )
        };
        // One row per ten rooms (1-10, 11-20, ...).
        let mut bands: std::collections::BTreeMap<usize, Vec<_>> = Default::default();
        for floor in &floors {
            bands
                .entry(floor.1.rooms.len().saturating_sub(1) / 10)
                .or_default()
                .push(floor.clone());
        }
        for band in bands.values() {
            bench_row(
                &span(band.iter().map(|f| f.1.rooms.len() as u32).collect()),
                &span(band.iter().map(|f| f.2).collect()),
                band,
                &catalog,
                &products,
                &settings,
                draw_packed.as_deref(),
            );
        }
        println!(
            "last rows (by ten rooms): the {} plans with offices of those drawn by gpu-workers/vision/tools/plangen.py (their truth: walls, rooms named as drawn, doors, windows), one person per small office and per 6 m² of larger offices and open plan",
            floors.len()
        );
    }
    println!(
        "{runs} floors per size, one proposal each (benching), one thread. packed: desks placed when the brief asks twice what the open rooms' area could hold; /feasible: against the desks each room's shape holds in rows of benches or single workstations with only its walls and door swings in the way (no aisles or path search); /area: against each room's area over a desk's footprint with its chair clearance (no shapes either). budget err: mean/worst of (fitted total - budget) / budget, negative is under."
    );
}
