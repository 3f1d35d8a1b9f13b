//! Lambda binaries are linked position-dependent: see "Cold start" in the README.
//!
//! Also bundles the API reference page's one asset, Redoc's standalone script, from the npm
//! registry (the `redoc` package at a pinned version, checked against its published sha512),
//! so the health function serves it itself: no CDN. The package tarball is kept under
//! `target/npm/` and fetched once with `npm pack`.
//!
//! And serves the OpenAPI document without the whitespace `make openapi` writes for review
//! (half the bytes).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use base64::Engine as _;
use sha2::{Digest, Sha512};

const PACKAGE: &str = "redoc";
const VERSION: &str = "2.5.4";
/// `npm view redoc@2.5.4 dist.integrity`
const INTEGRITY: &str = "sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==";
const FILE: &str = "package/bundles/redoc.standalone.js";

fn main() {
    println!("cargo::rustc-link-arg-bins=-no-pie");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=REDOC_VERSION={VERSION}");
    println!("cargo:rerun-if-changed=openapi.json");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let document = std::fs::read_to_string("openapi.json").expect("openapi.json (make openapi)");
    std::fs::write(out_dir.join("openapi.json"), compact(&document)).expect("writing openapi.json");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("redoc.standalone.js");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let cache = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../target"))
        .join("npm");
    let tarball = cache.join(format!("{PACKAGE}-{VERSION}.tgz"));
    if !verified(&tarball) {
        std::fs::create_dir_all(&cache).expect("target/npm");
        let status = Command::new("npm")
            .args(["pack", &format!("{PACKAGE}@{VERSION}"), "--silent"])
            .arg("--pack-destination")
            .arg(&cache)
            .status()
            .unwrap_or_else(|e| panic!("npm is needed to bundle the API docs page ({e})"));
        assert!(status.success(), "npm pack {PACKAGE}@{VERSION} failed");
        assert!(
            verified(&tarball),
            "{} does not match the published sha512 of {PACKAGE}@{VERSION}",
            tarball.display()
        );
    }
    let script = Command::new("tar")
        .arg("-xzOf")
        .arg(&tarball)
        .arg(FILE)
        .output()
        .expect("tar");
    assert!(
        script.status.success() && !script.stdout.is_empty(),
        "{FILE} not in {}",
        tarball.display()
    );
    std::fs::write(&out, script.stdout).expect("writing the docs script");
}

fn verified(tarball: &Path) -> bool {
    std::fs::read(tarball).is_ok_and(|bytes| {
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&bytes));
        format!("sha512-{digest}") == INTEGRITY
    })
}

/// JSON without the whitespace between tokens (strings, keys and their order as they are).
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len() / 2);
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}
