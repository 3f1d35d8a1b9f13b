//! Dimension strings as drawings write them: `3.80 m`, `3,80 m`, `5600 mm`, `380 cm`,
//! `12'-6"`, `12' 6"`, `8"`, and room sizes `3.80 m x 4.20 m` or `3800 x 4200 mm` (a unit
//! written once, after the last figure, applies to all).

use std::sync::LazyLock;

use regex::Regex;

const INCH_M: f64 = 0.0254;
/// Lengths outside this range are not building dimensions (a misread, a sheet number).
const PLAUSIBLE_M: std::ops::RangeInclusive<f64> = 0.3..=300.0;

static METRIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+(?:\.\d+)?)\s*(mm|cm|m)?$").expect("valid pattern"));
static FEET_INCHES: LazyLock<Regex> = LazyLock::new(|| {
    // `12'-6"`, also as OCR drops or doubles a mark: `12'-6`, `12'-6'`, or `12-6"` (the
    // foot mark lost, the inch mark then required).
    Regex::new(r#"^(\d+)\s*(?:'\s*-?\s*(?:(\d+(?:\.\d+)?)\s*["']?)?|-\s*(\d+(?:\.\d+)?)\s*")$"#)
        .expect("valid pattern")
});
static INCHES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^(\d+(?:\.\d+)?)\s*"$"#).expect("valid pattern"));

/// OCR and typesetting variants folded to one spelling.
fn normalise(text: &str) -> String {
    let mut s: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '’' | '‘' | '′' | '`' | '´' => '\'',
            // OCR reads an inch mark as a degree sign or an asterisk now and then.
            '”' | '“' | '″' | '°' | '*' => '"',
            '×' | 'X' => 'x',
            c => c,
        })
        .collect();
    s = s.replace("''", "\"");
    // A stray mark before the first figure (the recogniser's view of a tick or an arrow).
    let s = s
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .to_string();
    // A decimal comma between digits.
    let chars: Vec<char> = s.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let digits_around = i > 0
                && i + 1 < chars.len()
                && chars[i - 1].is_ascii_digit()
                && chars[i + 1].is_ascii_digit();
            if c == ',' && digits_around { '.' } else { c }
        })
        .collect::<String>()
        .to_lowercase()
}

/// One length: metres, and whether it carried its own unit.
fn length(part: &str, unit_for_bare: Option<&str>) -> Option<(f64, bool)> {
    let part = part.trim();
    if let Some(c) = METRIC.captures(part) {
        let value: f64 = c[1].parse().ok()?;
        let (unit, own) = match c.get(2) {
            Some(u) => (u.as_str(), true),
            None => (unit_for_bare?, false),
        };
        let metres = match unit {
            "mm" => value / 1000.0,
            "cm" => value / 100.0,
            _ => value,
        };
        return Some((metres, own));
    }
    if let Some(c) = FEET_INCHES.captures(part) {
        let feet: f64 = c[1].parse().ok()?;
        let inches: f64 = c
            .get(2)
            .or(c.get(3))
            .map_or(Ok(0.0), |m| m.as_str().parse())
            .ok()?;
        return (inches < 12.0).then_some(((feet * 12.0 + inches) * INCH_M, true));
    }
    if let Some(c) = INCHES.captures(part) {
        let inches: f64 = c[1].parse().ok()?;
        return Some((inches * INCH_M, true));
    }
    None
}

/// The lengths a dimension string gives, in metres: one for a length, two for a room size.
/// `None` when the text is not a dimension.
pub fn parse(text: &str) -> Option<Vec<f64>> {
    let s = normalise(text);
    let parts: Vec<&str> = s.split('x').collect();
    if parts.is_empty() || parts.len() > 2 {
        return None;
    }
    // The unit after the last figure, for figures written without one.
    let trailing = METRIC
        .captures(parts[parts.len() - 1].trim())
        .and_then(|c| c.get(2).map(|u| u.as_str().to_string()));
    let mut values = Vec::with_capacity(parts.len());
    let mut any_unit = false;
    for part in &parts {
        let (metres, own) = length(part, trailing.as_deref())?;
        any_unit |= own;
        values.push(metres);
    }
    (any_unit && values.iter().all(|v| PLAUSIBLE_M.contains(v))).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(text: &str, expected: &[f64]) {
        let got = parse(text).unwrap_or_else(|| panic!("{text} did not parse"));
        assert_eq!(got.len(), expected.len(), "{text}");
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-9, "{text}: {g} vs {e}");
        }
    }

    #[test]
    fn metric_lengths_in_every_unit() {
        close("3.80 m", &[3.8]);
        close("3,80m", &[3.8]);
        close("5600 mm", &[5.6]);
        close("380 cm", &[3.8]);
        close("12.40M", &[12.4]);
    }

    #[test]
    fn feet_and_inches() {
        close("12'-6\"", &[3.81]);
        close("12' 6\"", &[3.81]);
        close("12’-6”", &[3.81]);
        close("12'-6", &[3.81]);
        close("40'", &[12.192]);
        close("30\"", &[0.762]);
        close("12'-6'' x 10'-0''", &[3.81, 3.048]);
        // As the recogniser misreads the marks.
        close("\"53'-0*", &[16.1544]);
        close("55'-0°", &[16.764]);
        close("11'-10'x31'-0\"", &[3.6068, 9.4488]);
        close("24'-10\"x16-3\"", &[7.5692, 4.953]);
    }

    #[test]
    fn room_sizes_share_a_trailing_unit() {
        close("3.80 m x 4.20 m", &[3.8, 4.2]);
        close("3800 x 4200 mm", &[3.8, 4.2]);
        close("3.80 × 4.20 m", &[3.8, 4.2]);
    }

    #[test]
    fn labels_and_bare_figures_are_not_dimensions() {
        for text in [
            "Office",
            "Meeting 2",
            "1200",
            "A-101",
            "3.80 m x",
            "0.05 m",
            "x",
            "",
            "0-88",
            "12'-14\"",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
