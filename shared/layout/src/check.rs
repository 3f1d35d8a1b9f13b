//! The rules a furnished floor must honour, checked on what is stored (items with their
//! products' sizes), independently of how they were placed: exact polygons for containment,
//! overlaps, walls, door swings, windows and clearances; a path search on the free space for
//! reachability and the main aisle.

use geo::{Coord, LineString, Polygon, Rotate, Translate};
use roomwright_projects::floorplan::FloorPlan;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    Role, Settings,
    engine::PlacedItem,
    grid::{FURNITURE, Rect},
    kits::zone,
    space::{RoomSpace, SEAT_REACH_M, overlaps, to_local, within},
};

/// The rules, as named in violations and room reports.
pub const RULES: [&str; 8] = [
    "inside_room",
    "no_overlap",
    "walls",
    "door_swings",
    "clearances",
    "windows",
    "reachable",
    "main_aisle",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Violation {
    /// One of [`RULES`].
    pub rule: String,
    pub room_id: String,
    /// Index of the offending item, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    pub message: String,
}

/// A rectangle in an item's own frame, turned and moved to where the item stands (plan).
fn in_plan(r: &Rect, item: &PlacedItem) -> Polygon<f64> {
    let polygon = Polygon::new(
        LineString::from(vec![(r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1)]),
        vec![],
    );
    polygon
        .rotate_around_point(item.rotation_deg, geo::Point(Coord { x: 0.0, y: 0.0 }))
        .translate(item.x_m, item.y_m)
}

/// Every rule a set of placed items breaks in the plan's rooms.
pub fn check(plan: &FloorPlan, items: &[PlacedItem], s: &Settings) -> Vec<Violation> {
    let mut violations = Vec::new();
    for room in &plan.rooms {
        let in_room: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].room_id == room.id)
            .collect();
        if in_room.is_empty() || room.polygon.len() < 3 {
            continue;
        }
        let space = RoomSpace::new(plan, room, s);
        check_room(plan, &space, items, &in_room, s, &mut violations);
    }
    violations
}

fn check_room(
    plan: &FloorPlan,
    space: &RoomSpace,
    items: &[PlacedItem],
    in_room: &[usize],
    s: &Settings,
    out: &mut Vec<Violation>,
) {
    let room = &space.room;
    let shape = room.shape();
    let mut violate = |rule: &str, item: Option<usize>, message: String| {
        out.push(Violation {
            rule: rule.into(),
            room_id: room.id.clone(),
            item,
            message,
        })
    };
    let footprint = |i: usize| {
        let it = &items[i];
        in_plan(&Rect::centred(0.0, 0.0, it.width_m, it.depth_m), it)
    };
    let zone_of = |i: usize| {
        let it = &items[i];
        zone(it.role, it.width_m, it.depth_m, s).map(|z| in_plan(&z, it))
    };
    let shapes: Vec<Polygon<f64>> = in_room.iter().map(|&i| footprint(i)).collect();
    let zones: Vec<Option<Polygon<f64>>> = in_room.iter().map(|&i| zone_of(i)).collect();
    let walls: Vec<Polygon<f64>> = plan.walls.iter().map(|w| w.footprint()).collect();
    // Seats and coffee tables may stand in another item's clearance; nothing else may.
    let movable = |i: usize| items[i].role.is_seat() || items[i].role == Role::CoffeeTable;
    let name = |i: usize| format!("item {i} ({:?})", items[i].role);

    for (a, &i) in in_room.iter().enumerate() {
        if !within(&shapes[a], &shape) {
            violate(
                "inside_room",
                Some(i),
                format!("{} extends outside {}.", name(i), room.name),
            );
        }
        for (b, &j) in in_room.iter().enumerate().skip(a + 1) {
            if overlaps(&shapes[a], &shapes[b]) {
                violate(
                    "no_overlap",
                    Some(i),
                    format!("{} overlaps {}.", name(i), name(j)),
                );
            }
        }
        if walls.iter().any(|w| overlaps(&shapes[a], w)) {
            violate("walls", Some(i), format!("{} stands in a wall.", name(i)));
        }
        if space.swings.iter().any(|d| overlaps(&shapes[a], d)) {
            violate(
                "door_swings",
                Some(i),
                format!("{} blocks a door's swing.", name(i)),
            );
        }
        if items[i].height_m > s.tall_item_m
            && space.window_bands.iter().any(|w| overlaps(&shapes[a], w))
        {
            violate(
                "windows",
                Some(i),
                format!("{} is tall and stands before a window.", name(i)),
            );
        }
        if let Some(z) = &zones[a] {
            let blocked = !within(z, &shape)
                || walls.iter().any(|w| overlaps(z, w))
                || in_room
                    .iter()
                    .enumerate()
                    .any(|(b, &j)| b != a && !movable(j) && overlaps(z, &shapes[b]));
            if blocked {
                violate(
                    "clearances",
                    Some(i),
                    format!("The clearance of {} is not free.", name(i)),
                );
            }
            if space.swings.iter().any(|d| overlaps(z, d)) {
                violate(
                    "door_swings",
                    Some(i),
                    format!("A door swings into the clearance of {}.", name(i)),
                );
            }
        }
    }

    // The path search: furniture (not seats) blocks, walkers need the aisle width.
    let mut grid = space.grid.clone();
    for (a, &i) in in_room.iter().enumerate() {
        if !items[i].role.is_seat() {
            grid.mark_polygon(&to_local(&shapes[a], &space.frame), FURNITURE);
        }
    }
    let access = space.access(&grid, s);
    let reached = |polygon: &Polygon<f64>| {
        grid.cells_in(&to_local(polygon, &space.frame))
            .into_iter()
            .any(|c| access.reached[c])
    };
    for (a, &i) in in_room.iter().enumerate() {
        let ok = if items[i].role.is_seat() {
            let it = &items[i];
            reached(&in_plan(
                &Rect::centred(0.0, 0.0, it.width_m, it.depth_m).grow(SEAT_REACH_M),
                it,
            ))
        } else {
            zones[a].as_ref().is_none_or(&reached)
        };
        if !ok {
            violate(
                "reachable",
                Some(i),
                format!(
                    "{} cannot be reached from a door through a passage of {} m.",
                    name(i),
                    s.aisle_m
                ),
            );
        }
    }
    if space.main_aisle && !access.doors_connected {
        violate(
            "main_aisle",
            None,
            format!(
                "The furniture closes the {} m main aisle between the doors of {}.",
                s.main_aisle_m, room.name
            ),
        );
    }
}
