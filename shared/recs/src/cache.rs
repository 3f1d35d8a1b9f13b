//! The served model, loaded from S3 once per sandbox and kept. Requests check the registry's
//! pointer at most every [`CHECK_EVERY`] (one GetItem), so a promotion or a rollback reaches
//! every warm sandbox within that time; a load happens once however many requests wait on it.
//! The recommendations function keeps one in its context; other functions (layouts, the
//! assistant) use the sandbox's [`served`] cache, loaded on first use only.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use crate::{model::Model, registry};
use arc_swap::ArcSwapOption;
use roomwright_core::{ApiError, AppState, s3};
use tokio::sync::Mutex;

pub const CHECK_EVERY: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct ModelCache {
    model: ArcSwapOption<Model>,
    /// When the pointer was last read; held while loading, so one request loads.
    checked: Mutex<Option<Instant>>,
}

/// This sandbox's cache, for functions that consult the model now and then (nothing is
/// loaded until the first [`ModelCache::current`]).
pub fn served() -> &'static ModelCache {
    static CACHE: std::sync::OnceLock<ModelCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(ModelCache::default)
}

/// The served model for a function that can do without it: `None` when none is served or it
/// cannot be loaded now (logged; the caller goes on without the learnt taste).
pub async fn served_model(state: &AppState) -> Option<Arc<Model>> {
    match served().current(state).await {
        Ok(model) => model,
        Err(e) => {
            tracing::warn!(error = ?e, "the recommendation model is unavailable");
            None
        }
    }
}

impl ModelCache {
    /// A cache holding `model` (tests and benchmarks); it is not checked against the registry
    /// until [`ModelCache::invalidate`].
    pub fn with_model(model: Model) -> Self {
        Self {
            model: ArcSwapOption::from_pointee(model),
            checked: Mutex::new(Some(Instant::now() + Duration::from_secs(86_400 * 365))),
        }
    }

    /// Starts loading the served model in the background.
    pub fn preload(self: &Arc<Self>, state: &AppState) {
        let (cache, state) = (self.clone(), state.clone());
        tokio::spawn(async move {
            if let Err(e) = cache.current(&state).await {
                tracing::warn!(error = ?e, "preloading the recommendation model failed");
            }
        });
    }

    /// Makes the next request read the pointer (after this sandbox changed it).
    pub async fn invalidate(&self) {
        *self.checked.lock().await = None;
    }

    /// The served model, or `None` when none was trained yet.
    pub async fn current(&self, state: &AppState) -> Result<Option<Arc<Model>>, ApiError> {
        // A pinned cache's instant lies in the future: its elapsed time stays zero.
        let fresh =
            |checked: &Option<Instant>| checked.is_some_and(|at| at.elapsed() < CHECK_EVERY);
        {
            let checked = self.checked.try_lock();
            if let Ok(checked) = checked
                && fresh(&checked)
            {
                return Ok(self.model.load_full());
            }
        }
        let mut checked = self.checked.lock().await;
        if fresh(&checked) {
            return Ok(self.model.load_full());
        }
        let table = state.table();
        let Some(served) = registry::served(&table).await? else {
            // Not remembered: the first model should be served as soon as it is registered.
            self.model.store(None);
            return Ok(None);
        };
        let version = served.value.current;
        if let Some(model) = self.model.load_full()
            && model.version == version
        {
            *checked = Some(Instant::now());
            return Ok(Some(model));
        }
        let started = Instant::now();
        let key = registry::model_key(&version);
        let bytes = s3::get_bytes(&state.aws, &state.config.bucket_name, &key)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::internal(format!("the served model {key} is missing")))?;
        let size = bytes.len();
        let model = tokio::task::spawn_blocking(move || Model::from_bytes(&bytes))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        tracing::info!(
            version,
            bytes = size,
            ms = started.elapsed().as_millis() as u64,
            "recommendation model loaded"
        );
        let model = Arc::new(model);
        self.model.store(Some(model.clone()));
        *checked = Some(Instant::now());
        Ok(Some(model))
    }
}
