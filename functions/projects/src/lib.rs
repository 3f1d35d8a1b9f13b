//! The `projects` function: projects with their requirements, floor plan, budget scenarios,
//! quotes, sharing, trash and versions.
//!
//! Every read returns the project's version as `ETag`; every write needs it back in `If-Match`
//! and is a conditional write, so two editors never silently overwrite each other.

//! Its domain (model, floor plan, scenarios, versions, store, access) is `roomwright-projects`
//! in `shared/projects`; this crate is the routes.

mod routes;

use axum::Router;
use roomwright_core::{AppState, http::finish};
use utoipa_axum::router::OpenApiRouter;

/// This function's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    routes::all()
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(routes).split_for_parts();
    finish(router.with_state(state))
}
