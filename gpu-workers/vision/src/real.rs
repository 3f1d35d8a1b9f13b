//! Scoring readings of real drawings (made by others) against the truth we recorded for them
//! in `gpu-workers/vision/real/truth.json`: rooms as labelled with their written sizes, the
//! overall size when written, and whether the drawing writes any length at all. No room
//! outlines are recorded, so rooms are scored by count and by size, not by IoU.

use roomwright_projects::floorplan::FloorPlan;
use serde::{Deserialize, Serialize};

use crate::proposal::Proposal;

/// A room's size is right within this share on both sides.
pub const SIZE_TOLERANCE: f64 = 0.05;
/// The scale is right within this share (the target).
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

pub fn score(truth: &RealDrawing, proposal: &Proposal) -> RealScore {
    let plan = &proposal.floor_plan;
    let scaled = !proposal.scale.unscaled;
    let rooms_found = plan.rooms.len();
    let rooms_truth = truth.rooms.len();
    let scale_error = match (&truth.overall_m, scaled) {
        (Some(overall), true) => {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(!d.rooms.is_empty(), "{}", d.id);
            assert!(!d.kind.is_empty());
            if !d.dimensioned {
                assert!(d.overall_m.is_none() && d.rooms.iter().all(|r| r.size_m.is_none()));
            }
        }
    }
}
