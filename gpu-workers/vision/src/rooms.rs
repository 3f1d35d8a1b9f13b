//! Rooms: the closed regions of floor between walls, once every door and window found is
//! closed with the wall it sits in.

use std::{
    cmp::{Ordering, Reverse},
    collections::BinaryHeap,
};

use geo::{Area, Coord, LineString, Polygon, Simplify};
use image::{GrayImage, Luma};
use imageproc::{
    contours::{self, BorderType},
    distance_transform::{Norm, euclidean_squared_distance_transform},
    morphology,
};

use crate::{
    ink::{Component, Mask},
    openings::{self, Found, Kind},
    walls::{Axis, Walls},
};

/// A room's outline follows its wall faces to within this many pixels.
const OUTLINE_TOLERANCE_PX: f64 = 1.5;
/// Wall gaps up to this share of the building's smaller side are closed as doorways.
const GAP_SHARE: f64 = 0.12;
/// Regions smaller than this share of the building's extent are wall debris, not rooms.
const MIN_ROOM_SHARE: f64 = 0.003;

/// The footprint closes wall gaps up to twice this share of the building's smaller side
/// (windows drawn as thin lines, bays): the outside is what the page edge reaches past them.
const FOOTPRINT_CLOSE_SHARE: f64 = 0.07;
/// The footprint closes gaps in a wall line up to this share of the building's smaller side
/// (windows, glazed doors: the outside does not pass through a wall line).
const WINDOW_SHARE: f64 = 0.3;
/// Floor parts narrower than twice this share of the building's smaller side are not rooms.
const CORE_MIN_SHARE: f64 = 0.02;
/// Parts still whole at this erosion (a share of the building's smaller side) are one room.
const CORE_MAX_SHARE: f64 = 0.07;
/// Straight ink lines at least this share of the building's smaller side part rooms as walls
/// do (interior walls drawn as thin lines).
const LONG_LINE_SHARE: f64 = 0.05;
/// Faint lines at most this thick (px) are drawn lines, thicker faint runs are fills.
const THIN_LINE_PX: u32 = 3;
/// A cupboard's sides are at least / at most these shares of the building's smaller side.
const CUPBOARD_MIN_SHARE: f64 = 0.045;
const CUPBOARD_MAX_SHARE: f64 = 0.25;
/// A cupboard is at most this share of the room it is carved from.
const CUPBOARD_ROOM_SHARE: f64 = 0.2;
/// A rectangle whose sides differ by less than this factor has no long side.
const SQUARE: f64 = 1.3;
/// An empty rectangle fills at least this share of its bounding box.
const CUPBOARD_FILL: f64 = 0.95;
/// A cupboard's mouth is at most this many times its depth, and its depth its mouth.
const POCKET_SHAPE: f64 = 4.0;
/// The walls' own gaps are trusted when their rooms cover at least this share of the floor.
const WALL_ROOMS_COVER: f64 = 0.6;

/// A room in page pixels.
#[derive(Debug, Clone)]
pub struct Region {
    /// Corner points in order around the room (page pixels, y down).
    pub outline: Vec<(f64, f64)>,
    pub area_px: f64,
    /// How well the simplified outline matches the region (1: exactly).
    pub fit: f64,
    pub component: Component,
    /// For a cupboard carved out of a room: that room (its index).
    pub within: Option<usize>,
}

pub struct Rooms {
    pub regions: Vec<Region>,
    /// Per pixel: the index + 1 of the room it is in, 0 outside every room.
    pub labels: Vec<u32>,
    pub width: u32,
}

impl Rooms {
    /// A room's typical width and height, px: the median of its rows' and of its columns'
    /// pixel counts, which a bay, a chamfered corner or a doorway recess does not move; and
    /// its area. Built-in cupboards count as the room's (a written size spans them).
    pub fn typical_extent(&self, index: usize) -> (f64, f64, f64) {
        let c = self.regions[index].component;
        let mut ours = vec![false; self.regions.len() + 1];
        ours[index + 1] = true;
        let mut area = self.regions[index].area_px;
        for (k, r) in self.regions.iter().enumerate() {
            if r.within == Some(index) {
                ours[k + 1] = true;
                area += r.area_px;
            }
        }
        let (mut rows, mut columns) = (
            vec![0u32; c.height() as usize],
            vec![0u32; c.width() as usize],
        );
        for y in c.y0..c.y1 {
            for x in c.x0..c.x1 {
                if ours[self.labels[(y * self.width + x) as usize] as usize] {
                    rows[(y - c.y0) as usize] += 1;
                    columns[(x - c.x0) as usize] += 1;
                }
            }
        }
        let median = |mut v: Vec<u32>| {
            v.retain(|&n| n > 0);
            v.sort_unstable();
            v.get(v.len() / 2).map_or(0.0, |&n| f64::from(n))
        };
        (median(rows), median(columns), area)
    }

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

/// The rooms of a drawing whose walls and openings were found (`ink`: the drawing's ink
/// without its text; `faint`: its faint ink too, see [`Mask::faint`]).
pub fn find(ink: &Mask, faint: &Mask, walls: &Walls, openings: &[Found]) -> Rooms {
    let mut closed = walls.mask.clone();
    for o in openings {
        let line = &walls.lines[o.line];
        let half = line.thickness() / 2.0;
        fill_band(&mut closed, line.axis, (o.from, o.to), line.centre(), half);
    }
    // Gaps no door or window was found in (a door drawn another way, a passage) are closed
    // too when they are door-sized: at most this share of the building's smaller side.
    let (bx0, by0, bx1, by1) = walls.bounds;
    let side = f64::from((bx1 - bx0).min(by1 - by0));
    close_gaps(&mut closed, walls, GAP_SHARE * side);
    close_corners(&mut closed, ink, walls, GAP_SHARE * side);
    let before_pockets = closed.clone();
    let mut pockets = close_pockets(ink, faint, walls, side, &mut closed);
    let building = f64::from(bx1 - bx0) * f64::from(by1 - by0);
    let inside = |c: &Component| c.x0 > bx0 && c.y0 > by0 && c.x1 < bx1 && c.y1 < by1;
    let is_room = |c: &Component| inside(c) && (c.area as f64) >= MIN_ROOM_SHARE * building;
    let mut floor = part_floor(ink, faint, walls, &closed, is_room);
    // A pocket whose floor does not come out as a part of its own, opening into a room,
    // was no cupboard: the floor is parted again without its mouth.
    let mut parts: Vec<Option<(u32, u32)>> = pockets.iter().map(|p| p.parts(&floor)).collect();
    if parts.iter().any(Option::is_none) {
        closed = before_pockets.clone();
        let mut found = parts.iter();
        pockets.retain(|_| found.next().is_some_and(Option::is_some));
        for p in &pockets {
            p.close(&mut closed);
        }
        floor = part_floor(ink, faint, walls, &closed, is_room);
        parts = pockets.iter().map(|p| p.parts(&floor)).collect();
    }
    // Per part: the room (label) a cupboard was carved from or opens into, 0 for a room.
    let mut parent = vec![0u32; floor.components.len()];
    for (pocket, found) in pockets.iter().zip(parts) {
        let Some((inside, room)) = found else {
            continue;
        };
        parent[inside as usize - 1] = room;
        // The line across its mouth is the cupboard's (its doors), not the room's.
        let (x0, y0, x1, y1) = pocket.mouth;
        let c = &mut floor.components[inside as usize - 1];
        for y in y0.max(0)..y1.min(i64::from(closed.height)) {
            for x in x0.max(0)..x1.min(i64::from(closed.width)) {
                let i = (y * i64::from(closed.width) + x) as usize;
                if floor.labels[i] == 0 && !before_pockets.bits[i] {
                    floor.labels[i] = inside;
                    c.area += 1;
                    c.x0 = c.x0.min(x as u32);
                    c.y0 = c.y0.min(y as u32);
                    c.x1 = c.x1.max(x as u32 + 1);
                    c.y1 = c.y1.max(y as u32 + 1);
                }
            }
        }
    }
    let Floor {
        width,
        mut labels,
        mut components,
        segmented,
    } = floor;
    let carved = cupboards(
        ink,
        faint,
        walls,
        openings,
        side,
        &mut labels,
        &mut components,
    );
    parent.extend(carved);

    // Rooms first, then the cupboards, kept with their room (not in the outside or in
    // wall debris).
    let mut kept = vec![false; components.len() + 1];
    for (index, c) in components.iter().enumerate() {
        let big = (c.area as f64) >= MIN_ROOM_SHARE * building;
        kept[index + 1] = parent[index] == 0 && if segmented { big } else { is_room(c) };
    }
    for index in 0..components.len() {
        let room = parent[index] as usize;
        // (A parent is a room itself: cupboards are carved from rooms, not cupboards.)
        kept[index + 1] = room > 0 && kept[room] && parent[room - 1] == 0 || kept[index + 1];
    }
    let mut keep = vec![0u32; components.len() + 1];
    let mut regions = Vec::new();
    let mut order: Vec<usize> = (0..components.len()).collect();
    order.sort_by_key(|&i| parent[i] > 0);
    for index in order {
        let c = &components[index];
        if !kept[index + 1] {
            continue;
        }
        let Some(outline) = outline(&labels, width, index as u32 + 1, c) else {
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
        let within = match parent[index] as usize {
            0 => None,
            room => match keep[room] {
                0 => continue,
                k => Some(k as usize - 1),
            },
        };
        regions.push(Region {
            outline,
            area_px: c.area as f64,
            fit,
            component: *c,
            within,
        });
        keep[index + 1] = regions.len() as u32;
    }
    Rooms {
        regions,
        labels: labels.iter().map(|&l| keep[l as usize]).collect(),
        width,
    }
}

/// Closes the gaps up to `max_gap` px between consecutive pieces of every wall line with
/// wall of the thinner piece's thickness.
fn close_gaps(mask: &mut Mask, walls: &Walls, max_gap: f64) {
    for line in &walls.lines {
        for pair in line.pieces.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if b.along0 - a.along1 > max_gap {
                continue;
            }
            let half = a.thickness.min(b.thickness) / 2.0;
            let centre = (a.centre + b.centre) / 2.0;
            fill_band(mask, line.axis, (a.along1, b.along0), centre, half);
        }
    }
}

/// Closes doorways between a wall's free end and the wall it points at, up to `max_gap` px
/// (a door in a room's corner: the wall across is perpendicular, so no line's pieces meet
/// there) when a door is drawn in it (leaf and swing, as [`openings`] scores them): a bare gap
/// of that size is as often a passage or a corridor's width.
fn close_corners(mask: &mut Mask, ink: &Mask, walls: &Walls, max_gap: f64) {
    let closed = mask.clone();
    for line in &walls.lines {
        let n = line.pieces.len();
        for (k, piece) in line.pieces.iter().enumerate() {
            // Free ends: the line's own and those at gaps too wide for `close_gaps`.
            let before = k == 0 || piece.along0 - line.pieces[k - 1].along1 > max_gap;
            let after = k + 1 == n || line.pieces[k + 1].along0 - piece.along1 > max_gap;
            for (end, dir, free) in [(piece.along0, -1.0, before), (piece.along1, 1.0, after)] {
                if !free {
                    continue;
                }
                let half = piece.thickness / 2.0;
                let at = |along: f64, across: f64| {
                    let (a, c) = (along.round() as i64, across.round() as i64);
                    match line.axis {
                        Axis::Horizontal => closed.get(a, c),
                        Axis::Vertical => closed.get(c, a),
                    }
                };
                // Straight on to the first wall, on the centre line and near both faces: a
                // wall across meets all three at one distance.
                let reach =
                    |across: f64| (2..=max_gap as i64).find(|&d| at(end + dir * d as f64, across));
                let hits = [
                    reach(piece.centre),
                    reach(piece.centre - half * 0.6),
                    reach(piece.centre + half * 0.6),
                ];
                let Some(d) = hits[0] else { continue };
                // (A few pixels: the piece ends where it meets that wall already.)
                if d <= 3 || hits.iter().any(|h| h.is_none_or(|h| h.abs_diff(d) > 2)) {
                    continue;
                }
                let gap = if dir < 0.0 {
                    (end - d as f64, end)
                } else {
                    (end, end + d as f64)
                };
                let door =
                    openings::door_score(ink, line.axis, piece.centre, 2.0 * half, gap.0, gap.1);
                if door >= openings::MIN_SCORE {
                    fill_band(mask, line.axis, gap, piece.centre, half);
                }
            }
        }
    }
}

/// The floor parted into rooms: per pixel the part's index + 1 (0: not floor) and the parts.
struct Floor {
    width: u32,
    labels: Vec<u32>,
    components: Vec<Component>,
    /// Parted by erosion (the walls' own gaps left it open), see [`segment`].
    segmented: bool,
}

/// The rooms of the floor that `closed` (walls, openings and closed gaps) leaves: the walls'
/// own when they enclose most of it, else the floor parted by [`segment`].
fn part_floor(
    ink: &Mask,
    faint: &Mask,
    walls: &Walls,
    closed: &Mask,
    is_room: impl Fn(&Component) -> bool,
) -> Floor {
    let mut free = closed.clone();
    free.bits.iter_mut().for_each(|b| *b = !*b);
    let (labels, components) = free.components();
    let covered: usize = components
        .iter()
        .filter(|c| is_room(c))
        .map(|c| c.area)
        .sum();
    // Drawings whose walls leave gaps no line explains (windows as thin lines, bays, walls
    // that are not straight) leak every room into the outside: part the floor instead.
    // (Parts of the footprint are inside the building by construction.)
    match segment(ink, faint, walls, closed, covered) {
        Some((labels, components)) => Floor {
            width: closed.width,
            labels,
            components,
            segmented: true,
        },
        None => Floor {
            width: closed.width,
            labels,
            components,
            segmented: false,
        },
    }
}

/// A cupboard found as a pocket: points inside it, points outside its mouth (in the room it
/// opens into, nearest first) and the mouth's rectangle (x0, y0, x1, y1; ends exclusive).
struct Pocket {
    inside: Vec<(f64, f64)>,
    outside: Vec<(f64, f64)>,
    mouth: (i64, i64, i64, i64),
    /// The pocket with its mouth (x0, y0, x1, y1; ends exclusive).
    area: (i64, i64, i64, i64),
}

impl Pocket {
    fn close(&self, closed: &mut Mask) {
        let (x0, y0, x1, y1) = self.mouth;
        closed.fill(x0, y0, x1, y1, true);
    }

    /// The part the pocket's floor is and the part it opens into, when it is a part of its
    /// own (within the pocket, not leaking past it) opening into another.
    fn parts(&self, floor: &Floor) -> Option<(u32, u32)> {
        let label = |&(x, y): &(f64, f64)| {
            let inside = x >= 0.0 && y >= 0.0 && x < f64::from(floor.width);
            let i = y as usize * floor.width as usize + x as usize;
            floor.labels.get(i).copied().filter(|_| inside).unwrap_or(0)
        };
        // The room: the part most of the points outside the mouth are in.
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for l in self.outside.iter().map(label).filter(|&l| l > 0) {
            match counts.iter_mut().find(|c| c.0 == l) {
                Some(c) => c.1 += 1,
                None => counts.push((l, 1)),
            }
        }
        let room = counts.iter().max_by_key(|c| c.1)?.0;
        // (Furniture drawn in the cupboard may part its floor: its first part.)
        let inside = self
            .inside
            .iter()
            .map(label)
            .find(|&l| l > 0 && l != room)?;
        let c = floor.components[inside as usize - 1];
        let (x0, y0, x1, y1) = self.area;
        let slack = 3;
        let within = i64::from(c.x0) >= x0 - slack
            && i64::from(c.y0) >= y0 - slack
            && i64::from(c.x1) <= x1 + slack
            && i64::from(c.y1) <= y1 + slack;
        within.then_some((inside, room))
    }
}

/// Closes the mouths of built-in cupboards and wardrobes drawn as pockets (in walls or thin
/// lines): a straight side of a cupboard's depth ending free in the floor, a side across from
/// it a cupboard's width away that runs the pocket's depth, a back across, nothing drawn
/// inside, and doors (thin ink: leaves, bifold zig-zags, sliding panels) across most of its
/// mouth. Returns the pockets whose mouths were closed.
fn close_pockets(
    ink: &Mask,
    faint: &Mask,
    walls: &Walls,
    side: f64,
    closed: &mut Mask,
) -> Vec<Pocket> {
    let mut pockets = Vec::new();
    let mut thin_ink = Mask::new(ink.width, ink.height);
    for (i, bit) in thin_ink.bits.iter_mut().enumerate() {
        *bit = (ink.bits[i] || faint.bits[i]) && !walls.mask.bits[i];
    }
    let (min_w, max_w) = (CUPBOARD_MIN_SHARE * side, CUPBOARD_MAX_SHARE * side);
    // The walls' typical thickness (of most of their length: not a column's or a chimney's).
    let mut pieces: Vec<(f64, f64)> = walls
        .lines
        .iter()
        .flat_map(|l| l.pieces.iter().map(|p| (p.thickness, p.along1 - p.along0)))
        .collect();
    pieces.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pieces.iter().map(|p| p.1).sum();
    let mut run = 0.0;
    let thickness = pieces
        .iter()
        .find(|p| {
            run += p.1;
            run >= total / 2.0
        })
        .map_or(walls.max_thickness, |p| p.0);
    let reach = 4.0 + thickness;
    // A hollow wall (two lines) is no cupboard: a cupboard is deeper than a wall is thick.
    let min_depth = min_w.max(1.5 * thickness);
    for axis in [Axis::Horizontal, Axis::Vertical] {
        // (along, across) -> (x, y): sides run along the axis.
        let xy = |along: f64, across: f64| match axis {
            Axis::Horizontal => (along.round() as i64, across.round() as i64),
            Axis::Vertical => (across.round() as i64, along.round() as i64),
        };
        let solid = |along: f64, across: f64| {
            let (x, y) = xy(along, across);
            ink.get(x, y)
        };
        let thin = |along: f64, across: f64| {
            let (x, y) = xy(along, across);
            thin_ink.get(x, y)
        };
        let (n_along, n_across) = match axis {
            Axis::Horizontal => (ink.width, ink.height),
            Axis::Vertical => (ink.height, ink.width),
        };
        let steps = |from: f64, to: f64| {
            let n = (to - from).abs().round() as i64;
            (0..n).map(move |i| from + (to - from).signum() * i as f64)
        };
        let share = |hits: usize, n: usize| hits as f64 / n.max(1) as f64;
        for c in 0..n_across {
            let c = f64::from(c);
            let mut a = 0u32;
            while a < n_along {
                if !solid(f64::from(a), c) {
                    a += 1;
                    continue;
                }
                let start_a = a;
                while a < n_along && solid(f64::from(a), c) {
                    a += 1;
                }
                let (along0, along1) = (f64::from(start_a), f64::from(a) - 1.0);
                let depth = along1 - along0;
                if depth < min_depth || depth > max_w {
                    continue;
                }
                for (free, back) in [(along0, along1), (along1, along0)] {
                    let inward = (back - free).signum();
                    // Across at half depth: clear of the doors at the mouth.
                    let at = free + inward * (depth / 2.0).max(3.0);
                    for s in [-1.0, 1.0] {
                        // Off the side's own ink, then across to the first ink.
                        let Some(off) = (1..12).map(f64::from).find(|&d| !solid(at, c + s * d))
                        else {
                            continue;
                        };
                        let start = c + s * off;
                        let Some(width) = (0..=max_w as i64)
                            .map(|d| d as f64)
                            .find(|&d| solid(at, start + s * d))
                        else {
                            continue;
                        };
                        if width < min_depth
                            || width > POCKET_SHAPE * depth
                            || depth > POCKET_SHAPE * width
                        {
                            continue;
                        }
                        let far = start + s * width;
                        let inner = || steps(free + inward * 3.0, back - inward * reach);
                        let n = width as usize;
                        let band = 0.5 * width.min(depth);
                        let mouth_band = || steps(free - inward * band, free + inward * band);
                        // (Each column of a side finds its pocket again.)
                        let (mx, my) = xy(free, start + s * width / 2.0);
                        let known = pockets.iter().any(|p: &Pocket| {
                            let (x0, y0, x1, y1) = p.area;
                            (x0..x1).contains(&mx) && (y0..y1).contains(&my)
                        });
                        // The side ends at the mouth (a recess of a room goes on); the far
                        // side may go on as the room's wall (a wardrobe in a corner).
                        let ends = || {
                            let beyond = free - inward * (band + 2.0);
                            !solid(beyond, c)
                        };
                        // The far side runs from the mouth to the back.
                        let far_side = || {
                            let hits = inner()
                                .filter(|&a| (0..3).any(|d| solid(a, far + s * f64::from(d))))
                                .count();
                            share(hits, inner().count()) >= 0.8
                        };
                        // A back across.
                        let back_side = || {
                            let hits = steps(start, far)
                                .filter(|&c| {
                                    (0..reach as i64).any(|d| solid(back - inward * d as f64, c))
                                })
                                .count();
                            share(hits, n) >= 0.8
                        };
                        // Doors across the mouth.
                        let doors = || {
                            let hits = steps(start, far)
                                .filter(|&c| mouth_band().any(|a| thin(a, c)))
                                .count();
                            share(hits, n) >= 0.5
                        };
                        // A straight line along the mouth closes it already: a drawn box
                        // (a hollow wall, a worktop), not doors.
                        let lined = || {
                            mouth_band().any(|a| {
                                share(steps(start, far).filter(|&c| thin(a, c)).count(), n) >= 0.8
                            })
                        };
                        // Nothing drawn inside.
                        let empty = || {
                            let hits = inner()
                                .flat_map(|a| steps(start + s, far - s).map(move |c| (a, c)))
                                .filter(|&(a, c)| solid(a, c) || thin(a, c))
                                .count();
                            share(hits, inner().count() * n) < 0.08
                        };
                        // (Cheapest first.)
                        if !known
                            && ends()
                            && far_side()
                            && back_side()
                            && doors()
                            && !lined()
                            && empty()
                        {
                            let (x0, y0) = xy(free, start.min(far));
                            let (x1, y1) = xy(free, start.max(far));
                            let mouth = (x0 - 1, y0 - 1, x1 + 1, y1 + 1);
                            let mid = start + s * width / 2.0;
                            let point = |a: f64| {
                                let (x, y) = xy(a, mid);
                                (x as f64, y as f64)
                            };
                            let outside = (3..(band + reach) as i64)
                                .map(|d| point(free - inward * d as f64))
                                .collect();
                            let (ax, ay) = xy(back, far);
                            let area = (
                                mouth.0.min(ax),
                                mouth.1.min(ay),
                                mouth.2.max(ax + 1),
                                mouth.3.max(ay + 1),
                            );
                            let pocket = Pocket {
                                inside: inner().map(point).collect(),
                                outside,
                                mouth,
                                area,
                            };
                            pocket.close(closed);
                            pockets.push(pocket);
                        }
                    }
                }
            }
        }
    }
    pockets
}

/// Sets a band of a wall line's axis: `along` it from one end to the other, `half` either
/// side of `centre` across it (page px, rounded outwards).
fn fill_band(mask: &mut Mask, axis: Axis, along: (f64, f64), centre: f64, half: f64) {
    let (a0, a1) = (along.0.floor() as i64, along.1.ceil() as i64);
    let (c0, c1) = (
        (centre - half).floor() as i64,
        (centre + half).ceil() as i64,
    );
    match axis {
        Axis::Horizontal => mask.fill(a0, c0, a1, c1, true),
        Axis::Vertical => mask.fill(c0, a0, c1, a1, true),
    }
}

/// The floor of the building parted into rooms when the walls' gaps leave it open to the
/// outside: the footprint is what the page edge cannot reach once the drawing's ink, faint ink
/// included (walls, and the thin or light lines of windows and doors), is closed over gaps up
/// to window size; its floor (not wall, door, window or door-sized gap: `closed`) is eroded
/// step by step so rooms come apart at their necks ([`cores`]), and each core is grown back
/// over the floor. Returns per-pixel labels (index + 1) and the parts; `None` when the walls'
/// own rooms (`covered` pixels) already cover most of the floor.
fn segment(
    ink: &Mask,
    faint: &Mask,
    walls: &Walls,
    closed: &Mask,
    covered: usize,
) -> Option<(Vec<u32>, Vec<Component>)> {
    let (bx0, by0, bx1, by1) = walls.bounds;
    let side = f64::from((bx1 - bx0).min(by1 - by0));
    let radius = |share: f64| (share * side).round().clamp(1.0, 255.0) as u8;
    let (w, h) = (walls.mask.width, walls.mask.height);
    // (Walls are never text: a label over a wall must not open it.) The outside does not
    // pass through a wall line: its gaps up to window size are closed for the footprint.
    let mut sealed = closed.clone();
    close_gaps(&mut sealed, walls, WINDOW_SHARE * side);
    let mut drawn = faint.clone();
    for (i, bit) in drawn.bits.iter_mut().enumerate() {
        *bit |= sealed.bits[i] || ink.bits[i];
    }
    // What the drawing, closed over those gaps, leaves open.
    let open = Mask::from_gray(
        &morphology::close(&drawn.to_gray(), Norm::LInf, radius(FOOTPRINT_CLOSE_SHARE)),
        |v| v == 0,
    );
    let (open_labels, open_parts) = open.components();
    let outside: Vec<bool> = std::iter::once(false)
        .chain(
            open_parts
                .iter()
                .map(|c| c.x0 == 0 || c.y0 == 0 || c.x1 >= w || c.y1 >= h),
        )
        .collect();
    // Walls drawn as thin lines bound rooms too: any straight ink run of a wall's length.
    let long = (LONG_LINE_SHARE * side).round() as u32;
    let (h_runs, v_runs) = (ink.horizontal_runs(), ink.vertical_runs());
    // Glazing drawn in light grey parts rooms from balconies as walls do: thin faint lines
    // (not faint fills, such as a hatched terrace's) in a wall's line (not furniture).
    let (fh, fv) = (faint.horizontal_runs(), faint.vertical_runs());
    let mut in_wall_line = Mask::new(w, h);
    for line in &walls.lines {
        let along = (line.along0(), line.along1());
        let half = line.thickness() / 2.0 + 1.0;
        fill_band(&mut in_wall_line, line.axis, along, line.centre(), half);
    }
    let glazing = |i: usize| {
        let thin = |along: u32, across: u32| along >= long && across <= THIN_LINE_PX;
        in_wall_line.bits[i] && (thin(fh[i], fv[i]) || thin(fv[i], fh[i]))
    };
    let mut floor = Mask::new(w, h);
    for (i, bit) in floor.bits.iter_mut().enumerate() {
        // Doors and windows found, and door-sized gaps, part rooms here as in the walls' own.
        let barrier = closed.bits[i] || h_runs[i] >= long || v_runs[i] >= long || glazing(i);
        *bit = !barrier && !outside[open_labels[i] as usize];
    }
    let floor_area = floor.bits.iter().filter(|b| **b).count();
    if floor_area == 0 || covered as f64 >= WALL_ROOMS_COVER * floor_area as f64 {
        return None;
    }
    let core_labels = cores(&floor, radius(CORE_MIN_SHARE), radius(CORE_MAX_SHARE), side);
    // Grow every core back over the floor, widest floor first (a watershed of the distance
    // to the nearest barrier): cores meet at the necks between rooms (doorways, openings),
    // not half-way between their centres.
    let mut blocked = floor.clone();
    blocked.bits.iter_mut().for_each(|b| *b = !*b);
    let depth = euclidean_squared_distance_transform(&blocked.to_gray());
    let depth: Vec<f64> = depth.pixels().map(|p| p.0[0]).collect();
    let mut labels: Vec<u32> = core_labels;
    let mut queue: BinaryHeap<(Depth, Reverse<usize>)> = (0..labels.len())
        .filter(|&i| labels[i] > 0)
        .map(|i| (Depth(depth[i]), Reverse(i)))
        .collect();
    while let Some((_, Reverse(i))) = queue.pop() {
        for j in neighbours(i, w as usize, h as usize).into_iter().flatten() {
            if labels[j] == 0 && floor.bits[j] {
                labels[j] = labels[i];
                queue.push((Depth(depth[j]), Reverse(j)));
            }
        }
    }
    // Pieces of the outside that the footprint's closing took in (between a round wall and
    // the square it was closed with, beside a bay) are open to the outside on at least half
    // their boundary; a room only at its windows.
    let open_outside = |j: usize| !drawn.bits[j] && outside[open_labels[j] as usize];
    drop_parts_outside(&mut labels, w as usize, open_outside);
    let count = labels.iter().copied().max().unwrap_or(0) as usize;
    let mut parts = vec![
        Component {
            x0: u32::MAX,
            y0: u32::MAX,
            x1: 0,
            y1: 0,
            area: 0,
        };
        count
    ];
    for (i, &l) in labels.iter().enumerate().filter(|(_, l)| **l > 0) {
        let (x, y) = ((i % w as usize) as u32, (i / w as usize) as u32);
        let c = &mut parts[l as usize - 1];
        c.x0 = c.x0.min(x);
        c.y0 = c.y0.min(y);
        c.x1 = c.x1.max(x + 1);
        c.y1 = c.y1.max(y + 1);
        c.area += 1;
    }
    Some((labels, parts))
}

/// The 4-neighbours of pixel `i` on a `width` x `height` page (`None` past its edge): left,
/// right, above, below.
fn neighbours(i: usize, width: usize, height: usize) -> [Option<usize>; 4] {
    let (x, y) = (i % width, i / width);
    [
        (x > 0).then(|| i - 1),
        (x + 1 < width).then(|| i + 1),
        (y > 0).then(|| i - width),
        (y + 1 < height).then(|| i + width),
    ]
}

/// Drops the parts (labels, index + 1 per pixel) that lie open to the outside (`outside(j)`:
/// pixel `j` is the open outside; past the page edge counts too) on at least half their
/// boundary, and numbers the rest densely again.
fn drop_parts_outside(labels: &mut [u32], width: usize, outside: impl Fn(usize) -> bool) {
    let count = labels.iter().copied().max().unwrap_or(0) as usize;
    let height = labels.len() / width;
    let (mut edge, mut open) = (vec![0usize; count + 1], vec![0usize; count + 1]);
    for i in 0..labels.len() {
        let part = labels[i] as usize;
        if part == 0 {
            continue;
        }
        for j in neighbours(i, width, height) {
            match j {
                Some(j) if labels[j] as usize == part => {}
                Some(j) => {
                    edge[part] += 1;
                    open[part] += usize::from(labels[j] == 0 && outside(j));
                }
                None => {
                    edge[part] += 1;
                    open[part] += 1;
                }
            }
        }
    }
    let mut number = vec![0u32; count + 1];
    let mut next = 0;
    for part in 1..=count {
        if 2 * open[part] < edge[part] {
            next += 1;
            number[part] = next;
        }
    }
    for label in labels.iter_mut() {
        *label = number[*label as usize];
    }
}

/// Cupboards and wardrobes: empty rectangles drawn in thin lines inside a room against its
/// wall (estate agents draw built-in storage so), carved out of the room as rooms of their own.
/// Returns the label of the room each cupboard (appended to `components`) was carved from.
fn cupboards(
    ink: &Mask,
    faint: &Mask,
    walls: &Walls,
    openings: &[Found],
    side: f64,
    labels: &mut [u32],
    components: &mut Vec<Component>,
) -> Vec<u32> {
    let (w, h) = (walls.mask.width, walls.mask.height);
    // Where doors swing (a leaf's length either side of the wall): the floor between two
    // open leaves is no cupboard.
    let mut swing = Mask::new(w, h);
    for o in openings.iter().filter(|o| o.kind == Kind::Door) {
        let line = &walls.lines[o.line];
        fill_band(
            &mut swing,
            line.axis,
            (o.from, o.to),
            line.centre(),
            o.to - o.from,
        );
    }
    let mut open = Mask::new(w, h);
    for (i, bit) in open.bits.iter_mut().enumerate() {
        *bit = !(ink.bits[i] || faint.bits[i] || walls.mask.bits[i]);
    }
    let (parts_labels, parts) = open.components();
    let (min_side, max_side) = (
        (CUPBOARD_MIN_SHARE * side) as u32,
        (CUPBOARD_MAX_SHARE * side) as u32,
    );
    // How far past its sides a wall is looked for (the thickest wall, and a line's width).
    let reach = 4 + walls
        .lines
        .iter()
        .map(|l| l.thickness())
        .fold(0.0, f64::max) as i64;
    let walled = |x0: i64, y0: i64, x1: i64, y1: i64| walls.mask.coverage(x0, y0, x1, y1) > 0.15;
    let mut carve = vec![0u32; parts.len() + 1];
    let mut parents = Vec::new();
    for (k, c) in parts.iter().enumerate() {
        let (cw, ch) = (c.width(), c.height());
        let (x0, y0, x1, y1) = (
            i64::from(c.x0),
            i64::from(c.y0),
            i64::from(c.x1),
            i64::from(c.y1),
        );
        if cw.min(ch) < min_side
            || cw.max(ch) > max_side
            || (c.area as f64) < CUPBOARD_FILL * f64::from(cw * ch)
            || swing.coverage(x0, y0, x1, y1) > 0.3
        {
            continue;
        }
        // Most of it in one room (the room of its first pixel), and a small part of that
        // room (a shower tray fills much of a bathroom; a wardrobe, little of a bedroom).
        let (mut room, mut inside) = (0u32, 0usize);
        for y in c.y0..c.y1 {
            for x in c.x0..c.x1 {
                let i = (y * w + x) as usize;
                if parts_labels[i] == k as u32 + 1 && labels[i] > 0 {
                    if room == 0 {
                        room = labels[i];
                    }
                    inside += usize::from(labels[i] == room);
                }
            }
        }
        if room == 0
            || (inside as f64) < 0.9 * c.area as f64
            || c.area as f64 > CUPBOARD_ROOM_SHARE * components[room as usize - 1].area as f64
        {
            continue;
        }
        // A wardrobe stands with its back (a long side) to a wall; a stair's treads touch
        // the walls with their ends.
        let along_x = walled(x0, y0 - reach, x1, y0) || walled(x0, y1, x1, y1 + reach);
        let along_y = walled(x0 - reach, y0, x0, y1) || walled(x1, y0, x1 + reach, y1);
        let backed = if f64::from(cw) >= SQUARE * f64::from(ch) {
            along_x
        } else if f64::from(ch) >= SQUARE * f64::from(cw) {
            along_y
        } else {
            along_x || along_y
        };
        if backed {
            components.push(*c);
            carve[k + 1] = components.len() as u32;
            parents.push(room);
        }
    }
    for (i, l) in labels.iter_mut().enumerate() {
        let n = carve[parts_labels[i] as usize];
        if n > 0 {
            *l = n;
        }
    }
    parents
}

/// A squared distance, ordered (distances are never NaN).
#[derive(Clone, Copy, PartialEq)]
struct Depth(f64);

impl Eq for Depth {}

impl PartialOrd for Depth {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Depth {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
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

/// Room cores, by eroding the floor ever further (radius `step` by `step`, a step per 0.5% of
/// the building's side): a part that vanishes is a room, its last shape its core, when it
/// lasted to `r_min` (narrower ones are recesses and cupboards its neighbours take back);
/// parts that split are followed separately (rooms meet at necks: doorways, openings); what
/// is left at `r_max` are cores too.
fn cores(floor: &Mask, r_min: u8, r_max: u8, side: f64) -> Vec<u32> {
    let n = floor.bits.len();
    let mut out = vec![0u32; n];
    let mut next = 0u32;
    let step = ((side / 200.0).round() as u8).max(1);
    let gray = floor.to_gray();
    let (mut prev_labels, mut prev_parts) = floor.components();
    let mut r = 0u8;
    loop {
        let done = r >= r_max;
        r = r.saturating_add(step).min(r_max);
        let (labels, parts) = if done {
            (vec![0u32; n], Vec::new())
        } else {
            Mask::from_gray(&morphology::erode(&gray, Norm::LInf, r), |v| v > 0).components()
        };
        // Which earlier parts still have a child.
        let mut has_child = vec![false; prev_parts.len() + 1];
        for i in 0..n {
            if labels[i] > 0 {
                has_child[prev_labels[i] as usize] = true;
            }
        }
        let vanished: Vec<bool> = (0..=prev_parts.len())
            .map(|p| p > 0 && !has_child[p])
            .collect();
        if r.saturating_sub(step) >= r_min || done {
            let mut number = vec![0u32; prev_parts.len() + 1];
            for i in 0..n {
                let p = prev_labels[i] as usize;
                if vanished[p] {
                    if number[p] == 0 {
                        next += 1;
                        number[p] = next;
                    }
                    out[i] = number[p];
                }
            }
        }
        if done {
            break;
        }
        prev_labels = labels;
        prev_parts = parts;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ink::Mask, openings, walls};

    /// A partition wall at x 200..208 (y 32..268) with a door from y 100 to 160: its leaf
    /// open from the upper jamb and its swing.
    fn partition_with_door(ink: &mut Mask) {
        ink.fill(200, 32, 208, 100, true);
        ink.fill(200, 160, 208, 268, true);
        ink.fill(208, 100, 268, 102, true);
        for i in 0..=200 {
            let phi = f64::from(i) / 200.0 * std::f64::consts::FRAC_PI_2;
            let (x, y) = (208.0 + 60.0 * phi.cos(), 100.0 + 60.0 * phi.sin());
            ink.fill(x as i64, y as i64, x as i64 + 1, y as i64 + 1, true);
        }
    }

    #[test]
    fn two_rooms_split_by_a_wall_with_a_door() {
        let mut ink = Mask::walled_box();
        partition_with_door(&mut ink);
        let walls = walls::find(&ink).unwrap();
        let found = openings::find(&ink, &walls);
        assert_eq!(found.len(), 1, "{found:?}");
        let rooms = find(&ink, &ink, &walls, &found);
        assert_eq!(rooms.regions.len(), 2);
        let mut areas: Vec<f64> = rooms.regions.iter().map(|r| r.area_px).collect();
        areas.sort_by(f64::total_cmp);
        assert_eq!(areas, vec![160.0 * 236.0, 168.0 * 236.0]);
        assert!(rooms.regions.iter().all(|r| r.outline.len() == 4));
        assert_eq!(rooms.at(100.0, 100.0), Some(0));
        assert_eq!(rooms.at(5.0, 5.0), None);
    }

    /// A 400 x 300 page with side walls and a bottom wall whose window (x 150..210) is
    /// drawn only in faint lines: `(ink, faint)`, the top left to each test.
    fn open_box() -> (Mask, Mask) {
        let mut ink = Mask::new(400, 300);
        ink.fill(20, 268, 150, 280, true);
        ink.fill(210, 268, 380, 280, true);
        ink.fill(20, 20, 32, 280, true);
        ink.fill(368, 20, 380, 280, true);
        let mut faint = ink.clone();
        faint.fill(150, 273, 210, 275, true);
        (ink, faint)
    }

    /// The rooms of a drawing, as the reader finds them.
    fn read(ink: &Mask, faint: &Mask) -> Rooms {
        let walls = walls::find(ink).unwrap();
        let found = openings::find(ink, &walls);
        find(ink, faint, &walls, &found)
    }

    #[test]
    fn rooms_are_found_past_light_windows_and_thin_partitions() {
        // Outer walls with three window gaps (the windows only faint lines), and a partition
        // drawn as a thin line with a doorway: the walls alone leave the floor open.
        let (mut ink, mut faint) = open_box();
        for (x0, x1) in [(20, 80), (140, 240), (300, 380)] {
            ink.fill(x0, 20, x1, 32, true);
            faint.fill(x0, 20, x1, 32, true);
        }
        for (y0, y1) in [(32, 135), (165, 268)] {
            ink.fill(200, y0, 202, y1, true);
            faint.fill(200, y0, 202, y1, true);
        }
        for x0 in [80, 240] {
            faint.fill(x0, 25, x0 + 60, 27, true);
        }
        let rooms = read(&ink, &faint);
        assert_eq!(rooms.regions.len(), 2, "{:?}", rooms.regions.len());
        let (left, right) = (
            rooms.at(100.0, 150.0).unwrap(),
            rooms.at(300.0, 150.0).unwrap(),
        );
        assert_ne!(left, right);
        // Each room is the floor between its walls (the doorway's few pixels aside).
        let area = |r: usize| rooms.regions[r].area_px;
        assert!(
            (area(left) / (168.0 * 236.0) - 1.0).abs() < 0.03,
            "{}",
            area(left)
        );
        assert!(
            (area(right) / (166.0 * 236.0) - 1.0).abs() < 0.03,
            "{}",
            area(right)
        );
        assert_eq!(rooms.at(100.0, 10.0), None);
    }

    #[test]
    fn glazing_in_a_wall_line_parts_a_balcony_and_faint_furniture_does_not() {
        // A flat (y 120..280) and a balcony (y 20..120) under one roof line: the wall between
        // them is two stubs with a glazed screen between, drawn as one faint thin line. The
        // outer walls have faint windows, so the walls alone leave the floor open. A bed drawn
        // in faint lines stands in the flat.
        let (mut ink, mut faint) = open_box();
        for (x0, y0, x1, y1) in [(20, 20, 380, 32), (32, 114, 160, 126), (240, 114, 368, 126)] {
            ink.fill(x0, y0, x1, y1, true);
            faint.fill(x0, y0, x1, y1, true);
        }
        faint.fill(160, 119, 240, 121, true);
        for (x0, y0, x1, y1) in [(200, 160, 202, 240), (280, 160, 282, 240)] {
            faint.fill(x0, y0, x1, y1, true);
        }
        faint.fill(200, 160, 282, 162, true);
        faint.fill(200, 238, 282, 240, true);
        let rooms = read(&ink, &faint);
        let (balcony, flat) = (
            rooms.at(200.0, 70.0).expect("balcony"),
            rooms.at(100.0, 200.0).expect("flat"),
        );
        assert_ne!(balcony, flat);
        assert_eq!(rooms.at(240.0, 200.0), Some(flat), "the bed is in the flat");
        assert_eq!(rooms.regions.len(), 2);
    }

    #[test]
    fn a_wardrobe_against_the_wall_is_a_cupboard_and_a_bed_is_not() {
        // A room with a wardrobe drawn in thin lines, its back to the top wall, and a bed
        // whose head (a short side) is against the bottom wall.
        let mut ink = Mask::walled_box();
        ink.fill(100, 32, 102, 62, true);
        ink.fill(158, 32, 160, 62, true);
        ink.fill(100, 60, 160, 62, true);
        ink.fill(250, 208, 252, 268, true);
        ink.fill(288, 208, 290, 268, true);
        ink.fill(250, 208, 290, 210, true);
        let rooms = read(&ink, &ink);
        assert_eq!(rooms.regions.len(), 2, "{:?}", rooms.regions.len());
        let (room, wardrobe) = (
            rooms.at(200.0, 150.0).unwrap(),
            rooms.at(130.0, 45.0).unwrap(),
        );
        assert_ne!(room, wardrobe);
        assert_eq!(rooms.regions[wardrobe].area_px, 56.0 * 28.0);
        assert_eq!(rooms.regions[wardrobe].within, Some(room));
        assert_eq!(rooms.regions[room].within, None);
        assert_eq!(rooms.at(270.0, 240.0), Some(room), "the bed is in the room");
        // A written size measures the room with its cupboard: the full width between walls.
        let (width, height, _) = rooms.typical_extent(room);
        assert_eq!((width, height), (336.0, 236.0));
    }

    /// A wardrobe drawn as a pocket off the top wall: wall stubs at x 94..102 and 158..166
    /// down to y 72, open at the bottom, with (if `doors`) bifold doors zig-zagging across it.
    fn pocket(doors: bool) -> Mask {
        let mut ink = Mask::walled_box();
        ink.fill(94, 32, 102, 72, true);
        ink.fill(158, 32, 166, 72, true);
        if doors {
            bifold(&mut ink, 102, 158);
        }
        ink
    }

    #[test]
    fn a_wardrobe_behind_its_doors_is_a_cupboard_and_an_open_niche_is_not() {
        let ink = pocket(true);
        let rooms = read(&ink, &ink);
        assert_eq!(rooms.regions.len(), 2, "{:?}", rooms.regions.len());
        let (room, wardrobe) = (
            rooms.at(200.0, 150.0).unwrap(),
            rooms.at(130.0, 50.0).unwrap(),
        );
        assert_ne!(room, wardrobe);
        assert_eq!(rooms.regions[wardrobe].within, Some(room));
        // The floor between its sides down to its mouth, the line across the mouth included.
        let area = rooms.regions[wardrobe].area_px;
        assert!((56.0 * 38.0..=58.0 * 40.0).contains(&area), "{area}");
        assert_eq!(rooms.at(130.0, 95.0), Some(room), "in front of the doors");
        // A written size measures the room with its wardrobe.
        let (width, height, _) = rooms.typical_extent(room);
        assert_eq!((width, height), (336.0, 236.0));

        // The same niche without doors is part of the room.
        let rooms = read(&pocket(false), &pocket(false));
        assert_eq!(rooms.regions.len(), 1);
        assert_eq!(rooms.at(130.0, 50.0), rooms.at(200.0, 150.0));
    }

    /// Bifold doors (a zig-zag) across `x0..x1` at y 72, below the box's top wall.
    fn bifold(ink: &mut Mask, x0: u32, x1: u32) {
        for i in 0..x1 - x0 {
            let t = i % 28;
            let y = 72 + t.min(28 - t) / 2;
            ink.fill(
                i64::from(x0 + i),
                i64::from(y),
                i64::from(x0 + i) + 1,
                i64::from(y) + 2,
                true,
            );
        }
    }

    #[test]
    fn a_wardrobe_in_the_corner_of_a_room_opens_beside_the_wall_that_goes_on() {
        // The partition with its door is the wardrobe's far side; its near side a wall stub.
        let mut ink = Mask::walled_box();
        partition_with_door(&mut ink);
        ink.fill(142, 32, 150, 72, true);
        bifold(&mut ink, 150, 200);
        let rooms = read(&ink, &ink);
        assert_eq!(rooms.regions.len(), 3, "{:?}", rooms.regions.len());
        let (room, wardrobe) = (
            rooms.at(100.0, 150.0).unwrap(),
            rooms.at(175.0, 50.0).unwrap(),
        );
        assert_ne!(room, wardrobe);
        assert_eq!(rooms.regions[wardrobe].within, Some(room));
        assert_eq!(rooms.at(175.0, 95.0), Some(room), "in front of the doors");
        assert_ne!(
            rooms.at(300.0, 150.0),
            Some(room),
            "the room beyond the partition"
        );
    }

    #[test]
    fn a_door_in_the_corner_of_a_room_parts_it_and_a_bare_gap_does_not() {
        // A partition from the top wall ending 28 px short of the bottom one.
        let drawing = |door: bool| {
            let mut ink = Mask::walled_box();
            ink.fill(200, 32, 208, 240, true);
            if door {
                // Hinged at the partition's end: its leaf open and its swing to the wall.
                ink.fill(208, 240, 236, 242, true);
                for i in 0..=100 {
                    let phi = f64::from(i) / 100.0 * std::f64::consts::FRAC_PI_2;
                    let (x, y) = (208.0 + 28.0 * phi.cos(), 240.0 + 28.0 * phi.sin());
                    ink.fill(x as i64, y as i64, x as i64 + 1, y as i64 + 1, true);
                }
            }
            ink
        };
        let rooms = read(&drawing(true), &drawing(true));
        assert_eq!(rooms.regions.len(), 2);
        assert_ne!(rooms.at(100.0, 150.0), rooms.at(300.0, 150.0));
        let rooms = read(&drawing(false), &drawing(false));
        assert_eq!(rooms.regions.len(), 1);
        assert_eq!(rooms.at(100.0, 150.0), rooms.at(300.0, 150.0));
    }

    #[test]
    fn a_part_open_to_the_outside_on_half_its_boundary_is_dropped() {
        // 12 x 6 labels: a room walled in (1), a room with a window to the outside on its
        // left side (2, 4 of its 12 boundary pixels) and a piece of the outside that the
        // footprint took in (3: the page edge above, below and right).
        #[rustfmt::skip]
        let mut labels: Vec<u32> = [
            [0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3],
            [0, 1, 1, 0, 0, 2, 2, 0, 3, 3, 3, 3],
            [0, 1, 1, 0, 0, 2, 2, 0, 3, 3, 3, 3],
            [0, 1, 1, 0, 0, 2, 2, 0, 3, 3, 3, 3],
            [0, 0, 0, 0, 0, 2, 2, 0, 3, 3, 3, 3],
            [0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3],
        ]
        .concat();
        let outside = |j: usize| j % 12 == 4;
        drop_parts_outside(&mut labels, 12, outside);
        assert_eq!(labels[12 + 1], 1, "walled in");
        assert_eq!(labels[12 + 5], 2, "a window on a third of its boundary");
        assert!(
            labels.iter().skip(8).step_by(12).all(|&l| l == 0),
            "{labels:?}"
        );
        assert!(labels.iter().all(|&l| l <= 2), "{labels:?}");
    }

    #[test]
    fn a_door_found_parts_the_floor_when_the_walls_leave_it_open() {
        // Outer walls with a window drawn only in faint lines (top, x 150..210, as the bottom
        // one): the walls' own rooms leak, so the floor is parted. A partition wall (x 200..208)
        // has a door 60 px wide, its leaf and swing drawn: too wide a neck to come apart at.
        let (mut ink, mut faint) = open_box();
        for (x0, x1) in [(20, 150), (210, 380)] {
            ink.fill(x0, 20, x1, 32, true);
            faint.fill(x0, 20, x1, 32, true);
        }
        faint.fill(150, 25, 210, 27, true);
        partition_with_door(&mut ink);
        for (i, bit) in faint.bits.iter_mut().enumerate() {
            *bit |= ink.bits[i];
        }
        let walls = walls::find(&ink).unwrap();
        let found = openings::find(&ink, &walls);
        assert_eq!(
            found.iter().filter(|o| o.kind == Kind::Door).count(),
            1,
            "{found:?}"
        );
        let rooms = find(&ink, &faint, &walls, &found);
        let (left, right) = (
            rooms.at(100.0, 150.0).unwrap(),
            rooms.at(300.0, 200.0).unwrap(),
        );
        assert_ne!(left, right);
        // The rooms meet in the door's wall line.
        assert_eq!(rooms.at(199.0, 130.0), Some(left));
        assert_eq!(rooms.at(209.0, 130.0), Some(right));
    }
}
