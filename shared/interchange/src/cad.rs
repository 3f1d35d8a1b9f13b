//! DXF drawings through the `dxf` crate: furniture is block inserts (position, rotation,
//! attributes), walls and rooms are polylines and lines on their layers.
//!
//! Reading: `$INSUNITS` gives the unit (a unitless drawing is millimetres when it spans more
//! than 500 units, else metres); every length becomes the project's metres. An insert's
//! placement is the centre of its block's drawn extent, moved, scaled and turned as the insert
//! says (a block drawn from its corner still lands where its middle is). Layers are told by
//! their names, as the AIA/NCS layer standard and its national variants spell them:
//! walls (`WALL`, `MUR`, `WAND`), rooms (`ROOM`, `AREA`, `SPACE`, `RAUM`); inserts on door,
//! window, grid, dimension and title layers are not furniture.
//!
//! Writing: millimetres, R2000 (AC1015); layers `A-WALL` (walls, their width the wall's thickness),
//! `A-AREA` (room outlines), `A-AREA-IDEN` (room names), `A-DOOR`/`A-GLAZ` (openings),
//! `I-FURN` (placed furniture) and `I-FURN-UNPL` (selections without a place, in a row below
//! the plan); one block per product (its footprint, centred on the base point) with the
//! attributes `SKU`, `NAME`, `BRAND`, `FINISH`, `QTY`, `PRICE`.

use std::collections::HashMap;
use std::io::Cursor;

use dxf::{
    Block, Color, Drawing, Point,
    entities::{
        Attribute, AttributeDefinition, Entity, EntityType, Insert, Line, LwPolyline, Text,
    },
    enums::{AcadVersion, Units},
    tables::Layer,
};
use roomwright_projects::floorplan::{FloorPlan, OpeningKind, Room, Wall, kind_of};

use crate::{Parsed, Problem, SourceLine, SourcePlacement, Unreadable, bounded};

/// Thickness given to walls drawn as single lines.
const DEFAULT_WALL_M: f64 = 0.1;
const WALL_HEIGHT_M: f64 = 2.7;
/// Shorter wall segments are drawing noise.
const MIN_WALL_M: f64 = 0.05;

const WALL_WORDS: [&str; 3] = ["WALL", "MUR", "WAND"];
const ROOM_WORDS: [&str; 4] = ["ROOM", "AREA", "SPACE", "RAUM"];
const NOT_FURNITURE: [&str; 9] = [
    "DOOR",
    "WIND",
    "GLAZ",
    "GRID",
    "DIM",
    "TITLE",
    "ANNO",
    "TEXT",
    "DEFPOINTS",
];

fn layer_has(layer: &str, words: &[&str]) -> bool {
    let upper = layer.to_ascii_uppercase();
    words.iter().any(|w| upper.contains(w))
}

/// Metres per drawing unit.
fn metres_per_unit(units: Units, span: f64) -> (f64, &'static str) {
    match units {
        Units::Millimeters => (0.001, "mm"),
        Units::Centimeters => (0.01, "cm"),
        Units::Decimeters => (0.1, "dm"),
        Units::Meters => (1.0, "m"),
        Units::Inches | Units::USSurveyInch => (0.0254, "in"),
        Units::Feet | Units::USSurveyFeet => (0.3048, "ft"),
        _ if span > 500.0 => (0.001, "mm"),
        _ => (1.0, "m"),
    }
}

/// Attribute tags read as a part number, description, manufacturer, finish, quantity.
const PART_TAGS: [&str; 7] = ["SKU", "PN", "PART", "PARTNO", "PART_NUMBER", "ITEM", "CODE"];
const DESCRIPTION_TAGS: [&str; 4] = ["DESC", "DESCRIPTION", "NAME", "PD"];
const MAKER_TAGS: [&str; 5] = ["MFR", "MANUFACTURER", "MC", "BRAND", "MAKER"];
const FINISH_TAGS: [&str; 5] = ["FINISH", "FIN", "COLOR", "COLOUR", "FABRIC"];

fn first_of(attributes: &HashMap<String, String>, tags: &[&str]) -> Option<String> {
    tags.iter()
        .find_map(|t| attributes.get(*t))
        .filter(|v| !v.trim().is_empty())
        .map(|v| bounded(v))
}

/// The drawn extent of a block's own geometry, in block units: (min, max).
fn extent(block: &Block) -> Option<([f64; 2], [f64; 2])> {
    let mut points: Vec<[f64; 2]> = Vec::new();
    for entity in &block.entities {
        match &entity.specific {
            EntityType::Line(l) => points.extend([[l.p1.x, l.p1.y], [l.p2.x, l.p2.y]]),
            EntityType::LwPolyline(p) => points.extend(p.vertices.iter().map(|v| [v.x, v.y])),
            EntityType::Polyline(p) => {
                points.extend(p.vertices().map(|v| [v.location.x, v.location.y]))
            }
            EntityType::Circle(c) => points.extend([
                [c.center.x - c.radius, c.center.y - c.radius],
                [c.center.x + c.radius, c.center.y + c.radius],
            ]),
            EntityType::Arc(c) => points.extend([
                [c.center.x - c.radius, c.center.y - c.radius],
                [c.center.x + c.radius, c.center.y + c.radius],
            ]),
            EntityType::Solid(s) => points.extend([
                [s.first_corner.x, s.first_corner.y],
                [s.second_corner.x, s.second_corner.y],
                [s.third_corner.x, s.third_corner.y],
            ]),
            _ => {}
        }
    }
    let finite: Vec<[f64; 2]> = points
        .into_iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect();
    let first = finite.first()?;
    Some(finite.iter().fold((*first, *first), |(lo, hi), p| {
        (
            [lo[0].min(p[0]), lo[1].min(p[1])],
            [hi[0].max(p[0]), hi[1].max(p[1])],
        )
    }))
}

fn handle_of(entity: &Entity) -> String {
    format!("{:X}", entity.common.handle.0)
}

/// The vertices of a line-like entity, and whether it closes.
fn outline(entity: &Entity) -> Option<(Vec<[f64; 2]>, bool)> {
    match &entity.specific {
        EntityType::Line(l) => Some((vec![[l.p1.x, l.p1.y], [l.p2.x, l.p2.y]], false)),
        EntityType::LwPolyline(p) => Some((
            p.vertices.iter().map(|v| [v.x, v.y]).collect(),
            p.flags & 1 == 1,
        )),
        EntityType::Polyline(p) => Some((
            p.vertices().map(|v| [v.location.x, v.location.y]).collect(),
            p.flags & 1 == 1,
        )),
        _ => None,
    }
}

/// Reads a DXF (ASCII or binary) into furniture lines and, from its wall and room layers, a
/// floor plan.
pub fn read(bytes: &[u8]) -> Result<Parsed, Unreadable> {
    let drawing = Drawing::load(&mut Cursor::new(bytes)).map_err(|e| {
        Unreadable(format!(
            "This is not a DXF drawing that can be read: {}",
            bounded(&e.to_string())
        ))
    })?;
    let model: Vec<&Entity> = drawing
        .entities()
        .filter(|e| !e.common.is_in_paper_space)
        .collect();
    if model.len() > crate::MAX_ENTITIES {
        return Err(Unreadable(format!(
            "The drawing has {} entities; at most {} are read.",
            model.len(),
            crate::MAX_ENTITIES
        )));
    }
    let span = model
        .iter()
        .filter_map(|e| outline(e).map(|(points, _)| points))
        .flatten()
        .chain(model.iter().filter_map(|e| match &e.specific {
            EntityType::Insert(i) => Some([i.location.x, i.location.y]),
            _ => None,
        }))
        .fold(None::<([f64; 2], [f64; 2])>, |acc, p| {
            if !(p[0].is_finite() && p[1].is_finite()) {
                return acc;
            }
            Some(match acc {
                None => (p, p),
                Some((lo, hi)) => (
                    [lo[0].min(p[0]), lo[1].min(p[1])],
                    [hi[0].max(p[0]), hi[1].max(p[1])],
                ),
            })
        })
        .map_or(0.0, |(lo, hi)| (hi[0] - lo[0]).max(hi[1] - lo[1]));
    let (scale, unit) = metres_per_unit(drawing.header.default_drawing_units, span);
    let blocks: HashMap<&str, &Block> = drawing.blocks().map(|b| (b.name.as_str(), b)).collect();
    let mut parsed = Parsed {
        units: Some(unit.to_string()),
        title: Some(drawing.header.project_name.clone()).filter(|t| !t.is_empty()),
        ..Default::default()
    };
    let mut walls = Vec::new();
    let mut outlines: Vec<(Vec<[f64; 2]>, String)> = Vec::new();
    let mut labels: Vec<([f64; 2], String)> = Vec::new();
    let mut inserts = 0usize;
    for entity in &model {
        let layer = entity.common.layer.as_str();
        let at = |kind: &str| format!("DXF {kind} (handle {}) on {layer}", handle_of(entity));
        match &entity.specific {
            EntityType::Insert(insert) => {
                if insert.name.starts_with('*') || layer_has(layer, &NOT_FURNITURE) {
                    continue;
                }
                inserts += 1;
                if parsed.lines.len() >= crate::MAX_LINES {
                    return Err(Unreadable(format!(
                        "The drawing has more than {} furniture inserts.",
                        crate::MAX_LINES
                    )));
                }
                match furniture(insert, blocks.get(insert.name.as_str()).copied(), scale) {
                    Ok(mut line) => {
                        line.line = parsed.lines.len() + 1;
                        line.origin = format!("DXF INSERT #{inserts} ({}) on {layer}", {
                            handle_of(entity)
                        });
                        parsed.lines.push(line);
                    }
                    Err((code, reason)) => {
                        parsed
                            .problems
                            .push(Problem::new(at("INSERT"), code, reason))
                    }
                }
            }
            EntityType::Text(t) if layer_has(layer, &ROOM_WORDS) => {
                labels.push((
                    [t.location.x * scale, t.location.y * scale],
                    bounded(&t.value),
                ));
            }
            EntityType::MText(t) if layer_has(layer, &ROOM_WORDS) => {
                labels.push((
                    [t.insertion_point.x * scale, t.insertion_point.y * scale],
                    bounded(&plain_mtext(&t.text)),
                ));
            }
            _ => {
                let Some((points, closed)) = outline(entity) else {
                    continue;
                };
                if points.iter().flatten().any(|c| !c.is_finite()) {
                    parsed.problems.push(Problem::new(
                        at("polyline"),
                        "bad_coordinates",
                        "A vertex is not a finite number.",
                    ));
                    continue;
                }
                let points: Vec<[f64; 2]> = points
                    .into_iter()
                    .map(|[x, y]| [x * scale, y * scale])
                    .collect();
                if layer_has(layer, &WALL_WORDS) {
                    let thickness = match &entity.specific {
                        EntityType::LwPolyline(p) if p.constant_width > 0.0 => {
                            p.constant_width * scale
                        }
                        _ => DEFAULT_WALL_M,
                    };
                    let mut segments: Vec<([f64; 2], [f64; 2])> =
                        points.windows(2).map(|w| (w[0], w[1])).collect();
                    if closed && points.len() > 2 {
                        segments.push((points[points.len() - 1], points[0]));
                    }
                    for (start, end) in segments {
                        if (end[0] - start[0]).hypot(end[1] - start[1]) < MIN_WALL_M {
                            continue;
                        }
                        walls.push(Wall {
                            id: format!("w{}", walls.len() + 1),
                            start: round_mm(start),
                            end: round_mm(end),
                            thickness_m: thickness.clamp(0.02, 1.0),
                            height_m: WALL_HEIGHT_M,
                        });
                    }
                } else if layer_has(layer, &ROOM_WORDS) {
                    if closed && points.len() >= 3 {
                        outlines.push((points, handle_of(entity)));
                    } else {
                        parsed.problems.push(Problem::new(
                            at("polyline"),
                            "open_room",
                            "A room outline must be a closed polyline of 3 or more corners.",
                        ));
                    }
                }
            }
        }
    }
    parsed.floor_plan = plan(walls, outlines, labels, &mut parsed.problems);
    if parsed.lines.is_empty() && parsed.floor_plan.is_none() {
        return Err(Unreadable(
            "Nothing to import: the drawing has no furniture block inserts and no walls or rooms on wall or room layers.".into(),
        ));
    }
    Ok(parsed)
}

fn round_mm(p: [f64; 2]) -> [f64; 2] {
    [(p[0] * 1e4).round() / 1e4, (p[1] * 1e4).round() / 1e4]
}

/// MTEXT without its formatting codes (`\P` paragraphs, `{\f...;` fonts).
fn plain_mtext(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '\\' => match chars.next() {
                Some('P') => out.push(' '),
                Some('f' | 'F' | 'H' | 'C' | 'W' | 'Q' | 'T' | 'A' | 'p') => {
                    for c in chars.by_ref() {
                        if c == ';' {
                            break;
                        }
                    }
                }
                Some(other) => out.push(other),
                None => {}
            },
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// One furniture insert as a line.
fn furniture(
    insert: &Insert,
    block: Option<&Block>,
    scale: f64,
) -> Result<SourceLine, (&'static str, String)> {
    let Some(block) = block else {
        return Err((
            "unknown_block",
            format!(
                "The insert names block {}, which the drawing does not define.",
                insert.name
            ),
        ));
    };
    let finite = [
        insert.location.x,
        insert.location.y,
        insert.rotation,
        insert.x_scale_factor,
        insert.y_scale_factor,
    ]
    .iter()
    .all(|v| v.is_finite());
    if !finite {
        return Err((
            "bad_coordinates",
            "The insert's position, rotation or scale is not a finite number.".into(),
        ));
    }
    let attributes: HashMap<String, String> = insert
        .attributes()
        .map(|a| (a.attribute_tag.to_ascii_uppercase(), a.value.clone()))
        .collect();
    let (sx, sy) = (insert.x_scale_factor, insert.y_scale_factor);
    let turn = insert.rotation.to_radians();
    let (centre, size) = match extent(block) {
        Some((lo, hi)) => {
            let local = [
                ((lo[0] + hi[0]) / 2.0 - block.base_point.x) * sx,
                ((lo[1] + hi[1]) / 2.0 - block.base_point.y) * sy,
            ];
            let turned = [
                local[0] * turn.cos() - local[1] * turn.sin(),
                local[0] * turn.sin() + local[1] * turn.cos(),
            ];
            (
                [insert.location.x + turned[0], insert.location.y + turned[1]],
                Some([
                    ((hi[0] - lo[0]) * sx.abs() * scale * 1000.0).round(),
                    ((hi[1] - lo[1]) * sy.abs() * scale * 1000.0).round(),
                    0.0,
                ]),
            )
        }
        None => ([insert.location.x, insert.location.y], None),
    };
    let copies = u32::from(insert.column_count.max(1).unsigned_abs())
        * u32::from(insert.row_count.max(1).unsigned_abs());
    let quantity = first_of(&attributes, &["QTY", "QT", "QUANTITY"])
        .and_then(|q| q.parse::<u32>().ok())
        .filter(|q| (1..=10_000).contains(q))
        .unwrap_or(1)
        * copies.max(1);
    let description = first_of(&attributes, &DESCRIPTION_TAGS)
        .unwrap_or_else(|| bounded(&insert.name.replace(['_', '-', '.'], " ")));
    let finish = first_of(&attributes, &FINISH_TAGS);
    Ok(SourceLine {
        part_number: first_of(&attributes, &PART_TAGS),
        manufacturer: first_of(&attributes, &MAKER_TAGS),
        description,
        quantity: quantity.min(10_000),
        block: Some(bounded(&insert.name)),
        options: finish
            .map(|f| {
                vec![crate::OptionCode {
                    code: "FINISH".into(),
                    description: f,
                }]
            })
            .unwrap_or_default(),
        placement: (copies <= 1).then(|| SourcePlacement {
            x_m: ((centre[0] * scale) * 1e4).round() / 1e4,
            y_m: ((centre[1] * scale) * 1e4).round() / 1e4,
            rotation_deg: insert.rotation.rem_euclid(360.0),
            level: None,
        }),
        size_mm: size,
        ..Default::default()
    })
}

fn contains(polygon: &[[f64; 2]], p: [f64; 2]) -> bool {
    let mut inside = false;
    let mut j = polygon.len() - 1;
    for i in 0..polygon.len() {
        let (a, b) = (polygon[i], polygon[j]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// The floor plan of the walls and room outlines; without outlines, one room spanning the
/// walls (so furniture has a room to stand in).
fn plan(
    walls: Vec<Wall>,
    outlines: Vec<(Vec<[f64; 2]>, String)>,
    labels: Vec<([f64; 2], String)>,
    problems: &mut Vec<Problem>,
) -> Option<FloorPlan> {
    use roomwright_projects::floorplan::{MAX_CORNERS, MAX_ROOMS, MAX_WALLS};
    if walls.is_empty() && outlines.is_empty() {
        return None;
    }
    let mut walls = walls;
    if walls.len() > MAX_WALLS {
        problems.push(Problem::new(
            "DXF walls",
            "too_many",
            format!(
                "{} wall segments; the plan keeps the first {MAX_WALLS}.",
                walls.len()
            ),
        ));
        walls.truncate(MAX_WALLS);
    }
    let mut rooms: Vec<Room> = Vec::new();
    for (points, handle) in outlines {
        if rooms.len() >= MAX_ROOMS || points.len() > MAX_CORNERS {
            problems.push(Problem::new(
                format!("DXF polyline (handle {handle})"),
                "too_many",
                format!(
                    "A plan has at most {MAX_ROOMS} rooms of at most {MAX_CORNERS} corners each."
                ),
            ));
            continue;
        }
        let n = rooms.len() + 1;
        let name = labels
            .iter()
            .find(|(at, _)| contains(&points, *at))
            .map(|(_, name)| name.clone())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| format!("Room {n}"));
        rooms.push(Room {
            id: format!("r{n}"),
            kind: kind_of(&name).to_string(),
            name,
            polygon: points.into_iter().map(round_mm).collect(),
        });
    }
    if rooms.is_empty() {
        let xs = walls.iter().flat_map(|w| [w.start[0], w.end[0]]);
        let ys = walls.iter().flat_map(|w| [w.start[1], w.end[1]]);
        let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
        let (y0, y1) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
        if x1 - x0 > 0.5 && y1 - y0 > 0.5 {
            problems.push(Problem::new(
                "DXF rooms",
                "no_rooms",
                "No closed outline on a room layer: one room spans the walls; draw room outlines on a ROOM or AREA layer to divide it.",
            ));
            rooms.push(Room {
                id: "r1".into(),
                name: "Floor".into(),
                kind: "open_plan".into(),
                polygon: vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
            });
        }
    }
    Some(FloorPlan {
        units: "m".into(),
        rooms,
        walls,
        openings: Vec::new(),
    })
}

/// One item of a scenario to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnItem {
    pub sku: String,
    pub name: String,
    pub brand: String,
    pub finish: Option<String>,
    pub quantity: u32,
    /// Unit price shown in the `PRICE` attribute, as text (`1234.50 EUR`).
    pub price: String,
    pub width_mm: f64,
    pub depth_mm: f64,
    /// Where it stands (centre, metres, counter-clockwise degrees); `None`: not placed.
    pub at: Option<([f64; 2], f64)>,
}

/// Layers of an export, with their AutoCAD colour numbers.
pub const LAYERS: [(&str, u8); 7] = [
    ("A-WALL", 7),
    ("A-AREA", 8),
    ("A-AREA-IDEN", 3),
    ("A-DOOR", 2),
    ("A-GLAZ", 4),
    ("I-FURN", 5),
    ("I-FURN-UNPL", 6),
];

/// Attribute tags of every furniture block.
pub const ATTRIBUTES: [&str; 6] = ["SKU", "NAME", "BRAND", "FINISH", "QTY", "PRICE"];

/// A block name for a SKU: letters, digits, `-` and `_` (others become `_`).
pub fn block_name(sku: &str) -> String {
    sku.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn mm(p: [f64; 2]) -> Point {
    Point::new(p[0] * 1000.0, p[1] * 1000.0, 0.0)
}

fn on(layer: &str, specific: EntityType) -> Entity {
    let mut entity = Entity::new(specific);
    entity.common.layer = layer.to_string();
    entity
}

fn polyline(points: &[[f64; 2]], closed: bool, width_mm: f64) -> EntityType {
    EntityType::LwPolyline(LwPolyline {
        vertices: points
            .iter()
            .map(|v| dxf::LwPolylineVertex {
                x: v[0] * 1000.0,
                y: v[1] * 1000.0,
                ..Default::default()
            })
            .collect(),
        flags: i32::from(closed),
        constant_width: width_mm,
        ..Default::default()
    })
}

/// Draws a scenario: the plan's walls, rooms and openings and the items as blocks with
/// attributes, in millimetres. Returns the DXF text.
pub fn write(
    title: &str,
    plan: Option<&FloorPlan>,
    items: &[DrawnItem],
) -> Result<Vec<u8>, String> {
    let mut drawing = Drawing::new();
    // R2000 (AC1015): LWPOLYLINE and $INSUNITS, and every reader takes it.
    drawing.header.version = AcadVersion::R2000;
    drawing.header.default_drawing_units = Units::Millimeters;
    drawing.header.project_name = title.to_string();
    for (name, colour) in LAYERS {
        drawing.add_layer(Layer {
            name: name.into(),
            color: Color::from_index(colour),
            ..Default::default()
        });
    }
    let mut lowest = 0.0f64;
    let mut left = 0.0f64;
    if let Some(plan) = plan {
        for wall in &plan.walls {
            drawing.add_entity(on(
                "A-WALL",
                polyline(&[wall.start, wall.end], false, wall.thickness_m * 1000.0),
            ));
        }
        for room in &plan.rooms {
            drawing.add_entity(on("A-AREA", polyline(&room.polygon, true, 0.0)));
            let n = room.polygon.len().max(1) as f64;
            let centre = room
                .polygon
                .iter()
                .fold([0.0, 0.0], |acc, p| [acc[0] + p[0] / n, acc[1] + p[1] / n]);
            let text = Text {
                location: mm(centre),
                text_height: 250.0,
                value: room.name.clone(),
                ..Default::default()
            };
            drawing.add_entity(on("A-AREA-IDEN", EntityType::Text(text)));
        }
        for opening in &plan.openings {
            let Some(wall) = plan.walls.iter().find(|w| w.id == opening.wall_id) else {
                continue;
            };
            let length = wall.length();
            if length <= 0.0 {
                continue;
            }
            let along = |d: f64| {
                [
                    wall.start[0] + (wall.end[0] - wall.start[0]) * d / length,
                    wall.start[1] + (wall.end[1] - wall.start[1]) * d / length,
                ]
            };
            let layer = match opening.kind {
                OpeningKind::Door => "A-DOOR",
                OpeningKind::Window => "A-GLAZ",
            };
            drawing.add_entity(on(
                layer,
                EntityType::Line(Line::new(
                    mm(along(opening.offset_m)),
                    mm(along(opening.offset_m + opening.width_m)),
                )),
            ));
        }
        let ys = plan
            .walls
            .iter()
            .flat_map(|w| [w.start[1], w.end[1]])
            .chain(
                plan.rooms
                    .iter()
                    .flat_map(|r| r.polygon.iter().map(|p| p[1])),
            );
        lowest = ys.fold(f64::MAX, f64::min).min(0.0);
        let xs = plan
            .walls
            .iter()
            .flat_map(|w| [w.start[0], w.end[0]])
            .chain(
                plan.rooms
                    .iter()
                    .flat_map(|r| r.polygon.iter().map(|p| p[0])),
            );
        left = xs.fold(f64::MAX, f64::min).min(0.0);
    }
    let mut defined = std::collections::HashSet::new();
    let mut unplaced_x = left;
    for item in items {
        let name = block_name(&item.sku);
        if defined.insert(name.clone()) {
            let (w, d) = (item.width_mm.max(1.0), item.depth_mm.max(1.0));
            let mut block = Block {
                name: name.clone(),
                layer: "0".into(),
                base_point: Point::origin(),
                ..Default::default()
            };
            let corners = [
                [-w / 2000.0, -d / 2000.0],
                [w / 2000.0, -d / 2000.0],
                [w / 2000.0, d / 2000.0],
                [-w / 2000.0, d / 2000.0],
            ];
            block.entities.push(on("0", polyline(&corners, true, 0.0)));
            for (i, tag) in ATTRIBUTES.iter().enumerate() {
                // Invisible (flag 1): the footprint is what the plan shows.
                let definition = AttributeDefinition {
                    text_tag: tag.to_string(),
                    prompt: tag.to_string(),
                    text_height: 50.0,
                    location: Point::new(-w / 2.0, d / 2.0 - 60.0 * (i as f64 + 1.0), 0.0),
                    flags: 1,
                    ..Default::default()
                };
                block
                    .entities
                    .push(on("0", EntityType::AttributeDefinition(definition)));
            }
            drawing.add_block(block);
        }
        let (centre, rotation, layer) = match item.at {
            Some((centre, rotation)) => (centre, rotation, "I-FURN"),
            None => {
                let at = [unplaced_x + item.width_mm / 2000.0, lowest - 2.0];
                unplaced_x += item.width_mm / 1000.0 + 0.5;
                (at, 0.0, "I-FURN-UNPL")
            }
        };
        let mut insert = Insert {
            name,
            location: mm(centre),
            rotation,
            ..Default::default()
        };
        let values = [
            item.sku.clone(),
            item.name.clone(),
            item.brand.clone(),
            item.finish.clone().unwrap_or_default(),
            item.quantity.to_string(),
            item.price.clone(),
        ];
        for (tag, value) in ATTRIBUTES.iter().zip(values) {
            let attribute = Attribute {
                attribute_tag: tag.to_string(),
                value,
                location: insert.location.clone(),
                text_height: 50.0,
                flags: 1,
                ..Default::default()
            };
            insert.add_attribute(&mut drawing, attribute);
        }
        drawing.add_entity(on(layer, EntityType::Insert(insert)));
    }
    let mut out = Vec::new();
    drawing
        .save(&mut out)
        .map_err(|e| format!("the DXF could not be written: {e}"))?;
    Ok(repaired(&String::from_utf8_lossy(&out)).into_bytes())
}

/// Repairs two flaws of what the `dxf` crate (0.6) writes for attributes, which readers that
/// check the format (ezdxf, AutoCAD's audit) trip over:
/// - after every ATTRIB and ATTDEF it writes the attribute's multi-line text as an embedded
///   MTEXT whose handle is 0 (a TODO of the crate): our attributes are single-line, so every
///   group from `0/MTEXT` with handle `5/0` to the next `0` is left out;
/// - an ATTDEF's alignment point (11/21/31) comes under a second `AcDbAttributeDefinition`
///   subclass marker, so the tag and prompt that follow are read as belonging to nothing: the
///   marker before the alignment point is left out (the point belongs to `AcDbText`).
fn repaired(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let is = |at: usize, want: &str| lines.get(at).is_some_and(|l| l.trim() == want);
    let mut out = String::with_capacity(text.len());
    let (mut skipping, mut in_attdef) = (false, false);
    for i in (0..lines.len().saturating_sub(1)).step_by(2) {
        if is(i, "0") {
            skipping = is(i + 1, "MTEXT") && is(i + 2, "5") && is(i + 3, "0");
            in_attdef = is(i + 1, "ATTDEF");
        }
        let early_marker =
            in_attdef && is(i, "100") && is(i + 1, "AcDbAttributeDefinition") && is(i + 2, "11");
        if !skipping && !early_marker {
            for line in &lines[i..i + 2] {
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, at: Option<([f64; 2], f64)>) -> DrawnItem {
        DrawnItem {
            sku: sku.into(),
            name: format!("Item {sku}"),
            brand: "Acme".into(),
            finish: Some("Oak".into()),
            quantity: 2,
            price: "100.00 EUR".into(),
            width_mm: 1600.0,
            depth_mm: 800.0,
            at,
        }
    }

    #[test]
    fn an_exported_drawing_reads_back_as_the_same_plan_and_placements() {
        let wall = |id: &str, start: [f64; 2], end: [f64; 2]| Wall {
            id: id.into(),
            start,
            end,
            thickness_m: 0.15,
            height_m: 2.7,
        };
        let room = |id: &str, name: &str, x0: f64, x1: f64| Room {
            id: id.into(),
            name: name.into(),
            kind: kind_of(name).into(),
            polygon: vec![[x0, 0.0], [x1, 0.0], [x1, 4.0], [x0, 4.0]],
        };
        let plan = FloorPlan {
            units: "m".into(),
            rooms: vec![
                room("a", "Office", 0.0, 4.0),
                room("b", "Meeting room", 4.0, 8.5),
            ],
            walls: vec![
                wall("s", [0.0, 0.0], [8.5, 0.0]),
                wall("e", [8.5, 0.0], [8.5, 4.0]),
                wall("n", [8.5, 4.0], [0.0, 4.0]),
                wall("w", [0.0, 4.0], [0.0, 0.0]),
            ],
            openings: vec![roomwright_projects::floorplan::Opening {
                id: "d".into(),
                wall_id: "s".into(),
                kind: OpeningKind::Door,
                offset_m: 1.0,
                width_m: 0.9,
                height_m: 2.1,
                sill_m: 0.0,
            }],
        };
        let items = vec![
            item("DK/160", Some(([2.5, 1.25], 90.0))),
            item("CH-1", Some(([3.0, 2.0], 37.5))),
            item("CH-1", None),
        ];
        let bytes = write("Test project", Some(&plan), &items).unwrap();
        let parsed = read(&bytes).unwrap();
        assert_eq!(parsed.units.as_deref(), Some("mm"));
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.lines.len(), 3);
        let desk = &parsed.lines[0];
        assert_eq!(desk.part_number.as_deref(), Some("DK/160"));
        assert_eq!(desk.block.as_deref(), Some("DK_160"));
        assert_eq!(desk.quantity, 2);
        assert_eq!(desk.options[0].description, "Oak");
        let placed = desk.placement.as_ref().unwrap();
        assert!((placed.x_m - 2.5).abs() < 1e-3 && (placed.y_m - 1.25).abs() < 1e-3);
        assert_eq!(placed.rotation_deg, 90.0);
        assert_eq!(desk.size_mm, Some([1600.0, 800.0, 0.0]));
        let read_plan = parsed.floor_plan.unwrap();
        assert_eq!(read_plan.walls.len(), plan.walls.len());
        assert_eq!(read_plan.rooms.len(), plan.rooms.len());
        for (a, b) in read_plan.rooms.iter().zip(&plan.rooms) {
            assert_eq!(a.name, b.name);
            for (p, q) in a.polygon.iter().zip(&b.polygon) {
                assert!((p[0] - q[0]).abs() < 1e-3 && (p[1] - q[1]).abs() < 1e-3);
            }
        }
        for (a, b) in read_plan.walls.iter().zip(&plan.walls) {
            assert!((a.start[0] - b.start[0]).abs() < 1e-3);
            assert!((a.thickness_m - b.thickness_m).abs() < 1e-3);
        }
    }

    #[test]
    fn what_is_not_a_drawing_is_refused_and_bad_entities_are_named() {
        assert!(read(b"PN=1\nQT=2\n").is_err());
        assert!(read(b"").is_err());
        let mut drawing = Drawing::new();
        drawing.header.version = AcadVersion::R2010;
        drawing.header.default_drawing_units = Units::Meters;
        let insert = Insert {
            name: "MISSING".into(),
            ..Default::default()
        };
        drawing.add_entity(on("FURN", EntityType::Insert(insert)));
        let mut open = on(
            "A-AREA",
            polyline(&[[0.0, 0.0], [5.0, 0.0], [5.0, 5.0]], false, 0.0),
        );
        open.common.layer = "A-AREA".into();
        drawing.add_entity(open);
        drawing.add_entity(on(
            "A-WALL",
            EntityType::Line(Line::new(
                Point::new(0.0, 0.0, 0.0),
                Point::new(0.004, 0.0, 0.0),
            )),
        ));
        drawing.add_entity(on(
            "A-WALL",
            EntityType::Line(Line::new(
                Point::new(0.0, 0.0, 0.0),
                Point::new(6.0, 4.0, 0.0),
            )),
        ));
        let mut out = Vec::new();
        drawing.save(&mut out).unwrap();
        let parsed = read(&out).unwrap();
        let codes: Vec<&str> = parsed.problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            ["unknown_block", "open_room", "no_rooms"],
            "{:?}",
            parsed.problems
        );
        assert!(parsed.problems[0].at.starts_with("DXF INSERT (handle "));
        let plan = parsed.floor_plan.unwrap();
        assert_eq!(plan.walls.len(), 1, "the 4 mm wall is noise");
        assert_eq!(plan.rooms[0].polygon[2], [6.0, 4.0]);
    }
}
