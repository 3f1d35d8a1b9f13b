//! The vision worker's library: floor-plan reading (walls, rooms, doors, windows, text and
//! scale) into the project's floor-plan schema.

pub mod dimensions;
pub mod eval;
pub mod ink;
pub mod job;
pub mod ocr;
pub mod openings;
pub mod proposal;
pub mod raster;
pub mod real;
pub mod rooms;
pub mod scale;
pub mod walls;

use std::time::Instant;

use image::GrayImage;
use thiserror::Error;

use crate::{
    ink::Mask,
    ocr::{Ocr, OcrError},
    proposal::Proposal,
};

#[derive(Debug, Error)]
pub enum PlanError {
    #[error("no walls were found: the drawing needs walls drawn as solid or filled bands")]
    NoWalls,
    #[error(transparent)]
    Ocr(#[from] OcrError),
}

impl PlanError {
    /// Whether the drawing is at fault (retrying will not help).
    pub fn is_input(&self) -> bool {
        !matches!(self, PlanError::Ocr(_))
    }
}

/// Reads a drawing's page into a proposed floor plan (unscaled, `scale.unscaled`, when no
/// dimension on it could be matched).
pub fn read_plan(page: &GrayImage, ocr: &mut Ocr) -> Result<Proposal, PlanError> {
    let started = Instant::now();
    let mut timings = Vec::new();
    let mut lap = |name: &str, from: &mut Instant| {
        timings.push((name.to_string(), from.elapsed().as_secs_f64() * 1000.0));
        *from = Instant::now();
    };
    let mut t = Instant::now();
    let ink = Mask::ink(page);
    let walls = walls::find(&ink).ok_or(PlanError::NoWalls)?;
    lap("walls", &mut t);
    let openings = openings::find(&ink, &walls);
    lap("openings", &mut t);
    let texts = ocr.read(page)?;
    lap("ocr", &mut t);
    // Text is not a wall: it must not close the building's outline where it sits.
    let (mut drawn, mut faint) = (ink.clone(), Mask::faint(page));
    for line in &texts {
        let [x0, y0, x1, y1] = line.bbox;
        let (x0, y0, x1, y1) = (x0 as i64 - 1, y0 as i64 - 1, x1 as i64 + 2, y1 as i64 + 2);
        drawn.fill(x0, y0, x1, y1, false);
        faint.fill(x0, y0, x1, y1, false);
    }
    let rooms = rooms::find(&drawn, &faint, &walls, &openings);
    lap("rooms", &mut t);
    // Without a dimension the geometry still comes back, unscaled, for the user to scale
    // from one length they know.
    let scale = scale::estimate(&texts, &walls, &rooms).unwrap_or_else(scale::Scale::unknown);
    let mut proposal =
        proposal::build(page.dimensions(), &walls, &openings, &rooms, &texts, &scale);
    lap("assembly", &mut t);
    timings.push(("total".into(), started.elapsed().as_secs_f64() * 1000.0));
    proposal.timings_ms = timings.into_iter().collect();
    Ok(proposal)
}
