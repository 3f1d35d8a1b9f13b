//! Bulk import routes: a file in the request body, or a larger one uploaded to S3 first.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Require, perm},
    http::parse_json,
    s3,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::products::{UPLOAD_TTL, presigned_put};
use crate::import::{self, Format, ImportReport};

const MAX_UPLOADED_BYTES: u64 = 20 * 1024 * 1024;

fn format_of(content_type: &str) -> Option<Format> {
    match content_type.split(';').next().unwrap_or("").trim() {
        "text/csv" => Some(Format::Csv),
        "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" => {
            Some(Format::JsonLines)
        }
        _ => None,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportFromUpload {
    /// The `key` of an import upload.
    pub source_key: String,
}

/// Imports products from CSV (`text/csv`) or JSON Lines (`application/x-ndjson`) in the body
/// (up to 1 MiB), or from an uploaded file (`application/json` `{"source_key"}`). Good rows are
/// created or updated by SKU; the report lists every rejected row with its reasons.
#[utoipa::path(
    post, path = "/v1/products/imports", tag = "catalog",
    request_body(content = String, description = "CSV or JSON Lines, or {\"source_key\"}", content_type = "text/csv"),
    security(("bearer" = ["products:write"])),
    responses((status = 200, body = ImportReport), (status = 413), (status = 415), (status = 422))
)]
pub async fn import_products(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ProductsWrite>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (format, bytes) = if content_type.starts_with("application/json") {
        let request: ImportFromUpload = parse_json(&body)?;
        let format = if request.source_key.ends_with(".csv") {
            Format::Csv
        } else {
            Format::JsonLines
        };
        if !request.source_key.starts_with("imports/") {
            return Err(ApiError::validation(vec![FieldError::new(
                "source_key",
                "foreign_key",
                "Use the key of an import upload.",
            )]));
        }
        let field = |code, message| {
            ApiError::validation(vec![FieldError::new("source_key", code, message)])
        };
        let bytes = s3::read(
            &state.aws,
            &state.config.bucket_name,
            &request.source_key,
            s3::Span::AtMost(MAX_UPLOADED_BYTES),
        )
        .await
        .map_err(|e| match e {
            s3::ReadError::TooLarge { .. } => field("too_large", "At most 20 MiB."),
            s3::ReadError::Failed(reason) => ApiError::internal(reason),
        })?
        .ok_or_else(|| field("not_uploaded", "Nothing was uploaded under this key."))?;
        (format, bytes.into())
    } else {
        let format = format_of(content_type).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported content type",
            )
            .with_detail(
                "Send text/csv, application/x-ndjson, or application/json with a source_key.",
            )
        })?;
        (format, body)
    };
    let rows = import::parse(format, &bytes)?;
    Ok(Json(import::run(&state.table(), rows).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportUploadRequest {
    /// `text/csv` or `application/x-ndjson`.
    pub content_type: String,
    pub size_bytes: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportUploadTicket {
    /// Pass as `source_key` to the import once uploaded.
    pub source_key: String,
    pub upload_url: String,
    pub method: &'static str,
    pub expires_in: u64,
}

/// A presigned URL for an import file larger than a request body (up to 20 MiB).
#[utoipa::path(
    post, path = "/v1/products/imports/uploads", tag = "catalog", request_body = ImportUploadRequest,
    security(("bearer" = ["products:write"])),
    responses((status = 201, body = ImportUploadTicket), (status = 422))
)]
pub async fn create_import_upload(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ProductsWrite>,
    roomwright_core::http::ApiJson(request): roomwright_core::http::ApiJson<ImportUploadRequest>,
) -> Result<(StatusCode, Json<ImportUploadTicket>), ApiError> {
    let extension = match format_of(&request.content_type) {
        Some(Format::Csv) => "csv",
        Some(Format::JsonLines) => "jsonl",
        None => {
            return Err(ApiError::validation(vec![FieldError::new(
                "content_type",
                "unsupported_type",
                "text/csv or application/x-ndjson.",
            )]));
        }
    };
    if request.size_bytes == 0 || request.size_bytes > MAX_UPLOADED_BYTES {
        return Err(ApiError::validation(vec![FieldError::new(
            "size_bytes",
            "out_of_range",
            "Between 1 byte and 20 MiB.",
        )]));
    }
    let key = format!("imports/{}.{extension}", uuid::Uuid::now_v7().simple());
    let upload_url = presigned_put(&state, &key, &request.content_type, request.size_bytes).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportUploadTicket {
            source_key: key,
            upload_url,
            method: "PUT",
            expires_in: UPLOAD_TTL.as_secs(),
        }),
    ))
}
