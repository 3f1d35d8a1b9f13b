//! A room seen from its own frame: its outline turned so that its longest wall runs along x,
//! rasterised into square cells that remember what stands on them. Placement searches and the
//! path search of the rules both run on it.

use geo::{Contains, Coord, Intersects, LineString, Point, Polygon};

/// What a cell holds (bit flags).
pub const OUTSIDE: u8 = 1;
pub const WALL: u8 = 2;
pub const SWING: u8 = 4;
pub const FURNITURE: u8 = 8;
pub const ZONE: u8 = 16;
/// Near a window: no tall furniture.
pub const WINDOW_BAND: u8 = 32;
/// Movable seating: walkable for the path search, but no other item stands there.
pub const SEAT: u8 = 64;

/// A rotation of the plane (radians, counter-clockwise), mapping plan coordinates into the
/// room's frame and back.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub angle: f64,
}

impl Frame {
    pub fn to_local(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        let (s, c) = (-self.angle).sin_cos();
        [x * c - y * s, x * s + y * c]
    }

    pub fn to_plan(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        let (s, c) = self.angle.sin_cos();
        [x * c - y * s, x * s + y * c]
    }
}

/// An axis-aligned rectangle in a room's frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn centred(cx: f64, cy: f64, w: f64, d: f64) -> Rect {
        Rect {
            x0: cx - w / 2.0,
            y0: cy - d / 2.0,
            x1: cx + w / 2.0,
            y1: cy + d / 2.0,
        }
    }

    pub fn shift(&self, dx: f64, dy: f64) -> Rect {
        Rect {
            x0: self.x0 + dx,
            y0: self.y0 + dy,
            x1: self.x1 + dx,
            y1: self.y1 + dy,
        }
    }

    /// Turned by `quarter` quarter turns counter-clockwise around the origin.
    pub fn turn(&self, quarter: u8) -> Rect {
        let corners = [[self.x0, self.y0], [self.x1, self.y1]].map(|p| turn_point(p, quarter));
        Rect {
            x0: corners[0][0].min(corners[1][0]),
            y0: corners[0][1].min(corners[1][1]),
            x1: corners[0][0].max(corners[1][0]),
            y1: corners[0][1].max(corners[1][1]),
        }
    }

    pub fn union(&self, other: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    pub fn grow(&self, by: f64) -> Rect {
        Rect {
            x0: self.x0 - by,
            y0: self.y0 - by,
            x1: self.x1 + by,
            y1: self.y1 + by,
        }
    }

    pub fn centre(&self) -> [f64; 2] {
        [(self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0]
    }

    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    pub fn depth(&self) -> f64 {
        self.y1 - self.y0
    }

    /// The rectangle as a polygon in plan coordinates.
    pub fn to_plan(&self, frame: &Frame) -> Polygon<f64> {
        let points: Vec<Coord<f64>> = [
            [self.x0, self.y0],
            [self.x1, self.y0],
            [self.x1, self.y1],
            [self.x0, self.y1],
        ]
        .iter()
        .map(|p| {
            let [x, y] = frame.to_plan(*p);
            Coord { x, y }
        })
        .collect();
        Polygon::new(LineString::from(points), vec![])
    }
}

pub fn turn_point([x, y]: [f64; 2], quarter: u8) -> [f64; 2] {
    match quarter % 4 {
        0 => [x, y],
        1 => [-y, x],
        2 => [-x, -y],
        _ => [y, -x],
    }
}

/// Cells of a room in its frame. Cell (i, j) covers `[ox + i·cell, ox + (i+1)·cell)` in x.
#[derive(Debug, Clone)]
pub struct Grid {
    pub ox: f64,
    pub oy: f64,
    pub cell: f64,
    pub nx: usize,
    pub ny: usize,
    pub flags: Vec<u8>,
}

/// Cells whose square a rectangle touches are claimed by it; a rectangle that only touches a
/// cell's edge (within this tolerance) does not claim it.
const EDGE: f64 = 1e-6;

impl Grid {
    /// The room's outline rasterised: a cell is inside when its whole square is (its four
    /// corners inside the outline and no outline corner strictly within it).
    pub fn new(outline: &Polygon<f64>, cell: f64) -> Grid {
        use geo::BoundingRect;
        let bounds = outline.bounding_rect().expect("a room has corners");
        let (ox, oy) = (bounds.min().x, bounds.min().y);
        let nx = (((bounds.max().x - ox) / cell).ceil() as usize).max(1);
        let ny = (((bounds.max().y - oy) / cell).ceil() as usize).max(1);
        // Corner points (nx+1) x (ny+1), each tested once.
        let mut corner_inside = vec![false; (nx + 1) * (ny + 1)];
        for j in 0..=ny {
            for i in 0..=nx {
                let p = Point::new(ox + i as f64 * cell, oy + j as f64 * cell);
                corner_inside[j * (nx + 1) + i] =
                    outline.contains(&p) || outline.exterior().intersects(&p);
            }
        }
        let mut flags = vec![0u8; nx * ny];
        for j in 0..ny {
            for i in 0..nx {
                let c = |di: usize, dj: usize| corner_inside[(j + dj) * (nx + 1) + i + di];
                if !(c(0, 0) && c(1, 0) && c(0, 1) && c(1, 1)) {
                    flags[j * nx + i] = OUTSIDE;
                }
            }
        }
        // A reflex corner can poke into a cell whose four corners are inside.
        for p in outline.exterior().points() {
            let fi = (p.x() - ox) / cell;
            let fj = (p.y() - oy) / cell;
            let (i, j) = (fi.floor(), fj.floor());
            if fi - i > EDGE && fj - j > EDGE && i >= 0.0 && j >= 0.0 {
                let (i, j) = (i as usize, j as usize);
                if i < nx && j < ny {
                    flags[j * nx + i] |= OUTSIDE;
                }
            }
        }
        Grid {
            ox,
            oy,
            cell,
            nx,
            ny,
            flags,
        }
    }

    /// The range of cells a rectangle claims, clipped to the grid; `None` when it reaches
    /// beyond the grid (so beyond the room).
    pub fn cells_of(&self, r: &Rect) -> Option<(usize, usize, usize, usize)> {
        let i0 = ((r.x0 - self.ox) / self.cell + EDGE).floor();
        let j0 = ((r.y0 - self.oy) / self.cell + EDGE).floor();
        let i1 = ((r.x1 - self.ox) / self.cell - EDGE).ceil();
        let j1 = ((r.y1 - self.oy) / self.cell - EDGE).ceil();
        if i0 < 0.0 || j0 < 0.0 || i1 > self.nx as f64 || j1 > self.ny as f64 || i1 <= i0 {
            return None;
        }
        Some((i0 as usize, j0 as usize, i1 as usize, j1 as usize))
    }

    /// Like [`Grid::cells_of`] but clipped instead of refused.
    pub fn cells_clipped(&self, r: &Rect) -> Option<(usize, usize, usize, usize)> {
        let clip = |v: f64, n: usize| v.max(0.0).min(n as f64) as usize;
        let i0 = clip(((r.x0 - self.ox) / self.cell + EDGE).floor(), self.nx);
        let j0 = clip(((r.y0 - self.oy) / self.cell + EDGE).floor(), self.ny);
        let i1 = clip(((r.x1 - self.ox) / self.cell - EDGE).ceil(), self.nx);
        let j1 = clip(((r.y1 - self.oy) / self.cell - EDGE).ceil(), self.ny);
        (i1 > i0 && j1 > j0).then_some((i0, j0, i1, j1))
    }

    pub fn mark(&mut self, r: &Rect, flag: u8) {
        if let Some((i0, j0, i1, j1)) = self.cells_clipped(r) {
            for j in j0..j1 {
                for cell in &mut self.flags[j * self.nx + i0..j * self.nx + i1] {
                    *cell |= flag;
                }
            }
        }
    }

    /// Marks every cell a polygon (given in the room's frame) overlaps, and returns them.
    pub fn mark_polygon(&mut self, polygon: &Polygon<f64>, flag: u8) -> Vec<usize> {
        let cells = self.cells_in(polygon);
        for &c in &cells {
            self.flags[c] |= flag;
        }
        cells
    }

    /// The cells a polygon (given in the room's frame) overlaps; touching an edge is not
    /// overlapping.
    pub fn cells_in(&self, polygon: &Polygon<f64>) -> Vec<usize> {
        use geo::BoundingRect;
        let mut marked = Vec::new();
        let Some(bounds) = polygon.bounding_rect() else {
            return marked;
        };
        let r = Rect {
            x0: bounds.min().x,
            y0: bounds.min().y,
            x1: bounds.max().x,
            y1: bounds.max().y,
        }
        .grow(self.cell);
        let Some((i0, j0, i1, j1)) = self.cells_clipped(&r) else {
            return marked;
        };
        let side = self.cell - 2.0 * EDGE;
        for j in j0..j1 {
            for i in i0..i1 {
                let (x, y) = self.centre(i, j);
                let square = Rect::centred(x, y, side, side).to_plan(&Frame { angle: 0.0 });
                if polygon.intersects(&square) {
                    marked.push(j * self.nx + i);
                }
            }
        }
        marked
    }

    pub fn centre(&self, i: usize, j: usize) -> (f64, f64) {
        (
            self.ox + (i as f64 + 0.5) * self.cell,
            self.oy + (j as f64 + 0.5) * self.cell,
        )
    }

    /// Summed-area table of the cells having any of `mask`: `(nx+1) x (ny+1)`.
    pub fn summed(&self, mask: u8) -> Summed {
        let w = self.nx + 1;
        let mut sums = vec![0u32; w * (self.ny + 1)];
        for j in 0..self.ny {
            let mut row = 0u32;
            for i in 0..self.nx {
                row += u32::from(self.flags[j * self.nx + i] & mask != 0);
                sums[(j + 1) * w + i + 1] = sums[j * w + i + 1] + row;
            }
        }
        Summed { w, sums }
    }

    /// Distance (in cells) from each cell's centre to the nearest cell having any of `mask`
    /// or the grid's border, exact Euclidean (Felzenszwalb and Huttenlocher's two passes).
    pub fn clearance(&self, mask: u8) -> Vec<f32> {
        let (nx, ny) = (self.nx + 2, self.ny + 2);
        // A one-cell border of obstacles around the grid.
        let inf = 1e12f64;
        let mut f = vec![inf; nx * ny];
        for j in 0..ny {
            for i in 0..nx {
                let border = i == 0 || j == 0 || i == nx - 1 || j == ny - 1;
                if border || self.flags[(j - 1) * self.nx + (i - 1)] & mask != 0 {
                    f[j * nx + i] = 0.0;
                }
            }
        }
        let mut column = vec![0.0; ny.max(nx)];
        let mut out = vec![0.0; ny.max(nx)];
        for i in 0..nx {
            for j in 0..ny {
                column[j] = f[j * nx + i];
            }
            edt_1d(&column[..ny], &mut out[..ny]);
            for j in 0..ny {
                f[j * nx + i] = out[j];
            }
        }
        for j in 0..ny {
            edt_1d(&f[j * nx..(j + 1) * nx], &mut out[..nx]);
            f[j * nx..(j + 1) * nx].copy_from_slice(&out[..nx]);
        }
        let mut d = vec![0f32; self.nx * self.ny];
        for j in 0..self.ny {
            for i in 0..self.nx {
                d[j * self.nx + i] = (f[(j + 1) * nx + i + 1]).sqrt() as f32;
            }
        }
        d
    }

    /// Cells reachable from `sources` through cells whose clearance (in cells, from
    /// [`Grid::clearance`]) is at least `radius_cells` (4-connected).
    pub fn reach(&self, clearance: &[f32], radius_cells: f32, sources: &[usize]) -> Vec<bool> {
        let mut seen = vec![false; self.nx * self.ny];
        let mut queue = std::collections::VecDeque::new();
        for &s in sources {
            if clearance[s] >= radius_cells && !seen[s] {
                seen[s] = true;
                queue.push_back(s);
            }
        }
        while let Some(c) = queue.pop_front() {
            let (i, j) = (c % self.nx, c / self.nx);
            let mut visit = |n: usize| {
                if !seen[n] && clearance[n] >= radius_cells {
                    seen[n] = true;
                    queue.push_back(n);
                }
            };
            if i > 0 {
                visit(c - 1);
            }
            if i + 1 < self.nx {
                visit(c + 1);
            }
            if j > 0 {
                visit(c - self.nx);
            }
            if j + 1 < self.ny {
                visit(c + self.nx);
            }
        }
        seen
    }
}

/// Squared distance transform of a sampled function along one line.
fn edt_1d(f: &[f64], d: &mut [f64]) {
    let n = f.len();
    let mut v = vec![0usize; n];
    let mut z = vec![0f64; n + 1];
    let mut k = 0usize;
    z[0] = f64::NEG_INFINITY;
    z[1] = f64::INFINITY;
    for q in 1..n {
        loop {
            let p = v[k];
            let s =
                ((f[q] + (q * q) as f64) - (f[p] + (p * p) as f64)) / (2.0 * (q as f64 - p as f64));
            if s <= z[k] && k > 0 {
                k -= 1;
            } else if s <= z[k] {
                // k == 0 and the new parabola dominates from the start.
                v[0] = q;
                z[1] = f64::INFINITY;
                break;
            } else {
                k += 1;
                v[k] = q;
                z[k] = s;
                z[k + 1] = f64::INFINITY;
                break;
            }
        }
    }
    k = 0;
    for (q, out) in d.iter_mut().enumerate().take(n) {
        while z[k + 1] < q as f64 {
            k += 1;
        }
        let p = v[k];
        *out = (q as f64 - p as f64).powi(2) + f[p];
    }
}

/// Counts of flagged cells over rectangles in constant time.
pub struct Summed {
    w: usize,
    sums: Vec<u32>,
}

impl Summed {
    pub fn count(&self, (i0, j0, i1, j1): (usize, usize, usize, usize)) -> u32 {
        let s = |i: usize, j: usize| self.sums[j * self.w + i];
        s(i1, j1) + s(i0, j0) - s(i0, j1) - s(i1, j0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(n: f64) -> Polygon<f64> {
        Polygon::new(
            LineString::from(vec![(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)]),
            vec![],
        )
    }

    #[test]
    fn an_l_shaped_room_keeps_its_notch_outside() {
        let l = Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (4.0, 0.0),
                (4.0, 2.0),
                (2.0, 2.0),
                (2.0, 4.0),
                (0.0, 4.0),
            ]),
            vec![],
        );
        let grid = Grid::new(&l, 0.5);
        assert_eq!((grid.nx, grid.ny), (8, 8));
        let inside = grid.flags.iter().filter(|f| **f & OUTSIDE == 0).count();
        assert_eq!(inside, 48, "12 m² of 0.25 m² cells");
        assert_eq!(grid.flags[7 * 8 + 7], OUTSIDE, "the notch's corner");
        assert_eq!(grid.flags[0], 0);
    }

    #[test]
    fn clearance_is_the_euclidean_distance_to_the_nearest_obstacle() {
        let mut grid = Grid::new(&square(10.0), 1.0);
        grid.mark(&Rect::centred(5.5, 5.5, 1.0, 1.0), FURNITURE);
        let d = grid.clearance(FURNITURE);
        // The border counts as an obstacle one cell beyond the grid.
        assert_eq!(d[0], 1.0);
        assert_eq!(d[5 * 10 + 5], 0.0);
        assert_eq!(
            d[5 * 10 + 8],
            2.0,
            "two cells right of the obstacle, two from the wall"
        );
        assert!((d[7 * 10 + 7] - 8f32.sqrt()).abs() < 1e-6, "{}", d[77]);
    }

    #[test]
    fn reach_stops_at_narrow_gaps() {
        let mut grid = Grid::new(&square(10.0), 1.0);
        // A wall across the room with a one-cell gap.
        for i in 0..10 {
            if i != 4 {
                grid.mark(&Rect::centred(i as f64 + 0.5, 5.5, 1.0, 1.0), WALL);
            }
        }
        let d = grid.clearance(WALL);
        let wide = grid.reach(&d, 1.0, &[0]);
        assert!(wide[9 * 10 + 9], "a cell-wide gap lets one cell through");
        let narrow = grid.reach(&d, 1.5, &[10 * 2 + 2]);
        assert!(
            narrow[10 * 2 + 2] && !narrow[8 * 10 + 4],
            "but not a wider walker"
        );
    }

    #[test]
    fn summed_counts_and_rectangle_cells() {
        let mut grid = Grid::new(&square(4.0), 0.5);
        grid.mark(&Rect::centred(1.0, 1.0, 1.0, 1.0), FURNITURE);
        let s = grid.summed(FURNITURE);
        assert_eq!(
            grid.cells_of(&Rect::centred(1.0, 1.0, 1.0, 1.0)),
            Some((1, 1, 3, 3))
        );
        assert_eq!(s.count((0, 0, 8, 8)), 4);
        assert_eq!(s.count((2, 2, 8, 8)), 1);
        assert_eq!(
            grid.cells_of(&Rect::centred(4.0, 1.0, 1.0, 1.0)),
            None,
            "beyond the room"
        );
    }
}
