//! An uploaded drawing as one grey page: PNG and JPEG decoded with `image`, one-page PDFs
//! rendered by PDFium (Chrome's PDF engine), bound at run time from the library the
//! `pypdfium2` package ships (`PDFIUM_LIB_PATH`), so nothing is downloaded.

use std::path::PathBuf;

use image::{GrayImage, ImageFormat, ImageReader, Limits, imageops};
use pdfium_render::prelude::{PdfRenderConfig, Pdfium};
use roomwright_jobs::vision::sniff_drawing;
use thiserror::Error;

/// PDFs are rendered this wide along their longer side; photos and scans larger than
/// [`MAX_SIDE_PX`] are scaled down to it (beyond it, time grows and nothing is gained).
pub const PDF_SIDE_PX: u32 = 1600;
pub const MAX_SIDE_PX: u32 = 3200;

#[derive(Debug, Error)]
pub enum RasterError {
    #[error("the file is not a PNG, JPEG or PDF")]
    Unsupported,
    #[error("the image cannot be read: {0}")]
    Image(String),
    #[error("the PDF cannot be read: {0}")]
    Pdf(String),
    #[error("the PDF has {0} pages; upload a one-page PDF (or one page of it)")]
    Pages(usize),
    /// PDFium is missing: the deployment's fault, not the file's.
    #[error("PDF rendering is not set up: {0}")]
    Setup(String),
}

impl RasterError {
    /// Whether the uploaded file is at fault (as opposed to the worker's setup).
    pub fn is_input(&self) -> bool {
        !matches!(self, RasterError::Setup(_))
    }
}

/// What kind of file the bytes are, by their signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Pdf,
}

impl Format {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match sniff_drawing(bytes)? {
            "image/png" => Some(Format::Png),
            "image/jpeg" => Some(Format::Jpeg),
            _ => Some(Format::Pdf),
        }
    }
}

/// The page of a drawing, grey, at most [`MAX_SIDE_PX`] on its longer side.
/// The page at most [`roomwright_jobs::vision::PAGE_PREVIEW_PX`] a side, for drawing the
/// proposal over.
pub fn preview(page: &GrayImage) -> GrayImage {
    let max = roomwright_jobs::vision::PAGE_PREVIEW_PX;
    let long = page.width().max(page.height());
    if long <= max {
        return page.clone();
    }
    let ratio = f64::from(max) / f64::from(long);
    imageops::resize(
        page,
        ((f64::from(page.width()) * ratio).round() as u32).max(1),
        ((f64::from(page.height()) * ratio).round() as u32).max(1),
        imageops::FilterType::Triangle,
    )
}

pub fn page(bytes: &[u8]) -> Result<GrayImage, RasterError> {
    let page = match Format::sniff(bytes).ok_or(RasterError::Unsupported)? {
        Format::Png => decode(bytes, ImageFormat::Png)?,
        Format::Jpeg => decode(bytes, ImageFormat::Jpeg)?,
        Format::Pdf => pdf_page(bytes)?,
    };
    let long = page.width().max(page.height());
    if long <= MAX_SIDE_PX {
        return Ok(page);
    }
    let ratio = f64::from(MAX_SIDE_PX) / f64::from(long);
    Ok(imageops::resize(
        &page,
        (f64::from(page.width()) * ratio).round() as u32,
        (f64::from(page.height()) * ratio).round() as u32,
        imageops::FilterType::Triangle,
    ))
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<GrayImage, RasterError> {
    // The platform's one pixel budget, from the header: a decompression bomb is no plan.
    roomwright_visual::photo::check_budget(bytes, format, 1)
        .map_err(|e| RasterError::Image(e.to_string()))?;
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(roomwright_visual::photo::MAX_PIPELINE_BYTES);
    reader.limits(limits);
    reader
        .decode()
        .map(|i| i.to_luma8())
        .map_err(|e| RasterError::Image(e.to_string()))
}

fn pdfium_library() -> Result<PathBuf, RasterError> {
    std::env::var("PDFIUM_LIB_PATH")
        .ok()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| RasterError::Setup("PDFIUM_LIB_PATH is not set".into()))
}

fn pdf_page(bytes: &[u8]) -> Result<GrayImage, RasterError> {
    let library = pdfium_library()?;
    let bindings = Pdfium::bind_to_library(&library)
        .map_err(|e| RasterError::Setup(format!("{}: {e}", library.display())))?;
    let pdfium = Pdfium::new(bindings);
    let document = pdfium
        .load_pdf_from_byte_slice(bytes, None)
        .map_err(|e| RasterError::Pdf(e.to_string()))?;
    let pages = document.pages();
    let count = pages.len() as usize;
    if count != 1 {
        return Err(RasterError::Pages(count));
    }
    let page = pages.get(0).map_err(|e| RasterError::Pdf(e.to_string()))?;
    let config = PdfRenderConfig::new()
        .set_target_width(PDF_SIDE_PX as i32)
        .set_maximum_height(PDF_SIDE_PX as i32);
    let bitmap = page
        .render_with_config(&config)
        .map_err(|e| RasterError::Pdf(e.to_string()))?;
    Ok(bitmap.as_image().to_luma8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_signature_not_their_name() {
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(Format::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(Format::sniff(b"%PDF-1.7"), Some(Format::Pdf));
        assert_eq!(Format::sniff(b"GIF89a"), None);
        assert!(matches!(page(b"hello"), Err(RasterError::Unsupported)));
        assert!(matches!(
            page(b"\x89PNG\r\n\x1a\nbroken"),
            Err(RasterError::Image(_))
        ));
    }
}
