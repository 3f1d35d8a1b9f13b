//! Lambda entry point of the nightly training schedule (EventBridge). The job's key is the
//! UTC date, so a schedule event delivered twice queues one job.
// The metrics layers nest the handler future deeply.
#![recursion_limit = "256"]

use lambda_http::{Error, LambdaEvent};
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry, time};
use roomwright_jobs::{
    submit::Submitted,
    training::{SCHEDULE_OWNER, TrainingRequest, order_training},
};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    roomwright_core::lambda::run_events(move |_: LambdaEvent<serde_json::Value>| {
        let state = state.clone();
        async move {
            let day = time::rfc3339(time::now())[..10].to_string();
            let request = TrainingRequest {
                note: Some("nightly".into()),
            };
            let key = format!("nightly-{day}");
            let job = match order_training(&state, SCHEDULE_OWNER, Some(&key), &request)
                .await
                .map_err(|e| format!("queueing the training job failed: {e:?}"))?
            {
                Submitted::Created(job) | Submitted::Replayed(job) => job,
            };
            tracing::info!(job_id = job.id, day, "nightly training queued");
            Ok::<String, Error>(job.id)
        }
    })
    .await
}
