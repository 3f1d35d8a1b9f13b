//! The local runner: every function's routes on one port, so the whole platform runs on a
//! laptop and end-to-end tests talk HTTP to the same routers Lambda serves.

pub mod local_batch;
pub mod seed;
pub mod workers;

use std::sync::Arc;

use axum::{Extension, Json, Router};
use roomwright_auth::AuthContext;
use roomwright_catalog::{CatalogContext, SearchService, erp::ErpSettings};
use roomwright_chat::ChatContext;
use roomwright_core::{AppState, aws::Aws, http::finish, openapi};
use roomwright_recommendations::RecsContext;
use utoipa::openapi::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

/// What the functions need beyond [`AppState`].
#[derive(Clone)]
pub struct Functions {
    pub auth: AuthContext,
    pub catalog: CatalogContext,
    pub chat: ChatContext,
    pub recs: RecsContext,
}

/// Every function's documented routes, merged.
fn routes(functions: Functions) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(roomwright_health::routes())
        .merge(roomwright_auth::routes(functions.auth))
        .merge(roomwright_projects_api::routes())
        .merge(roomwright_exports::routes())
        .merge(roomwright_jobs_api::routes())
        .merge(roomwright_catalog::routes(functions.catalog))
        .merge(roomwright_chat::routes(functions.chat))
        .merge(roomwright_recommendations::routes(functions.recs))
        .routes(routes!(openapi_document))
}

/// The merged OpenAPI 3.1 document of every function.
pub fn openapi() -> OpenApi {
    // Documenting needs no keys: a context that would generate them on use is never used.
    let functions = Functions {
        auth: AuthContext::new(
            roomwright_auth::KeySource::Given(Default::default()),
            roomwright_core::auth::Role::Designer,
        ),
        catalog: CatalogContext {
            search: Arc::new(SearchService::new(None)),
            erp: Arc::new(ErpSettings {
                webhook_secret: None,
                events_queue_url: None,
                client: None,
            }),
            images: None,
        },
        chat: ChatContext::offline(Arc::new(Aws::from_env())).expect("default chat settings"),
        recs: RecsContext::new(),
    };
    let (_, api) = routes(functions).split_for_parts();
    openapi::merged([api])
}

/// All functions on one router.
pub fn app(state: AppState, functions: Functions) -> Router {
    let (router, api) = routes(functions).split_for_parts();
    let document = Arc::new(openapi::merged([api]));
    finish(router.with_state(state).layer(Extension(document)))
}

/// The OpenAPI 3.1 document of the whole API, for generating clients.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
async fn openapi_document(Extension(document): Extension<Arc<OpenApi>>) -> Json<OpenApi> {
    Json(OpenApi::clone(&document))
}
