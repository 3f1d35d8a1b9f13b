//! What a client asks to render ([`RenderRequest`]) and what the worker gets: the project's
//! content frozen at submit time ([`RenderInput`]), so later edits do not change a queued job.

use roomwright_core::FieldErrors;
use roomwright_projects::{floorplan::FloorPlan, scenarios::Placement};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 4K UHD.
pub const MAX_WIDTH: u32 = 3840;
pub const MAX_HEIGHT: u32 = 2160;
pub const MIN_SIDE: u32 = 16;
pub const MAX_SAMPLES: u32 = 4096;
pub const MAX_CAMERAS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// 16 samples: a quick look.
    Draft,
    /// 64 samples.
    #[default]
    Standard,
    /// 256 samples: client presentations.
    High,
}

impl Quality {
    pub fn samples(self) -> u32 {
        match self {
            Quality::Draft => 16,
            Quality::Standard => 64,
            Quality::High => 256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RenderFormat)]
pub enum Format {
    #[default]
    Png,
    Jpeg,
    /// 32-bit float OpenEXR, linear, for post-production.
    Exr,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Exr => "image/x-exr",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Exr => "exr",
        }
    }

    /// Blender's name of the file format.
    pub fn blender(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Exr => "OPEN_EXR",
        }
    }
}

/// A view to render: a room (the camera is placed in it automatically), or an explicit
/// position and target in plan metres (z up).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_items = 3, max_items = 3)]
    pub position: Option<[f64; 3]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_items = 3, max_items = 3)]
    pub look_at: Option<[f64; 3]>,
    /// Focal length on a 36 mm sensor; 16 by default (wide, as interiors are shot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lens_mm: Option<f64>,
    /// A 360° equirectangular panorama from this point (the job's width must be twice its
    /// height); in a room, taken from its middle at eye height.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub panorama: bool,
}

/// `POST /v1/projects/{id}/renders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderRequest {
    /// The scenario whose furniture is shown; the project's first scenario by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_id: Option<String>,
    /// Render a saved version instead of the current project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Up to 8 views; one per room with placed furniture (at most 4) when empty.
    #[serde(default)]
    pub cameras: Vec<CameraRequest>,
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    #[serde(default)]
    pub quality: Quality,
    /// Path-tracing samples per pixel; overrides `quality`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u32>,
    #[serde(default)]
    pub format: Format,
    /// Same seed, same scene, same machine: the same image.
    #[serde(default)]
    pub seed: u32,
    /// Called (signed) when the job finishes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

fn default_width() -> u32 {
    1280
}

fn default_height() -> u32 {
    720
}

impl RenderRequest {
    pub fn samples(&self) -> u32 {
        self.samples.unwrap_or_else(|| self.quality.samples())
    }

    /// Every problem of the request's own fields, each with its path.
    pub fn validate(&self, errors: &mut FieldErrors) {
        for (field, value, max) in [
            ("width", self.width, MAX_WIDTH),
            ("height", self.height, MAX_HEIGHT),
        ] {
            if !(MIN_SIDE..=max).contains(&value) {
                errors.add(
                    field,
                    "out_of_range",
                    format!("{field} is {MIN_SIDE} to {max} pixels (4K at most)."),
                );
            }
        }
        if let Some(samples) = self.samples
            && !(1..=MAX_SAMPLES).contains(&samples)
        {
            errors.add(
                "samples",
                "out_of_range",
                format!("samples is 1 to {MAX_SAMPLES}."),
            );
        }
        if self.cameras.len() > MAX_CAMERAS {
            errors.add(
                "cameras",
                "too_many",
                format!("At most {MAX_CAMERAS} cameras per job."),
            );
        }
        for (i, camera) in self.cameras.iter().enumerate() {
            let path = |field: &str| format!("cameras[{i}].{field}");
            match (&camera.room_id, camera.position, camera.look_at) {
                (Some(_), None, None) | (None, Some(_), Some(_)) => {}
                (Some(_), _, _) => errors.add(
                    path("room_id"),
                    "conflicting",
                    "Give either room_id or position with look_at, not both.",
                ),
                (None, _, _) => errors.add(
                    path("position"),
                    "required",
                    "Give room_id, or both position and look_at.",
                ),
            }
            for (field, point) in [("position", camera.position), ("look_at", camera.look_at)] {
                if let Some(p) = point
                    && p.iter().any(|v| !v.is_finite() || v.abs() > 1000.0)
                {
                    errors.add(
                        path(field),
                        "out_of_range",
                        "Coordinates are finite metres within 1 km.",
                    );
                }
            }
            if let (Some(p), Some(t)) = (camera.position, camera.look_at)
                && p == t
            {
                errors.add(
                    path("look_at"),
                    "invalid",
                    "look_at must differ from position.",
                );
            }
            if let Some(lens) = camera.lens_mm
                && !(8.0..=300.0).contains(&lens)
            {
                errors.add(path("lens_mm"), "out_of_range", "lens_mm is 8 to 300.");
            }
        }
        if self.cameras.iter().any(|c| c.panorama) && self.width != 2 * self.height {
            errors.add(
                "width",
                "panorama_aspect",
                "A 360° panorama is twice as wide as it is high (e.g. 4096 x 2048).",
            );
        }
    }
}

/// A file format of an exported scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SceneFormat {
    /// glTF binary: the web's 3D format (model-viewer, three.js, Android's Scene Viewer).
    Glb,
    /// Zipped USD: AR Quick Look on iPhone and iPad.
    Usdz,
}

impl SceneFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            SceneFormat::Glb => "model/gltf-binary",
            SceneFormat::Usdz => "model/vnd.usdz+zip",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            SceneFormat::Glb => "glb",
            SceneFormat::Usdz => "usdz",
        }
    }

    /// The render process's name of the exporter.
    pub fn blender(self) -> &'static str {
        match self {
            SceneFormat::Glb => "GLB",
            SceneFormat::Usdz => "USDZ",
        }
    }
}

fn both_formats() -> Vec<SceneFormat> {
    vec![SceneFormat::Glb, SceneFormat::Usdz]
}

/// `POST /v1/projects/{id}/scenes`: the furnished rooms as 3D files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SceneRequest {
    /// The scenario whose furniture is placed; the project's first scenario by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_id: Option<String>,
    /// Export a saved version instead of the current project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Both by default.
    #[serde(default = "both_formats")]
    #[schema(min_items = 1, max_items = 2)]
    pub formats: Vec<SceneFormat>,
    /// Called (signed) when the job finishes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

impl SceneRequest {
    pub fn validate(&self, errors: &mut FieldErrors) {
        let mut seen = self.formats.clone();
        seen.sort_by_key(|f| f.extension());
        seen.dedup();
        if self.formats.is_empty() || seen.len() != self.formats.len() {
            errors.add(
                "formats",
                "invalid",
                "One or both of glb and usdz, each once.",
            );
        }
    }
}

/// Largest file a scene export may write; bigger scenes fail the job (product models are the
/// usual cause).
pub const MAX_SCENE_BYTES: u64 = 64 * 1024 * 1024;

/// What a scene export job writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneExport {
    pub formats: Vec<SceneFormat>,
    pub max_bytes: u64,
}

/// One piece of furniture to place, with what the scene needs of its product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneItem {
    pub selection_id: String,
    pub product_id: String,
    pub name: String,
    pub category: Vec<String>,
    /// Width (along x at rotation 0), depth, height.
    pub size_mm: [u32; 3],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish: Option<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    /// The product's glTF binary model in the assets bucket, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_key: Option<String>,
    pub placement: Placement,
}

/// How to render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderSettings {
    pub width: u32,
    pub height: u32,
    pub samples: u32,
    pub format: Format,
    pub seed: u32,
    pub denoise: bool,
}

/// The worker's input, frozen at submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderInput {
    pub job_id: String,
    pub project_id: String,
    pub floor_plan: FloorPlan,
    pub items: Vec<SceneItem>,
    pub cameras: Vec<CameraRequest>,
    pub settings: RenderSettings,
    /// Export the scene as 3D files instead of rendering pictures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<SceneExport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> RenderRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn defaults_to_720p_standard_png() {
        let r = request("{}");
        assert_eq!(
            (r.width, r.height, r.samples(), r.format),
            (1280, 720, 64, Format::Png)
        );
        assert_eq!(request(r#"{"quality": "high"}"#).samples(), 256);
        assert_eq!(request(r#"{"quality": "high", "samples": 8}"#).samples(), 8);
    }

    #[test]
    fn names_every_bad_field() {
        let r = request(
            r#"{"width": 5000, "height": 8, "samples": 0,
                "cameras": [{"room_id": "a", "position": [0,0,1]}, {"position": [1,1,1]},
                            {"position": [1,1,1], "look_at": [1,1,1], "lens_mm": 2}]}"#,
        );
        let mut errors = FieldErrors::default();
        r.validate(&mut errors);
        assert_eq!(
            errors.paths(),
            [
                "width",
                "height",
                "samples",
                "cameras[0].room_id",
                "cameras[1].position",
                "cameras[2].look_at",
                "cameras[2].lens_mm"
            ]
        );
    }

    #[test]
    fn refuses_unknown_fields() {
        assert!(serde_json::from_str::<RenderRequest>(r#"{"resolution": "4k"}"#).is_err());
    }
}
