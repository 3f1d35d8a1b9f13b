//! The jobs function's HTTP routes.

pub mod floor_plan_imports;
pub mod interchange_imports;
mod jobs;
pub mod renders;
pub mod training;

use roomwright_core::AppState;
use roomwright_core::routes;
use utoipa_axum::router::OpenApiRouter;

pub fn all() -> OpenApiRouter<AppState> {
    // The document also says what the jobs' completion webhooks send, and the model a CAD
    // plugin uploads to an interchange import.
    let mut document = roomwright_jobs::webhook::openapi();
    document.merge(interchange_imports::plugin_schema());
    OpenApiRouter::with_openapi(document)
        .routes(routes!(renders::submit_render))
        .routes(routes!(renders::submit_scene))
        .routes(routes!(jobs::list_jobs))
        .routes(routes!(jobs::get_job))
        .routes(routes!(jobs::webhook_deliveries))
        .routes(routes!(jobs::cancel_job))
        .routes(routes!(training::submit_training))
        .routes(routes!(floor_plan_imports::create_import))
        .routes(routes!(floor_plan_imports::get_import))
        .routes(routes!(floor_plan_imports::accept_import))
        .routes(routes!(floor_plan_imports::import_plan))
        .routes(routes!(floor_plan_imports::import_plan_png))
        .routes(routes!(interchange_imports::create_interchange_import))
        .routes(routes!(interchange_imports::get_interchange_import))
        .routes(routes!(interchange_imports::accept_interchange_import))
}
