//! `recommend-train`: trains on a CSV file (`--interactions`), or runs the training job AWS
//! Batch started (`ROOMWRIGHT_JOB_ID` in the environment, or `--job ID`). Exit code 0: done;
//! 2: the input cannot be trained on (not retried); anything else: Batch retries.

use clap::Parser;
use roomwright_recommend_train::{cli, job};

fn main() {
    let args = cli::Args::parse();
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build_global()
    {
        eprintln!("recommend-train: {e}");
        std::process::exit(1);
    }
    let code = match &args.interactions {
        Some(path) => match cli::run(path, &args) {
            Ok(line) => {
                println!("{line}");
                0
            }
            Err(e) => {
                eprintln!("recommend-train: {e}");
                2
            }
        },
        None => job::main(args.job.clone()),
    };
    std::process::exit(code);
}
