//! `recs-bench`: serving latency of the model in-process (no I/O) at catalog scale, and the
//! model file's size and load time. A model of the given shape is built with random factors
//! and histories (serving cost does not depend on what the factors learnt).
//!
//! `recs-bench [--items 100000] [--users 20000] [--factors 64] [--rounds 2000]`

use std::{collections::BTreeMap, time::Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roomwright_recs::{
    catalog::ItemInfo,
    interactions::Csr,
    matrix::Matrix,
    model::{FORMAT, Model, TrainConfig},
    serve::Request,
};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const CATEGORIES: [&str; 8] = [
    "Task chairs",
    "Lounge chairs",
    "Desks",
    "Tables",
    "Storage",
    "Sofas",
    "Lighting",
    "Acoustics",
];

fn build(items: usize, users: usize, k: usize, rng: &mut ChaCha8Rng) -> Model {
    let mut random = |rows: usize| Matrix {
        rows,
        cols: k,
        data: (0..rows * k).map(|_| rng.random::<f32>() - 0.5).collect(),
    };
    let (user_factors, item_factors) = (random(users), random(items));
    let infos: Vec<ItemInfo> = (0..items)
        .map(|i| ItemInfo {
            id: format!("p{i}"),
            name: format!("Product {i}"),
            category: vec!["Furniture".into(), CATEGORIES[i % CATEGORIES.len()].into()],
        })
        .collect();
    let mut cells = Vec::new();
    for u in 0..users {
        for _ in 0..30 {
            cells.push((u as u32, rng.random_range(0..items as u32), 1.0));
        }
    }
    let history = Csr::from_triples(users, items, cells);
    let mut item_users = vec![0u32; items];
    history
        .indices
        .iter()
        .for_each(|&i| item_users[i as usize] += 1);
    let neighbours = |rng: &mut ChaCha8Rng| -> Vec<Vec<(u32, f32)>> {
        (0..items)
            .map(|_| {
                (0..20)
                    .map(|j| (rng.random_range(0..items as u32), 1.0 - j as f32 * 0.01))
                    .collect()
            })
            .collect()
    };
    let also_chosen = neighbours(rng);
    let similar_content = neighbours(rng);
    let mut popular = BTreeMap::new();
    let mut by_users: Vec<u32> = (0..items as u32).collect();
    by_users.sort_by_key(|&i| std::cmp::Reverse(item_users[i as usize]));
    popular.insert(String::new(), by_users[..100].to_vec());
    for (c, name) in CATEGORIES.iter().enumerate() {
        let list: Vec<u32> = by_users
            .iter()
            .copied()
            .filter(|&i| i as usize % CATEGORIES.len() == c)
            .take(100)
            .collect();
        popular.insert(format!("furniture/{}", name.to_lowercase()), list);
    }
    Model {
        format: FORMAT,
        version: "bench".into(),
        created_at: String::new(),
        config: TrainConfig::default(),
        users: (0..users).map(|u| format!("u{u}")).collect(),
        items: infos,
        user_factors,
        item_factors,
        history,
        item_users,
        also_chosen,
        similar_content,
        popular,
        ..Default::default()
    }
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99), ms[ms.len() - 1])
}

fn main() {
    let (items, users, k, rounds) = (
        arg("--items", 100_000),
        arg("--users", 20_000),
        arg("--factors", 64),
        arg("--rounds", 2000),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let bytes = build(items, users, k, &mut rng).to_bytes();
    let started = Instant::now();
    let model = Model::from_bytes(&bytes).expect("the model reads back");
    println!(
        "model: {items} items, {users} users, {k} factors; file {:.1} MiB, load {:.0} ms",
        bytes.len() as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let selected: Vec<String> = (0..5).map(|i| format!("p{}", i * 7919 % items)).collect();
    type Case<'a> = (&'a str, Box<dyn Fn(&mut ChaCha8Rng) + 'a>);
    let cases: Vec<Case> = vec![
        (
            "personalised, 40 candidates",
            Box::new(|rng: &mut ChaCha8Rng| {
                let user = format!("u{}", rng.random_range(0..users));
                let request = Request {
                    user: Some(&user),
                    selected: &selected,
                    category: None,
                    count: 40,
                };
                std::hint::black_box(model.recommend(&request, |_| true));
            }),
        ),
        (
            "personalised, category filter",
            Box::new(|rng: &mut ChaCha8Rng| {
                let user = format!("u{}", rng.random_range(0..users));
                let request = Request {
                    user: Some(&user),
                    selected: &[],
                    category: Some("Furniture/Desks"),
                    count: 40,
                };
                std::hint::black_box(model.recommend(&request, |_| true));
            }),
        ),
        (
            "new user, 5 selections",
            Box::new(|_: &mut ChaCha8Rng| {
                let request = Request {
                    user: Some("nobody"),
                    selected: &selected,
                    category: None,
                    count: 40,
                };
                std::hint::black_box(model.recommend(&request, |_| true));
            }),
        ),
        (
            "new user, popularity",
            Box::new(|_: &mut ChaCha8Rng| {
                let request = Request {
                    user: None,
                    selected: &[],
                    category: Some("Furniture/Sofas"),
                    count: 40,
                };
                std::hint::black_box(model.recommend(&request, |_| true));
            }),
        ),
        (
            "also chosen",
            Box::new(|rng: &mut ChaCha8Rng| {
                let item = format!("p{}", rng.random_range(0..items));
                std::hint::black_box(model.also_chosen(&item, 40, |_| true));
            }),
        ),
    ];
    for (name, case) in &cases {
        for _ in 0..rounds / 10 {
            case(&mut rng);
        }
        let timings: Vec<f64> = (0..rounds)
            .map(|_| {
                let started = Instant::now();
                case(&mut rng);
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        let (p50, p99, max) = percentiles(timings);
        println!("{name:<32} p50 {p50:6.3} ms   p99 {p99:6.3} ms   max {max:6.3} ms");
    }
}
