//! A furnished plan as SVG: rooms by kind with their names, walls, doors with their swings,
//! windows, every item's footprint with a label, clearance zones dashed, and what breaks a
//! rule outlined in red.

use std::{collections::HashMap, fmt::Write};

use geo::{BoundingRect, Centroid, Coord, LineString, Polygon, Rotate, Translate};
use roomwright_projects::floorplan::{FloorPlan, OpeningKind};

use crate::{Role, Settings, check::Violation, engine::PlacedItem, kits::zone, space::RoomSpace};

/// Pixels per metre of the drawing's nominal size (it scales freely).
const PX_PER_M: f64 = 40.0;
const MARGIN_M: f64 = 1.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn room_fill(kind: &str) -> &'static str {
    match kind {
        "open_plan" | "office" | "focus" => "#f4f1ea",
        "meeting" => "#e8eef7",
        "kitchen" | "dining" => "#f7efe3",
        "reception" | "lounge" | "living" => "#eef5ec",
        "storage" => "#eeeeee",
        "bedroom" => "#f3ecf4",
        _ => "#fafafa",
    }
}

fn item_fill(role: Role) -> &'static str {
    match role {
        Role::Desk => "#c9a77c",
        Role::TaskChair | Role::MeetingChair | Role::DiningChair => "#5b6770",
        Role::MeetingTable | Role::DiningTable | Role::CoffeeTable => "#a98b6d",
        Role::Storage | Role::Wardrobe => "#8d99a6",
        Role::Sofa => "#7fa37a",
        Role::Bed => "#b59ac0",
        Role::Other => "#d8d2c4",
    }
}

/// Item footprints and zones as polygons, the way the rules see them.
fn item_polygon(item: &PlacedItem, x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]),
        vec![],
    )
    .rotate_around_point(item.rotation_deg, geo::Point(Coord { x: 0.0, y: 0.0 }))
    .translate(item.x_m, item.y_m)
}

struct Canvas {
    min_x: f64,
    max_y: f64,
    out: String,
}

impl Canvas {
    fn point(&self, c: Coord<f64>) -> (f64, f64) {
        (
            ((c.x - self.min_x + MARGIN_M) * PX_PER_M * 10.0).round() / 10.0,
            ((self.max_y - c.y + MARGIN_M) * PX_PER_M * 10.0).round() / 10.0,
        )
    }

    fn polygon(&mut self, p: &Polygon<f64>, style: &str) {
        let points: Vec<String> = p
            .exterior()
            .coords()
            .map(|c| {
                let (x, y) = self.point(*c);
                format!("{x},{y}")
            })
            .collect();
        let _ = writeln!(
            self.out,
            r#"<polygon points="{}" {style}/>"#,
            points.join(" ")
        );
    }

    fn line(&mut self, a: [f64; 2], b: [f64; 2], style: &str) {
        let (x1, y1) = self.point(Coord { x: a[0], y: a[1] });
        let (x2, y2) = self.point(Coord { x: b[0], y: b[1] });
        let _ = writeln!(
            self.out,
            r#"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" {style}/>"#
        );
    }

    fn text(&mut self, at: Coord<f64>, size_px: f64, text: &str, style: &str) {
        let (x, y) = self.point(at);
        let _ = writeln!(
            self.out,
            r#"<text x="{x}" y="{y}" font-size="{size_px}" text-anchor="middle" dominant-baseline="middle" {style}>{}</text>"#,
            escape(text)
        );
    }
}

/// The drawing a floor plan was read from, shown under the plan: where the plan's origin
/// (its outer lower-left corner, y up) lies on the page and the page's scale.
pub struct Underlay {
    /// The page as a `data:` URI (PNG or JPEG).
    pub href: String,
    pub width_px: f64,
    pub height_px: f64,
    pub origin_px: [f64; 2],
    pub px_per_m: f64,
    /// Walls and rooms (by id) the reader is unsure of: outlined in orange, dashed, for the
    /// user to check against the drawing.
    pub doubtful: std::collections::HashSet<String>,
}

/// How doubtful walls and rooms are marked over an import's page.
const DOUBT_STYLE: &str =
    r##"fill="none" stroke="#ef6c00" stroke-width="3" stroke-dasharray="6 4""##;

/// The plan with `items` placed. `labels` names products by id (items without a label show
/// their role); `violations` are outlined in red; `title` heads the drawing.
pub fn plan_svg(
    plan: &FloorPlan,
    items: &[PlacedItem],
    labels: &HashMap<String, String>,
    violations: &[Violation],
    title: &str,
    s: &Settings,
) -> String {
    plan_svg_over(plan, items, labels, violations, title, s, None)
}

/// [`plan_svg`] over the drawing it was read from: the page in place at its scale, rooms
/// see-through and walls in blue, so a reader's mistakes show.
pub fn plan_svg_over(
    plan: &FloorPlan,
    items: &[PlacedItem],
    labels: &HashMap<String, String>,
    violations: &[Violation],
    title: &str,
    s: &Settings,
    underlay: Option<&Underlay>,
) -> String {
    let all: Vec<Coord<f64>> = plan
        .rooms
        .iter()
        .flat_map(|r| r.polygon.iter())
        .map(|[x, y]| Coord { x: *x, y: *y })
        .chain(
            plan.walls
                .iter()
                .flat_map(|w| [w.start, w.end])
                .map(|[x, y]| Coord { x, y }),
        )
        .collect();
    let bounds = LineString::from(all.clone()).bounding_rect();
    let (min_x, min_y, max_x, max_y) = match bounds {
        Some(b) => (b.min().x, b.min().y, b.max().x, b.max().y),
        None => (0.0, 0.0, 1.0, 1.0),
    };
    // Wide enough for the title too (under 10 px a character at 16 px in DejaVu Sans).
    let width = ((max_x - min_x + 2.0 * MARGIN_M) * PX_PER_M)
        .ceil()
        .max(16.0 + 9.5 * title.chars().count() as f64);
    let height = ((max_y - min_y + 2.0 * MARGIN_M) * PX_PER_M).ceil() + 30.0;
    let mut c = Canvas {
        min_x,
        max_y,
        out: String::new(),
    };
    let _ = writeln!(
        c.out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 -30 {width} {height}" font-family="sans-serif">"#
    );
    let _ = writeln!(c.out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        c.out,
        r##"<text x="8" y="-10" font-size="16" fill="#222">{}</text>"##,
        escape(title)
    );
    let _ = writeln!(
        c.out,
        r##"<rect x="0" y="0" width="{width}" height="{}" fill="#ffffff"/>"##,
        height - 30.0
    );

    if let Some(page) = underlay {
        let m = page.px_per_m.max(f64::EPSILON);
        let (x, y) = c.point(Coord {
            x: -page.origin_px[0] / m,
            y: page.origin_px[1] / m,
        });
        let _ = writeln!(
            c.out,
            r#"<image x="{x}" y="{y}" width="{:.1}" height="{:.1}" preserveAspectRatio="none" href="{}"/>"#,
            page.width_px / m * PX_PER_M,
            page.height_px / m * PX_PER_M,
            escape(&page.href)
        );
    }
    let (room_opacity, wall_colour) = if underlay.is_some() {
        ("0.35", "#1565c0")
    } else {
        ("1", "#333")
    };
    // Rooms, then door swings and window bands.
    for room in &plan.rooms {
        if room.polygon.len() < 3 {
            continue;
        }
        c.polygon(
            &room.shape(),
            &format!(
                r##"fill="{}" fill-opacity="{room_opacity}" stroke="#bbb" stroke-width="1""##,
                room_fill(&room.kind)
            ),
        );
        let space = RoomSpace::new(plan, room, s);
        for swing in &space.swings {
            c.polygon(
                swing,
                r##"fill="#f6d5cf" fill-opacity="0.7" stroke="#d99a90" stroke-width="0.5""##,
            );
        }
        for band in &space.window_bands {
            c.polygon(band, r##"fill="#d6e9f8" fill-opacity="0.6" stroke="none""##);
        }
    }
    // Walls, then openings over them.
    for wall in &plan.walls {
        let w = (wall.thickness_m * PX_PER_M).max(1.0);
        c.line(
            wall.start,
            wall.end,
            &format!(
                r##"stroke="{wall_colour}" stroke-opacity="0.85" stroke-width="{w:.1}" stroke-linecap="square""##
            ),
        );
    }
    let doubtful = |id: &str| underlay.is_some_and(|u| u.doubtful.contains(id));
    for wall in plan.walls.iter().filter(|w| doubtful(&w.id)) {
        c.line(wall.start, wall.end, DOUBT_STYLE);
    }
    for room in plan.rooms.iter().filter(|r| doubtful(&r.id)) {
        if room.polygon.len() >= 3 {
            c.polygon(&room.shape(), DOUBT_STYLE);
        }
    }
    for opening in &plan.openings {
        let Some(wall) = plan.walls.iter().find(|w| w.id == opening.wall_id) else {
            continue;
        };
        let length = wall.length().max(f64::EPSILON);
        let at = |t: f64| {
            [
                wall.start[0] + (wall.end[0] - wall.start[0]) * t / length,
                wall.start[1] + (wall.end[1] - wall.start[1]) * t / length,
            ]
        };
        let (a, b) = (at(opening.offset_m), at(opening.offset_m + opening.width_m));
        let w = (wall.thickness_m * PX_PER_M).max(1.0) + 1.0;
        c.line(
            a,
            b,
            &format!(r##"stroke="#ffffff" stroke-width="{w:.1}""##),
        );
        let style = match opening.kind {
            OpeningKind::Door => r##"stroke="#c0392b" stroke-width="2""##,
            OpeningKind::Window => r##"stroke="#3d8bd4" stroke-width="3""##,
        };
        c.line(a, b, style);
    }
    // Clearance zones under the furniture.
    for item in items {
        if let Some(z) = zone(item.role, item.width_m, item.depth_m, s) {
            c.polygon(
                &item_polygon(item, z.x0, z.y0, z.x1, z.y1),
                r##"fill="#9ccc65" fill-opacity="0.12" stroke="#7cb342" stroke-width="0.6" stroke-dasharray="3 2""##,
            );
        }
    }
    let broken: std::collections::HashSet<usize> =
        violations.iter().filter_map(|v| v.item).collect();
    for (k, item) in items.iter().enumerate() {
        let (w, d) = (item.width_m, item.depth_m);
        let shape = item_polygon(item, -w / 2.0, -d / 2.0, w / 2.0, d / 2.0);
        let stroke = if broken.contains(&k) {
            r##"stroke="#e53935" stroke-width="2.5""##
        } else {
            r##"stroke="#333" stroke-width="0.6""##
        };
        c.polygon(
            &shape,
            &format!(r#"fill="{}" {stroke}"#, item_fill(item.role)),
        );
        // A tick on the front edge shows which way the item faces.
        let front = item_polygon(item, -w / 4.0, -d / 2.0, w / 4.0, -d / 2.0 + 0.04);
        c.polygon(&front, r##"fill="#222" stroke="none""##);
        if matches!(
            item.role,
            Role::Desk
                | Role::MeetingTable
                | Role::DiningTable
                | Role::Storage
                | Role::Sofa
                | Role::Bed
                | Role::Wardrobe
        ) && w >= 0.8
            && let Some(centre) = shape.centroid()
        {
            let label = labels
                .get(&item.product_id)
                .cloned()
                .unwrap_or_else(|| format!("{:?}", item.role));
            let short: String = label.chars().take(((w * 7.0) as usize).max(4)).collect();
            c.text(centre.0, 8.0, &short, r##"fill="#111""##);
        }
    }
    for room in &plan.rooms {
        if room.polygon.len() < 3 {
            continue;
        }
        if let Some(centre) = room.shape().centroid() {
            let at = Coord {
                x: centre.x(),
                y: centre.y(),
            };
            let name = if doubtful(&room.id) {
                format!("{} (check)", room.name)
            } else {
                room.name.clone()
            };
            c.text(
                at,
                13.0,
                &name,
                r##"fill="#555" fill-opacity="0.85" font-weight="bold""##,
            );
        }
    }
    let _ = writeln!(c.out, "</svg>");
    c.out
}

/// Bundled fonts for [`png`]: DejaVu Sans (regular and bold) stands in for `sans-serif`, as
/// a Lambda has no system fonts.
fn fonts() -> std::sync::Arc<resvg::usvg::fontdb::Database> {
    static FONTS: std::sync::OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> =
        std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = resvg::usvg::fontdb::Database::new();
            db.load_font_data(dejavu::sans::regular().to_vec());
            db.load_font_data(dejavu::sans::bold().to_vec());
            db.set_sans_serif_family("DejaVu Sans");
            std::sync::Arc::new(db)
        })
        .clone()
}

/// Largest PNG side drawn, in pixels: a drawing is scaled down to fit.
pub const PNG_MAX_SIDE_PX: u32 = 4096;

/// A drawing of ours (SVG) as PNG on a white ground, `scale` times its size in pixels, fitted
/// within [`PNG_MAX_SIDE_PX`].
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    let options = resvg::usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: fonts(),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let size = tree.size();
    let largest = size.width().max(size.height()) * scale;
    let scale = if largest > PNG_MAX_SIDE_PX as f32 {
        scale * PNG_MAX_SIDE_PX as f32 / largest
    } else {
        scale
    };
    let (w, h) = (
        (size.width() * scale).ceil().max(1.0) as u32,
        (size.height() * scale).ceil().max(1.0) as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).ok_or("an empty drawing")?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

/// A drawing of ours as the answer asked for: the SVG itself, or PNG rendered from it.
pub fn answer(
    svg: String,
    png: bool,
) -> Result<roomwright_core::http::Drawing, roomwright_core::ApiError> {
    use roomwright_core::http::Drawing;
    if !png {
        return Ok(Drawing::Svg(svg));
    }
    self::png(&svg, 1.0)
        .map(Drawing::Png)
        .map_err(|e| roomwright_core::ApiError::internal(format!("drawing as PNG: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{FloorSpec, floor};

    #[test]
    fn what_the_reader_doubts_is_marked_over_the_page() {
        let plan = floor(FloorSpec {
            seed: 2,
            rooms: 3,
            angle_deg: 0.0,
            cut_corner: false,
            min_area_m2: 0.0,
        });
        let page = |doubtful: &[&str]| Underlay {
            href: "data:image/png;base64,".into(),
            width_px: 800.0,
            height_px: 600.0,
            origin_px: [50.0, 550.0],
            px_per_m: 40.0,
            doubtful: doubtful.iter().map(|s| s.to_string()).collect(),
        };
        let draw = |underlay: &Underlay| {
            plan_svg_over(
                &plan,
                &[],
                &HashMap::new(),
                &[],
                "Read",
                &Settings::default(),
                Some(underlay),
            )
        };
        let sure = draw(&page(&[]));
        assert!(!sure.contains("#ef6c00") && !sure.contains("(check)"));
        let (room, wall) = (&plan.rooms[0], &plan.walls[0]);
        let unsure = draw(&page(&[&room.id, &wall.id]));
        assert_eq!(unsure.matches("#ef6c00").count(), 2, "one wall, one room");
        assert!(unsure.contains(&format!("{} (check)", room.name)));
    }
}
