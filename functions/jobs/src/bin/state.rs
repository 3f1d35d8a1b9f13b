//! Lambda entry point of the job state function (EventBridge "Batch Job State Change").
//! A failure is returned to EventBridge, which retries the event.

use lambda_http::{Error, LambdaEvent};
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry};
use roomwright_jobs_api::state;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    state.aws.warm_up();
    roomwright_core::lambda::run_events(move |event: LambdaEvent<serde_json::Value>| {
        let state = state.clone();
        async move {
            let outcome = state::handle(&state, &event.payload)
                .await
                .map_err(|e| format!("applying the state event failed: {e:?}"))?;
            Ok::<String, Error>(format!("{outcome:?}"))
        }
    })
    .await
}
