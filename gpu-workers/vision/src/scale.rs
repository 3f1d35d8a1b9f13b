//! The drawing's scale, from its dimension strings matched to what they measure.
//!
//! Two conventions of architectural drawings are read: an overall dimension outside the
//! building measures its outer extent along that side (text above or below: the width; text
//! left or right: the depth), and a room size written inside a room (`3.80 m x 4.20 m`) gives
//! its clear width and depth, face to face. Every match proposes a pixels-per-metre figure;
//! a figure without a unit proposes one per unit it could be in (`322 x 347` in centimetres
//! and millimetres), each only if what it would measure is plausible ([`OVERALL_M`],
//! [`ROOM_M`]). The figure most dimension strings agree with (within [`AGREEMENT`], room
//! sizes within [`ROOM_AGREEMENT`]; a written unit counts a little more than an assumed one)
//! wins, the median of those agreeing is the scale; the others (a misread digit, a dimension
//! of something else, the wrong unit) are listed, not used.

use serde::{Deserialize, Serialize};

use crate::{dimensions, ocr::TextLine, rooms::Rooms, walls::Walls};

/// Figures within this share of the median agree with it.
pub const AGREEMENT: f64 = 0.02;
/// Room sizes agree more loosely: estate agents write a room's longest or its usable side, and
/// a read outline takes in recesses.
pub const ROOM_AGREEMENT: f64 = 0.05;
/// What a building's overall width or depth may plausibly measure, in metres.
pub const OVERALL_M: std::ops::RangeInclusive<f64> = 3.0..=300.0;
/// What a room's clear width or depth may plausibly measure, in metres.
pub const ROOM_M: std::ops::RangeInclusive<f64> = 0.8..=40.0;
/// How much a figure with an assumed unit counts against one whose unit was written.
const ASSUMED_WEIGHT: f64 = 0.9;
/// A room counts as a rectangle (so its size label can be measured) when its main rectangle
/// (typical width by typical height) holds at least this share of its area.
const RECTANGULAR: f64 = 0.8;
/// ... and its floor fills at least this share of its bounding box (an outline that leaks
/// along a neighbour or takes in two rooms: its median rows and columns may be either's).
const BOXED: f64 = 0.7;

/// One dimension string and what it was matched to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub text: String,
    /// `overall_width`, `overall_depth`, `room_width` or `room_depth`.
    pub measures: String,
    pub value_m: f64,
    pub measured_px: f64,
    pub px_per_m: f64,
    /// Whether it agrees with the scale (outliers are listed, not used).
    pub used: bool,
    /// The unit assumed for a figure written without one (`m`, `cm`, `mm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumed_unit: Option<String>,
    /// Which dimension string (its index in the page's text) it came from.
    #[serde(skip)]
    text_index: usize,
    /// What it is evidence of: every string written in one room measures that one outline
    /// (`texts + room`), an overall dimension its own line (its text index).
    #[serde(skip)]
    voter: usize,
}

impl Source {
    /// How far from a figure this source may be and still agree with it.
    fn tolerance(&self) -> f64 {
        if self.measures.starts_with("room") {
            ROOM_AGREEMENT
        } else {
            AGREEMENT
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    pub px_per_m: f64,
    /// Share of the matched dimensions that agree with the scale.
    pub confidence: f64,
    pub sources: Vec<Source>,
    /// No dimension could be matched: the plan is drawn at [`NOMINAL_PX_PER_M`] and its
    /// lengths mean nothing until the user gives one (`known_length` when accepting).
    #[serde(default)]
    pub unscaled: bool,
}

/// The scale an unscaled reading is written at: a page's pixels over this figure, so that a
/// plan drawn at a common 1:100 at 150 dpi (59 px/m) comes out roughly life size.
pub const NOMINAL_PX_PER_M: f64 = 50.0;

impl Scale {
    /// What a drawing without a usable dimension is read at.
    pub fn unknown() -> Scale {
        Scale {
            px_per_m: NOMINAL_PX_PER_M,
            confidence: 0.0,
            sources: Vec::new(),
            unscaled: true,
        }
    }
}

/// The scale, when at least one dimension string could be matched.
pub fn estimate(texts: &[TextLine], walls: &Walls, rooms: &Rooms) -> Option<Scale> {
    let (bx0, by0, bx1, by1) = walls.bounds;
    let (bx0, by0, bx1, by1) = (
        f64::from(bx0),
        f64::from(by0),
        f64::from(bx1),
        f64::from(by1),
    );
    let mut sources = Vec::new();
    // Whether any string writes its unit (read once, with the sources).
    let mut units_written = false;
    for (index, line) in texts.iter().enumerate() {
        let (cx, cy) = line.centre();
        for reading in dimensions::readings(&line.text) {
            units_written |= reading.assumed.is_none();
            let mut add = |measures: &str, value_m: f64, measured_px: f64, voter: usize| {
                sources.push(Source {
                    text: line.text.clone(),
                    measures: measures.to_string(),
                    value_m,
                    measured_px,
                    px_per_m: measured_px / value_m,
                    used: false,
                    assumed_unit: reading.assumed.map(str::to_string),
                    text_index: index,
                    voter,
                });
            };
            match reading.values.as_slice() {
                [value] if OVERALL_M.contains(value) => {
                    let beside_x = cx > bx0 && cx < bx1;
                    let beside_y = cy > by0 && cy < by1;
                    if beside_x && (cy < by0 || cy > by1) && !line.vertical {
                        add("overall_width", *value, bx1 - bx0, index);
                    } else if beside_y && (cx < bx0 || cx > bx1) {
                        add("overall_depth", *value, by1 - by0, index);
                    }
                }
                [width, depth] if ROOM_M.contains(width) && ROOM_M.contains(depth) => {
                    let Some(room) = rooms.at(cx, cy) else {
                        continue;
                    };
                    // The room's main rectangle, measured past bays and recesses.
                    let (w, h, area) = rooms.typical_extent(room);
                    let c = rooms.regions[room].component;
                    let boxed = f64::from(c.width()) * f64::from(c.height());
                    if area <= w * h / RECTANGULAR && area >= BOXED * boxed {
                        // Written sizes come in either order: short side to short side.
                        let (short_m, long_m) = (width.min(*depth), width.max(*depth));
                        let (short_px, long_px) = (w.min(h), w.max(h));
                        let (short, long) = if w <= h {
                            ("room_width", "room_depth")
                        } else {
                            ("room_depth", "room_width")
                        };
                        add(short, short_m, short_px, texts.len() + room);
                        add(long, long_m, long_px, texts.len() + room);
                    }
                }
                _ => {}
            }
        }
    }
    // A drawing that writes its units writes them everywhere: unitless figures beside them are
    // something else (feet and inches whose primes the scan lost, reference numbers).
    if units_written {
        sources.retain(|s| s.assumed_unit.is_none());
    }
    // Likewise figures with decimals (metres) on two or more strings outrank whole numbers
    // taken for centimetres: estate agents stack `5.21x4.73` under `17'1 x 15'6`, and the
    // primes are the first thing a scan loses.
    let decimal_texts: std::collections::HashSet<usize> = sources
        .iter()
        .filter(|s| s.assumed_unit.as_deref() == Some("m"))
        .map(|s| s.text_index)
        .collect();
    if decimal_texts.len() >= 2 {
        sources.retain(|s| !matches!(s.assumed_unit.as_deref(), Some("cm" | "mm")));
    }
    if sources.is_empty() {
        return None;
    }
    // The figure the most dimension strings agree with (each string counted once, by its
    // best-agreeing reading; the strings written in one room once: an estate agent's
    // `13'2 x 11'5` over `(4.0m x 3.5m)` is one room's evidence, not two).
    let support = |figure: f64| {
        let mut best: std::collections::HashMap<usize, f64> = Default::default();
        for s in &sources {
            if (s.px_per_m / figure - 1.0).abs() <= s.tolerance() {
                let weight = if s.assumed_unit.is_some() {
                    ASSUMED_WEIGHT
                } else {
                    1.0
                };
                let entry = best.entry(s.voter).or_default();
                *entry = entry.max(weight);
            }
        }
        best.values().sum::<f64>()
    };
    let mut figures: Vec<f64> = sources.iter().map(|s| s.px_per_m).collect();
    figures.sort_by(f64::total_cmp);
    let median = figures[figures.len() / 2];
    let chosen = figures
        .iter()
        .copied()
        .map(|f| (support(f), -(f / median - 1.0).abs(), f))
        .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, f)| f)
        .unwrap_or(median);
    let mut agreeing = Vec::new();
    let mut agreeing_texts = std::collections::HashSet::new();
    for s in &mut sources {
        s.used = (s.px_per_m / chosen - 1.0).abs() <= s.tolerance();
        if s.used {
            agreeing.push(s.px_per_m);
            agreeing_texts.insert(s.text_index);
        }
    }
    // Their median: one room whose written size is its longest side, or whose outline takes
    // in a recess, does not move it.
    agreeing.sort_by(f64::total_cmp);
    let px_per_m = if agreeing.len() % 2 == 1 {
        agreeing[agreeing.len() / 2]
    } else {
        (agreeing[agreeing.len() / 2 - 1] + agreeing[agreeing.len() / 2]) / 2.0
    };
    let all_texts: std::collections::HashSet<usize> =
        sources.iter().map(|s| s.text_index).collect();
    // One string against all the others is a guess: better to ask for a length than to
    // scale a plan wrongly.
    if agreeing_texts.len() < 2 && all_texts.len() >= 2 {
        return None;
    }
    Some(Scale {
        px_per_m,
        confidence: agreeing_texts.len() as f64 / all_texts.len() as f64,
        sources,
        unscaled: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ink::Mask, openings, rooms, walls};

    fn line(text: &str, x: f64, y: f64) -> TextLine {
        TextLine {
            text: text.into(),
            bbox: [x - 20.0, y - 6.0, x + 20.0, y + 6.0],
            vertical: false,
            confidence: 0.9,
        }
    }

    /// Two rooms side by side, 168 x 236 and 160 x 236 px.
    fn two_rooms() -> (Walls, Rooms) {
        let mut ink = Mask::walled_box();
        ink.fill(200, 32, 208, 268, true);
        let walls = walls::find(&ink).unwrap();
        let found = openings::find(&ink, &walls);
        let rooms = rooms::find(&ink, &ink, &walls, &found);
        assert_eq!(rooms.regions.len(), 2);
        (walls, rooms)
    }

    #[test]
    fn metres_under_imperial_sizes_that_lost_their_primes_set_the_scale() {
        // Two rooms, 168 x 236 and 160 x 236 px, drawn at 40 px a metre.
        let (walls, rooms) = two_rooms();
        // Each room's size twice: `19'4 x 13'8` read without its primes (which, taken for
        // centimetres, agree with each other too), and in metres without a unit.
        let texts = [
            line("194x138", 110.0, 120.0),
            line("5.90x4.20", 110.0, 140.0),
            line("194x131", 290.0, 120.0),
            // Written 2.5% short of the room as drawn: room sizes agree more loosely.
            line("5.90x3.90", 290.0, 140.0),
        ];
        let scale = estimate(&texts, &walls, &rooms).unwrap();
        assert!(
            (scale.px_per_m / 40.0 - 1.0).abs() < 0.01,
            "{}",
            scale.px_per_m
        );
        assert!(
            scale
                .sources
                .iter()
                .all(|s| s.assumed_unit.as_deref() == Some("m"))
        );
        assert_eq!(scale.sources.iter().filter(|s| s.used).count(), 4);
    }

    #[test]
    fn the_strings_written_in_one_room_are_one_room_s_evidence() {
        // Two rooms, 168 x 236 and 160 x 236 px, drawn at 40 px a metre. The left room's
        // size is written twice, imperial over metric, both too small (as if at 45 px a
        // metre: its outline takes in a cupboard); the right room's size and the overall
        // width agree with 40.
        let (walls, rooms) = two_rooms();
        let texts = [
            line("12'3\" x 17'2\"", 110.0, 120.0),
            line("3.73m x 5.24m", 110.0, 140.0),
            line("4.00m x 5.90m", 290.0, 130.0),
            line("9.00m", 200.0, 10.0),
        ];
        let scale = estimate(&texts, &walls, &rooms).unwrap();
        assert!(
            (scale.px_per_m / 40.0 - 1.0).abs() < 0.01,
            "{}",
            scale.px_per_m
        );
        let used: Vec<&str> = scale
            .sources
            .iter()
            .filter(|s| s.used)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(used, ["4.00m x 5.90m", "4.00m x 5.90m", "9.00m"]);
    }

    #[test]
    fn a_room_outline_that_leaks_along_its_neighbour_measures_nothing() {
        // Two rooms drawn at 40 px a metre; the left one's outline runs on under the
        // partition as a 10 px strip along the right room's bottom wall (its box is twice
        // its floor): a broken outline, whatever its median rows and columns say.
        let (walls, mut rooms) = two_rooms();
        let left = rooms.at(100.0, 150.0).unwrap();
        let right = rooms.at(300.0, 150.0).unwrap();
        for y in 258..268u32 {
            for x in 200..368u32 {
                rooms.labels[(y * rooms.width + x) as usize] = left as u32 + 1;
            }
        }
        rooms.regions[left].component.x1 = 368;
        rooms.regions[left].area_px += 168.0 * 10.0;
        rooms.regions[right].area_px -= 160.0 * 10.0;
        let texts = [
            line("4.20m x 5.90m", 110.0, 130.0),
            line("4.00m x 5.90m", 290.0, 130.0),
            line("9.00m", 200.0, 10.0),
        ];
        let scale = estimate(&texts, &walls, &rooms).unwrap();
        let measured: Vec<&str> = scale.sources.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(measured, ["4.00m x 5.90m", "4.00m x 5.90m", "9.00m"]);
        assert!(
            (scale.px_per_m / 40.0 - 1.0).abs() < 0.01,
            "{}",
            scale.px_per_m
        );
    }
}
