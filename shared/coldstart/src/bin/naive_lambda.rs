//! The naive init the cold-start target warns about: the SDK configuration and five clients
//! built before the first poll. Measured next to `health` to show what lazy clients save.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let clients = (
        aws_sdk_dynamodb::Client::new(&config),
        aws_sdk_s3::Client::new(&config),
        aws_sdk_sqs::Client::new(&config),
        aws_sdk_batch::Client::new(&config),
        aws_sdk_dynamodb::Client::new(&config),
    );
    let clients = &clients;
    run(service_fn(move |_: Request| async move {
        let _ = clients;
        Ok::<_, Error>(Response::new(Body::from("hello")))
    }))
    .await
}
