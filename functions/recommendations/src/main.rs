//! Lambda entry point of the recommendations function. The served model starts loading with
//! the sandbox's first request, off init (a request that needs it first loads it itself).

use roomwright_core::{AppState, aws::Aws, config::Config, lambda, telemetry};
use roomwright_recommendations::RecsContext;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    let context = RecsContext::new();
    let models = context.models.clone();
    let app = roomwright_recommendations::app(state.clone(), context);
    lambda::run(lambda::on_first_request(app, move || {
        models.preload(&state)
    }))
    .await
}
