//! Photos as the platform reads them: JPEG, PNG or WebP recognised by their signature (a
//! client's content type is not trusted), decoded under a memory limit, and scaled down to
//! what each reading needs.

use http::StatusCode;
use image::{ImageFormat, ImageReader, Limits, RgbImage};
use roomwright_core::{ApiError, FieldError};

/// The largest photo one API request may carry (API Gateway and Lambda cap request bodies at
/// 6 MB once base64-encoded).
pub const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;
/// What decoding one image may allocate in all: the decoded pixels plus their conversion to
/// the form the reader works on, computed from the header before anything is allocated (a
/// 243 KiB PNG can claim 16000x16000 pixels). Every route and worker that decodes images
/// checks it ([`check_budget`]).
pub const MAX_PIPELINE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("not a JPEG, PNG or WebP image")]
    Unsupported,
    #[error("the image could not be read: {0}")]
    Unreadable(String),
    #[error("the image is {width}x{height} pixels, more than can be read; scale it down")]
    TooLarge { width: u32, height: u32 },
}

/// Checks, from the header alone, that decoding the image (`format`) and converting it to
/// `converted_bytes_per_pixel` (3 for RGB, 1 for grey) stays within [`MAX_PIPELINE_BYTES`].
pub fn check_budget(
    bytes: &[u8],
    format: ImageFormat,
    converted_bytes_per_pixel: u64,
) -> Result<(u32, u32), PhotoError> {
    use image::ImageDecoder;
    let decoder = ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    let decoded = u64::from(decoder.color_type().bytes_per_pixel());
    if pixels.saturating_mul(decoded + converted_bytes_per_pixel) > MAX_PIPELINE_BYTES {
        return Err(PhotoError::TooLarge { width, height });
    }
    Ok((width, height))
}

/// The photo's format by its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

pub fn decode(bytes: &[u8]) -> Result<RgbImage, PhotoError> {
    let format = sniff(bytes).ok_or(PhotoError::Unsupported)?;
    check_budget(bytes, format, 3)?;
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIPELINE_BYTES);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    if image.width() == 0 || image.height() == 0 {
        return Err(PhotoError::Unreadable("the image is empty".into()));
    }
    Ok(image.to_rgb8())
}

/// The photo scaled down so its longer side is at most `side` pixels (never up).
pub fn fit(image: &RgbImage, side: u32) -> RgbImage {
    let longer = image.width().max(image.height());
    if longer <= side {
        return image.clone();
    }
    let scale = f64::from(side) / f64::from(longer);
    let w = ((f64::from(image.width()) * scale).round() as u32).max(1);
    let h = ((f64::from(image.height()) * scale).round() as u32).max(1);
    // Area averaging: as good as a filtered resize for shrinking, several times faster on a
    // 12 MP photo.
    image::imageops::thumbnail(image, w, h)
}

/// The photo as a JPEG, for sending to a model.
pub fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88)
        .encode_image(image)
        .expect("encoding an RGB image into memory cannot fail");
    out
}

/// A photo sent as the request body, decoded off the async threads; problems name the body.
pub async fn from_body(body: axum::body::Body) -> Result<RgbImage, ApiError> {
    let field = |status, code: &'static str, message: String| {
        ApiError::new(status, code, "The photo cannot be used")
            .with_detail(message.clone())
            .with_errors(vec![FieldError::new("body", code, message)])
    };
    let bytes = axum::body::to_bytes(body, MAX_PHOTO_BYTES)
        .await
        .map_err(|_| {
            field(
                StatusCode::PAYLOAD_TOO_LARGE,
                "photo_too_large",
                format!(
                    "Photos are at most {} MB; scale it down and send it again.",
                    MAX_PHOTO_BYTES / (1024 * 1024)
                ),
            )
        })?;
    tokio::task::spawn_blocking(move || decode(&bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            PhotoError::Unsupported => field(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_image",
                "Send the photo itself as the body: JPEG, PNG or WebP.".into(),
            ),
            PhotoError::Unreadable(reason) => field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unreadable_image",
                format!("The photo could not be read: {reason}"),
            ),
            too_large @ PhotoError::TooLarge { .. } => field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_many_pixels",
                too_large.to_string(),
            ),
        })
}

/// A PNG that claims `width` x `height` grey pixels in a few bytes (its header, and image data
/// for one row): what a decompression bomb looks like to a header check.
pub fn claimed_png(width: u32, height: u32) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let sum = crc(&out[start..]);
        out.extend_from_slice(&sum.to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
    chunk(&mut out, b"IHDR", &header);
    // A stored (uncompressed) zlib block of one empty row: the rest is simply missing.
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x01,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_bytes_and_others_refused() {
        let photo = RgbImage::from_pixel(40, 20, image::Rgb([200, 100, 50]));
        let bytes = jpeg(&photo);
        assert_eq!(sniff(&bytes), Some(ImageFormat::Jpeg));
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.dimensions(), (40, 20));
        assert!(matches!(
            decode(b"%PDF-1.7 not a photo"),
            Err(PhotoError::Unsupported)
        ));
        assert!(matches!(
            decode(&bytes[..bytes.len() / 3]),
            Err(PhotoError::Unreadable(_))
        ));
    }

    #[test]
    fn the_pixel_budget_is_checked_from_the_header() {
        let bomb = claimed_png(16_000, 16_000);
        assert!(bomb.len() < 100);
        assert!(matches!(
            check_budget(&bomb, ImageFormat::Png, 3),
            Err(PhotoError::TooLarge {
                width: 16_000,
                height: 16_000
            })
        ));
        assert!(matches!(decode(&bomb), Err(PhotoError::TooLarge { .. })));
        // A 24-megapixel photo fits; the same as grey for a drawing reader fits easily.
        assert!(check_budget(&claimed_png(6000, 4000), ImageFormat::Png, 3).is_ok());
    }

    #[test]
    fn photos_are_scaled_down_keeping_their_shape_and_never_up() {
        let photo = RgbImage::new(1000, 500);
        assert_eq!(fit(&photo, 200).dimensions(), (200, 100));
        assert_eq!(fit(&photo, 2000).dimensions(), (1000, 500));
    }
}
