//! The local runner: every function's routes on one port, so the whole platform runs on a
//! laptop and end-to-end tests talk HTTP to the same routers Lambda serves.

pub mod cors;
pub mod live;
pub mod local_batch;
pub mod seed;
pub mod workers;

use std::sync::Arc;

use axum::Router;
use roomwright_auth::AuthContext;
use roomwright_catalog::SearchService;
use roomwright_catalog_api::{CatalogContext, erp::ErpSettings};
use roomwright_chat::ChatContext;
use roomwright_core::{AppState, aws::Aws, http::finish, openapi};
use roomwright_recommendations::RecsContext;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// What the functions need beyond [`AppState`].
#[derive(Clone)]
pub struct Functions {
    pub auth: AuthContext,
    pub catalog: CatalogContext,
    pub chat: ChatContext,
    pub recs: RecsContext,
}

/// Every function's documented routes, merged (the health function serves the document).
fn routes(functions: Functions) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(roomwright_health::routes())
        .merge(roomwright_auth::routes(functions.auth))
        .merge(roomwright_projects_api::routes())
        .merge(roomwright_exports::routes())
        .merge(roomwright_jobs_api::routes())
        .merge(roomwright_catalog_api::routes(functions.catalog))
        .merge(roomwright_chat::routes(functions.chat))
        .merge(roomwright_recommendations::routes(functions.recs))
}

/// Contexts for documenting: documenting needs no keys, and a context that would generate them
/// on use is never used.
fn documenting() -> Functions {
    Functions {
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
    }
}

/// Each API function's own OpenAPI document, by the binary `template.yaml` deploys it as.
pub fn documents() -> Vec<(&'static str, OpenApi)> {
    let f = documenting();
    let doc = |routes: OpenApiRouter<AppState>| routes.split_for_parts().1;
    vec![
        ("health", doc(roomwright_health::routes())),
        ("auth", doc(roomwright_auth::routes(f.auth))),
        ("projects", doc(roomwright_projects_api::routes())),
        ("exports", doc(roomwright_exports::routes())),
        ("jobs", doc(roomwright_jobs_api::routes())),
        ("catalog", doc(roomwright_catalog_api::routes(f.catalog))),
        ("chat", doc(roomwright_chat::routes(f.chat))),
        (
            "recommendations",
            doc(roomwright_recommendations::routes(f.recs)),
        ),
    ]
}

/// The merged OpenAPI 3.1 document of every function (`make openapi` writes it where the
/// health function serves it from).
pub fn openapi() -> OpenApi {
    openapi::with_examples(openapi_without_examples(), &examples()).0
}

/// The merged document before the recorded examples are put in.
pub fn openapi_without_examples() -> OpenApi {
    openapi::merged(documents().into_iter().map(|(_, api)| api))
}

/// The recorded exchanges the document shows as examples (`make openapi-examples` records
/// them from a running `make dev`).
pub fn examples() -> openapi::Examples {
    serde_json::from_str(include_str!("../openapi-examples.json"))
        .expect("openapi-examples.json is a JSON object")
}

/// All functions on one router.
pub fn app(state: AppState, functions: Functions) -> Router {
    let (router, _) = routes(functions).split_for_parts();
    finish(router.with_state(state))
}
