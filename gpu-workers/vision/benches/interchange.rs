//! Dealer-interchange imports as the vision worker runs them (`make bench`:
//! `cargo bench -p roomwright-vision --bench interchange`): a 5,000-line SIF matched against
//! a 10,000-product catalog in the local AWS server (part numbers, aliases and misspelt
//! descriptions through the published search index), and a 20,000-entity DXF read and
//! matched, with the time and the memory it took.
//!
//! Under `cargo test` (no `--bench` argument) it runs small, to prove it still works.

use std::time::Instant;

use roomwright_core::catalog::Product;
use roomwright_interchange::{
    Format,
    aliases::{self, Alias, AliasKind},
    cad::{self, DrawnItem},
    matching::{self, Catalog},
    sif::{self, ExportLine},
};
use roomwright_projects::floorplan::{FloorPlan, Room, Wall};

/// Peak and current resident memory of this process, in MiB (`/proc/self/status`).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Swaps two middle letters of each word of 5 letters or more: a typist's slip.
fn misspell(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut c: Vec<char> = w.chars().collect();
            if c.len() >= 5 {
                c.swap(2, 3);
            }
            c.into_iter().collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A drawing of `inserts` furniture inserts over a plan of `walls` wall segments and `rooms`
/// labelled rooms (each room one outline and one label).
fn drawing(products: &[Product], inserts: usize, walls: usize, rooms: usize) -> Vec<u8> {
    let side = (rooms as f64).sqrt().ceil() as usize;
    let plan = FloorPlan {
        units: "m".into(),
        rooms: (0..rooms)
            .map(|i| {
                let (x, y) = ((i % side) as f64 * 6.0, (i / side) as f64 * 6.0);
                Room {
                    id: format!("r{i}"),
                    name: format!("Office {i}"),
                    kind: "office".into(),
                    polygon: vec![[x, y], [x + 6.0, y], [x + 6.0, y + 6.0], [x, y + 6.0]],
                }
            })
            .collect(),
        walls: (0..walls)
            .map(|i| {
                let (x, y) = ((i % 100) as f64 * 1.2, (i / 100) as f64 * 1.2);
                Wall {
                    id: format!("w{i}"),
                    start: [x, y],
                    end: [x + 1.0, y],
                    thickness_m: 0.1,
                    height_m: 2.7,
                }
            })
            .collect(),
        openings: Vec::new(),
    };
    let items: Vec<DrawnItem> = (0..inserts)
        .map(|i| {
            let p = &products[i % products.len()];
            DrawnItem {
                sku: p.sku.clone(),
                name: p.name.clone(),
                brand: p.brand.clone(),
                finish: p.finishes.first().cloned(),
                quantity: 1,
                price: "100.00 EUR".into(),
                width_mm: f64::from(p.dimensions.width_mm),
                depth_mm: f64::from(p.dimensions.depth_mm),
                at: Some((
                    [(i % 70) as f64 * 2.0 + 1.0, (i / 70) as f64 * 2.0 + 1.0],
                    (i % 4) as f64 * 90.0,
                )),
            }
        })
        .collect();
    cad::write("bench", Some(&plan), &items).unwrap()
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (catalog_size, sif_lines, inserts, walls, rooms) = if full {
        (10_000, 5_000, 4_000, 15_000, 500)
    } else {
        (300, 200, 100, 300, 20)
    };
    let products = roomwright_devstack::demo::generate(catalog_size, 5);

    // The drawing first, while the process is small: its peak memory is the reader's.
    let dxf = drawing(&products, inserts, walls, rooms);
    // The peak so far is the writer's: start counting afresh (Linux: `5` resets VmHWM).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (peak_before, rss_before) = memory_mib();
    let started = Instant::now();
    let parsed = roomwright_interchange::parse(Format::Dxf, &dxf).unwrap();
    let dxf_read_s = started.elapsed().as_secs_f64();
    let (peak_after, _) = memory_mib();
    let entities = inserts + walls + 2 * rooms;
    println!(
        "DXF: {entities} entities ({inserts} inserts with 6 attributes each, {walls} walls, {rooms} rooms + labels), {:.1} MiB: read in {dxf_read_s:.2} s, peak memory +{:.0} MiB over {rss_before:.0} MiB{}",
        dxf.len() as f64 / 1024.0 / 1024.0,
        (peak_after - rss_before).max(0.0),
        if reset {
            String::new()
        } else {
            format!(" (peak not reset: {peak_before:.0} MiB before)")
        },
    );
    assert_eq!(parsed.lines.len(), inserts);

    // The catalog as the worker sees it: products with SKU claims in the local AWS server,
    // the search index published by the indexer.
    let stack = roomwright_devstack::TestStack::new().await;
    let table = stack.state.table();
    let started = Instant::now();
    for chunk in products.chunks(30) {
        let writes: Vec<roomwright_catalog::store::Write<'_>> = chunk
            .iter()
            .map(|product| roomwright_catalog::store::Write {
                product,
                expected: None,
                old_sku: None,
            })
            .collect();
        roomwright_catalog::store::write_all(&table, &writes)
            .await
            .unwrap()
            .unwrap();
    }
    roomwright_core::catalog::bump_revision(&table).await;
    let search = roomwright_catalog::SearchService::new(None);
    search.reindex(&stack.state).await.unwrap();
    let dir = std::env::temp_dir().join(format!("interchange-bench-{}", std::process::id()));
    let index = roomwright_catalog::search::service::open_published(
        &stack.state.aws,
        &stack.state.config.bucket_name,
        &dir,
    )
    .await
    .unwrap()
    .unwrap();
    println!(
        "catalog: {catalog_size} products stored and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // A dealer's list: 40% our SKUs, 20% foreign numbers with an alias, 40% foreign numbers
    // with a misspelt description (manufacturer and name).
    let mut lines = Vec::new();
    let mut known = Vec::new();
    let mut expected = Vec::new();
    for i in 0..sif_lines {
        let p = &products[(i * 7919) % products.len()];
        let (part_number, description) = match i % 5 {
            0 | 1 => (p.sku.clone(), p.name.clone()),
            2 => {
                known.push(Alias {
                    kind: AliasKind::PartNumber,
                    source: format!("ALIAS-{i}"),
                    product_id: p.id.clone(),
                    manufacturer: None,
                    origin: "user".into(),
                    updated_by: "bench".into(),
                    updated_at: "2026-12-04T00:00:00Z".into(),
                });
                (format!("ALIAS-{i}"), p.name.clone())
            }
            _ => (
                format!("FOREIGN-{i}"),
                format!("{} {}", misspell(&p.brand), misspell(&p.name)),
            ),
        };
        expected.push(p.id.clone());
        lines.push(ExportLine {
            part_number,
            description,
            manufacturer_code: p.brand.clone(),
            quantity: 1 + (i % 4) as u32,
            list_minor: p.list_price.amount_minor,
            sell_minor: p.dealer_price_minor,
            purchase_minor: None,
            finish: p.finishes.first().cloned(),
            tag: None,
            category: None,
        });
    }
    aliases::put_all(&table, &known).await.unwrap();
    let text = sif::write("bench.sif", "Bench", &lines);
    let catalog = Catalog {
        table: &table,
        index: Some(&index),
    };
    let started = Instant::now();
    let parsed = roomwright_interchange::parse(Format::Sif, text.as_bytes()).unwrap();
    let proposal = matching::propose(Format::Sif, parsed, &catalog)
        .await
        .unwrap();
    let sif_s = started.elapsed().as_secs_f64();
    // A description cannot tell apart products with the same name and brand (the generated
    // catalog repeats "<series> <kind>" across sizes): any of them is a right answer.
    let text_of: std::collections::HashMap<&str, (&str, &str)> = products
        .iter()
        .map(|p| (p.id.as_str(), (p.name.as_str(), p.brand.as_str())))
        .collect();
    let right_described = proposal
        .lines
        .iter()
        .zip(&expected)
        .filter(|(l, want)| {
            l.matched.as_ref().is_some_and(|m| {
                m.reason == roomwright_interchange::MatchReason::Description
                    && text_of.get(m.product_id.as_str()) == text_of.get(want.as_str())
            })
        })
        .count();
    let described = expected.len() * 2 / 5;
    println!(
        "SIF: {sif_lines} lines ({:.2} MiB) matched in {sif_s:.2} s ({:.2} ms a line): by SKU {}, by alias {}, by description {} ({right_described} of {described} misspelt lines to the right product or one of the same name and brand), unmatched {}; {:?}",
        text.len() as f64 / 1024.0 / 1024.0,
        sif_s * 1000.0 / sif_lines as f64,
        proposal.summary.by_sku,
        proposal.summary.by_alias,
        proposal.summary.by_description,
        proposal.summary.unmatched,
        proposal.timings_ms,
    );
    assert_eq!(proposal.summary.by_sku, sif_lines * 2 / 5);
    assert_eq!(proposal.summary.by_alias, sif_lines / 5);

    let started = Instant::now();
    let parsed = roomwright_interchange::parse(Format::Dxf, &dxf).unwrap();
    let proposal = matching::propose(Format::Dxf, parsed, &catalog)
        .await
        .unwrap();
    println!(
        "DXF import (read + match): {:.2} s; {} of {} inserts matched by SKU",
        started.elapsed().as_secs_f64(),
        proposal.summary.by_sku,
        inserts
    );
    let _ = std::fs::remove_dir_all(dir);
}
