//! Lambda entry point of the fan-out, fed by the table's stream. A failed batch is returned
//! to Lambda, which delivers it again (messages may repeat; notifications and emails do not).

// The SDK's deeply nested futures need more than the default query depth.
#![recursion_limit = "256"]

use aws_lambda_events::event::dynamodb;
use lambda_http::{Error, LambdaEvent};
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    state.aws.warm_up();
    let live = std::sync::Arc::new(roomwright_live::from_env(&state));
    roomwright_core::lambda::run_events(move |event: LambdaEvent<dynamodb::Event>| {
        let (state, live) = (state.clone(), live.clone());
        async move {
            let changes = roomwright_live::changes(event.payload);
            live.fan_out(&state, &changes)
                .await
                .map_err(|e| format!("fan-out failed: {e}"))?;
            Ok::<_, Error>(changes.len())
        }
    })
    .await
}
