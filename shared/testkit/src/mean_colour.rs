//! A mean-colour image encoder as an ONNX model (GlobalAveragePool then Flatten over a
//! 16x16 input), spelled out in ONNX's protobuf: small enough to write here, and its output is
//! known for any photo. Tests use it where a deployer's `.onnx` encoder would go.

use std::path::{Path, PathBuf};

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

pub fn model() -> Vec<u8> {
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

/// Writes the model into `dir`; returns its path.
pub fn write(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("mean-colour.onnx");
    std::fs::write(&path, model()).unwrap();
    path
}

/// What the model computes for a photo of one colour: the CLIP-normalised colour, of unit
/// length.
pub fn expected(rgb: [u8; 3]) -> Vec<f32> {
    let mean = [0.481_454_66f32, 0.457_827_5, 0.408_210_73];
    let std = [0.268_629_54f32, 0.261_302_6, 0.275_777_1];
    let v: Vec<f32> = (0..3)
        .map(|c| (f32::from(rgb[c]) / 255.0 - mean[c]) / std[c])
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}
