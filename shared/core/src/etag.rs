//! Optimistic concurrency over HTTP: reads send `ETag: "<version>"`, writes must send it back
//! in `If-Match`. A missing precondition is 428, a stale one 412, and neither changes anything.

use axum::{extract::FromRequestParts, http::request::Parts};
use http::{HeaderValue, StatusCode, header};

use crate::problem::ApiError;

/// The `ETag` header value of a version.
pub fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header value")
}

/// The version a write was based on, from `If-Match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub u64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "If-Match is required",
            )
            .with_detail("Send the ETag of the version you read as If-Match."));
        };
        parse(value).map(IfMatch).ok_or_else(|| {
            ApiError::version_mismatch("If-Match must be one ETag this API returned, like \"3\".")
        })
    }
}

fn parse(value: &HeaderValue) -> Option<u64> {
    let text = value.to_str().ok()?.trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    text.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strong_and_weak_etags_only() {
        assert_eq!(parse(&etag(7)), Some(7));
        assert_eq!(parse(&HeaderValue::from_static("W/\"12\"")), Some(12));
        for bad in ["7", "*", "\"x\"", "\"1\", \"2\""] {
            assert_eq!(parse(&HeaderValue::from_static(bad)), None, "{bad}");
        }
    }
}
