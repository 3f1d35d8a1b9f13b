//! The `health` function: `GET /v1/health` tells which build runs and whether its table and
//! bucket answer, so a deploy and the local stack can be checked with one request.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use axum::{Json, Router, extract::State, http::StatusCode};
use roomwright_core::routes;
use roomwright_core::{AppState, build_info, http::finish};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

/// How long one dependency may take before it counts as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// This function's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi_document))
        .routes(routes!(api_docs))
        .routes(routes!(api_docs_asset))
}

/// Redoc's standalone script, bundled from the npm registry at build time (see `build.rs`).
const REDOC_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/redoc.standalone.js"));
/// Its name under `/docs/`: versioned, so browsers may keep it for good.
const REDOC_ASSET: &str = concat!("redoc-", env!("REDOC_VERSION"), ".standalone.js");

/// The reference page: Redoc over the served document. Relative addresses, so the page works
/// wherever the API is mounted.
fn docs_page() -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Roomwright API reference</title>\n<style>body {{ margin: 0; }}</style>\n</head>\n\
         <body>\n<redoc spec-url=\"v1/openapi.json\" native-scrollbars></redoc>\n\
         <script src=\"docs/{REDOC_ASSET}\"></script>\n</body>\n</html>\n"
    )
}

/// What the docs page may load: itself and its script, the styles Redoc injects, the web
/// worker it starts for search; nothing from elsewhere.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The API reference: every operation, its parameters, bodies, responses and examples (Redoc,
/// served from this function; no sign-in).
#[utoipa::path(
    get,
    path = "/docs",
    tag = "meta",
    responses((status = 200, description = "The API reference page", content_type = "text/html"))
)]
async fn api_docs() -> impl axum::response::IntoResponse {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, DOCS_POLICY),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        docs_page(),
    )
}

/// The reference page's script.
#[utoipa::path(
    get,
    path = "/docs/{asset}",
    tag = "meta",
    params(("asset" = String, Path, description = "The script's versioned file name, as the page names it")),
    responses(
        (status = 200, description = "The script", content_type = "text/javascript"),
        (status = 404, description = "No such asset", body = roomwright_core::problem::Problem, content_type = "application/problem+json"),
    )
)]
async fn api_docs_asset(
    axum::extract::Path(asset): axum::extract::Path<String>,
) -> Result<axum::response::Response, roomwright_core::ApiError> {
    use axum::{http::header, response::IntoResponse};
    if asset != REDOC_ASSET {
        return Err(roomwright_core::ApiError::not_found(
            "asset_not_found",
            format!("No docs asset {asset}"),
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        REDOC_JS,
    )
        .into_response())
}

/// The whole API's OpenAPI document as `make openapi` wrote it, compacted by the build (a test
/// in `functions/local` fails when it differs from what the functions' routes document).
pub const OPENAPI_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// The OpenAPI 3.1 document of the whole API, for generating clients.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
async fn openapi_document() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON,
    )
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(routes).split_for_parts();
    finish(router.with_state(state))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` when every dependency answered, else `degraded`.
    pub status: String,
    pub version: String,
    pub commit: String,
    pub stage: String,
    pub checks: Checks,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Checks {
    pub table: Check,
    pub bucket: Check,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Check {
    pub reachable: bool,
    pub latency_ms: u64,
    /// Why it is not reachable (the AWS error code), when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Version, commit and reachability of the table and bucket.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "health",
    responses(
        (status = 200, description = "Every dependency answered", body = Health),
        (status = 503, description = "A dependency did not answer", body = Health),
    )
)]
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (table, bucket) = tokio::join!(check_table(&state), check_bucket(&state));
    let healthy = table.reachable && bucket.reachable;
    let body = Health {
        status: if healthy { "ok" } else { "degraded" }.to_string(),
        version: build_info::VERSION.to_string(),
        commit: build_info::COMMIT.to_string(),
        stage: state.config.stage.clone(),
        checks: Checks { table, bucket },
    };
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

async fn check_table(state: &AppState) -> Check {
    timed(async {
        let client = state.aws.dynamodb().await;
        client
            .describe_table()
            .table_name(&state.config.table_name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error_code(e.code(), &e))
    })
    .await
}

async fn check_bucket(state: &AppState) -> Check {
    timed(async {
        let client = state.aws.s3().await;
        client
            .head_bucket()
            .bucket(&state.config.bucket_name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error_code(e.code(), &e))
    })
    .await
}

/// The AWS error code when there is one; the full error text is logged, not returned.
fn error_code(code: Option<&str>, error: &dyn std::error::Error) -> String {
    tracing::warn!(error = %error, "health check failed");
    code.unwrap_or("unreachable").to_string()
}

async fn timed(check: impl Future<Output = Result<(), String>>) -> Check {
    let started = Instant::now();
    let result = tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| Err("timeout".to_string()));
    Check {
        reachable: result.is_ok(),
        latency_ms: started.elapsed().as_millis() as u64,
        error: result.err(),
    }
}
