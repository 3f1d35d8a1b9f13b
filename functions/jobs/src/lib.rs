//! The `jobs` function and its companions: asynchronous GPU work on SQS and AWS Batch.
//!
//! - API (`jobs`): `POST /v1/projects/{id}/renders` and `.../scenes`, `GET /v1/jobs`, `GET /v1/jobs/{id}`,
//!   `POST /v1/jobs/{id}/cancel`, `POST /v1/jobs/training`.
//! - `jobs-training-schedule` (EventBridge schedule): the nightly training job.
//! - [`dispatcher`] (`jobs-dispatcher`, SQS trigger): submits queued jobs to Batch.
//! - [`state`] (`jobs-state`, EventBridge "Batch Job State Change"): follows Batch into the
//!   job record and sends the signed completion [`webhook`] (Standard Webhooks).
//! - `jobs-webhooks` (SQS delay queue): the completion webhook's retries, each attempt in the
//!   job's deliveries log (`GET /v1/jobs/{id}/webhook-deliveries`).

//!
//! The job domain (kinds and their typed inputs, submission, spend, access, webhooks) is
//! `roomwright-jobs` in `shared/jobs`; this crate is the routes, the dispatcher and the state
//! follower.

pub mod dispatcher;
mod routes;
pub mod settings;
pub mod state;

use axum::Router;
use roomwright_core::{AppState, http::finish};
use utoipa_axum::router::OpenApiRouter;

/// This function's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    routes::all()
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(routes).split_for_parts();
    finish(router.with_state(state))
}
