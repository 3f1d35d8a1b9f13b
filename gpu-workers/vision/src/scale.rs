//! The drawing's scale, from its dimension strings matched to what they measure.
//!
//! Two conventions of architectural drawings are read: an overall dimension outside the
//! building measures its outer extent along that side (text above or below: the width; text
//! left or right: the depth), and a room size written inside a room (`3.80 m x 4.20 m`) gives
//! its clear width and depth, face to face. Every match proposes a pixels-per-metre figure;
//! the median wins and figures more than [`AGREEMENT`] away from it (a misread digit, a
//! dimension of something else) are left out.

use serde::{Deserialize, Serialize};

use crate::{dimensions, ocr::TextLine, rooms::Rooms, walls::Walls};

/// Figures within this share of the median agree with it.
pub const AGREEMENT: f64 = 0.02;
/// A room counts as a rectangle (so its size label can be measured) at this fill of its box.
const RECTANGULAR: f64 = 0.97;

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
    let mut add = |text: &str, measures: &str, value_m: f64, measured_px: f64| {
        sources.push(Source {
            text: text.to_string(),
            measures: measures.to_string(),
            value_m,
            measured_px,
            px_per_m: measured_px / value_m,
            used: false,
        });
    };
    for line in texts {
        let Some(values) = dimensions::parse(&line.text) else {
            continue;
        };
        let (cx, cy) = line.centre();
        match values.as_slice() {
            [value] => {
                let beside_x = cx > bx0 && cx < bx1;
                let beside_y = cy > by0 && cy < by1;
                if beside_x && (cy < by0 || cy > by1) && !line.vertical {
                    add(&line.text, "overall_width", *value, bx1 - bx0);
                } else if beside_y && (cx < bx0 || cx > bx1) {
                    add(&line.text, "overall_depth", *value, by1 - by0);
                }
            }
            [width, depth] => {
                let Some(room) = rooms.at(cx, cy) else {
                    continue;
                };
                let c = rooms.regions[room].component;
                let (w, h) = (f64::from(c.width()), f64::from(c.height()));
                if rooms.regions[room].area_px >= RECTANGULAR * w * h {
                    add(&line.text, "room_width", *width, w);
                    add(&line.text, "room_depth", *depth, h);
                }
            }
            _ => {}
        }
    }
    if sources.is_empty() {
        return None;
    }
    let mut figures: Vec<f64> = sources.iter().map(|s| s.px_per_m).collect();
    figures.sort_by(f64::total_cmp);
    let median = figures[figures.len() / 2];
    let mut sum = 0.0;
    let mut used = 0usize;
    for s in &mut sources {
        s.used = (s.px_per_m / median - 1.0).abs() <= AGREEMENT;
        if s.used {
            sum += s.px_per_m;
            used += 1;
        }
    }
    Some(Scale {
        px_per_m: sum / used as f64,
        confidence: used as f64 / sources.len() as f64,
        sources,
        unscaled: false,
    })
}
