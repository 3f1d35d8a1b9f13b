//! A room ready to furnish: its frame, its cells with walls, door swings and window bands
//! marked, the cells each door opens onto, and the path search the rules share.

use geo::{
    Area, BoundingRect, Contains, Coord, Distance, Euclidean, Intersects, LineString, Point,
    Polygon,
};
use roomwright_projects::floorplan::{FloorPlan, OpeningKind, Room};

use crate::{
    Settings,
    grid::{FURNITURE, Frame, Grid, OUTSIDE, Rect, SWING, WALL, WINDOW_BAND},
};

#[derive(Debug, Clone)]
pub struct RoomSpace {
    pub room: Room,
    pub frame: Frame,
    pub area_m2: f64,
    /// Cells in the room's frame, walls, swings and window bands marked.
    pub grid: Grid,
    /// Per door, the cells its swing covers in this room (where people enter).
    pub doors: Vec<Vec<usize>>,
    /// Door swings and window bands in plan coordinates, for exact checks and drawings.
    pub swings: Vec<Polygon<f64>>,
    pub window_bands: Vec<Polygon<f64>>,
    /// Window centres in the room's frame (daylight).
    pub windows: Vec<[f64; 2]>,
    /// Whether the doors are connected by a main aisle while the room is empty (then
    /// furniture must keep them so).
    pub main_aisle: bool,
}

/// Where a path search may go and from where.
pub struct Access {
    pub reached: Vec<bool>,
    pub doors_connected: bool,
}

fn longest_edge_angle(room: &Room) -> f64 {
    let shape = room.shape();
    let points: Vec<Coord<f64>> = shape.exterior().coords().copied().collect();
    let mut best = (0.0, 0.0);
    for pair in points.windows(2) {
        let (dx, dy) = (pair[1].x - pair[0].x, pair[1].y - pair[0].y);
        let length = dx.hypot(dy);
        if length > best.0 + 1e-9 {
            best = (length, dy.atan2(dx));
        }
    }
    // Quarter turns are the kit's business: keep the frame within (-45°, 45°].
    let quarter = std::f64::consts::FRAC_PI_2;
    let mut a = best.1;
    while a > quarter / 2.0 + 1e-9 {
        a -= quarter;
    }
    while a <= -quarter / 2.0 + 1e-9 {
        a += quarter;
    }
    a
}

/// A polygon in plan coordinates seen from a room's frame.
pub(crate) fn to_local(polygon: &Polygon<f64>, frame: &Frame) -> Polygon<f64> {
    let points: Vec<Coord<f64>> = polygon
        .exterior()
        .coords()
        .map(|c| {
            let [x, y] = frame.to_local([c.x, c.y]);
            Coord { x, y }
        })
        .collect();
    Polygon::new(LineString::from(points), vec![])
}

/// An opening's strip into the room: along the wall from the opening's start to its end, and
/// `depth` beyond the wall's face on the room's side. `None` when the opening is not on this
/// room's boundary.
fn strip(
    plan: &FloorPlan,
    shape: &Polygon<f64>,
    opening_index: usize,
    depth: f64,
) -> Option<Polygon<f64>> {
    let opening = &plan.openings[opening_index];
    let wall = plan.walls.iter().find(|w| w.id == opening.wall_id)?;
    let length = wall.length();
    if length <= 0.0 {
        return None;
    }
    let dir = [
        (wall.end[0] - wall.start[0]) / length,
        (wall.end[1] - wall.start[1]) / length,
    ];
    let at = |t: f64| [wall.start[0] + dir[0] * t, wall.start[1] + dir[1] * t];
    let (a, b) = (at(opening.offset_m), at(opening.offset_m + opening.width_m));
    let middle = at(opening.offset_m + opening.width_m / 2.0);
    let near = Euclidean.distance(&Point::new(middle[0], middle[1]), shape.exterior());
    if near > wall.thickness_m / 2.0 + 0.15 {
        return None;
    }
    let normal = [-dir[1], dir[0]];
    let probe = |sign: f64| {
        let d = wall.thickness_m / 2.0 + 0.2;
        Point::new(
            middle[0] + sign * normal[0] * d,
            middle[1] + sign * normal[1] * d,
        )
    };
    let sign = if shape.contains(&probe(1.0)) {
        1.0
    } else if shape.contains(&probe(-1.0)) {
        -1.0
    } else {
        return None;
    };
    let reach = wall.thickness_m / 2.0 + depth;
    let off = |p: [f64; 2], d: f64| (p[0] + sign * normal[0] * d, p[1] + sign * normal[1] * d);
    Some(Polygon::new(
        LineString::from(vec![off(a, 0.0), off(b, 0.0), off(b, reach), off(a, reach)]),
        vec![],
    ))
}

impl RoomSpace {
    pub fn new(plan: &FloorPlan, room: &Room, s: &Settings) -> RoomSpace {
        let shape = room.shape();
        let area_m2 = shape.unsigned_area();
        let mut frame = Frame {
            angle: longest_edge_angle(room),
        };
        let mut swings = Vec::new();
        let mut window_bands = Vec::new();
        let mut window_centres = Vec::new();
        for (k, opening) in plan.openings.iter().enumerate() {
            match opening.kind {
                OpeningKind::Door => {
                    if let Some(p) = strip(plan, &shape, k, opening.width_m) {
                        swings.push(p);
                    }
                }
                OpeningKind::Window => {
                    if let Some(p) = strip(plan, &shape, k, s.window_clearance_m) {
                        let c = p.exterior().coords().take(2).fold([0.0, 0.0], |acc, c| {
                            [acc[0] + c.x / 2.0, acc[1] + c.y / 2.0]
                        });
                        window_centres.push(c);
                        window_bands.push(p);
                    }
                }
            }
        }
        // Turn the frame so that the side with the windows is at the bottom: rows of desks
        // fill from there.
        if !window_centres.is_empty() {
            let quarter = std::f64::consts::FRAC_PI_2;
            let score = |angle: f64| {
                let f = Frame { angle };
                let local = to_local(&shape, &f);
                let bounds = local.bounding_rect().expect("a room has corners");
                let mean = window_centres
                    .iter()
                    .map(|c| f.to_local(*c)[1])
                    .sum::<f64>()
                    / window_centres.len() as f64;
                (mean - bounds.min().y) / (bounds.height().max(1e-9))
            };
            let best = (0..4)
                .map(|k| frame.angle + k as f64 * quarter)
                .min_by(|a, b| score(*a).total_cmp(&score(*b)))
                .expect("four turns");
            frame = Frame { angle: best };
        }
        let local = to_local(&shape, &frame);
        let mut grid = Grid::new(&local, s.cell_m);
        let bounds = shape.bounding_rect().expect("a room has corners");
        for wall in &plan.walls {
            let footprint = wall.footprint();
            let Some(wb) = footprint.bounding_rect() else {
                continue;
            };
            if wb.max().x < bounds.min().x
                || wb.min().x > bounds.max().x
                || wb.max().y < bounds.min().y
                || wb.min().y > bounds.max().y
            {
                continue;
            }
            grid.mark_polygon(&to_local(&footprint, &frame), WALL);
        }
        let doors: Vec<Vec<usize>> = swings
            .iter()
            .map(|p| {
                grid.mark_polygon(&to_local(p, &frame), SWING)
                    .into_iter()
                    .collect()
            })
            .collect();
        for band in &window_bands {
            grid.mark_polygon(&to_local(band, &frame), WINDOW_BAND);
        }
        let windows = window_centres.iter().map(|c| frame.to_local(*c)).collect();
        let mut space = RoomSpace {
            room: room.clone(),
            frame,
            area_m2,
            grid,
            doors,
            swings,
            window_bands,
            windows,
            main_aisle: false,
        };
        space.main_aisle = space.doors.len() > 1 && space.access(&space.grid, s).doors_connected;
        space
    }

    /// The path search over `grid` (this room's cells with furniture marked): cells reached
    /// from any door by a walker needing `aisle_m`, and whether the doors are connected by a
    /// passage of `main_aisle_m`. Widths are measured between cell centres and rounded to the
    /// safe side (a passage must be at least the width plus up to one cell).
    pub fn access(&self, grid: &Grid, s: &Settings) -> Access {
        let clearance = grid.clearance(OUTSIDE | WALL | FURNITURE);
        let radius = |width: f64| (width / (2.0 * s.cell_m) + 0.5) as f32;
        let sources: Vec<usize> = self.doors.iter().flatten().copied().collect();
        let reached = grid.reach(&clearance, radius(s.aisle_m), &sources);
        let doors_connected = match self.doors.split_first() {
            Some((first, rest)) if !rest.is_empty() => {
                let main = grid.reach(&clearance, radius(s.main_aisle_m), first);
                rest.iter().all(|door| door.iter().any(|&c| main[c]))
            }
            _ => true,
        };
        Access {
            reached,
            doors_connected,
        }
    }

    /// Whether a walker reaches any cell of a rectangle (in the room's frame).
    pub fn reaches(&self, access: &Access, r: &Rect) -> bool {
        let Some((i0, j0, i1, j1)) = self.grid.cells_clipped(r) else {
            return false;
        };
        (j0..j1).any(|j| (i0..i1).any(|i| access.reached[j * self.grid.nx + i]))
    }

    /// The distance from a point in the room's frame to the nearest window, if any.
    pub fn window_distance(&self, [x, y]: [f64; 2]) -> Option<f64> {
        self.windows
            .iter()
            .map(|w| (w[0] - x).hypot(w[1] - y))
            .min_by(f64::total_cmp)
    }
}

/// How far a seat's surroundings are searched for a reached cell: a person steps up to half
/// a metre from the passage to the chair.
pub const SEAT_REACH_M: f64 = 0.5;

/// Whether `inner` lies within `outer`, but for less than a square centimetre (edges that
/// coincide up to rounding, as drawings' coordinates do).
pub fn within(inner: &Polygon<f64>, outer: &Polygon<f64>) -> bool {
    use geo::BooleanOps;
    outer.contains(inner) || inner.difference(outer).unsigned_area() <= 1e-4
}

/// Whether a polygon in plan coordinates overlaps another by more than a square centimetre.
pub fn overlaps(a: &Polygon<f64>, b: &Polygon<f64>) -> bool {
    use geo::BooleanOps;
    if !a.intersects(b) {
        return false;
    }
    a.intersection(b).unsigned_area() > 1e-4
}
