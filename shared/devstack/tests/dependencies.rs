//! The dependency rule: a function (`functions/*`) or worker (`gpu-workers/*`) depends on
//! libraries in `shared/` only, never on another function or worker, in any section
//! (dependencies, build and dev-dependencies); `functions/local`, the local runner, may depend
//! on everything; nothing in `shared/` depends on a function or worker.

use std::{collections::HashMap, path::Path, process::Command};

use serde_json::Value;

#[test]
fn functions_and_workers_depend_on_shared_libraries_only() {
    let root = roomwright_devstack::repo_root().canonicalize().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(&root)
        .output()
        .expect("cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    // Where each workspace package lives, relative to the root: `functions/auth`, say.
    let home: HashMap<String, String> = packages
        .iter()
        .map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str().unwrap());
            let dir = manifest.parent().unwrap().strip_prefix(&root).unwrap();
            (
                p["name"].as_str().unwrap().to_string(),
                dir.display().to_string(),
            )
        })
        .collect();
    assert!(
        home.len() > 15,
        "the workspace lists {} packages",
        home.len()
    );
    let mut broken = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap();
        let dir = &home[name];
        if dir == "functions/local" {
            continue;
        }
        for dependency in package["dependencies"].as_array().unwrap() {
            let Some(target) = home.get(dependency["name"].as_str().unwrap()) else {
                continue; // from the registry
            };
            if !target.starts_with("shared/") {
                let kind = dependency["kind"].as_str().unwrap_or("normal");
                broken.push(format!("{dir} ({name}) depends on {target} ({kind})"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "functions and workers may depend on shared/* only:\n{}",
        broken.join("\n")
    );
}
