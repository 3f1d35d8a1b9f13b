//! HTTP behaviour every function shares: JSON bodies and query strings that fail as problem
//! responses, a body size limit, and answers for unknown routes, wrong methods and panics.

use std::any::Any;

use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request},
    http::request::Parts,
    middleware,
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use http::{StatusCode, header};
use serde::de::DeserializeOwned;
use tower_http::catch_panic::CatchPanicLayer;

use crate::{
    problem::{ApiError, FieldError},
    telemetry,
};

/// Request bodies larger than this are refused with 413 before they are parsed.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Wraps a function's routes with what every API answers the same way. Apply once, to the
/// outermost router (merged routers must not each carry a fallback).
pub fn finish(router: Router) -> Router {
    router
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_to_problem))
        .layer(middleware::map_response(as_problem))
        .layer(middleware::from_fn(telemetry::request_context))
}

/// Errors that axum's own extractors answer in plain text (a raw body over the limit, a
/// missing header) become problem+json like every other error; other responses pass as they
/// are.
async fn as_problem(response: Response) -> Response {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable_request",
        s if s.is_server_error() => "internal_error",
        _ => "request_refused",
    };
    let detail = if status.is_server_error() || text.trim().is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    ApiError::new(status, code, status.canonical_reason().unwrap_or("Error"))
        .with_detail(detail)
        .into_response()
}

async fn route_not_found(request: Request) -> ApiError {
    ApiError::not_found(
        "route_not_found",
        format!("No route for {} {}", request.method(), request.uri().path()),
    )
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
    )
    .with_detail(format!(
        "{} is not allowed on {}",
        request.method(),
        request.uri().path()
    ))
}

/// The longest id a path may carry, in characters (at most 512 bytes: keys stay far below
/// DynamoDB's 1 KiB).
pub const MAX_PATH_PARAMETER: usize = 128;

/// Path parameters, refused as problem+json (`invalid_path_parameter` naming the parameter)
/// when they do not parse, as every other input is; axum's own `Path` answers text/plain.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::{path::ErrorKind, rejection::PathRejection};
        // Ids are short; a long one is refused before it reaches a key (DynamoDB refuses keys
        // over 1 KiB with an error of its own).
        if let Ok(raw) = axum::extract::RawPathParams::from_request_parts(parts, state).await
            && let Some((name, _)) = raw
                .iter()
                .find(|(_, v)| v.chars().count() > MAX_PATH_PARAMETER)
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_path_parameter",
                "A path parameter is not valid",
            )
            .with_errors(vec![FieldError::new(
                name,
                "too_long",
                format!("At most {MAX_PATH_PARAMETER} characters."),
            )]));
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                    ErrorKind::ParseErrorAtIndex { index, .. } => format!("path[{index}]"),
                    _ => "path".to_string(),
                };
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_path_parameter",
                    "A path parameter is not valid",
                )
                .with_errors(vec![FieldError::new(
                    field,
                    "invalid",
                    "This part of the path is not of the right form (a number, say).",
                )]))
            }
            Err(other) => Err(ApiError::bad_request(
                "invalid_path_parameter",
                other.body_text(),
            )),
        }
    }
}

fn panic_to_problem(_payload: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked").into_response()
}

/// A JSON request body, refused with a problem response when it is not JSON, too large,
/// malformed, or of the wrong shape (422 naming the field).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            )
            .with_detail("Send the body as application/json."));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "Request body too large",
                    )
                    .with_detail(format!(
                        "The body may be at most {DEFAULT_BODY_LIMIT} bytes."
                    ))
                } else {
                    ApiError::bad_request("unreadable_body", rejection.body_text())
                }
            })?;
        // Every request body is an object; serde would otherwise take a struct from an array.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError::validation(vec![FieldError::new(
                "",
                "invalid",
                "The body must be a JSON object.",
            )]));
        }
        parse_json(&bytes).map(ApiJson)
    }
}

fn is_json(headers: &http::HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    content_type.parse::<mime::Mime>().is_ok_and(|m| {
        m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
    })
}

/// Parses JSON, telling syntax errors (400) apart from shape errors (422 with the field path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        json_error(error.into_inner(), path)
    })?;
    // Trailing input after the value is a syntax error too.
    deserializer
        .end()
        .map_err(|e| json_error(e, String::new()))?;
    Ok(value)
}

fn json_error(inner: serde_json::Error, path: String) -> ApiError {
    match inner.classify() {
        serde_json::error::Category::Data => ApiError::validation(vec![FieldError::new(
            if path == "." { String::new() } else { path },
            "invalid",
            inner.to_string(),
        )]),
        _ => ApiError::bad_request(
            "malformed_json",
            format!(
                "The body is not valid JSON: {} at line {} column {}.",
                describe_syntax(&inner),
                inner.line(),
                inner.column()
            ),
        ),
    }
}

fn describe_syntax(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Eof => "it ends too early",
        _ => "unexpected input",
    }
}

/// Query parameters, refused with 400 `invalid_query` naming the parameter when they do not parse.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| {
                let path = error.path().to_string();
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "A query parameter is invalid",
                )
                .with_errors(vec![FieldError::new(
                    path,
                    "invalid",
                    error.into_inner().to_string(),
                )])
            })
    }
}

/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;
const MAX_KEY: usize = MAX_IDEMPOTENCY_KEY;

/// The `Idempotency-Key` header, when sent.
pub fn idempotency_key(headers: &http::HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(value) => match value.to_str() {
            Ok(key)
                if !key.trim().is_empty()
                    && key.len() <= MAX_KEY
                    && key.bytes().all(|b| (b' '..=b'~').contains(&b)) =>
            {
                Ok(Some(key.to_string()))
            }
            _ => Err(ApiError::bad_request(
                "invalid_idempotency_key",
                format!("Idempotency-Key is 1 to {MAX_KEY} visible ASCII characters."),
            )),
        },
    }
}

/// A drawing as an answer: SVG or PNG, never cached (drawings follow the project).
pub enum Drawing {
    Svg(String),
    Png(Vec<u8>),
}

impl IntoResponse for Drawing {
    fn into_response(self) -> Response {
        let (content_type, body) = match self {
            Drawing::Svg(svg) => ("image/svg+xml", axum::body::Body::from(svg)),
            Drawing::Png(png) => ("image/png", axum::body::Body::from(png)),
        };
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Room {
        name: String,
        area: u32,
    }

    #[test]
    fn syntax_errors_are_400_and_shape_errors_name_the_field() {
        let err = parse_json::<Room>(b"{\"name\": ").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.code, "malformed_json");

        let err = parse_json::<Vec<Room>>(br#"[{"name":"a","area":1},{"name":"b","area":"x"}]"#)
            .unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.errors[0].path, "[1].area");

        let err = parse_json::<Room>(br#"{"name":"a","area":1} trailing"#).unwrap_err();
        assert_eq!(err.code, "malformed_json");
    }

    #[test]
    fn accepts_json_and_json_suffix_media_types_only() {
        let mut headers = http::HeaderMap::new();
        assert!(!is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/merge-patch+json".parse().unwrap(),
        );
        assert!(is_json(&headers));
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(!is_json(&headers));
    }
}

/// Struct-valued fields taken only from a JSON object: serde also builds a struct from an
/// array of its fields' values (`[null, null]`), which no client means and the document does
/// not allow. `#[serde(deserialize_with = "object::required")]`, or `object::optional` for an
/// `Option` (null is none). Works on any self-describing format (JSON bodies, stored items).
pub mod object {
    use std::marker::PhantomData;

    use serde::de::{
        self, Deserialize, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer,
    };

    struct ObjectOnly<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOnly<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map))
        }
    }

    struct OptionalObject<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionalObject<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object or null")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            required(d).map(Some)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(Some)
        }
    }

    pub fn required<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
        d.deserialize_any(ObjectOnly(PhantomData))
    }

    pub fn optional<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        d.deserialize_any(OptionalObject(PhantomData))
    }

    #[cfg(test)]
    mod tests {
        use serde::Deserialize;

        #[derive(Debug, Default, PartialEq, Deserialize)]
        struct Targets {
            #[serde(default)]
            pct: Option<f64>,
        }

        #[derive(Debug, PartialEq, Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "super::optional")]
            maybe: Option<Targets>,
            #[serde(default, deserialize_with = "super::required")]
            always: Targets,
        }

        #[test]
        fn objects_are_taken_and_arrays_refused() {
            let body: Body =
                serde_json::from_str(r#"{"maybe": {"pct": 30}, "always": {}}"#).unwrap();
            assert_eq!(body.maybe, Some(Targets { pct: Some(30.0) }));
            let body: Body = serde_json::from_str(r#"{"maybe": null}"#).unwrap();
            assert_eq!(body.maybe, None);
            for refused in [
                r#"{"maybe": [null]}"#,
                r#"{"always": [null]}"#,
                r#"{"maybe": 3}"#,
            ] {
                assert!(serde_json::from_str::<Body>(refused).is_err(), "{refused}");
            }
            // Without the attribute serde takes the array.
            assert!(serde_json::from_str::<Targets>("[null]").is_ok());
        }
    }
}

/// The body of an operation that takes none: anything sent is refused (400 `unexpected_body`),
/// so a client that meant to send something learns it was not read.
pub struct NoBody;

impl<S: Send + Sync> FromRequest<S> for NoBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|_| {
            ApiError::bad_request("unexpected_body", "This operation takes no body.")
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(NoBody)
        } else {
            Err(ApiError::bad_request(
                "unexpected_body",
                "This operation takes no body.",
            ))
        }
    }
}
