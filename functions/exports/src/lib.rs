//! The `exports` function: what a project shows its client. Client-ready quotes of a project's
//! scenarios as PDF or XLSX, stored in S3 and handed out through short-lived download URLs
//! minted on request; share links ([`shares`]) and the public proposal page they open
//! (`/p/{token}`, [`proposal`]), where the client approves or asks for changes.
//!
//! Kept apart from `projects` because the PDF and workbook writers are most of a binary's size,
//! and size is start-up time: the projects function stays within its cold-start budget and this
//! one gets the memory rendering wants.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | export | `PROJECT#<id>` | `EXPORT#<export id>` |
//!
//! Share links and activity: see `roomwright_projects::shares`.

pub mod proposal;
pub mod render;
mod routes;
pub mod shares;

use axum::Router;
use roomwright_core::routes;
use roomwright_core::{AppState, http::finish};
use utoipa_axum::router::OpenApiRouter;

/// This function's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::create_export))
        .routes(routes!(routes::get_export))
        .routes(routes!(shares::create_share, shares::list_shares))
        .routes(routes!(shares::revoke_share))
        .routes(routes!(shares::project_activity))
        .routes(routes!(proposal::proposal_page))
        .routes(routes!(proposal::send_feedback))
        .routes(routes!(proposal::proposal_pdf))
        .routes(routes!(proposal::proposal_asset))
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(routes).split_for_parts();
    finish(router.with_state(state))
}
