//! Doors and windows: what is drawn in the gaps of a wall line.
//!
//! A window is glazing drawn as thin lines running the whole width of the gap inside the
//! wall's band (two faces and usually a middle line). A door leaves the band empty and shows
//! its leaf (a line square to the wall at one jamb) and its swing (a quarter circle about the
//! hinge reaching the other jamb). Each of the four hinge and swing-side placements is scored
//! by how much of the expected leaf and arc is actually inked.

use crate::{
    ink::Mask,
    walls::{Axis, WallLine, Walls},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Door,
    Window,
}

/// An opening found in a gap of a wall line, in page pixels along the line.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    pub line: usize,
    /// The gap's place on the line: between pieces `gap` and `gap + 1`.
    pub gap: usize,
    pub kind: Kind,
    pub from: f64,
    pub to: f64,
    pub confidence: f64,
}

/// Lowest score that counts as a door or a window.
pub(crate) const MIN_SCORE: f64 = 0.6;
/// Ink searched for within this many pixels of where a line is expected.
const REACH: i64 = 2;

/// A point `along` the line and `across` from its centre, in page coordinates.
fn point(axis: Axis, centre: f64, along: f64, across: f64) -> (f64, f64) {
    match axis {
        Axis::Horizontal => (along, centre + across),
        Axis::Vertical => (centre + across, along),
    }
}

/// Every door and window in the gaps of the lines.
pub fn find(ink: &Mask, walls: &Walls) -> Vec<Found> {
    let mut found = Vec::new();
    for (index, line) in walls.lines.iter().enumerate() {
        let (centre, thickness) = (line.centre(), line.thickness());
        for (gap, span) in line.gaps().enumerate() {
            let Some((from, to)) = clear_span(&walls.mask, line, span) else {
                continue;
            };
            let window = window_score(ink, line.axis, centre, thickness, from, to);
            let door = door_score(ink, line.axis, centre, thickness, from, to);
            let (kind, score) = if window >= door {
                (Kind::Window, window)
            } else {
                (Kind::Door, door)
            };
            if score >= MIN_SCORE {
                found.push(Found {
                    line: index,
                    gap,
                    kind,
                    from,
                    to,
                    confidence: score.min(1.0),
                });
            }
        }
    }
    found
}

/// The part of a gap where the wall band is really empty: a crossing wall that ends in the
/// band (a partition meeting the wall right at a door jamb) took pixels of the gap's end.
fn clear_span(mask: &Mask, line: &WallLine, (from, to): (f64, f64)) -> Option<(f64, f64)> {
    let (centre, thickness) = (line.centre(), line.thickness());
    let rows = [centre - thickness / 4.0, centre, centre + thickness / 4.0];
    let open = |a: i64| {
        rows.iter().all(|&c| {
            let c = c.round() as i64;
            match line.axis {
                Axis::Horizontal => !mask.get(a, c),
                Axis::Vertical => !mask.get(c, a),
            }
        })
    };
    let (mut best, mut run_start) = (None::<(i64, i64)>, None::<i64>);
    let (a0, a1) = (from.floor() as i64, to.ceil() as i64);
    for a in a0..=a1 {
        match (open(a) && a < a1, run_start) {
            (true, None) => run_start = Some(a),
            (false, Some(s)) => {
                if best.is_none_or(|(b0, b1)| a - s > b1 - b0) {
                    best = Some((s, a));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    let (s, e) = best?;
    ((e - s) as f64 >= 1.5 * thickness.max(4.0)).then_some((s as f64, e as f64))
}

/// Glazing: rows of the band (with a little margin for lines drawn on the faces) inked across
/// the whole gap, counted as separate lines.
fn window_score(ink: &Mask, axis: Axis, centre: f64, thickness: f64, from: f64, to: f64) -> f64 {
    let half = thickness / 2.0 + 2.0;
    let (a0, a1) = (from.round() as i64 + 2, to.round() as i64 - 2);
    if a1 <= a0 {
        return 0.0;
    }
    let mut lines = 0;
    let mut in_line = false;
    let mut coverage_sum = 0.0;
    let c0 = (centre - half).round() as i64;
    let c1 = (centre + half).round() as i64;
    for across in c0..=c1 {
        let covered = (a0..a1)
            .filter(|&a| match axis {
                Axis::Horizontal => ink.get(a, across),
                Axis::Vertical => ink.get(across, a),
            })
            .count() as f64
            / (a1 - a0) as f64;
        let is_line = covered >= 0.85;
        if is_line && !in_line {
            lines += 1;
            coverage_sum += covered;
        }
        in_line = is_line;
    }
    match lines {
        0 | 1 => 0.0,
        n => (0.6 + 0.2 * f64::from(n - 2)).min(1.0) * (coverage_sum / f64::from(n)),
    }
}

/// The best of the four leaf-and-swing placements.
pub(crate) fn door_score(
    ink: &Mask,
    axis: Axis,
    centre: f64,
    thickness: f64,
    from: f64,
    to: f64,
) -> f64 {
    let radius = to - from;
    let mut best: f64 = 0.0;
    for (hinge, other) in [(from, to), (to, from)] {
        let toward = (other - hinge).signum();
        for side in [-1.0, 1.0] {
            let face = side * thickness / 2.0;
            let hit = |along: f64, across: f64| {
                let (x, y) = point(axis, centre, along, across);
                ink.near(x, y, REACH)
            };
            let arc = (0..16)
                .filter(|i| {
                    let phi = (10.0 + 70.0 * f64::from(*i) / 15.0).to_radians();
                    hit(
                        hinge + toward * radius * phi.sin(),
                        face + side * radius * phi.cos(),
                    )
                })
                .count() as f64
                / 16.0;
            let leaf = (0..8)
                .filter(|i| hit(hinge, face + side * radius * (0.2 + 0.1 * f64::from(*i))))
                .count() as f64
                / 8.0;
            best = best.max(0.6 * arc + 0.4 * leaf);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walls;

    /// A walled box split by a wall with an 80 px gap at x 150..230.
    fn wall_with_gap() -> Mask {
        let mut ink = Mask::new(400, 300);
        ink.fill(8, 8, 392, 20, true);
        ink.fill(8, 280, 392, 292, true);
        ink.fill(8, 8, 20, 292, true);
        ink.fill(380, 8, 392, 292, true);
        ink.fill(20, 140, 150, 152, true);
        ink.fill(230, 140, 380, 152, true);
        ink
    }

    #[test]
    fn glazing_lines_make_a_window() {
        let mut ink = wall_with_gap();
        for y in [140, 146, 151] {
            ink.fill(150, y, 230, y + 1, true);
        }
        let found = find(&ink, &walls::find(&ink).unwrap());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Kind::Window);
        assert_eq!((found[0].from, found[0].to), (150.0, 230.0));
    }

    #[test]
    fn a_leaf_and_swing_make_a_door() {
        let mut ink = wall_with_gap();
        // Hinge at the left jamb on the lower face, leaf down, swing to the right jamb.
        ink.fill(150, 152, 152, 232, true);
        for i in 0..=200 {
            let phi = f64::from(i) / 200.0 * std::f64::consts::FRAC_PI_2;
            let (x, y) = (150.0 + 80.0 * phi.sin(), 152.0 + 80.0 * phi.cos());
            ink.fill(x as i64, y as i64, x as i64 + 1, y as i64 + 1, true);
        }
        let found = find(&ink, &walls::find(&ink).unwrap());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, Kind::Door);
        assert!(found[0].confidence > 0.9);
    }

    #[test]
    fn an_empty_gap_is_a_passage_not_an_opening() {
        let ink = wall_with_gap();
        assert!(find(&ink, &walls::find(&ink).unwrap()).is_empty());
    }
}
