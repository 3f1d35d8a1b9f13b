//! Shared by the end-to-end tests: the runner's router served on a free loopback port.

#![allow(dead_code)]

use std::net::SocketAddr;

use roomwright_devstack::TestStack;

/// Serves the runner's router on a free port, over a fresh stack.
pub async fn spawn_app() -> (String, TestStack) {
    let (base, stack, _) = spawn_app_with_search().await;
    (base, stack)
}

/// `spawn_app`, and the catalog's search service (to run the indexer as `make dev` does).
pub async fn spawn_app_with_search() -> (
    String,
    TestStack,
    std::sync::Arc<roomwright_catalog::SearchService>,
) {
    let stack = TestStack::new().await;
    let search = std::sync::Arc::new(roomwright_catalog::SearchService::new(None));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    let functions = roomwright_local::Functions {
        auth: roomwright_auth::AuthContext::new(
            roomwright_auth::KeySource::Given(roomwright_auth::KeySet::generate().unwrap()),
            roomwright_core::auth::Role::Designer,
        ),
        catalog: roomwright_catalog_api::CatalogContext {
            search: search.clone(),
            erp: std::sync::Arc::new(roomwright_catalog_api::erp::ErpSettings {
                webhook_secret: Some("local-e2e-secret".into()),
                events_queue_url: stack
                    .provisioned
                    .environment
                    .get("ERP_EVENTS_QUEUE_URL")
                    .cloned(),
                client: None,
            }),
            images: None,
        },
        chat: roomwright_chat::ChatContext::offline(stack.state.aws.clone()).unwrap(),
        recs: roomwright_recommendations::RecsContext::new(),
    };
    let app = roomwright_local::app(stack.state.clone(), functions)
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), stack, search)
}

#[allow(unused_imports)]
pub use roomwright_testkit::{
    App, PASSWORD, Reply,
    fixtures::{product, with_breaks},
};
use utoipa_axum::router::OpenApiRouter;

/// Flows across functions, in process: the auth, projects and exports routes plus `extra`
/// (another function's routes) over a fresh stack.
pub async fn app() -> App {
    app_with(OpenApiRouter::new()).await
}

pub async fn app_with(extra: OpenApiRouter<roomwright_core::AppState>) -> App {
    app_configured(extra, |_| {}).await
}

/// [`app_with`], its configuration changed by `configure` first (limits, allow-lists).
pub async fn app_configured(
    extra: OpenApiRouter<roomwright_core::AppState>,
    configure: impl FnOnce(&mut roomwright_core::config::Config),
) -> App {
    let auth = roomwright_auth::AuthContext::new(
        roomwright_auth::KeySource::Given(roomwright_testkit::keys()),
        roomwright_core::auth::Role::Designer,
    );
    let routes = OpenApiRouter::new()
        .merge(roomwright_auth::routes(auth))
        .merge(roomwright_projects_api::routes())
        .merge(roomwright_exports::routes())
        .merge(extra);
    App::configured(routes, configure).await
}
