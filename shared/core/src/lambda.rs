//! Serving a router under the Lambda runtime.

use axum::Router;

/// Runs `router` as a Lambda handler for API Gateway HTTP API events.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router).await
}
