//! Dimension strings as drawings write them: `3.80 m`, `3,80 m`, `5600 mm`, `380 cm`,
//! `12'-6"`, `12' 6"`, `16ft 11in`, `8"`, and room sizes `3.80 m x 4.20 m` or
//! `3800 x 4200 mm` (a unit written once, after the last figure, applies to all); thin spaces
//! between thousands (`1 370`), superscript half-centimetres (`2,86⁵`) and fractions of an
//! inch (`6½"`). Figures without a unit (`322 x 347`, `1375`, `14.71`) are read by
//! [`readings`] in every unit they could be in, for the scale to decide by plausibility.
//! Heights (`h = 2,50`, `CH 2.4 m`, `BRH 0,90`), levels (`+2,75`) and areas (`12 m²`) are
//! not dimensions.

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
static FEET_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d)\s*(?:ft|feet|foot)\.?").expect("valid pattern"));
static INCH_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d)\s*(?:in|inch|inches)\b\.?").expect("valid pattern"));
static FRACTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+)[\s-]+(\d)/(\d{1,2})").expect("valid pattern"));
static INCHES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^(\d+(?:\.\d+)?)\s*"$"#).expect("valid pattern"));

/// Words before a figure that make it a height, a level or a sill, not a plan length.
const HEIGHT_WORDS: &[&str] = &[
    "h", "rh", "ch", "lh", "bh", "br", "brh", "fh", "sh", "hgt", "height", "ceiling", "sill", "ok",
    "uk", "okff", "okrd", "fbh", "level", "lvl", "el", "elev",
];

/// Spaces that separate thousands (`1 370`): a space, no-break, thin or narrow no-break space
/// between a group of 1-3 digits and exactly three more.
fn join_thousands(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, ' ' | '\u{a0}' | '\u{2009}' | '\u{202f}') {
            let before = chars[..i]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let after = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let group_start = i - before;
            let starts_number = group_start == 0
                || !(chars[group_start - 1].is_ascii_digit()
                    || chars[group_start - 1] == '.'
                    || chars[group_start - 1] == ',');
            if (1..=3).contains(&before) && after == 3 && starts_number {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// OCR and typesetting variants folded to one spelling; `None` for heights, levels and sills.
fn normalise(text: &str) -> Option<String> {
    let mut s: String = join_thousands(text.trim())
        .chars()
        .map(|c| match c {
            '’' | '‘' | '′' | '`' | '´' => '\'',
            // OCR reads an inch mark as a degree sign or an asterisk now and then.
            '”' | '“' | '″' | '°' | '*' => '"',
            '×' | 'X' => 'x',
            // Superscript digits continue the figure: `2,86⁵` is 2.865.
            '⁰' => '0',
            '¹' => '1',
            '²' => '2',
            '³' => '3',
            '⁴' => '4',
            '⁵' => '5',
            '⁶' => '6',
            '⁷' => '7',
            '⁸' => '8',
            '⁹' => '9',
            c => c,
        })
        .collect();
    s = s
        .replace("''", "\"")
        .replace('½', ".5")
        .replace('¼', ".25")
        .replace('¾', ".75");
    // A stray mark before the first figure (the recogniser's view of a tick or an arrow), but
    // a word or sign saying it is a height or a level makes it none of ours.
    let first = s.find(|c: char| c.is_ascii_digit())?;
    let prefix = s[..first].to_lowercase();
    let words = prefix
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty());
    if prefix.contains(['+', '±', '=']) || words.into_iter().any(|w| HEIGHT_WORDS.contains(&w)) {
        return None;
    }
    let s = s[first..].to_lowercase();
    // Feet and inches written as words: `16ft 11in`, `16 feet 11 inches`.
    let s = FEET_WORD.replace_all(&s, "${1}'");
    let s = INCH_WORD.replace_all(&s, "${1}\"");
    // A fraction of an inch: `6 1/2"`.
    let s = FRACTION.replace_all(&s, |c: &regex::Captures| {
        let (n, d): (f64, f64) = (c[2].parse().unwrap_or(0.0), c[3].parse().unwrap_or(1.0));
        format!("{}{}", &c[1], &format!("{:.4}", n / d.max(1.0))[1..])
    });
    // A full stop, comma or closing bracket after the last figure (OCR or the drawing's own
    // punctuation: `(4.3m x 3.1m)`).
    let s = s
        .trim_end_matches(['.', ',', ';', ':', ')', '）', ']'])
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
        .into()
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
    let s = normalise(text)?;
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

static AREA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\d\s*(?:m²|m2|sq\.?\s*(?:ft|m)|sqm|qm|ft²)").expect("valid pattern")
});

/// A figure that is not a plan length: a height, a level, a sill or an area (`h = 2,50`,
/// `+2,75`, `12.5 m²`), kept out of room names.
pub fn is_note(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit()) && (normalise(text).is_none() || AREA.is_match(text))
}

/// A dimension string read in one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Metres: one for a length, two for a room size.
    pub values: Vec<f64>,
    /// The unit assumed for figures written without one (`m`, `cm` or `mm`); `None` when the
    /// text wrote its unit.
    pub assumed: Option<&'static str>,
}

static BARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+(?:\.\d+)?)(?:\s*x\s*(\d+(?:\.\d+)?))?$").expect("valid pattern")
});

/// Every way a dimension string can be read: as [`parse`] reads it when it writes a unit,
/// else once per unit its bare figures could be in — metres when they have decimals
/// (`14.71`, `5,16 x 3,48`), centimetres and millimetres when they are whole (`322 x 347`,
/// `1375`). Which is right is the scale's decision (what the figure measures on the page).
pub fn readings(text: &str) -> Vec<Reading> {
    if let Some(values) = parse(text) {
        return vec![Reading {
            values,
            assumed: None,
        }];
    }
    // A bare figure stands alone: with any word beside it, it is a label (`A-101`, `Bed 2`).
    if text
        .chars()
        .any(|c| c.is_alphabetic() && !matches!(c, 'x' | 'X'))
    {
        return Vec::new();
    }
    let Some(s) = normalise(text) else {
        return Vec::new();
    };
    let Some(c) = BARE.captures(s.trim()) else {
        return Vec::new();
    };
    let figures: Vec<&str> = [c.get(1), c.get(2)]
        .into_iter()
        .flatten()
        .map(|m| m.as_str())
        .collect();
    let units: &[(&'static str, f64)] = if figures.iter().any(|f| f.contains('.')) {
        &[("m", 1.0)]
    } else {
        &[("cm", 0.01), ("mm", 0.001)]
    };
    units
        .iter()
        .filter_map(|&(unit, to_m)| {
            let values: Vec<f64> = figures
                .iter()
                .map(|f| f.parse::<f64>().ok().map(|v| v * to_m))
                .collect::<Option<_>>()?;
            values
                .iter()
                .all(|v| PLAUSIBLE_M.contains(v))
                .then_some(Reading {
                    values,
                    assumed: Some(unit),
                })
        })
        .collect()
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
        // Estate agents bracket the metric size under the imperial one.
        close("(6.05mx4.88m)", &[6.05, 4.88]);
        close("(4.3m×2.6m）", &[4.3, 2.6]);
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
    fn what_real_drawings_write() {
        close("5.16 x 3.48m", &[5.16, 3.48]);
        close("16'11\" x 11'5\"", &[5.1562, 3.4798]);
        close("16ft 11in x 11ft 5in", &[5.1562, 3.4798]);
        close("16 feet 11 inches", &[5.1562]);
        close("16' 11''", &[5.1562]);
        close("6'-6 1/2\"", &[1.9939]);
        close("6'-6½\"", &[1.9939]);
        close("2,86⁵ m", &[2.865]);
        close("1\u{2009}370 mm", &[1.37]);
        close("12 500 mm", &[12.5]);
        close("3,51 x 4,20 m", &[3.51, 4.2]);
        close("3.80 m.", &[3.8]);
    }

    fn units(text: &str) -> Vec<(Vec<f64>, Option<&'static str>)> {
        readings(text)
            .into_iter()
            .map(|r| {
                let values = r.values.iter().map(|v| (v * 1e6).round() / 1e6).collect();
                (values, r.assumed)
            })
            .collect()
    }

    #[test]
    fn bare_figures_are_read_in_every_unit_they_could_be_in() {
        assert_eq!(
            units("322 X 347"),
            [
                (vec![3.22, 3.47], Some("cm")),
                (vec![0.322, 0.347], Some("mm"))
            ]
        );
        assert_eq!(
            units("1375"),
            [(vec![13.75], Some("cm")), (vec![1.375], Some("mm"))]
        );
        assert_eq!(units("14.71"), [(vec![14.71], Some("m"))]);
        // 288 mm would be no length of a plan.
        assert_eq!(units("565X288."), [(vec![5.65, 2.88], Some("cm"))]);
        assert_eq!(units("5,16"), [(vec![5.16], Some("m"))]);
        // Thousands apart: one figure, not two.
        assert_eq!(
            units("1 370"),
            [(vec![13.7], Some("cm")), (vec![1.37], Some("mm"))]
        );
        assert_eq!(units("3.80 m"), [(vec![3.8], None)]);
        // Too small in any unit, heights, levels, areas and labels.
        for text in [
            "12",
            "h = 2,50",
            "CH 2.4 m",
            "RH 2,60",
            "BRH 0,90",
            "+2,75",
            "±0,00",
            "12.5 m²",
            "12 m2",
            "140 sq ft",
            "Bed 2",
            "Office",
            "A-101",
            "12/14",
        ] {
            assert_eq!(readings(text), [], "{text}");
        }
        for note in [
            "h = 2,50",
            "CH 2.4 m",
            "+2,75",
            "12.5 m²",
            "140 sq ft",
            "12 m2",
        ] {
            assert!(is_note(note), "{note}");
        }
        for text in ["Bed 2", "Office", "3.80 m", "322 x 347"] {
            assert!(!is_note(text), "{text}");
        }
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
