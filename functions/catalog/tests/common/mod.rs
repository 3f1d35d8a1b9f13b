//! Shared by the catalog tests: the auth, projects and catalog routers over one test stack,
//! users of each role signed in, the demo catalog imported and indexed.

#![allow(dead_code)]

use std::sync::Arc;

use axum::{Router, body::Body};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use roomwright_auth::{AuthContext, KeySet, KeySource};
use roomwright_catalog::{
    CatalogContext, SearchService, demo,
    erp::{ErpSettings, client::ErpClient},
    input::ProductInput,
};
use roomwright_core::{auth::Role, http::finish};
use roomwright_devstack::TestStack;
use serde_json::{Value, json};
use tower::ServiceExt;
use utoipa_axum::router::OpenApiRouter;

pub const PASSWORD: &str = "correct horse battery staple";
pub const WEBHOOK_SECRET: &str = "whsec-test-1234567890";

pub struct App {
    pub router: Router,
    pub stack: TestStack,
    pub catalog: CatalogContext,
}

pub struct Reply {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub content_type: String,
    pub body: Value,
}

impl Reply {
    pub fn etag(&self) -> &str {
        self.etag.as_deref().expect("an ETag")
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
    let auth = AuthContext::new(
        KeySource::Given(KeySet::generate().unwrap()),
        Role::Designer,
    );
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
    let (router, _) = OpenApiRouter::new()
        .merge(roomwright_auth::routes(auth))
        .merge(roomwright_projects::routes())
        .merge(roomwright_catalog::routes(catalog.clone()))
        .split_for_parts();
    App {
        router: finish(router.with_state(stack.state.clone())),
        stack,
        catalog,
    }
}

pub async fn app() -> App {
    app_with(Options::default()).await
}

impl App {
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some((content_type, bytes)) => {
                request = request.header("content-type", content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &http::HeaderValue| v.to_str().unwrap().to_string())
        };
        let etag = header("etag");
        let content_type = header("content-type").unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            etag,
            content_type,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(tag) = if_match {
            headers.push(("if-match", tag));
        }
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        self.request(method, path, &headers, body).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, token, None, None).await
    }

    /// A signed-in user with `role`; returns the access token and user id.
    pub async fn user(&self, email: &str, role: Role) -> (String, String) {
        let user = roomwright_auth::users::provision(
            &self.stack.state.table(),
            email,
            "Test",
            role,
            PASSWORD,
        )
        .await
        .unwrap()
        .unwrap();
        let reply = self
            .request(
                Method::POST,
                "/v1/auth/login",
                &[],
                Some((
                    "application/json",
                    json!({"email": email, "password": PASSWORD})
                        .to_string()
                        .into_bytes(),
                )),
            )
            .await;
        (
            reply.body["access_token"].as_str().unwrap().to_string(),
            user.id,
        )
    }

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

    pub async fn reindex(&self, token: &str) -> Value {
        let reply = self
            .send(Method::POST, "/v1/catalog/reindex", token, None, None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
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
