//! Helpers shared by the auth tests: a stack, the real router, and requests as clients send them.

#![allow(dead_code)]

use std::net::SocketAddr;

use axum::{Router, body::Body, extract::ConnectInfo};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use roomwright_auth::{AuthContext, KeySet, KeySource};
use roomwright_core::auth::Role;
use roomwright_devstack::TestStack;
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct App {
    pub router: Router,
    pub stack: TestStack,
    pub keys: KeySet,
}

pub async fn app() -> App {
    let stack = TestStack::new().await;
    let keys = KeySet::generate().unwrap();
    let context = AuthContext::new(KeySource::Given(keys.clone()), Role::Designer);
    let router = roomwright_auth::app(stack.state.clone(), context);
    App {
        router,
        stack,
        keys,
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl App {
    /// Sends a request from `127.0.0.1` unless `ip` says otherwise.
    pub async fn send_from(
        &self,
        ip: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("user-agent", "auth-tests/1.0");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        let address: SocketAddr = format!("{ip}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(address));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send_from("127.0.0.1", method, path, token, body).await
    }

    /// Signs up (202: check your email) and signs in; returns the token response.
    pub async fn signup(&self, email: &str) -> Value {
        let reply = self
            .send(Method::POST, "/v1/auth/signup", None, Some(json!({"email": email, "password": PASSWORD, "name": "Test User", "company": "Acme"})))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
        assert_eq!(reply.body["status"], "check_your_email");
        let login = self.login(email, PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        login.body
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.send(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }

    /// An account with `role`, signed in; returns its access token and user id.
    pub async fn user_with_role(&self, email: &str, role: Role) -> (String, String) {
        let user = roomwright_accounts::users::provision(
            &self.stack.state.table(),
            email,
            "Role User",
            role,
            PASSWORD,
        )
        .await
        .unwrap()
        .unwrap();
        let reply = self.login(email, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        (
            reply.body["access_token"].as_str().unwrap().to_string(),
            user.id,
        )
    }
}

pub fn token(body: &Value) -> &str {
    body["access_token"].as_str().unwrap()
}

pub fn refresh_token(body: &Value) -> &str {
    body["refresh_token"].as_str().unwrap()
}
