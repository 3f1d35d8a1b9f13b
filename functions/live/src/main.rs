//! Lambda entry point of the WebSocket API ($connect, $disconnect, messages).

// The SDK's deeply nested futures need more than the default query depth.
#![recursion_limit = "256"]

use lambda_http::{Error, LambdaEvent};
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    let live = std::sync::Arc::new(roomwright_live::from_env(&state));
    roomwright_core::lambda::run_events(move |event: LambdaEvent<serde_json::Value>| {
        let (state, live) = (state.clone(), live.clone());
        async move { Ok::<_, Error>(roomwright_live::websocket(&state, &live, &event.payload).await) }
    })
    .await
}
