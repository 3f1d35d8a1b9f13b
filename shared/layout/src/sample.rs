//! Generated floors for tests, benchmarks and demos: a rectangle split into rooms (one may
//! have a cut corner), doors that connect every room to the entrance, windows on the outer
//! walls, the whole floor turned by any angle.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roomwright_core::{
    catalog::{Dimensions, Product, Stock, Sustainability},
    money::Money,
};
use roomwright_projects::floorplan::{FloorPlan, Opening, OpeningKind, Room, Wall};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct FloorSpec {
    pub seed: u64,
    pub rooms: usize,
    /// Turn of the whole floor, degrees.
    pub angle_deg: f64,
    /// Cut a corner off the first corner room.
    pub cut_corner: bool,
    /// The floor is at least this large (a brief's people need room).
    pub min_area_m2: f64,
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Cell {
    fn area(&self) -> f64 {
        (self.x1 - self.x0) * (self.y1 - self.y0)
    }
}

const WALL_T: f64 = 0.15;
const DOOR_W: f64 = 0.9;
const MIN_SIDE: f64 = 2.6;

/// A floor of `spec.rooms` rooms, about 22 m² each (more for the largest).
pub fn floor(spec: FloorSpec) -> FloorPlan {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let rooms = spec.rooms.clamp(1, 60);
    let area = (rooms as f64 * rng.random_range(18.0..34.0) + 40.0).max(spec.min_area_m2);
    let aspect = rng.random_range(1.2..2.2);
    let w = (area * aspect).sqrt().max(MIN_SIDE * 2.0);
    let h = (area / w).max(MIN_SIDE * 1.5);
    let w = (w * 10.0).round() / 10.0;
    let h = (h * 10.0).round() / 10.0;
    let mut cells = vec![Cell {
        x0: 0.0,
        y0: 0.0,
        x1: w,
        y1: h,
    }];
    // Interior walls: each split is one wall, with a door connecting its two sides.
    let mut splits: Vec<([f64; 2], [f64; 2])> = Vec::new();
    while cells.len() < rooms {
        // Split the largest splittable cell across its longer side.
        cells.sort_by(|a, b| b.area().total_cmp(&a.area()));
        let Some(k) = cells
            .iter()
            .position(|c| (c.x1 - c.x0).max(c.y1 - c.y0) >= 2.0 * MIN_SIDE)
        else {
            break;
        };
        let c = cells.remove(k);
        let vertical = (c.x1 - c.x0) >= (c.y1 - c.y0);
        let (lo, hi) = if vertical { (c.x0, c.x1) } else { (c.y0, c.y1) };
        // The first split of a large floor leaves an open-plan area of about half.
        let share = if splits.is_empty() && rooms > 3 {
            rng.random_range(0.45..0.6)
        } else {
            rng.random_range(0.35..0.65)
        };
        let at = ((lo + (hi - lo) * share) * 10.0).round() / 10.0;
        let at = at.clamp(lo + MIN_SIDE, hi - MIN_SIDE);
        if vertical {
            splits.push(([at, c.y0], [at, c.y1]));
            cells.push(Cell { x1: at, ..c });
            cells.push(Cell { x0: at, ..c });
        } else {
            splits.push(([c.x0, at], [c.x1, at]));
            cells.push(Cell { y1: at, ..c });
            cells.push(Cell { y0: at, ..c });
        }
    }
    cells.sort_by(|a, b| b.area().total_cmp(&a.area()));

    let mut walls = vec![
        wall("outer-s", [0.0, 0.0], [w, 0.0]),
        wall("outer-e", [w, 0.0], [w, h]),
        wall("outer-n", [w, h], [0.0, h]),
        wall("outer-w", [0.0, h], [0.0, 0.0]),
    ];
    let mut openings = Vec::new();
    for (k, (a, b)) in splits.iter().enumerate() {
        let id = format!("split-{k}");
        walls.push(wall(&id, *a, *b));
        let length = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        // A door where rooms meet on both sides: anywhere clear of the wall's ends and of the
        // junctions of other walls (splits made later start on this one).
        let mut blocked: Vec<(f64, f64)> = splits
            .iter()
            .skip(k + 1)
            .filter_map(|(p, q)| junction(a, b, p).or_else(|| junction(a, b, q)))
            .map(|t| (t, t))
            .collect();
        blocked.extend([(0.0, 0.0), (length, length)]);
        if let Some(offset) = free_offset(&mut rng, length, DOOR_W, &blocked) {
            openings.push(Opening {
                id: format!("door-{k}"),
                wall_id: id,
                kind: OpeningKind::Door,
                offset_m: offset,
                width_m: DOOR_W,
                height_m: 2.1,
                sill_m: 0.0,
            });
        }
    }
    // The entrance on the south wall, and windows on every outer wall.
    let outer: Vec<(String, f64)> = walls[..4]
        .iter()
        .map(|w| (w.id.clone(), w.length()))
        .collect();
    let junctions = |wall_index: usize| -> Vec<(f64, f64)> {
        let (a, b) = (walls[wall_index].start, walls[wall_index].end);
        let length = walls[wall_index].length();
        let mut j: Vec<(f64, f64)> = splits
            .iter()
            .flat_map(|(p, q)| [junction(&a, &b, p), junction(&a, &b, q)])
            .flatten()
            .map(|t| (t, t))
            .collect();
        j.extend([(0.0, 0.0), (length, length)]);
        j
    };
    let mut entrance_blocked = junctions(0);
    if let Some(offset) = free_offset(&mut rng, outer[0].1, 1.0, &entrance_blocked) {
        openings.push(Opening {
            id: "entrance".into(),
            wall_id: outer[0].0.clone(),
            kind: OpeningKind::Door,
            offset_m: offset,
            width_m: 1.0,
            height_m: 2.1,
            sill_m: 0.0,
        });
        entrance_blocked.push((offset - 0.1, offset + 1.1));
    }
    for (k, (id, length)) in outer.iter().enumerate() {
        let mut blocked = if k == 0 {
            entrance_blocked.clone()
        } else {
            junctions(k)
        };
        let count = (length / 4.0).floor() as usize;
        for n in 0..count {
            let width = rng.random_range(1.2..2.4);
            if let Some(offset) = free_offset(&mut rng, *length, width, &blocked) {
                blocked.push((offset, offset + width));
                openings.push(Opening {
                    id: format!("window-{k}-{n}"),
                    wall_id: id.clone(),
                    kind: OpeningKind::Window,
                    offset_m: offset,
                    width_m: width,
                    height_m: 1.4,
                    sill_m: 0.9,
                });
            }
        }
    }

    // An office floor's programme: the largest rooms open plan until they hold over half the
    // area, then a kitchen and a reception, meeting rooms and lounges among the mid-sized,
    // focus offices and storage among the small.
    let mut plan_rooms = Vec::new();
    let total = cells.len();
    let floor_area: f64 = cells.iter().map(Cell::area).sum();
    let mut open_area = 0.0;
    let mut kinds = Vec::with_capacity(total);
    let mut rest = 0;
    for (k, c) in cells.iter().enumerate() {
        let a = c.area();
        let kind = if total == 1 {
            "office"
        } else if k == 0 || (open_area < 0.55 * floor_area && a > 12.0) {
            open_area += a;
            "open_plan"
        } else {
            rest += 1;
            match rest {
                1 if total > 3 => "kitchen",
                2 if total > 5 => "reception",
                _ if a <= 12.0 => ["office", "office", "storage"][rest % 3],
                _ => ["meeting", "meeting", "lounge", "office"][rest % 4],
            }
        };
        kinds.push(kind);
    }
    for (k, c) in cells.iter().enumerate() {
        let kind = kinds[k];
        let mut polygon = vec![[c.x0, c.y0], [c.x1, c.y0], [c.x1, c.y1], [c.x0, c.y1]];
        if spec.cut_corner && c.x0 == 0.0 && c.y0 == 0.0 && k != 0 {
            let cut = ((c.x1 - c.x0).min(c.y1 - c.y0) * 0.3 * 10.0).round() / 10.0;
            polygon = vec![
                [cut, 0.0],
                [c.x1, 0.0],
                [c.x1, c.y1],
                [0.0, c.y1],
                [0.0, cut],
            ];
            walls.push(wall("cut", [0.0, cut], [cut, 0.0]));
            // No door or window where the corner is gone (outer-w runs from (0, h) down).
            openings.retain(|o| match o.wall_id.as_str() {
                "outer-s" => o.offset_m >= cut + 0.3,
                "outer-w" => o.offset_m + o.width_m <= h - cut - 0.3,
                _ => true,
            });
        }
        plan_rooms.push(Room {
            id: format!("room-{}", k + 1),
            name: format!("{} {}", kind.replace('_', " "), k + 1),
            kind: kind.into(),
            polygon,
        });
    }
    let mut plan = FloorPlan {
        units: "m".into(),
        rooms: plan_rooms,
        walls,
        openings,
    };
    turn(&mut plan, spec.angle_deg);
    plan
}

fn wall(id: &str, start: [f64; 2], end: [f64; 2]) -> Wall {
    Wall {
        id: id.into(),
        start,
        end,
        thickness_m: WALL_T,
        height_m: 2.7,
    }
}

/// Where a point lies along the segment a-b (its distance from a), if on it.
fn junction(a: &[f64; 2], b: &[f64; 2], p: &[f64; 2]) -> Option<f64> {
    let length = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    let t = ((p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1])) / length;
    let (fx, fy) = (
        a[0] + (b[0] - a[0]) * t / length,
        a[1] + (b[1] - a[1]) * t / length,
    );
    ((fx - p[0]).hypot(fy - p[1]) < 1e-6 && (-1e-6..=length + 1e-6).contains(&t)).then_some(t)
}

/// A random offset for an opening of `width` that keeps 0.4 m from every blocked stretch
/// (junctions are stretches of no length).
fn free_offset(
    rng: &mut ChaCha8Rng,
    length: f64,
    width: f64,
    blocked: &[(f64, f64)],
) -> Option<f64> {
    for _ in 0..40 {
        let offset = rng.random_range(0.0..(length - width).max(0.0) + 1e-9);
        let offset = (offset * 10.0).round() / 10.0;
        if offset + width <= length
            && blocked
                .iter()
                .all(|(lo, hi)| *hi < offset - 0.4 || *lo > offset + width + 0.4)
        {
            return Some(offset);
        }
    }
    None
}

/// Turns every coordinate of a plan around the origin.
pub fn turn(plan: &mut FloorPlan, degrees: f64) {
    if degrees == 0.0 {
        return;
    }
    let (s, c) = degrees.to_radians().sin_cos();
    let t = |[x, y]: [f64; 2]| [x * c - y * s, x * s + y * c];
    for room in &mut plan.rooms {
        for p in &mut room.polygon {
            *p = t(*p);
        }
    }
    for wall in &mut plan.walls {
        wall.start = t(wall.start);
        wall.end = t(wall.end);
    }
}

/// A product of a category with a size (mm) and a list price (EUR cents), in stock.
pub fn product(id: &str, category: [&str; 2], [w, d, h]: [u32; 3], price_minor: i64) -> Product {
    Product {
        id: id.into(),
        sku: id.to_uppercase(),
        name: format!("{} {id}", category[1]),
        description: String::new(),
        brand: "Sample".into(),
        category: category.map(String::from).to_vec(),
        dimensions: Dimensions {
            width_mm: w,
            depth_mm: d,
            height_mm: h,
            weight_kg: 20.0,
        },
        list_price: Money::new(price_minor, "EUR"),
        dealer_price_minor: price_minor * 6 / 10,
        price_breaks: Vec::new(),
        finishes: Vec::new(),
        images: Vec::new(),
        model_key: None,
        materials: Vec::new(),
        certifications: Vec::new(),
        sustainability: Sustainability {
            embodied_carbon_kg: 50.0,
            recycled_content_pct: 20.0,
        },
        stock: Stock {
            on_hand: 500,
            available: 500,
            lead_time_days: 14,
            next_available: None,
        },
        status: "active".into(),
        stock_as_of: None,
        price_as_of: None,
        updated_at: None,
    }
}

/// A small catalog with a product or two for every role.
pub fn catalog() -> Vec<Product> {
    vec![
        product(
            "desk-160",
            ["Desks", "Fixed desks"],
            [1600, 800, 740],
            45_000,
        ),
        product(
            "desk-140",
            ["Desks", "Height-adjustable desks"],
            [1400, 700, 740],
            69_000,
        ),
        product(
            "chair-a",
            ["Seating", "Task chairs"],
            [650, 600, 1000],
            39_000,
        ),
        product(
            "chair-b",
            ["Seating", "Task chairs"],
            [620, 580, 980],
            19_000,
        ),
        product(
            "table-8",
            ["Tables", "Meeting tables"],
            [2400, 1100, 740],
            120_000,
        ),
        product(
            "table-4",
            ["Tables", "Meeting tables"],
            [1200, 900, 740],
            60_000,
        ),
        product(
            "conf-chair",
            ["Seating", "Conference chairs"],
            [550, 550, 850],
            15_000,
        ),
        product("locker", ["Storage", "Lockers"], [400, 500, 1800], 25_000),
        product("cabinet", ["Storage", "Cabinets"], [800, 450, 1100], 30_000),
        product("sofa", ["Seating", "Sofas"], [2000, 850, 800], 150_000),
        product(
            "coffee",
            ["Tables", "Coffee tables"],
            [1000, 500, 400],
            30_000,
        ),
        product(
            "dining",
            ["Tables", "Dining tables"],
            [1800, 900, 750],
            80_000,
        ),
        product(
            "dining-chair",
            ["Seating", "Dining chairs"],
            [450, 500, 820],
            12_000,
        ),
        product("bed", ["Bedroom", "Beds"], [1600, 2100, 1000], 90_000),
        product(
            "wardrobe",
            ["Bedroom", "Wardrobes"],
            [1000, 600, 2000],
            70_000,
        ),
    ]
}
