//! Front-end files we serve ourselves (no CDN), taken from the npm registry at build time by
//! the build scripts of the functions that serve them.
//!
//! A package is named with its version and the registry's `dist.integrity`
//! (`npm view <name>@<version> dist.integrity`); its tarball is fetched once with `npm pack`
//! into `target/npm/`, checked against that sha512, and the wanted file read out of it.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use base64::Engine as _;
use sha2::{Digest, Sha512};

/// A pinned npm package.
pub struct Package {
    pub name: &'static str,
    pub version: &'static str,
    /// `sha512-...`, as the registry publishes it.
    pub integrity: &'static str,
}

impl Package {
    /// `file` of the package (a path inside its tarball, e.g. `package/dist/x.min.js`).
    /// Panics (failing the build) when npm cannot fetch it or it does not match.
    pub fn file(&self, file: &str) -> Vec<u8> {
        let tarball = self.tarball();
        let out = Command::new("tar")
            .arg("-xzOf")
            .arg(&tarball)
            .arg(file)
            .output()
            .expect("tar");
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "{file} not in {}",
            tarball.display()
        );
        out.stdout
    }

    fn tarball(&self) -> PathBuf {
        let cache = cache_dir();
        // npm names scoped packages' tarballs `scope-name-version.tgz`.
        let stem = self.name.trim_start_matches('@').replace('/', "-");
        let tarball = cache.join(format!("{stem}-{}.tgz", self.version));
        if !self.verified(&tarball) {
            std::fs::create_dir_all(&cache).expect("target/npm");
            let status = Command::new("npm")
                .args([
                    "pack",
                    &format!("{}@{}", self.name, self.version),
                    "--silent",
                ])
                .arg("--pack-destination")
                .arg(&cache)
                .status()
                .unwrap_or_else(|e| panic!("npm is needed to bundle {} ({e})", self.name));
            assert!(
                status.success(),
                "npm pack {}@{} failed",
                self.name,
                self.version
            );
            assert!(
                self.verified(&tarball),
                "{} does not match the published sha512 of {}@{}",
                tarball.display(),
                self.name,
                self.version
            );
        }
        tarball
    }

    fn verified(&self, tarball: &Path) -> bool {
        std::fs::read(tarball).is_ok_and(|bytes| {
            let digest = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&bytes));
            format!("sha512-{digest}") == self.integrity
        })
    }
}

/// `target/npm` of the workspace the build script runs in.
fn cache_dir() -> PathBuf {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../target"))
        .join("npm")
}
