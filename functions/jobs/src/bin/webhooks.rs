//! Lambda entry point of the webhook retries (SQS delay queue, partial batch responses): a
//! message not yet due waits again, a due one is the next attempt of a completion webhook.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::{Error, LambdaEvent};
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    state.aws.warm_up();
    roomwright_core::lambda::run_events(move |event: LambdaEvent<SqsEvent>| {
        let state = state.clone();
        async move {
            Ok::<SqsBatchResponse, Error>(
                roomwright_jobs::webhook::handle_batch(&state, event.payload).await,
            )
        }
    })
    .await
}
