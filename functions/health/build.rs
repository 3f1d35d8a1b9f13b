//! Lambda binaries are linked position-dependent: see "Cold start" in the README.
//!
//! Also bundles the API reference page's one asset, Redoc's standalone script, from the npm
//! registry (the `redoc` package at a pinned version, checked against its published sha512),
//! so the health function serves it itself: no CDN. See `roomwright-npm`.
//!
//! And serves the OpenAPI document without the whitespace `make openapi` writes for review
//! (half the bytes).

use std::path::PathBuf;

const REDOC: roomwright_npm::Package = roomwright_npm::Package {
    name: "redoc",
    version: "2.5.4",
    // `npm view redoc@2.5.4 dist.integrity`
    integrity: "sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==",
};

fn main() {
    println!("cargo::rustc-link-arg-bins=-no-pie");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=REDOC_VERSION={}", REDOC.version);
    println!("cargo:rerun-if-changed=openapi.json");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let document = std::fs::read_to_string("openapi.json").expect("openapi.json (make openapi)");
    std::fs::write(out_dir.join("openapi.json"), compact(&document)).expect("writing openapi.json");
    let script = REDOC.file("package/bundles/redoc.standalone.js");
    std::fs::write(out_dir.join("redoc.standalone.js"), script).expect("writing the docs script");
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
