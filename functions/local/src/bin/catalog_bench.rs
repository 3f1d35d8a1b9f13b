//! Search benchmark: index build time and size, cold-start load time of the bundle, and query
//! latency (p50/p99) in-process over generated catalogs, for text queries with typos and
//! filters, and for semantic ranking over the embeddings.
//!
//! `catalog-bench [--sizes 10000,100000] [--rounds 20]`; prints one JSON line per figure set.
//! With `EMBEDDING_MODEL_DIR` set it also times embedding a query and a batch of products.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roomwright_catalog::search::{
    CatalogIndex, Filters, Mode, Order, Ranking, Search,
    embed::Embedder,
    index::embedding_text,
    service,
    vectors::{Vectors, text_hash},
};
use roomwright_devstack::demo;
use serde_json::json;

/// Queries as users type them: typos, plurals, filters, sorts, facets always on.
fn workload() -> Vec<Search> {
    let search = |text: &str, filters: Filters, order: Order| Search {
        text: (!text.is_empty()).then(|| text.to_string()),
        filters,
        order,
        mode: Mode::Text,
        offset: 0,
        limit: 20,
        any_word: false,
    };
    let none = Filters::default;
    vec![
        search("task chair", none(), Order::Relevance),
        search("ergonmic chiar", none(), Order::Relevance),
        search("oak desks", none(), Order::Relevance),
        search("walnut sideboard", none(), Order::PriceAsc),
        search(
            "acoustic panl",
            Filters {
                in_stock: true,
                ..none()
            },
            Order::Relevance,
        ),
        search(
            "",
            Filters {
                categories: vec!["Seating".into()],
                ..none()
            },
            Order::Relevance,
        ),
        search(
            "sofa",
            Filters {
                price_max: Some(300_000),
                max_width_mm: Some(2200),
                ..none()
            },
            Order::PriceDesc,
        ),
        search(
            "height adjustable",
            Filters {
                brands: vec!["Nordform".into(), "Oakline".into()],
                in_stock: true,
                ..none()
            },
            Order::LeadTime,
        ),
        search(
            "lamp",
            Filters {
                certifications: vec!["EU Ecolabel".into()],
                max_carbon_kg: Some(30.0),
                ..none()
            },
            Order::Relevance,
        ),
        search("meeting tabel for boardroom", none(), Order::Relevance),
        search("", none(), Order::PriceAsc),
        search(
            "recycled felt",
            Filters {
                max_depth_mm: Some(50),
                ..none()
            },
            Order::Relevance,
        ),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

fn random_vectors(products: &[roomwright_core::catalog::Product], dim: usize) -> Vectors {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut vectors = Vectors::new(Some("random".into()), dim);
    for p in products {
        let mut v: Vec<f32> = (0..dim).map(|_| rng.random_range(-1.0..1.0)).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        vectors.push(p.id.clone(), text_hash(&p.id), &v);
    }
    vectors
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sizes = vec![10_000usize, 100_000];
    let mut rounds = 20;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sizes" => {
                sizes = args
                    .next()
                    .ok_or("--sizes needs a value")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--rounds" => rounds = args.next().ok_or("--rounds needs a value")?.parse()?,
            _ => return Err(format!("unknown argument {arg}").into()),
        }
    }
    let work = std::env::temp_dir().join(format!("catalog-bench-{}", std::process::id()));
    for size in sizes {
        let products = demo::generate(size, 7);
        let build_dir = work.join(format!("build-{size}"));
        let started = Instant::now();
        let (_, bundle) = service::build(
            &build_dir,
            &products,
            random_vectors(&products, 384),
            Default::default(),
            1,
        )
        .map_err(|e| format!("{:?}", e.detail))?;
        let build_ms = started.elapsed().as_secs_f64() * 1e3;
        let started = Instant::now();
        let index = CatalogIndex::open_bundle(&bundle, &work.join(format!("open-{size}")))?;
        let load_ms = started.elapsed().as_secs_f64() * 1e3;
        let workload = workload();
        for search in &workload {
            index.search(search, None)?; // warm the page cache and code paths
        }
        let mut times = Vec::new();
        let mut per_query = vec![Duration::ZERO; workload.len()];
        let mut hits = 0u64;
        for _ in 0..rounds {
            for (i, search) in workload.iter().enumerate() {
                let started = Instant::now();
                let results = index.search(search, None)?;
                let took = started.elapsed();
                times.push(took);
                per_query[i] = per_query[i].max(took);
                hits += results.total;
            }
        }
        times.sort();
        let slowest = (0..workload.len())
            .max_by_key(|&i| per_query[i])
            .unwrap_or(0);
        let mut semantic = Vec::new();
        let query = index.vectors.at(0).to_vec();
        for round in 0..rounds.max(5) {
            let ranking = Ranking {
                query: query.clone(),
                similarity: 0.7,
                price: 0.1,
                brand: 0.1,
                availability: 0.1,
                budget_minor: Some(100_000 + round as u64 * 1_000),
                preferred_brands: vec!["Nordform".into()],
            };
            let started = Instant::now();
            index.ranked(
                &ranking,
                &Filters {
                    in_stock: true,
                    ..Filters::default()
                },
                0,
                20,
            )?;
            semantic.push(started.elapsed());
        }
        semantic.sort();
        println!(
            "{}",
            json!({
                "products": size,
                "index_build_ms": build_ms.round(),
                "bundle_mib": (bundle.len() as f64 / 1048576.0 * 10.0).round() / 10.0,
                // Measured: the vectors as the bundle carries them (the opened index's, written
                // again), not a size computed from the dimensions.
                "bundle_vectors_mib": (index.vectors.to_bytes().len() as f64 / 1048576.0 * 10.0).round() / 10.0,
                "index_load_ms": (load_ms * 10.0).round() / 10.0,
                "text_queries": times.len(),
                "text_p50_ms": (percentile(&times, 0.5) * 1000.0).round() / 1000.0,
                "text_p99_ms": (percentile(&times, 0.99) * 1000.0).round() / 1000.0,
                "text_max_ms": (percentile(&times, 1.0) * 1000.0).round() / 1000.0,
                "mean_hits": hits / times.len() as u64,
                "slowest_query": format!("{:?} {:?} {:?}", workload[slowest].text, workload[slowest].order, per_query[slowest]),
                "semantic_rank_p50_ms": (percentile(&semantic, 0.5) * 1000.0).round() / 1000.0,
                "semantic_rank_p99_ms": (percentile(&semantic, 0.99) * 1000.0).round() / 1000.0,
            })
        );
    }
    let started = Instant::now();
    if let Some(model) = Embedder::from_env() {
        let model = model?;
        let load_ms = started.elapsed().as_secs_f64() * 1e3;
        let products = demo::generate(64, 3);
        let texts: Vec<String> = products.iter().map(embedding_text).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        model.embed_one("warm up")?;
        let mut query = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            model.embed_one("a warm wooden desk for a small home office")?;
            query.push(started.elapsed());
        }
        query.sort();
        let started = Instant::now();
        for chunk in refs.chunks(32) {
            model.embed(chunk)?;
        }
        let per_product_ms = started.elapsed().as_secs_f64() * 1e3 / refs.len() as f64;
        println!(
            "{}",
            json!({
                "embedding_model_load_ms": load_ms.round(),
                "query_embedding_p50_ms": (percentile(&query, 0.5) * 10.0).round() / 10.0,
                "query_embedding_p99_ms": (percentile(&query, 0.99) * 10.0).round() / 10.0,
                "product_embedding_ms_each_batched": (per_product_ms * 10.0).round() / 10.0,
            })
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
