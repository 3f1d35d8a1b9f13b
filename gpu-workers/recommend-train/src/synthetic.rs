//! Interactions with planted structure, for tests and quick local runs: users belong to taste
//! groups, each group favours its own block of items, and every user also picks some items by
//! long-tail popularity alone. A model that learns the groups beats popularity clearly.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roomwright_recs::interactions::{Builder, Interactions};

#[derive(Debug, Clone)]
pub struct Planted {
    pub users: usize,
    pub items: usize,
    pub groups: usize,
    pub per_user: usize,
    /// Share of each user's picks made from their group's block (the rest by popularity).
    pub taste: f64,
    pub seed: u64,
}

impl Default for Planted {
    fn default() -> Self {
        Self {
            users: 600,
            items: 300,
            groups: 6,
            per_user: 20,
            taste: 0.8,
            seed: 11,
        }
    }
}

impl Planted {
    /// The group an item belongs to (items are split into equal consecutive blocks).
    pub fn item_group(&self, item: usize) -> usize {
        item * self.groups / self.items
    }

    pub fn user_group(&self, user: usize) -> usize {
        user % self.groups
    }

    pub fn generate(&self) -> Interactions {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        // Zipf-like popularity over a shuffled item order.
        let mut order: Vec<usize> = (0..self.items).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let weights: Vec<f64> = (0..self.items)
            .map(|rank| 1.0 / (rank as f64 + 1.0).powf(0.8))
            .collect();
        let total: f64 = weights.iter().sum();
        let block = self.items / self.groups;
        let mut builder = Builder::default();
        for u in 0..self.users {
            let g = self.user_group(u);
            let mut picked = std::collections::HashSet::new();
            while picked.len() < self.per_user.min(self.items / 2) {
                let item = if rng.random::<f64>() < self.taste {
                    // Within the group's block, taste is long-tailed too.
                    let rank = (block as f64 * rng.random::<f64>().powi(2)) as usize;
                    g * block + (rank * 7 + g) % block
                } else {
                    let mut x = rng.random::<f64>() * total;
                    let rank = weights
                        .iter()
                        .position(|w| {
                            x -= w;
                            x <= 0.0
                        })
                        .unwrap_or(self.items - 1);
                    order[rank]
                };
                if picked.insert(item) {
                    let weight = 1 + rng.random_range(0..3);
                    builder.add(&format!("u{u}"), &format!("i{item}"), weight as f32);
                }
            }
        }
        builder.build()
    }
}
