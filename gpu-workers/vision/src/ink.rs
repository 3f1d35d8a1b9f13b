//! The drawing as a binary mask of ink, and the run-length measures the detectors share.

use image::{GrayImage, Luma};
use imageproc::{contrast, distance_transform::Norm, morphology};

/// Darkest and lightest pixel closer than this: a blank page, nothing drawn.
const MIN_CONTRAST: u8 = 40;

/// How much darker than the paper faint ink is, a share of the paper's shade (40 levels
/// on white paper; proportionally fewer on tinted paper, whose contrast is lower).
const FAINT_MARGIN: f64 = 40.0 / 255.0;

/// A binary image: `true` where something is drawn.
#[derive(Clone)]
pub struct Mask {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<bool>,
}

impl Mask {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            bits: vec![false; (width * height) as usize],
        }
    }

    /// Ink: darker than the page by Otsu's threshold (scans have grey paper and grain). A page
    /// without contrast has none.
    pub fn ink(page: &GrayImage) -> Self {
        let (lo, hi) = page
            .pixels()
            .fold((u8::MAX, 0), |(lo, hi), p| (lo.min(p.0[0]), hi.max(p.0[0])));
        if hi.saturating_sub(lo) < MIN_CONTRAST {
            return Self::new(page.width(), page.height());
        }
        let level = contrast::otsu_level(page);
        // A drawing on tinted paper inside a white margin: Otsu parts paper from margin,
        // so the paper would be ink. Then the ink is what Otsu parts from the paper (the
        // margin left out).
        let paper = paper_shade(page);
        if level >= paper {
            let sheet: Vec<u8> = page
                .pixels()
                .map(|p| p.0[0])
                .filter(|&v| v <= paper)
                .collect();
            let level = match GrayImage::from_raw(sheet.len() as u32, 1, sheet) {
                Some(sheet) => contrast::otsu_level(&sheet),
                None => 0,
            };
            return Self::from_gray(page, |v| v <= level && v < paper);
        }
        Self::from_gray(page, |v| v <= level)
    }

    /// Faint ink too: anything clearly darker than the paper (its most common shade), such as
    /// windows drawn as light grey lines, which Otsu's threshold leaves out.
    pub fn faint(page: &GrayImage) -> Self {
        let paper = paper_shade(page);
        let below = f64::from(paper) * (1.0 - FAINT_MARGIN);
        Self::from_gray(page, |v| f64::from(v) < below)
    }

    pub fn from_gray(image: &GrayImage, on: impl Fn(u8) -> bool) -> Self {
        Self {
            width: image.width(),
            height: image.height(),
            bits: image.pixels().map(|p| on(p.0[0])).collect(),
        }
    }

    pub fn to_gray(&self) -> GrayImage {
        GrayImage::from_fn(self.width, self.height, |x, y| {
            Luma([if self.get(x as i64, y as i64) { 255 } else { 0 }])
        })
    }

    /// Off the image reads as background.
    #[inline]
    pub fn get(&self, x: i64, y: i64) -> bool {
        x >= 0
            && y >= 0
            && (x as u32) < self.width
            && (y as u32) < self.height
            && self.bits[(y as u32 * self.width + x as u32) as usize]
    }

    #[inline]
    pub fn set(&mut self, x: u32, y: u32, on: bool) {
        let i = (y * self.width + x) as usize;
        self.bits[i] = on;
    }

    /// Sets every pixel of a rectangle (clipped to the image), ends exclusive.
    pub fn fill(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, on: bool) {
        let (x0, x1) = (x0.max(0) as u32, (x1.max(0) as u32).min(self.width));
        let (y0, y1) = (y0.max(0) as u32, (y1.max(0) as u32).min(self.height));
        for y in y0..y1 {
            for x in x0..x1 {
                self.set(x, y, on);
            }
        }
    }

    /// Whether there is ink within `radius` pixels (square) of a point.
    pub fn near(&self, x: f64, y: f64, radius: i64) -> bool {
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        (-radius..=radius).any(|dy| (-radius..=radius).any(|dx| self.get(cx + dx, cy + dy)))
    }

    /// Share of a rectangle's pixels that are set (ends exclusive).
    pub fn coverage(&self, x0: i64, y0: i64, x1: i64, y1: i64) -> f64 {
        let mut on = 0usize;
        let mut all = 0usize;
        for y in y0..y1 {
            for x in x0..x1 {
                all += 1;
                on += usize::from(self.get(x, y));
            }
        }
        if all == 0 {
            0.0
        } else {
            on as f64 / all as f64
        }
    }

    /// Morphological opening by a square of side `2 * radius + 1`: strokes thinner than that
    /// (text, hatching, door swings, window glazing lines, scan specks) disappear, solid wall
    /// bands stay with their full outline.
    pub fn opened(&self, radius: u8) -> Mask {
        let opened = morphology::open(&self.to_gray(), Norm::LInf, radius);
        Mask::from_gray(&opened, |v| v > 0)
    }

    /// For every set pixel, the length of the horizontal run of set pixels it lies in (0 off).
    pub fn horizontal_runs(&self) -> Vec<u32> {
        let mut runs = vec![0u32; self.bits.len()];
        let w = self.width as usize;
        for row in 0..self.height as usize {
            let line = &self.bits[row * w..(row + 1) * w];
            let mut x = 0;
            while x < w {
                if !line[x] {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < w && line[x] {
                    x += 1;
                }
                runs[row * w + start..row * w + x].fill((x - start) as u32);
            }
        }
        runs
    }

    /// As [`Self::horizontal_runs`], down the columns.
    pub fn vertical_runs(&self) -> Vec<u32> {
        let mut runs = vec![0u32; self.bits.len()];
        let (w, h) = (self.width as usize, self.height as usize);
        for col in 0..w {
            let mut y = 0;
            while y < h {
                if !self.bits[y * w + col] {
                    y += 1;
                    continue;
                }
                let start = y;
                while y < h && self.bits[y * w + col] {
                    y += 1;
                }
                for yy in start..y {
                    runs[yy * w + col] = (y - start) as u32;
                }
            }
        }
        runs
    }

    /// The mask mirrored about its diagonal (columns become rows).
    pub fn transposed(&self) -> Mask {
        let mut t = Mask::new(self.height, self.width);
        for y in 0..self.height {
            for x in 0..self.width {
                if self.bits[(y * self.width + x) as usize] {
                    t.set(y, x, true);
                }
            }
        }
        t
    }

    /// 4-connected components of set pixels: a label per pixel (0: background, else the
    /// component's index + 1) and each component's extent.
    pub fn components(&self) -> (Vec<u32>, Vec<Component>) {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut labels = vec![0u32; self.bits.len()];
        let mut found = Vec::new();
        let mut stack = Vec::new();
        for start in 0..self.bits.len() {
            if !self.bits[start] || labels[start] != 0 {
                continue;
            }
            let label = found.len() as u32 + 1;
            let mut c = Component {
                x0: u32::MAX,
                y0: u32::MAX,
                x1: 0,
                y1: 0,
                area: 0,
            };
            labels[start] = label;
            stack.push(start);
            while let Some(i) = stack.pop() {
                let (x, y) = ((i % w) as u32, (i / w) as u32);
                c.x0 = c.x0.min(x);
                c.y0 = c.y0.min(y);
                c.x1 = c.x1.max(x + 1);
                c.y1 = c.y1.max(y + 1);
                c.area += 1;
                let mut visit = |j: usize| {
                    if self.bits[j] && labels[j] == 0 {
                        labels[j] = label;
                        stack.push(j);
                    }
                };
                if x > 0 {
                    visit(i - 1);
                }
                if (x as usize) + 1 < w {
                    visit(i + 1);
                }
                if y > 0 {
                    visit(i - w);
                }
                if (y as usize) + 1 < h {
                    visit(i + w);
                }
            }
            found.push(c);
        }
        (labels, found)
    }

    /// The bounding box of every set pixel: `(x0, y0, x1, y1)`, ends exclusive.
    pub fn bounds(&self) -> Option<(u32, u32, u32, u32)> {
        let mut b: Option<(u32, u32, u32, u32)> = None;
        for y in 0..self.height {
            for x in 0..self.width {
                if self.bits[(y * self.width + x) as usize] {
                    b = Some(match b {
                        None => (x, y, x + 1, y + 1),
                        Some((x0, y0, x1, y1)) => {
                            (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1))
                        }
                    });
                }
            }
        }
        b
    }
}

/// The paper's shade: the page's most common one.
fn paper_shade(page: &GrayImage) -> u8 {
    let mut counts = [0usize; 256];
    page.pixels().for_each(|p| counts[p.0[0] as usize] += 1);
    (0..256).max_by_key(|&v| counts[v]).unwrap_or(255) as u8
}

/// One connected component: its bounding box (ends exclusive) and pixel count.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    pub area: usize,
}

impl Component {
    pub fn width(&self) -> u32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> u32 {
        self.y1 - self.y0
    }
}

#[cfg(test)]
impl Mask {
    /// A test drawing: a 400 x 300 page with a box of 12 px walls from (20, 20) to (380, 280).
    pub fn walled_box() -> Mask {
        let mut ink = Mask::new(400, 300);
        ink.fill(20, 20, 380, 32, true);
        ink.fill(20, 268, 380, 280, true);
        ink.fill(20, 20, 32, 280, true);
        ink.fill(368, 20, 380, 280, true);
        ink
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_keeps_bands_and_drops_thin_strokes() {
        let mut m = Mask::new(60, 40);
        m.fill(5, 5, 55, 15, true); // a 10 px band
        m.fill(5, 25, 55, 28, true); // a 3 px line
        let open = m.opened(2);
        assert!((open.coverage(5, 5, 55, 15) - 1.0).abs() < 1e-9);
        assert_eq!(open.coverage(5, 25, 55, 28), 0.0);
        assert_eq!(open.bounds(), Some((5, 5, 55, 15)));
    }

    #[test]
    fn ink_on_tinted_paper_inside_a_white_margin_is_only_the_drawing() {
        // A mid-grey sheet (paper 100) with a white margin band and a black wall on it.
        let page = GrayImage::from_fn(100, 80, |x, y| {
            Luma([match (x, y) {
                (_, 0..=19) => 255,
                (20..=79, 40..=45) => 10,
                _ => 100,
            }])
        });
        let ink = Mask::ink(&page);
        assert_eq!(ink.bounds(), Some((20, 40, 80, 46)));
        assert!((ink.coverage(20, 40, 80, 46) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn runs_measure_the_stroke_each_pixel_is_in() {
        let mut m = Mask::new(20, 10);
        m.fill(2, 3, 12, 5, true);
        let h = m.horizontal_runs();
        let v = m.vertical_runs();
        assert_eq!(h[(3 * 20 + 4) as usize], 10);
        assert_eq!(v[(3 * 20 + 4) as usize], 2);
        assert_eq!(h[0], 0);
    }
}
