//! The trained model as one file: factors, the interactions it learnt from (for exclusion and
//! explanations), item-item neighbours from behaviour and from content, popularity per
//! category, customer segments and the evaluation that decided its promotion.

use std::{
    collections::{BTreeMap, HashMap},
    time::Instant,
};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    als::{self, AlsParams},
    catalog::{CatalogItem, ItemInfo, category_levels},
    content,
    eval::{self, Metrics},
    interactions::{Csr, Interactions, holdout},
    matrix::{Matrix, top_k},
    segments::{self, Segment},
};

/// Bumped when the file layout changes; older files are refused, not misread.
pub const FORMAT: u32 = 1;
/// Items need this many users before their factors are trusted for neighbours.
pub const MIN_HISTORY: u32 = 3;
/// Items kept per popularity list.
const POPULAR_PER_CATEGORY: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub als: AlsParams,
    /// Share of each user's items held out for evaluation (0 skips evaluation).
    pub holdout: f64,
    pub neighbours: usize,
    pub segments: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            als: AlsParams::default(),
            holdout: 0.2,
            neighbours: 20,
            segments: 8,
        }
    }
}

/// What a training run measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub users: usize,
    pub items: usize,
    pub train_nnz: usize,
    pub test_nnz: usize,
    /// Fitting on the training split (what the benchmark compares).
    pub fit_s: f64,
    pub s_per_iter: f64,
    pub model: Metrics,
    /// The popularity ranking on the same split, for reference.
    pub popularity: Metrics,
    /// The final fit on every interaction (the served factors).
    pub refit_s: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Model {
    pub format: u32,
    pub version: String,
    pub created_at: String,
    pub config: TrainConfig,
    pub evaluation: Evaluation,
    pub users: Vec<String>,
    pub items: Vec<ItemInfo>,
    pub user_factors: Matrix,
    pub item_factors: Matrix,
    /// Each user's items (sorted) with their weights.
    pub history: Csr,
    /// Distinct users per item.
    pub item_users: Vec<u32>,
    /// Item-item neighbours by factor cosine, for items with [`MIN_HISTORY`] users.
    pub also_chosen: Vec<Vec<(u32, f32)>>,
    /// Item-item neighbours by TF-IDF cosine of their text.
    pub similar_content: Vec<Vec<(u32, f32)>>,
    /// Most chosen items per category level (lower case; `""` is the whole catalog).
    pub popular: BTreeMap<String, Vec<u32>>,
    pub segments: Vec<Segment>,
    pub user_segment: Vec<u32>,
    #[serde(skip)]
    pub lookup: Lookup,
}

/// Indexes built when a model is loaded.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub user: HashMap<String, u32>,
    pub item: HashMap<String, u32>,
    /// Unit-length item factors, for cosine similarities in explanations.
    pub unit_items: Matrix,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("the model file is not readable: {0}")]
    Decode(#[from] postcard::Error),
    #[error("the model file has format {found}; this build reads format {FORMAT}")]
    Format { found: u32 },
}

impl Model {
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("a model serialises")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelFileError> {
        let mut model: Model = postcard::from_bytes(bytes)?;
        if model.format != FORMAT {
            return Err(ModelFileError::Format {
                found: model.format,
            });
        }
        model.index();
        Ok(model)
    }

    fn index(&mut self) {
        self.lookup = Lookup {
            user: self
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (u.clone(), i as u32))
                .collect(),
            item: self
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| (it.id.clone(), i as u32))
                .collect(),
            unit_items: self.item_factors.normalized_rows(),
        };
    }
}

/// Trains every part of the model. `catalog` adds names, categories and text (and items
/// without interactions, which only the content model and popularity can recommend).
pub fn train(
    interactions: Interactions,
    catalog: &[CatalogItem],
    config: &TrainConfig,
    version: &str,
    created_at: &str,
) -> Model {
    let Interactions {
        users,
        items: mut item_ids,
        matrix,
    } = interactions;
    // Catalog items nobody interacted with yet: only content and popularity know them.
    let known: std::collections::HashSet<&str> = item_ids.iter().map(String::as_str).collect();
    let unseen: Vec<String> = catalog
        .iter()
        .map(|c| c.info.id.clone())
        .filter(|id| !known.contains(id.as_str()))
        .collect();
    item_ids.extend(unseen);
    let items = item_infos(&item_ids, catalog);
    let matrix = Csr {
        cols: items.len(),
        ..matrix
    };
    let mut evaluation = Evaluation {
        users: users.len(),
        items: items.len(),
        ..Default::default()
    };
    let factors = if config.holdout > 0.0 {
        let (train_split, test) = holdout(&matrix, config.holdout, config.als.seed);
        evaluation.train_nnz = train_split.nnz();
        evaluation.test_nnz = test.nnz();
        let started = Instant::now();
        let mut iterations = Vec::new();
        let fitted = als::fit(&train_split, &config.als, |_, d| {
            iterations.push(d.as_secs_f64())
        });
        evaluation.fit_s = started.elapsed().as_secs_f64();
        evaluation.s_per_iter = iterations.iter().sum::<f64>() / iterations.len().max(1) as f64;
        evaluation.model = eval::evaluate(&train_split, &test, |start, n, out| {
            fitted
                .users
                .block_times_transpose(start, n, &fitted.items, out)
        });
        let counts = users_per_item(&train_split);
        evaluation.popularity = eval::evaluate(&train_split, &test, |_, n, out| {
            for row in out.chunks_exact_mut(counts.len()).take(n) {
                row.iter_mut()
                    .zip(&counts)
                    .for_each(|(s, &c)| *s = c as f32);
            }
        });
        let started = Instant::now();
        let refit = als::fit(&matrix, &config.als, |_, _| {});
        evaluation.refit_s = started.elapsed().as_secs_f64();
        refit
    } else {
        evaluation.train_nnz = matrix.nnz();
        let started = Instant::now();
        let fitted = als::fit(&matrix, &config.als, |_, _| {});
        evaluation.fit_s = started.elapsed().as_secs_f64();
        evaluation.s_per_iter = evaluation.fit_s / config.als.iterations.max(1) as f64;
        fitted
    };
    let item_users = users_per_item(&matrix);
    let unit = factors.items.normalized_rows();
    let also_chosen = factor_neighbours(&unit, &item_users, config.neighbours);
    let text_of: HashMap<&str, &str> = catalog
        .iter()
        .map(|c| (c.info.id.as_str(), c.text.as_str()))
        .collect();
    let texts: Vec<String> = item_ids
        .iter()
        .map(|id| {
            text_of
                .get(id.as_str())
                .copied()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let similar_content = if texts.iter().all(String::is_empty) {
        vec![Vec::new(); items.len()]
    } else {
        content::neighbours(&content::tfidf(&texts), config.neighbours)
    };
    let popular = popularity(&items, &item_users);
    let (segments, user_segment) = segments::cluster(
        &factors.users,
        &matrix,
        &items,
        config.segments,
        config.als.seed,
    );
    let mut model = Model {
        format: FORMAT,
        version: version.to_string(),
        created_at: created_at.to_string(),
        config: config.clone(),
        evaluation,
        users,
        items,
        user_factors: factors.users,
        item_factors: factors.items,
        history: matrix,
        item_users,
        also_chosen,
        similar_content,
        popular,
        segments,
        user_segment,
        lookup: Lookup::default(),
    };
    model.index();
    model
}

fn item_infos(ids: &[String], catalog: &[CatalogItem]) -> Vec<ItemInfo> {
    let known: HashMap<&str, &ItemInfo> = catalog
        .iter()
        .map(|c| (c.info.id.as_str(), &c.info))
        .collect();
    ids.iter()
        .map(|id| match known.get(id.as_str()) {
            Some(info) => (*info).clone(),
            None => ItemInfo {
                id: id.clone(),
                name: id.clone(),
                category: Vec::new(),
            },
        })
        .collect()
}

fn users_per_item(matrix: &Csr) -> Vec<u32> {
    let mut counts = vec![0u32; matrix.cols];
    matrix.indices.iter().for_each(|&i| counts[i as usize] += 1);
    counts
}

fn popularity(items: &[ItemInfo], item_users: &[u32]) -> BTreeMap<String, Vec<u32>> {
    let mut by_level: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, info) in items.iter().enumerate() {
        if item_users[i] == 0 {
            continue;
        }
        by_level.entry(String::new()).or_default().push(i as u32);
        for level in category_levels(&info.category) {
            by_level
                .entry(level.to_lowercase())
                .or_default()
                .push(i as u32);
        }
    }
    for list in by_level.values_mut() {
        list.sort_by(|&a, &b| {
            item_users[b as usize]
                .cmp(&item_users[a as usize])
                .then(a.cmp(&b))
        });
        list.truncate(POPULAR_PER_CATEGORY);
    }
    by_level
}

/// Each item's nearest items by factor cosine, for items (and neighbours) with enough users.
fn factor_neighbours(unit: &Matrix, item_users: &[u32], k: usize) -> Vec<Vec<(u32, f32)>> {
    const BLOCK: usize = 256;
    let n = unit.rows;
    let trusted = |i: usize| item_users[i] >= MIN_HISTORY;
    (0..n)
        .step_by(BLOCK)
        .collect::<Vec<_>>()
        .par_iter()
        .flat_map_iter(|&start| {
            let rows = BLOCK.min(n - start);
            let mut scores = vec![0f32; rows * n];
            unit.block_times_transpose(start, rows, unit, &mut scores);
            (0..rows)
                .map(|r| {
                    let item = start + r;
                    if !trusted(item) {
                        return Vec::new();
                    }
                    let row = &scores[r * n..(r + 1) * n];
                    top_k(row, k, |j| j != item && trusted(j))
                        .into_iter()
                        .filter(|&(_, s)| s > 0.0)
                        .collect()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether a new model replaces the current one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Promotion {
    pub decision: Decision,
    /// Why it was held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Promote,
    /// Stored, not served: it ranks worse than the current model by more than the margin.
    Hold,
}

impl Promotion {
    pub const PROMOTE: Promotion = Promotion {
        decision: Decision::Promote,
        reason: None,
    };

    pub fn promotes(&self) -> bool {
        self.decision == Decision::Promote
    }
}

/// The promotion gate: the new model's nDCG@10 may trail the current one's by at most
/// `margin` (a share, 0.05 = 5%). Both were measured on their own run's hold-out split.
pub fn promotion(new: &Metrics, current: Option<&Metrics>, margin: f64) -> Promotion {
    match current {
        Some(current) if new.ndcg < current.ndcg * (1.0 - margin) => Promotion {
            decision: Decision::Hold,
            reason: Some(format!(
                "nDCG@10 {:.4} is more than {:.0}% below the current model's {:.4}",
                new.ndcg,
                margin * 100.0,
                current.ndcg
            )),
        },
        _ => Promotion::PROMOTE,
    }
}
