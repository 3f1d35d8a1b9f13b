//! A sample project to render: the benchmark, the tests and the README's example use it.

use roomwright_projects::{
    floorplan::{FloorPlan, Opening, OpeningKind, Room, Wall},
    scenarios::Placement,
};

use crate::input::{Format, RenderInput, RenderSettings, SceneItem};

/// A 6 x 4 m office with a window wall and a door, a desk, a chair and a cabinet.
pub fn office() -> RenderInput {
    let wall = |id: &str, start: [f64; 2], end: [f64; 2]| Wall {
        id: id.into(),
        start,
        end,
        thickness_m: 0.15,
        height_m: 2.7,
    };
    let item = |id: &str, category: &str, size_mm: [u32; 3], x: f64, y: f64, r: f64| SceneItem {
        selection_id: id.into(),
        product_id: format!("p-{id}"),
        name: id.into(),
        category: category.split('/').map(str::to_owned).collect(),
        size_mm,
        finish: Some("oak".into()),
        materials: vec![],
        model_key: None,
        placement: Placement {
            room_id: "office".into(),
            x_m: x,
            y_m: y,
            rotation_deg: r,
        },
    };
    RenderInput {
        job_id: "job_test".into(),
        project_id: "prj_test".into(),
        floor_plan: FloorPlan {
            units: "m".into(),
            rooms: vec![Room {
                id: "office".into(),
                name: "Office".into(),
                kind: "office".into(),
                polygon: vec![[0.0, 0.0], [6.0, 0.0], [6.0, 4.0], [0.0, 4.0]],
            }],
            walls: vec![
                wall("s", [0.0, 0.0], [6.0, 0.0]),
                wall("e", [6.0, 0.0], [6.0, 4.0]),
                wall("n", [6.0, 4.0], [0.0, 4.0]),
                wall("w", [0.0, 4.0], [0.0, 0.0]),
            ],
            openings: vec![
                Opening {
                    id: "win".into(),
                    wall_id: "n".into(),
                    kind: OpeningKind::Window,
                    offset_m: 1.0,
                    width_m: 4.0,
                    height_m: 1.5,
                    sill_m: 0.8,
                },
                Opening {
                    id: "door".into(),
                    wall_id: "s".into(),
                    kind: OpeningKind::Door,
                    offset_m: 0.5,
                    width_m: 0.9,
                    height_m: 2.1,
                    sill_m: 0.0,
                },
            ],
        },
        items: vec![
            item("desk", "Desks/Fixed desks", [1600, 800, 740], 3.0, 2.8, 0.0),
            item(
                "chair",
                "Seating/Task chairs",
                [680, 680, 1100],
                3.0,
                2.0,
                0.0,
            ),
            item(
                "cabinet",
                "Storage/Cabinets",
                [800, 450, 1950],
                5.5,
                2.0,
                90.0,
            ),
        ],
        cameras: vec![],
        settings: RenderSettings {
            width: 96,
            height: 64,
            samples: 4,
            format: Format::Png,
            seed: 1,
            denoise: true,
        },
        export: None,
    }
}
