//! The catalog's search index: a tantivy index of the active products plus their text
//! embeddings, built in one go from the table and shipped as one tar bundle through S3.
//!
//! Text is analysed once for everything (lower case, ASCII folding, English stemming) so
//! "Chairs", "chair" and "chaîrs" meet. Filters, facets and sorts read fast fields; the product
//! itself is kept in the doc store so a search answers without touching the table.

use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

use roomwright_core::catalog::Product;
use tantivy::{
    Index, IndexReader, ReloadPolicy, TantivyDocument,
    schema::{
        FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
        TextOptions,
    },
    tokenizer::{
        AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
        TextAnalyzer,
    },
};

use super::vectors::Vectors;

pub const TOKENIZER: &str = "catalog";

/// Handles of the schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub name: Field,
    pub text: Field,
    pub brand: Field,
    /// Every level of the category path: `Seating`, `Seating/Task chairs`.
    pub category: Field,
    /// The full path only, for facet counts.
    pub category_leaf: Field,
    pub certification: Field,
    pub price: Field,
    pub available: Field,
    pub lead_time: Field,
    pub width: Field,
    pub depth: Field,
    pub height: Field,
    pub carbon: Field,
    /// Row of the product's embedding in [`Vectors`], `u64::MAX` when it has none.
    pub row: Field,
    pub json: Field,
    /// Row of the product's image vector in the image [`Vectors`], `u64::MAX` when none.
    pub image_row: Field,
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED | FAST),
        name: b.add_text_field("name", analysed.clone()),
        text: b.add_text_field("text", analysed),
        brand: b.add_text_field("brand", STRING | FAST),
        category: b.add_text_field("category", STRING | FAST),
        category_leaf: b.add_text_field("category_leaf", STRING | FAST),
        certification: b.add_text_field("certification", STRING | FAST),
        price: b.add_u64_field("price", FAST),
        available: b.add_u64_field("available", FAST),
        lead_time: b.add_u64_field("lead_time", FAST),
        width: b.add_u64_field("width", FAST),
        depth: b.add_u64_field("depth", FAST),
        height: b.add_u64_field("height", FAST),
        carbon: b.add_f64_field("carbon", FAST | INDEXED),
        row: b.add_u64_field("row", FAST),
        json: b.add_bytes_field("json", STORED),
        image_row: b.add_u64_field("image_row", FAST),
    };
    (b.build(), fields)
}

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The words of a query as the index stores them.
pub fn analyse(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while let Some(token) = stream.next() {
        terms.push(token.text.clone());
    }
    terms
}

/// The text a product is found by.
pub fn searchable_text(p: &Product) -> String {
    format!(
        "{}. {}. {} {}. Materials: {}. Finishes: {}. {}",
        p.name,
        p.category.join(", "),
        p.brand,
        p.certifications.join(", "),
        p.materials.join(", "),
        p.finishes.join(", "),
        p.description
    )
}

/// What a product's embedding is computed from: what it is and what it is like, without the
/// codes and lists that only text search needs (and that cost tokens).
pub fn embedding_text(p: &Product) -> String {
    format!("{}. {}. {}", p.name, p.category.join(", "), p.description)
}

/// Category levels of a path: `["Seating", "Seating/Task chairs"]`.
pub fn category_levels(path: &[String]) -> Vec<String> {
    (1..=path.len()).map(|n| path[..n].join("/")).collect()
}

/// A built or loaded index, ready to search.
pub struct CatalogIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub meta: Meta,
    pub vectors: Arc<Vectors>,
    /// Image vectors of the products' first images, for visual search.
    pub image_vectors: Arc<Vectors>,
    /// Where the index files are.
    pub dir: PathBuf,
    /// Facet counts over the whole index, for searches that do not narrow them.
    pub global_facets: super::collect::Collected,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    /// The catalog revision the index was built from.
    pub revision: u64,
    pub products: usize,
    pub built_at: String,
    /// Embedding model of `vectors`, if any.
    pub embedding_model: Option<String>,
    /// Image embedding model of `image_vectors`, if any.
    #[serde(default)]
    pub image_model: Option<String>,
}

fn open_reader(index: &Index) -> tantivy::Result<IndexReader> {
    index.tokenizers().register(TOKENIZER, analyzer());
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
}

fn document(
    fields: &Fields,
    p: &Product,
    row: Option<usize>,
    image_row: Option<usize>,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &p.id);
    doc.add_text(fields.name, &p.name);
    doc.add_text(fields.text, searchable_text(p));
    doc.add_text(fields.brand, &p.brand);
    for level in category_levels(&p.category) {
        doc.add_text(fields.category, &level);
    }
    doc.add_text(fields.category_leaf, p.category.join("/"));
    for c in &p.certifications {
        doc.add_text(fields.certification, c);
    }
    doc.add_u64(fields.price, p.list_price.amount_minor.max(0) as u64);
    doc.add_u64(fields.available, u64::from(p.stock.available));
    doc.add_u64(fields.lead_time, u64::from(p.stock.lead_time_days));
    doc.add_u64(fields.width, u64::from(p.dimensions.width_mm));
    doc.add_u64(fields.depth, u64::from(p.dimensions.depth_mm));
    doc.add_u64(fields.height, u64::from(p.dimensions.height_mm));
    doc.add_f64(fields.carbon, p.sustainability.embodied_carbon_kg);
    doc.add_u64(fields.row, row.map_or(u64::MAX, |r| r as u64));
    doc.add_u64(fields.image_row, image_row.map_or(u64::MAX, |r| r as u64));
    doc.add_bytes(fields.json, &serde_json::to_vec(p).unwrap_or_default());
    doc
}

impl CatalogIndex {
    /// Indexes the active products into `dir` (an empty directory).
    pub fn build(
        dir: &Path,
        products: &[Product],
        vectors: Vectors,
        image_vectors: Vectors,
        revision: u64,
    ) -> tantivy::Result<Self> {
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema)?;
        index.tokenizers().register(TOKENIZER, analyzer());
        let mut writer = index.writer_with_num_threads(1, 64_000_000)?;
        let mut count = 0;
        for p in products.iter().filter(|p| p.status == "active") {
            writer.add_document(document(
                &fields,
                p,
                vectors.row(&p.id),
                image_vectors.row(&p.id),
            ))?;
            count += 1;
        }
        writer.commit()?;
        // One segment: fewer files to ship and faster search.
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            futures::executor::block_on(writer.merge(&segments))?;
        }
        writer.wait_merging_threads()?;
        let reader = open_reader(&index)?;
        let meta = Meta {
            revision,
            products: count,
            built_at: roomwright_core::time::rfc3339(roomwright_core::time::now()),
            embedding_model: vectors.model.clone(),
            image_model: image_vectors.model.clone(),
        };
        Self {
            index,
            reader,
            fields,
            meta,
            vectors: Arc::new(vectors),
            image_vectors: Arc::new(image_vectors),
            dir: dir.to_path_buf(),
            global_facets: Default::default(),
        }
        .with_global_facets()
    }

    /// The index files, metadata and vectors as one tar.
    pub fn bundle(&self, dir: &Path) -> std::io::Result<Vec<u8>> {
        let mut tar = tar::Builder::new(Vec::new());
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // The writer's lock files are not part of the index.
            if entry.file_type()?.is_file() && !name.ends_with(".lock") {
                tar.append_path_with_name(entry.path(), format!("index/{name}"))?;
            }
        }
        append(&mut tar, "meta.json", &serde_json::to_vec(&self.meta)?)?;
        append(&mut tar, "vectors.bin", &self.vectors.to_bytes())?;
        append(
            &mut tar,
            "image_vectors.bin",
            &self.image_vectors.to_bytes(),
        )?;
        tar.into_inner()
    }

    /// Opens a bundle, unpacking the index files into `dir`.
    pub fn open_bundle(bundle: &[u8], dir: &Path) -> Result<Self, OpenError> {
        let started = Instant::now();
        let mut archive = tar::Archive::new(bundle);
        let mut meta = None;
        let mut vectors = None;
        let mut image_vectors = None;
        std::fs::create_dir_all(dir)?;
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = entry.path()?.into_owned();
            let path = path.to_string_lossy().into_owned();
            if let Some(file) = path.strip_prefix("index/") {
                if file.contains('/') || file.contains("..") {
                    return Err(OpenError::Corrupt(format!("unexpected entry {path}")));
                }
                let mut out = std::fs::File::create(dir.join(file))?;
                std::io::copy(&mut entry, &mut out)?;
                out.flush()?;
            } else {
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes)?;
                match path.as_str() {
                    "meta.json" => {
                        meta = Some(
                            serde_json::from_slice::<Meta>(&bytes)
                                .map_err(|e| OpenError::Corrupt(e.to_string()))?,
                        )
                    }
                    "vectors.bin" => {
                        vectors = Some(
                            Vectors::from_bytes(&bytes)
                                .map_err(|e| OpenError::Corrupt(e.to_string()))?,
                        )
                    }
                    "image_vectors.bin" => {
                        image_vectors = Some(
                            Vectors::from_bytes(&bytes)
                                .map_err(|e| OpenError::Corrupt(e.to_string()))?,
                        )
                    }
                    _ => {}
                }
            }
        }
        let meta = meta.ok_or_else(|| OpenError::Corrupt("no meta.json".into()))?;
        let vectors = vectors.unwrap_or_default();
        let image_vectors = image_vectors.unwrap_or_default();
        let index = Index::open_in_dir(dir)?;
        let (_, fields) = schema();
        let reader = open_reader(&index)?;
        tracing::info!(
            revision = meta.revision,
            products = meta.products,
            bytes = bundle.len(),
            ms = started.elapsed().as_millis() as u64,
            "search index opened"
        );
        Ok(Self {
            index,
            reader,
            fields,
            meta,
            vectors: Arc::new(vectors),
            image_vectors: Arc::new(image_vectors),
            dir: dir.to_path_buf(),
            global_facets: Default::default(),
        }
        .with_global_facets()?)
    }
}

impl CatalogIndex {
    fn with_global_facets(mut self) -> tantivy::Result<Self> {
        self.global_facets = self.count_all_facets()?;
        Ok(self)
    }
}

fn append(tar: &mut tar::Builder<Vec<u8>>, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("index bundle unreadable: {0}")]
    Io(#[from] std::io::Error),
    #[error("index unreadable: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index bundle corrupt: {0}")]
    Corrupt(String),
}
