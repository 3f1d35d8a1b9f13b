//! The reading of a drawing as a proposed floor plan: the project's floor-plan schema in
//! metres (origin at the building's outer lower-left corner, y up), a confidence for every
//! element, the scale and where it came from, and the text that was read.

use std::collections::BTreeMap;

use roomwright_projects::floorplan::{self, FloorPlan, Opening, OpeningKind, Room, Wall};
use serde::{Deserialize, Serialize};

use crate::{
    dimensions,
    ocr::TextLine,
    openings::{Found, Kind},
    rooms::Rooms,
    scale::Scale,
    walls::{Axis, Walls},
};

/// What the drawing does not say, filled with common office values.
pub const WALL_HEIGHT_M: f64 = 2.7;
pub const DOOR_HEIGHT_M: f64 = 2.1;
pub const WINDOW_HEIGHT_M: f64 = 1.2;
pub const WINDOW_SILL_M: f64 = 0.9;

/// Confidence of each element, by id.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Confidence {
    pub walls: BTreeMap<String, f64>,
    pub rooms: BTreeMap<String, f64>,
    pub openings: BTreeMap<String, f64>,
    pub scale: f64,
}

/// A line of text and what the reader made of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReadText {
    pub text: String,
    /// `[x0, y0, x1, y1]` in page pixels.
    pub bbox_px: [f64; 4],
    /// `dimension`, `room_label` or `other`.
    pub role: String,
    pub confidence: f32,
}

/// The proposal, as the job stores it and `vision parse-plan` writes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Proposal {
    pub floor_plan: FloorPlan,
    pub confidence: Confidence,
    pub scale: Scale,
    pub text: Vec<ReadText>,
    pub page: PageView,
    pub timings_ms: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PageView {
    pub width_px: u32,
    pub height_px: u32,
    /// The plan's origin on the page (the building's outer lower-left corner).
    pub origin_px: [f64; 2],
}

fn round_mm(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Builds the proposal from what the detectors found, at the scale.
pub fn build(
    page: (u32, u32),
    walls: &Walls,
    openings: &[Found],
    rooms: &Rooms,
    texts: &[TextLine],
    scale: &Scale,
) -> Proposal {
    let ppm = scale.px_per_m;
    let (ox, oy) = (f64::from(walls.bounds.0), f64::from(walls.bounds.3));
    let to_m = |x: f64, y: f64| [round_mm((x - ox) / ppm), round_mm((oy - y) / ppm)];
    let mut confidence = Confidence {
        scale: scale.confidence,
        ..Confidence::default()
    };

    let mut plan_walls = Vec::new();
    let mut plan_openings = Vec::new();
    for (index, line) in walls.lines.iter().enumerate() {
        let found: Vec<&Found> = openings.iter().filter(|o| o.line == index).collect();
        // A gap with no door or window in it (a passage) ends the wall.
        let mut runs: Vec<(f64, f64, Vec<&Found>)> = Vec::new();
        for (i, piece) in line.pieces.iter().enumerate() {
            let opening = (i > 0)
                .then(|| found.iter().find(|o| o.gap == i - 1))
                .flatten();
            match (runs.last_mut(), opening) {
                (Some(run), Some(o)) => {
                    run.1 = piece.along1;
                    run.2.push(o);
                }
                _ => runs.push((piece.along0, piece.along1, Vec::new())),
            }
        }
        let (centre, thickness) = (line.centre(), line.thickness());
        for (along0, along1, in_run) in runs {
            let id = format!("w{}", plan_walls.len() + 1);
            let (start, end) = match line.axis {
                Axis::Horizontal => (to_m(along0, centre), to_m(along1, centre)),
                // Page y grows downwards: the wall starts at its lower end.
                Axis::Vertical => (to_m(centre, along1), to_m(centre, along0)),
            };
            for o in in_run {
                let offset_px = match line.axis {
                    Axis::Horizontal => o.from - along0,
                    Axis::Vertical => along1 - o.to,
                };
                let oid = format!("o{}", plan_openings.len() + 1);
                let (kind, height_m, sill_m) = match o.kind {
                    Kind::Door => (OpeningKind::Door, DOOR_HEIGHT_M, 0.0),
                    Kind::Window => (OpeningKind::Window, WINDOW_HEIGHT_M, WINDOW_SILL_M),
                };
                confidence
                    .openings
                    .insert(oid.clone(), round_mm(o.confidence));
                plan_openings.push(Opening {
                    id: oid,
                    wall_id: id.clone(),
                    kind,
                    offset_m: round_mm(offset_px / ppm),
                    width_m: round_mm((o.to - o.from) / ppm),
                    height_m,
                    sill_m,
                });
            }
            confidence
                .walls
                .insert(id.clone(), round_mm(line.fill().clamp(0.0, 1.0)));
            plan_walls.push(Wall {
                id,
                start,
                end,
                thickness_m: round_mm(thickness / ppm),
                height_m: WALL_HEIGHT_M,
            });
        }
    }

    // Text: dimension strings, labels inside rooms (in reading order), the rest.
    let mut read = Vec::new();
    let mut labels: BTreeMap<usize, Vec<&TextLine>> = BTreeMap::new();
    for line in texts {
        let role = if !dimensions::readings(&line.text).is_empty() {
            "dimension"
        } else if dimensions::is_note(&line.text) {
            "other"
        } else if let Some(room) = rooms.at(line.centre().0, line.centre().1) {
            labels.entry(room).or_default().push(line);
            "room_label"
        } else {
            "other"
        };
        read.push(ReadText {
            text: line.text.clone(),
            bbox_px: line.bbox,
            role: role.into(),
            confidence: line.confidence,
        });
    }

    let mut plan_rooms = Vec::new();
    for (index, region) in rooms.regions.iter().enumerate() {
        let id = format!("r{}", index + 1);
        let name = labels.get_mut(&index).map(|lines| {
            lines.sort_by(|a, b| {
                a.bbox[1]
                    .total_cmp(&b.bbox[1])
                    .then(a.bbox[0].total_cmp(&b.bbox[0]))
            });
            lines
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        });
        let labelled = name.is_some();
        let name = name.unwrap_or_else(|| match region.within {
            Some(_) => format!("Cupboard {}", index + 1),
            None => format!("Room {}", index + 1),
        });
        confidence.rooms.insert(
            id.clone(),
            round_mm(region.fit * if labelled { 1.0 } else { 0.85 }),
        );
        plan_rooms.push(Room {
            id,
            kind: floorplan::kind_of(&name).into(),
            name,
            polygon: region.outline.iter().map(|&(x, y)| to_m(x, y)).collect(),
        });
    }

    Proposal {
        floor_plan: FloorPlan {
            units: "m".into(),
            rooms: plan_rooms,
            walls: plan_walls,
            openings: plan_openings,
        },
        confidence,
        scale: scale.clone(),
        text: read,
        page: PageView {
            width_px: page.0,
            height_px: page.1,
            origin_px: [ox, oy],
        },
        timings_ms: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_kinds_come_from_label_words() {
        assert_eq!(floorplan::kind_of("Meeting 2"), "meeting");
        assert_eq!(floorplan::kind_of("Open Plan"), "open_plan");
        assert_eq!(floorplan::kind_of("Print"), "storage");
        assert_eq!(floorplan::kind_of("Cupboard 7"), "storage");
        assert_eq!(floorplan::kind_of("Focus"), "office");
        assert_eq!(floorplan::kind_of("Room 3"), "other");
    }
}
