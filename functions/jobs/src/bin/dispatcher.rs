//! Lambda entry point of the jobs dispatcher (SQS trigger with partial batch responses).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::{Error, LambdaEvent};
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry};
use roomwright_jobs_api::{dispatcher, settings::BatchSettings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    state.aws.warm_up();
    let settings = BatchSettings::from_env();
    roomwright_core::lambda::run_events(move |event: LambdaEvent<SqsEvent>| {
        let (state, settings) = (state.clone(), settings.clone());
        async move {
            Ok::<SqsBatchResponse, Error>(
                dispatcher::handle(&state, &settings, event.payload).await,
            )
        }
    })
    .await
}
