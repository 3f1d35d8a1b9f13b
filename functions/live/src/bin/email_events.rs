//! Lambda entry point of SES's bounce and complaint events (an SNS subscription).

// The SDK's deeply nested futures need more than the default query depth.
#![recursion_limit = "256"]

use lambda_http::{Error, LambdaEvent};
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    roomwright_core::lambda::run_events(move |event: LambdaEvent<serde_json::Value>| {
        let state = state.clone();
        async move {
            let suppressed = roomwright_live::email_events(&state, &event.payload).await?;
            Ok::<_, Error>(suppressed)
        }
    })
    .await
}
