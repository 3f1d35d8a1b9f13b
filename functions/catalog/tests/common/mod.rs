//! Shared by the catalog tests: the catalog routes over one test stack (the test kit's app),
//! users of each role signed in, the demo catalog imported and indexed.

#![allow(dead_code)]

use std::sync::Arc;

use http::{Method, StatusCode};
use roomwright_catalog::SearchService;
use roomwright_catalog_api::{
    CatalogContext,
    erp::{ErpSettings, client::ErpClient},
    input::ProductInput,
};
use roomwright_core::auth::Role;
use roomwright_devstack::TestStack;
use roomwright_devstack::demo;
use serde_json::Value;

pub const WEBHOOK_SECRET: &str = "whsec-test-1234567890";

#[allow(unused_imports)]
pub use roomwright_testkit::{PASSWORD, Reply};

/// The test kit's app over the catalog routes, with the catalog's context.
pub struct App {
    pub app: roomwright_testkit::App,
    pub catalog: CatalogContext,
}

impl std::ops::Deref for App {
    type Target = roomwright_testkit::App;
    fn deref(&self) -> &Self::Target {
        &self.app
    }
}

/// What a test app is built with.
#[derive(Default)]
pub struct Options {
    /// Load the embedding model for semantic search.
    pub model: bool,
    pub erp: Option<ErpClient>,
    /// The image encoder of visual search.
    pub images: Option<Arc<roomwright_visual::encoder::ImageEncoder>>,
}
/// Where `make test` installed the embedding model.
pub fn model_dir() -> std::path::PathBuf {
    roomwright_devstack::embedding_model_dir()
        .expect("the embedding model; run `make test` to install it")
}

pub async fn app_with(options: Options) -> App {
    let stack = TestStack::new().await;
    let catalog = CatalogContext {
        search: Arc::new(
            SearchService::new(options.model.then(model_dir))
                .with_image_model(options.images.as_ref().map(|e| e.model())),
        ),
        erp: Arc::new(ErpSettings {
            webhook_secret: Some(WEBHOOK_SECRET.into()),
            events_queue_url: stack
                .provisioned
                .environment
                .get("ERP_EVENTS_QUEUE_URL")
                .cloned(),
            client: options.erp,
        }),
        images: options.images,
    };
    App {
        app: roomwright_testkit::App::over(stack, roomwright_catalog_api::routes(catalog.clone())),
        catalog,
    }
}

pub async fn app() -> App {
    app_with(Options::default()).await
}

impl App {
    pub async fn admin(&self) -> String {
        self.user("admin@example.com", Role::Admin).await.0
    }

    /// Imports `products` as JSON Lines; returns the report.
    pub async fn import(
        &self,
        token: &str,
        products: &[roomwright_core::catalog::Product],
    ) -> Value {
        let mut body = Vec::new();
        for p in products {
            serde_json::to_writer(&mut body, &ProductInput::from(p)).unwrap();
            body.push(b'\n');
        }
        let auth = format!("Bearer {token}");
        let reply = self
            .request(
                Method::POST,
                "/v1/products/imports",
                &[("authorization", &auth)],
                Some(("application/x-ndjson", body)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    /// Asks for a rebuild as an admin does (202, the revision to build), then runs the
    /// indexer as its schedule would; returns the published manifest.
    pub async fn reindex(&self, token: &str) -> Value {
        let reply = self
            .send(Method::POST, "/v1/catalog/reindex", token, None, None)
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
        let revision = reply.body["revision"].as_u64().expect("a revision");
        if let Some(published) = reply.body["published"]["revision"].as_u64() {
            assert!(published < revision, "{}", reply.body);
        }
        let manifest = self
            .catalog
            .search
            .reindex_if_stale(&self.stack.state)
            .await
            .unwrap()
            .expect("the requested rebuild");
        assert_eq!(manifest.revision, revision);
        serde_json::to_value(manifest).unwrap()
    }

    /// Imports the demo catalog and indexes it; returns the admin token.
    pub async fn seeded(&self) -> String {
        let admin = self.admin().await;
        let report = self.import(&admin, &demo::demo_catalog()).await;
        assert_eq!(report["created"], demo::DEMO_COUNT, "{report}");
        self.reindex(&admin).await;
        admin
    }
}
