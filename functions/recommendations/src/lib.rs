//! The recommendations function: interaction events in, explained recommendations out, and
//! the admin's view of the model registry and customer segments.

pub mod live;
pub mod routes;

use std::sync::Arc;

use axum::Router;
use roomwright_core::routes;
use roomwright_core::{AppState, http::finish};
use utoipa_axum::router::OpenApiRouter;

pub use roomwright_recs::cache::ModelCache;

/// What the routes share beyond [`AppState`]: the served model.
#[derive(Clone, Default)]
pub struct RecsContext {
    pub models: Arc<ModelCache>,
}

impl RecsContext {
    pub fn new() -> Self {
        Self::default()
    }
}

/// This function's documented routes.
pub fn routes(context: RecsContext) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::events::record_events))
        .routes(routes!(routes::recommend::recommendations))
        .routes(routes!(routes::recommend::also_chosen))
        .routes(routes!(routes::admin::list_models))
        .routes(routes!(routes::admin::rollback))
        .routes(routes!(routes::admin::segments))
        .layer(axum::Extension(context))
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState, context: RecsContext) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(|| routes(context)).split_for_parts();
    finish(router.with_state(state))
}
