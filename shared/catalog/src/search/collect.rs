//! One pass over the matching documents that filters, counts facets and keeps the best `k`.
//!
//! Facets are disjunctive: the brand counts ignore the brand filter (and likewise category and
//! certification) so a client can show "other brands" next to the chosen one, while every
//! other filter still applies.

use std::{
    cmp::{Ordering, Reverse},
    collections::{BinaryHeap, HashMap},
    sync::Arc,
};

use tantivy::{
    DocAddress, DocId, Score, SegmentOrdinal, SegmentReader,
    collector::{Collector, SegmentCollector},
    columnar::{Column, StrColumn},
};

use super::{index::Fields, vectors::Vectors};

/// What the client narrowed the search to.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Any of these category paths (a level such as `Seating` includes everything below it).
    pub categories: Vec<String>,
    pub brands: Vec<String>,
    pub certifications: Vec<String>,
    pub price_min: Option<u64>,
    pub price_max: Option<u64>,
    pub in_stock: bool,
    pub max_width_mm: Option<u64>,
    pub max_depth_mm: Option<u64>,
    pub max_height_mm: Option<u64>,
    pub max_carbon_kg: Option<f64>,
    /// Product ids to leave out (the product itself, in "similar").
    pub exclude_ids: Vec<String>,
}

impl Filters {
    /// Whether anything but the facet filters (category, brand, certification) narrows.
    pub fn narrows_beyond_facets(&self) -> bool {
        self.price_min.is_some()
            || self.price_max.is_some()
            || self.in_stock
            || self.max_width_mm.is_some()
            || self.max_depth_mm.is_some()
            || self.max_height_mm.is_some()
            || self.max_carbon_kg.is_some()
            || !self.exclude_ids.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Relevance,
    PriceAsc,
    PriceDesc,
    LeadTime,
}

/// The weights of the ranking formula for semantic and visual results:
/// `score = similarity*a + price_alignment(budget)*b + brand_preference*c + availability*d`.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub query: Vec<f32>,
    pub similarity: f32,
    pub price: f32,
    pub brand: f32,
    pub availability: f32,
    pub budget_minor: Option<u64>,
    pub preferred_brands: Vec<String>,
}

/// How documents are scored.
#[derive(Clone)]
pub enum Scoring {
    /// The query's BM25 score (or none for a match-all query).
    Text,
    Ranked(Arc<Ranking>, Arc<Vectors>, Space),
}

/// Which embeddings a ranking compares: the products' text or their first image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    Text,
    Image,
}

pub struct Collect {
    pub fields: Fields,
    pub filters: Arc<Filters>,
    pub order: Order,
    /// How many of the best to keep (offset + limit).
    pub keep: usize,
    pub scoring: Scoring,
    /// Facets to count: `false` where the caller already knows the counts.
    pub count: FacetSet,
}

/// One flag per facet.
#[derive(Debug, Clone, Copy)]
pub struct FacetSet {
    pub brand: bool,
    pub category: bool,
    pub certification: bool,
}

impl FacetSet {
    pub const ALL: Self = Self {
        brand: true,
        category: true,
        certification: true,
    };
}

#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub address: DocAddress,
    pub score: f32,
    /// What the order sorts on, larger first.
    key: f64,
}

impl Hit {
    /// A hit ranked by `score` alone.
    pub fn new(address: DocAddress, score: f32) -> Self {
        Self {
            address,
            score,
            key: f64::from(score),
        }
    }
}

impl PartialEq for Hit {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Hit {}
impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Hit {
    /// Better hits are greater; ties go to the earlier document, so pages are stable.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.total_cmp(&other.key).then_with(|| {
            (
                Reverse(self.address.segment_ord),
                Reverse(self.address.doc_id),
            )
                .cmp(&(
                    Reverse(other.address.segment_ord),
                    Reverse(other.address.doc_id),
                ))
        })
    }
}

#[derive(Debug, Default)]
pub struct Collected {
    /// Best first.
    pub hits: Vec<Hit>,
    pub total: u64,
    pub brands: HashMap<String, u64>,
    pub categories: HashMap<String, u64>,
    pub certifications: HashMap<String, u64>,
}

/// Term ordinals of the wanted values in one segment's column; `None` when not filtering.
fn wanted(column: &Option<StrColumn>, values: &[String]) -> tantivy::Result<Option<Vec<u64>>> {
    if values.is_empty() {
        return Ok(None);
    }
    let mut ords = Vec::new();
    if let Some(column) = column {
        for value in values {
            if let Some(ord) = column.dictionary().term_ord(value)? {
                ords.push(ord);
            }
        }
    }
    Ok(Some(ords))
}

fn matches(column: &Option<StrColumn>, wanted: &Option<Vec<u64>>, doc: DocId) -> bool {
    match (wanted, column) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(ords), Some(column)) => column.term_ords(doc).any(|o| ords.contains(&o)),
    }
}

/// Facet counts by term ordinal: a dense array, as every doc increments one or more.
fn counter(column: &Option<StrColumn>) -> Vec<u32> {
    vec![0; column.as_ref().map_or(0, |c| c.num_terms())]
}

fn count(column: &Option<StrColumn>, counts: &mut [u32], doc: DocId) {
    if let Some(column) = column {
        for ord in column.term_ords(doc) {
            counts[ord as usize] += 1;
        }
    }
}

fn names(column: &Option<StrColumn>, counts: Vec<u32>) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    if let Some(column) = column {
        let mut name = String::new();
        for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            name.clear();
            if column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                out.insert(name.clone(), u64::from(n));
            }
        }
    }
    out
}

pub struct SegmentCollect {
    segment: SegmentOrdinal,
    filters: Arc<Filters>,
    order: Order,
    keep: usize,
    scoring: Scoring,
    price: Column<u64>,
    available: Column<u64>,
    lead_time: Column<u64>,
    width: Column<u64>,
    depth: Column<u64>,
    height: Column<u64>,
    carbon: Column<f64>,
    row: Column<u64>,
    brand: Option<StrColumn>,
    category: Option<StrColumn>,
    category_leaf: Option<StrColumn>,
    certification: Option<StrColumn>,
    id: Option<StrColumn>,
    want_brand: Option<Vec<u64>>,
    want_category: Option<Vec<u64>>,
    want_certification: Option<Vec<u64>>,
    excluded: Vec<u64>,
    preferred_brands: Vec<u64>,
    heap: BinaryHeap<Reverse<Hit>>,
    total: u64,
    counting: FacetSet,
    brands: Vec<u32>,
    categories: Vec<u32>,
    certifications: Vec<u32>,
}

impl Collector for Collect {
    type Fruit = Collected;
    type Child = SegmentCollect;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCollect> {
        let fast = reader.fast_fields();
        let schema = reader.schema();
        let name = |f| schema.get_field_name(f);
        let brand = fast.str(name(self.fields.brand))?;
        let category = fast.str(name(self.fields.category))?;
        let certification = fast.str(name(self.fields.certification))?;
        let id = fast.str(name(self.fields.id))?;
        let excluded = wanted(&id, &self.filters.exclude_ids)?.unwrap_or_default();
        let preferred_brands = match &self.scoring {
            Scoring::Ranked(ranking, _, _) => {
                wanted(&brand, &ranking.preferred_brands)?.unwrap_or_default()
            }
            Scoring::Text => Vec::new(),
        };
        let category_leaf = fast.str(name(self.fields.category_leaf))?;
        Ok(SegmentCollect {
            segment,
            filters: self.filters.clone(),
            order: self.order,
            keep: self.keep,
            scoring: self.scoring.clone(),
            price: fast.u64(name(self.fields.price))?,
            available: fast.u64(name(self.fields.available))?,
            lead_time: fast.u64(name(self.fields.lead_time))?,
            width: fast.u64(name(self.fields.width))?,
            depth: fast.u64(name(self.fields.depth))?,
            height: fast.u64(name(self.fields.height))?,
            carbon: fast.f64(name(self.fields.carbon))?,
            row: fast.u64(name(match &self.scoring {
                Scoring::Ranked(_, _, Space::Image) => self.fields.image_row,
                _ => self.fields.row,
            }))?,
            want_brand: wanted(&brand, &self.filters.brands)?,
            want_category: wanted(&category, &self.filters.categories)?,
            want_certification: wanted(&certification, &self.filters.certifications)?,
            brands: counter(&brand),
            categories: counter(&category_leaf),
            certifications: counter(&certification),
            category_leaf,
            brand,
            category,
            certification,
            id,
            excluded,
            preferred_brands,
            heap: BinaryHeap::with_capacity(self.keep + 1),
            total: 0,
            counting: self.count,
        })
    }

    fn requires_scoring(&self) -> bool {
        matches!(self.scoring, Scoring::Text) && self.order == Order::Relevance
    }

    fn merge_fruits(&self, fruits: Vec<Collected>) -> tantivy::Result<Collected> {
        let mut merged = Collected::default();
        let mut hits = Vec::new();
        for fruit in fruits {
            merged.total += fruit.total;
            hits.extend(fruit.hits);
            for (target, source) in [
                (&mut merged.brands, fruit.brands),
                (&mut merged.categories, fruit.categories),
                (&mut merged.certifications, fruit.certifications),
            ] {
                for (k, v) in source {
                    *target.entry(k).or_default() += v;
                }
            }
        }
        hits.sort_unstable_by(|a, b| b.cmp(a));
        hits.truncate(self.keep);
        merged.hits = hits;
        Ok(merged)
    }
}

impl SegmentCollect {
    fn numbers_pass(&self, doc: DocId) -> bool {
        let f = &self.filters;
        let price = self.price.first(doc).unwrap_or(0);
        let at_most = |limit: Option<u64>, column: &Column<u64>| {
            limit.is_none_or(|l| column.first(doc).unwrap_or(0) <= l)
        };
        f.price_min.is_none_or(|m| price >= m)
            && f.price_max.is_none_or(|m| price <= m)
            && (!f.in_stock || self.available.first(doc).unwrap_or(0) > 0)
            && at_most(f.max_width_mm, &self.width)
            && at_most(f.max_depth_mm, &self.depth)
            && at_most(f.max_height_mm, &self.height)
            && f.max_carbon_kg
                .is_none_or(|m| self.carbon.first(doc).unwrap_or(f64::MAX) <= m)
    }

    fn ranked_score(&self, ranking: &Ranking, vectors: &Vectors, doc: DocId) -> Option<f32> {
        let row = self.row.first(doc)?;
        if row == u64::MAX {
            return None;
        }
        let vector = vectors.at(row as usize);
        let similarity: f32 = vector.iter().zip(&ranking.query).map(|(a, b)| a * b).sum();
        let price = self.price.first(doc).unwrap_or(0) as f32;
        let alignment = match ranking.budget_minor {
            Some(budget) if budget > 0 && price > 0.0 => {
                let ratio = price / budget as f32;
                // Under budget: the closer the better; over budget falls off twice as fast.
                if ratio <= 1.0 {
                    ratio.sqrt()
                } else {
                    (1.0 / ratio).powi(2)
                }
            }
            _ => 0.0,
        };
        let preferred = self
            .brand
            .as_ref()
            .is_some_and(|b| b.term_ords(doc).any(|o| self.preferred_brands.contains(&o)));
        let availability = if self.available.first(doc).unwrap_or(0) > 0 {
            1.0
        } else {
            (1.0 - self.lead_time.first(doc).unwrap_or(90) as f32 / 90.0).max(0.0)
        };
        Some(
            ranking.similarity * similarity
                + ranking.price * alignment
                + ranking.brand * f32::from(u8::from(preferred))
                + ranking.availability * availability,
        )
    }
}

impl SegmentCollector for SegmentCollect {
    type Fruit = Collected;

    fn collect(&mut self, doc: DocId, score: Score) {
        if !self.numbers_pass(doc) {
            return;
        }
        if !self.excluded.is_empty()
            && self
                .id
                .as_ref()
                .is_some_and(|c| c.term_ords(doc).any(|o| self.excluded.contains(&o)))
        {
            return;
        }
        let brand_ok = matches(&self.brand, &self.want_brand, doc);
        let category_ok = matches(&self.category, &self.want_category, doc);
        let certification_ok = matches(&self.certification, &self.want_certification, doc);
        let counting = self.counting;
        if counting.brand && category_ok && certification_ok {
            count(&self.brand, &mut self.brands, doc);
        }
        if counting.category && brand_ok && certification_ok {
            count(&self.category_leaf, &mut self.categories, doc);
        }
        if counting.certification && brand_ok && category_ok {
            count(&self.certification, &mut self.certifications, doc);
        }
        if !(brand_ok && category_ok && certification_ok) {
            return;
        }
        let score = match &self.scoring {
            Scoring::Text => score,
            Scoring::Ranked(ranking, vectors, _) => {
                match self.ranked_score(ranking, vectors, doc) {
                    Some(s) => s,
                    None => return,
                }
            }
        };
        self.total += 1;
        let key = match self.order {
            Order::Relevance => f64::from(score),
            Order::PriceAsc => -(self.price.first(doc).unwrap_or(0) as f64),
            Order::PriceDesc => self.price.first(doc).unwrap_or(0) as f64,
            Order::LeadTime => -(self.lead_time.first(doc).unwrap_or(0) as f64),
        };
        let hit = Hit {
            address: DocAddress::new(self.segment, doc),
            score,
            key,
        };
        if self.heap.len() < self.keep {
            self.heap.push(Reverse(hit));
        } else if let Some(Reverse(worst)) = self.heap.peek()
            && hit > *worst
        {
            self.heap.pop();
            self.heap.push(Reverse(hit));
        }
    }

    fn harvest(self) -> Collected {
        Collected {
            hits: self.heap.into_iter().map(|Reverse(h)| h).collect(),
            total: self.total,
            brands: names(&self.brand, self.brands),
            categories: names(&self.category_leaf, self.categories),
            certifications: names(&self.certification, self.certifications),
        }
    }
}
