//! The `exports` function: client-ready quotes of a project's scenarios as PDF or XLSX, stored
//! in S3 and handed out through short-lived download URLs minted on request.
//!
//! Kept apart from `projects` because the PDF and workbook writers are most of a binary's size,
//! and size is start-up time: the projects function stays within its cold-start budget and this
//! one gets the memory rendering wants.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | export | `PROJECT#<id>` | `EXPORT#<export id>` |

pub mod render;
mod routes;

use axum::Router;
use roomwright_core::routes;
use roomwright_core::{AppState, http::finish};
use utoipa_axum::router::OpenApiRouter;

/// This function's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::create_export))
        .routes(routes!(routes::get_export))
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(routes).split_for_parts();
    finish(router.with_state(state))
}
