//! The few S3 calls every part makes, with errors as text a log or a problem can carry.

use std::time::Duration;

use aws_sdk_s3::{
    error::DisplayErrorContext, presigning::PresigningConfig, primitives::ByteStream,
};

use crate::aws::Aws;

/// An object's bytes; `Ok(None)` when there is no such key.
pub async fn get_bytes(aws: &Aws, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
    let result = aws
        .s3()
        .await
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await;
    let object = match result {
        Ok(object) => object,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
        Err(e) => {
            return Err(format!(
                "reading s3://{bucket}/{key}: {}",
                DisplayErrorContext(e)
            ));
        }
    };
    let bytes = object
        .body
        .collect()
        .await
        .map_err(|e| format!("reading s3://{bucket}/{key}: {e}"))?;
    Ok(Some(bytes.into_bytes().to_vec()))
}

pub async fn put_bytes(
    aws: &Aws,
    bucket: &str,
    key: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Result<(), String> {
    aws.s3()
        .await
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("writing s3://{bucket}/{key}: {}", DisplayErrorContext(e)))
}

/// A presigned GET. Mint it when a client asks: a URL signed with a Lambda role's session
/// credentials dies with them, whatever its own expiry says.
pub async fn presigned_get(
    aws: &Aws,
    bucket: &str,
    key: &str,
    ttl: Duration,
) -> Result<String, String> {
    let config = PresigningConfig::expires_in(ttl).map_err(|e| e.to_string())?;
    aws.s3()
        .await
        .get_object()
        .bucket(bucket)
        .key(key)
        .presigned(config)
        .await
        .map(|request| request.uri().to_string())
        .map_err(|e| format!("presigning s3://{bucket}/{key}: {}", DisplayErrorContext(e)))
}

/// A presigned PUT to `key` that S3 accepts only with this content type and exact size (both
/// are signed headers), so a client cannot upload something else under a ticket.
pub async fn presigned_put(
    aws: &Aws,
    bucket: &str,
    key: &str,
    content_type: &str,
    size_bytes: u64,
    ttl: Duration,
) -> Result<String, String> {
    let config = PresigningConfig::expires_in(ttl).map_err(|e| e.to_string())?;
    aws.s3()
        .await
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .content_length(size_bytes as i64)
        .presigned(config)
        .await
        .map(|request| request.uri().to_string())
        .map_err(|e| format!("presigning s3://{bucket}/{key}: {}", DisplayErrorContext(e)))
}
