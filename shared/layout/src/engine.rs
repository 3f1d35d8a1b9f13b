//! The layout engine: which rooms get what, and where each kit stands.

use std::collections::BinaryHeap;

use roomwright_core::catalog::Product;
use roomwright_projects::floorplan::FloorPlan;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    Brief, Role, Settings,
    check::{self, Violation},
    choose::{Palette, Taste, categories, style_match},
    grid::{FURNITURE, Grid, OUTSIDE, Rect, SEAT, SWING, Summed, WALL, WINDOW_BAND, ZONE},
    kits::{Kit, KitKind},
    space::{Access, RoomSpace, SEAT_REACH_M},
};

/// One piece of furniture where it stands: its centre in plan metres and its turn
/// (counter-clockwise, 0: its width along x and its front towards -y).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlacedItem {
    pub product_id: String,
    pub role: Role,
    pub room_id: String,
    pub x_m: f64,
    pub y_m: f64,
    pub rotation_deg: f64,
    pub width_m: f64,
    pub depth_m: f64,
    pub height_m: f64,
}

/// A rule as a room meets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RuleResult {
    /// `inside_room`, `no_overlap`, `walls`, `door_swings`, `clearances`, `windows`,
    /// `reachable`, `main_aisle`.
    pub rule: String,
    pub satisfied: bool,
}

/// What one room was furnished as and with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoomReport {
    pub room_id: String,
    pub name: String,
    /// What the room was furnished as: `open_office`, `focus`, `meeting`, `kitchen`,
    /// `reception`, `lounge`, `storage`, `bedroom`, `living`, `dining`, or `none`.
    pub furnished_as: String,
    pub area_m2: f64,
    pub desks: u32,
    pub seats: u32,
    pub storage_units: u32,
    pub rules: Vec<RuleResult>,
}

/// One part of a proposal's score, each 0 to 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScorePart {
    /// `desks`, `meeting_seats`, `focus_rooms`, `storage`, `daylight`, `style`, `budget`.
    pub name: String,
    pub value: f64,
    pub weight: f64,
}

/// A furnished floor: a draft until accepted as a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    /// `benching`, `daylight` or `value`.
    pub strategy: String,
    pub name: String,
    pub summary: String,
    pub items: Vec<PlacedItem>,
    /// Weighted sum of the parts, 0 to 1.
    pub score: f64,
    pub score_parts: Vec<ScorePart>,
    pub rooms: Vec<RoomReport>,
    /// Rule violations (none unless the plan itself breaks a rule) and unmet parts of the brief.
    pub warnings: Vec<String>,
    pub violations: Vec<Violation>,
    pub desks: u32,
    pub desks_asked: u32,
    /// Desks the open offices could hold at most (each room's area over a workstation's
    /// footprint with its chair clearance, before aisles, doors and shapes), plus one per
    /// focus room.
    pub desks_area_bound: u32,
    /// Desks the open offices' shapes hold in rows of benches or single workstations with
    /// only their walls and door swings in the way (no aisles or path search), plus one per
    /// focus room: what the area allows, against which packing is measured.
    pub desks_feasible: u32,
    pub meeting_seats: u32,
    pub focus_rooms: u32,
    pub storage_units: u32,
    /// Sum of list prices, in the products' currency's minor units.
    pub list_total_minor: i64,
}

/// How an alternative differs from the others.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Strategy {
    pub name: &'static str,
    pub title: &'static str,
    pub taste: Taste,
    /// Desks in back-to-back benches (dense) or single, against walls and windows.
    pub benches: bool,
}

pub const STRATEGIES: [Strategy; 3] = [
    Strategy {
        name: "benching",
        title: "Benching",
        taste: Taste::Style,
        benches: true,
    },
    Strategy {
        name: "daylight",
        title: "Desks by the windows",
        taste: Taste::Style,
        benches: false,
    },
    Strategy {
        name: "value",
        title: "Value",
        taste: Taste::Value,
        benches: true,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Open,
    Focus,
    Meeting,
    Kitchen,
    Reception,
    Lounge,
    StorageRoom,
    Bedroom,
    Living,
    Dining,
    Nothing,
}

impl Use {
    fn of(kind: &str, area_m2: f64, s: &Settings) -> Use {
        match kind {
            "open_plan" => Use::Open,
            "office" if area_m2 <= s.focus_room_max_m2 => Use::Focus,
            "office" => Use::Open,
            "focus" => Use::Focus,
            "meeting" => Use::Meeting,
            "kitchen" => Use::Kitchen,
            "reception" => Use::Reception,
            "lounge" => Use::Lounge,
            "storage" => Use::StorageRoom,
            "bedroom" => Use::Bedroom,
            "living" => Use::Living,
            "dining" => Use::Dining,
            _ => Use::Nothing,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Use::Open => "open_office",
            Use::Focus => "focus",
            Use::Meeting => "meeting",
            Use::Kitchen => "kitchen",
            Use::Reception => "reception",
            Use::Lounge => "lounge",
            Use::StorageRoom => "storage",
            Use::Bedroom => "bedroom",
            Use::Living => "living",
            Use::Dining => "dining",
            Use::Nothing => "none",
        }
    }
}

/// A room being furnished.
#[derive(Clone)]
struct RoomState {
    space: RoomSpace,
    use_: Use,
    grid: crate::grid::Grid,
    kits: Vec<Kit>,
}

/// Weights of a placement's score.
#[derive(Clone, Copy)]
struct Prefs {
    pack: f64,
    wall: f64,
    daylight: f64,
    /// Quarter turns allowed.
    quarters: &'static [u8],
    /// Score lost by a quarter (odd) turn: rows keep to the room's long axis.
    turned: f64,
}

const ANY_TURN: &[u8] = &[0, 1, 2, 3];
/// Best-scoring spots kept per placement (the path search then tries them in order).
const KEEP: usize = 4096;
/// Offsets of the first row tried by [`RoomState::fill_rows`] (fractions of a row's pitch).
const ROW_PHASES: usize = 4;
/// Row layouts (of the most kits on free cells) kept through the path search.
const ROW_LAYOUTS_TRIED: usize = 3;
const BLOCK: u8 = OUTSIDE | WALL | SWING | FURNITURE | ZONE | SEAT;

#[derive(PartialEq)]
struct Candidate {
    score: f64,
    quarter: u8,
    dx: f64,
    dy: f64,
}

impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    // Reversed: the heap keeps the best few by popping the worst.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.score.total_cmp(&self.score)
    }
}

impl RoomState {
    /// Every zone and seat of the room's kits (and of `extra`) reachable, and the doors still
    /// connected if they were.
    fn accessible(&self, grid: &crate::grid::Grid, extra: &Kit, s: &Settings) -> bool {
        let with: Vec<&Kit> = self.kits.iter().chain(std::iter::once(extra)).collect();
        self.accessible_all(grid, &with, s)
    }

    /// Every zone and seat of `kits` reachable on `grid`, and the doors still connected if
    /// they were.
    fn accessible_all(&self, grid: &crate::grid::Grid, kits: &[&Kit], s: &Settings) -> bool {
        let access: Access = self.space.access(grid, s);
        if self.space.main_aisle && !access.doors_connected {
            return false;
        }
        kits.iter().all(|kit| {
            kit.zones.iter().all(|z| self.space.reaches(&access, z))
                && kit
                    .parts
                    .iter()
                    .filter(|p| p.role.is_seat())
                    .all(|p| self.space.reaches(&access, &p.rect.grow(SEAT_REACH_M)))
        })
    }

    /// Whether `kit` shifted by `(dx, dy)` stands on free cells (tall parts off the window
    /// bands) with its zones free too, by the summed tables of the room before it.
    fn fits(
        kit: &Kit,
        dx: f64,
        dy: f64,
        grid: &Grid,
        blocked: &Summed,
        near_window: &Summed,
    ) -> bool {
        kit.parts.iter().all(|p| {
            grid.cells_of(&p.rect.shift(dx, dy))
                .is_some_and(|c| blocked.count(c) == 0 && !(p.tall && near_window.count(c) > 0))
        }) && kit.zones.iter().all(|z| {
            grid.cells_of(&z.shift(dx, dy))
                .is_some_and(|c| blocked.count(c) == 0)
        })
    }

    /// Fills the room with up to `limit` copies of `kit` in rows, as a planner lays out
    /// benching: rows one kit deep (zones included) pitched back to back, each row packed from
    /// its start with a kit wherever one fits. Rows along and across the room and a few
    /// offsets of the first row are tried on the free cells alone; the most promising are then
    /// kept row by row under the path search (a whole row at once when it strands nothing,
    /// else kit by kit, leaving the gaps as aisles). Returns how many were placed.
    fn fill_rows(&mut self, kit: &Kit, limit: u32, prefs: Prefs, s: &Settings) -> u32 {
        if limit == 0 {
            return 0;
        }
        let mut layouts = row_layouts(&self.grid, kit, BLOCK);
        layouts.sort_by_key(|rows| std::cmp::Reverse(rows.iter().map(Vec::len).sum::<usize>()));
        let window = |k: &Kit| {
            let [x, y] = k.bounds().centre();
            self.space.window_distance([x, y]).unwrap_or(f64::MAX)
        };
        let mut best: Option<(Grid, Vec<Kit>, f64)> = None;
        for mut rows in layouts.into_iter().take(ROW_LAYOUTS_TRIED) {
            if prefs.daylight > 0.0 {
                // Fewer kits than the room holds: the rows nearest the windows first.
                for row in &mut rows {
                    row.sort_by(|a, b| window(a).total_cmp(&window(b)));
                }
                rows.sort_by(|a, b| window(&a[0]).total_cmp(&window(&b[0])));
            }
            let mut trial = self.grid.clone();
            let mut kept: Vec<Kit> = Vec::new();
            'rows: for row in rows {
                let room = limit as usize - kept.len();
                if room == 0 {
                    break;
                }
                let row: Vec<Kit> = row.into_iter().take(room).collect();
                let mut whole = trial.clone();
                for k in &row {
                    mark(&mut whole, k);
                }
                let with: Vec<&Kit> = self.kits.iter().chain(&kept).chain(&row).collect();
                if self.accessible_all(&whole, &with, s) {
                    trial = whole;
                    kept.extend(row);
                    continue 'rows;
                }
                for k in row {
                    let mut one = trial.clone();
                    mark(&mut one, &k);
                    let with: Vec<&Kit> = self
                        .kits
                        .iter()
                        .chain(&kept)
                        .chain(std::iter::once(&k))
                        .collect();
                    if self.accessible_all(&one, &with, s) {
                        trial = one;
                        kept.push(k);
                    }
                }
            }
            let light: f64 = -kept.iter().map(|k| window(k).min(50.0)).sum::<f64>();
            let better = match &best {
                None => true,
                Some((_, b, l)) => kept.len() > b.len() || (kept.len() == b.len() && light > *l),
            };
            if better {
                best = Some((trial, kept, light));
            }
        }
        let Some((grid, kept, _)) = best else {
            return 0;
        };
        self.grid = grid;
        let n = kept.len() as u32;
        self.kits.extend(kept);
        n
    }

    /// Seats up to `limit` desks: in rows first when `rows` (benches, then single
    /// workstations), then kit by kit at the best-scoring spots. Returns how many.
    fn seat_desks(
        &mut self,
        limit: u32,
        bench: Option<&Kit>,
        workstation: Option<&Kit>,
        rows: bool,
        prefs: Prefs,
        s: &Settings,
    ) -> u32 {
        let mut left = limit;
        if rows {
            if let Some(b) = bench {
                left -= 2 * self.fill_rows(b, left / 2, prefs, s);
            }
            if let Some(w) = workstation {
                left -= self.fill_rows(w, left, prefs, s);
            }
        }
        if let Some(b) = bench {
            while left >= 2 && self.place(b, prefs, s) {
                left -= 2;
            }
        }
        if let Some(w) = workstation {
            while left > 0 && self.place(w, prefs, s) {
                left -= 1;
            }
        }
        limit - left
    }

    /// Places a kit at its best spot that keeps the room usable, or gives up.
    fn place(&mut self, kit: &Kit, prefs: Prefs, s: &Settings) -> bool {
        let grid = &self.grid;
        let blocked = grid.summed(BLOCK);
        let near_window = grid.summed(WINDOW_BAND);
        let walls = grid.summed(OUTSIDE | WALL);
        let cell = grid.cell;
        let diagonal = (grid.nx as f64).hypot(grid.ny as f64) * cell;
        let mut best: BinaryHeap<Candidate> = BinaryHeap::new();
        for &quarter in prefs.quarters {
            let turned = kit.placed(quarter, 0.0, 0.0);
            let bounds = turned.bounds();
            let furniture = turned
                .parts
                .iter()
                .map(|p| p.rect)
                .reduce(|a, b| a.union(&b))
                .expect("a kit has parts");
            let steps_x = ((grid.nx as f64 * cell - bounds.width()) / cell).floor();
            let steps_y = ((grid.ny as f64 * cell - bounds.depth()) / cell).floor();
            if steps_x < 0.0 || steps_y < 0.0 {
                continue;
            }
            let (steps_x, steps_y) = (steps_x as usize, steps_y as usize);
            for j in 0..=steps_y {
                for i in 0..=steps_x {
                    let dx = grid.ox + i as f64 * cell - bounds.x0;
                    let dy = grid.oy + j as f64 * cell - bounds.y0;
                    if !Self::fits(&turned, dx, dy, grid, &blocked, &near_window) {
                        continue;
                    }
                    let mut score = -prefs.pack * (j * (steps_x + 1) + i) as f64
                        / ((steps_x + 1) * (steps_y + 1)) as f64
                        - prefs.turned * f64::from(quarter % 2);
                    if prefs.wall != 0.0 && kit.has_back {
                        // The row of cells just behind the kit's back.
                        let back = back_strip(kit, quarter, cell);
                        if let Some(c) = grid.cells_clipped(&back.shift(dx, dy)) {
                            let n = ((c.2 - c.0) * (c.3 - c.1)) as f64;
                            score += prefs.wall * walls.count(c) as f64 / n;
                        }
                    }
                    if prefs.daylight != 0.0 {
                        let [cx, cy] = furniture.shift(dx, dy).centre();
                        if let Some(d) = self.space.window_distance([cx, cy]) {
                            score -= prefs.daylight * d / diagonal.max(1.0);
                        } else {
                            score -= prefs.daylight;
                        }
                    }
                    let candidate = Candidate {
                        score,
                        quarter,
                        dx,
                        dy,
                    };
                    if best.len() < KEEP {
                        best.push(candidate);
                    } else if best.peek().is_some_and(|worst| score > worst.score) {
                        best.pop();
                        best.push(candidate);
                    }
                }
            }
        }
        let mut ranked = best.into_vec();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        // The path search is the costly part: spots next to one that failed it would most
        // likely fail too, so each try goes somewhere else.
        let mut failed: Vec<&Candidate> = Vec::new();
        for c in &ranked {
            if failed.len() >= s.max_tries {
                break;
            }
            let near = |f: &&Candidate| {
                f.quarter == c.quarter && (f.dx - c.dx).abs() < 0.45 && (f.dy - c.dy).abs() < 0.45
            };
            if failed.iter().any(near) {
                continue;
            }
            let placed = kit.placed(c.quarter, c.dx, c.dy);
            let mut trial = self.grid.clone();
            mark(&mut trial, &placed);
            if self.accessible(&trial, &placed, s) {
                self.grid = trial;
                self.kits.push(placed);
                return true;
            }
            failed.push(c);
        }
        false
    }
}

/// Rows of `kit` on the free cells of `grid` (cells with none of `mask`; tall parts off the
/// window bands): per layout (rows along or across the room, first row at one of
/// [`ROW_PHASES`] offsets), its rows, each packed from its start with a kit wherever one fits.
/// Kits of a layout never overlap one another; nothing here searches paths.
fn row_layouts(grid: &Grid, kit: &Kit, mask: u8) -> Vec<Vec<Vec<Kit>>> {
    let cell = grid.cell;
    let blocked = grid.summed(mask);
    let near_window = grid.summed(WINDOW_BAND);
    let (max_x, max_y) = (
        grid.ox + grid.nx as f64 * cell,
        grid.oy + grid.ny as f64 * cell,
    );
    let snap = |v: f64| (v / cell - 1e-6).ceil() * cell;
    let mut layouts = Vec::new();
    for quarter in [0u8, 1] {
        let turned = kit.placed(quarter, 0.0, 0.0);
        let b = turned.bounds();
        let (pitch_x, pitch_y) = (snap(b.width()), snap(b.depth()));
        for phase in 0..ROW_PHASES {
            let mut rows = Vec::new();
            let mut y = grid.oy + snap(pitch_y * phase as f64 / ROW_PHASES as f64);
            while y + b.depth() <= max_y + 1e-9 {
                let mut row = Vec::new();
                let mut x = grid.ox;
                while x + b.width() <= max_x + 1e-9 {
                    let (dx, dy) = (x - b.x0, y - b.y0);
                    if RoomState::fits(&turned, dx, dy, grid, &blocked, &near_window) {
                        row.push(turned.placed(0, dx, dy));
                        x += pitch_x;
                    } else {
                        x += cell;
                    }
                }
                if !row.is_empty() {
                    rows.push(row);
                }
                y += pitch_y;
            }
            layouts.push(rows);
        }
    }
    layouts
}

/// Desks the room's shape holds in rows of benches with rows of single workstations in what
/// they leave (or singles alone, whichever holds more), with only its walls and door swings
/// in the way (no aisles, no path search): the area-feasible desks a proposal's packing is
/// measured against.
fn desks_feasible(grid: &Grid, bench: Option<&Kit>, workstation: Option<&Kit>) -> u32 {
    // Furniture and zones are only those of the bench rows tried.
    const MASK: u8 = OUTSIDE | WALL | SWING | FURNITURE | ZONE | SEAT;
    let count = |rows: &Vec<Vec<Kit>>, kit: &Kit| {
        rows.iter().map(Vec::len).sum::<usize>() as u32 * kit.desks
    };
    let singles = |grid: &Grid| {
        workstation.map_or(0, |w| {
            row_layouts(grid, w, MASK)
                .iter()
                .map(|rows| count(rows, w))
                .max()
                .unwrap_or(0)
        })
    };
    // Rows of benches with rows of single workstations in what they leave, or singles alone.
    let mixed = bench.map_or(0, |b| {
        row_layouts(grid, b, MASK)
            .iter()
            .map(|rows| {
                let mut rest = grid.clone();
                for kit in rows.iter().flatten() {
                    mark(&mut rest, kit);
                }
                count(rows, b) + singles(&rest)
            })
            .max()
            .unwrap_or(0)
    });
    mixed.max(singles(grid))
}

/// The strip of cells behind a kit's back, turned with it.
fn back_strip(kit: &Kit, quarter: u8, cell: f64) -> Rect {
    let furniture = kit
        .parts
        .iter()
        .map(|p| p.rect)
        .reduce(|a, b| a.union(&b))
        .expect("a kit has parts");
    Rect {
        x0: furniture.x0,
        y0: furniture.y1,
        x1: furniture.x1,
        y1: furniture.y1 + cell,
    }
    .turn(quarter)
}

fn mark(grid: &mut crate::grid::Grid, kit: &Kit) {
    for z in &kit.zones {
        grid.mark(z, ZONE);
    }
    for p in &kit.parts {
        grid.mark(&p.rect, if p.role.is_seat() { SEAT } else { FURNITURE });
    }
}

/// What is still to place.
#[derive(Debug, Clone, Copy)]
struct Demand {
    desks: u32,
    meeting_seats: u32,
    focus_rooms: u32,
    collaboration: u32,
    storage: u32,
}

/// Proposes up to `alternatives` (1 to 3) furnished layouts of the plan's rooms (those named
/// in `rooms`, or all), each from another [`Strategy`].
pub fn propose(
    plan: &FloorPlan,
    rooms: Option<&[String]>,
    brief: &Brief,
    products: &[Product],
    alternatives: usize,
    s: &Settings,
) -> Vec<Proposal> {
    let spaces: Vec<RoomSpace> = plan
        .rooms
        .iter()
        .filter(|r| rooms.is_none_or(|ids| ids.contains(&r.id)))
        .filter(|r| r.polygon.len() >= 3)
        .map(|r| RoomSpace::new(plan, r, s))
        .collect();
    STRATEGIES
        .iter()
        .take(alternatives.clamp(1, 3))
        .map(|strategy| furnish(plan, &spaces, brief, products, *strategy, s))
        .collect()
}

fn furnish(
    plan: &FloorPlan,
    spaces: &[RoomSpace],
    brief: &Brief,
    products: &[Product],
    strategy: Strategy,
    s: &Settings,
) -> Proposal {
    let palette = Palette::new(products, brief, strategy.taste);
    let mut warnings = Vec::new();
    let mut rooms: Vec<RoomState> = spaces
        .iter()
        .map(|space| RoomState {
            use_: Use::of(&space.room.kind, space.area_m2, s),
            grid: space.grid.clone(),
            space: space.clone(),
            kits: Vec::new(),
        })
        .collect();
    let mut demand = Demand {
        desks: brief.desks(),
        meeting_seats: brief.meeting_seats,
        focus_rooms: brief.focus_rooms,
        collaboration: brief.collaboration_areas,
        storage: brief.storage_units(),
    };
    let desk = palette.first(Role::Desk);
    let chair = palette.first(Role::TaskChair);
    let workstation = desk.zip(chair).map(|(d, c)| Kit::workstation(d, c, s));
    let bench = desk.zip(chair).map(|(d, c)| Kit::bench(d, c, s));
    if workstation.is_none() {
        warnings.push(
            "The catalog has no desk or task chair in stock to furnish workplaces with.".into(),
        );
    }
    let storage = palette
        .first(Role::Storage)
        .map(|p| Kit::storage(p, Role::Storage, s));
    let lounge = palette
        .first(Role::Sofa)
        .map(|sofa| Kit::lounge(sofa, palette.first(Role::CoffeeTable), s));
    let tables = |table_role: Role, chair_role: Role, kind: KitKind| -> Vec<Kit> {
        let Some(chair) = palette.first(chair_role) else {
            return Vec::new();
        };
        // Tables of the role's first category the catalog has (dining tables in a kitchen
        // before meeting tables).
        let all = palette.all(table_role);
        let Some(category) = categories(table_role).iter().find(|(top, leaf)| {
            all.iter().any(|t| {
                t.category.first().is_some_and(|c| c == top)
                    && t.category.get(1).is_some_and(|c| c == leaf)
            })
        }) else {
            return Vec::new();
        };
        let mut sets: Vec<Kit> = all
            .iter()
            .filter(|t| t.category.get(1).is_some_and(|c| c == category.1))
            .map(|t| Kit::table_set(t, chair, kind, s))
            .collect();
        // Largest first; one per size.
        sets.sort_by_key(|set| std::cmp::Reverse(set.seats));
        sets.dedup_by(|a, b| a.seats == b.seats);
        sets
    };
    let meeting_sets = tables(Role::MeetingTable, Role::MeetingChair, KitKind::MeetingSet);
    let dining_sets = tables(Role::DiningTable, Role::DiningChair, KitKind::DiningSet);

    let storage_prefs = Prefs {
        pack: 0.2,
        wall: 3.0,
        daylight: -0.3,
        quarters: ANY_TURN,
        turned: 0.0,
    };
    let along_wall = Prefs {
        pack: 0.3,
        wall: 2.0,
        daylight: 0.0,
        quarters: ANY_TURN,
        turned: 0.0,
    };
    let tables_prefs = Prefs {
        pack: 0.2,
        wall: 0.0,
        daylight: 0.5,
        quarters: ANY_TURN,
        turned: 0.0,
    };
    let desk_prefs = if strategy.benches {
        Prefs {
            pack: 1.0,
            wall: 0.0,
            daylight: 0.3,
            quarters: ANY_TURN,
            turned: 0.1,
        }
    } else {
        Prefs {
            pack: 0.4,
            wall: 0.6,
            daylight: 1.5,
            quarters: ANY_TURN,
            turned: 0.05,
        }
    };

    let order = |u: Use| match u {
        Use::Meeting => 0,
        Use::Focus => 1,
        Use::Open => 2,
        _ => 3,
    };
    let mut indices: Vec<usize> = (0..rooms.len()).collect();
    indices.sort_by(|&a, &b| {
        order(rooms[a].use_)
            .cmp(&order(rooms[b].use_))
            .then(rooms[b].space.area_m2.total_cmp(&rooms[a].space.area_m2))
    });
    for &k in &indices {
        let room = &mut rooms[k];
        match room.use_ {
            Use::Meeting => {
                if let Some(set) = meeting_sets
                    .iter()
                    .find(|set| room.place(set, tables_prefs, s))
                {
                    demand.meeting_seats = demand.meeting_seats.saturating_sub(set.seats);
                }
            }
            Use::Focus if demand.focus_rooms > 0 || demand.desks > 0 => {
                if let Some(w) = &workstation
                    && room.place(w, desk_prefs_single(), s)
                {
                    if demand.focus_rooms > 0 {
                        demand.focus_rooms -= 1;
                    } else {
                        demand.desks = demand.desks.saturating_sub(1);
                    }
                }
            }
            Use::Open => {
                // Benching: rows as a planner draws them, and kit by kit at the best-scoring
                // spots; the room keeps whichever seats more (rows win ties). Single desks by
                // the windows: kit by kit.
                let bench = bench.as_ref().filter(|_| strategy.benches);
                let mut by_spots = room.clone();
                let mut seated = room.seat_desks(
                    demand.desks,
                    bench,
                    workstation.as_ref(),
                    strategy.benches,
                    desk_prefs,
                    s,
                );
                if strategy.benches && seated < demand.desks {
                    let spots = by_spots.seat_desks(
                        demand.desks,
                        bench,
                        workstation.as_ref(),
                        false,
                        desk_prefs,
                        s,
                    );
                    if spots > seated {
                        *room = by_spots;
                        seated = spots;
                    }
                }
                demand.desks -= seated;
            }
            _ => {}
        }
    }
    // The rest of the open offices once every one has its desks: support furniture takes
    // what the desks leave.
    for &k in &indices {
        let room = &mut rooms[k];
        match room.use_ {
            Use::Open => {
                if demand.collaboration > 0
                    && let Some(l) = &lounge
                    && room.place(l, along_wall, s)
                {
                    demand.collaboration -= 1;
                }
                while demand.meeting_seats > 0
                    && room.kits.iter().all(|k| k.kind != KitKind::MeetingSet)
                {
                    let Some(set) = meeting_sets
                        .iter()
                        .rev()
                        .find(|set| set.seats >= demand.meeting_seats.min(4))
                    else {
                        break;
                    };
                    if !room.place(set, tables_prefs, s) {
                        break;
                    }
                    demand.meeting_seats = demand.meeting_seats.saturating_sub(set.seats);
                }
                if let Some(u) = &storage {
                    while demand.storage > 0 && room.place(u, storage_prefs, s) {
                        demand.storage -= 1;
                    }
                }
            }
            Use::Kitchen | Use::Dining => {
                dining_sets
                    .iter()
                    .find(|set| room.place(set, tables_prefs, s));
            }
            Use::Reception => {
                // The receptionist's desk is not one of the brief's desks.
                if let Some(mut w) = workstation.clone() {
                    w.desks = 0;
                    room.place(&w, along_wall, s);
                }
                if let Some(l) = &lounge {
                    room.place(l, along_wall, s);
                }
            }
            Use::Lounge | Use::Living => {
                if let Some(l) = &lounge {
                    let mut n = 0;
                    while n < 3 && room.place(l, along_wall, s) {
                        n += 1;
                        demand.collaboration = demand.collaboration.saturating_sub(1);
                    }
                }
            }
            Use::StorageRoom => {
                if let Some(u) = &storage {
                    let mut n = 0;
                    while n < 40 && room.place(u, storage_prefs, s) {
                        n += 1;
                        demand.storage = demand.storage.saturating_sub(1);
                    }
                }
            }
            Use::Bedroom => {
                if let Some(bed) = palette.first(Role::Bed) {
                    room.place(&Kit::bed(bed, s), along_wall, s);
                }
                if let Some(w) = palette.first(Role::Wardrobe) {
                    room.place(&Kit::storage(w, Role::Wardrobe, s), storage_prefs, s);
                }
            }
            _ => {}
        }
    }

    let asked = brief.desks();
    let placed_desks: u32 = rooms.iter().flat_map(|r| &r.kits).map(|k| k.desks).sum();
    let focus_rooms = brief.focus_rooms - demand.focus_rooms;
    let meeting_seats: u32 = rooms
        .iter()
        .flat_map(|r| &r.kits)
        .filter(|k| k.kind == KitKind::MeetingSet)
        .map(|k| k.seats)
        .sum();
    let storage_units: u32 = rooms.iter().flat_map(|r| &r.kits).map(|k| k.storage).sum();
    if placed_desks < asked {
        warnings.push(format!(
            "{placed_desks} of {asked} desks fit the open offices and focus rooms."
        ));
    }
    if demand.meeting_seats > 0 {
        warnings.push(format!(
            "{meeting_seats} of {} meeting seats fit.",
            brief.meeting_seats
        ));
    }
    if demand.focus_rooms > 0 {
        warnings.push(format!(
            "{focus_rooms} of {} focus rooms: the plan has no more small offices.",
            brief.focus_rooms
        ));
    }
    if demand.storage > 0 {
        warnings.push(format!(
            "{storage_units} of {} storage units fit along the walls.",
            brief.storage_units()
        ));
    }

    let by_id: std::collections::HashMap<&str, &Product> =
        products.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut items = Vec::new();
    for room in &rooms {
        for kit in &room.kits {
            for part in &kit.parts {
                let Some(product) = by_id.get(part.product_id.as_str()) else {
                    continue;
                };
                let [x, y] = room.space.frame.to_plan(part.rect.centre());
                let degrees = (room.space.frame.angle.to_degrees() + 90.0 * part.quarter as f64)
                    .rem_euclid(360.0);
                // Unrounded: the rules are checked on exactly what is stored.
                items.push(PlacedItem {
                    product_id: part.product_id.clone(),
                    role: part.role,
                    room_id: room.space.room.id.clone(),
                    x_m: x,
                    y_m: y,
                    rotation_deg: degrees,
                    width_m: product.dimensions.width_mm as f64 / 1000.0,
                    depth_m: product.dimensions.depth_mm as f64 / 1000.0,
                    height_m: product.dimensions.height_mm as f64 / 1000.0,
                });
            }
        }
    }
    let violations = check::check(plan, &items, s);
    let reports = rooms
        .iter()
        .map(|room| RoomReport {
            room_id: room.space.room.id.clone(),
            name: room.space.room.name.clone(),
            furnished_as: room.use_.name().into(),
            area_m2: (room.space.area_m2 * 100.0).round() / 100.0,
            desks: room.kits.iter().map(|k| k.desks).sum(),
            seats: room.kits.iter().map(|k| k.seats).sum(),
            storage_units: room.kits.iter().map(|k| k.storage).sum(),
            rules: check::RULES
                .iter()
                .map(|rule| RuleResult {
                    rule: rule.to_string(),
                    satisfied: !violations
                        .iter()
                        .any(|v| v.room_id == room.space.room.id && v.rule == *rule),
                })
                .collect(),
        })
        .collect();
    let list_total_minor: i64 = items
        .iter()
        .filter_map(|i| by_id.get(i.product_id.as_str()))
        .map(|p| p.list_price.amount_minor)
        .sum();
    let bound = desk
        .map(|d| {
            let per = d.dimensions.width_mm as f64 / 1000.0
                * (d.dimensions.depth_mm as f64 / 1000.0 + s.chair_clearance_m);
            rooms
                .iter()
                .map(|r| match r.use_ {
                    Use::Open => (r.space.area_m2 / per).floor() as u32,
                    // A focus room is one person's room (`focus_room_max_m2`).
                    Use::Focus => 1,
                    _ => 0,
                })
                .sum()
        })
        .unwrap_or(0);
    let feasible = rooms
        .iter()
        .map(|r| match r.use_ {
            Use::Open => desks_feasible(&r.space.grid, bench.as_ref(), workstation.as_ref()),
            Use::Focus if workstation.is_some() => 1,
            _ => 0,
        })
        .sum();
    let daylight = {
        let desks: Vec<f64> = rooms
            .iter()
            .flat_map(|r| {
                r.kits.iter().flat_map(move |k| {
                    k.parts
                        .iter()
                        .filter(|p| p.role == Role::Desk)
                        .map(move |p| r.space.window_distance(p.rect.centre()).unwrap_or(f64::MAX))
                })
            })
            .collect();
        if desks.is_empty() {
            0.0
        } else {
            desks.iter().filter(|d| **d <= 6.0).count() as f64 / desks.len() as f64
        }
    };
    let style = {
        let matches: Vec<f64> = items
            .iter()
            .filter_map(|i| by_id.get(i.product_id.as_str()))
            .map(|p| style_match(p, &brief.styles))
            .collect();
        if matches.is_empty() || brief.styles.is_empty() {
            1.0
        } else {
            matches.iter().sum::<f64>() / matches.len() as f64
        }
    };
    let ratio = |got: u32, asked: u32| {
        if asked == 0 {
            1.0
        } else {
            (got as f64 / asked as f64).min(1.0)
        }
    };
    let budget = brief.budget_minor.map_or(1.0, |b| {
        if list_total_minor <= b {
            1.0
        } else {
            b as f64 / list_total_minor as f64
        }
    });
    let parts = vec![
        ScorePart {
            name: "desks".into(),
            value: ratio(placed_desks, asked),
            weight: 0.35,
        },
        ScorePart {
            name: "meeting_seats".into(),
            value: ratio(meeting_seats, brief.meeting_seats),
            weight: 0.15,
        },
        ScorePart {
            name: "focus_rooms".into(),
            value: ratio(focus_rooms, brief.focus_rooms),
            weight: 0.05,
        },
        ScorePart {
            name: "storage".into(),
            value: ratio(storage_units, brief.storage_units()),
            weight: 0.05,
        },
        ScorePart {
            name: "daylight".into(),
            value: daylight,
            weight: 0.15,
        },
        ScorePart {
            name: "style".into(),
            value: style,
            weight: 0.1,
        },
        ScorePart {
            name: "budget".into(),
            value: budget,
            weight: 0.15,
        },
    ];
    let score = parts.iter().map(|p| p.value * p.weight).sum::<f64>();
    for v in &violations {
        warnings.push(v.message.clone());
    }
    Proposal {
        strategy: strategy.name.into(),
        name: strategy.title.into(),
        summary: format!(
            "{placed_desks} desks ({asked} asked), {meeting_seats} meeting seats, {focus_rooms} focus rooms, {storage_units} storage units; {:.0}% of desks within 6 m of a window.",
            daylight * 100.0
        ),
        items,
        score: (score * 1000.0).round() / 1000.0,
        score_parts: parts,
        rooms: reports,
        warnings,
        violations,
        desks: placed_desks,
        desks_asked: asked,
        desks_area_bound: bound,
        desks_feasible: feasible,
        meeting_seats,
        focus_rooms,
        storage_units,
        list_total_minor,
    }
}

fn desk_prefs_single() -> Prefs {
    Prefs {
        pack: 0.2,
        wall: 1.0,
        daylight: 1.0,
        quarters: ANY_TURN,
        turned: 0.0,
    }
}

/// The placed selections of a scenario as items (selections without a placement or whose
/// product is unknown are left out), for drawing and checking scenarios however they were made.
pub fn placed_items(
    scenario: &roomwright_projects::scenarios::Scenario,
    products: &std::collections::HashMap<String, Product>,
) -> Vec<PlacedItem> {
    scenario
        .selections
        .iter()
        .filter_map(|selection| {
            let placement = selection.placement.as_ref()?;
            let product = products.get(&selection.product_id)?;
            Some(PlacedItem {
                product_id: product.id.clone(),
                role: crate::choose::role_of(product),
                room_id: placement.room_id.clone(),
                x_m: placement.x_m,
                y_m: placement.y_m,
                rotation_deg: placement.rotation_deg,
                width_m: product.dimensions.width_mm as f64 / 1000.0,
                depth_m: product.dimensions.depth_mm as f64 / 1000.0,
                height_m: product.dimensions.height_mm as f64 / 1000.0,
            })
        })
        .collect()
}
