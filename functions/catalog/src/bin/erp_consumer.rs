//! Lambda entry point of the ERP event consumer (SQS trigger with partial batch responses).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::{Error, LambdaEvent};
use roomwright_catalog_api::erp::consumer;
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    state.aws.warm_up();
    let table = state.table();
    roomwright_core::lambda::run_events(move |event: LambdaEvent<SqsEvent>| {
        let table = table.clone();
        async move { Ok::<SqsBatchResponse, Error>(consumer::handle(&table, event.payload).await) }
    })
    .await
}
