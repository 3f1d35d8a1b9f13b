//! `POST /v1/chat/uploads`: a presigned PUT for a room photo or sketch to show the assistant.

use std::{collections::BTreeMap, time::Duration};

use axum::{Extension, Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Require, perm},
    http::ApiJson,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ChatContext, conversation::ImageFormat};

const UPLOAD_TTL: Duration = Duration::from_secs(15 * 60);

/// Where a user's chat images live: only their own may be attached to their messages.
pub fn prefix(user_id: &str) -> String {
    format!("chat-uploads/{user_id}/")
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageUpload {
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Exact size in bytes; the URL accepts only this size.
    pub size_bytes: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImageTicket {
    /// Put this key in a message's `images`.
    pub key: String,
    pub upload_url: String,
    pub method: &'static str,
    pub headers: BTreeMap<String, String>,
    pub expires_in: u64,
}

/// A presigned upload for an image to attach to a message (bound to its type and size).
#[utoipa::path(
    post, path = "/v1/chat/uploads", tag = "chat", request_body = ImageUpload,
    security(("bearer" = ["products:read"])),
    responses((status = 201, body = ImageTicket), (status = 422))
)]
pub async fn create_chat_upload(
    State(state): State<AppState>,
    Extension(chat): Extension<ChatContext>,
    Require(caller, _): Require<perm::ProductsRead>,
    ApiJson(request): ApiJson<ImageUpload>,
) -> Result<(StatusCode, Json<ImageTicket>), ApiError> {
    let mut errors = Vec::new();
    let format = ImageFormat::from_content_type(&request.content_type);
    if format.is_none() {
        errors.push(FieldError::new(
            "content_type",
            "unsupported_image",
            "Images are image/jpeg, image/png or image/webp.",
        ));
    }
    let limit = chat.settings.max_image_bytes;
    if request.size_bytes == 0 || request.size_bytes > limit {
        errors.push(FieldError::new(
            "size_bytes",
            "out_of_range",
            format!("Images are 1 to {limit} bytes."),
        ));
    }
    let Some(format) = format.filter(|_| errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let extension = match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
        ImageFormat::Webp => "webp",
    };
    let key = format!(
        "{}{}.{extension}",
        prefix(&caller.user_id),
        uuid::Uuid::now_v7().simple()
    );
    let upload_url = roomwright_core::s3::presigned_put(
        &state.aws,
        &state.config.bucket_name,
        &key,
        &request.content_type,
        request.size_bytes,
        UPLOAD_TTL,
    )
    .await
    .map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(ImageTicket {
            key,
            upload_url,
            method: "PUT",
            headers: BTreeMap::from([
                ("content-type".to_string(), request.content_type.clone()),
                ("content-length".to_string(), request.size_bytes.to_string()),
            ]),
            expires_in: UPLOAD_TTL.as_secs(),
        }),
    ))
}
