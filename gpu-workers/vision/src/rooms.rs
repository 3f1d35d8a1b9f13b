//! Rooms: the closed regions of floor between walls, once every door and window found is
//! closed with the wall it sits in.

use geo::{Area, Coord, LineString, Polygon, Simplify};
use image::{GrayImage, Luma};
use imageproc::contours::{self, BorderType};

use crate::{
    ink::Component,
    openings::Found,
    walls::{Axis, Walls},
};

/// A room's outline follows its wall faces to within this many pixels.
const OUTLINE_TOLERANCE_PX: f64 = 1.5;
/// Wall gaps up to this share of the building's smaller side are closed as doorways.
const GAP_SHARE: f64 = 0.12;
/// Regions smaller than this share of the building's extent are wall debris, not rooms.
const MIN_ROOM_SHARE: f64 = 0.003;

/// A room in page pixels.
#[derive(Debug, Clone)]
pub struct Region {
    /// Corner points in order around the room (page pixels, y down).
    pub outline: Vec<(f64, f64)>,
    pub area_px: f64,
    /// How well the simplified outline matches the region (1: exactly).
    pub fit: f64,
    pub component: Component,
}

pub struct Rooms {
    pub regions: Vec<Region>,
    /// Per pixel: the index + 1 of the room it is in, 0 outside every room.
    pub labels: Vec<u32>,
    pub width: u32,
}

impl Rooms {
    /// The room a point of the page lies in.
    pub fn at(&self, x: f64, y: f64) -> Option<usize> {
        if x < 0.0 || y < 0.0 || x >= f64::from(self.width) {
            return None;
        }
        let i = y as usize * self.width as usize + x as usize;
        match self.labels.get(i) {
            Some(&l) if l > 0 => Some(l as usize - 1),
            _ => None,
        }
    }
}

/// The rooms of a drawing whose walls and openings were found.
pub fn find(walls: &Walls, openings: &[Found]) -> Rooms {
    let mut closed = walls.mask.clone();
    for o in openings {
        let line = &walls.lines[o.line];
        let (c, half) = (line.centre(), line.thickness() / 2.0);
        let (a0, a1) = (o.from.floor() as i64, o.to.ceil() as i64);
        let (c0, c1) = ((c - half).floor() as i64, (c + half).ceil() as i64);
        match line.axis {
            Axis::Horizontal => closed.fill(a0, c0, a1, c1, true),
            Axis::Vertical => closed.fill(c0, a0, c1, a1, true),
        }
    }
    // Gaps no door or window was found in (a door drawn another way, a passage) are closed
    // too when they are door-sized: at most this share of the building's smaller side.
    let (bx0, by0, bx1, by1) = walls.bounds;
    let max_gap = GAP_SHARE * f64::from((bx1 - bx0).min(by1 - by0));
    for line in &walls.lines {
        for pair in line.pieces.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if b.along0 - a.along1 > max_gap {
                continue;
            }
            let half = a.thickness.min(b.thickness) / 2.0;
            let c = (a.centre + b.centre) / 2.0;
            let (a0, a1) = (a.along1.floor() as i64, b.along0.ceil() as i64);
            let (c0, c1) = ((c - half).floor() as i64, (c + half).ceil() as i64);
            match line.axis {
                Axis::Horizontal => closed.fill(a0, c0, a1, c1, true),
                Axis::Vertical => closed.fill(c0, a0, c1, a1, true),
            }
        }
    }
    let mut free = closed.clone();
    free.bits.iter_mut().for_each(|b| *b = !*b);
    let (labels, components) = free.components();

    let building = f64::from(bx1 - bx0) * f64::from(by1 - by0);
    let mut keep = vec![0u32; components.len() + 1];
    let mut regions = Vec::new();
    for (index, c) in components.iter().enumerate() {
        let inside = c.x0 > bx0 && c.y0 > by0 && c.x1 < bx1 && c.y1 < by1;
        if !inside || (c.area as f64) < MIN_ROOM_SHARE * building {
            continue;
        }
        let Some(outline) = outline(&labels, free.width, index as u32 + 1, c) else {
            continue;
        };
        let polygon = Polygon::new(
            LineString::from(
                outline
                    .iter()
                    .map(|&(x, y)| Coord { x, y })
                    .collect::<Vec<_>>(),
            ),
            vec![],
        );
        // The outline runs through boundary pixel centres: half a pixel inside the region.
        let area = polygon.unsigned_area();
        let fit = (area.min(c.area as f64) / area.max(c.area as f64)).clamp(0.0, 1.0);
        regions.push(Region {
            outline,
            area_px: c.area as f64,
            fit,
            component: *c,
        });
        keep[index + 1] = regions.len() as u32;
    }
    Rooms {
        regions,
        labels: labels.iter().map(|&l| keep[l as usize]).collect(),
        width: free.width,
    }
}

/// The outer border of one labelled component, simplified to its corners.
fn outline(labels: &[u32], width: u32, label: u32, c: &Component) -> Option<Vec<(f64, f64)>> {
    let (w, h) = (c.width() + 2, c.height() + 2);
    let crop = GrayImage::from_fn(w, h, |x, y| {
        let (px, py) = (
            i64::from(c.x0) + i64::from(x) - 1,
            i64::from(c.y0) + i64::from(y) - 1,
        );
        let on = px >= 0
            && py >= 0
            && labels
                .get(py as usize * width as usize + px as usize)
                .is_some_and(|&l| l == label)
            && (px as u32) < width;
        Luma([if on { 255 } else { 0 }])
    });
    let border = contours::find_contours::<i32>(&crop)
        .into_iter()
        .filter(|b| b.border_type == BorderType::Outer && b.parent.is_none())
        .max_by_key(|b| b.points.len())?;
    let line = LineString::from(
        border
            .points
            .iter()
            .map(|p| Coord {
                x: f64::from(p.x) + f64::from(c.x0) - 1.0,
                y: f64::from(p.y) + f64::from(c.y0) - 1.0,
            })
            .chain(border.points.first().map(|p| Coord {
                x: f64::from(p.x) + f64::from(c.x0) - 1.0,
                y: f64::from(p.y) + f64::from(c.y0) - 1.0,
            }))
            .collect::<Vec<_>>(),
    );
    let simple = line.simplify(OUTLINE_TOLERANCE_PX);
    let mut points: Vec<(f64, f64)> = simple.0.iter().map(|c| (c.x, c.y)).collect();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    (points.len() >= 3).then_some(points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ink::Mask, openings, walls};

    #[test]
    fn two_rooms_split_by_a_wall_with_a_door() {
        let mut ink = Mask::new(400, 300);
        ink.fill(20, 20, 380, 32, true);
        ink.fill(20, 268, 380, 280, true);
        ink.fill(20, 20, 32, 280, true);
        ink.fill(368, 20, 380, 280, true);
        // The dividing wall at x 200..208 with a door gap from y 100 to 160.
        ink.fill(200, 32, 208, 100, true);
        ink.fill(200, 160, 208, 268, true);
        ink.fill(208, 100, 268, 102, true); // leaf from the upper jamb
        for i in 0..=200 {
            let phi = f64::from(i) / 200.0 * std::f64::consts::FRAC_PI_2;
            let (x, y) = (208.0 + 60.0 * phi.cos(), 100.0 + 60.0 * phi.sin());
            ink.fill(x as i64, y as i64, x as i64 + 1, y as i64 + 1, true);
        }
        let walls = walls::find(&ink).unwrap();
        let found = openings::find(&ink, &walls);
        assert_eq!(found.len(), 1, "{found:?}");
        let rooms = find(&walls, &found);
        assert_eq!(rooms.regions.len(), 2);
        let mut areas: Vec<f64> = rooms.regions.iter().map(|r| r.area_px).collect();
        areas.sort_by(f64::total_cmp);
        assert_eq!(areas, vec![160.0 * 236.0, 168.0 * 236.0]);
        assert!(rooms.regions.iter().all(|r| r.outline.len() == 4));
        assert_eq!(rooms.at(100.0, 100.0), Some(0));
        assert_eq!(rooms.at(5.0, 5.0), None);
    }
}
