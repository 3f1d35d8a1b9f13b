//! Dealer interchange: what dealers' and designers' tools send and expect back.
//!
//! - In: a SIF furniture list ([`sif`]), a DXF drawing ([`cad`]) or what a Revit or SketchUp
//!   plugin posts ([`plugin`]) is read into [`SourceLine`]s (and, from a drawing, a floor plan),
//!   each line matched against the catalog ([`matching`]: our SKU, a dealer alias, or the
//!   description through the catalog's search) into a [`Proposal`] a user reviews and accepts.
//! - Out: a scenario as SIF ([`sif::write`]) and as DXF ([`cad::write`]).
//! - [`aliases`]: other catalogs' part numbers and CAD block names mapped to our products;
//!   a user's corrections on accepting become aliases for the next import.

pub mod aliases;
#[cfg(feature = "cad")]
pub mod cad;
#[cfg(feature = "matching")]
pub mod matching;
pub mod plugin;
pub mod sif;

use roomwright_projects::floorplan::FloorPlan;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use roomwright_jobs::vision::InterchangeFormat as Format;

/// Lines (SIF items, furniture inserts, plugin instances) one import may hold.
pub const MAX_LINES: usize = 10_000;
/// Entities a DXF's model space may hold.
pub const MAX_ENTITIES: usize = 250_000;
/// Characters of one text value kept (descriptions, names).
pub const MAX_TEXT: usize = 500;

/// One option or attribute of a line (`ON`/`OD`, `AN`/`AD` in SIF; parameters from a plugin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OptionCode {
    pub code: String,
    pub description: String,
}

/// Where a drawn or modelled item stands, converted to the project's metres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SourcePlacement {
    pub x_m: f64,
    pub y_m: f64,
    /// Counter-clockwise, degrees, 0 to 360.
    pub rotation_deg: f64,
    /// The plugin's level, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

/// One line as the file gives it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct SourceLine {
    /// 1-based position among the file's lines (items, inserts, instances).
    pub line: usize,
    /// Where in the file: `SIF line 12`, `DXF INSERT #3 (handle 2A)`, `instances[3]`.
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub description: String,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_price_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sell_price_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionCode>,
    /// A CAD block name, or a plugin's family and type (`Family: Type`) or component name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<String>,
    /// The side mark (SIF `TG`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<SourcePlacement>,
    /// Width, depth, height in millimetres, when the file gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_mm: Option<[f64; 3]>,
}

/// A line or entity that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = InterchangeProblem)]
pub struct Problem {
    /// Where: `SIF line 40`, `DXF LWPOLYLINE (handle 1F) on A-WALL`, `instances[2].location`.
    pub at: String,
    /// A stable code: `not_key_value`, `bad_quantity`, `bad_price`, `orphan_value`,
    /// `unknown_block`, `open_room`, `too_short`, `missing_field`...
    pub code: String,
    pub reason: String,
}

impl Problem {
    pub fn new(at: impl Into<String>, code: &str, reason: impl Into<String>) -> Self {
        Self {
            at: at.into(),
            code: code.into(),
            reason: reason.into(),
        }
    }
}

/// What a reader makes of a file before matching.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The list's title (SIF `ST`/`SF`), the drawing's or model's name.
    pub title: Option<String>,
    pub lines: Vec<SourceLine>,
    pub problems: Vec<Problem>,
    /// From a drawing's wall and room layers.
    pub floor_plan: Option<FloorPlan>,
    /// The file's own unit of length (`mm`, `cm`, `m`, `in`, `ft`), for drawings and models.
    pub units: Option<String>,
}

/// The file cannot be read at all (not the format, over a limit): the import fails with this.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// Why a line matched the product it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// The part number is one of our SKUs.
    Sku,
    /// The part number or block name is a dealer alias of the product.
    Alias,
    /// Manufacturer and description are like the product's, through the catalog's search.
    Description,
    /// The user chose the product when accepting.
    Corrected,
}

/// A product a line matched (or could match), with how sure and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = InterchangeMatch)]
pub struct Match {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    /// 1 for a part number or alias; below 1 for a description, higher is likelier.
    pub confidence: f64,
    pub reason: MatchReason,
    /// In words: `part number CH-100 is our SKU`, `4 of 5 words match "Aeron task chair"`.
    pub why: String,
}

/// A line's finish or option read as one of the product's finishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FinishMapping {
    /// The option or attribute as the file gave it.
    pub from: String,
    /// The product's finish.
    pub to: String,
}

/// One line of a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProposedLine {
    #[serde(flatten)]
    pub source: SourceLine,
    /// The best match, if any is good enough to propose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<Match>,
    /// Other likely products, best first (for the reviewer to pick from).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Match>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish: Option<FinishMapping>,
    /// Options and attributes that are none of the matched product's finishes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmapped_options: Vec<OptionCode>,
}

/// Counts of a proposal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = InterchangeSummary)]
pub struct Summary {
    pub lines: usize,
    pub matched: usize,
    pub by_sku: usize,
    pub by_alias: usize,
    pub by_description: usize,
    pub unmatched: usize,
    pub problems: usize,
    pub placed: usize,
}

/// What an import proposes: every line with its match, the problems, and for drawings the
/// floor plan. Nothing reaches the project until a user accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = InterchangeProposal)]
pub struct Proposal {
    pub format: Format,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    pub summary: Summary,
    pub lines: Vec<ProposedLine>,
    /// Line numbers with no match good enough to propose.
    pub unmatched: Vec<usize>,
    pub problems: Vec<Problem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_plan: Option<FloorPlan>,
    /// Reading, matching and total, in milliseconds.
    #[serde(default)]
    pub timings_ms: std::collections::BTreeMap<String, f64>,
}

/// Reads `bytes` as `format` (before matching).
#[cfg(feature = "cad")]
pub fn parse(format: Format, bytes: &[u8]) -> Result<Parsed, Unreadable> {
    match format {
        Format::Sif => sif::parse(bytes),
        Format::Dxf => cad::read(bytes),
        Format::RevitJson | Format::SketchupJson => plugin::parse(bytes),
    }
}

/// Text as the file gives it: UTF-8, else Windows-1252 (what CET and Worksheet write).
pub fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}').to_string(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// At most [`MAX_TEXT`] characters of `text`, trimmed.
pub fn bounded(text: &str) -> String {
    text.trim().chars().take(MAX_TEXT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_text_is_read_as_its_characters() {
        assert_eq!(decode_text(b"Caf\xe9 \x80 12"), "Café € 12");
        assert_eq!(decode_text("Café".as_bytes()), "Café");
        assert_eq!(decode_text(b"\xef\xbb\xbfPN=1"), "PN=1");
    }
}
