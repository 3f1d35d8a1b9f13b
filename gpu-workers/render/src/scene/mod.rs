//! The scene Blender renders, built from the frozen project: the building shell, furniture,
//! daylight and interior lights, and cameras. Everything is plain data (written as JSON for
//! the Blender process), so it is built and checked here, in Rust, without Blender.

pub mod furniture;
pub mod palette;
pub mod room;
pub use room::CEILING;
pub mod solid;

use std::{collections::BTreeMap, path::PathBuf};

use geo::{Centroid, Contains, Coord, Point};
use roomwright_projects::floorplan::{FloorPlan, OpeningKind};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::input::{CameraRequest, RenderInput};
use solid::Solid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Emission {
    pub color: [f64; 3],
    pub strength: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterialSpec {
    pub base_color: [f64; 3],
    pub roughness: f64,
    pub metallic: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emission: Option<Emission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeshSpec {
    pub name: String,
    pub material: String,
    pub vertices: Vec<[f64; 3]>,
    pub faces: Vec<Vec<usize>>,
}

/// A product's own model, fitted to its catalogue size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSpec {
    pub name: String,
    pub path: PathBuf,
    /// Where the model's footprint centre stands, on the floor.
    pub location: [f64; 3],
    pub rotation_z: f64,
    /// Width, depth, height in metres.
    pub size: [f64; 3],
    /// A finish that replaces the model's own materials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LightSpec {
    /// A ceiling panel shining down; power in watts.
    Area {
        location: [f64; 3],
        size: [f64; 2],
        power: f64,
        color: [f64; 3],
    },
    /// Sunlight; power is irradiance in W/m².
    Sun {
        direction: [f64; 3],
        power: f64,
        angle_deg: f64,
        color: [f64; 3],
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraSpec {
    pub location: [f64; 3],
    pub look_at: [f64; 3],
    pub lens_mm: f64,
    /// A 360° equirectangular panorama (the lens does not apply).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub panorama: bool,
    /// The room it stands in, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldSpec {
    pub color: [f64; 3],
    pub strength: f64,
}

/// What the Blender process loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub materials: BTreeMap<String, MaterialSpec>,
    pub meshes: Vec<MeshSpec>,
    pub imports: Vec<ImportSpec>,
    pub lights: Vec<LightSpec>,
    pub world: WorldSpec,
    pub cameras: Vec<CameraSpec>,
}

/// Facts about a built scene, for logs and the job record.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SceneStats {
    pub solids: usize,
    pub imported_models: usize,
    pub items: usize,
    /// Faces moved to keep visible faces out of each other's plane.
    pub coplanar_fixes: usize,
}

#[derive(Debug, Error, PartialEq)]
pub enum SceneError {
    #[error("the project has no floor plan with rooms to render")]
    NoRooms,
    #[error("camera {index} names room {room}, which is not on the floor plan")]
    UnknownRoom { index: usize, room: String },
    #[error(
        "{0} pairs of visible faces stay in one plane after correction (they would render black)"
    )]
    Coplanar(usize),
}

/// Eye height of automatic cameras.
const EYE_M: f64 = 1.5;
const DEFAULT_LENS_MM: f64 = 16.0;
/// Automatic views: one per furnished room, at most this many.
const MAX_AUTO_CAMERAS: usize = 4;
/// One ceiling panel per this much floor.
const M2_PER_PANEL: f64 = 9.0;
const PANEL_W: f64 = 60.0;
/// Warm white (about 3500 K).
const PANEL_COLOR: [f64; 3] = [1.0, 0.9, 0.78];

/// Builds the scene; `models` maps a product id to its downloaded glTF file.
pub fn build(
    input: &RenderInput,
    models: &BTreeMap<String, PathBuf>,
) -> Result<(Scene, SceneStats), SceneError> {
    let plan = &input.floor_plan;
    if plan.rooms.is_empty() {
        return Err(SceneError::NoRooms);
    }
    let mut materials = palette::shell();
    let mut solids: Vec<Solid> = room::floors(plan);
    solids.extend(room::walls(plan));
    solids.push(room::ceiling(plan));
    let mut imports = Vec::new();
    for item in &input.items {
        let finish = item
            .finish
            .clone()
            .or_else(|| item.materials.first().cloned());
        let finish_name = finish.as_deref().map(palette::finish_material_name);
        if let (Some(name), Some(finish)) = (&finish_name, &finish) {
            materials
                .entry(name.clone())
                .or_insert_with(|| palette::finish(finish));
        }
        if let Some(path) = models.get(&item.product_id) {
            imports.push(ImportSpec {
                name: format!("item-{}", item.selection_id),
                path: path.clone(),
                location: [item.placement.x_m, item.placement.y_m, 0.0],
                rotation_z: item.placement.rotation_deg.to_radians(),
                size: item.size_mm.map(|v| f64::from(v.max(10)) / 1000.0),
                material: None,
            });
            continue;
        }
        let material = finish_name.unwrap_or_else(|| "finish-neutral".to_string());
        materials
            .entry(material.clone())
            .or_insert_with(|| palette::finish("neutral grey"));
        solids.extend(furniture::stand_in(item, &material));
    }
    let coplanar_fixes = solid::resolve_coplanar(&mut solids);
    let left = solid::coplanar_conflicts(&solids).len();
    if left > 0 {
        return Err(SceneError::Coplanar(left));
    }
    let cameras = cameras(input)?;
    let stats = SceneStats {
        solids: solids.len(),
        imported_models: imports.len(),
        items: input.items.len(),
        coplanar_fixes,
    };
    Ok((
        Scene {
            materials,
            meshes: solids.iter().map(Solid::mesh).collect(),
            imports,
            lights: lights(plan),
            world: WorldSpec {
                color: [0.55, 0.68, 0.9],
                strength: 1.2,
            },
            cameras,
        },
        stats,
    ))
}

fn room_centroid(plan: &FloorPlan, room_id: &str) -> Option<Coord<f64>> {
    plan.rooms
        .iter()
        .find(|r| r.id == room_id)
        .and_then(|r| r.shape().centroid())
        .map(|p| p.0)
}

/// The cameras asked for, or one per furnished room (the largest room when none is).
fn cameras(input: &RenderInput) -> Result<Vec<CameraSpec>, SceneError> {
    let plan = &input.floor_plan;
    let lens = |c: &CameraRequest| c.lens_mm.unwrap_or(DEFAULT_LENS_MM);
    if !input.cameras.is_empty() {
        return input
            .cameras
            .iter()
            .enumerate()
            .map(|(index, c)| match (&c.room_id, c.position, c.look_at) {
                (None, Some(location), Some(look_at)) => Ok(CameraSpec {
                    location,
                    look_at,
                    lens_mm: lens(c),
                    panorama: c.panorama,
                    room_id: None,
                }),
                (room, _, _) => {
                    let room = room.clone().unwrap_or_default();
                    let Some(mut camera) = room_camera(input, &room) else {
                        return Err(SceneError::UnknownRoom { index, room });
                    };
                    camera.lens_mm = lens(c);
                    if c.panorama {
                        // From the room's middle, level: a panorama looks every way at once.
                        let centre = room_centroid(&input.floor_plan, &room).expect("found above");
                        let eye = camera.location[2];
                        camera.location = [centre.x, centre.y, eye];
                        camera.look_at = [centre.x + 1.0, centre.y, eye];
                        camera.panorama = true;
                    }
                    Ok(camera)
                }
            })
            .collect();
    }
    let mut furnished: Vec<&str> = Vec::new();
    for item in &input.items {
        let room = item.placement.room_id.as_str();
        if !furnished.contains(&room) && plan.rooms.iter().any(|r| r.id == room) {
            furnished.push(room);
        }
    }
    if furnished.is_empty() {
        let largest = plan
            .rooms
            .iter()
            .max_by(|a, b| {
                use geo::Area;
                a.shape()
                    .unsigned_area()
                    .total_cmp(&b.shape().unsigned_area())
            })
            .map(|r| r.id.as_str());
        furnished.extend(largest);
    }
    Ok(furnished
        .into_iter()
        .take(MAX_AUTO_CAMERAS)
        .filter_map(|room| room_camera(input, room))
        .collect())
}

/// A view of a room from inside a corner, across to its furniture: of the room's corners,
/// the one farthest from the furniture's centre, pulled a third of the way in.
fn room_camera(input: &RenderInput, room_id: &str) -> Option<CameraSpec> {
    let plan = &input.floor_plan;
    let room = plan.rooms.iter().find(|r| r.id == room_id)?;
    let centre = room_centroid(plan, room_id)?;
    let placed: Vec<[f64; 2]> = input
        .items
        .iter()
        .filter(|i| i.placement.room_id == room_id)
        .map(|i| [i.placement.x_m, i.placement.y_m])
        .collect();
    let target = if placed.is_empty() {
        [centre.x, centre.y]
    } else {
        let n = placed.len() as f64;
        [
            placed.iter().map(|p| p[0]).sum::<f64>() / n,
            placed.iter().map(|p| p[1]).sum::<f64>() / n,
        ]
    };
    let shape = room.shape();
    let corner = room
        .polygon
        .iter()
        .map(|[x, y]| [x + (centre.x - x) / 3.0, y + (centre.y - y) / 3.0])
        .filter(|p| shape.contains(&Point::new(p[0], p[1])))
        .max_by(|a, b| {
            let d = |p: &[f64; 2]| (p[0] - target[0]).powi(2) + (p[1] - target[1]).powi(2);
            d(a).total_cmp(&d(b))
        })
        .unwrap_or([centre.x, centre.y - 0.01]);
    let eye = EYE_M.min(room::ceiling_height(plan) - 0.3);
    Some(CameraSpec {
        location: [corner[0], corner[1], eye],
        look_at: [target[0], target[1], 0.7],
        lens_mm: DEFAULT_LENS_MM,
        panorama: false,
        room_id: Some(room_id.to_string()),
    })
}

/// Ceiling panels over every room, and the sun shining in through the wall with the most
/// window area (plans carry no compass; this gives every plan daylight on its furniture).
fn lights(plan: &FloorPlan) -> Vec<LightSpec> {
    use geo::{Area, BoundingRect};
    let height = room::ceiling_height(plan);
    let mut lights = Vec::new();
    for room in &plan.rooms {
        let shape = room.shape();
        let Some(rect) = shape.bounding_rect() else {
            continue;
        };
        let panels = (shape.unsigned_area() / M2_PER_PANEL).ceil().max(1.0);
        let aspect = rect.width() / rect.height().max(1e-6);
        let columns = (panels * aspect).sqrt().ceil().max(1.0) as usize;
        let rows = (panels / columns as f64).ceil().max(1.0) as usize;
        for c in 0..columns {
            for r in 0..rows {
                let x = rect.min().x + rect.width() * (c as f64 + 0.5) / columns as f64;
                let y = rect.min().y + rect.height() * (r as f64 + 0.5) / rows as f64;
                if shape.contains(&Point::new(x, y)) {
                    lights.push(LightSpec::Area {
                        location: [x, y, height - 0.01],
                        size: [0.6, 0.6],
                        power: PANEL_W,
                        color: PANEL_COLOR,
                    });
                }
            }
        }
    }
    lights.push(LightSpec::Sun {
        direction: sun_direction(plan),
        power: 4.0,
        angle_deg: 1.5,
        color: [1.0, 0.95, 0.88],
    });
    lights
}

fn sun_direction(plan: &FloorPlan) -> [f64; 3] {
    let centre = {
        let [x0, y0, x1, y1] = room::extent(plan);
        [(x0 + x1) / 2.0, (y0 + y1) / 2.0]
    };
    let mut area_by_wall: BTreeMap<&str, f64> = BTreeMap::new();
    for o in plan
        .openings
        .iter()
        .filter(|o| o.kind == OpeningKind::Window)
    {
        *area_by_wall.entry(o.wall_id.as_str()).or_default() += o.width_m * o.height_m;
    }
    let wall = area_by_wall
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .and_then(|(id, _)| plan.walls.iter().find(|w| w.id == *id));
    // Into the building through that wall, 35 degrees up; without windows, from the south-west.
    let inward = match wall {
        Some(w) => {
            let mid = [(w.start[0] + w.end[0]) / 2.0, (w.start[1] + w.end[1]) / 2.0];
            let (dx, dy) = (w.end[0] - w.start[0], w.end[1] - w.start[1]);
            let length = (dx * dx + dy * dy).sqrt().max(1e-9);
            let mut normal = [-dy / length, dx / length];
            if (centre[0] - mid[0]) * normal[0] + (centre[1] - mid[1]) * normal[1] < 0.0 {
                normal = [-normal[0], -normal[1]];
            }
            // Slightly across the wall, so the patches of sun fall at an angle.
            [
                normal[0] * 0.94 + normal[1] * 0.34,
                normal[1] * 0.94 - normal[0] * 0.34,
            ]
        }
        None => [0.7, 0.7],
    };
    let elevation = 35f64.to_radians();
    [
        inward[0] * elevation.cos(),
        inward[1] * elevation.cos(),
        -elevation.sin(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::office;

    #[test]
    fn builds_a_closed_shell_with_furniture_and_no_coplanar_faces() {
        let input = office();
        let (scene, stats) = build(&input, &BTreeMap::new()).unwrap();
        let names: Vec<&str> = scene.meshes.iter().map(|m| m.name.as_str()).collect();
        assert!(names.contains(&"floor-office") && names.contains(&"ceiling"));
        assert!(names.contains(&"wall-n-0-below") && names.contains(&"wall-n-0-above"));
        assert!(names.contains(&"item-desk-top") && names.contains(&"item-chair-back"));
        // The wall corners overlap by design; the resolver moved those faces apart (a
        // conflict it could not fix would have failed the build).
        assert!(stats.coplanar_fixes > 0);
        assert!(scene.materials.contains_key("finish-oak"));
        assert!(
            scene
                .meshes
                .iter()
                .all(|m| scene.materials.contains_key(&m.material))
        );
        // 24 m² of office: three ceiling panels and the sun.
        assert_eq!(scene.lights.len(), 4);
        let LightSpec::Sun { direction, .. } = scene.lights.last().unwrap() else {
            panic!("the sun comes last");
        };
        assert!(
            direction[1] < 0.0,
            "the window is in the north wall: sun shines south"
        );
    }

    #[test]
    fn the_automatic_camera_stands_in_the_room_facing_the_furniture() {
        let (scene, _) = build(&office(), &BTreeMap::new()).unwrap();
        assert_eq!(scene.cameras.len(), 1);
        let camera = &scene.cameras[0];
        let [x, y, z] = camera.location;
        assert!((0.0..6.0).contains(&x) && (0.0..4.0).contains(&y) && z > 1.0);
        let items_centre = [(3.0 + 3.0 + 5.5) / 3.0, (2.8 + 2.0 + 2.0) / 3.0];
        assert!((camera.look_at[0] - items_centre[0]).abs() < 1e-9);
        assert!((camera.look_at[1] - items_centre[1]).abs() < 1e-9);
    }

    #[test]
    fn an_unknown_camera_room_is_an_error() {
        let mut input = office();
        input.cameras = vec![CameraRequest {
            room_id: Some("attic".into()),
            ..CameraRequest::default()
        }];
        assert_eq!(
            build(&input, &BTreeMap::new()).unwrap_err(),
            SceneError::UnknownRoom {
                index: 0,
                room: "attic".into()
            }
        );
    }
}
