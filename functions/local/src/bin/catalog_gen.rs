//! Writes the generated demo catalog (or a larger one) as JSON Lines or CSV, ready for
//! `POST /v1/products/imports`.
//!
//! `catalog-gen [--count N] [--seed S] [--format jsonl|csv]` (default: the demo catalog, JSONL).

use std::io::Write;

use roomwright_catalog_api::input::ProductInput;
use roomwright_devstack::demo;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut count = demo::DEMO_COUNT;
    let mut seed = demo::DEMO_SEED;
    let mut csv = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => count = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--format" => csv = value()? == "csv",
            _ => return Err(format!("unknown argument {arg}").into()),
        }
    }
    let products = demo::generate(count, seed);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if csv {
        out.write_all(roomwright_catalog_api::import::to_csv(&products)?.as_bytes())?;
    } else {
        for p in &products {
            serde_json::to_writer(&mut out, &ProductInput::from(p))?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
