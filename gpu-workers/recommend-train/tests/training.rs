//! Training on planted structure: the model finds the taste groups (beats popularity clearly),
//! its lists and explanations stay within what a user showed interest in, cold users and
//! items fall back to content and popularity, and the command line does what it documents.

use std::process::Command;

use roomwright_recommend_train::synthetic::Planted;
use roomwright_recs::{
    als::AlsParams,
    catalog::{CatalogItem, ItemInfo},
    model::{self, Model, TrainConfig},
    serve::{Basis, Reason, Request},
};

fn config() -> TrainConfig {
    TrainConfig {
        als: AlsParams {
            factors: 16,
            iterations: 10,
            ..AlsParams::default()
        },
        ..TrainConfig::default()
    }
}

const STYLES: [&str; 6] = [
    "scandinavian oak linen",
    "industrial steel black",
    "mid-century walnut brass",
    "coastal rattan whitewash",
    "minimalist white lacquer",
    "bohemian velvet jute",
];

/// Catalog entries for the planted items (their group's style words), plus `cold`, an item
/// of group 0's style that nobody has interacted with.
fn catalog(planted: &Planted) -> Vec<CatalogItem> {
    let mut items: Vec<CatalogItem> = (0..planted.items)
        .map(|i| {
            let group = planted.item_group(i);
            CatalogItem {
                info: ItemInfo {
                    id: format!("i{i}"),
                    name: format!("Piece {i}"),
                    category: vec!["Furniture".into(), format!("Line {group}")],
                },
                text: format!("Piece {i} {} chair {i}", STYLES[group]),
            }
        })
        .collect();
    items.push(CatalogItem {
        info: ItemInfo {
            id: "cold".into(),
            name: "New oak lounge chair".into(),
            category: vec!["Furniture".into(), "Line 0".into()],
        },
        text: format!("New lounge chair {}", STYLES[0]),
    });
    items
}

fn trained(planted: &Planted) -> Model {
    model::train(
        planted.generate(),
        &catalog(planted),
        &config(),
        "t1",
        "2026-12-01T00:00:00Z",
    )
}

#[test]
fn learns_planted_tastes_and_beats_popularity_clearly() {
    let planted = Planted::default();
    let model = trained(&planted);
    let e = &model.evaluation;
    assert!(e.test_nnz > 0 && e.train_nnz > e.test_nnz);
    assert!(
        e.model.ndcg > 1.5 * e.popularity.ndcg,
        "ALS nDCG@10 {:.4} vs popularity {:.4}",
        e.model.ndcg,
        e.popularity.ndcg
    );
    // Most of a user's suggestions come from their own group's block.
    let mut own = 0;
    let mut total = 0;
    for u in 0..60 {
        let user = format!("u{u}");
        let (basis, list) = model.recommend(
            &Request {
                user: Some(&user),
                count: 10,
                ..Request::default()
            },
            |_| true,
        );
        assert_eq!(basis, Basis::Personalised);
        for s in &list {
            let id = &model.items[s.item as usize].id;
            if let Some(i) = id.strip_prefix('i').and_then(|i| i.parse::<usize>().ok()) {
                own += usize::from(planted.item_group(i) == planted.user_group(u));
            }
            total += 1;
        }
    }
    assert!(own * 10 > total * 7, "{own} of {total} in the user's group");
    // The served model's file reads back the same.
    let back = Model::from_bytes(&model.to_bytes()).unwrap();
    assert_eq!(back.item_factors, model.item_factors);
    assert_eq!(back.lookup.user.len(), planted.users);
}

#[test]
fn explanations_name_items_the_user_chose_or_selected() {
    let planted = Planted::default();
    let model = trained(&planted);
    let user = "u3";
    let history: Vec<u32> = model
        .history
        .row(model.lookup.user[user] as usize)
        .0
        .to_vec();
    let selected = vec!["i0".to_string()];
    let (_, list) = model.recommend(
        &Request {
            user: Some(user),
            selected: &selected,
            count: 10,
            ..Request::default()
        },
        |_| true,
    );
    assert_eq!(list.len(), 10);
    for s in &list {
        assert!(
            !history.contains(&s.item),
            "already chosen items are not suggested"
        );
        assert_ne!(
            model.items[s.item as usize].id, "i0",
            "selected items are not suggested"
        );
        match &s.reason {
            Reason::BecauseYouSelected { item } => {
                assert_eq!(model.items[*item as usize].id, "i0");
                assert!(s.reason.text(&model).ends_with("Piece 0"));
            }
            Reason::BecauseOfYourInterestIn { item } => {
                assert!(history.contains(item));
                let name = &model.items[*item as usize].name;
                assert_eq!(
                    s.reason.text(&model),
                    format!("Because of your interest in {name}")
                );
            }
            other => panic!("a personalised item explained by {other:?}"),
        }
    }
}

#[test]
fn new_users_and_items_fall_back_to_content_and_popularity() {
    let planted = Planted::default();
    let model = trained(&planted);
    // A user the model has never seen, whose project holds a group-0 piece.
    let selected = vec!["i1".to_string()];
    let (basis, list) = model.recommend(
        &Request {
            user: Some("newcomer"),
            selected: &selected,
            count: 30,
            ..Request::default()
        },
        |_| true,
    );
    assert_eq!(basis, Basis::Selections);
    assert!(list.iter().all(|s| {
        s.reason
            .item()
            .is_none_or(|i| model.items[i as usize].id == "i1")
    }));
    let cold = model.item_index("cold").unwrap();
    let found = list
        .iter()
        .find(|s| s.item == cold)
        .expect("the new item is suggested by content");
    assert_eq!(
        found.reason,
        Reason::SimilarInStyleTo {
            item: model.item_index("i1").unwrap()
        }
    );
    assert!(
        found
            .reason
            .text(&model)
            .starts_with("Similar in style to Piece 1")
    );
    // Nothing known at all: the most chosen, in the category asked for.
    let (basis, list) = model.recommend(
        &Request {
            user: None,
            category: Some("furniture/line 2"),
            count: 5,
            ..Request::default()
        },
        |_| true,
    );
    assert_eq!(basis, Basis::Popularity);
    assert_eq!(list.len(), 5);
    for s in &list {
        assert_eq!(model.items[s.item as usize].category[1], "Line 2");
        assert_eq!(s.reason.text(&model), "Popular in line 2");
    }
    // An item with no history: its also-chosen list is made of its content neighbours.
    let also = model.also_chosen("cold", 5, |_| true).unwrap();
    assert!(!also.is_empty());
    for s in &also {
        assert_eq!(s.reason, Reason::SimilarInStyleTo { item: cold });
        assert_eq!(
            model.items[s.item as usize].category[1], "Line 0",
            "same style words"
        );
    }
    assert!(model.also_chosen("unknown", 5, |_| true).is_none());
}

#[test]
fn filters_hold_and_segments_follow_the_groups() {
    let planted = Planted::default();
    let model = trained(&planted);
    // The caller's filter (stock, budget) holds for personalised and fallback items alike.
    let odd = |i: u32| {
        model.items[i as usize]
            .id
            .trim_start_matches('i')
            .parse::<u32>()
            .is_ok_and(|n| n % 2 == 1)
    };
    let (_, list) = model.recommend(
        &Request {
            user: Some("u5"),
            count: 50,
            ..Request::default()
        },
        odd,
    );
    assert_eq!(list.len(), 50);
    assert!(list.iter().all(|s| odd(s.item)));
    let groups: Vec<usize> = model.segments.iter().map(|s| s.users).collect();
    assert!(model.segments.len() >= 4, "{groups:?}");
    assert_eq!(groups.iter().sum::<usize>(), planted.users);
    // A segment's members share a group: its top products come from one block.
    for segment in &model.segments {
        let blocks: std::collections::BTreeSet<usize> = segment
            .top_items
            .iter()
            .filter_map(|&i| model.items[i as usize].id.strip_prefix('i')?.parse().ok())
            .map(|i: usize| planted.item_group(i))
            .collect();
        assert!(
            blocks.len() <= 2,
            "segment {} mixes blocks {blocks:?}",
            segment.id
        );
    }
}

#[test]
fn the_promotion_gate_holds_back_a_clearly_worse_model() {
    let planted = Planted::default();
    let good = trained(&planted).evaluation.model;
    // One factor and one iteration cannot hold six tastes.
    let mut crude = config();
    crude.als.factors = 1;
    crude.als.iterations = 1;
    let worse = model::train(planted.generate(), &[], &crude, "t2", "x")
        .evaluation
        .model;
    assert!(worse.ndcg < good.ndcg);
    assert_eq!(
        model::promotion(&good, None, 0.05),
        model::Promotion::PROMOTE
    );
    assert_eq!(
        model::promotion(&good, Some(&good), 0.05),
        model::Promotion::PROMOTE
    );
    let held = model::promotion(&worse, Some(&good), 0.05);
    assert_eq!(held.decision, model::Decision::Hold);
    assert!(
        held.reason.as_deref().unwrap().contains("more than 5%"),
        "{held:?}"
    );
}

#[test]
fn the_command_line_trains_a_csv_and_prints_its_figures() {
    let dir = std::env::temp_dir().join(format!("recommend-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("interactions.csv");
    let planted = Planted::default().generate();
    let mut text = String::from("user_id,item_id,weight\n");
    for u in 0..planted.matrix.rows() {
        let (cols, vals) = planted.matrix.row(u);
        for (&i, &w) in cols.iter().zip(vals) {
            text += &format!("{},{},{w}\n", planted.users[u], planted.items[i as usize]);
        }
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.join("model");
    let run = Command::new(env!("CARGO_BIN_EXE_recommend-train"))
        .args([
            "--interactions",
            csv.to_str().unwrap(),
            "--factors",
            "16",
            "--iterations",
            "8",
            "--regularization",
            "0.05",
            "--alpha",
            "1.0",
            "--threads",
            "2",
            "--seed",
            "42",
            "--eval-holdout",
            "0.2",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["users"], 600);
    assert_eq!(line["items"], 300);
    assert_eq!(
        line["train_nnz"].as_u64().unwrap() + line["test_nnz"].as_u64().unwrap(),
        12_000
    );
    for field in ["fit_s", "s_per_iter", "p@10", "ndcg@10"] {
        assert!(line[field].as_f64().unwrap() > 0.0, "{field}: {line}");
    }
    let model = Model::from_bytes(&std::fs::read(out.join("model.bin")).unwrap()).unwrap();
    assert_eq!(model.config.als.factors, 16);
    assert!(out.join("metrics.json").exists());
    // A file that is not interactions: a clear message and exit code 2, nothing written.
    std::fs::write(&csv, "user,item\nu1,i1\n").unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_recommend-train"))
        .args([
            "--interactions",
            csv.to_str().unwrap(),
            "--out",
            dir.join("bad").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("user_id,item_id,weight"));
    assert!(!dir.join("bad").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
