//! The `jobs` function and its companions: asynchronous GPU work on SQS and AWS Batch.
//!
//! - API (`jobs`): `POST /v1/projects/{id}/renders`, `GET /v1/jobs`, `GET /v1/jobs/{id}`,
//!   `POST /v1/jobs/{id}/cancel`, `POST /v1/jobs/training`.
//! - `jobs-training-schedule` (EventBridge schedule): the nightly training job.
//! - [`dispatcher`] (`jobs-dispatcher`, SQS trigger): submits queued jobs to Batch.
//! - [`state`] (`jobs-state`, EventBridge "Batch Job State Change"): follows Batch into the
//!   job record and sends the signed completion [`webhook`].
//! - [`local_batch`]: what Batch does, locally: runs the worker binaries as child processes
//!   with a Batch job's environment, retries and events (the local runner and tests use it).

pub mod access;
pub mod dispatcher;
pub mod local_batch;
pub mod outbound;
pub mod product_images;
mod routes;
pub use routes::renders::{SubmittedRender, order as order_render};
pub use routes::training::{SCHEDULE_OWNER, TrainingRequest, order_training};
pub mod settings;
pub mod spend;
pub mod state;
pub mod submit;
pub mod view;
pub mod webhook;

use axum::Router;
use roomwright_core::{AppState, http::finish};
use utoipa_axum::router::OpenApiRouter;

/// This function's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    routes::all()
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes().split_for_parts();
    finish(router.with_state(state))
}
