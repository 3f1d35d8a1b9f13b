//! The `catalog` function: products and their bulk imports and uploads, search (typo-tolerant
//! faceted text, semantic, similar products), makers for what the catalog lacks, and the ERP
//! integration (signed webhooks through a queue, and the outbound client).
//!
//! Items it owns are listed in [`store`], [`makers`] and [`erp`].

pub mod demo;
pub mod erp;
pub mod import;
pub mod input;
pub mod makers;
mod routes;
pub mod search;
pub mod store;

use std::sync::Arc;

use axum::{Extension, Router};
use roomwright_core::{AppState, http::finish};
use utoipa_axum::router::OpenApiRouter;

pub use search::service::SearchService;

/// What the catalog routes need beyond [`AppState`].
#[derive(Clone)]
pub struct CatalogContext {
    pub search: Arc<SearchService>,
    pub erp: Arc<erp::ErpSettings>,
}

impl CatalogContext {
    /// Search model from `EMBEDDING_MODEL_DIR`, ERP settings from `ERP_*`.
    pub fn from_env() -> Self {
        Self {
            search: Arc::new(SearchService::from_env()),
            erp: Arc::new(erp::ErpSettings::from_env()),
        }
    }
}

pub fn routes(context: CatalogContext) -> OpenApiRouter<AppState> {
    routes::all().layer(Extension(context))
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState, context: CatalogContext) -> Router {
    let (router, _) = routes(context).split_for_parts();
    finish(router.with_state(state))
}
