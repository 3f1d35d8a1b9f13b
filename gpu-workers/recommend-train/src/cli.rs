//! Training from a CSV file, as the command line does it: fit on a per-user random hold-out
//! split, evaluate, refit on everything, write the model and its metrics to `--out`.

use std::{fs, path::Path};

use clap::Parser;
use roomwright_recs::{
    als::AlsParams,
    interactions::{Csr, holdout, read_csv},
    model::{self, TrainConfig},
};
use serde_json::json;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "recommend-train",
    about = "Trains Roomwright's recommendation model (implicit ALS with conjugate gradient).",
    long_about = "With --interactions, trains on a CSV file with header user_id,item_id,weight and \
                  prints one JSON line of figures; without it, runs the training job named by \
                  --job or ROOMWRIGHT_JOB_ID."
)]
pub struct Args {
    /// CSV with header `user_id,item_id,weight` (ids are strings, weights positive).
    #[arg(long)]
    pub interactions: Option<std::path::PathBuf>,
    /// Where the model goes (created if missing).
    #[arg(long, default_value = "model")]
    pub out: std::path::PathBuf,
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub factors: u16,
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub iterations: u16,
    #[arg(long, default_value_t = 0.05)]
    pub regularization: f32,
    /// Confidence of an observed cell: 1 + alpha * weight.
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f32,
    /// Conjugate-gradient steps per row and iteration.
    #[arg(long, default_value_t = 4)]
    pub cg_steps: usize,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of each user's items held out for evaluation (0 skips it).
    #[arg(long, default_value_t = 0.2)]
    pub eval_holdout: f64,
    /// Also write the split as train.csv and test.csv in --out (for comparing libraries).
    #[arg(long)]
    pub export_split: bool,
    /// The training job to run (else ROOMWRIGHT_JOB_ID).
    #[arg(long)]
    pub job: Option<String>,
}

impl Args {
    pub fn config(&self) -> Result<TrainConfig, String> {
        if !(self.regularization >= 0.0 && self.regularization.is_finite()) {
            return Err("--regularization must be a number >= 0".into());
        }
        if !(self.alpha >= 0.0 && self.alpha.is_finite()) {
            return Err("--alpha must be a number >= 0".into());
        }
        if !(0.0..1.0).contains(&self.eval_holdout) {
            return Err("--eval-holdout must be at least 0 and below 1".into());
        }
        Ok(TrainConfig {
            als: AlsParams {
                factors: self.factors.into(),
                iterations: self.iterations.into(),
                regularization: self.regularization,
                alpha: self.alpha,
                cg_steps: self.cg_steps.max(1),
                seed: self.seed,
            },
            holdout: self.eval_holdout,
            ..TrainConfig::default()
        })
    }
}

/// Trains and writes the model; returns the JSON line to print.
pub fn run(path: &Path, args: &Args) -> Result<String, String> {
    let config = args.config()?;
    let file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let interactions =
        read_csv(std::io::BufReader::new(file)).map_err(|e| format!("{}: {e}", path.display()))?;
    if interactions.matrix.nnz() == 0 {
        return Err(format!("{}: no interactions", path.display()));
    }
    fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    if args.export_split {
        // The same split the evaluation below draws (same seed and fraction).
        let (train, test) = holdout(&interactions.matrix, config.holdout, config.als.seed);
        write_cells(
            &args.out.join("train.csv"),
            &train,
            &interactions.users,
            &interactions.items,
        )?;
        write_cells(
            &args.out.join("test.csv"),
            &test,
            &interactions.users,
            &interactions.items,
        )?;
    }
    let created = roomwright_core::time::rfc3339(roomwright_core::time::now());
    let model = model::train(interactions, &[], &config, "cli", &created);
    let e = &model.evaluation;
    let metrics = json!({
        "users": e.users,
        "items": e.items,
        "train_nnz": e.train_nnz,
        "test_nnz": e.test_nnz,
        "fit_s": round(e.fit_s),
        "s_per_iter": round(e.s_per_iter),
        "p@10": round(e.model.precision),
        "recall@10": round(e.model.recall),
        "ndcg@10": round(e.model.ndcg),
        "coverage": round(e.model.coverage),
        "popularity_ndcg@10": round(e.popularity.ndcg),
        "refit_s": round(e.refit_s),
        "threads": rayon::current_num_threads(),
    });
    let write = |name: &str, bytes: &[u8]| {
        let target = args.out.join(name);
        fs::write(&target, bytes).map_err(|e| format!("{}: {e}", target.display()))
    };
    write("model.bin", &model.to_bytes())?;
    write(
        "metrics.json",
        serde_json::to_string_pretty(&metrics)
            .expect("json")
            .as_bytes(),
    )?;
    Ok(metrics.to_string())
}

fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

fn write_cells(path: &Path, cells: &Csr, users: &[String], items: &[String]) -> Result<(), String> {
    let fail = |e: csv::Error| format!("{}: {e}", path.display());
    let mut out = csv::Writer::from_path(path).map_err(fail)?;
    out.write_record(["user_id", "item_id", "weight"])
        .map_err(fail)?;
    for (u, user) in users.iter().enumerate().take(cells.rows()) {
        let (cols, vals) = cells.row(u);
        for (&i, &w) in cols.iter().zip(vals) {
            out.write_record([user.as_str(), items[i as usize].as_str(), &w.to_string()])
                .map_err(fail)?;
        }
    }
    out.flush().map_err(|e| format!("{}: {e}", path.display()))
}
