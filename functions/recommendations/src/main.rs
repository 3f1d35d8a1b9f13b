//! Lambda entry point of the recommendations function. The served model starts loading
//! during init, off the path to the first Runtime API poll.

use roomwright_core::{AppState, aws::Aws, config::Config, lambda, telemetry};
use roomwright_recommendations::RecsContext;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    let context = RecsContext::new();
    context.models.preload(&state);
    lambda::run(roomwright_recommendations::app(state, context)).await
}
