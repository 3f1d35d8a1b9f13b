//! Text on the drawing: PP-OCRv4 detection and recognition run by ONNX Runtime, with the
//! pre- and post-processing of the `rapidocr-onnxruntime` package.
//!
//! The models and ONNX Runtime itself come from registry packages installed by the setup (the
//! Dockerfile and `make`), never from the network at run time: `ORT_DYLIB_PATH` names
//! `libonnxruntime.so` and [`OcrConfig::model_dir`] the folder with the three `.onnx` files.
//! Text on plans runs along the page axes, so boxes are axis-aligned. Boxes taller than wide
//! hold text running up or down the page: both quarter turns are read and the more confident
//! reading kept (measured: surer than the angle classifier on dimension strings, which it
//! sometimes left upside down).

use std::path::PathBuf;

use image::{GrayImage, imageops};
use ort::{
    environment::Environment,
    session::{Session, builder::GraphOptimizationLevel},
    value::Tensor,
};
use thiserror::Error;

use crate::{dimensions, ink::Mask};

pub const DET_MODEL: &str = "ch_PP-OCRv4_det_infer.onnx";
pub const REC_MODEL: &str = "ch_PP-OCRv4_rec_infer.onnx";

/// Detection: probability above which a pixel is text, and the least mean probability of a box.
const DET_THRESHOLD: f32 = 0.3;
/// Measured on the generated plans (`make bench-vision`): at 1280 px 97% of dimension strings
/// are read in 0.78 s a page; at 1024 px 94% in 0.67 s.
pub const DET_SIDE_PX: u32 = 1280;
const BOX_THRESHOLD: f32 = 0.5;
/// Boxes grow by `area * UNCLIP / perimeter` (the detector's maps hug the glyph cores).
const UNCLIP: f64 = 1.6;
/// Recognition input height and the narrowest padded width (as the reference pipeline).
const REC_HEIGHT: u32 = 48;
const REC_MIN_WIDTH: u32 = 320;

#[derive(Debug, Error)]
pub enum OcrError {
    #[error("OCR is not set up: {0}")]
    Setup(String),
    #[error("OCR failed: {0}")]
    Run(String),
}

fn run_err(e: impl std::fmt::Display) -> OcrError {
    OcrError::Run(e.to_string())
}

/// Where the runtime and the models are.
#[derive(Debug, Clone)]
pub struct OcrConfig {
    pub dylib: PathBuf,
    pub model_dir: PathBuf,
    pub threads: usize,
    /// Detection runs on the page scaled to at most this many pixels on its longer side.
    pub det_side_px: u32,
}

impl OcrConfig {
    /// `ORT_DYLIB_PATH` and `VISION_OCR_MODEL_DIR`; `None` when either is unset.
    pub fn from_env() -> Option<Self> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        Some(Self {
            dylib: var("ORT_DYLIB_PATH")?.into(),
            model_dir: var("VISION_OCR_MODEL_DIR")?.into(),
            threads: var("VISION_THREADS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            det_side_px: var("VISION_OCR_DET_SIDE_PX")
                .and_then(|v| v.parse().ok())
                .unwrap_or(DET_SIDE_PX),
        })
    }
}

/// A line of text found on the page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TextLine {
    pub text: String,
    /// `[x0, y0, x1, y1]` in page pixels.
    pub bbox: [f64; 4],
    /// Whether the text runs up or down the page.
    pub vertical: bool,
    pub confidence: f32,
}

impl TextLine {
    pub fn centre(&self) -> (f64, f64) {
        (
            (self.bbox[0] + self.bbox[2]) / 2.0,
            (self.bbox[1] + self.bbox[3]) / 2.0,
        )
    }
}

pub struct Ocr {
    det: Session,
    rec: Session,
    det_side_px: u32,
    /// Index 0 is CTC's blank; the model's dictionary follows, then a space.
    alphabet: Vec<String>,
    _env: Environment,
}

impl Ocr {
    pub fn load(config: &OcrConfig) -> Result<Self, OcrError> {
        let env = roomwright_visual::onnx::environment(&config.dylib).map_err(OcrError::Setup)?;
        let open = |name: &str| -> Result<Session, OcrError> {
            let path = config.model_dir.join(name);
            if !path.is_file() {
                return Err(OcrError::Setup(format!("no model at {}", path.display())));
            }
            let setup = |e: ort::Error| OcrError::Setup(format!("{name}: {e}"));
            let mut builder = Session::builder(&env)
                .map_err(setup)?
                .with_optimization_level(GraphOptimizationLevel::Level3)
                .map_err(|e| setup(e.into()))?;
            if config.threads > 0 {
                builder = builder
                    .with_intra_threads(config.threads)
                    .map_err(|e| setup(e.into()))?;
            }
            builder.commit_from_file(&path).map_err(setup)
        };
        let det = open(DET_MODEL)?;
        let rec = open(REC_MODEL)?;
        let dictionary = rec
            .metadata()
            .map_err(|e| OcrError::Setup(e.to_string()))?
            .custom("character")
            .ok_or_else(|| OcrError::Setup("the recognition model has no character list".into()))?;
        let mut alphabet = vec![String::new()];
        alphabet.extend(dictionary.lines().map(str::to_string));
        alphabet.push(" ".into());
        Ok(Self {
            det,
            rec,
            det_side_px: config.det_side_px.max(320),
            alphabet,
            _env: env,
        })
    }

    /// Every line of text on the page.
    pub fn read(&mut self, page: &GrayImage) -> Result<Vec<TextLine>, OcrError> {
        let boxes = self.detect(page)?;
        let mut lines = Vec::with_capacity(boxes.len());
        for (bbox, _) in boxes {
            let (x0, y0) = (bbox[0].max(0.0) as u32, bbox[1].max(0.0) as u32);
            let x1 = (bbox[2].ceil() as u32).min(page.width());
            let y1 = (bbox[3].ceil() as u32).min(page.height());
            if x1 <= x0 + 2 || y1 <= y0 + 2 {
                continue;
            }
            let crop = imageops::crop_imm(page, x0, y0, x1 - x0, y1 - y0).to_image();
            let vertical = f64::from(y1 - y0) >= 1.5 * f64::from(x1 - x0);
            let (text, confidence) = if vertical {
                // Which way it runs: on plans, vertical text is nearly always a dimension, so
                // a reading that is one wins; otherwise the surer reading.
                let up = self.recognise(&imageops::rotate90(&crop))?;
                let down = self.recognise(&imageops::rotate270(&crop))?;
                let rank = |r: &(String, f32)| (dimensions::parse(&r.0).is_some(), r.1);
                if rank(&up) >= rank(&down) { up } else { down }
            } else {
                self.recognise(&crop)?
            };
            if !text.trim().is_empty() {
                lines.push(TextLine {
                    text: text.trim().to_string(),
                    bbox: [f64::from(x0), f64::from(y0), f64::from(x1), f64::from(y1)],
                    vertical,
                    confidence,
                });
            }
        }
        Ok(lines)
    }

    /// Text boxes in page pixels with their scores.
    fn detect(&mut self, page: &GrayImage) -> Result<Vec<([f64; 4], f32)>, OcrError> {
        // The network wants sides in multiples of 32 (the reference rounds to the nearest).
        let long = page.width().max(page.height());
        let ratio = (f64::from(self.det_side_px) / f64::from(long)).min(1.0);
        let round32 = |v: u32| (((f64::from(v) * ratio / 32.0).round() as u32) * 32).max(32);
        let (w, h) = (round32(page.width()), round32(page.height()));
        let resized = if (w, h) == page.dimensions() {
            page.clone()
        } else {
            imageops::resize(page, w, h, imageops::FilterType::Triangle)
        };
        let plane: Vec<f32> = resized
            .as_raw()
            .iter()
            .map(|&v| f32::from(v) / 127.5 - 1.0)
            .collect();
        let n = plane.len();
        let mut input = Vec::with_capacity(3 * n);
        for _ in 0..3 {
            input.extend_from_slice(&plane);
        }
        let tensor =
            Tensor::from_array(([1usize, 3, h as usize, w as usize], input)).map_err(run_err)?;
        let outputs = self.det.run(ort::inputs![tensor]).map_err(run_err)?;
        let (_, probs) = outputs[0].try_extract_tensor::<f32>().map_err(run_err)?;

        // The text map, dilated by one pixel as the reference does, in connected blobs.
        let mut mask = Mask::new(w, h);
        for (i, p) in probs.iter().enumerate().take(n) {
            if *p > DET_THRESHOLD {
                let (x, y) = ((i as u32) % w, (i as u32) / w);
                mask.set(x, y, true);
                if x + 1 < w {
                    mask.set(x + 1, y, true);
                }
                if y + 1 < h {
                    mask.set(x, y + 1, true);
                }
                if x + 1 < w && y + 1 < h {
                    mask.set(x + 1, y + 1, true);
                }
            }
        }
        let (labels, components) = mask.components();
        let mut sums = vec![0f64; components.len()];
        for (i, l) in labels.iter().enumerate() {
            if *l > 0 {
                sums[*l as usize - 1] += f64::from(probs[i]);
            }
        }
        let (sx, sy) = (
            f64::from(page.width()) / f64::from(w),
            f64::from(page.height()) / f64::from(h),
        );
        let mut boxes = Vec::new();
        for (c, sum) in components.iter().zip(sums) {
            let score = (sum / c.area as f64) as f32;
            let (bw, bh) = (f64::from(c.width()), f64::from(c.height()));
            if score < BOX_THRESHOLD || bw.min(bh) < 3.0 {
                continue;
            }
            let grow = bw * bh * UNCLIP / (2.0 * (bw + bh));
            boxes.push((
                [
                    (f64::from(c.x0) - grow) * sx,
                    (f64::from(c.y0) - grow) * sy,
                    (f64::from(c.x1) + grow) * sx,
                    (f64::from(c.y1) + grow) * sy,
                ],
                score,
            ));
        }
        Ok(join_vertical_fragments(boxes))
    }

    /// CTC greedy decoding of one crop: the text and the mean probability of its characters.
    fn recognise(&mut self, crop: &GrayImage) -> Result<(String, f32), OcrError> {
        let ratio = f64::from(crop.width()) / f64::from(crop.height());
        let width = ((f64::from(REC_HEIGHT) * ratio).ceil() as u32).max(REC_MIN_WIDTH);
        let input = planes(crop, REC_HEIGHT, width);
        let tensor = Tensor::from_array(([1usize, 3, REC_HEIGHT as usize, width as usize], input))
            .map_err(run_err)?;
        let outputs = self.rec.run(ort::inputs![tensor]).map_err(run_err)?;
        let (shape, probs) = outputs[0].try_extract_tensor::<f32>().map_err(run_err)?;
        let classes = *shape.last().unwrap_or(&0) as usize;
        if classes == 0 {
            return Ok((String::new(), 0.0));
        }
        let mut text = String::new();
        let mut confidence = 0f32;
        let mut kept = 0;
        let mut previous = 0usize;
        for step in probs.chunks_exact(classes) {
            let (best, p) =
                step.iter().enumerate().fold(
                    (0, f32::MIN),
                    |acc, (i, &p)| if p > acc.1 { (i, p) } else { acc },
                );
            if best != 0
                && best != previous
                && let Some(c) = self.alphabet.get(best)
            {
                text.push_str(c);
                confidence += p;
                kept += 1;
            }
            previous = best;
        }
        Ok((
            text,
            if kept > 0 {
                confidence / kept as f32
            } else {
                0.0
            },
        ))
    }
}

/// The crop scaled to `height` (keeping its shape, at most `width` wide), normalised to
/// [-1, 1] and padded with zeros to `width`, as three equal planes.
fn planes(crop: &GrayImage, height: u32, width: u32) -> Vec<f32> {
    let ratio = f64::from(crop.width()) / f64::from(crop.height());
    let scaled_w = ((f64::from(height) * ratio).ceil() as u32).clamp(1, width);
    let scaled = imageops::resize(crop, scaled_w, height, imageops::FilterType::Triangle);
    let mut plane = vec![0f32; (height * width) as usize];
    for (x, y, p) in scaled.enumerate_pixels() {
        plane[(y * width + x) as usize] = f32::from(p.0[0]) / 127.5 - 1.0;
    }
    let mut out = Vec::with_capacity(plane.len() * 3);
    for _ in 0..3 {
        out.extend_from_slice(&plane);
    }
    out
}

/// The detector, trained on horizontal lines, often breaks text running up the page into
/// pieces; pieces stacked in one column of about their width are joined back while the join
/// stays a column (so a room's name above its size label never merges: that is wider than tall).
fn join_vertical_fragments(mut boxes: Vec<([f64; 4], f32)>) -> Vec<([f64; 4], f32)> {
    loop {
        let mut joined = false;
        'search: for i in 0..boxes.len() {
            for j in 0..boxes.len() {
                if i == j {
                    continue;
                }
                let (a, b) = (boxes[i].0, boxes[j].0);
                let (wa, wb) = (a[2] - a[0], b[2] - b[0]);
                let overlap = a[2].min(b[2]) - a[0].max(b[0]);
                let gap = b[1] - a[3];
                let merged = [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ];
                let column = (merged[3] - merged[1]) >= 1.5 * (merged[2] - merged[0]);
                if gap >= -wa.min(wb)
                    && gap <= 0.6 * wa.min(wb)
                    && a[1] <= b[1]
                    && overlap >= 0.6 * wa.min(wb)
                    && wa.max(wb) <= 1.4 * wa.min(wb)
                    && column
                {
                    let score = boxes[i].1.min(boxes[j].1);
                    boxes[i] = (merged, score);
                    boxes.remove(j);
                    joined = true;
                    break 'search;
                }
            }
        }
        if !joined {
            return boxes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_a_column_of_text_are_joined_and_stacked_labels_are_not() {
        let column = vec![
            ([90.0, 574.0, 112.0, 590.0], 0.8),
            ([89.0, 594.0, 113.0, 628.0], 0.9),
        ];
        let joined = join_vertical_fragments(column);
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0].0, [89.0, 574.0, 113.0, 628.0]);
        let labels = vec![
            ([476.0, 407.0, 552.0, 434.0], 0.9),
            ([463.0, 434.0, 561.0, 457.0], 0.9),
        ];
        assert_eq!(join_vertical_fragments(labels).len(), 2);
    }
}
