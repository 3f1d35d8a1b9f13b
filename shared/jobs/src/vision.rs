//! What a vision job is given and what it leaves, shared by the API that submits it and the
//! worker that runs it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A floor-plan import to read: the uploaded drawing and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloorPlanInput {
    pub import_id: String,
    pub project_id: String,
    /// The drawing, in the assets bucket.
    pub upload_key: String,
}

/// The frozen input of a vision job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum VisionInput {
    FloorPlan(FloorPlanInput),
    /// Embed a product's first image for visual search.
    ProductImage(ProductImageInput),
    /// Read a dealer's file (SIF, DXF, a CAD plugin's model) into a proposal matched
    /// against the catalog.
    Interchange(InterchangeInput),
}

/// A dealer-interchange import to read: the uploaded file and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterchangeInput {
    pub import_id: String,
    pub project_id: String,
    pub format: InterchangeFormat,
    /// The file, in the assets bucket.
    pub upload_key: String,
}

/// What a dealer-interchange import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InterchangeFormat {
    /// Standard Interchange Format: `KEY=value` lines, one item per `PN=`.
    Sif,
    /// AutoCAD DXF (ASCII or binary): furniture block inserts, wall and room layers.
    Dxf,
    /// The Revit plugin's model (`roomwright_interchange::plugin::PluginModel`).
    RevitJson,
    /// The SketchUp plugin's model (`roomwright_interchange::plugin::PluginModel`).
    SketchupJson,
}

impl InterchangeFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            InterchangeFormat::Sif => "sif",
            InterchangeFormat::Dxf => "dxf",
            InterchangeFormat::RevitJson => "revit-json",
            InterchangeFormat::SketchupJson => "sketchup-json",
        }
    }

    /// The file name's extension of an upload.
    pub fn extension(self) -> &'static str {
        match self {
            InterchangeFormat::Sif => "sif",
            InterchangeFormat::Dxf => "dxf",
            InterchangeFormat::RevitJson | InterchangeFormat::SketchupJson => "json",
        }
    }

    /// Content types an upload of this format may declare.
    pub fn content_types(self) -> &'static [&'static str] {
        match self {
            InterchangeFormat::Sif => &[
                "text/plain",
                "application/x-sif",
                "application/octet-stream",
            ],
            InterchangeFormat::Dxf => &[
                "image/vnd.dxf",
                "application/dxf",
                "image/x-dxf",
                "application/octet-stream",
            ],
            InterchangeFormat::RevitJson | InterchangeFormat::SketchupJson => &["application/json"],
        }
    }

    /// The largest upload of this format.
    pub fn max_bytes(self) -> u64 {
        match self {
            InterchangeFormat::Sif => 8 * 1024 * 1024,
            InterchangeFormat::Dxf => 64 * 1024 * 1024,
            InterchangeFormat::RevitJson | InterchangeFormat::SketchupJson => 16 * 1024 * 1024,
        }
    }
}

/// A product image to embed: the vector is stored for the product and the catalog marked
/// changed, so the next index carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductImageInput {
    pub product_id: String,
    /// The image, in the assets bucket.
    pub image_key: String,
}

/// The job output holding what an embedding job stored (product, model, dimensions).
pub const EMBEDDING_OUTPUT: &str = "embedding";

/// The job output holding the proposal JSON (`vision parse-plan`'s format).
pub const PROPOSAL_OUTPUT: &str = "proposal";

/// The job output holding the page the plan was read from, as a PNG of at most
/// `PAGE_PREVIEW_PX` a side: what the proposal is drawn over.
pub const PAGE_OUTPUT: &str = "page";
pub const PAGE_PREVIEW_PX: u32 = 1600;

/// Drawings the floor-plan reader takes, by content type.
pub const DRAWING_TYPES: [&str; 3] = ["image/png", "image/jpeg", "application/pdf"];

/// The content type a drawing really is, by its first bytes (not its name or declared type).
pub fn sniff_drawing(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}
