//! The ONNX image encoder path, through the ONNX Runtime the setup installs: a deployer's
//! `.onnx` file is loaded, its input size read from the model, photos normalised and encoded.
//! The model is written by the test itself ([`mean_colour`]), its output known for any photo.

use roomwright_testkit::mean_colour;

use image::{Rgb, RgbImage};
use roomwright_visual::encoder::ImageEncoder;

#[tokio::test]
async fn an_onnx_encoder_from_the_setting_embeds_photos_as_the_model_computes() {
    let env = roomwright_devstack::vision_env();
    let dylib = env
        .iter()
        .find(|(k, _)| k == "ORT_DYLIB_PATH")
        .map(|(_, v)| v.clone())
        .expect("ONNX Runtime from the venv; run `make test` to install it");
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("ORT_DYLIB_PATH", dylib) };
    let dir = std::env::temp_dir().join(format!("rw-onnx-{}", std::process::id()));
    let path = mean_colour::write(&dir);

    let encoder = ImageEncoder::from_setting(path.to_str().unwrap(), || {
        unreachable!("an .onnx setting needs no Bedrock")
    });
    assert!(encoder.model().starts_with("onnx:mean-colour.onnx:"));
    let red = encoder
        .embed(&RgbImage::from_pixel(300, 200, Rgb([220, 20, 20])))
        .await
        .unwrap();
    let also_red = encoder
        .embed(&RgbImage::from_pixel(64, 64, Rgb([210, 30, 25])))
        .await
        .unwrap();
    let blue = encoder
        .embed(&RgbImage::from_pixel(120, 90, Rgb([20, 30, 220])))
        .await
        .unwrap();
    assert_eq!(red.len(), 3);
    for (got, want) in red.iter().zip(mean_colour::expected([220, 20, 20])) {
        assert!((got - want).abs() < 1e-4, "{red:?}");
    }
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    assert!(dot(&red, &also_red) > 0.99);
    assert!(dot(&red, &blue) < 0.5);

    // A missing file is a setup error naming it, not a crash.
    let missing = ImageEncoder::from_setting("/nowhere/encoder.onnx", || unreachable!());
    let error = missing
        .embed(&RgbImage::new(8, 8))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("/nowhere/encoder.onnx"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}
