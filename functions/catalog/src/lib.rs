//! The `catalog` function: products and their bulk imports and uploads, search (typo-tolerant
//! faceted text, semantic, similar products, visual search by photo), makers for what the
//! catalog lacks, and the ERP integration (signed webhooks through a queue, and the outbound
//! client).
//!
//! Items it owns are listed in [`store`], [`makers`] and [`erp`].

//! The catalog domain (store, search index and reader, makers) is `roomwright-catalog` in
//! `shared/catalog`; this crate is the routes, imports, the indexer and the ERP integration.

pub mod erp;
pub mod import;
pub mod input;
mod routes;

use std::sync::Arc;

use axum::{Extension, Router};
use roomwright_core::{AppState, http::finish};
use roomwright_visual::{BedrockClient, encoder::ImageEncoder};
use utoipa_axum::router::OpenApiRouter;

pub use roomwright_catalog::SearchService;

/// What the catalog routes need beyond [`AppState`].
#[derive(Clone)]
pub struct CatalogContext {
    pub search: Arc<SearchService>,
    pub erp: Arc<erp::ErpSettings>,
    /// The image encoder of visual search (`IMAGE_EMBEDDING_MODEL`); none configured, visual
    /// search says so.
    pub images: Option<Arc<ImageEncoder>>,
}

impl CatalogContext {
    /// Search model from `EMBEDDING_MODEL_DIR`, ERP settings from `ERP_*`, the image encoder
    /// from `IMAGE_EMBEDDING_MODEL` (a Bedrock client is built only on first use).
    pub fn from_env(state: &AppState) -> Self {
        let images = image_encoder_from_env(state);
        Self {
            search: Arc::new(
                SearchService::from_env().with_image_model(images.as_ref().map(|e| e.model())),
            ),
            erp: Arc::new(erp::ErpSettings::from_env(&state.aws)),
            images,
        }
    }
}

/// The image encoder `IMAGE_EMBEDDING_MODEL` names, with Bedrock in `IMAGE_BEDROCK_REGION` (or
/// the function's region).
pub fn image_encoder_from_env(state: &AppState) -> Option<Arc<ImageEncoder>> {
    ImageEncoder::from_env(|| {
        Arc::new(BedrockClient::lazy(
            state.aws.clone(),
            std::env::var("IMAGE_BEDROCK_REGION")
                .ok()
                .filter(|r| !r.is_empty()),
        ))
    })
    .map(Arc::new)
}

pub fn routes(context: CatalogContext) -> OpenApiRouter<AppState> {
    routes::all().layer(Extension(context))
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState, context: CatalogContext) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(|| routes(context)).split_for_parts();
    finish(router.with_state(state))
}
