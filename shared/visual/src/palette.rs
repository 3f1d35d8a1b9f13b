//! What a room photo's colours say: its palette (k-means in CIELAB, a perceptual colour
//! space, so clusters are colours people tell apart), how bright it is and how warm.

use image::RgbImage;
use kmeans_colors::{Kmeans, Sort, get_kmeans_hamerly};
use palette::{FromColor, Lab, Srgb};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{names, photo};

/// Colours in a palette.
pub const PALETTE_SIZE: usize = 5;
/// Photos are read at this size: enough pixels for stable shares, few enough for milliseconds.
const READ_SIDE_PX: u32 = 160;
/// Swatches smaller than this share of the photo are left out (shares are of what is kept).
const MIN_SHARE: f32 = 0.005;
/// k-means restarts from different seeds; the tightest clustering wins.
const RUNS: u64 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Swatch {
    /// `#rrggbb`.
    pub hex: String,
    pub name: String,
    /// Share of the photo, 0 to 1; a palette's shares add up to 1.
    pub share: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ColourReading {
    /// Largest share first.
    pub palette: Vec<Swatch>,
    /// Mean lightness, 0 (black) to 1 (white).
    pub brightness: f32,
    /// -1 (cool: blues, greens) to 1 (warm: reds, oranges, yellows); 0 is neutral.
    pub warmth: f32,
    /// `warm`, `neutral` or `cool`.
    pub temperature: String,
}

/// Reads the palette, brightness and warmth of a photo.
pub fn read(image: &RgbImage) -> ColourReading {
    let small = photo::fit(image, READ_SIDE_PX);
    let pixels: Vec<Lab> = small.pixels().map(|p| names::lab(p.0)).collect();
    let n = pixels.len().max(1) as f32;
    let brightness = pixels.iter().map(|c| c.l).sum::<f32>() / n / 100.0;
    // Warm hues sit towards +b (yellow) and +a (red) in CIELAB; a beige and oak room reads
    // about +0.5, a blue-grey one about -0.4.
    let lean = pixels.iter().map(|c| c.b + 0.5 * c.a).sum::<f32>() / n;
    let warmth = (lean / 25.0).clamp(-1.0, 1.0);
    let temperature = if warmth > 0.15 {
        "warm"
    } else if warmth < -0.15 {
        "cool"
    } else {
        "neutral"
    };
    ColourReading {
        palette: clusters(&pixels),
        brightness: round(brightness),
        warmth: round(warmth),
        temperature: temperature.into(),
    }
}

fn clusters(pixels: &[Lab]) -> Vec<Swatch> {
    let best: Kmeans<Lab> = (0..RUNS)
        .map(|seed| get_kmeans_hamerly(PALETTE_SIZE, 30, 0.5, false, pixels, seed))
        .min_by(|a, b| a.score.total_cmp(&b.score))
        .expect("at least one run");
    let mut swatches: Vec<Swatch> = Vec::new();
    for cluster in Lab::sort_indexed_colors(&best.centroids, &best.indices) {
        let rgb: Srgb<u8> = Srgb::from_color(cluster.centroid).into_format();
        let hex = format!("#{:02x}{:02x}{:02x}", rgb.red, rgb.green, rgb.blue);
        let name = names::name(cluster.centroid);
        // Clusters a person would call the same colour (a wall and its shaded edge, or a
        // photo with fewer colours than the palette) are one swatch: the largest's hex.
        match swatches.iter_mut().find(|s| s.name == name) {
            Some(same) => same.share += cluster.percentage,
            None if cluster.percentage > 0.0 => swatches.push(Swatch {
                hex,
                name: name.into(),
                share: cluster.percentage,
            }),
            None => {}
        }
    }
    // Specks (a few pixels of a lamp) are not part of a room's palette.
    swatches.retain(|s| s.share >= MIN_SHARE);
    let kept: f32 = swatches.iter().map(|s| s.share).sum();
    for s in &mut swatches {
        s.share /= kept;
    }
    swatches.sort_by(|a, b| b.share.total_cmp(&a.share));
    for s in &mut swatches {
        s.share = round(s.share);
    }
    swatches
}

fn round(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A photo made of horizontal bands: (colour, share of the height).
    fn bands(parts: &[([u8; 3], f32)]) -> RgbImage {
        let (w, h) = (200u32, 400u32);
        let mut image = RgbImage::new(w, h);
        let mut y0 = 0u32;
        for (i, (rgb, share)) in parts.iter().enumerate() {
            let y1 = if i + 1 == parts.len() {
                h
            } else {
                y0 + (share * h as f32) as u32
            };
            for y in y0..y1 {
                for x in 0..w {
                    image.put_pixel(x, y, Rgb(*rgb));
                }
            }
            y0 = y1;
        }
        image
    }

    #[test]
    fn a_scandinavian_room_reads_as_white_oak_and_grey_in_its_proportions() {
        let room = bands(&[
            ([246, 246, 243], 0.5),
            ([168, 121, 74], 0.25),
            ([142, 142, 140], 0.15),
            ([156, 175, 136], 0.06),
            ([31, 45, 77], 0.04),
        ]);
        let reading = read(&room);
        let names: Vec<&str> = reading.palette.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["white", "oak", "grey", "sage green", "navy"]);
        let shares: Vec<f32> = reading.palette.iter().map(|s| s.share).collect();
        for (got, want) in shares.iter().zip([0.5, 0.25, 0.15, 0.06, 0.04]) {
            assert!((got - want).abs() < 0.02, "{shares:?}");
        }
        assert!((shares.iter().sum::<f32>() - 1.0).abs() < 0.01);
        assert!(reading.brightness > 0.7, "{}", reading.brightness);
    }

    #[test]
    fn warm_and_cool_rooms_lean_their_own_way_and_grey_is_neutral() {
        let warm = read(&bands(&[([216, 195, 160], 0.6), ([192, 101, 63], 0.4)]));
        let cool = read(&bands(&[([142, 193, 224], 0.6), ([31, 45, 77], 0.4)]));
        let grey = read(&bands(&[([142, 142, 140], 0.5), ([60, 61, 63], 0.5)]));
        assert_eq!(warm.temperature, "warm");
        assert_eq!(cool.temperature, "cool");
        assert_eq!(grey.temperature, "neutral");
        assert!(warm.warmth > 0.3 && cool.warmth < -0.3, "{warm:?} {cool:?}");
        assert!(grey.brightness < warm.brightness);
    }

    #[test]
    fn shades_of_one_named_colour_are_one_swatch() {
        let reading = read(&bands(&[
            ([241, 238, 231], 0.5),
            ([228, 225, 214], 0.2),
            ([168, 121, 74], 0.3),
        ]));
        let names: Vec<&str> = reading.palette.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["off-white", "oak"], "{:?}", reading.palette);
        assert!((reading.palette[0].share - 0.7).abs() < 0.02);
    }

    #[test]
    fn a_plain_wall_is_one_swatch_not_five_copies() {
        let reading = read(&RgbImage::from_pixel(64, 64, Rgb([236, 231, 219])));
        assert_eq!(reading.palette.len(), 1, "{:?}", reading.palette);
        assert_eq!(reading.palette[0].name, "off-white");
        assert_eq!(reading.palette[0].share, 1.0);
    }
}
