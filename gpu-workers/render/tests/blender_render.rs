//! Real renders with Blender Cycles on CPU (the `bpy` package `make` installs): a small image
//! of the sample office, checked for plausible pixels, and the process surviving a bad command.

use std::collections::BTreeMap;

use roomwright_render::{
    blender::{Blender, BlenderConfig, OutputFile, RenderCommand},
    sample, scene,
};

fn out_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "roomwright-render-test-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn command(path: &std::path::Path, seed: u32) -> RenderCommand {
    RenderCommand {
        camera: 0,
        width: 96,
        height: 64,
        samples: 8,
        denoise: true,
        seed,
        threads: 2,
        outputs: vec![OutputFile {
            path: path.to_path_buf(),
            format: "PNG",
        }],
    }
}

#[tokio::test]
async fn renders_the_sample_office_with_plausible_pixels_and_reuses_the_process() {
    let dir = out_dir("office");
    let (built, stats) = scene::build(&sample::office(), &BTreeMap::new()).unwrap();
    assert!(stats.solids > 20, "{stats:?}");
    let scene_path = dir.join("scene.json");
    std::fs::write(&scene_path, serde_json::to_vec(&built).unwrap()).unwrap();

    let mut blender = Blender::start(&BlenderConfig::from_env()).unwrap();
    let loaded = blender.load(&scene_path).await.unwrap();
    assert_eq!(loaded.device, "CPU");
    // Meshes, lights and the camera of the scene, all in Blender.
    assert_eq!(
        loaded.objects as usize,
        built.meshes.len() + built.lights.len() + built.cameras.len()
    );

    let first = dir.join("first.png");
    let mut fractions = Vec::new();
    blender
        .render(&command(&first, 7), |f| fractions.push(f))
        .await
        .unwrap();
    // Blender reports its samples as it goes: the worker turns them into job progress.
    assert!(!fractions.is_empty(), "no progress reported");
    assert_eq!(fractions.last(), Some(&1.0));
    let image = image::open(&first).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (96, 64));
    let luminance: Vec<f64> = image
        .pixels()
        .map(|p| 0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]))
        .collect();
    let mean = luminance.iter().sum::<f64>() / luminance.len() as f64;
    let spread =
        (luminance.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luminance.len() as f64).sqrt();
    // A lit room: neither black nor blown out, with visible structure (walls, floor, furniture).
    assert!((25.0..230.0).contains(&mean), "mean luminance {mean}");
    assert!(spread > 8.0, "the image is nearly flat: spread {spread}");
    let black = luminance.iter().filter(|l| **l < 3.0).count();
    assert!(
        black * 20 < luminance.len(),
        "{black} black pixels: broken geometry or lights"
    );
    let warm = image.pixels().filter(|p| p[0] > p[2] + 10).count();
    assert!(
        warm > 0,
        "no warm pixels: the oak furniture and floor are missing"
    );

    // The same process renders again; the same seed gives the same picture.
    let second = dir.join("second.png");
    blender.render(&command(&second, 7), |_| {}).await.unwrap();
    assert_eq!(
        image::open(&second).unwrap().to_rgb8().into_raw(),
        image.into_raw(),
        "same scene, seed and machine: same pixels"
    );
    blender.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_bad_command_is_refused_and_the_process_goes_on() {
    let dir = out_dir("refused");
    let mut blender = Blender::start(&BlenderConfig::from_env()).unwrap();
    let error = blender.load(&dir.join("missing.json")).await.unwrap_err();
    assert!(error.to_string().contains("missing.json"), "{error}");
    let error = blender
        .render(&command(&dir.join("x.png"), 1), |_| {})
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no scene loaded"), "{error}");
    blender.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A GLB of a 2 m cube, exported by Blender itself.
fn cube_glb(path: &std::path::Path) {
    let script = "import bpy, sys\n\
bpy.ops.wm.read_factory_settings(use_empty=True)\n\
bpy.ops.mesh.primitive_cube_add(size=2)\n\
bpy.ops.export_scene.gltf(filepath=sys.argv[-1], export_format='GLB')\n";
    let status = std::process::Command::new(BlenderConfig::from_env().python)
        .args(["-c", script, "--"])
        .arg(path)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success() && path.exists());
}

#[tokio::test]
async fn a_products_own_model_replaces_its_stand_in_and_a_broken_one_is_refused() {
    let dir = out_dir("models");
    let glb = dir.join("cabinet.glb");
    cube_glb(&glb);
    let models = BTreeMap::from([("p-cabinet".to_string(), glb.clone())]);
    let (built, _) = scene::build(&sample::office(), &models).unwrap();
    assert_eq!(built.imports.len(), 1);
    assert_eq!(
        built.imports[0].size,
        [0.8, 0.45, 1.95],
        "fitted to the catalogue size"
    );
    assert!(
        !built
            .meshes
            .iter()
            .any(|m| m.name.starts_with("item-cabinet"))
    );
    let scene_path = dir.join("scene.json");
    std::fs::write(&scene_path, serde_json::to_vec(&built).unwrap()).unwrap();
    let mut blender = Blender::start(&BlenderConfig::from_env()).unwrap();
    let loaded = blender.load(&scene_path).await.unwrap();
    // The model's mesh and the empty that places and scales it.
    assert_eq!(
        loaded.objects as usize,
        built.meshes.len() + built.lights.len() + built.cameras.len() + 2
    );
    blender
        .render(&command(&dir.join("model.png"), 1), |_| {})
        .await
        .unwrap();

    std::fs::write(&glb, b"not a glTF file").unwrap();
    let error = blender.load(&scene_path).await.unwrap_err();
    assert!(
        matches!(error, roomwright_render::blender::BlenderError::Refused(_)),
        "{error}"
    );
    blender.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
