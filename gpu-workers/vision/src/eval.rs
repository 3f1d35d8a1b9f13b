//! Scoring a proposal against the truth `tools/plangen.py` writes beside each test plan: what
//! the tests assert and the benchmark reports.
//!
//! Geometry is compared on the page (both sides mapped to pixels with their own scale), so a
//! room's IoU measures its outline and the scale error is reported on its own.

use geo::{Area, BooleanOps, Coord, LineString, Polygon};
use image::{GrayImage, Luma};
use imageproc::{drawing::draw_polygon_mut, point::Point};
use roomwright_projects::floorplan::{OpeningKind, Wall};
use serde::{Deserialize, Serialize};

use crate::{dimensions, proposal::Proposal};

#[derive(Debug, Clone, Deserialize)]
pub struct Truth {
    pub page: TruthPage,
    pub px_per_m: f64,
    pub origin_px: [f64; 2],
    pub walls: Vec<TruthWall>,
    pub rooms: Vec<TruthRoom>,
    pub doors: Vec<TruthOpening>,
    pub windows: Vec<TruthOpening>,
    pub dimensions: Vec<TruthDimension>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthPage {
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthWall {
    pub start: [f64; 2],
    pub end: [f64; 2],
    pub thickness_m: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthRoom {
    pub name: String,
    pub polygon: Vec<[f64; 2]>,
    pub size_label: Option<TruthLabel>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthLabel {
    pub text: String,
    pub values_m: Vec<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthOpening {
    pub center: [f64; 2],
    pub width: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthDimension {
    pub text: String,
    pub value_m: f64,
}

/// One plan's scores.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    pub wall_iou: f64,
    pub rooms_truth: usize,
    pub rooms_found: usize,
    /// Mean over the true rooms of the IoU with the room matched to it (0 when none).
    pub room_iou: f64,
    /// Matched rooms whose name was read (ignoring spaces and case).
    pub rooms_named: usize,
    pub doors: Detection,
    pub windows: Detection,
    pub dimensions_truth: usize,
    pub dimensions_read: usize,
    pub scale_error: f64,
    pub seconds: f64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Detection {
    pub truth: usize,
    pub found: usize,
    pub matched: usize,
}

impl Detection {
    pub fn add(&mut self, other: Detection) {
        self.truth += other.truth;
        self.found += other.found;
        self.matched += other.matched;
    }
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.matched as f64 / self.found as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.matched as f64 / self.truth as f64
        }
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Maps plan metres to page pixels.
#[derive(Clone, Copy)]
struct Frame {
    ppm: f64,
    ox: f64,
    oy: f64,
}

impl Frame {
    fn px(&self, [x, y]: [f64; 2]) -> (f64, f64) {
        (self.ox + x * self.ppm, self.oy - y * self.ppm)
    }
    fn polygon(&self, points: &[[f64; 2]]) -> Polygon<f64> {
        Polygon::new(
            LineString::from(
                points
                    .iter()
                    .map(|p| {
                        let (x, y) = self.px(*p);
                        Coord { x, y }
                    })
                    .collect::<Vec<_>>(),
            ),
            vec![],
        )
    }
}

fn footprint(start: [f64; 2], end: [f64; 2], thickness: f64) -> Vec<[f64; 2]> {
    let wall = Wall {
        id: String::new(),
        start,
        end,
        thickness_m: thickness,
        height_m: 0.0,
    };
    wall.footprint()
        .exterior()
        .coords()
        .take(4)
        .map(|c| [c.x, c.y])
        .collect()
}

fn raster(width: u32, height: u32, polygons: &[Polygon<f64>]) -> GrayImage {
    let mut image = GrayImage::new(width, height);
    for p in polygons {
        let mut points: Vec<Point<i32>> = p
            .exterior()
            .coords()
            .map(|c| Point::new(c.x.round() as i32, c.y.round() as i32))
            .collect();
        points.dedup();
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        if points.len() >= 3 {
            draw_polygon_mut(&mut image, &points, Luma([255]));
        }
    }
    image
}

fn iou(a: &Polygon<f64>, b: &Polygon<f64>) -> f64 {
    let inter = a.intersection(b).unsigned_area();
    let union = a.unsigned_area() + b.unsigned_area() - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

/// Greedy one-to-one matching of points within a distance; returns the number matched.
fn match_points(truth: &[(f64, f64, f64)], found: &[(f64, f64)]) -> usize {
    let mut pairs = Vec::new();
    for (i, &(tx, ty, reach)) in truth.iter().enumerate() {
        for (j, &(fx, fy)) in found.iter().enumerate() {
            let d = ((tx - fx).powi(2) + (ty - fy).powi(2)).sqrt();
            if d <= reach {
                pairs.push((d, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut used_t, mut used_f) = (vec![false; truth.len()], vec![false; found.len()]);
    let mut matched = 0;
    for (_, i, j) in pairs {
        if !used_t[i] && !used_f[j] {
            used_t[i] = true;
            used_f[j] = true;
            matched += 1;
        }
    }
    matched
}

/// Names compared as read: OCR often drops the space in `Open Plan` or `Office 2`.
fn same_name(a: &str, b: &str) -> bool {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    squash(a) == squash(b)
}

pub fn score(truth: &Truth, proposal: &Proposal) -> Score {
    let t = Frame {
        ppm: truth.px_per_m,
        ox: truth.origin_px[0],
        oy: truth.origin_px[1],
    };
    let f = Frame {
        ppm: proposal.scale.px_per_m,
        ox: proposal.page.origin_px[0],
        oy: proposal.page.origin_px[1],
    };
    let plan = &proposal.floor_plan;
    let (w, h) = (truth.page.width, truth.page.height);

    let truth_walls: Vec<Polygon<f64>> = truth
        .walls
        .iter()
        .map(|x| t.polygon(&footprint(x.start, x.end, x.thickness_m)))
        .collect();
    let found_walls: Vec<Polygon<f64>> = plan
        .walls
        .iter()
        .map(|x| f.polygon(&footprint(x.start, x.end, x.thickness_m)))
        .collect();
    let (a, b) = (raster(w, h, &truth_walls), raster(w, h, &found_walls));
    let (mut inter, mut union) = (0usize, 0usize);
    for (p, q) in a.pixels().zip(b.pixels()) {
        let (p, q) = (p.0[0] > 0, q.0[0] > 0);
        inter += usize::from(p && q);
        union += usize::from(p || q);
    }
    let wall_iou = if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    };

    // Rooms: greedy one-to-one by IoU.
    let truth_rooms: Vec<Polygon<f64>> =
        truth.rooms.iter().map(|r| t.polygon(&r.polygon)).collect();
    let found_rooms: Vec<Polygon<f64>> = plan.rooms.iter().map(|r| f.polygon(&r.polygon)).collect();
    let mut pairs = Vec::new();
    for (i, tr) in truth_rooms.iter().enumerate() {
        for (j, fr) in found_rooms.iter().enumerate() {
            let v = iou(tr, fr);
            if v > 0.0 {
                pairs.push((v, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut best, mut used) = (vec![0.0; truth_rooms.len()], vec![false; found_rooms.len()]);
    let mut named = 0;
    for (v, i, j) in pairs {
        if best[i] == 0.0 && !used[j] {
            best[i] = v;
            used[j] = true;
            named += usize::from(same_name(&plan.rooms[j].name, &truth.rooms[i].name));
        }
    }
    let room_iou = if best.is_empty() {
        0.0
    } else {
        best.iter().sum::<f64>() / best.len() as f64
    };

    // Openings: centres on the page, matched within half the true width.
    let centre = |kind: OpeningKind| -> Vec<(f64, f64)> {
        plan.openings
            .iter()
            .filter(|o| o.kind == kind)
            .filter_map(|o| {
                let wall = plan.walls.iter().find(|w| w.id == o.wall_id)?;
                let len = wall.length().max(1e-9);
                let along = o.offset_m + o.width_m / 2.0;
                let p = [
                    wall.start[0] + (wall.end[0] - wall.start[0]) * along / len,
                    wall.start[1] + (wall.end[1] - wall.start[1]) * along / len,
                ];
                Some(f.px(p))
            })
            .collect()
    };
    let detection = |truth_list: &[TruthOpening], kind| {
        let truth_points: Vec<(f64, f64, f64)> = truth_list
            .iter()
            .map(|o| {
                let (x, y) = t.px(o.center);
                (x, y, (o.width * t.ppm / 2.0).max(10.0))
            })
            .collect();
        let found = centre(kind);
        Detection {
            truth: truth_points.len(),
            found: found.len(),
            matched: match_points(&truth_points, &found),
        }
    };
    let doors = detection(&truth.doors, OpeningKind::Door);
    let windows = detection(&truth.windows, OpeningKind::Window);

    // Dimension strings: every one drawn must be among those read, with the same figures.
    let read: Vec<Vec<f64>> = proposal
        .text
        .iter()
        .filter_map(|x| dimensions::parse(&x.text))
        .collect();
    let same = |a: &[f64], b: &[f64]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 0.001 + 0.001 * y)
    };
    // The figures as written (labels round to the unit: 20'-9" for 20' 8.5"), not as drawn.
    let wanted: Vec<Vec<f64>> = truth
        .dimensions
        .iter()
        .map(|d| d.text.as_str())
        .chain(
            truth
                .rooms
                .iter()
                .filter_map(|r| r.size_label.as_ref().map(|l| l.text.as_str())),
        )
        .filter_map(dimensions::parse)
        .collect();
    let mut pool = read.clone();
    let mut dimensions_read = 0;
    for want in &wanted {
        if let Some(i) = pool.iter().position(|r| same(r, want)) {
            pool.remove(i);
            dimensions_read += 1;
        }
    }

    Score {
        wall_iou,
        rooms_truth: truth.rooms.len(),
        rooms_found: plan.rooms.len(),
        room_iou,
        rooms_named: named,
        doors,
        windows,
        dimensions_truth: truth.dimensions.len()
            + truth
                .rooms
                .iter()
                .filter(|r| r.size_label.is_some())
                .count(),
        dimensions_read,
        scale_error: (proposal.scale.px_per_m / truth.px_per_m - 1.0).abs(),
        seconds: proposal.timings_ms.get("total").copied().unwrap_or(0.0) / 1000.0,
    }
}
