//! One product: read, create, replace (If-Match), retire, and presigned uploads of its images
//! and 3D model.

use std::time::Duration;

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Require, perm},
    catalog::Product,
    etag::{IfMatch, etag},
    http::ApiJson,
    time,
};
use roomwright_jobs::product_images;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    CatalogContext,
    input::{ProductInput, is_valid_id},
};
use roomwright_catalog::store::{self, Write, WriteError, WriteRefused};

fn with_etag(version: u64, product: Product) -> (HeaderMap, Json<Product>) {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag(version));
    (headers, Json(product))
}

pub async fn load(
    state: &AppState,
    id: &str,
) -> Result<roomwright_core::dynamo::Versioned<Product>, ApiError> {
    store::get(&state.table(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("product_not_found", format!("No product {id}.")))
}

/// A product by id, with its ETag.
#[utoipa::path(
    get, path = "/v1/products/{id}", tag = "catalog", params(("id" = String, Path)),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = Product), (status = 404))
)]
pub async fn get_product(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ProductsRead>,
    Path(id): Path<String>,
) -> Result<(HeaderMap, Json<Product>), ApiError> {
    let product = load(&state, &id).await?;
    Ok(with_etag(product.version, product.value))
}

/// Creates a product; its SKU must be unused.
#[utoipa::path(
    post, path = "/v1/products", tag = "catalog", request_body = ProductInput,
    security(("bearer" = ["products:write"])),
    responses((status = 201, body = Product), (status = 409), (status = 422))
)]
pub async fn create_product(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(_caller, _): Require<perm::ProductsWrite>,
    ApiJson(input): ApiJson<ProductInput>,
) -> Result<(StatusCode, HeaderMap, Json<Product>), ApiError> {
    let id = match &input.id {
        Some(id) if !is_valid_id(id) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "id",
                "invalid_id",
                "1 to 64 letters, digits, '-' or '_'.",
            )]));
        }
        Some(id) => id.clone(),
        None => format!("p-{}", uuid::Uuid::now_v7().simple()),
    };
    let product = input
        .validate(id, "")
        .map_err(|e| e.finish().unwrap_err())?;
    let version = store::write_one(
        &state.table(),
        Write {
            product: &product,
            expected: None,
            old_sku: None,
        },
    )
    .await
    .map_err(|e| match e {
        WriteError::Refused(WriteRefused::Stale) => ApiError::conflict(
            "product_exists",
            format!("A product {} exists.", product.id),
        ),
        other => write_problem(other),
    })?;
    if catalog.images.is_some() {
        product_images::submit_for(&state, &product).await;
    }
    let (headers, body) = with_etag(version, product);
    Ok((StatusCode::CREATED, headers, body))
}

/// Replaces a product's description; stock and prices from the ERP keep their as-of times.
#[utoipa::path(
    put, path = "/v1/products/{id}", tag = "catalog", request_body = ProductInput,
    params(("id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["products:write"])),
    responses((status = 200, body = Product), (status = 404), (status = 409), (status = 412), (status = 422), (status = 428))
)]
pub async fn replace_product(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(_caller, _): Require<perm::ProductsWrite>,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    ApiJson(input): ApiJson<ProductInput>,
) -> Result<(HeaderMap, Json<Product>), ApiError> {
    if input.id.as_ref().is_some_and(|given| *given != id) {
        return Err(ApiError::validation(vec![FieldError::new(
            "id",
            "id_mismatch",
            "The id in the body differs from the path.",
        )]));
    }
    let current = load(&state, &id).await?;
    if current.version != expected {
        return Err(ApiError::version_mismatch(
            "The product changed since you read it; read it again and retry.",
        ));
    }
    let mut product = input
        .validate(id, "")
        .map_err(|e| e.finish().unwrap_err())?;
    product.status = current.value.status.clone();
    product.stock_as_of = current.value.stock_as_of.clone();
    product.price_as_of = current.value.price_as_of.clone();
    let version = store::write_one(
        &state.table(),
        Write {
            product: &product,
            expected: Some(expected),
            old_sku: Some(&current.value.sku),
        },
    )
    .await
    .map_err(write_problem)?;
    if catalog.images.is_some() && product.images.first() != current.value.images.first() {
        product_images::submit_for(&state, &product).await;
    }
    Ok(with_etag(version, product))
}

/// Retires a product: it leaves search and recommendations, but projects and quotes that
/// name it keep working.
#[utoipa::path(
    post, path = "/v1/products/{id}/retire", tag = "catalog",
    params(("id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["products:write"])),
    responses((status = 200, body = Product), (status = 404), (status = 412), (status = 428))
)]
pub async fn retire_product(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ProductsWrite>,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
) -> Result<(HeaderMap, Json<Product>), ApiError> {
    let current = load(&state, &id).await?;
    let mut product = current.value;
    if product.status == "retired" {
        return Ok(with_etag(current.version, product));
    }
    product.status = "retired".into();
    product.updated_at = Some(time::sortable(time::now()));
    let version = store::write_one(
        &state.table(),
        Write {
            product: &product,
            expected: Some(expected),
            old_sku: None,
        },
    )
    .await
    .map_err(write_problem)?;
    Ok(with_etag(version, product))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    Image,
    Model,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub kind: UploadKind,
    /// `image/jpeg`, `image/png` or `image/webp` for images; `model/gltf-binary` for models.
    pub content_type: String,
    /// Exact size of the file in bytes; the URL accepts only this size.
    pub size_bytes: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadTicket {
    /// S3 key the file will have; add it to the product's `images` or `model_key`.
    pub key: String,
    /// Presigned PUT; send the same `Content-Type` and `Content-Length`.
    pub upload_url: String,
    pub method: &'static str,
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_in: u64,
}

pub(super) const UPLOAD_TTL: Duration = Duration::from_secs(15 * 60);

/// A presigned PUT bound to the file's content type and size.
pub(super) async fn presigned_put(
    state: &AppState,
    key: &str,
    content_type: &str,
    size_bytes: u64,
) -> Result<String, ApiError> {
    roomwright_core::s3::presigned_put(
        &state.aws,
        &state.config.bucket_name,
        key,
        content_type,
        size_bytes,
        UPLOAD_TTL,
    )
    .await
    .map_err(ApiError::internal)
}
const MAX_IMAGE_BYTES: u64 = 10 * 1024 * 1024;
const MAX_MODEL_BYTES: u64 = 50 * 1024 * 1024;

/// A presigned URL to upload an image or GLB model of a product, bound to its content type
/// and size.
#[utoipa::path(
    post, path = "/v1/products/{id}/uploads", tag = "catalog", request_body = UploadRequest,
    params(("id" = String, Path)), security(("bearer" = ["products:write"])),
    responses((status = 201, body = UploadTicket), (status = 404), (status = 422))
)]
pub async fn create_product_upload(
    State(state): State<AppState>,
    Require(_caller, _): Require<perm::ProductsWrite>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UploadRequest>,
) -> Result<(StatusCode, Json<UploadTicket>), ApiError> {
    load(&state, &id).await?;
    let (extension, limit) = match (request.kind, request.content_type.as_str()) {
        (UploadKind::Image, "image/jpeg") => ("jpg", MAX_IMAGE_BYTES),
        (UploadKind::Image, "image/png") => ("png", MAX_IMAGE_BYTES),
        (UploadKind::Image, "image/webp") => ("webp", MAX_IMAGE_BYTES),
        (UploadKind::Model, "model/gltf-binary") => ("glb", MAX_MODEL_BYTES),
        _ => {
            return Err(ApiError::validation(vec![FieldError::new(
                "content_type",
                "unsupported_type",
                "Images: image/jpeg, image/png, image/webp. Models: model/gltf-binary.",
            )]));
        }
    };
    if request.size_bytes == 0 || request.size_bytes > limit {
        return Err(ApiError::validation(vec![FieldError::new(
            "size_bytes",
            "out_of_range",
            format!("Between 1 and {limit} bytes."),
        )]));
    }
    let folder = match request.kind {
        UploadKind::Image => "images",
        UploadKind::Model => "models",
    };
    let key = format!(
        "products/{id}/{folder}/{}.{extension}",
        uuid::Uuid::now_v7().simple()
    );
    let upload_url = presigned_put(&state, &key, &request.content_type, request.size_bytes).await?;
    let headers = [
        ("content-type".to_string(), request.content_type.clone()),
        ("content-length".to_string(), request.size_bytes.to_string()),
    ]
    .into();
    Ok((
        StatusCode::CREATED,
        Json(UploadTicket {
            key,
            upload_url,
            method: "PUT",
            headers,
            expires_in: UPLOAD_TTL.as_secs(),
        }),
    ))
}

/// A product write that did not happen, as the problem the client gets.
fn write_problem(error: WriteError) -> ApiError {
    match error {
        WriteError::Refused(WriteRefused::SkuTaken) => {
            ApiError::conflict("sku_taken", "Another product has this SKU.").with_errors(vec![
                FieldError::new("sku", "sku_taken", "Another product has this SKU."),
            ])
        }
        WriteError::Refused(WriteRefused::Stale) => ApiError::version_mismatch(
            "The product changed since you read it; read it again and retry.",
        ),
        WriteError::Store(e) => e.into(),
    }
}
