//! Colour names an interior designer would use, with a reference sRGB value each; a colour
//! takes the name of the nearest reference (CIEDE2000).

use palette::{IntoColor, Lab, Srgb, color_difference::Ciede2000};

const NAMED: &[(&str, [u8; 3])] = &[
    ("white", [246, 246, 243]),
    ("off-white", [236, 231, 219]),
    ("cream", [241, 228, 195]),
    ("beige", [216, 195, 160]),
    ("sand", [200, 176, 138]),
    ("taupe", [139, 125, 107]),
    ("light grey", [200, 200, 198]),
    ("grey", [142, 142, 140]),
    ("charcoal", [60, 61, 63]),
    ("black", [21, 21, 21]),
    ("light oak", [201, 160, 112]),
    ("oak", [168, 121, 74]),
    ("walnut", [92, 61, 42]),
    ("brown", [107, 74, 50]),
    ("terracotta", [192, 101, 63]),
    ("rust", [160, 69, 42]),
    ("red", [179, 38, 30]),
    ("burgundy", [109, 31, 42]),
    ("blush pink", [232, 184, 176]),
    ("pink", [217, 122, 150]),
    ("mustard", [208, 160, 42]),
    ("yellow", [232, 200, 64]),
    ("orange", [224, 122, 42]),
    ("olive", [122, 122, 58]),
    ("sage green", [156, 175, 136]),
    ("green", [63, 127, 74]),
    ("forest green", [38, 77, 52]),
    ("teal", [42, 122, 122]),
    ("turquoise", [64, 176, 176]),
    ("sky blue", [142, 193, 224]),
    ("blue", [47, 95, 168]),
    ("navy", [31, 45, 77]),
    ("lavender", [180, 167, 214]),
    ("purple", [106, 63, 138]),
    ("brass", [181, 150, 66]),
];

/// The colour's value in CIELAB.
pub fn lab(rgb: [u8; 3]) -> Lab {
    Srgb::new(rgb[0], rgb[1], rgb[2])
        .into_format::<f32>()
        .into_color()
}

/// The name of the nearest reference colour.
pub fn name(colour: Lab) -> &'static str {
    NAMED
        .iter()
        .map(|(name, rgb)| (*name, colour.difference(lab(*rgb))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(name, _)| name)
        .expect("the table is not empty")
}

/// Every colour name this module can give.
pub fn all() -> impl Iterator<Item = &'static str> {
    NAMED.iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_take_the_nearest_designers_name() {
        assert_eq!(name(lab([250, 250, 250])), "white");
        assert_eq!(name(lab([30, 40, 80])), "navy");
        assert_eq!(name(lab([170, 120, 70])), "oak");
        assert_eq!(name(lab([150, 170, 130])), "sage green");
        assert_eq!(name(lab([10, 10, 10])), "black");
    }
}
