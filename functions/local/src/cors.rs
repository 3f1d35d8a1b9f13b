//! CORS for browser apps on the local runner, as the HTTP API does it in AWS: the methods,
//! headers and max age come from `template.yaml`'s `HttpApi` `CorsConfiguration` (one source),
//! the allowed origins from the `CORS_ALLOWED_ORIGINS` setting (comma-separated; `*` for any),
//! else the template's `CorsAllowedOrigin` default.

use http::{HeaderName, HeaderValue, Method};
use roomwright_devstack::template::{Template, scalar};
use serde_json::Value;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The layer for `origins` (the setting) over the template's CORS configuration.
pub fn layer(template: &Template, origins: Option<&str>) -> Result<CorsLayer, String> {
    let api = template
        .resources_of("AWS::Serverless::HttpApi")
        .next()
        .ok_or("the template has no HttpApi")?;
    let config = &api.properties["CorsConfiguration"];
    let list = |name: &str| -> Vec<String> {
        config[name]
            .as_array()
            .map(|items| items.iter().filter_map(scalar).collect())
            .unwrap_or_default()
    };
    let origins: Vec<String> = match origins.map(str::trim).filter(|o| !o.is_empty()) {
        Some(setting) => setting.split(',').map(|o| o.trim().to_string()).collect(),
        None => match config["AllowOrigins"].as_array().and_then(|a| a.first()) {
            Some(Value::Object(reference)) => reference
                .get("Ref")
                .and_then(Value::as_str)
                .and_then(|parameter| template.parameters.get(parameter))
                .cloned()
                .into_iter()
                .collect(),
            _ => list("AllowOrigins"),
        },
    };
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .map(|o| HeaderValue::from_str(o).map_err(|_| format!("origin {o:?}")))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    let methods = list("AllowMethods")
        .iter()
        .map(|m| Method::from_bytes(m.as_bytes()).map_err(|_| format!("method {m:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let headers = |name: &str| {
        list(name)
            .iter()
            .map(|h| HeaderName::from_bytes(h.as_bytes()).map_err(|_| format!("header {h:?}")))
            .collect::<Result<Vec<_>, _>>()
    };
    let max_age = config["MaxAge"].as_u64().unwrap_or(0);
    Ok(CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods(methods)
        .allow_headers(headers("AllowHeaders")?)
        .expose_headers(headers("ExposeHeaders")?)
        .max_age(std::time::Duration::from_secs(max_age)))
}
