//! Walls: the solid bands of a drawing, as straight lines of wall pieces with the gaps between
//! them (where doors and windows are drawn in thin lines).
//!
//! Plans drawn for offices are overwhelmingly rectilinear, so walls are found along the two
//! page axes: a wall pixel belongs to a horizontal wall when its horizontal run is at least its
//! vertical one. Pieces on one line are joined across junctions (where a crossing wall took
//! the pixels) and kept apart across wider gaps, which the opening detector then examines.

use crate::ink::Mask;

/// Strokes up to `2 * OPEN_RADIUS` px wide are drawing lines, not walls.
pub const OPEN_RADIUS: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Horizontal,
    Vertical,
}

/// A solid stretch of wall, in page pixels. `along` runs with the wall (x for horizontal
/// walls, y for vertical ones); `centre` is the other coordinate of its middle.
#[derive(Debug, Clone, Copy)]
pub struct Piece {
    pub along0: f64,
    pub along1: f64,
    pub centre: f64,
    pub thickness: f64,
    /// Share of the piece's rectangle that is ink: 1 for a clean band.
    pub fill: f64,
}

/// Wall pieces on one straight line, in order along it.
#[derive(Debug, Clone)]
pub struct WallLine {
    pub axis: Axis,
    pub pieces: Vec<Piece>,
}

impl WallLine {
    pub fn along0(&self) -> f64 {
        self.pieces[0].along0
    }
    pub fn along1(&self) -> f64 {
        self.pieces[self.pieces.len() - 1].along1
    }
    /// Length-weighted centre and thickness.
    pub fn centre(&self) -> f64 {
        weighted(&self.pieces, |p| p.centre)
    }
    pub fn thickness(&self) -> f64 {
        weighted(&self.pieces, |p| p.thickness)
    }
    pub fn fill(&self) -> f64 {
        weighted(&self.pieces, |p| p.fill)
    }
    /// The gaps between consecutive pieces: `(from, to)` along the line.
    pub fn gaps(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.pieces.windows(2).map(|w| (w[0].along1, w[1].along0))
    }
}

fn weighted(pieces: &[Piece], value: impl Fn(&Piece) -> f64) -> f64 {
    let total: f64 = pieces.iter().map(|p| p.along1 - p.along0).sum();
    pieces
        .iter()
        .map(|p| value(p) * (p.along1 - p.along0))
        .sum::<f64>()
        / total.max(1e-9)
}

/// What the wall finder saw.
pub struct Walls {
    /// Solid bands (the ink after the opening).
    pub mask: Mask,
    pub lines: Vec<WallLine>,
    /// The drawing's outer extent: `(x0, y0, x1, y1)` of every wall pixel, ends exclusive.
    pub bounds: (u32, u32, u32, u32),
    /// The thickest wall, px.
    pub max_thickness: f64,
}

/// Finds the walls of a drawing; `None` when nothing on the page is a wall band.
pub fn find(ink: &Mask) -> Option<Walls> {
    let mask = ink.opened(OPEN_RADIUS);
    let h_runs = mask.horizontal_runs();
    let v_runs = mask.vertical_runs();
    let mut horizontal = Mask::new(mask.width, mask.height);
    let mut vertical = Mask::new(mask.width, mask.height);
    for (i, on) in mask.bits.iter().enumerate() {
        if *on {
            if h_runs[i] >= v_runs[i] {
                horizontal.bits[i] = true;
            } else {
                vertical.bits[i] = true;
            }
        }
    }
    let mut pieces_h = pieces(&horizontal);
    let mut pieces_v = pieces(&vertical.transposed());
    let max_thickness = pieces_h
        .iter()
        .chain(&pieces_v)
        .map(|p| p.thickness)
        .fold(0.0, f64::max);
    if max_thickness == 0.0 {
        return None;
    }
    // The building: the extent of its long walls (heavy strokes outside it, such as a door
    // swing drawn bold, must not move the outline the overall dimensions measure).
    let longest = pieces_h
        .iter()
        .chain(&pieces_v)
        .map(|p| p.along1 - p.along0)
        .fold(0.0, f64::max);
    let mut bounds = (u32::MAX, u32::MAX, 0u32, 0u32);
    let mut extend = |x0: f64, y0: f64, x1: f64, y1: f64| {
        bounds.0 = bounds.0.min(x0.round() as u32);
        bounds.1 = bounds.1.min(y0.round() as u32);
        bounds.2 = bounds.2.max(x1.round() as u32);
        bounds.3 = bounds.3.max(y1.round() as u32);
    };
    for p in pieces_h
        .iter()
        .filter(|p| p.along1 - p.along0 >= longest / 4.0)
    {
        extend(
            p.along0,
            p.centre - p.thickness / 2.0,
            p.along1,
            p.centre + p.thickness / 2.0,
        );
    }
    for p in pieces_v
        .iter()
        .filter(|p| p.along1 - p.along0 >= longest / 4.0)
    {
        extend(
            p.centre - p.thickness / 2.0,
            p.along0,
            p.centre + p.thickness / 2.0,
            p.along1,
        );
    }
    let bounds = (
        bounds.0,
        bounds.1,
        bounds.2.min(mask.width),
        bounds.3.min(mask.height),
    );
    let (bx0, by0, bx1, by1) = (
        f64::from(bounds.0) - 1.0,
        f64::from(bounds.1) - 1.0,
        f64::from(bounds.2) + 1.0,
        f64::from(bounds.3) + 1.0,
    );
    pieces_h.retain(|p| p.along0 >= bx0 && p.along1 <= bx1 && p.centre > by0 && p.centre < by1);
    pieces_v.retain(|p| p.along0 >= by0 && p.along1 <= by1 && p.centre > bx0 && p.centre < bx1);
    let span = f64::from((bounds.2 - bounds.0).min(bounds.3 - bounds.1));
    let mut lines = join(&mut pieces_h, Axis::Horizontal, max_thickness, span);
    lines.extend(join(&mut pieces_v, Axis::Vertical, max_thickness, span));
    Some(Walls {
        mask,
        lines,
        bounds,
        max_thickness,
    })
}

/// Pieces of horizontal wall: components of the mask, each a band along x.
fn pieces(mask: &Mask) -> Vec<Piece> {
    let (_, components) = mask.components();
    components
        .iter()
        .filter_map(|c| {
            let length = f64::from(c.width());
            let thickness = c.area as f64 / length;
            // Short stubs stay: the bit of wall between a window and a corner can be shorter
            // than the wall is thick. Alone they are dropped (see `join`).
            (thickness >= f64::from(OPEN_RADIUS) * 2.0 && length >= 3.0).then(|| Piece {
                along0: f64::from(c.x0),
                along1: f64::from(c.x1),
                centre: f64::from(c.y0 + c.y1) / 2.0,
                thickness,
                fill: c.area as f64 / (length * f64::from(c.height())),
            })
        })
        .collect()
}

/// Joins collinear pieces into lines: across gaps no wider than a crossing wall they are one
/// piece; across gaps up to a third of the building's smaller side they are one line with a
/// gap (a door, a window, or a passage the opening detector rules on); beyond, two lines.
fn join(pieces: &mut [Piece], axis: Axis, max_thickness: f64, span: f64) -> Vec<WallLine> {
    pieces.sort_by(|a, b| a.centre.total_cmp(&b.centre));
    let mut bands: Vec<Vec<Piece>> = Vec::new();
    for p in pieces.iter() {
        let fits = bands.last().is_some_and(|band| {
            let last = band.last().expect("bands are never empty");
            let t = last.thickness.max(p.thickness);
            (p.centre - last.centre).abs() <= t / 2.0
                && p.thickness.max(last.thickness) <= 1.7 * p.thickness.min(last.thickness)
        });
        match bands.last_mut() {
            Some(band) if fits => band.push(*p),
            _ => bands.push(vec![*p]),
        }
    }
    let mut lines = Vec::new();
    for mut band in bands {
        band.sort_by(|a, b| a.along0.total_cmp(&b.along0));
        let mut current: Vec<Piece> = Vec::new();
        for p in band {
            match current.last_mut() {
                Some(last) if p.along0 - last.along1 <= 1.5 * max_thickness => {
                    let (a, b) = (last.along1 - last.along0, p.along1 - p.along0);
                    let merged = Piece {
                        along0: last.along0,
                        along1: p.along1.max(last.along1),
                        centre: (last.centre * a + p.centre * b) / (a + b),
                        thickness: (last.thickness * a + p.thickness * b) / (a + b),
                        fill: (last.fill * a + p.fill * b) / (a + b),
                    };
                    *last = merged;
                }
                Some(last) if p.along0 - last.along1 <= span / 3.0 => current.push(p),
                Some(_) => {
                    lines.push(WallLine {
                        axis,
                        pieces: std::mem::take(&mut current),
                    });
                    current.push(p);
                }
                None => current.push(p),
            }
        }
        if !current.is_empty() {
            lines.push(WallLine {
                axis,
                pieces: current,
            });
        }
    }
    // A line no longer than it is thick is a junction corner or debris, not a wall.
    lines.retain(|l| {
        let length: f64 = l.pieces.iter().map(|p| p.along1 - p.along0).sum();
        length >= 1.2 * l.thickness()
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_with_a_gap_is_four_lines_one_with_a_gap() {
        let mut ink = Mask::new(300, 200);
        ink.fill(20, 20, 280, 32, true); // top
        ink.fill(20, 168, 120, 180, true); // bottom, left of the gap
        ink.fill(170, 168, 280, 180, true); // bottom, right of it
        ink.fill(20, 20, 32, 180, true); // left
        ink.fill(268, 20, 280, 180, true); // right
        ink.fill(60, 60, 200, 62, true); // a thin line: not a wall
        let walls = find(&ink).unwrap();
        assert_eq!(walls.bounds, (20, 20, 280, 180));
        assert_eq!(walls.lines.len(), 4, "{:?}", walls.lines);
        let bottom = walls
            .lines
            .iter()
            .find(|l| l.axis == Axis::Horizontal && l.centre() > 150.0)
            .unwrap();
        assert_eq!(bottom.gaps().collect::<Vec<_>>(), vec![(120.0, 170.0)]);
        assert!((bottom.thickness() - 12.0).abs() < 0.5);
    }
}
