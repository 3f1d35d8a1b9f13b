//! Running a search over a loaded [`CatalogIndex`]: the typo-tolerant text query, semantic
//! ranking over the embeddings, and their fusion.

use std::{collections::HashMap, sync::Arc};

use roomwright_core::catalog::Product;
use tantivy::{
    DocAddress, TantivyDocument, Term,
    query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery},
    schema::{IndexRecordOption, Value},
};

use super::{
    collect::{Collect, Collected, FacetSet, Filters, Hit, Order, Ranking, Scoring, Space},
    index::{CatalogIndex, analyse},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// BM25 over the product text, typo-tolerant.
    Text,
    /// By meaning: cosine similarity of the query's embedding.
    Semantic,
    /// Both, fused by reciprocal rank.
    Hybrid,
}

#[derive(Debug, Clone)]
pub struct Search {
    pub text: Option<String>,
    pub filters: Filters,
    pub order: Order,
    pub mode: Mode,
    pub offset: usize,
    pub limit: usize,
    /// Rank by any of the words rather than requiring all (for "more like this").
    pub any_word: bool,
}

#[derive(Debug)]
pub struct Results {
    pub items: Vec<(Product, f32)>,
    pub total: u64,
    pub brands: HashMap<String, u64>,
    pub categories: HashMap<String, u64>,
    pub certifications: HashMap<String, u64>,
    /// Whether more results follow this page.
    pub more: bool,
}

/// Reciprocal-rank fusion constant: the usual 60 keeps one list's top hit from swamping.
const RRF_K: f32 = 60.0;
/// Candidates each side contributes to a hybrid ranking.
const HYBRID_DEPTH: usize = 200;

/// Edits a query word may be away from an indexed word: none for short words, where one edit
/// already turns "desk" into "disk".
fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

impl CatalogIndex {
    /// Every word must match, in the name (weighted most), the text, or within a typo or two;
    /// the last word may also be a prefix (search as you type).
    fn text_query(&self, words: &[String], all: bool) -> Box<dyn Query> {
        let f = &self.fields;
        let clauses = words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (field, boost) in [(f.name, 3.0), (f.text, 1.0)] {
                    let term = Term::from_field_text(field, word);
                    let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                    options.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(exact), boost)),
                    ));
                }
                let term = Term::from_field_text(f.text, word);
                let distance = typo_distance(word);
                if distance > 0 {
                    let fuzzy = FuzzyTermQuery::new(term.clone(), distance, true);
                    options.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(fuzzy), 0.3)),
                    ));
                }
                if i + 1 == words.len() && word.chars().count() >= 2 {
                    let prefix = FuzzyTermQuery::new_prefix(term, 0, true);
                    options.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(prefix), 0.2)),
                    ));
                }
                let occur = if all { Occur::Must } else { Occur::Should };
                (
                    occur,
                    Box::new(BooleanQuery::new(options)) as Box<dyn Query>,
                )
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    fn run(&self, query: &dyn Query, collect: Collect) -> tantivy::Result<Collected> {
        self.reader.searcher().search(query, &collect)
    }

    fn product(&self, address: DocAddress) -> tantivy::Result<Product> {
        let doc: TantivyDocument = self.reader.searcher().doc(address)?;
        let bytes = doc
            .get_first(self.fields.json)
            .and_then(|v| v.as_bytes())
            .unwrap_or_default();
        serde_json::from_slice(bytes)
            .map_err(|e| tantivy::TantivyError::InternalError(format!("stored product: {e}")))
    }

    fn page(&self, collected: Collected, offset: usize, limit: usize) -> tantivy::Result<Results> {
        let more = collected.hits.len() > offset + limit;
        let items = collected
            .hits
            .iter()
            .skip(offset)
            .take(limit)
            .map(|hit| Ok((self.product(hit.address)?, hit.score)))
            .collect::<tantivy::Result<_>>()?;
        Ok(Results {
            items,
            total: collected.total,
            brands: collected.brands,
            categories: collected.categories,
            certifications: collected.certifications,
            more,
        })
    }

    fn text_hits(&self, search: &Search, keep: usize) -> tantivy::Result<Collected> {
        let filters = Arc::new(search.filters.clone());
        let collect = |keep, count| Collect {
            fields: self.fields,
            filters: filters.clone(),
            order: search.order,
            keep,
            scoring: Scoring::Text,
            count,
        };
        let words = search.text.as_deref().map(analyse).unwrap_or_default();
        if words.is_empty() {
            return self.browse(&search.filters, keep, collect);
        }
        let collect = |keep| collect(keep, FacetSet::ALL);
        let collected = self.run(
            self.text_query(&words, !search.any_word).as_ref(),
            collect(keep),
        )?;
        if collected.total > 0 || words.len() == 1 || search.any_word {
            return Ok(collected);
        }
        // Nothing has every word: rank what has some of them rather than answer nothing.
        self.run(self.text_query(&words, false).as_ref(), collect(keep))
    }

    /// A search without words. Browsing by at most one facet is the common case and is
    /// answered from the index's global facet counts: with no filter every facet is global; with
    /// one facet filter only its matching documents are visited, and that facet's
    /// (disjunctive) counts are the global ones.
    fn browse(
        &self,
        filters: &Filters,
        keep: usize,
        collect: impl Fn(usize, FacetSet) -> Collect,
    ) -> tantivy::Result<Collected> {
        let f = &self.fields;
        let facet_filters = [
            (
                !filters.categories.is_empty(),
                f.category,
                &filters.categories,
            ),
            (!filters.brands.is_empty(), f.brand, &filters.brands),
            (
                !filters.certifications.is_empty(),
                f.certification,
                &filters.certifications,
            ),
        ];
        let active = facet_filters.iter().filter(|(on, ..)| *on).count();
        if filters.narrows_beyond_facets() || active > 1 {
            return self.run(&AllQuery, collect(keep, FacetSet::ALL));
        }
        let count = FacetSet {
            category: filters.categories.is_empty() && active == 1,
            brand: filters.brands.is_empty() && active == 1,
            certification: filters.certifications.is_empty() && active == 1,
        };
        let query: Box<dyn Query> = match facet_filters.iter().find(|(on, ..)| *on) {
            None => Box::new(AllQuery),
            Some((_, field, values)) => Box::new(BooleanQuery::new(
                values
                    .iter()
                    .map(|v| {
                        let term = TermQuery::new(
                            Term::from_field_text(*field, v),
                            IndexRecordOption::Basic,
                        );
                        (Occur::Should, Box::new(term) as Box<dyn Query>)
                    })
                    .collect(),
            )),
        };
        let mut collected = self.run(query.as_ref(), collect(keep, count))?;
        let global = &self.global_facets;
        if !count.brand {
            collected.brands = global.brands.clone();
        }
        if !count.category {
            collected.categories = global.categories.clone();
        }
        if !count.certification {
            collected.certifications = global.certifications.clone();
        }
        Ok(collected)
    }

    /// Facet counts over every indexed product, computed once when the index is opened.
    pub fn count_all_facets(&self) -> tantivy::Result<Collected> {
        self.run(
            &AllQuery,
            Collect {
                fields: self.fields,
                filters: Arc::new(Filters::default()),
                order: Order::Relevance,
                keep: 0,
                scoring: Scoring::Text,
                count: FacetSet::ALL,
            },
        )
    }

    /// Products ranked by the formula over the embeddings, among those passing `filters`.
    pub fn ranked(
        &self,
        ranking: &Ranking,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> tantivy::Result<Results> {
        let collected = self.ranked_hits(
            Arc::new(ranking.clone()),
            filters,
            offset + limit + 1,
            Space::Text,
        )?;
        self.page(collected, offset, limit)
    }

    /// Products ranked by the same formula, similarity taken between the query photo's image
    /// vector and the products' first images; products without one are left out.
    pub fn visually_ranked(
        &self,
        ranking: &Ranking,
        filters: &Filters,
        limit: usize,
    ) -> tantivy::Result<Results> {
        let collected =
            self.ranked_hits(Arc::new(ranking.clone()), filters, limit + 1, Space::Image)?;
        self.page(collected, 0, limit)
    }

    fn ranked_hits(
        &self,
        ranking: Arc<Ranking>,
        filters: &Filters,
        keep: usize,
        space: Space,
    ) -> tantivy::Result<Collected> {
        let vectors = match space {
            Space::Text => self.vectors.clone(),
            Space::Image => self.image_vectors.clone(),
        };
        self.run(
            &AllQuery,
            Collect {
                fields: self.fields,
                filters: Arc::new(filters.clone()),
                order: Order::Relevance,
                keep,
                scoring: Scoring::Ranked(ranking, vectors, space),
                count: FacetSet::ALL,
            },
        )
    }

    /// Runs `search`; `query_vector` is the embedding of its text for semantic and hybrid
    /// modes (text mode when absent).
    pub fn search(
        &self,
        search: &Search,
        query_vector: Option<Vec<f32>>,
    ) -> tantivy::Result<Results> {
        let keep = search.offset + search.limit + 1;
        let has_text = search.text.as_deref().is_some_and(|t| !t.trim().is_empty());
        let mode = match query_vector {
            Some(_) if has_text && search.order == Order::Relevance => search.mode,
            _ => Mode::Text,
        };
        let similarity_only = |query| {
            Arc::new(Ranking {
                query,
                similarity: 1.0,
                price: 0.0,
                brand: 0.0,
                availability: 0.0,
                budget_minor: None,
                preferred_brands: Vec::new(),
            })
        };
        match (mode, query_vector) {
            (Mode::Semantic, Some(query)) => {
                let collected =
                    self.ranked_hits(similarity_only(query), &search.filters, keep, Space::Text)?;
                self.page(collected, search.offset, search.limit)
            }
            (Mode::Hybrid, Some(query)) => {
                let depth = keep.max(HYBRID_DEPTH);
                let text = self.text_hits(search, depth)?;
                let semantic =
                    self.ranked_hits(similarity_only(query), &search.filters, depth, Space::Text)?;
                let fused = fuse(&text.hits, &semantic.hits);
                let total = fused.len() as u64;
                let collected = Collected {
                    hits: fused,
                    total,
                    brands: text.brands,
                    categories: text.categories,
                    certifications: text.certifications,
                };
                self.page(collected, search.offset, search.limit)
            }
            _ => {
                let collected = self.text_hits(search, keep)?;
                self.page(collected, search.offset, search.limit)
            }
        }
    }
}

/// Reciprocal-rank fusion of two best-first lists; the fused score replaces each hit's own.
fn fuse(text: &[Hit], semantic: &[Hit]) -> Vec<Hit> {
    let mut scores: HashMap<DocAddress, f32> = HashMap::new();
    for list in [text, semantic] {
        for (rank, hit) in list.iter().enumerate() {
            *scores.entry(hit.address).or_default() += 1.0 / (RRF_K + rank as f32 + 1.0);
        }
    }
    let mut fused: Vec<Hit> = scores
        .into_iter()
        .map(|(address, score)| Hit::new(address, score))
        .collect();
    fused.sort_unstable_by(|a, b| b.cmp(a));
    fused
}
