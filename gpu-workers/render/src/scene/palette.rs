//! Materials: the shell's, and one per product finish named in the catalogue ("oak",
//! "graphite", "sage fabric", ...). Finishes the palette does not know get a muted colour
//! derived from their name, so the same finish always looks the same.

use std::collections::BTreeMap;

use super::MaterialSpec;

fn spec(rgb: [f64; 3], roughness: f64, metallic: f64) -> MaterialSpec {
    MaterialSpec {
        base_color: rgb,
        roughness,
        metallic,
        emission: None,
    }
}

/// Linear-light colours (what Blender's Principled BSDF takes), measured by eye against
/// photographs of the materials under daylight.
const KNOWN: &[(&str, [f64; 3], f64, f64)] = &[
    ("walnut", [0.20, 0.11, 0.06], 0.45, 0.0),
    ("oak", [0.50, 0.33, 0.17], 0.45, 0.0),
    ("ash", [0.62, 0.50, 0.35], 0.45, 0.0),
    ("birch", [0.68, 0.55, 0.38], 0.45, 0.0),
    ("beech", [0.60, 0.42, 0.26], 0.45, 0.0),
    ("white", [0.80, 0.80, 0.78], 0.5, 0.0),
    ("black", [0.02, 0.02, 0.02], 0.5, 0.0),
    ("graphite", [0.05, 0.05, 0.055], 0.5, 0.0),
    ("anthracite", [0.05, 0.05, 0.055], 0.5, 0.0),
    ("charcoal", [0.06, 0.06, 0.065], 0.8, 0.0),
    ("grey", [0.30, 0.30, 0.30], 0.6, 0.0),
    ("gray", [0.30, 0.30, 0.30], 0.6, 0.0),
    ("silver", [0.80, 0.80, 0.80], 0.3, 1.0),
    ("aluminium", [0.80, 0.80, 0.80], 0.35, 1.0),
    ("chrome", [0.90, 0.90, 0.90], 0.1, 1.0),
    ("brass", [0.70, 0.50, 0.20], 0.3, 1.0),
    ("navy", [0.02, 0.04, 0.15], 0.8, 0.0),
    ("blue", [0.05, 0.15, 0.45], 0.7, 0.0),
    ("sage", [0.25, 0.35, 0.22], 0.8, 0.0),
    ("green", [0.08, 0.28, 0.10], 0.7, 0.0),
    ("olive", [0.22, 0.24, 0.06], 0.8, 0.0),
    ("terracotta", [0.50, 0.16, 0.07], 0.8, 0.0),
    ("red", [0.50, 0.04, 0.03], 0.6, 0.0),
    ("yellow", [0.75, 0.55, 0.05], 0.6, 0.0),
    ("mustard", [0.55, 0.38, 0.04], 0.8, 0.0),
    ("beige", [0.60, 0.50, 0.36], 0.8, 0.0),
    ("sand", [0.60, 0.50, 0.36], 0.8, 0.0),
    ("oat", [0.62, 0.55, 0.44], 0.8, 0.0),
    ("cream", [0.75, 0.70, 0.58], 0.7, 0.0),
];

/// The material of a finish name.
pub fn finish(name: &str) -> MaterialSpec {
    let lower = name.to_lowercase();
    if let Some((_, rgb, roughness, metallic)) = KNOWN.iter().find(|(key, ..)| lower.contains(key))
    {
        return spec(*rgb, *roughness, *metallic);
    }
    // FNV-1a of the name picks a hue; saturation and value stay muted like real upholstery.
    let hash = lower.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    let hue = (hash % 360) as f64;
    spec(hsv(hue, 0.35, 0.45), 0.7, 0.0)
}

fn hsv(hue: f64, saturation: f64, value: f64) -> [f64; 3] {
    let c = value * saturation;
    let x = c * (1.0 - ((hue / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (hue / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = value - c;
    [r + m, g + m, b + m]
}

/// The name a finish's material goes by in the scene.
pub fn finish_material_name(name: &str) -> String {
    format!(
        "finish-{}",
        name.to_lowercase().replace(char::is_whitespace, "-")
    )
}

/// The shell's materials and the frame material of stand-ins.
pub fn shell() -> BTreeMap<String, MaterialSpec> {
    [
        ("wall", spec([0.72, 0.70, 0.66], 0.9, 0.0)),
        ("ceiling", spec([0.80, 0.80, 0.80], 0.9, 0.0)),
        ("floor-oak", spec([0.45, 0.30, 0.17], 0.4, 0.0)),
        ("floor-carpet", spec([0.18, 0.19, 0.21], 1.0, 0.0)),
        ("floor-tile", spec([0.55, 0.55, 0.52], 0.25, 0.0)),
        ("floor-concrete", spec([0.40, 0.40, 0.38], 0.7, 0.0)),
        (
            super::furniture::FRAME_MATERIAL,
            spec([0.04, 0.04, 0.045], 0.35, 0.6),
        ),
    ]
    .into_iter()
    .map(|(name, spec)| (name.to_string(), spec))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_finishes_and_stable_unknown_ones() {
        assert_eq!(finish("Natural Oak").base_color, [0.50, 0.33, 0.17]);
        assert_eq!(finish("brushed aluminium").metallic, 1.0);
        let a = finish("Kvadrat Hallingdal 130");
        assert_eq!(a, finish("kvadrat hallingdal 130"));
        assert!(a.base_color.iter().all(|c| (0.0..=1.0).contains(c)));
        assert_eq!(finish_material_name("Sage Fabric"), "finish-sage-fabric");
    }
}
