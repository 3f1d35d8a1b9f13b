//! Rendering client-ready quotes of a project's scenarios, as PDF or XLSX, and a scenario
//! in the dealers' formats, SIF and DXF ([`interchange`]).
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | export | `PROJECT#<id>` | `EXPORT#<export id>` |

pub mod interchange;
pub mod pdf;
pub mod xlsx;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use roomwright_projects::{model::Project, scenarios::Quote};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ExportFormat)]
pub enum Format {
    Pdf,
    Xlsx,
    /// One scenario as a SIF furniture list (CET, 20-20 Worksheet, ProjectMatrix).
    Sif,
    /// One scenario as a DXF drawing: walls, rooms and furniture blocks with attributes.
    Dxf,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Sif => "sif",
            Format::Dxf => "dxf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Sif => "text/plain; charset=utf-8",
            Format::Dxf => "image/vnd.dxf",
        }
    }
}

/// What a quote document shows: the project and each priced scenario, with the product
/// images that could be fetched (by S3 key).
pub struct QuoteDocument<'a> {
    pub project: &'a Project,
    pub quotes: &'a [Quote],
    pub images: &'a HashMap<String, Vec<u8>>,
    pub generated_at: String,
}

/// `123456` minor units as `1,234.56`.
pub fn amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let (units, cents) = (minor.unsigned_abs() / 100, minor.unsigned_abs() % 100);
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{cents:02}")
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExportRecord {
    pub id: String,
    pub format: Format,
    pub key: String,
    pub scenario_ids: Vec<String>,
    pub created_at: String,
    pub created_by: String,
    pub size_bytes: u64,
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_group_thousands_and_keep_cents() {
        assert_eq!(super::amount(1_488_518), "14,885.18");
        assert_eq!(super::amount(5), "0.05");
        assert_eq!(super::amount(-100_000_000), "-1,000,000.00");
    }
}
