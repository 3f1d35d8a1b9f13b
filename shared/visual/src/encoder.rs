//! Image embeddings for visual search: one unit vector per image, from Amazon Bedrock's Titan
//! Multimodal Embeddings in AWS, or from an ONNX image encoder (a CLIP-style vision tower) the
//! deployer provides. One setting, [`SETTING`], names either: a Bedrock model id, or the path
//! of an `.onnx` file (which also needs `ORT_DYLIB_PATH`).

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use aws_smithy_types::Blob;
use base64::{Engine, engine::general_purpose::STANDARD};
use image::{RgbImage, imageops::FilterType};
use ort::{session::Session, value::Tensor};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::OnceCell;

use crate::{
    bedrock::{BedrockClient, ModelError, model_error},
    photo,
};

pub const SETTING: &str = "IMAGE_EMBEDDING_MODEL";
/// Titan's smallest output that keeps its retrieval quality; 100k products fit in 150 MB.
pub const TITAN_DIMENSIONS: usize = 384;
/// Images go to Bedrock at most this large: embeddings gain nothing from more pixels.
const BEDROCK_SIDE_PX: u32 = 512;
/// CLIP's input normalisation, which CLIP-style encoders share.
const MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
const STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];
const DEFAULT_INPUT_PX: u32 = 224;

pub enum ImageEncoder {
    Bedrock {
        client: Arc<BedrockClient>,
        model_id: String,
    },
    Onnx {
        path: PathBuf,
        dylib: Option<PathBuf>,
        session: OnceCell<Arc<OnnxEncoder>>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("the image encoder could not be loaded: {0}")]
    Setup(String),
    #[error("the image encoder failed: {0}")]
    Run(String),
}

impl ImageEncoder {
    /// The encoder the deployment names in [`SETTING`]; `None` when it names none.
    pub fn from_env(bedrock: impl FnOnce() -> Arc<BedrockClient>) -> Option<Self> {
        let value = std::env::var(SETTING)
            .ok()
            .filter(|v| !v.trim().is_empty())?;
        Some(Self::from_setting(&value, bedrock))
    }

    pub fn from_setting(value: &str, bedrock: impl FnOnce() -> Arc<BedrockClient>) -> Self {
        let value = value.trim();
        if value.ends_with(".onnx") {
            Self::Onnx {
                path: PathBuf::from(value),
                dylib: std::env::var_os("ORT_DYLIB_PATH")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from),
                session: OnceCell::new(),
            }
        } else {
            Self::Bedrock {
                client: bedrock(),
                model_id: value.to_string(),
            }
        }
    }

    /// Who made a vector: vectors of different models are not comparable, so each stored
    /// vector carries this and search uses only its own model's.
    pub fn model(&self) -> String {
        match self {
            Self::Bedrock { model_id, .. } => format!("bedrock:{model_id}:{TITAN_DIMENSIONS}"),
            Self::Onnx { path, .. } => {
                let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                format!("onnx:{name}:{bytes}")
            }
        }
    }

    /// The image's embedding, of unit length.
    pub async fn embed(&self, image: &RgbImage) -> Result<Vec<f32>, EncodeError> {
        let vector = match self {
            Self::Bedrock { client, model_id } => {
                titan(client, model_id, &photo::fit(image, BEDROCK_SIDE_PX)).await?
            }
            Self::Onnx {
                path,
                dylib,
                session,
            } => {
                let encoder = session
                    .get_or_try_init(|| async {
                        let (path, dylib) = (path.clone(), dylib.clone());
                        tokio::task::spawn_blocking(move || OnnxEncoder::load(&path, dylib))
                            .await
                            .map_err(|e| EncodeError::Setup(e.to_string()))?
                            .map(Arc::new)
                    })
                    .await?
                    .clone();
                let image = image.clone();
                tokio::task::spawn_blocking(move || encoder.embed(&image))
                    .await
                    .map_err(|e| EncodeError::Run(e.to_string()))??
            }
        };
        unit(vector)
    }
}

fn unit(mut vector: Vec<f32>) -> Result<Vec<f32>, EncodeError> {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if vector.is_empty() || !norm.is_finite() || norm == 0.0 {
        return Err(EncodeError::Run("the encoder returned no direction".into()));
    }
    vector.iter_mut().for_each(|v| *v /= norm);
    Ok(vector)
}

#[derive(Deserialize)]
struct TitanResponse {
    #[serde(default)]
    embedding: Vec<f32>,
    #[serde(default)]
    message: Option<String>,
}

/// Titan Multimodal Embeddings' request format (InvokeModel).
pub fn titan_body(jpeg: &[u8]) -> serde_json::Value {
    json!({
        "inputImage": STANDARD.encode(jpeg),
        "embeddingConfig": {"outputEmbeddingLength": TITAN_DIMENSIONS},
    })
}

async fn titan(
    client: &BedrockClient,
    model_id: &str,
    image: &RgbImage,
) -> Result<Vec<f32>, EncodeError> {
    let body = titan_body(&photo::jpeg(image));
    let output = client
        .get()
        .await
        .invoke_model()
        .model_id(model_id)
        .content_type("application/json")
        .accept("application/json")
        .body(Blob::new(serde_json::to_vec(&body).expect("JSON")))
        .send()
        .await
        .map_err(model_error)?;
    let response: TitanResponse = serde_json::from_slice(output.body().as_ref())
        .map_err(|e| ModelError::Failed(format!("unreadable embedding response: {e}")))?;
    if let Some(message) = response.message.filter(|m| !m.is_empty()) {
        return Err(ModelError::Refused(message).into());
    }
    if response.embedding.len() != TITAN_DIMENSIONS {
        return Err(ModelError::Failed(format!(
            "expected {TITAN_DIMENSIONS} dimensions, got {}",
            response.embedding.len()
        ))
        .into());
    }
    Ok(response.embedding)
}

/// An ONNX vision encoder: one `[1, 3, H, W]` float input (CLIP-normalised RGB), its first
/// output flattened as the embedding.
pub struct OnnxEncoder {
    session: Mutex<Session>,
    width: u32,
    height: u32,
}

impl OnnxEncoder {
    pub fn load(path: &Path, dylib: Option<PathBuf>) -> Result<Self, EncodeError> {
        let setup = |e: String| EncodeError::Setup(format!("{}: {e}", path.display()));
        let dylib = dylib.ok_or_else(|| {
            setup("ORT_DYLIB_PATH must name the ONNX Runtime library for an .onnx encoder".into())
        })?;
        if !path.is_file() {
            return Err(setup("no such file".into()));
        }
        let env = crate::onnx::environment(&dylib).map_err(setup)?;
        let session = Session::builder(&env)
            .map_err(|e| setup(e.to_string()))?
            .commit_from_file(path)
            .map_err(|e| setup(e.to_string()))?;
        let side = |i: usize| {
            session.inputs().first().and_then(|input| {
                input
                    .dtype()
                    .tensor_shape()
                    .and_then(|s| s.get(i).copied())
                    .filter(|d| *d > 0)
                    .map(|d| d as u32)
            })
        };
        let (height, width) = (
            side(2).unwrap_or(DEFAULT_INPUT_PX),
            side(3).unwrap_or(DEFAULT_INPUT_PX),
        );
        Ok(Self {
            session: Mutex::new(session),
            width,
            height,
        })
    }

    /// The image resized to cover the input, centre-cropped, normalised, then run.
    pub fn embed(&self, image: &RgbImage) -> Result<Vec<f32>, EncodeError> {
        let run = |e: ort::Error| EncodeError::Run(e.to_string());
        let (w, h) = (self.width, self.height);
        let scale = (w as f32 / image.width() as f32).max(h as f32 / image.height() as f32);
        let (sw, sh) = (
            ((image.width() as f32 * scale).ceil() as u32).max(w),
            ((image.height() as f32 * scale).ceil() as u32).max(h),
        );
        let scaled = image::imageops::resize(image, sw, sh, FilterType::Triangle);
        let cropped =
            image::imageops::crop_imm(&scaled, (sw - w) / 2, (sh - h) / 2, w, h).to_image();
        let plane = (w * h) as usize;
        let mut input = vec![0f32; 3 * plane];
        for (i, pixel) in cropped.pixels().enumerate() {
            for c in 0..3 {
                input[c * plane + i] = (f32::from(pixel.0[c]) / 255.0 - MEAN[c]) / STD[c];
            }
        }
        let tensor =
            Tensor::from_array(([1usize, 3, h as usize, w as usize], input)).map_err(run)?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| EncodeError::Run("poisoned".into()))?;
        let outputs = session.run(ort::inputs![tensor]).map_err(run)?;
        let (_, values) = outputs[0].try_extract_tensor::<f32>().map_err(run)?;
        Ok(values.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_names_a_bedrock_model_or_an_onnx_file() {
        let aws = Arc::new(roomwright_core::aws::Aws::from_env());
        let bedrock = || Arc::new(BedrockClient::lazy(aws.clone(), None));
        let titan = ImageEncoder::from_setting("amazon.titan-embed-image-v1", bedrock);
        assert_eq!(titan.model(), "bedrock:amazon.titan-embed-image-v1:384");
        let onnx = ImageEncoder::from_setting(" /models/clip-vit-b32-vision.onnx ", bedrock);
        assert!(matches!(onnx, ImageEncoder::Onnx { .. }));
        assert_eq!(onnx.model(), "onnx:clip-vit-b32-vision.onnx:0");
    }

    #[test]
    fn vectors_are_unit_length_and_empty_ones_refused() {
        let v = unit(vec![3.0, 4.0]).unwrap();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert!(unit(vec![0.0, 0.0]).is_err());
        assert!(unit(Vec::new()).is_err());
    }
}
