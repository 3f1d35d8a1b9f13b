//! The floor plan document and its validation.
//!
//! Coordinates are metres on the plan, x to the right and y up. Rooms are polygons (closed
//! implicitly; a repeated first point is accepted), walls are segments with thickness and
//! height, openings sit on a wall at an offset from its start.

use std::collections::HashSet;

use geo::{Area, Coord, LineString, Polygon, Validation};
use roomwright_core::problem::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Plans beyond a kilometre across are input errors, not buildings.
const MAX_COORDINATE_M: f64 = 1000.0;
/// Limits a real floor never reaches (a large office floor has 30-60 rooms, a few hundred
/// walls); they bound the work and keep a project within DynamoDB's item size.
pub const MAX_ROOMS: usize = 200;
pub const MAX_WALLS: usize = 1000;
pub const MAX_OPENINGS: usize = 1000;
/// Corners of one room's outline.
pub const MAX_CORNERS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloorPlan {
    /// Always `m`: every length in the plan is in metres.
    pub units: String,
    #[serde(default)]
    pub rooms: Vec<Room>,
    #[serde(default)]
    pub walls: Vec<Wall>,
    #[serde(default)]
    pub openings: Vec<Opening>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Room {
    pub id: String,
    pub name: String,
    /// `office`, `meeting`, `open_plan`, `reception`, `kitchen`, `storage`, `circulation`,
    /// `other`, `focus`, `lounge`, `dining`, and for homes `bedroom` and `living`.
    pub kind: String,
    /// Corner points `[x, y]` in metres, in order around the room.
    #[schema(schema_with = points_schema)]
    pub polygon: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Wall {
    pub id: String,
    #[schema(min_items = 2, max_items = 2)]
    pub start: [f64; 2],
    #[schema(min_items = 2, max_items = 2)]
    pub end: [f64; 2],
    pub thickness_m: f64,
    pub height_m: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpeningKind {
    Door,
    Window,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    pub id: String,
    pub wall_id: String,
    pub kind: OpeningKind,
    /// Distance along the wall from its start to the opening's near edge.
    pub offset_m: f64,
    pub width_m: f64,
    pub height_m: f64,
    /// Height of the bottom edge above the floor (0 for doors).
    #[serde(default)]
    pub sill_m: f64,
}

/// Room kinds by words of their label, first match wins (a cupboard is no board room).
const KIND_WORDS: [(&str, &[&str]); 8] = [
    ("storage", &["cupboard", "wardrobe", "closet"]),
    ("meeting", &["meeting", "conference", "board", "huddle"]),
    (
        "open_plan",
        &["open plan", "open-plan", "workspace", "studio"],
    ),
    ("reception", &["reception", "lobby", "entrance", "foyer"]),
    (
        "kitchen",
        &["kitchen", "pantry", "break", "cafe", "canteen"],
    ),
    (
        "storage",
        &["storage", "store", "print", "archive", "server", "copy"],
    ),
    ("circulation", &["corridor", "hall", "circulation", "stair"]),
    ("office", &["office", "focus", "manager", "desk"]),
];

/// A room's kind from the words of its name (`Open Plan 2` is `open_plan`, `Print` is
/// `storage`), `other` when none matches: how drawings' labels become kinds.
pub fn kind_of(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    KIND_WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| lower.contains(w)))
        .map_or("other", |(kind, _)| kind)
}

pub const ROOM_KINDS: [&str; 13] = [
    "office",
    "meeting",
    "open_plan",
    "reception",
    "kitchen",
    "storage",
    "circulation",
    "other",
    "focus",
    "lounge",
    "dining",
    "bedroom",
    "living",
];

impl Room {
    /// The room as a polygon, without a repeated closing point.
    pub fn shape(&self) -> Polygon<f64> {
        let mut points: Vec<Coord<f64>> = self
            .polygon
            .iter()
            .map(|[x, y]| Coord { x: *x, y: *y })
            .collect();
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        Polygon::new(LineString::from(points), vec![])
    }
}

impl FloorPlan {
    /// The room a point stands in (the first whose outline holds it).
    pub fn room_at(&self, x: f64, y: f64) -> Option<&Room> {
        use geo::Contains;
        let point = geo::Point::new(x, y);
        self.rooms.iter().find(|r| r.shape().contains(&point))
    }

    /// The plan with every length multiplied by `factor` (a drawing scaled from one length the
    /// user knows): positions, wall thicknesses, openings' offsets and widths. Heights stay, as
    /// a drawing does not show them.
    pub fn scaled(&self, factor: f64) -> FloorPlan {
        let point = |[x, y]: [f64; 2]| [x * factor, y * factor];
        FloorPlan {
            units: self.units.clone(),
            rooms: self
                .rooms
                .iter()
                .map(|r| Room {
                    polygon: r.polygon.iter().copied().map(point).collect(),
                    ..r.clone()
                })
                .collect(),
            walls: self
                .walls
                .iter()
                .map(|w| Wall {
                    start: point(w.start),
                    end: point(w.end),
                    thickness_m: w.thickness_m * factor,
                    ..w.clone()
                })
                .collect(),
            openings: self
                .openings
                .iter()
                .map(|o| Opening {
                    offset_m: o.offset_m * factor,
                    width_m: o.width_m * factor,
                    ..o.clone()
                })
                .collect(),
        }
    }
}

impl Wall {
    pub fn length(&self) -> f64 {
        ((self.end[0] - self.start[0]).powi(2) + (self.end[1] - self.start[1]).powi(2)).sqrt()
    }

    /// The wall's footprint: the segment widened by its thickness.
    pub fn footprint(&self) -> Polygon<f64> {
        let length = self.length().max(f64::EPSILON);
        let (dx, dy) = (
            (self.end[0] - self.start[0]) / length,
            (self.end[1] - self.start[1]) / length,
        );
        let (nx, ny) = (-dy * self.thickness_m / 2.0, dx * self.thickness_m / 2.0);
        let [sx, sy] = self.start;
        let [ex, ey] = self.end;
        Polygon::new(
            LineString::from(vec![
                (sx + nx, sy + ny),
                (ex + nx, ey + ny),
                (ex - nx, ey - ny),
                (sx - nx, sy - ny),
            ]),
            vec![],
        )
    }
}

fn check_range(errors: &mut FieldErrors, path: String, value: f64, min: f64, max: f64, what: &str) {
    if !value.is_finite() || value < min || value > max {
        errors.add(
            path,
            "out_of_range",
            format!("{what} must be between {min} and {max} m."),
        );
    }
}

fn check_point(errors: &mut FieldErrors, path: String, [x, y]: [f64; 2]) -> bool {
    let ok = x.is_finite()
        && y.is_finite()
        && x.abs() <= MAX_COORDINATE_M
        && y.abs() <= MAX_COORDINATE_M;
    if !ok {
        errors.add(
            path,
            "out_of_range",
            format!("Coordinates must be finite and within {MAX_COORDINATE_M} m."),
        );
    }
    ok
}

fn check_ids<'a>(errors: &mut FieldErrors, list: &str, ids: impl Iterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if id.trim().is_empty() || id.len() > 64 {
            errors.add(
                format!("{list}[{i}].id"),
                "invalid",
                "Ids are 1 to 64 characters.",
            );
        } else if !seen.insert(id) {
            errors.add(
                format!("{list}[{i}].id"),
                "duplicate",
                format!("Another item of {list} has id {id}."),
            );
        }
    }
}

/// Every problem of a plan, each with the path of the offending field. Counts are checked
/// first, so an oversized plan costs nothing more; the rest is linear in the plan's size but
/// for each room's self-intersection test (quadratic in its at most [`MAX_CORNERS`] corners).
pub fn validate(plan: &FloorPlan, errors: &mut FieldErrors) {
    let mut oversized = false;
    for (list, count, max) in [
        ("rooms", plan.rooms.len(), MAX_ROOMS),
        ("walls", plan.walls.len(), MAX_WALLS),
        ("openings", plan.openings.len(), MAX_OPENINGS),
    ] {
        if count > max {
            oversized = true;
            errors.add(
                list,
                "too_many",
                format!("A plan has at most {max} {list}; this one has {count}."),
            );
        }
    }
    if oversized {
        return;
    }
    if plan.units != "m" {
        errors.add(
            "units",
            "unsupported",
            "Plans are in metres: units must be \"m\".",
        );
    }
    check_ids(errors, "rooms", plan.rooms.iter().map(|r| r.id.as_str()));
    check_ids(errors, "walls", plan.walls.iter().map(|w| w.id.as_str()));
    check_ids(
        errors,
        "openings",
        plan.openings.iter().map(|o| o.id.as_str()),
    );

    for (i, room) in plan.rooms.iter().enumerate() {
        let path = |field: &str| format!("rooms[{i}].{field}");
        if room.name.trim().is_empty() {
            errors.add(path("name"), "required", "Rooms need a name.");
        } else if room.name.chars().count() > 100 {
            errors.add(
                path("name"),
                "too_long",
                "Room names are at most 100 characters.",
            );
        }
        if room.polygon.len() > MAX_CORNERS {
            errors.add(
                path("polygon"),
                "too_many_corners",
                format!(
                    "A room's outline has at most {MAX_CORNERS} corners; this one has {}.",
                    room.polygon.len()
                ),
            );
            continue;
        }
        if !ROOM_KINDS.contains(&room.kind.as_str()) {
            errors.add(
                path("kind"),
                "invalid",
                format!("kind is one of {}.", ROOM_KINDS.join(", ")),
            );
        }
        let points_ok = room
            .polygon
            .iter()
            .enumerate()
            .all(|(p, point)| check_point(errors, format!("rooms[{i}].polygon[{p}]"), *point));
        if !points_ok {
            continue;
        }
        let shape = room.shape();
        if shape.exterior().0.len() < 3 {
            errors.add(
                path("polygon"),
                "too_few_points",
                "A room needs at least 3 corners.",
            );
        } else if !shape.is_valid() {
            errors.add(
                path("polygon"),
                "not_closed",
                "The outline crosses or touches itself; list the corners in order around the room.",
            );
        } else {
            let area = shape.unsigned_area();
            if !(0.5..=10_000.0).contains(&area) {
                errors.add(
                    path("polygon"),
                    "implausible_area",
                    format!("The room's area is {area:.2} m²; rooms are 0.5 to 10,000 m²."),
                );
            }
        }
    }

    for (i, wall) in plan.walls.iter().enumerate() {
        let path = |field: &str| format!("walls[{i}].{field}");
        let ends_ok = check_point(errors, path("start"), wall.start)
            & check_point(errors, path("end"), wall.end);
        if ends_ok && wall.length() < 0.1 {
            errors.add(path("end"), "too_short", "Walls are at least 0.1 m long.");
        }
        check_range(
            errors,
            path("thickness_m"),
            wall.thickness_m,
            0.05,
            1.0,
            "Wall thickness",
        );
        check_range(
            errors,
            path("height_m"),
            wall.height_m,
            2.0,
            10.0,
            "Wall height",
        );
    }

    let mut on_wall: Vec<Vec<(f64, f64, usize)>> = vec![Vec::new(); plan.walls.len()];
    let wall_index: std::collections::HashMap<&str, usize> = plan
        .walls
        .iter()
        .enumerate()
        .map(|(i, w)| (w.id.as_str(), i))
        .collect();
    for (i, opening) in plan.openings.iter().enumerate() {
        let path = |field: &str| format!("openings[{i}].{field}");
        let Some(&w) = wall_index.get(opening.wall_id.as_str()) else {
            errors.add(
                path("wall_id"),
                "unknown_wall",
                format!("No wall has id {}.", opening.wall_id),
            );
            continue;
        };
        let wall = &plan.walls[w];
        let (width, height, sill) = match opening.kind {
            OpeningKind::Door => ((0.6, 3.0), (1.8, 3.0), (0.0, 0.0)),
            OpeningKind::Window => ((0.3, 6.0), (0.3, 4.0), (0.0, 2.5)),
        };
        check_range(
            errors,
            path("width_m"),
            opening.width_m,
            width.0,
            width.1,
            "Width",
        );
        check_range(
            errors,
            path("height_m"),
            opening.height_m,
            height.0,
            height.1,
            "Height",
        );
        check_range(
            errors,
            path("sill_m"),
            opening.sill_m,
            sill.0,
            sill.1,
            "Sill height",
        );
        if !opening.offset_m.is_finite()
            || opening.offset_m < 0.0
            || opening.offset_m + opening.width_m > wall.length() + 1e-9
        {
            errors.add(
                path("offset_m"),
                "outside_wall",
                format!(
                    "The opening must lie within its wall ({:.2} m long).",
                    wall.length()
                ),
            );
        } else if opening.sill_m + opening.height_m > wall.height_m + 1e-9 {
            errors.add(
                path("height_m"),
                "outside_wall",
                "The opening is taller than its wall.",
            );
        } else {
            on_wall[w].push((opening.offset_m, opening.offset_m + opening.width_m, i));
        }
    }
    for openings in &mut on_wall {
        openings.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in openings.windows(2) {
            if pair[1].0 < pair[0].1 - 1e-9 {
                errors.add(
                    format!("openings[{}].offset_m", pair[1].2),
                    "overlaps",
                    format!("Overlaps openings[{}] on the same wall.", pair[0].2),
                );
            }
        }
    }
}

/// `[[x, y], ...]`: each point exactly two numbers.
fn points_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::{ArrayBuilder, Type};
    ArrayBuilder::new()
        .items(
            ArrayBuilder::new()
                .items(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Number))
                .min_items(Some(2))
                .max_items(Some(2)),
        )
        .build()
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A 6 x 4 m office with walls all round, a door and a window.
    pub fn office() -> FloorPlan {
        let wall = |id: &str, start, end| Wall {
            id: id.into(),
            start,
            end,
            thickness_m: 0.15,
            height_m: 2.7,
        };
        FloorPlan {
            units: "m".into(),
            rooms: vec![Room {
                id: "r1".into(),
                name: "Studio".into(),
                kind: "office".into(),
                polygon: vec![[0.0, 0.0], [6.0, 0.0], [6.0, 4.0], [0.0, 4.0]],
            }],
            walls: vec![
                wall("south", [0.0, 0.0], [6.0, 0.0]),
                wall("east", [6.0, 0.0], [6.0, 4.0]),
                wall("north", [6.0, 4.0], [0.0, 4.0]),
                wall("west", [0.0, 4.0], [0.0, 0.0]),
            ],
            openings: vec![
                Opening {
                    id: "d1".into(),
                    wall_id: "south".into(),
                    kind: OpeningKind::Door,
                    offset_m: 0.5,
                    width_m: 0.9,
                    height_m: 2.1,
                    sill_m: 0.0,
                },
                Opening {
                    id: "w1".into(),
                    wall_id: "north".into(),
                    kind: OpeningKind::Window,
                    offset_m: 1.0,
                    width_m: 2.0,
                    height_m: 1.4,
                    sill_m: 0.9,
                },
            ],
        }
    }

    fn paths(plan: &FloorPlan) -> Vec<(String, String)> {
        let mut errors = FieldErrors::new();
        validate(plan, &mut errors);
        errors
            .finish()
            .err()
            .map(|e| {
                e.errors
                    .iter()
                    .map(|f| (f.path.clone(), f.code.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_plausible_plan_passes() {
        assert_eq!(paths(&office()), vec![]);
        let mut closed = office();
        closed.rooms[0].polygon.push([0.0, 0.0]);
        assert_eq!(
            paths(&closed),
            vec![],
            "a repeated first point closes the ring"
        );
    }

    #[test]
    fn each_problem_is_reported_at_its_field() {
        let mut plan = office();
        plan.rooms[0].polygon = vec![[0.0, 0.0], [6.0, 4.0], [6.0, 0.0], [0.0, 4.0]]; // bow tie
        plan.walls[1].thickness_m = 2.0;
        plan.openings[0].offset_m = 5.5; // 5.5 + 0.9 > 6
        plan.openings[1].wall_id = "nowhere".into();
        plan.openings.push(Opening {
            id: "d2".into(),
            wall_id: "east".into(),
            kind: OpeningKind::Door,
            offset_m: 0.5,
            width_m: 0.9,
            height_m: 2.1,
            sill_m: 0.4,
        });
        assert_eq!(
            paths(&plan),
            vec![
                ("rooms[0].polygon".into(), "not_closed".into()),
                ("walls[1].thickness_m".into(), "out_of_range".into()),
                ("openings[0].offset_m".into(), "outside_wall".into()),
                ("openings[1].wall_id".into(), "unknown_wall".into()),
                ("openings[2].sill_m".into(), "out_of_range".into()),
            ]
        );
    }

    #[test]
    fn overlapping_openings_tiny_rooms_and_duplicate_ids_are_refused() {
        let mut plan = office();
        plan.openings[1].wall_id = "south".into();
        plan.openings[1].offset_m = 1.0;
        plan.rooms.push(Room {
            id: "r1".into(),
            name: "Cupboard".into(),
            kind: "storage".into(),
            polygon: vec![[0.0, 0.0], [0.3, 0.0], [0.3, 0.3]],
        });
        assert_eq!(
            paths(&plan),
            vec![
                ("rooms[1].id".into(), "duplicate".into()),
                ("rooms[1].polygon".into(), "implausible_area".into()),
                ("openings[1].offset_m".into(), "overlaps".into()),
            ]
        );
    }
}
