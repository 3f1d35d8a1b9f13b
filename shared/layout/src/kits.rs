//! Kits: furniture that is placed together, with the free zones it needs.
//!
//! A kit is drawn in its own frame, unturned: every product's width along x and depth along
//! y, its front (where a person sits or reaches in) towards -y. Chairs face their desk or
//! table. Zones are the clearances that must stay free of other furniture and walls: behind a
//! desk for the chair, in front of storage, around a table.

use roomwright_core::catalog::Product;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Role, Settings, grid::Rect};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KitKind {
    /// A desk and its chair.
    Workstation,
    /// Two workstations back to back.
    Bench,
    MeetingSet,
    DiningSet,
    StorageUnit,
    /// A sofa with a coffee table in front.
    Lounge,
    Bed,
}

#[derive(Debug, Clone)]
pub struct Part {
    pub role: Role,
    pub product_id: String,
    pub rect: Rect,
    /// The product's own quarter turns within the kit.
    pub quarter: u8,
    pub tall: bool,
}

#[derive(Debug, Clone)]
pub struct Kit {
    pub kind: KitKind,
    pub parts: Vec<Part>,
    pub zones: Vec<Rect>,
    pub seats: u32,
    pub desks: u32,
    pub storage: u32,
    /// Whether the kit has a back (its +y side) that belongs against a wall.
    pub has_back: bool,
}

fn size(p: &Product) -> (f64, f64) {
    (
        p.dimensions.width_mm as f64 / 1000.0,
        p.dimensions.depth_mm as f64 / 1000.0,
    )
}

fn part(role: Role, p: &Product, rect: Rect, quarter: u8, s: &Settings) -> Part {
    Part {
        role,
        product_id: p.id.clone(),
        rect,
        quarter,
        tall: p.dimensions.height_mm as f64 / 1000.0 > s.tall_item_m,
    }
}

/// The clearance an item of a role needs, in the item's own frame (unturned, centred, front
/// towards -y): behind a desk for its chair, in front of storage and sofas, around tables,
/// beside and below beds. The rules check the same zones.
pub fn zone(role: Role, w: f64, d: f64, s: &Settings) -> Option<Rect> {
    let front = |depth: f64| Rect {
        x0: -w / 2.0,
        y0: -d / 2.0 - depth,
        x1: w / 2.0,
        y1: -d / 2.0,
    };
    match role {
        Role::Desk => Some(front(s.chair_clearance_m)),
        Role::Storage | Role::Wardrobe => Some(front(s.storage_clearance_m)),
        Role::Sofa => Some(front(s.lounge_clearance_m)),
        Role::MeetingTable | Role::DiningTable => {
            Some(Rect::centred(0.0, 0.0, w, d).grow(s.table_clearance_m))
        }
        Role::Bed => Some(Rect {
            x0: -w / 2.0 - s.bed_clearance_m,
            y0: -d / 2.0 - s.bed_clearance_m,
            x1: w / 2.0 + s.bed_clearance_m,
            y1: d / 2.0,
        }),
        Role::TaskChair
        | Role::MeetingChair
        | Role::DiningChair
        | Role::CoffeeTable
        | Role::Other => None,
    }
}

/// The zones of a kit's parts, in the kit's frame.
fn zones_of(parts: &[Part], s: &Settings) -> Vec<Rect> {
    parts
        .iter()
        .filter_map(|p| {
            let (w, d) = if p.quarter % 2 == 0 {
                (p.rect.width(), p.rect.depth())
            } else {
                (p.rect.depth(), p.rect.width())
            };
            let [cx, cy] = p.rect.centre();
            zone(p.role, w, d, s).map(|z| z.turn(p.quarter).shift(cx, cy))
        })
        .collect()
}

impl Kit {
    /// The footprint of every part and zone together.
    pub fn bounds(&self) -> Rect {
        self.parts
            .iter()
            .map(|p| p.rect)
            .chain(self.zones.iter().copied())
            .reduce(|a, b| a.union(&b))
            .expect("a kit has parts")
    }

    /// Turned by `quarter` quarter turns and moved by `(dx, dy)`.
    pub fn placed(&self, quarter: u8, dx: f64, dy: f64) -> Kit {
        let mut kit = self.clone();
        for p in &mut kit.parts {
            p.rect = p.rect.turn(quarter).shift(dx, dy);
            p.quarter = (p.quarter + quarter) % 4;
        }
        for z in &mut kit.zones {
            *z = z.turn(quarter).shift(dx, dy);
        }
        kit
    }

    /// A desk and its chair: the chair tucked at the desk's front, the clearance behind it.
    pub fn workstation(desk: &Product, chair: &Product, s: &Settings) -> Kit {
        let (w, d) = size(desk);
        let (cw, cd) = size(chair);
        let desk_rect = Rect::centred(0.0, 0.0, w, d);
        let chair_rect = Rect::centred(0.0, -d / 2.0 - cd / 2.0, cw, cd);
        let zone_w = w.max(cw);
        Kit {
            kind: KitKind::Workstation,
            parts: vec![
                part(Role::Desk, desk, desk_rect, 0, s),
                part(Role::TaskChair, chair, chair_rect, 2, s),
            ],
            zones: vec![Rect {
                x0: -zone_w / 2.0,
                y0: -d / 2.0 - s.chair_clearance_m.max(cd),
                x1: zone_w / 2.0,
                y1: -d / 2.0,
            }],
            seats: 1,
            desks: 1,
            storage: 0,
            has_back: true,
        }
    }

    /// Two workstations back to back, each with its clearance.
    pub fn bench(desk: &Product, chair: &Product, s: &Settings) -> Kit {
        let one = Kit::workstation(desk, chair, s);
        let (_, d) = size(desk);
        let front = one.placed(0, 0.0, -d / 2.0);
        let back = one.placed(2, 0.0, d / 2.0);
        Kit {
            kind: KitKind::Bench,
            parts: front.parts.into_iter().chain(back.parts).collect(),
            zones: front.zones.into_iter().chain(back.zones).collect(),
            seats: 2,
            desks: 2,
            storage: 0,
            has_back: false,
        }
    }

    /// A table with chairs along its long sides (and one at each end when it is deep enough),
    /// the clearance band all round.
    pub fn table_set(table: &Product, chair: &Product, kind: KitKind, s: &Settings) -> Kit {
        let (w, d) = size(table);
        let (cw, cd) = size(chair);
        let pitch = s.chair_pitch_m.max(cw);
        let per_side = ((w / pitch).floor() as u32).max(1);
        let role = if kind == KitKind::DiningSet {
            Role::DiningChair
        } else {
            Role::MeetingChair
        };
        let table_role = if kind == KitKind::DiningSet {
            Role::DiningTable
        } else {
            Role::MeetingTable
        };
        let mut parts = vec![part(table_role, table, Rect::centred(0.0, 0.0, w, d), 0, s)];
        let sides = if d >= 0.7 { 2 } else { 1 };
        for k in 0..per_side {
            let x = -w / 2.0 + (k as f64 + 0.5) * (w / per_side as f64);
            parts.push(part(
                role,
                chair,
                Rect::centred(x, -d / 2.0 - cd / 2.0, cw, cd),
                2,
                s,
            ));
            if sides == 2 {
                parts.push(part(
                    role,
                    chair,
                    Rect::centred(x, d / 2.0 + cd / 2.0, cw, cd),
                    0,
                    s,
                ));
            }
        }
        if d >= 0.9 && w >= 1.6 {
            parts.push(part(
                role,
                chair,
                Rect::centred(-w / 2.0 - cd / 2.0, 0.0, cd, cw),
                1,
                s,
            ));
            parts.push(part(
                role,
                chair,
                Rect::centred(w / 2.0 + cd / 2.0, 0.0, cd, cw),
                3,
                s,
            ));
        }
        let seats = parts.len() as u32 - 1;
        Kit {
            kind,
            zones: zones_of(&parts, s),
            parts,
            seats,
            desks: 0,
            storage: 0,
            has_back: false,
        }
    }

    /// A storage unit against a wall with its opening clearance in front.
    pub fn storage(unit: &Product, role: Role, s: &Settings) -> Kit {
        let (w, d) = size(unit);
        let parts = vec![part(role, unit, Rect::centred(0.0, 0.0, w, d), 0, s)];
        Kit {
            kind: KitKind::StorageUnit,
            zones: zones_of(&parts, s),
            parts,
            seats: 0,
            desks: 0,
            storage: 1,
            has_back: true,
        }
    }

    /// A sofa with a coffee table in the free depth in front of it.
    pub fn lounge(sofa: &Product, table: Option<&Product>, s: &Settings) -> Kit {
        let (w, d) = size(sofa);
        let mut parts = vec![part(Role::Sofa, sofa, Rect::centred(0.0, 0.0, w, d), 0, s)];
        let depth = s.lounge_clearance_m;
        if let Some(table) = table {
            let (tw, td) = size(table);
            // 40 cm of knee room, and the table no deeper than leaves a passage before it.
            if tw <= w && td + 0.4 <= depth {
                parts.push(part(
                    Role::CoffeeTable,
                    table,
                    Rect::centred(0.0, -d / 2.0 - 0.4 - td / 2.0, tw, td),
                    0,
                    s,
                ));
            }
        }
        Kit {
            kind: KitKind::Lounge,
            seats: ((w / 0.6).floor() as u32).max(1),
            zones: zones_of(&parts, s),
            parts,
            desks: 0,
            storage: 0,
            has_back: true,
        }
    }

    /// A bed, head against the wall, free on its sides and at its foot.
    pub fn bed(bed: &Product, s: &Settings) -> Kit {
        let (w, d) = size(bed);
        let parts = vec![part(Role::Bed, bed, Rect::centred(0.0, 0.0, w, d), 0, s)];
        Kit {
            kind: KitKind::Bed,
            zones: zones_of(&parts, s),
            parts,
            seats: 0,
            desks: 0,
            storage: 0,
            has_back: true,
        }
    }
}
