//! Serving a router under the Lambda runtime.

use axum::Router;

/// Runs `router` as a Lambda handler for API Gateway HTTP API events.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router).await
}

/// One SQS delivery, message by message: the messages `handle` fails are reported back for
/// SQS to deliver again (a partial batch response, `ReportBatchItemFailures` in the template),
/// the others are done. Every queue consumer answers through this.
pub async fn sqs_batch<F, Fut>(
    event: aws_lambda_events::event::sqs::SqsEvent,
    mut handle: F,
) -> aws_lambda_events::event::sqs::SqsBatchResponse
where
    F: FnMut(aws_lambda_events::event::sqs::SqsMessage) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let mut response = aws_lambda_events::event::sqs::SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        // Boxed: a consumer's future is deep enough to pass the compiler's layout depth limit.
        if let Err(reason) = Box::pin(handle(message)).await {
            tracing::warn!(message_id = %id, %reason, "message not handled; SQS will deliver it again");
            let mut failure = aws_lambda_events::event::sqs::BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}
