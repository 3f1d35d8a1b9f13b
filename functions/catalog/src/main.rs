//! Lambda entry point of the `catalog` function.

use roomwright_catalog_api::CatalogContext;
use roomwright_core::{AppState, aws::Aws, config::Config, lambda, telemetry};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    let context = CatalogContext::from_env(&state);
    // The index downloads while the runtime waits for the first request.
    context.search.start(&state);
    lambda::run(roomwright_catalog_api::app(state, context)).await
}
