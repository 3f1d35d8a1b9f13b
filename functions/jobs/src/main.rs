//! Lambda entry point of the jobs API.

use roomwright_core::{AppState, aws::Aws, config::Config, lambda, telemetry};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    lambda::run(roomwright_jobs_api::app(state)).await
}
