//! The role x route matrix, over every function's real routes as the OpenAPI document lists
//! them: each protected route refuses a missing token (401) and every role that lacks the
//! permission the route declares (403), and lets the other roles through.

mod common;

use common::spawn_app;
use roomwright_core::auth::{Permission, Role};
use serde_json::{Value, json};

/// Routes anyone may call. Every other route must declare `bearer` security.
const PUBLIC: &[&str] = &[
    "GET /v1/health",
    "GET /v1/openapi.json",
    // The API reference page and its script.
    "GET /docs",
    "GET /docs/{asset}",
    "GET /.well-known/openid-configuration",
    "GET /.well-known/jwks.json",
    "POST /v1/auth/signup",
    "POST /v1/auth/login",
    "POST /v1/auth/refresh",
    "POST /v1/auth/logout",
    // The emailed token is the key (and the answer is the same for any address).
    "POST /v1/auth/verify",
    "POST /v1/auth/password-reset",
    "POST /v1/auth/password-reset/confirm",
    // Signed by the ERP with the shared secret (HMAC), checked in the handler.
    "POST /v1/webhooks/erp",
    // A client's proposal page: the share link's unguessable token is the key.
    "GET /p/{token}",
    "POST /p/{token}/feedback",
    "GET /p/{token}/quote.pdf",
    "GET /p/assets/{asset}",
];

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn every_protected_route_refuses_roles_without_its_permission() {
    let (base, stack) = spawn_app().await;
    let client = reqwest::Client::new();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let email = format!("{}@matrix.example", role.as_str());
        roomwright_accounts::users::provision(
            &stack.state.table(),
            &email,
            "Matrix",
            role,
            PASSWORD,
        )
        .await
        .unwrap()
        .unwrap();
        let login: Value = client
            .post(format!("{base}/v1/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push((role, login["access_token"].as_str().unwrap().to_string()));
    }

    let document = serde_json::to_value(roomwright_local::openapi()).unwrap();
    let mut checked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let route = format!("{} {path}", method.to_uppercase());
            let Some(security) = operation.get("security").and_then(Value::as_array) else {
                assert!(
                    PUBLIC.contains(&route.as_str()),
                    "{route} declares no security and is not public"
                );
                continue;
            };
            let required: Vec<Permission> = security
                .iter()
                .flat_map(|s| s["bearer"].as_array().cloned().unwrap_or_default())
                .map(|p| {
                    Permission::parse(p.as_str().unwrap())
                        .unwrap_or_else(|| panic!("{route}: unknown permission {p}"))
                })
                .collect();
            let url = format!("{base}{}", path.replace('{', "matrix-").replace('}', ""));
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let send = |token: Option<&str>| {
                let mut request = client.request(method.clone(), &url).json(&json!({}));
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                request.send()
            };

            let anonymous = send(None).await.unwrap();
            assert_eq!(anonymous.status(), 401, "{route} without a token");

            for (role, token) in &tokens {
                let response = send(Some(token)).await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if required.iter().all(|p| role.has(*p)) {
                    assert!(
                        status != 401 && status != 403 && status != 500,
                        "{route} refused or failed {role:?}: {status} {body}"
                    );
                } else {
                    assert_eq!(
                        (status, body["code"].as_str()),
                        (403, Some("missing_permission")),
                        "{route} let {role:?} through"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 4 * 10,
        "the matrix covered {checked} role-route pairs"
    );
}
