//! The ONNX image encoder path, through the ONNX Runtime the setup installs: a deployer's
//! `.onnx` file is loaded, its input size read from the model, photos normalised and encoded.
//! The model here is written by the test itself: a mean-colour encoder (GlobalAveragePool then
//! Flatten over a 16x16 input), small enough to spell out in ONNX's protobuf, whose output is
//! known for any photo.

use image::{Rgb, RgbImage};
use roomwright_visual::encoder::ImageEncoder;

/// Protobuf wire format, just what an ONNX model needs.
fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
fn int(field: u64, v: u64, out: &mut Vec<u8>) {
    varint(field << 3, out);
    varint(v, out);
}
fn bytes(field: u64, v: &[u8], out: &mut Vec<u8>) {
    varint((field << 3) | 2, out);
    varint(v.len() as u64, out);
    out.extend_from_slice(v);
}
fn message(field: u64, build: impl FnOnce(&mut Vec<u8>), out: &mut Vec<u8>) {
    let mut inner = Vec::new();
    build(&mut inner);
    bytes(field, &inner, out);
}

/// `ValueInfoProto` of a float tensor with `dims`.
fn tensor(field: u64, name: &str, dims: &[u64], out: &mut Vec<u8>) {
    message(
        field,
        |v| {
            bytes(1, name.as_bytes(), v);
            message(
                2,
                |t| {
                    message(
                        1,
                        |tt| {
                            int(1, 1, tt); // FLOAT
                            message(
                                2,
                                |shape| {
                                    for d in dims {
                                        message(1, |dim| int(1, *d, dim), shape);
                                    }
                                },
                                tt,
                            );
                        },
                        t,
                    );
                },
                v,
            );
        },
        out,
    );
}

fn node(op: &str, input: &str, output: &str, out: &mut Vec<u8>) {
    message(
        1,
        |n| {
            bytes(1, input.as_bytes(), n);
            bytes(2, output.as_bytes(), n);
            bytes(3, op.as_bytes(), n);
            bytes(4, op.as_bytes(), n);
        },
        out,
    );
}

fn mean_colour_model() -> Vec<u8> {
    let mut model = Vec::new();
    int(1, 7, &mut model); // ir_version
    bytes(2, b"roomwright-test", &mut model);
    message(
        7,
        |g| {
            node("GlobalAveragePool", "pixel_values", "pooled", g);
            node("Flatten", "pooled", "embedding", g);
            bytes(2, b"mean-colour", g);
            tensor(11, "pixel_values", &[1, 3, 16, 16], g);
            tensor(12, "embedding", &[1, 3], g);
        },
        &mut model,
    );
    message(8, |o| int(2, 13, o), &mut model); // opset 13
    model
}

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
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mean-colour.onnx");
    std::fs::write(&path, mean_colour_model()).unwrap();

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
    // What the model computes: the CLIP-normalised mean colour, made unit length.
    let mean = [0.481_454_66f32, 0.457_827_5, 0.408_210_73];
    let std = [0.268_629_54f32, 0.261_302_6, 0.275_777_1];
    let expected: Vec<f32> = [220.0f32, 20.0, 20.0]
        .iter()
        .enumerate()
        .map(|(c, v)| (v / 255.0 - mean[c]) / std[c])
        .collect();
    let norm = expected.iter().map(|v| v * v).sum::<f32>().sqrt();
    for (got, want) in red.iter().zip(&expected) {
        assert!((got - want / norm).abs() < 1e-4, "{red:?} vs {expected:?}");
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
