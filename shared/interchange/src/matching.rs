//! Matching lines to products, surest first:
//!
//! 1. the part number is one of our SKUs (confidence 1, `sku`);
//! 2. the part number or block name is a dealer alias (confidence 1, `alias`);
//! 3. otherwise the manufacturer and description go through the catalog's own search (typo
//!    tolerant) for candidates, each scored by how many of the line's words it has and how
//!    much of its name the line has ([`similarity`]); the best is proposed when at least
//!    [`PROPOSE_AT`] (`description`, at most 0.95: a description is never as sure as a number).
//!
//! Then the line's options and attributes are read against the matched product's finishes.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use rayon::prelude::*;
use roomwright_catalog::search::{CatalogIndex, Filters, Mode, Order, Search};
use roomwright_core::{
    catalog::{Product, get_products},
    dynamo::{StoreError, Table},
};

use crate::{
    FinishMapping, Format, Match, MatchReason, OptionCode, Parsed, Problem, Proposal, ProposedLine,
    SourceLine, Summary,
    aliases::{self, AliasKind},
};

/// The least description score proposed as the line's match.
pub const PROPOSE_AT: f64 = 0.45;
/// Candidates kept per line for the reviewer.
const CANDIDATES: usize = 3;
/// Products the search returns per line to be scored.
const SEARCH_DEPTH: usize = 12;

/// Where products are found.
pub struct Catalog<'a> {
    pub table: &'a Table,
    /// The catalog's published search index; without it descriptions are not matched.
    pub index: Option<&'a CatalogIndex>,
}

const STOP_WORDS: [&str; 12] = [
    "and", "with", "the", "of", "for", "in", "a", "an", "w", "x", "mm", "cm",
];

/// Lower-case words of `text` (letters and digits), without filler words.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

fn word_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.chars().count() < 4 || b.chars().count() < 4 {
        return 0.0;
    }
    let jw = strsim::jaro_winkler(a, b);
    if jw >= 0.85 { jw * 0.9 } else { 0.0 }
}

/// How like `product` a line's text is, 0 to 1: half the share of the line's words found
/// in the product (name, brand, category, materials, finishes; a misspelt word counts for
/// most of one), half the share of the product's name words the line has. With the words
/// that matched, for `why`.
pub fn similarity(line_words: &[String], product: &Product) -> (f64, usize) {
    let name = words(&product.name);
    let mut all: Vec<String> = name.clone();
    for text in std::iter::once(&product.brand)
        .chain(product.category.iter())
        .chain(product.materials.iter())
        .chain(product.finishes.iter())
    {
        all.extend(words(text));
    }
    if line_words.is_empty() || name.is_empty() {
        return (0.0, 0);
    }
    let mut found = 0usize;
    let recall: f64 = line_words
        .iter()
        .map(|q| {
            let best = all
                .iter()
                .map(|p| word_similarity(q, p))
                .fold(0.0, f64::max);
            if best > 0.0 {
                found += 1;
            }
            best
        })
        .sum::<f64>()
        / line_words.len() as f64;
    let covered = name
        .iter()
        .filter(|n| line_words.iter().any(|q| word_similarity(q, n) > 0.0))
        .count() as f64
        / name.len() as f64;
    (0.5 * recall + 0.5 * covered, found)
}

fn exact(product: &Product, reason: MatchReason, why: String) -> Match {
    Match {
        product_id: product.id.clone(),
        sku: product.sku.clone(),
        name: product.name.clone(),
        confidence: 1.0,
        reason,
        why,
    }
}

/// The part number a line is looked up by: its own, else its block name (drawings often
/// name a furniture block after the part).
fn number_of(line: &SourceLine) -> Option<&str> {
    line.part_number.as_deref().or(line.block.as_deref())
}

/// The line's text the search and the scoring read.
fn text_of(line: &SourceLine) -> String {
    let mut text = line.description.clone();
    if text.trim().is_empty()
        && let Some(block) = &line.block
    {
        text = block.replace(['_', '-', ':'], " ");
    }
    text
}

/// Candidates for a line by its description, best first.
fn by_description(index: &CatalogIndex, line: &SourceLine) -> Vec<Match> {
    let text = text_of(line);
    let line_words = words(&text);
    if line_words.is_empty() {
        return Vec::new();
    }
    let search = Search {
        text: Some(line_words.join(" ")),
        filters: Filters::default(),
        order: Order::Relevance,
        mode: Mode::Text,
        offset: 0,
        limit: SEARCH_DEPTH,
        any_word: true,
    };
    let Ok(results) = index.search(&search, None) else {
        return Vec::new();
    };
    let mut scored: Vec<Match> = results
        .items
        .into_iter()
        .filter(|(p, _)| p.status != "retired")
        .map(|(product, _)| {
            let (score, found) = similarity(&line_words, &product);
            Match {
                confidence: (score * 0.95 * 1000.0).round() / 1000.0,
                reason: MatchReason::Description,
                why: format!(
                    "{found} of {} words of \"{}\" match \"{}\" ({})",
                    line_words.len(),
                    crate::bounded(&text),
                    product.name,
                    product.brand
                ),
                product_id: product.id,
                sku: product.sku,
                name: product.name,
            }
        })
        .collect();
    scored.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.sku.cmp(&b.sku))
    });
    scored.truncate(CANDIDATES + 1);
    scored
}

/// The matched product's finish the line's options name, and the options that are none.
fn finishes(options: &[OptionCode], product: &Product) -> (Option<FinishMapping>, Vec<OptionCode>) {
    let mut mapping = None;
    let mut rest = Vec::new();
    for option in options {
        let wanted = option.description.trim().to_lowercase();
        let found = mapping.is_none().then(|| {
            product.finishes.iter().find(|f| {
                let f = f.to_lowercase();
                !wanted.is_empty()
                    && (f == wanted
                        || wanted.contains(&f)
                        || f.contains(&wanted)
                        || strsim::jaro_winkler(&f, &wanted) >= 0.9)
            })
        });
        match found.flatten() {
            Some(finish) => {
                mapping = Some(FinishMapping {
                    from: option.description.clone(),
                    to: finish.clone(),
                })
            }
            None => rest.push(option.clone()),
        }
    }
    (mapping, rest)
}

/// Matches every line of `parsed` and assembles the proposal.
pub async fn propose(
    format: Format,
    parsed: Parsed,
    catalog: &Catalog<'_>,
) -> Result<Proposal, StoreError> {
    let started = Instant::now();
    let Parsed {
        title,
        lines,
        mut problems,
        floor_plan,
        units,
    } = parsed;
    let part_numbers: HashSet<String> = lines
        .iter()
        .filter_map(number_of)
        .map(|p| p.trim().to_ascii_uppercase())
        .filter(|p| !p.is_empty())
        .collect();
    let mut wanted: Vec<(AliasKind, String)> = part_numbers
        .iter()
        .map(|p| (AliasKind::PartNumber, aliases::normalise(p)))
        .collect();
    wanted.extend(
        lines
            .iter()
            .filter_map(|l| l.block.as_deref())
            .map(|b| (AliasKind::Block, aliases::normalise(b)))
            .collect::<HashSet<_>>(),
    );
    let numbers: Vec<String> = part_numbers.into_iter().collect();
    // SKU claims and aliases are independent reads: both at once.
    let (skus, known) = futures::future::try_join(
        roomwright_catalog::store::ids_by_sku(catalog.table, &numbers),
        aliases::lookup(catalog.table, &wanted),
    )
    .await?;
    let mut ids: Vec<String> = skus.values().cloned().collect();
    ids.extend(known.values().map(|a| a.product_id.clone()));
    ids.sort();
    ids.dedup();
    let products: HashMap<String, Product> = get_products(catalog.table, &ids)
        .await?
        .into_iter()
        .map(|(id, p)| (id, p.value))
        .collect();
    let exact_of = |line: &SourceLine| -> Option<Match> {
        if let Some(pn) = number_of(line).map(str::trim) {
            let what = if line.part_number.is_some() {
                "part number"
            } else {
                "block name"
            };
            let upper = pn.to_ascii_uppercase();
            if let Some(p) = skus.get(&upper).and_then(|id| products.get(id)) {
                return Some(exact(
                    p,
                    MatchReason::Sku,
                    format!("{what} {pn} is our SKU"),
                ));
            }
            if let Some(alias) = known.get(&(AliasKind::PartNumber, aliases::normalise(pn)))
                && let Some(p) = products.get(&alias.product_id)
            {
                return Some(exact(
                    p,
                    MatchReason::Alias,
                    format!("{what} {pn} is an alias of {}", p.sku),
                ));
            }
        }
        let block = line.block.as_deref()?;
        let alias = known.get(&(AliasKind::Block, aliases::normalise(block)))?;
        let p = products.get(&alias.product_id)?;
        Some(exact(
            p,
            MatchReason::Alias,
            format!("block {block} is an alias of {}", p.sku),
        ))
    };
    let exact_matches: Vec<Option<Match>> = lines.iter().map(exact_of).collect();
    let lookups_ms = started.elapsed().as_secs_f64() * 1000.0;
    let searched = Instant::now();
    let needs_search = exact_matches.iter().any(Option::is_none);
    if needs_search && catalog.index.is_none() {
        problems.push(Problem::new(
            "catalog",
            "search_unavailable",
            "The catalog's search index is not built yet: lines were matched by part number and alias only.",
        ));
    }
    let described: Vec<Vec<Match>> = lines
        .par_iter()
        .zip(exact_matches.par_iter())
        .map(|(line, exact)| match (exact, catalog.index) {
            (None, Some(index)) => by_description(index, line),
            _ => Vec::new(),
        })
        .collect();
    let chosen: Vec<(Option<Match>, Vec<Match>)> = exact_matches
        .into_iter()
        .zip(described)
        .map(|(exact, mut candidates)| {
            let matched = match exact {
                Some(m) => Some(m),
                None if candidates
                    .first()
                    .is_some_and(|c| c.confidence >= PROPOSE_AT) =>
                {
                    Some(candidates.remove(0))
                }
                None => None,
            };
            candidates.truncate(CANDIDATES);
            (matched, candidates)
        })
        .collect();
    // Products matched by description, for their finishes.
    let mut more: Vec<String> = chosen
        .iter()
        .filter_map(|(m, _)| m.as_ref())
        .map(|m| m.product_id.clone())
        .filter(|id| !products.contains_key(id))
        .collect();
    more.sort();
    more.dedup();
    let mut products = products;
    products.extend(
        get_products(catalog.table, &more)
            .await?
            .into_iter()
            .map(|(id, p)| (id, p.value)),
    );
    let mut proposed = Vec::with_capacity(lines.len());
    let mut summary = Summary {
        lines: lines.len(),
        ..Default::default()
    };
    let mut unmatched = Vec::new();
    for (line, (matched, candidates)) in lines.into_iter().zip(chosen) {
        let product = matched.as_ref().and_then(|m| products.get(&m.product_id));
        let (finish, unmapped_options) = match product {
            Some(p) => finishes(&line.options, p),
            None => (None, Vec::new()),
        };
        match matched.as_ref().map(|m| m.reason) {
            Some(MatchReason::Sku) => summary.by_sku += 1,
            Some(MatchReason::Alias) => summary.by_alias += 1,
            Some(MatchReason::Description) => summary.by_description += 1,
            Some(MatchReason::Corrected) => {}
            None => unmatched.push(line.line),
        }
        if line.placement.is_some() {
            summary.placed += 1;
        }
        proposed.push(ProposedLine {
            source: line,
            matched,
            candidates,
            finish,
            unmapped_options,
        });
    }
    summary.matched = summary.lines - unmatched.len();
    summary.unmatched = unmatched.len();
    summary.problems = problems.len();
    let timings_ms = [
        ("lookups".to_string(), lookups_ms),
        (
            "descriptions".to_string(),
            searched.elapsed().as_secs_f64() * 1000.0,
        ),
        (
            "matching".to_string(),
            started.elapsed().as_secs_f64() * 1000.0,
        ),
    ]
    .into_iter()
    .collect();
    Ok(Proposal {
        format,
        title,
        units,
        summary,
        lines: proposed,
        unmatched,
        problems,
        floor_plan,
        timings_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(name: &str, brand: &str, category: &[&str]) -> Product {
        let mut p = roomwright_devstack::demo::generate(1, 1).remove(0);
        p.name = name.into();
        p.brand = brand.into();
        p.category = category.iter().map(|c| c.to_string()).collect();
        p.materials.clear();
        p.finishes = vec!["Graphite".into(), "Natural oak".into()];
        p
    }

    #[test]
    fn a_misspelt_description_scores_its_product_above_the_others() {
        let chair = product(
            "Aria mesh task chair",
            "Nordform",
            &["Seating", "Task chairs"],
        );
        let stool = product("Aria stool", "Nordform", &["Seating", "Stools"]);
        let desk = product("Linea sit-stand desk", "Halden", &["Desks"]);
        let line = words("Nordfrom Aria mesch task chiar");
        let scores: Vec<f64> = [&chair, &stool, &desk]
            .iter()
            .map(|p| similarity(&line, p).0)
            .collect();
        assert!(scores[0] > 0.8, "{scores:?}");
        assert!(
            scores[0] > scores[1] + 0.2 && scores[1] > scores[2],
            "{scores:?}"
        );
    }

    #[test]
    fn options_map_to_the_products_finishes_and_the_rest_are_listed() {
        let chair = product("Aria chair", "Nordform", &["Seating"]);
        let options = vec![
            OptionCode {
                code: "FIN".into(),
                description: "OAK NATURAL".into(),
            },
            OptionCode {
                code: "ARM".into(),
                description: "Adjustable arms".into(),
            },
        ];
        let (finish, rest) = finishes(&options, &chair);
        assert_eq!(finish, None, "word order differs: not the same finish");
        assert_eq!(rest.len(), 2);
        let options = vec![
            OptionCode {
                code: "ARM".into(),
                description: "Adjustable arms".into(),
            },
            OptionCode {
                code: "FIN".into(),
                description: "graphite".into(),
            },
        ];
        let (finish, rest) = finishes(&options, &chair);
        assert_eq!(finish.unwrap().to, "Graphite");
        assert_eq!(rest[0].code, "ARM");
    }
}
