//! What the tests share, instead of including each other's files:
//! - [`App`]: one or more functions' routes over a fresh [`TestStack`] (its own table and bucket
//!   on the shared local AWS server), called in process as API Gateway would;
//! - users signed in through the account domain (the same session and token code login uses);
//! - [`fixtures`]: catalog products as the catalog stores them;
//! - [`recorded`]: Bedrock answers replayed to the real SDK client;
//! - [`mean_colour`]: an ONNX image encoder whose output is known for any photo.

pub mod fixtures;
pub mod mean_colour;
pub mod recorded;

use std::sync::Arc;

use axum::{Router, body::Body};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use roomwright_accounts::{
    keys::{KeySet, KeySource, Signer},
    sessions, tokens, users,
};
use roomwright_core::{
    AppState,
    auth::{ClientInfo, Role},
    catalog::{Product, product_keys},
    config::Config,
    http::finish,
};
pub use roomwright_devstack::TestStack;
use serde_json::{Value, json};
use tower::ServiceExt;
use utoipa_axum::router::OpenApiRouter;

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// The one signing key set of a test process: the test kit signs with it, and a harness that
/// mounts the auth routes gives them the same set, so both publish the same keys.
pub fn keys() -> KeySet {
    static KEYS: std::sync::OnceLock<KeySet> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| KeySet::generate().expect("a key set"))
        .clone()
}

/// Routes under test over their own stack.
pub struct App {
    pub router: Router,
    pub stack: TestStack,
    /// Signs the test users' access tokens with the key set the functions verify against.
    pub signer: Arc<Signer>,
}

/// A response: status, `ETag`, JSON body (null when not JSON), content type and the body's
/// bytes as sent.
pub struct Reply {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub content_type: String,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn etag(&self) -> &str {
        self.etag.as_deref().expect("an ETag")
    }
}

impl App {
    /// `routes` over a fresh stack, wrapped as every function wraps its router.
    pub async fn new(routes: OpenApiRouter<AppState>) -> Self {
        Self::configured(routes, |_| {}).await
    }

    /// [`App::new`], the configuration changed by `configure` first (limits, allow-lists).
    pub async fn configured(
        routes: OpenApiRouter<AppState>,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let mut stack = TestStack::new().await;
        let mut config = Config::clone(&stack.state.config);
        configure(&mut config);
        stack.state.config = Arc::new(config);
        Self::over(stack, routes)
    }

    /// `routes` over a stack made first (when the routes' context needs its queues or names).
    pub fn over(stack: TestStack, routes: OpenApiRouter<AppState>) -> Self {
        let (router, _) = routes.split_for_parts();
        Self {
            router: finish(router.with_state(stack.state.clone())),
            stack,
            signer: Arc::new(Signer::new(KeySource::Given(keys()))),
        }
    }

    pub fn state(&self) -> &AppState {
        &self.stack.state
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> =
            if_match.map(|tag| ("if-match", tag)).into_iter().collect();
        self.send_with(method, path, token, &headers, body).await
    }

    /// A request with extra headers (`Idempotency-Key`, say).
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let auth = format!("Bearer {token}");
        let mut all: Vec<(&str, &str)> = Vec::new();
        if !token.is_empty() {
            all.push(("authorization", &auth));
        }
        all.extend_from_slice(headers);
        let body = body.map(|json| ("application/json", json.to_string().into_bytes()));
        self.request(method, path, &all, body).await
    }

    /// A request whose body is `bytes` of `content_type` (a photo, say).
    pub async fn send_bytes(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let auth = format!("Bearer {token}");
        self.request(
            Method::POST,
            path,
            &[("authorization", &auth)],
            Some((content_type, bytes)),
        )
        .await
    }

    /// A request with exactly these headers and an optional body of a content type.
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
        self.call(request.body(body).unwrap()).await
    }

    /// Any request, as built.
    pub async fn call(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let etag = header("etag");
        let content_type = header("content-type").unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            etag,
            content_type,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, token, None, None).await
    }

    /// A user with `role` (password [`PASSWORD`]) signed in as login signs in: a new session,
    /// its refresh token and an access token. Returns the access token and the user id.
    pub async fn user(&self, email: &str, role: Role) -> (String, String) {
        let table = self.state().table();
        let user = users::provision(&table, email, "Test", role, PASSWORD)
            .await
            .unwrap()
            .expect("a new user");
        let (session, refresh) = sessions::start(
            &table,
            &user.id,
            &ClientInfo {
                source_ip: "127.0.0.1".into(),
                user_agent: "roomwright-testkit".into(),
            },
        )
        .await
        .unwrap();
        let tokens = tokens::respond(self.state(), &self.signer, &user, &session.id, refresh)
            .await
            .unwrap();
        (tokens.access_token, user.id)
    }

    /// Creates a project through `POST /v1/projects` (the projects routes must be mounted) and
    /// returns its id and ETag.
    pub async fn project(&self, token: &str, body: Value) -> (String, String) {
        let reply = self
            .send(Method::POST, "/v1/projects", token, None, Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        (
            reply.body["id"].as_str().unwrap().to_string(),
            reply.etag().to_string(),
        )
    }

    /// Stores `product` as the catalog function stores it.
    pub async fn put_product(&self, product: &Product) {
        self.state()
            .table()
            .create(&product_keys(product), product)
            .await
            .unwrap();
    }

    /// Signs in with email and password through `POST /v1/auth/login` (the auth routes must
    /// be mounted); the whole token response.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.send(
            Method::POST,
            "/v1/auth/login",
            "",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }
}
