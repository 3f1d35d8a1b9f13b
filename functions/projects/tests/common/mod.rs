//! Shared by the projects tests (and the jobs tests, which include this file): the auth and
//! projects routers over one stack, users of each role signed in, catalog products written as
//! the catalog function stores them.

#![allow(dead_code)]

use axum::{Router, body::Body};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use roomwright_auth::{AuthContext, KeySet, KeySource};
use roomwright_core::{
    auth::Role,
    catalog::{Dimensions, PRODUCT_SK, PriceBreak, Product, Stock, Sustainability, product_pk},
    dynamo::Keys,
    http::finish,
    money::Money,
};
use roomwright_devstack::TestStack;
use serde_json::{Value, json};
use tower::ServiceExt;
use utoipa_axum::router::OpenApiRouter;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct App {
    pub router: Router,
    pub stack: TestStack,
}

pub struct Reply {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub body: Value,
}

impl Reply {
    pub fn etag(&self) -> &str {
        self.etag.as_deref().expect("an ETag")
    }
}

pub async fn app() -> App {
    app_with(OpenApiRouter::new()).await
}

/// The auth, projects and exports routers plus `extra` (another function's routes).
pub async fn app_with(extra: OpenApiRouter<roomwright_core::AppState>) -> App {
    app_configured(extra, |_| {}).await
}

/// [`app_with`], its configuration changed by `configure` first (limits, allow-lists).
pub async fn app_configured(
    extra: OpenApiRouter<roomwright_core::AppState>,
    configure: impl FnOnce(&mut roomwright_core::config::Config),
) -> App {
    let mut stack = TestStack::new().await;
    let mut config = roomwright_core::config::Config::clone(&stack.state.config);
    configure(&mut config);
    stack.state.config = std::sync::Arc::new(config);
    let context = AuthContext::new(
        KeySource::Given(KeySet::generate().unwrap()),
        Role::Designer,
    );
    let (router, _) = OpenApiRouter::new()
        .merge(roomwright_auth::routes(context))
        .merge(roomwright_projects::routes())
        .merge(roomwright_exports::routes())
        .merge(extra)
        .split_for_parts();
    App {
        router: finish(router.with_state(stack.state.clone())),
        stack,
    }
}

impl App {
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
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = body.map_or_else(Body::empty, |json| Body::from(json.to_string()));
        self.call(request.body(body).unwrap()).await
    }

    /// A request whose body is `bytes` of `content_type` (a photo, say).
    pub async fn send_bytes(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(bytes))
            .unwrap();
        self.call(request).await
    }

    async fn call(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let etag = response
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            etag,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
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
        let request = Request::post("/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"email": email, "password": PASSWORD}).to_string(),
            ))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        (body["access_token"].as_str().unwrap().to_string(), user.id)
    }

    /// Creates a project and returns its id and ETag.
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

    pub async fn put_product(&self, product: &Product) {
        self.stack
            .state
            .table()
            .create(&Keys::new(product_pk(&product.id), PRODUCT_SK), product)
            .await
            .unwrap();
    }
}

/// A product priced in EUR with the given list and dealer prices (minor units).
pub fn product(id: &str, list: i64, dealer: i64, size_mm: (u32, u32)) -> Product {
    Product {
        id: id.into(),
        sku: format!("SKU-{id}"),
        name: format!("Product {id}"),
        description: String::new(),
        brand: "Nordform".into(),
        category: vec!["Desks".into()],
        dimensions: Dimensions {
            width_mm: size_mm.0,
            depth_mm: size_mm.1,
            height_mm: 740,
            weight_kg: 20.0,
        },
        list_price: Money::new(list, "EUR"),
        dealer_price_minor: dealer,
        price_breaks: vec![],
        finishes: vec!["oak".into(), "white".into()],
        images: vec![format!("products/{id}/main.jpg")],
        sustainability: Sustainability {
            embodied_carbon_kg: 50.0,
            recycled_content_pct: 40.0,
        },
        stock: Stock {
            on_hand: 10,
            available: 8,
            lead_time_days: 14,
            next_available: None,
        },
        status: "active".into(),
        model_key: None,
        materials: vec![],
        certifications: vec![],
        stock_as_of: None,
        price_as_of: None,
        updated_at: None,
    }
}

pub fn with_breaks(mut p: Product, breaks: &[(u32, i64)]) -> Product {
    p.price_breaks = breaks
        .iter()
        .map(|&(min_quantity, dealer_price_minor)| PriceBreak {
            min_quantity,
            dealer_price_minor,
        })
        .collect();
    p
}
