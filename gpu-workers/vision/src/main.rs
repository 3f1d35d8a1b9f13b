//! `vision`: the vision worker.
//!
//! - `vision parse-plan --image FILE --out plan.json`: reads a drawing (PNG, JPEG or a one-page
//!   PDF) into the proposal JSON the import job stores. Exit 0: written; 2: the drawing cannot
//!   be read (the reason on stderr); 1: the worker's setup (models, libraries) is at fault.
//! - `vision job [--job ID]`: the vision job AWS Batch started (`ROOMWRIGHT_JOB_ID`); same
//!   exit codes (Batch retries 1, not 2).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use roomwright_vision::{
    ocr::{Ocr, OcrConfig},
    raster,
};

#[derive(Parser)]
#[command(name = "vision", about = "Roomwright's vision worker")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reads a floor-plan drawing into a proposed floor plan (JSON).
    ParsePlan {
        /// PNG, JPEG or one-page PDF.
        #[arg(long)]
        image: PathBuf,
        /// Where the JSON goes (`-` for standard output).
        #[arg(long)]
        out: PathBuf,
    },
    /// Runs a vision job of the jobs pipeline.
    Job {
        #[arg(long)]
        job: Option<String>,
    },
}

fn parse_plan(image: &PathBuf, out: &PathBuf) -> Result<(), (i32, String)> {
    let bytes = std::fs::read(image).map_err(|e| (2, format!("{}: {e}", image.display())))?;
    let page =
        raster::page(&bytes).map_err(|e| (if e.is_input() { 2 } else { 1 }, e.to_string()))?;
    let config = OcrConfig::from_env().ok_or_else(|| {
        (
            1,
            "set ORT_DYLIB_PATH (libonnxruntime.so) and VISION_OCR_MODEL_DIR (the PP-OCR models)"
                .to_string(),
        )
    })?;
    let mut ocr = Ocr::load(&config).map_err(|e| (1, e.to_string()))?;
    let proposal = roomwright_vision::read_plan(&page, &mut ocr)
        .map_err(|e| (if e.is_input() { 2 } else { 1 }, e.to_string()))?;
    let json = serde_json::to_string_pretty(&proposal).map_err(|e| (1, e.to_string()))?;
    if out.as_os_str() == "-" {
        println!("{json}");
        Ok(())
    } else {
        std::fs::write(out, json + "\n").map_err(|e| (1, format!("{}: {e}", out.display())))
    }
}

fn main() {
    let args = Args::parse();
    let result = match &args.command {
        Command::ParsePlan { image, out } => parse_plan(image, out),
        Command::Job { job } => std::process::exit(roomwright_vision::job::main(job.clone())),
    };
    if let Err((code, message)) = result {
        eprintln!("vision: {message}");
        std::process::exit(code);
    }
}
