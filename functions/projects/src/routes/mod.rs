//! The projects function's HTTP routes.

mod layouts;
mod members;
mod projects;
mod scenarios;
mod versions;

use axum::{Json, http::header};
use roomwright_core::routes;
use roomwright_core::{AppState, etag::etag};
use utoipa_axum::router::OpenApiRouter;

use roomwright_projects::model::Project;

pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(projects::create_project, projects::list_projects))
        .routes(routes!(
            projects::get_project,
            projects::update_project,
            projects::delete_project
        ))
        .routes(routes!(projects::restore_project))
        .routes(routes!(projects::change_status))
        .routes(routes!(scenarios::put_floor_plan))
        .routes(routes!(scenarios::put_scenario, scenarios::delete_scenario))
        .routes(routes!(scenarios::quote_scenario))
        .routes(routes!(layouts::propose_layouts))
        .routes(routes!(layouts::accept_layout))
        .routes(routes!(layouts::layout_plan))
        .routes(routes!(layouts::scenario_plan))
        .routes(routes!(layouts::layout_plan_png))
        .routes(routes!(layouts::scenario_plan_png))
        .routes(routes!(layouts::fit_budget))
        .routes(routes!(members::add_member))
        .routes(routes!(members::remove_member))
        .routes(routes!(versions::save_version, versions::list_versions))
        .routes(routes!(versions::get_version))
        .routes(routes!(versions::diff_versions))
        .routes(routes!(versions::restore_version))
}

/// A project with its version as `ETag`.
pub type Tagged<T = Project> = ([(header::HeaderName, header::HeaderValue); 1], Json<T>);

pub fn tagged<T>(body: T, version: u64) -> Tagged<T> {
    ([(header::ETAG, etag(version))], Json(body))
}
