//! Scoring readings of real drawings (made by others) against the truth we recorded for them
//! in `gpu-workers/vision/real/truth.json`: rooms as labelled with their written sizes, the
//! overall size when written, and whether the drawing writes any length at all. Where the
//! source annotates its rooms (a colour per room type, one region per room: DeepFloorplan's
//! `_rooms.png`), rooms are also scored by IoU against those outlines, and the true scale is
//! taken from the rooms whose written size is recorded against their annotated outline.

use geo::{Coord, Intersects, LineString, Point, Polygon};
use image::RgbImage;
use roomwright_projects::floorplan::FloorPlan;
use serde::{Deserialize, Serialize};

use crate::proposal::Proposal;

/// A room's size is right within this share on both sides.
pub const SIZE_TOLERANCE: f64 = 0.05;
/// The scale is right within this share (the issue's target).
pub const SCALE_TOLERANCE: f64 = 0.03;

#[derive(Debug, Clone, Deserialize)]
pub struct RealSet {
    pub drawings: Vec<RealDrawing>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RealDrawing {
    pub id: String,
    pub kind: String,
    pub source: RealSource,
    /// Whether any length is written on it (else it must come back unscaled).
    pub dimensioned: bool,
    #[serde(default)]
    pub overall_m: Option<Overall>,
    pub rooms: Vec<RealRoom>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RealSource {
    pub repo: String,
    pub commit: String,
    pub path: String,
    pub licence: String,
    /// The source's room annotation (same repository and commit), fetched as `<id>.rooms.png`.
    #[serde(default)]
    pub rooms_mask: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Overall {
    pub width: Option<f64>,
    pub depth: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RealRoom {
    pub name: String,
    /// The size written in the room, metres, in either order.
    #[serde(default)]
    pub size_m: Option<[f64; 2]>,
    /// A point inside the room on the drawing (pixels of the original file): ties the written
    /// size to the room's annotated outline.
    #[serde(default)]
    pub at_px: Option<[f64; 2]>,
}

/// One real drawing's scores.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RealScore {
    pub scaled: bool,
    /// Scaled when lengths are written, unscaled when none are.
    pub scale_as_expected: bool,
    pub rooms_truth: usize,
    pub rooms_found: usize,
    /// Within one of the truth.
    pub room_count_right: bool,
    /// The building's overall size read against the written one (when both exist).
    pub scale_error: Option<f64>,
    /// Rooms with a written size, and those a read room matches within [`SIZE_TOLERANCE`].
    pub rooms_sized: usize,
    pub rooms_sized_right: usize,
    /// Dimension strings the scale used.
    pub dimensions_used: usize,
    /// Text lines read as dimensions (whether or not the scale could use them).
    pub dimensions_found: usize,
    /// Against the annotated outlines: the mean over annotated rooms of the IoU of the read
    /// room matched to each (one to one, best first; unmatched rooms count 0), and how many
    /// matched at IoU 0.5 or more.
    pub room_iou: Option<f64>,
    pub rooms_matched: usize,
    /// Whether the truth can check the scale (an annotated room's written size, the overall
    /// size or written room sizes).
    pub scale_checked: bool,
}

/// The extent of a plan's walls along x (0) or y (1), metres.
fn extent(plan: &FloorPlan, axis: usize) -> Option<f64> {
    let values = plan.walls.iter().flat_map(|w| [w.start[axis], w.end[axis]]);
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (hi > lo).then_some(hi - lo)
}

/// A room's bounding box, metres, smaller side first.
fn box_of(polygon: &[[f64; 2]]) -> [f64; 2] {
    let span = |axis: usize| {
        let (lo, hi) = polygon.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p[axis]), hi.max(p[axis]))
        });
        (hi - lo).max(0.0)
    };
    let (a, b) = (span(0), span(1));
    [a.min(b), a.max(b)]
}

/// A source's room annotation: one label per pixel (0: no room), regions of one colour split
/// into rooms by connectivity, specks dropped.
#[derive(Debug, Clone)]
pub struct RoomMask {
    pub width: u32,
    pub height: u32,
    labels: Vec<u32>,
    /// Pixel count and bounding box (x0, y0, x1, y1 inclusive) of each room, label - 1.
    pub rooms: Vec<(usize, [u32; 4])>,
}

/// DeepFloorplan's room colours (`utils/rgb_ind_convertor.py`): closet, bathroom,
/// living/kitchen/dining, bedroom, hall, balcony, and two spare classes.
const ROOM_COLOURS: [[u8; 3]; 8] = [
    [192, 192, 224],
    [192, 255, 255],
    [224, 255, 192],
    [255, 224, 128],
    [255, 160, 96],
    [255, 224, 224],
    [224, 224, 224],
    [224, 224, 128],
];

/// Regions smaller than this share of the page are annotation specks, not rooms.
const MIN_ROOM_SHARE: f64 = 0.001;

impl RoomMask {
    pub fn from_annotation(image: &RgbImage) -> RoomMask {
        let (width, height) = image.dimensions();
        let class = |x: u32, y: u32| {
            let p = image.get_pixel(x, y).0;
            ROOM_COLOURS.iter().position(|c| *c == p)
        };
        let mut labels = vec![0u32; (width * height) as usize];
        let mut rooms = Vec::new();
        let min_pixels = (MIN_ROOM_SHARE * f64::from(width * height)) as usize;
        let mut stack = Vec::new();
        let mut region = Vec::new();
        for y in 0..height {
            for x in 0..width {
                let i = (y * width + x) as usize;
                let Some(c) = class(x, y).filter(|_| labels[i] == 0) else {
                    continue;
                };
                // Flood the region of this colour (4-connected), then keep it or drop it.
                let label = rooms.len() as u32 + 1;
                region.clear();
                stack.push((x, y));
                labels[i] = label;
                while let Some((px, py)) = stack.pop() {
                    region.push((px, py));
                    let neighbours = [
                        (px.wrapping_sub(1), py),
                        (px + 1, py),
                        (px, py.wrapping_sub(1)),
                        (px, py + 1),
                    ];
                    for (nx, ny) in neighbours {
                        if nx < width && ny < height {
                            let j = (ny * width + nx) as usize;
                            if labels[j] == 0 && class(nx, ny) == Some(c) {
                                labels[j] = label;
                                stack.push((nx, ny));
                            }
                        }
                    }
                }
                if region.len() < min_pixels.max(1) {
                    for &(px, py) in &region {
                        labels[(py * width + px) as usize] = u32::MAX;
                    }
                    continue;
                }
                let bbox = region
                    .iter()
                    .fold([u32::MAX, u32::MAX, 0, 0], |[x0, y0, x1, y1], &(px, py)| {
                        [x0.min(px), y0.min(py), x1.max(px), y1.max(py)]
                    });
                rooms.push((region.len(), bbox));
            }
        }
        for l in &mut labels {
            if *l == u32::MAX {
                *l = 0;
            }
        }
        RoomMask {
            width,
            height,
            labels,
            rooms,
        }
    }

    /// The room (index) at a point, if any.
    fn room_at(&self, x: f64, y: f64) -> Option<usize> {
        let (x, y) = (x.round() as i64, y.round() as i64);
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return None;
        }
        let label = self.labels[(y as u32 * self.width + x as u32) as usize];
        (label > 0).then(|| label as usize - 1)
    }

    /// The true scale in the page's pixels per metre: each recorded room's written size
    /// against its annotated outline (sides matched short to short), averaged.
    fn px_per_m(&self, truth: &RealDrawing, page_scale: f64) -> Option<f64> {
        let ratios: Vec<f64> = truth
            .rooms
            .iter()
            .filter_map(|r| {
                let (size, at) = (r.size_m?, r.at_px?);
                let (_, [x0, y0, x1, y1]) = self.rooms[self.room_at(at[0], at[1])?];
                let px = [f64::from(x1 - x0 + 1), f64::from(y1 - y0 + 1)];
                let px = [px[0].min(px[1]), px[0].max(px[1])];
                let m = [size[0].min(size[1]), size[0].max(size[1])];
                Some([px[0] / m[0], px[1] / m[1]])
            })
            .flatten()
            .collect();
        (!ratios.is_empty()).then(|| ratios.iter().sum::<f64>() / ratios.len() as f64 / page_scale)
    }

    /// Read rooms against the annotated ones: mean IoU over the annotated rooms (one to one,
    /// best first) and how many matched at 0.5 or more.
    fn iou(&self, proposal: &Proposal, page_scale: f64) -> (f64, usize) {
        if self.rooms.is_empty() {
            return (0.0, 0);
        }
        let ppm = proposal.scale.px_per_m;
        let [ox, oy] = proposal.page.origin_px;
        // (read room, annotated room, IoU)
        let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
        for (r, room) in proposal.floor_plan.rooms.iter().enumerate() {
            let points: Vec<Coord> = room
                .polygon
                .iter()
                .map(|p| Coord {
                    x: (ox + p[0] * ppm) * page_scale,
                    y: (oy - p[1] * ppm) * page_scale,
                })
                .collect();
            let polygon = Polygon::new(LineString::from(points.clone()), vec![]);
            let (x0, x1) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| {
                (lo.min(c.x), hi.max(c.x))
            });
            let (y0, y1) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), c| {
                (lo.min(c.y), hi.max(c.y))
            });
            let clamp = |v: f64, max: u32| (v.max(0.0) as u32).min(max.saturating_sub(1));
            let mut area = 0usize;
            let mut inter = vec![0usize; self.rooms.len()];
            for y in clamp(y0.floor(), self.height)..=clamp(y1.ceil(), self.height) {
                for x in clamp(x0.floor(), self.width)..=clamp(x1.ceil(), self.width) {
                    if polygon.intersects(&Point::new(f64::from(x), f64::from(y))) {
                        area += 1;
                        let label = self.labels[(y * self.width + x) as usize];
                        if label > 0 {
                            inter[label as usize - 1] += 1;
                        }
                    }
                }
            }
            for (t, &n) in inter.iter().enumerate().filter(|(_, n)| **n > 0) {
                let union = area + self.rooms[t].0 - n;
                pairs.push((r, t, n as f64 / union as f64));
            }
        }
        pairs.sort_by(|a, b| b.2.total_cmp(&a.2));
        let (mut used_read, mut best) = (
            vec![false; proposal.floor_plan.rooms.len()],
            vec![0.0; self.rooms.len()],
        );
        let mut used_truth = vec![false; self.rooms.len()];
        for (r, t, iou) in pairs {
            if !used_read[r] && !used_truth[t] {
                used_read[r] = true;
                used_truth[t] = true;
                best[t] = iou;
            }
        }
        let matched = best.iter().filter(|&&v| v >= 0.5).count();
        (best.iter().sum::<f64>() / best.len() as f64, matched)
    }
}

pub fn score(truth: &RealDrawing, proposal: &Proposal, mask: Option<&RoomMask>) -> RealScore {
    let plan = &proposal.floor_plan;
    let scaled = !proposal.scale.unscaled;
    let rooms_found = plan.rooms.len();
    // The annotation counts the rooms when there is one; else the rooms we listed.
    let rooms_truth = mask.map_or(truth.rooms.len(), |m| m.rooms.len());
    // Annotation pixels per page pixel (the reader shrinks very large pages).
    let page_scale = mask.map_or(1.0, |m| {
        f64::from(m.width) / f64::from(proposal.page.width_px)
    });
    let true_ppm = mask.and_then(|m| m.px_per_m(truth, page_scale));
    let (room_iou, rooms_matched) = match mask {
        Some(m) => {
            let (iou, matched) = m.iou(proposal, page_scale);
            (Some(iou), matched)
        }
        None => (None, 0),
    };
    let scale_error = match (&truth.overall_m, scaled, true_ppm) {
        (_, true, Some(want)) => Some((proposal.scale.px_per_m / want - 1.0).abs()),
        (Some(overall), true, None) => {
            let errors: Vec<f64> = [(overall.width, 0), (overall.depth, 1)]
                .into_iter()
                .filter_map(|(want, axis)| Some((extent(plan, axis)? / want?) - 1.0))
                .map(f64::abs)
                .collect();
            (!errors.is_empty()).then(|| errors.iter().sum::<f64>() / errors.len() as f64)
        }
        _ => None,
    };
    let boxes: Vec<[f64; 2]> = plan.rooms.iter().map(|r| box_of(&r.polygon)).collect();
    let sized: Vec<[f64; 2]> = truth
        .rooms
        .iter()
        .filter_map(|r| r.size_m)
        .map(|[a, b]| [a.min(b), a.max(b)])
        .collect();
    let rooms_sized_right = if scaled {
        sized
            .iter()
            .filter(|want| {
                boxes
                    .iter()
                    .any(|got| (0..2).all(|i| (got[i] / want[i] - 1.0).abs() <= SIZE_TOLERANCE))
            })
            .count()
    } else {
        0
    };
    RealScore {
        scaled,
        scale_as_expected: scaled == truth.dimensioned,
        rooms_truth,
        rooms_found,
        room_count_right: rooms_found.abs_diff(rooms_truth) <= 1,
        scale_error,
        rooms_sized: sized.len(),
        rooms_sized_right,
        dimensions_used: proposal.scale.sources.iter().filter(|s| s.used).count(),
        dimensions_found: proposal
            .text
            .iter()
            .filter(|t| t.role == "dimension")
            .count(),
        room_iou,
        rooms_matched,
        scale_checked: true_ppm.is_some() || truth.overall_m.is_some() || !sized.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        proposal::{Confidence, PageView},
        scale::Scale,
    };
    use roomwright_projects::floorplan::Room;

    /// Two bedrooms (one colour) parted by a wall, a bathroom, and a speck.
    fn annotation() -> RgbImage {
        let mut image = RgbImage::new(100, 60);
        let paint = |image: &mut RgbImage, [x0, y0, x1, y1]: [u32; 4], c: [u8; 3]| {
            for y in y0..y1 {
                for x in x0..x1 {
                    image.put_pixel(x, y, image::Rgb(c));
                }
            }
        };
        paint(&mut image, [0, 0, 40, 50], [255, 224, 128]);
        paint(&mut image, [42, 0, 70, 50], [255, 224, 128]);
        paint(&mut image, [72, 0, 100, 20], [192, 255, 255]);
        paint(&mut image, [90, 55, 92, 57], [192, 255, 255]);
        image
    }

    fn proposal_with(rooms: Vec<Vec<[f64; 2]>>, px_per_m: f64) -> Proposal {
        Proposal {
            floor_plan: FloorPlan {
                units: "m".into(),
                rooms: rooms
                    .into_iter()
                    .enumerate()
                    .map(|(i, polygon)| Room {
                        id: format!("r{i}"),
                        name: String::new(),
                        kind: "other".into(),
                        polygon,
                    })
                    .collect(),
                walls: vec![],
                openings: vec![],
            },
            confidence: Confidence::default(),
            scale: Scale {
                px_per_m,
                confidence: 1.0,
                sources: vec![],
                unscaled: false,
            },
            text: vec![],
            page: PageView {
                width_px: 100,
                height_px: 60,
                origin_px: [0.0, 50.0],
            },
            timings_ms: Default::default(),
        }
    }

    #[test]
    fn annotated_rooms_are_split_by_walls_and_specks_dropped() {
        let mask = RoomMask::from_annotation(&annotation());
        let boxes: Vec<[u32; 4]> = mask.rooms.iter().map(|r| r.1).collect();
        assert_eq!(boxes, [[0, 0, 39, 49], [42, 0, 69, 49], [72, 0, 99, 19]]);
    }

    #[test]
    fn rooms_are_scored_by_iou_and_the_scale_by_the_written_sizes() {
        let mask = RoomMask::from_annotation(&annotation());
        // The left bedroom is written 4 x 5 m: 10 px a metre.
        let truth = RealDrawing {
            id: "t".into(),
            kind: "test".into(),
            source: RealSource {
                repo: "o/r".into(),
                commit: "0".repeat(40),
                path: "p.png".into(),
                licence: "test".into(),
                rooms_mask: Some("p_rooms.png".into()),
            },
            dimensioned: true,
            overall_m: None,
            rooms: vec![RealRoom {
                name: "Bedroom".into(),
                size_m: Some([5.0, 4.0]),
                at_px: Some([20.0, 25.0]),
            }],
        };
        // Read at 10.5 px a metre: the left bedroom exactly, the right one half, no bathroom.
        let ppm = 10.5;
        let m = |x: f64, y: f64| [x / ppm, (50.0 - y) / ppm];
        let read = proposal_with(
            vec![
                vec![m(0.0, 0.0), m(39.0, 0.0), m(39.0, 49.0), m(0.0, 49.0)],
                vec![m(42.0, 0.0), m(55.0, 0.0), m(55.0, 49.0), m(42.0, 49.0)],
            ],
            ppm,
        );
        let s = score(&truth, &read, Some(&mask));
        assert_eq!((s.rooms_truth, s.rooms_found, s.rooms_matched), (3, 2, 2));
        let iou = s.room_iou.unwrap();
        // (1.0 + 14*50/(28*50) + 0) / 3
        assert!((iou - 0.5).abs() < 0.02, "{iou}");
        assert!(
            (s.scale_error.unwrap() - 0.05).abs() < 1e-9,
            "{:?}",
            s.scale_error
        );
        assert!(!s.room_count_right || s.rooms_found.abs_diff(3) <= 1);
    }

    #[test]
    fn the_committed_truth_reads_and_names_its_sources() {
        let set: RealSet =
            serde_json::from_str(include_str!("../real/truth.json")).expect("truth.json");
        assert!(!set.drawings.is_empty());
        for d in &set.drawings {
            assert!(
                !d.source.licence.is_empty() && d.source.commit.len() == 40,
                "{}",
                d.id
            );
            // Annotated drawings take their rooms from the annotation.
            assert!(
                !d.rooms.is_empty() || d.source.rooms_mask.is_some(),
                "{}",
                d.id
            );
            assert!(!d.kind.is_empty());
            if !d.dimensioned {
                assert!(d.overall_m.is_none() && d.rooms.iter().all(|r| r.size_m.is_none()));
            }
        }
    }
}
