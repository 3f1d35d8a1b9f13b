//! Serving a router under the Lambda runtime.

use axum::Router;

/// `router` running `start` once, when the sandbox's first request arrives, instead of during
/// init: background work started during init (a model or an index to load) competes with init
/// for the sandbox's CPU, a fraction of a vCPU at the template's memory sizes, and was measured
/// to put a function's init above twice a bare binary's. What `start` loads must also load on
/// demand (the first request that needs it waits for it).
pub fn on_first_request(router: Router, start: impl FnOnce() + Send + 'static) -> Router {
    let start = std::sync::Arc::new(std::sync::Mutex::new(Some(start)));
    router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let start = start.lock().ok().and_then(|mut start| start.take());
            async move {
                if let Some(start) = start {
                    start();
                }
                next.run(request).await
            }
        },
    ))
}

/// Runs `router` as a Lambda handler for API Gateway HTTP API events; the request metrics
/// ([`crate::metrics`]) are written after each invocation.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    match crate::metrics::collector() {
        Some(collector) => {
            metrics_cloudwatch_embedded::lambda::service::run_http(collector, router).await
        }
        None => lambda_http::run(router).await,
    }
}

/// Runs `handler` for other events (queues, schedules, EventBridge), metrics written after
/// each invocation as for HTTP.
pub async fn run_events<E, R, F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    E: serde::de::DeserializeOwned,
    R: serde::Serialize,
    F: FnMut(lambda_http::lambda_runtime::LambdaEvent<E>) -> Fut,
    Fut: std::future::Future<Output = Result<R, lambda_http::Error>>,
{
    match crate::metrics::collector() {
        Some(collector) => {
            metrics_cloudwatch_embedded::lambda::handler::run(collector, handler).await
        }
        None => {
            lambda_http::lambda_runtime::run(lambda_http::lambda_runtime::service_fn(handler)).await
        }
    }
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

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use axum::{body::Body, http::Request, http::StatusCode};
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn first_request_starts_the_work_once_and_building_starts_nothing() {
        let started = Arc::new(AtomicUsize::new(0));
        let counter = started.clone();
        let router = on_first_request(
            Router::new().route("/", axum::routing::get(|| async { "ok" })),
            move || {
                counter.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!(started.load(Ordering::SeqCst), 0);
        for _ in 0..3 {
            let request = Request::get("/").body(Body::empty()).unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        assert_eq!(started.load(Ordering::SeqCst), 1);
    }
}
