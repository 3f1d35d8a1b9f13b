//! What every Roomwright function shares.
//!
//! A function crate builds an [`OpenApiRouter`](utoipa_axum::router::OpenApiRouter) of its routes
//! over [`AppState`]; [`http::finish`] wraps it with the behaviour every API has (problem+json
//! errors, body limit, request ids) and [`lambda::run`] serves it under `lambda_http`.

pub mod auth;
pub mod aws;
pub mod build_info;
pub mod catalog;
pub mod config;
pub mod dynamo;
pub mod etag;
pub mod http;
pub mod interactions;
pub mod lambda;
pub mod metrics;
pub mod money;
pub mod openapi;
pub mod problem;
pub mod random;
pub mod routing;
pub mod s3;
pub mod signature;
pub mod state;
pub mod telemetry;
pub mod time;
pub mod usage;
pub mod users;

pub use problem::{ApiError, FieldError, FieldErrors};
pub use state::AppState;
