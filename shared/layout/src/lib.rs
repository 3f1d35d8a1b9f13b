//! Design generation: furnishes a floor plan from a brief with real catalog products.
//!
//! - [`brief`]: what to furnish for, from the project's requirements and per-request overrides.
//! - [`choose`]: which products, by role (desk, task chair, meeting table, ...), in stock and in
//!   the project's style, one family per floor so rooms stay consistent.
//! - [`engine`]: where they stand: each room is rasterised in its own frame ([`grid`]), kits
//!   (a desk with its chair and the clearance behind it, a meeting table with its chairs, ...)
//!   are placed greedily by score, and a placement that would strand a seat, block an aisle
//!   or a door, or lean tall storage against a window is refused before it is kept.
//! - [`budget`]: swaps products for similar cheaper ones until a quote fits.
//! - [`check`]: the rules, checked independently of how the engine placed things (exact
//!   polygons for overlaps, walls, door swings and windows; a path search on the free space for
//!   reachability). Every proposal carries its result per room.
//!
//! - [`draw`]: the plan with furniture, clearances and rule breaks as SVG.
//! - [`service`]: proposing, accepting and fitting as the routes and the assistant run them.
//! - [`store`]: proposals kept as drafts until accepted; the catalog by category.
//!
//! Every number the rules use is a field of [`Settings`], documented in the README.

pub mod brief;
pub mod budget;
pub mod check;
pub mod choose;
pub mod draw;
pub mod engine;
pub mod grid;
pub mod kits;
pub mod sample;
pub mod service;
pub mod space;
pub mod store;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use brief::{Brief, BriefOverrides};
pub use engine::{Proposal, propose};

/// The numbers the rules and the search use (metres unless named otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    /// Cell size of the rasterised rooms: placements snap to it.
    pub cell_m: f64,
    /// Free depth behind a desk for its chair and the person getting up.
    pub chair_clearance_m: f64,
    /// Free depth in front of storage to open doors and drawers.
    pub storage_clearance_m: f64,
    /// Free band around a meeting or dining table for its chairs.
    pub table_clearance_m: f64,
    /// Free depth in front of a sofa (a coffee table stands in it).
    pub lounge_clearance_m: f64,
    /// Free band on the sides and foot of a bed.
    pub bed_clearance_m: f64,
    /// Narrowest passage to any seat or furniture's clearance zone from a door.
    pub aisle_m: f64,
    /// Narrowest passage between a room's doors (the main aisle through it).
    pub main_aisle_m: f64,
    /// Nothing taller than `tall_item_m` stands closer than this to a window.
    pub window_clearance_m: f64,
    pub tall_item_m: f64,
    /// Offices up to this area are furnished as focus rooms (one workstation).
    pub focus_room_max_m2: f64,
    /// Space between chairs around a table (centre to centre, at least the chair's width).
    pub chair_pitch_m: f64,
    /// Placement candidates tried (with the path search) before a kit is given up in a room.
    pub max_tries: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            cell_m: 0.1,
            chair_clearance_m: 1.0,
            storage_clearance_m: 1.0,
            table_clearance_m: 0.9,
            lounge_clearance_m: 1.2,
            bed_clearance_m: 0.6,
            aisle_m: 0.9,
            main_aisle_m: 1.2,
            window_clearance_m: 0.6,
            tall_item_m: 1.2,
            focus_room_max_m2: 12.0,
            chair_pitch_m: 0.7,
            max_tries: 24,
        }
    }
}

/// What a piece of furniture is for in a layout.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = SpaceRole)]
pub enum Role {
    Desk,
    TaskChair,
    MeetingTable,
    MeetingChair,
    Storage,
    Sofa,
    CoffeeTable,
    DiningTable,
    DiningChair,
    Bed,
    Wardrobe,
    /// Anything else a scenario holds (lamps, screens, ...): drawn and checked for overlaps.
    Other,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Desk,
        Role::TaskChair,
        Role::MeetingTable,
        Role::MeetingChair,
        Role::Storage,
        Role::Sofa,
        Role::CoffeeTable,
        Role::DiningTable,
        Role::DiningChair,
        Role::Bed,
        Role::Wardrobe,
    ];

    /// Chairs stand in their desk's or table's clearance: people walk past them.
    pub fn is_seat(self) -> bool {
        matches!(
            self,
            Role::TaskChair | Role::MeetingChair | Role::DiningChair
        )
    }
}
