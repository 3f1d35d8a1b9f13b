//! Customer segments: k-means (k-means++ seeding) over each user's unit-length taste factors
//! joined with how active they are, described by what their members choose.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{catalog::ItemInfo, interactions::Csr, matrix::Matrix};

const ROUNDS: usize = 25;
/// At most this many users are clustered (a random sample); every user is then assigned.
const SAMPLE: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub id: u32,
    pub users: usize,
    pub share: f64,
    /// Mean number of distinct items a member interacted with.
    pub mean_items: f64,
    /// The categories (leaf level) members choose most, with their share of the choices.
    pub top_categories: Vec<(String, f64)>,
    /// The items members choose most (model item indices).
    pub top_items: Vec<u32>,
}

fn features(factors: &Matrix, history: &Csr, user: usize) -> Vec<f32> {
    let mut f: Vec<f32> = factors.row(user).to_vec();
    let norm = f.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        f.iter_mut().for_each(|v| *v /= norm);
    }
    // Activity on a log scale, weighted like one taste dimension.
    f.push(((history.row(user).0.len() as f32).ln_1p() / 5.0).min(1.0));
    f
}

fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn nearest(centres: &[Vec<f32>], point: &[f32]) -> usize {
    (0..centres.len())
        .min_by(|&a, &b| distance(&centres[a], point).total_cmp(&distance(&centres[b], point)))
        .unwrap_or(0)
}

/// Clusters the users with history into `k` segments; returns the segments and each user's.
pub fn cluster(
    factors: &Matrix,
    history: &Csr,
    items: &[ItemInfo],
    k: usize,
    seed: u64,
) -> (Vec<Segment>, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let active: Vec<usize> = (0..history.rows())
        .filter(|&u| !history.row(u).0.is_empty())
        .collect();
    if active.is_empty() || k == 0 {
        return (Vec::new(), vec![0; history.rows()]);
    }
    let sample: Vec<Vec<f32>> = if active.len() <= SAMPLE {
        active
            .iter()
            .map(|&u| features(factors, history, u))
            .collect()
    } else {
        (0..SAMPLE)
            .map(|_| features(factors, history, active[rng.random_range(0..active.len())]))
            .collect()
    };
    let k = k.min(sample.len());
    // k-means++: each next centre drawn in proportion to its squared distance.
    let mut centres = vec![sample[rng.random_range(0..sample.len())].clone()];
    while centres.len() < k {
        let weights: Vec<f32> = sample
            .iter()
            .map(|p| distance(&centres[nearest(&centres, p)], p))
            .collect();
        let total: f32 = weights.iter().sum();
        let mut pick = rng.random::<f32>() * total;
        let at = weights
            .iter()
            .position(|&w| {
                pick -= w;
                pick <= 0.0
            })
            .unwrap_or(sample.len() - 1);
        centres.push(sample[at].clone());
    }
    for _ in 0..ROUNDS {
        let dims = centres[0].len();
        let mut sums = vec![vec![0f32; dims]; k];
        let mut counts = vec![0usize; k];
        for p in &sample {
            let c = nearest(&centres, p);
            counts[c] += 1;
            sums[c].iter_mut().zip(p).for_each(|(s, v)| *s += v);
        }
        for c in 0..k {
            if counts[c] > 0 {
                centres[c] = sums[c].iter().map(|s| s / counts[c] as f32).collect();
            }
        }
    }
    let mut assignment = vec![0u32; history.rows()];
    for &u in &active {
        assignment[u] = nearest(&centres, &features(factors, history, u)) as u32;
    }
    let segments = describe(&active, &assignment, history, items, k);
    (segments, assignment)
}

fn describe(
    active: &[usize],
    assignment: &[u32],
    history: &Csr,
    items: &[ItemInfo],
    k: usize,
) -> Vec<Segment> {
    let mut members = vec![Vec::new(); k];
    for &u in active {
        members[assignment[u] as usize].push(u);
    }
    let mut segments: Vec<Segment> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(id, users)| {
            let mut item_counts = std::collections::HashMap::<u32, usize>::new();
            let mut categories = std::collections::HashMap::<String, usize>::new();
            let mut choices = 0usize;
            for &u in users {
                for &i in history.row(u).0 {
                    *item_counts.entry(i).or_default() += 1;
                    if let Some(leaf) = items.get(i as usize).and_then(|it| it.category.last()) {
                        *categories.entry(leaf.clone()).or_default() += 1;
                    }
                    choices += 1;
                }
            }
            let mut top_items: Vec<(u32, usize)> = item_counts.into_iter().collect();
            top_items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut top_categories: Vec<(String, usize)> = categories.into_iter().collect();
            top_categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Segment {
                id: id as u32,
                users: users.len(),
                share: users.len() as f64 / active.len() as f64,
                mean_items: choices as f64 / users.len() as f64,
                top_categories: top_categories
                    .into_iter()
                    .take(3)
                    .map(|(c, n)| (c, n as f64 / choices.max(1) as f64))
                    .collect(),
                top_items: top_items.into_iter().take(5).map(|(i, _)| i).collect(),
            }
        })
        .collect();
    segments.sort_by_key(|s| std::cmp::Reverse(s.users));
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_with_opposite_tastes_land_in_different_segments() {
        // Users 0..10 lean on factor 0 and chose item 0; users 10..20 on factor 1, item 1.
        let mut factors = Matrix::zeros(20, 2);
        let mut cells = Vec::new();
        for u in 0..20 {
            let side = usize::from(u >= 10);
            factors.data[u * 2 + side] = 1.0 + u as f32 * 0.01;
            cells.push((u as u32, side as u32, 1.0));
        }
        let history = Csr::from_triples(20, 2, cells);
        let items = vec![
            ItemInfo {
                id: "a".into(),
                name: "A".into(),
                category: vec!["Seating".into()],
            },
            ItemInfo {
                id: "b".into(),
                name: "B".into(),
                category: vec!["Tables".into()],
            },
        ];
        let (segments, of) = cluster(&factors, &history, &items, 2, 1);
        assert_eq!(segments.len(), 2);
        assert!(of[..10].iter().all(|&s| s == of[0]) && of[10..].iter().all(|&s| s == of[10]));
        assert_ne!(of[0], of[10]);
        let seating = segments.iter().find(|s| s.id == of[0]).unwrap();
        assert_eq!(seating.top_categories[0], ("Seating".to_string(), 1.0));
        assert_eq!(seating.users, 10);
    }
}
