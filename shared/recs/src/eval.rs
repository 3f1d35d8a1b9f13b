//! Hold-out evaluation: every user with held-out items gets a top-10 list of items they did
//! not train on; precision, recall, nDCG (binary relevance) and catalog coverage follow.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{interactions::Csr, matrix::top_k};

/// List length the metrics are measured at.
pub const K: usize = 10;
/// Users scored together (one matrix product per block).
const BLOCK: usize = 256;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(rename = "p@10")]
    pub precision: f64,
    #[serde(rename = "recall@10")]
    pub recall: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg: f64,
    /// Share of the items that appear in at least one user's list.
    pub coverage: f64,
    pub users: usize,
}

/// Evaluates a model given as `score(first_user, count, out)`, which fills `out` with
/// `count` rows of one score per item.
pub fn evaluate(
    train: &Csr,
    test: &Csr,
    score: impl Fn(usize, usize, &mut [f32]) + Sync,
) -> Metrics {
    let items = train.cols;
    let blocks: Vec<usize> = (0..train.rows()).step_by(BLOCK).collect();
    let partials: Vec<(f64, f64, f64, usize, Vec<u32>)> = blocks
        .par_iter()
        .map(|&start| {
            let n = BLOCK.min(train.rows() - start);
            let mut scores = vec![0f32; n * items];
            let mut sums = (0.0, 0.0, 0.0, 0usize, Vec::new());
            if (start..start + n).all(|u| test.row(u).0.is_empty()) {
                return sums;
            }
            score(start, n, &mut scores);
            for u in start..start + n {
                let held = test.row(u).0;
                if held.is_empty() {
                    continue;
                }
                let seen = train.row(u).0;
                let row = &scores[(u - start) * items..(u - start + 1) * items];
                let top = top_k(row, K, |i| seen.binary_search(&(i as u32)).is_err());
                let (hits, dcg) =
                    top.iter()
                        .enumerate()
                        .fold((0, 0.0), |(h, d), (rank, &(i, _))| {
                            if held.binary_search(&i).is_ok() {
                                (h + 1, d + 1.0 / (rank as f64 + 2.0).log2())
                            } else {
                                (h, d)
                            }
                        });
                let ideal: f64 = (0..held.len().min(K))
                    .map(|rank| 1.0 / (rank as f64 + 2.0).log2())
                    .sum();
                sums.0 += hits as f64 / K as f64;
                sums.1 += hits as f64 / held.len() as f64;
                sums.2 += dcg / ideal;
                sums.3 += 1;
                sums.4.extend(top.iter().map(|&(i, _)| i));
            }
            sums
        })
        .collect();
    let mut shown = vec![false; items];
    let (mut p, mut r, mut n, mut users) = (0.0, 0.0, 0.0, 0usize);
    for (pp, rr, nn, uu, listed) in partials {
        (p, r, n, users) = (p + pp, r + rr, n + nn, users + uu);
        listed.into_iter().for_each(|i| shown[i as usize] = true);
    }
    let per = |total: f64| {
        if users == 0 {
            0.0
        } else {
            total / users as f64
        }
    };
    Metrics {
        precision: per(p),
        recall: per(r),
        ndcg: per(n),
        coverage: shown.iter().filter(|&&s| s).count() as f64 / items.max(1) as f64,
        users,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_ranker_scores_one_and_a_reversed_one_zero() {
        // Two users, 20 items; user 0 trained on 0..5 and holds 5, 6; user 1 holds 19.
        let train = Csr::from_triples(2, 20, (0..5).map(|i| (0, i, 1.0)).collect());
        let test = Csr::from_triples(2, 20, vec![(0, 5, 1.0), (0, 6, 1.0), (1, 19, 1.0)]);
        let oracle = |start: usize, n: usize, out: &mut [f32]| {
            for u in start..start + n {
                for i in 0..20 {
                    let held = test.row(u).0.contains(&(i as u32));
                    out[(u - start) * 20 + i] = if held { 1.0 } else { 0.0 };
                }
            }
        };
        let m = evaluate(&train, &test, oracle);
        assert_eq!(m.users, 2);
        assert!((m.ndcg - 1.0).abs() < 1e-9 && (m.recall - 1.0).abs() < 1e-9);
        assert!((m.precision - 0.15).abs() < 1e-9);
        let inverse = |start: usize, n: usize, out: &mut [f32]| {
            oracle(start, n, out);
            out.iter_mut().for_each(|v| *v = -*v);
        };
        assert_eq!(evaluate(&train, &test, inverse).ndcg, 0.0);
    }
}
