//! Lambda entry point of the `catalog` function.

use roomwright_catalog_api::CatalogContext;
use roomwright_core::{AppState, aws::Aws, config::Config, lambda, telemetry};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    let context = CatalogContext::from_env(&state);
    let search = context.search.clone();
    let app = roomwright_catalog_api::app(state.clone(), context);
    // The index starts loading with the sandbox's first request (a search that comes first
    // loads it itself).
    lambda::run(lambda::on_first_request(app, move || search.start(&state))).await
}
