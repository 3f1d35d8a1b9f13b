//! Lambda binaries are linked position-dependent: see "Cold start" in the README.
//!
//! Also bundles the proposal page's 3D viewer, the `@google/model-viewer` web component (its
//! self-contained build, three.js included), from the npm registry at a pinned version checked
//! against its published sha512 (`roomwright-npm`), so the function serves it itself; gzipped
//! here too (a quarter of the bytes), for the browsers that take it so (all of them).

const MODEL_VIEWER: roomwright_npm::Package = roomwright_npm::Package {
    name: "@google/model-viewer",
    version: "4.4.0",
    // `npm view @google/model-viewer@4.4.0 dist.integrity`
    integrity: "sha512-8z1SB5sPlzKoak5mdx/D31brBakPYm3Qi31EfAucHAUrtrHHCbabypkKvSwReYhUpPaxyJ46oT47uWE/hrs1Zw==",
};

fn main() {
    println!("cargo::rustc-link-arg-bins=-no-pie");
    println!("cargo:rerun-if-changed=build.rs");
    println!(
        "cargo:rustc-env=MODEL_VIEWER_VERSION={}",
        MODEL_VIEWER.version
    );
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let script = MODEL_VIEWER.file("package/dist/model-viewer.min.js");
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gzip, &script).expect("gzip in memory");
    let gzipped = gzip.finish().expect("gzip in memory");
    std::fs::write(out_dir.join("model-viewer.min.js"), script).expect("writing model-viewer");
    std::fs::write(out_dir.join("model-viewer.min.js.gz"), gzipped).expect("writing model-viewer");
}
