//! Dimensioned stand-ins for products without a 3D model: a few boxes shaped like the kind of
//! product (desk, chair, sofa, storage, screen), exactly the product's size, in its finish.
//!
//! Local axes at rotation 0: width along x, depth along y, the front (where a person sits or
//! opens doors) towards -y... except seating, whose back is at -y so that a chair placed in
//! front of a desk faces it. Heights are from the floor.

use crate::input::SceneItem;

use super::solid::Solid;

/// What shape a product gets, from its category path and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Table,
    Chair,
    Sofa,
    Storage,
    Screen,
    Lamp,
    Block,
}

pub fn shape_of(item: &SceneItem) -> Shape {
    let text = format!("{} {}", item.category.join(" "), item.name).to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["sofa", "couch", "lounge", "bench"]) {
        Shape::Sofa
    } else if has(&["chair", "stool", "seating"]) {
        Shape::Chair
    } else if has(&["desk", "table", "workstation"]) {
        Shape::Table
    } else if has(&[
        "storage", "cabinet", "shelf", "shelv", "locker", "pedestal", "bookcase",
    ]) {
        Shape::Storage
    } else if has(&["screen", "partition", "divider", "panel", "acoustic"]) {
        Shape::Screen
    } else if has(&["lamp", "light"]) {
        Shape::Lamp
    } else {
        Shape::Block
    }
}

/// A height-adjustable desk's catalogue height is its highest setting; show it seated.
const SEATED_DESK_M: f64 = 0.74;
/// Frames and legs.
pub const FRAME_MATERIAL: &str = "frame-graphite";

/// The stand-in's parts, placed in the plan.
pub fn stand_in(item: &SceneItem, finish_material: &str) -> Vec<Solid> {
    let [w, d, h] = item.size_mm.map(|v| f64::from(v.max(10)) / 1000.0);
    let angle = item.placement.rotation_deg.to_radians();
    let (sin, cos) = angle.sin_cos();
    let origin = [item.placement.x_m, item.placement.y_m];
    let name = |part: &str| format!("item-{}-{part}", item.selection_id);
    // A part centred at local (x, y) of local size (sx, sy), between two heights.
    let part = |label: &str, material: &str, x: f64, y: f64, sx: f64, sy: f64, z0: f64, z1: f64| {
        Solid::cuboid(
            name(label),
            material,
            [origin[0] + x * cos - y * sin, origin[1] + x * sin + y * cos],
            [sx, sy],
            angle,
            z0,
            z1,
        )
    };
    let finish = finish_material;
    match shape_of(item) {
        Shape::Table => {
            let adjustable = item.category.iter().chain([&item.name]).any(|c| {
                let c = c.to_lowercase();
                c.contains("adjustable") || c.contains("sit-stand")
            });
            let top = if adjustable { SEATED_DESK_M.min(h) } else { h };
            let slab = 0.025f64.min(top / 4.0);
            let leg = 0.05f64.min(w / 6.0).min(d / 6.0);
            let (lx, ly) = (w / 2.0 - leg, d / 2.0 - leg);
            let mut parts = vec![part("top", finish, 0.0, 0.0, w, d, top - slab, top)];
            for (i, (sx, sy)) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
                .iter()
                .enumerate()
            {
                parts.push(part(
                    &format!("leg{i}"),
                    FRAME_MATERIAL,
                    sx * lx,
                    sy * ly,
                    leg,
                    leg,
                    0.0,
                    top - slab,
                ));
            }
            parts
        }
        Shape::Chair => {
            let seat_z = (h * 0.42).clamp(0.2, 0.5);
            let back_depth = (d * 0.1).max(0.04);
            vec![
                // A star base as two crossed bars.
                part(
                    "base-x",
                    FRAME_MATERIAL,
                    0.0,
                    0.0,
                    w * 0.85,
                    0.05,
                    0.0,
                    0.04,
                ),
                part(
                    "base-y",
                    FRAME_MATERIAL,
                    0.0,
                    0.0,
                    0.05,
                    d * 0.85,
                    0.0,
                    0.04,
                ),
                part(
                    "column",
                    FRAME_MATERIAL,
                    0.0,
                    0.0,
                    0.06,
                    0.06,
                    0.04,
                    seat_z - 0.06,
                ),
                part(
                    "seat",
                    finish,
                    0.0,
                    0.02,
                    w * 0.75,
                    d * 0.7,
                    seat_z - 0.06,
                    seat_z,
                ),
                part(
                    "back",
                    finish,
                    0.0,
                    -d / 2.0 + back_depth,
                    w * 0.7,
                    back_depth,
                    seat_z + 0.08,
                    h,
                ),
            ]
        }
        Shape::Sofa => {
            let arm = (w * 0.1).clamp(0.08, 0.2);
            let back = (d * 0.22).clamp(0.1, 0.25);
            let seat_z = (h * 0.55).min(0.45);
            vec![
                part(
                    "plinth",
                    FRAME_MATERIAL,
                    0.0,
                    0.0,
                    w - 0.04,
                    d - 0.04,
                    0.0,
                    0.08,
                ),
                part(
                    "seat",
                    finish,
                    0.0,
                    back / 2.0,
                    w - 2.0 * arm,
                    d - back,
                    0.08,
                    seat_z,
                ),
                part("back", finish, 0.0, -d / 2.0 + back / 2.0, w, back, 0.08, h),
                part(
                    "arm-l",
                    finish,
                    -w / 2.0 + arm / 2.0,
                    back / 2.0,
                    arm,
                    d - back,
                    0.08,
                    seat_z + 0.2,
                ),
                part(
                    "arm-r",
                    finish,
                    w / 2.0 - arm / 2.0,
                    back / 2.0,
                    arm,
                    d - back,
                    0.08,
                    seat_z + 0.2,
                ),
            ]
        }
        Shape::Storage => vec![
            part(
                "plinth",
                FRAME_MATERIAL,
                0.0,
                0.0,
                w - 0.04,
                d - 0.04,
                0.0,
                0.06,
            ),
            part("body", finish, 0.0, 0.0, w, d, 0.06, h),
        ],
        Shape::Screen => vec![
            part("panel", finish, 0.0, 0.0, w, d.min(0.06), 0.05, h),
            part(
                "foot-l",
                FRAME_MATERIAL,
                -w / 2.0 + 0.1,
                0.0,
                0.06,
                d.max(0.3),
                0.0,
                0.05,
            ),
            part(
                "foot-r",
                FRAME_MATERIAL,
                w / 2.0 - 0.1,
                0.0,
                0.06,
                d.max(0.3),
                0.0,
                0.05,
            ),
        ],
        Shape::Lamp => vec![
            part(
                "base",
                FRAME_MATERIAL,
                0.0,
                0.0,
                w * 0.6,
                d * 0.6,
                0.0,
                0.03,
            ),
            part("pole", FRAME_MATERIAL, 0.0, 0.0, 0.03, 0.03, 0.03, h * 0.8),
            part("shade", finish, 0.0, 0.0, w, d, h * 0.8, h),
        ],
        Shape::Block => vec![part("body", finish, 0.0, 0.0, w, d, 0.0, h)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomwright_projects::scenarios::Placement;

    pub fn item(category: &str, name: &str, size_mm: [u32; 3]) -> SceneItem {
        SceneItem {
            selection_id: "s".into(),
            product_id: "p".into(),
            name: name.into(),
            category: category.split('/').map(str::to_owned).collect(),
            size_mm,
            finish: Some("oak".into()),
            materials: vec![],
            model_key: None,
            placement: Placement {
                room_id: "r".into(),
                x_m: 2.0,
                y_m: 3.0,
                rotation_deg: 90.0,
            },
        }
    }

    #[test]
    fn shapes_follow_the_category() {
        assert_eq!(
            shape_of(&item("Desks/Fixed desks", "Linea", [1, 1, 1])),
            Shape::Table
        );
        assert_eq!(
            shape_of(&item("Seating/Task chairs", "Arca", [1, 1, 1])),
            Shape::Chair
        );
        assert_eq!(
            shape_of(&item("Seating/Sofas", "Nook", [1, 1, 1])),
            Shape::Sofa
        );
        assert_eq!(
            shape_of(&item("Storage/Cabinets", "Pillar", [1, 1, 1])),
            Shape::Storage
        );
        assert_eq!(shape_of(&item("Plants", "Fern", [1, 1, 1])), Shape::Block);
    }

    #[test]
    fn stand_ins_have_the_product_footprint_and_height() {
        let desk = item("Desks/Fixed desks", "Linea desk", [1600, 800, 740]);
        let parts = stand_in(&desk, "finish-oak");
        let top = parts.iter().find(|p| p.name.ends_with("-top")).unwrap();
        assert!((top.top - 0.74).abs() < 1e-9);
        // Turned by 90 degrees: the 1.6 m width runs along y.
        let ys: Vec<f64> = top.footprint.iter().map(|p| p[1]).collect();
        let span = ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            - ys.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!((span - 1.6).abs() < 1e-9, "{span}");
        let adjustable = item("Desks/Height-adjustable desks", "Lift", [1400, 700, 1250]);
        let top = stand_in(&adjustable, "f")
            .into_iter()
            .map(|p| p.top)
            .fold(0.0, f64::max);
        assert!((top - SEATED_DESK_M).abs() < 1e-9);
    }
}
