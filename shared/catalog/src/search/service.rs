//! Keeps the current search index loaded, and rebuilds it when the catalog changes.
//!
//! The index lives in S3 as one bundle plus a manifest naming it (`search/catalog/current.json`).
//! A catalog function loads it in the background at cold start, serves from memory, and looks
//! for a newer manifest at most every [`REFRESH_EVERY`]. The indexer (scheduled in AWS, a
//! background loop locally, or the admin reindex route) rebuilds from the table when the
//! catalog's revision moved past the manifest's: queries never scan the table.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use arc_swap::ArcSwapOption;
use aws_sdk_s3::primitives::ByteStream;
use roomwright_core::{ApiError, AppState, catalog::Product, s3};
use roomwright_visual::image_vectors::{self, ImageVector};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use utoipa::ToSchema;

use super::{
    embed::{self, Embedder},
    index::{CatalogIndex, embedding_text},
    vectors::{Vectors, text_hash},
};
use crate::store;

pub const MANIFEST_KEY: &str = "search/catalog/current.json";
/// How stale a warm function's index may get before it looks for a newer one.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// Texts embedded per model call.
const EMBED_BATCH: usize = 32;
/// Embedding jobs one build submits for images still without a vector; the next build
/// submits more (a catalog import of thousands must not stall the build).
const SWEEP_JOBS: usize = 200;

/// A rebuild asked for: the indexer builds `revision` on its next run; searches answer from
/// it once their `index_revision` reaches it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReindexRequested {
    /// The catalog revision the next index is built from.
    pub revision: u64,
    /// The index served until then (none before the first build).
    pub published: Option<Manifest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Manifest {
    /// Catalog revision the index was built from.
    pub revision: u64,
    /// S3 key of the bundle.
    pub key: String,
    pub products: usize,
    /// Products whose embedding was computed in this build (the rest were reused).
    pub embedded: usize,
    pub built_at: String,
    pub build_ms: u64,
    pub bytes: usize,
}

pub struct SearchService {
    current: ArcSwapOption<CatalogIndex>,
    /// One load or build at a time per process.
    busy: tokio::sync::Mutex<()>,
    last_check: Mutex<Option<Instant>>,
    model_dir: Option<PathBuf>,
    embedder: OnceCell<Option<Arc<Embedder>>>,
    /// The image encoder's model ([`roomwright_visual::encoder::ImageEncoder::model`]): the
    /// index keeps its image vectors, and products lacking one get an embedding job.
    image_model: Option<String>,
    work_dir: PathBuf,
}

fn s3_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e)
}

/// The manifest of the published index, if one is published.
async fn published_manifest(
    aws: &roomwright_core::aws::Aws,
    bucket: &str,
) -> Result<Option<Manifest>, ApiError> {
    let Some(bytes) = s3::get_bytes(aws, bucket, MANIFEST_KEY)
        .await
        .map_err(s3_error)?
    else {
        return Ok(None);
    };
    Ok(Some(serde_json::from_slice(&bytes).map_err(s3_error)?))
}

/// Downloads the manifest's bundle and opens it in `dir`.
async fn open_bundle_of(
    aws: &roomwright_core::aws::Aws,
    bucket: &str,
    manifest: &Manifest,
    dir: PathBuf,
) -> Result<CatalogIndex, ApiError> {
    let bundle = s3::get_bytes(aws, bucket, &manifest.key)
        .await
        .map_err(s3_error)?
        .ok_or_else(|| {
            s3_error(format!(
                "the manifest names {}, which is gone",
                manifest.key
            ))
        })?;
    tokio::task::spawn_blocking(move || CatalogIndex::open_bundle(&bundle, &dir))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// The published index opened in `dir`, for a worker that searches once (no refreshing);
/// `None` before the first build.
pub async fn open_published(
    aws: &roomwright_core::aws::Aws,
    bucket: &str,
    dir: &Path,
) -> Result<Option<CatalogIndex>, ApiError> {
    let Some(manifest) = published_manifest(aws, bucket).await? else {
        return Ok(None);
    };
    let dir = dir.join(format!("r{}", manifest.revision));
    open_bundle_of(aws, bucket, &manifest, dir).await.map(Some)
}

impl SearchService {
    /// `model_dir` holds the embedding model; without it search is text only.
    pub fn new(model_dir: Option<PathBuf>) -> Self {
        Self {
            current: ArcSwapOption::empty(),
            busy: tokio::sync::Mutex::new(()),
            last_check: Mutex::new(None),
            model_dir,
            embedder: OnceCell::new(),
            image_model: None,
            work_dir: std::env::temp_dir()
                .join(format!("roomwright-search-{}", std::process::id())),
        }
    }

    /// The model directory from `EMBEDDING_MODEL_DIR`.
    pub fn from_env() -> Self {
        Self::new(
            std::env::var_os("EMBEDDING_MODEL_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
        )
    }

    /// Starts loading the index (and the model) in the background, so the first search of a
    /// cold start does not pay for both and init stays short.
    pub fn start(self: &Arc<Self>, state: &AppState) {
        let service = self.clone();
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = service.refresh(&state).await {
                tracing::warn!(error = ?e.detail, "search index not loaded at start");
            }
            let _ = service.embedder().await;
        });
    }

    /// Image vectors of `model` are indexed, and images without one are sent to be embedded.
    pub fn with_image_model(mut self, model: Option<String>) -> Self {
        self.image_model = model;
        self
    }

    pub fn has_model(&self) -> bool {
        self.model_dir.is_some()
    }

    /// The embedding model, loaded once; `None` when none is configured.
    pub async fn embedder(&self) -> Result<Option<Arc<Embedder>>, ApiError> {
        let Some(dir) = self.model_dir.clone() else {
            return Ok(None);
        };
        let loaded = self
            .embedder
            .get_or_try_init(|| async move {
                let model = tokio::task::spawn_blocking(move || Embedder::load(&dir))
                    .await
                    .map_err(ApiError::internal)?
                    .map_err(ApiError::internal)?;
                Ok::<_, ApiError>(Some(Arc::new(model)))
            })
            .await?;
        Ok(loaded.clone())
    }

    /// Embeds one query text.
    pub async fn embed(&self, text: &str) -> Result<Option<Vec<f32>>, ApiError> {
        let Some(model) = self.embedder().await? else {
            return Ok(None);
        };
        let text = text.to_owned();
        let vector = tokio::task::spawn_blocking(move || model.embed_one(&text))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        Ok(Some(vector))
    }

    /// The loaded index; loads it on first use, and looks for a newer one in the background
    /// when the last look is older than [`REFRESH_EVERY`].
    pub async fn index(self: &Arc<Self>, state: &AppState) -> Result<Arc<CatalogIndex>, ApiError> {
        if let Some(index) = self.current.load_full() {
            let due = {
                let mut last = self.last_check.lock().expect("not poisoned");
                let due = last.is_none_or(|t| t.elapsed() >= REFRESH_EVERY);
                if due {
                    *last = Some(Instant::now());
                }
                due
            };
            if due {
                let service = self.clone();
                let state = state.clone();
                tokio::spawn(async move {
                    if let Err(e) = service.refresh(&state).await {
                        tracing::warn!(error = ?e.detail, "search index refresh failed");
                    }
                });
            }
            return Ok(index);
        }
        self.refresh(state).await?;
        self.current.load_full().ok_or_else(|| {
            ApiError::new(
                http::StatusCode::SERVICE_UNAVAILABLE,
                "index_not_ready",
                "Search index not built yet",
            )
            .with_detail("The catalog search index has not been built yet; try again shortly.")
            .with_retry_after(30)
        })
    }

    /// The index in memory, if one is loaded.
    pub fn loaded(&self) -> Option<Arc<CatalogIndex>> {
        self.current.load_full()
    }

    async fn manifest(&self, state: &AppState) -> Result<Option<Manifest>, ApiError> {
        published_manifest(&state.aws, &state.config.bucket_name).await
    }

    /// Loads the manifest's index if it is newer than the one in memory.
    pub async fn refresh(&self, state: &AppState) -> Result<(), ApiError> {
        let _busy = self.busy.lock().await;
        let Some(manifest) = self.manifest(state).await? else {
            return Ok(());
        };
        if self
            .current
            .load()
            .as_ref()
            .is_some_and(|i| i.meta.revision >= manifest.revision)
        {
            return Ok(());
        }
        let dir = self.fresh_dir(manifest.revision);
        let index = open_bundle_of(&state.aws, &state.config.bucket_name, &manifest, dir).await?;
        self.swap(index);
        Ok(())
    }

    fn fresh_dir(&self, revision: u64) -> PathBuf {
        self.work_dir
            .join(format!("r{revision}-{}", uuid::Uuid::new_v4().simple()))
    }

    fn swap(&self, index: CatalogIndex) {
        let old = self.current.swap(Some(Arc::new(index)));
        *self.last_check.lock().expect("not poisoned") = Some(Instant::now());
        // Searches still holding the old index keep their open files (mmap); only the names go.
        if let Some(old) = old {
            let _ = std::fs::remove_dir_all(&old.dir);
        }
    }

    /// Asks for a rebuild: moves the catalog's revision on, so the indexer's next run (every
    /// minute in AWS) builds and publishes, even when no product changed. A build can take
    /// longer than an HTTP request may (it embeds every changed product), so it is not done here.
    pub async fn request_rebuild(&self, state: &AppState) -> Result<ReindexRequested, ApiError> {
        let revision = roomwright_core::catalog::advance_revision(&state.table()).await?;
        Ok(ReindexRequested {
            revision,
            published: self.manifest(state).await?,
        })
    }

    /// Rebuilds when the catalog changed since the published index.
    pub async fn reindex_if_stale(&self, state: &AppState) -> Result<Option<Manifest>, ApiError> {
        let revision = store::revision(&state.table()).await?;
        if let Some(published) = self.manifest(state).await?
            && published.revision >= revision
        {
            return Ok(None);
        }
        self.reindex(state).await.map(Some)
    }

    /// Builds the index from the table, publishes it to S3 and serves it from now on.
    pub async fn reindex(&self, state: &AppState) -> Result<Manifest, ApiError> {
        let started = Instant::now();
        let _busy = self.busy.lock().await;
        let table = state.table();
        // Read the revision first: a write racing the build bumps it again, so the next check
        // rebuilds rather than believing this build saw it.
        let revision = store::revision(&table).await?;
        let products: Vec<Product> = store::all(&table)
            .await?
            .into_iter()
            .filter(|p| p.status == "active")
            .collect();
        let (image_vectors, unembedded) = image_vectors_of(
            &products,
            image_vectors::all(&table).await?,
            self.image_model.as_deref(),
        );
        if self.image_model.is_some() {
            for product in unembedded.iter().take(SWEEP_JOBS) {
                roomwright_jobs::product_images::submit_for(state, product).await;
            }
        }
        let previous = self.current.load_full();
        let embedder = self.embedder().await?;
        let (vectors, embedded) = tokio::task::spawn_blocking({
            let products = products.clone();
            move || {
                embed_all(
                    &products,
                    embedder.as_deref(),
                    previous.as_ref().map(|p| p.vectors.as_ref()),
                )
            }
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        let dir = self.fresh_dir(revision);
        let (index, bundle) = tokio::task::spawn_blocking({
            let dir = dir.clone();
            move || build(&dir, &products, vectors, image_vectors, revision)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        let key = format!(
            "search/catalog/index-{revision:010}-{}.tar",
            uuid::Uuid::new_v4().simple()
        );
        let s3 = state.aws.s3().await;
        s3.put_object()
            .bucket(&state.config.bucket_name)
            .key(&key)
            .content_type("application/x-tar")
            .body(ByteStream::from(bundle.clone()))
            .send()
            .await
            .map_err(|e| s3_error(aws_sdk_s3::error::DisplayErrorContext(e)))?;
        let manifest = Manifest {
            revision,
            key,
            products: index.meta.products,
            embedded,
            built_at: index.meta.built_at.clone(),
            build_ms: started.elapsed().as_millis() as u64,
            bytes: bundle.len(),
        };
        s3.put_object()
            .bucket(&state.config.bucket_name)
            .key(MANIFEST_KEY)
            .content_type("application/json")
            .body(ByteStream::from(
                serde_json::to_vec(&manifest).map_err(ApiError::internal)?,
            ))
            .send()
            .await
            .map_err(|e| s3_error(aws_sdk_s3::error::DisplayErrorContext(e)))?;
        self.swap(index);
        tracing::info!(
            revision,
            products = manifest.products,
            embedded,
            bytes = manifest.bytes,
            ms = manifest.build_ms,
            "search index published"
        );
        Ok(manifest)
    }
}

/// Embeddings of `products`, reusing `previous` vectors whose text is unchanged. Returns the
/// vectors and how many were computed.
pub fn embed_all(
    products: &[Product],
    embedder: Option<&Embedder>,
    previous: Option<&Vectors>,
) -> Result<(Vectors, usize), embed::EmbedError> {
    let Some(embedder) = embedder else {
        return Ok((Vectors::default(), 0));
    };
    let mut vectors = Vectors::new(Some(embed::MODEL_NAME.into()), embedder.dim);
    let texts: Vec<(String, u64)> = products
        .iter()
        .map(|p| {
            let text = embedding_text(p);
            let hash = text_hash(&text);
            (text, hash)
        })
        .collect();
    let same_model = previous.filter(|v| v.model.as_deref() == Some(embed::MODEL_NAME));
    let missing: Vec<usize> = (0..products.len())
        .filter(|&i| {
            same_model
                .and_then(|v| v.reusable(&products[i].id, texts[i].1))
                .is_none()
        })
        .collect();
    let mut computed = std::collections::HashMap::new();
    for chunk in missing.chunks(EMBED_BATCH) {
        let batch: Vec<&str> = chunk.iter().map(|&i| texts[i].0.as_str()).collect();
        for (&i, vector) in chunk.iter().zip(embedder.embed(&batch)?) {
            computed.insert(i, vector);
        }
    }
    for (i, p) in products.iter().enumerate() {
        match computed.get(&i) {
            Some(v) => vectors.push(p.id.clone(), texts[i].1, v),
            None => {
                let v = same_model
                    .and_then(|prev| prev.reusable(&p.id, texts[i].1))
                    .expect("reusable vectors were checked above");
                vectors.push(p.id.clone(), texts[i].1, v);
            }
        }
    }
    Ok((vectors, missing.len()))
}

/// The products' image vectors to index: only those of a product's current first image and
/// of one model (`model`, else the one most vectors come from: vectors of different models
/// are not comparable). Also the products whose first image has no such vector.
pub fn image_vectors_of<'p>(
    products: &'p [Product],
    stored: Vec<ImageVector>,
    model: Option<&str>,
) -> (Vectors, Vec<&'p Product>) {
    let current: HashMap<&str, &str> = products
        .iter()
        .filter_map(|p| p.images.first().map(|k| (p.id.as_str(), k.as_str())))
        .collect();
    let fresh: Vec<ImageVector> = stored
        .into_iter()
        .filter(|v| current.get(v.product_id.as_str()) == Some(&v.image_key.as_str()))
        .collect();
    let model = model.map(str::to_owned).or_else(|| {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for v in &fresh {
            *counts.entry(v.model.as_str()).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(m, _)| m.to_owned())
    });
    let mut vectors = Vectors::default();
    if let Some(model) = model {
        let dim = fresh
            .iter()
            .find(|v| v.model == model)
            .map_or(0, |v| v.vector.len());
        vectors = Vectors::new(Some(model.clone()), dim);
        for v in fresh
            .iter()
            .filter(|v| v.model == model && v.vector.len() == dim)
        {
            vectors.push(v.product_id.clone(), text_hash(&v.image_key), &v.vector);
        }
    }
    let unembedded = products
        .iter()
        .filter(|p| !p.images.is_empty() && vectors.row(&p.id).is_none())
        .collect();
    (vectors, unembedded)
}

/// Builds the index into `dir` and bundles it.
pub fn build(
    dir: &Path,
    products: &[Product],
    vectors: Vectors,
    image_vectors: Vectors,
    revision: u64,
) -> Result<(CatalogIndex, Vec<u8>), ApiError> {
    std::fs::create_dir_all(dir).map_err(ApiError::internal)?;
    let index = CatalogIndex::build(dir, products, vectors, image_vectors, revision)
        .map_err(ApiError::internal)?;
    let bundle = index.bundle(dir).map_err(ApiError::internal)?;
    Ok((index, bundle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(product_id: &str, image_key: &str, model: &str, vector: Vec<f32>) -> ImageVector {
        ImageVector {
            product_id: product_id.into(),
            image_key: image_key.into(),
            model: model.into(),
            vector,
            updated_at: String::new(),
        }
    }

    #[test]
    fn only_current_images_of_one_model_are_indexed_and_the_rest_listed_for_jobs() {
        let mut products = roomwright_devstack::demo::generate(4, 3);
        for (i, p) in products.iter_mut().enumerate() {
            p.id = format!("p{i}");
            p.images = vec![format!("products/p{i}/images/new.jpg")];
        }
        products[3].images.clear();
        let vectors = vec![
            stored("p0", "products/p0/images/new.jpg", "m1", vec![1.0, 0.0]),
            // An earlier first image: stale.
            stored("p1", "products/p1/images/old.jpg", "m1", vec![0.0, 1.0]),
            // Another model's vector is not comparable.
            stored(
                "p2",
                "products/p2/images/new.jpg",
                "m2",
                vec![0.6, 0.8, 0.0],
            ),
        ];
        let (index, missing) = image_vectors_of(&products, vectors.clone(), Some("m1"));
        assert_eq!(index.model.as_deref(), Some("m1"));
        assert_eq!(index.ids, ["p0"]);
        let missing: Vec<&str> = missing.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(missing, ["p1", "p2"], "p3 has no image");

        // Without a configured model, the one most vectors come from.
        let more = [
            vectors.clone(),
            vec![stored(
                "p0",
                "products/p0/images/new.jpg",
                "m2",
                vec![0.0, 0.0, 1.0],
            )],
        ]
        .concat();
        let (index, _) = image_vectors_of(&products, more, None);
        assert_eq!(index.model.as_deref(), Some("m2"));
        assert_eq!(index.dim, 3);
    }
}
