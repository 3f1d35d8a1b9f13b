//! The building shell from the floor plan: room floors, walls with their door and window
//! openings cut out, and a ceiling.

use roomwright_projects::floorplan::{FloorPlan, Opening, Wall};

use super::solid::Solid;

/// Floors are slabs this thick below z = 0.
const FLOOR_M: f64 = 0.05;
const CEILING_M: f64 = 0.05;

/// The floor finish a room of this kind gets.
pub fn floor_material(kind: &str) -> &'static str {
    match kind {
        "open_plan" | "reception" => "floor-oak",
        "office" | "meeting" => "floor-carpet",
        "kitchen" => "floor-tile",
        _ => "floor-concrete",
    }
}

pub fn floors(plan: &FloorPlan) -> Vec<Solid> {
    plan.rooms
        .iter()
        .map(|room| {
            let mut points = room.polygon.clone();
            if points.len() > 1 && points.first() == points.last() {
                points.pop();
            }
            Solid::prism(
                format!("floor-{}", room.id),
                floor_material(&room.kind),
                points,
                -FLOOR_M,
                0.0,
            )
        })
        .collect()
}

/// A span of a wall along its length, `[from, to]` metres from its start.
fn piece(wall: &Wall, name: String, from: f64, to: f64, bottom: f64, top: f64) -> Solid {
    let length = wall.length().max(1e-9);
    let dir = [
        (wall.end[0] - wall.start[0]) / length,
        (wall.end[1] - wall.start[1]) / length,
    ];
    let middle = (from + to) / 2.0;
    Solid::cuboid(
        name,
        "wall",
        [
            wall.start[0] + dir[0] * middle,
            wall.start[1] + dir[1] * middle,
        ],
        [to - from, wall.thickness_m],
        dir[1].atan2(dir[0]),
        bottom,
        top,
    )
}

/// A wall as solid pieces around its openings. Walls run half their thickness past both
/// ends so corners close; the overlaps this makes are hidden inside the other wall.
pub fn wall_pieces(wall: &Wall, openings: &[&Opening]) -> Vec<Solid> {
    let half = wall.thickness_m / 2.0;
    let (start, end) = (-half, wall.length() + half);
    let mut holes: Vec<(f64, f64, f64, f64)> = openings
        .iter()
        .map(|o| {
            let from = o.offset_m.clamp(0.0, wall.length());
            let to = (o.offset_m + o.width_m).clamp(0.0, wall.length());
            let sill = o.sill_m.clamp(0.0, wall.height_m);
            let head = (o.sill_m + o.height_m).clamp(sill, wall.height_m);
            (from, to, sill, head)
        })
        .filter(|(from, to, sill, head)| to - from > 0.01 && head - sill > 0.01)
        .collect();
    holes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut solids = Vec::new();
    let mut at = start;
    for (i, (from, to, sill, head)) in holes.into_iter().enumerate() {
        let from = from.max(at);
        if from > at + 1e-6 {
            solids.push(piece(
                wall,
                format!("wall-{}-{i}", wall.id),
                at,
                from,
                0.0,
                wall.height_m,
            ));
        }
        if to <= from {
            continue;
        }
        if sill > 1e-6 {
            solids.push(piece(
                wall,
                format!("wall-{}-{i}-below", wall.id),
                from,
                to,
                0.0,
                sill,
            ));
        }
        if head < wall.height_m - 1e-6 {
            solids.push(piece(
                wall,
                format!("wall-{}-{i}-above", wall.id),
                from,
                to,
                head,
                wall.height_m,
            ));
        }
        at = to;
    }
    if end > at + 1e-6 {
        solids.push(piece(
            wall,
            format!("wall-{}-end", wall.id),
            at,
            end,
            0.0,
            wall.height_m,
        ));
    }
    solids
}

pub fn walls(plan: &FloorPlan) -> Vec<Solid> {
    plan.walls
        .iter()
        .flat_map(|wall| {
            let openings: Vec<&Opening> = plan
                .openings
                .iter()
                .filter(|o| o.wall_id == wall.id)
                .collect();
            wall_pieces(wall, &openings)
        })
        .collect()
}

/// The highest wall, where the ceiling sits (2.7 m without walls).
pub fn ceiling_height(plan: &FloorPlan) -> f64 {
    plan.walls
        .iter()
        .map(|w| w.height_m)
        .fold(f64::NAN, f64::max)
        .max(0.0)
        .max(if plan.walls.is_empty() { 2.7 } else { 0.0 })
}

/// Plan extent of rooms and walls: `[min x, min y, max x, max y]`.
pub fn extent(plan: &FloorPlan) -> [f64; 4] {
    let mut e = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut add = |[x, y]: [f64; 2], margin: f64| {
        e = [
            e[0].min(x - margin),
            e[1].min(y - margin),
            e[2].max(x + margin),
            e[3].max(y + margin),
        ];
    };
    for room in &plan.rooms {
        room.polygon.iter().for_each(|p| add(*p, 0.0));
    }
    for wall in &plan.walls {
        add(wall.start, wall.thickness_m);
        add(wall.end, wall.thickness_m);
    }
    e
}

/// The ceiling's name in the scene (a scene export leaves it out).
pub const CEILING: &str = "ceiling";

pub fn ceiling(plan: &FloorPlan) -> Solid {
    let [x0, y0, x1, y1] = extent(plan);
    let height = ceiling_height(plan);
    Solid::prism(
        CEILING,
        "ceiling",
        vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
        height,
        height + CEILING_M,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomwright_projects::floorplan::OpeningKind;

    fn wall() -> Wall {
        Wall {
            id: "w".into(),
            start: [0.0, 0.0],
            end: [5.0, 0.0],
            thickness_m: 0.2,
            height_m: 2.8,
        }
    }

    #[test]
    fn a_window_leaves_a_hole_with_wall_below_and_above() {
        let window = Opening {
            id: "o".into(),
            wall_id: "w".into(),
            kind: OpeningKind::Window,
            offset_m: 1.0,
            width_m: 2.0,
            height_m: 1.5,
            sill_m: 0.9,
        };
        let pieces = wall_pieces(&wall(), &[&window]);
        let spans: Vec<(String, f64, f64)> = pieces
            .iter()
            .map(|s| (s.name.clone(), s.bottom, s.top))
            .collect();
        assert_eq!(
            spans,
            [
                ("wall-w-0".into(), 0.0, 2.8),
                ("wall-w-0-below".into(), 0.0, 0.9),
                ("wall-w-0-above".into(), 2.4, 2.8),
                ("wall-w-end".into(), 0.0, 2.8),
            ]
        );
        // The first piece runs from half the thickness before the start to the window.
        let xs: Vec<f64> = pieces[0].footprint.iter().map(|p| p[0]).collect();
        assert!((xs.iter().cloned().fold(f64::INFINITY, f64::min) + 0.1).abs() < 1e-9);
        assert!((xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_door_has_no_wall_below() {
        let door = Opening {
            id: "d".into(),
            wall_id: "w".into(),
            kind: OpeningKind::Door,
            offset_m: 0.0,
            width_m: 0.9,
            height_m: 2.1,
            sill_m: 0.0,
        };
        let names: Vec<String> = wall_pieces(&wall(), &[&door])
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["wall-w-0", "wall-w-0-above", "wall-w-end"]);
    }
}
