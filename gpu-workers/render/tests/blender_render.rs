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

/// The sample office as 3D files for the proposal page: a GLB model-viewer reads (glTF 2
/// binary with the room's and the furniture's meshes) and a USDZ for iPhones (a zip whose
/// first file is the USD layer), from Blender's own exporters.
#[tokio::test]
async fn the_scene_exports_as_glb_and_usdz() {
    let dir = out_dir("export");
    let (built, _) = scene::build(&sample::office(), &BTreeMap::new()).unwrap();
    let scene_path = dir.join("scene.json");
    std::fs::write(&scene_path, serde_json::to_vec(&built).unwrap()).unwrap();
    let mut blender = Blender::start(&BlenderConfig::from_env()).unwrap();
    blender.load(&scene_path).await.unwrap();
    let files = [("GLB", "scene.glb"), ("USDZ", "scene.usdz")].map(|(format, name)| OutputFile {
        path: dir.join(name),
        format,
    });
    let exported = blender.export(&files, &[scene::CEILING]).await.unwrap();
    assert_eq!(exported.outputs.len(), 2);

    let glb = std::fs::read(dir.join("scene.glb")).unwrap();
    assert_eq!(&glb[..4], b"glTF");
    assert_eq!(
        u32::from_le_bytes(glb[4..8].try_into().unwrap()),
        2,
        "glTF 2"
    );
    assert_eq!(
        u32::from_le_bytes(glb[8..12].try_into().unwrap()) as usize,
        glb.len()
    );
    let json_len = u32::from_le_bytes(glb[12..16].try_into().unwrap()) as usize;
    assert_eq!(&glb[16..20], b"JSON");
    let gltf: serde_json::Value = serde_json::from_slice(&glb[20..20 + json_len]).unwrap();
    let names: Vec<&str> = gltf["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert!(names.iter().any(|n| n.starts_with("floor-")), "{names:?}");
    assert!(
        names.iter().any(|n| n.contains("desk")),
        "the furniture: {names:?}"
    );
    assert!(
        !names.contains(&scene::CEILING),
        "the ceiling hides the rooms: {names:?}"
    );
    assert!(
        gltf.get("cameras")
            .is_none_or(|c| c.as_array().unwrap().is_empty()),
        "no cameras in a model for viewers"
    );

    let usdz = std::fs::read(dir.join("scene.usdz")).unwrap();
    assert_eq!(&usdz[..4], b"PK\x03\x04", "a zip");
    let first_name_len = u16::from_le_bytes(usdz[26..28].try_into().unwrap()) as usize;
    let first = std::str::from_utf8(&usdz[30..30 + first_name_len]).unwrap();
    assert!(
        first.ends_with(".usdc") || first.ends_with(".usda"),
        "{first}"
    );
    blender.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A 360° camera renders an equirectangular picture (twice as wide as high) of the room
/// around it: lit, and different left and right of the middle (it sees every wall).
#[tokio::test]
async fn a_panorama_camera_renders_the_whole_room_around_it() {
    let dir = out_dir("panorama");
    let mut input = sample::office();
    input.cameras = vec![roomwright_render::input::CameraRequest {
        room_id: Some("office".into()),
        panorama: true,
        ..Default::default()
    }];
    let (built, _) = scene::build(&input, &BTreeMap::new()).unwrap();
    assert!(built.cameras[0].panorama);
    assert!(
        (built.cameras[0].location[2] - built.cameras[0].look_at[2]).abs() < 1e-9,
        "level"
    );
    let scene_path = dir.join("scene.json");
    std::fs::write(&scene_path, serde_json::to_vec(&built).unwrap()).unwrap();
    let mut blender = Blender::start(&BlenderConfig::from_env()).unwrap();
    blender.load(&scene_path).await.unwrap();
    let path = dir.join("pano.png");
    let mut pano = command(&path, 3);
    (pano.width, pano.height) = (128, 64);
    blender.render(&pano, |_| {}).await.unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (128, 64));
    let luminance = |x0: u32, x1: u32| {
        let mut sum = 0.0;
        let mut n = 0.0;
        for x in x0..x1 {
            for y in 0..64 {
                let p = image.get_pixel(x, y);
                sum +=
                    0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]);
                n += 1.0;
            }
        }
        sum / n
    };
    let (left, right) = (luminance(0, 64), luminance(64, 128));
    assert!(left > 10.0 && right > 10.0, "lit all round: {left} {right}");
    assert!(
        (left - right).abs() > 0.5,
        "the same both ways: {left} {right}"
    );
    blender.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
