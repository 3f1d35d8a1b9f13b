//! `visual-bench`: what the style analysis costs in-process for a phone photo (12 MP JPEG):
//! decoding, the palette (k-means over the photo read at 160 px), and preparing the copy sent
//! to the model. Prints p50/p95 over the runs; no network.

use std::time::Instant;

use image::{Rgb, RgbImage};
use roomwright_visual::{palette, photo};

const RUNS: usize = 15;

/// A 4032x3024 room-like photo: a wall gradient, an oak floor band, furniture blocks, noise.
fn phone_photo() -> Vec<u8> {
    let (w, h) = (4032u32, 3024u32);
    let mut seed = 0x2545_f491_u32;
    let mut noise = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        (seed % 17) as i32 - 8
    };
    let image = RgbImage::from_fn(w, h, |x, y| {
        let base: [i32; 3] = if y > h * 2 / 3 {
            [168, 121, 74]
        } else if (x / 600) % 3 == 1 && y > h / 3 {
            [60, 61, 63]
        } else {
            let t = (y * 40 / h) as i32;
            [240 - t, 238 - t, 230 - t]
        };
        let n = noise();
        Rgb(base.map(|c| (c + n).clamp(0, 255) as u8))
    });
    photo::jpeg(&image)
}

fn percentile(mut ms: Vec<f64>, p: f64) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[((ms.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let jpeg = phone_photo();
    println!("photo: 4032x3024 JPEG, {:.1} MB", jpeg.len() as f64 / 1e6);
    let (mut decode, mut read, mut model) = (Vec::new(), Vec::new(), Vec::new());
    let mut reading = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let image = photo::decode(&jpeg).expect("decodes");
        decode.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        reading = Some(palette::read(&image));
        read.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let sent = photo::jpeg(&photo::fit(&image, 1024));
        model.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(sent);
    }
    for (name, ms) in [
        ("decode", decode),
        ("palette (160 px, k=5, 3 runs)", read),
        ("copy for the model (1024 px JPEG)", model),
    ] {
        println!(
            "{name:<36} p50 {:>7.1} ms  p95 {:>7.1} ms",
            percentile(ms.clone(), 0.5),
            percentile(ms, 0.95)
        );
    }
    if let Some(r) = reading {
        let names: Vec<String> = r
            .palette
            .iter()
            .map(|s| format!("{} {:.2}", s.name, s.share))
            .collect();
        println!(
            "palette: {}; brightness {:.2}, warmth {:.2} ({})",
            names.join(", "),
            r.brightness,
            r.warmth,
            r.temperature
        );
    }
}
