//! The local AWS stack: a moto server, the resources `template.yaml` declares, and isolated
//! stacks for tests.
//!
//! The local runner and every integration test go through here, so both exercise the same SDK
//! code paths as Lambda does, against resources provisioned from the same template.

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
