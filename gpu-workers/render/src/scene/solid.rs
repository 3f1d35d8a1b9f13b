//! Every piece of built geometry is a vertical prism: a footprint polygon in plan, extruded
//! between two heights. Walls, floors, ceilings and furniture stand-ins are all prisms, which
//! keeps the coplanarity check exact.
//!
//! Cycles renders two visible faces that lie in one plane as black speckles (each ray hits
//! either at random). [`resolve_coplanar`] finds every pair of same-facing faces closer than
//! [`COPLANAR_M`] that overlap, and moves one of them inward by [`NUDGE_M`].

use geo::{Area, BooleanOps, Coord, LineString, Polygon};

use super::MeshSpec;

/// Faces nearer than this are treated as one plane.
pub const COPLANAR_M: f64 = 0.001;
/// How far a conflicting face is moved: twice the tolerance, invisible at room scale.
pub const NUDGE_M: f64 = 0.002;
/// Overlaps smaller than this (1 mm²) do not show.
const MIN_OVERLAP_M2: f64 = 1e-6;

#[derive(Debug, Clone, PartialEq)]
pub struct Solid {
    pub name: String,
    pub material: String,
    /// Corners in plan, counter-clockwise.
    pub footprint: Vec<[f64; 2]>,
    pub bottom: f64,
    pub top: f64,
}

impl Solid {
    /// A prism over `footprint` given in any winding.
    pub fn prism(
        name: impl Into<String>,
        material: impl Into<String>,
        mut footprint: Vec<[f64; 2]>,
        bottom: f64,
        top: f64,
    ) -> Self {
        if signed_area(&footprint) < 0.0 {
            footprint.reverse();
        }
        Self {
            name: name.into(),
            material: material.into(),
            footprint,
            bottom,
            top,
        }
    }

    /// A box centred at `(x, y)` in plan, `size` wide (x) and deep (y) before turning by
    /// `angle` radians counter-clockwise, between `bottom` and `top`.
    #[allow(clippy::too_many_arguments)]
    pub fn cuboid(
        name: impl Into<String>,
        material: impl Into<String>,
        centre: [f64; 2],
        size: [f64; 2],
        angle: f64,
        bottom: f64,
        top: f64,
    ) -> Self {
        let (sin, cos) = angle.sin_cos();
        let [hx, hy] = [size[0] / 2.0, size[1] / 2.0];
        let footprint = [[-hx, -hy], [hx, -hy], [hx, hy], [-hx, hy]]
            .iter()
            .map(|[x, y]| [centre[0] + x * cos - y * sin, centre[1] + x * sin + y * cos])
            .collect();
        Self::prism(name, material, footprint, bottom, top)
    }

    fn polygon(&self) -> Polygon<f64> {
        Polygon::new(
            LineString::from(
                self.footprint
                    .iter()
                    .map(|[x, y]| Coord { x: *x, y: *y })
                    .collect::<Vec<_>>(),
            ),
            vec![],
        )
    }

    fn bounds(&self) -> [f64; 6] {
        let xs = self.footprint.iter().map(|p| p[0]);
        let ys = self.footprint.iter().map(|p| p[1]);
        [
            xs.clone().fold(f64::INFINITY, f64::min),
            ys.clone().fold(f64::INFINITY, f64::min),
            self.bottom,
            xs.fold(f64::NEG_INFINITY, f64::max),
            ys.fold(f64::NEG_INFINITY, f64::max),
            self.top,
        ]
    }

    /// Side `i` runs from corner `i` to corner `i + 1`.
    fn side(&self, i: usize) -> ([f64; 2], [f64; 2]) {
        let n = self.footprint.len();
        (self.footprint[i], self.footprint[(i + 1) % n])
    }

    /// The mesh Blender builds: top, bottom and one quad per side, all facing outward.
    pub fn mesh(&self) -> MeshSpec {
        let n = self.footprint.len();
        let mut vertices: Vec<[f64; 3]> = self
            .footprint
            .iter()
            .map(|[x, y]| [*x, *y, self.bottom])
            .collect();
        vertices.extend(self.footprint.iter().map(|[x, y]| [*x, *y, self.top]));
        let mut faces = vec![(0..n).rev().collect::<Vec<_>>(), (n..2 * n).collect()];
        for i in 0..n {
            let j = (i + 1) % n;
            faces.push(vec![i, j, n + j, n + i]);
        }
        MeshSpec {
            name: self.name.clone(),
            material: self.material.clone(),
            vertices: vertices
                .into_iter()
                .map(|v| v.map(|c| (c * 1e5).round() / 1e5))
                .collect(),
            faces,
        }
    }
}

fn signed_area(points: &[[f64; 2]]) -> f64 {
    let n = points.len();
    (0..n)
        .map(|i| {
            let (a, b) = (points[i], points[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum::<f64>()
        / 2.0
}

/// Which face of a solid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Top,
    Bottom,
    Side(usize),
}

/// Two same-facing faces in one plane that overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub first: usize,
    pub second: usize,
    /// The face of `second` (moved by [`resolve_coplanar`]).
    pub face: Face,
}

fn boxes_touch(a: [f64; 6], b: [f64; 6]) -> bool {
    (0..3).all(|k| a[k] <= b[k + 3] + COPLANAR_M && b[k] <= a[k + 3] + COPLANAR_M)
}

fn footprints_overlap(a: &Solid, b: &Solid) -> bool {
    a.polygon().intersection(&b.polygon()).unsigned_area() > MIN_OVERLAP_M2
}

/// Outward unit normal and unit direction of side `(p, q)` of a counter-clockwise footprint.
fn side_frame((p, q): ([f64; 2], [f64; 2])) -> Option<([f64; 2], [f64; 2], f64)> {
    let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
    let length = (dx * dx + dy * dy).sqrt();
    (length > 1e-9).then(|| {
        (
            [dy / length, -dx / length],
            [dx / length, dy / length],
            length,
        )
    })
}

fn sides_conflict(a: ([f64; 2], [f64; 2]), b: ([f64; 2], [f64; 2])) -> bool {
    let (Some((na, da, la)), Some((nb, _, _))) = (side_frame(a), side_frame(b)) else {
        return false;
    };
    // Same outward direction, and b's side lies on a's plane.
    if na[0] * nb[0] + na[1] * nb[1] < 0.9999 {
        return false;
    }
    let offset = |p: [f64; 2]| (p[0] - a.0[0]) * na[0] + (p[1] - a.0[1]) * na[1];
    if offset(b.0).abs() > COPLANAR_M || offset(b.1).abs() > COPLANAR_M {
        return false;
    }
    let along = |p: [f64; 2]| (p[0] - a.0[0]) * da[0] + (p[1] - a.0[1]) * da[1];
    let (s, e) = (along(b.0), along(b.1));
    let overlap = s.max(e).min(la) - s.min(e).max(0.0);
    overlap > COPLANAR_M
}

/// Every coplanar overlap between two solids of `solids`.
pub fn coplanar_conflicts(solids: &[Solid]) -> Vec<Conflict> {
    let bounds: Vec<[f64; 6]> = solids.iter().map(Solid::bounds).collect();
    let mut conflicts = Vec::new();
    for i in 0..solids.len() {
        for j in i + 1..solids.len() {
            if !boxes_touch(bounds[i], bounds[j]) {
                continue;
            }
            let (a, b) = (&solids[i], &solids[j]);
            let horizontal = [
                (Face::Top, (a.top - b.top).abs()),
                (Face::Bottom, (a.bottom - b.bottom).abs()),
            ];
            for (face, gap) in horizontal {
                if gap < COPLANAR_M && footprints_overlap(a, b) {
                    conflicts.push(Conflict {
                        first: i,
                        second: j,
                        face,
                    });
                }
            }
            let heights_overlap = a.top.min(b.top) - a.bottom.max(b.bottom) > COPLANAR_M;
            if !heights_overlap {
                continue;
            }
            for si in 0..a.footprint.len() {
                for sj in 0..b.footprint.len() {
                    if sides_conflict(a.side(si), b.side(sj)) {
                        conflicts.push(Conflict {
                            first: i,
                            second: j,
                            face: Face::Side(sj),
                        });
                    }
                }
            }
        }
    }
    conflicts
}

/// Moves one face of every conflicting pair inward until no two visible faces share a
/// plane; returns how many faces were moved.
pub fn resolve_coplanar(solids: &mut [Solid]) -> usize {
    let mut moved = 0;
    // Each pass moves faces by NUDGE_M; a face can meet a new neighbour, so a few passes.
    for _ in 0..4 {
        let conflicts = coplanar_conflicts(solids);
        if conflicts.is_empty() {
            break;
        }
        for conflict in conflicts {
            let solid = &mut solids[conflict.second];
            match conflict.face {
                Face::Top => solid.top -= NUDGE_M,
                Face::Bottom => solid.bottom += NUDGE_M,
                Face::Side(i) => {
                    let Some((normal, _, _)) = side_frame(solid.side(i)) else {
                        continue;
                    };
                    let n = solid.footprint.len();
                    for k in [i, (i + 1) % n] {
                        solid.footprint[k][0] -= normal[0] * NUDGE_M;
                        solid.footprint[k][1] -= normal[1] * NUDGE_M;
                    }
                }
            }
            moved += 1;
        }
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cube(name: &str, x: f64, size: f64, top: f64) -> Solid {
        Solid::cuboid(name, "m", [x, 0.0], [size, size], 0.0, 0.0, top)
    }

    #[test]
    fn finds_shared_tops_and_sides_and_resolves_them() {
        // Two boxes side by side with the same height and flush front and back faces.
        let mut solids = vec![cube("a", 0.0, 1.0, 1.0), cube("b", 0.5, 1.0, 1.0)];
        let conflicts = coplanar_conflicts(&solids);
        let faces: Vec<Face> = conflicts.iter().map(|c| c.face).collect();
        assert!(faces.contains(&Face::Top) && faces.contains(&Face::Bottom));
        assert_eq!(
            faces.iter().filter(|f| matches!(f, Face::Side(_))).count(),
            2,
            "front and back faces are flush: {faces:?}"
        );
        assert!(resolve_coplanar(&mut solids) >= 4);
        assert!(coplanar_conflicts(&solids).is_empty());
        assert!((solids[1].top - (1.0 - NUDGE_M)).abs() < 1e-12);
    }

    #[test]
    fn faces_that_touch_back_to_back_or_only_at_an_edge_are_fine() {
        // A box standing on a slab (bottom against top) and a box beside it, touching.
        let slab = Solid::cuboid("floor", "m", [0.0, 0.0], [4.0, 4.0], 0.0, -0.1, 0.0);
        let solids = vec![slab, cube("a", 0.0, 1.0, 1.0), cube("b", 1.0, 1.0, 0.5)];
        assert_eq!(coplanar_conflicts(&solids), vec![]);
    }

    #[test]
    fn turned_boxes_are_checked_in_their_own_planes() {
        let angle = 30f64.to_radians();
        let a = Solid::cuboid("a", "m", [0.0, 0.0], [2.0, 1.0], angle, 0.0, 1.0);
        // The same box moved along its own x axis: its long sides stay in a's planes.
        let shift = [angle.cos() * 1.0, angle.sin() * 1.0];
        let b = Solid::cuboid("b", "m", shift, [2.0, 1.0], angle, 0.0, 0.7);
        let sides = coplanar_conflicts(&[a, b])
            .into_iter()
            .filter(|c| matches!(c.face, Face::Side(_)))
            .count();
        assert_eq!(sides, 2);
    }

    #[test]
    fn meshes_are_closed_and_face_outward() {
        let mesh = cube("a", 0.0, 1.0, 1.0).mesh();
        assert_eq!(mesh.vertices.len(), 8);
        assert_eq!(mesh.faces.len(), 6);
        // The bottom is wound clockwise seen from above, so its normal points down.
        assert_eq!(mesh.faces[0], vec![3, 2, 1, 0]);
    }
}
