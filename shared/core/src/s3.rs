//! The few S3 calls every part makes, with errors as text a log or a problem can carry.

use std::time::Duration;

use aws_sdk_s3::{
    error::DisplayErrorContext, presigning::PresigningConfig, primitives::ByteStream,
};

use crate::aws::Aws;

/// How much of an object [`read`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    All,
    /// The whole object, refused (before its body is read) when larger than this many bytes.
    AtMost(u64),
    /// Its first bytes only (a ranged GET).
    First(u64),
}

/// Why [`read`] returned no bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Larger than [`Span::AtMost`] allowed.
    TooLarge {
        bytes: u64,
    },
    Failed(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge { bytes } => write!(f, "object of {bytes} bytes is too large"),
            ReadError::Failed(reason) => f.write_str(reason),
        }
    }
}

/// The one S3 read: an object's bytes (or the `span` of them); `Ok(None)` when there is no
/// such key.
pub async fn read(
    aws: &Aws,
    bucket: &str,
    key: &str,
    span: Span,
) -> Result<Option<Vec<u8>>, ReadError> {
    let failed = |e: String| ReadError::Failed(format!("reading s3://{bucket}/{key}: {e}"));
    let request = aws.s3().await.get_object().bucket(bucket).key(key);
    let request = match span {
        Span::First(n) => request.range(format!("bytes=0-{}", n.saturating_sub(1))),
        Span::All | Span::AtMost(_) => request,
    };
    let object = match request.send().await {
        Ok(object) => object,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
        Err(e) => return Err(failed(DisplayErrorContext(e).to_string())),
    };
    if let Span::AtMost(limit) = span {
        let bytes = object.content_length().unwrap_or(0).max(0) as u64;
        if bytes > limit {
            return Err(ReadError::TooLarge { bytes });
        }
    }
    let bytes = object
        .body
        .collect()
        .await
        .map_err(|e| failed(e.to_string()))?;
    Ok(Some(bytes.into_bytes().to_vec()))
}

/// An object's bytes; `Ok(None)` when there is no such key.
pub async fn get_bytes(aws: &Aws, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
    read(aws, bucket, key, Span::All)
        .await
        .map_err(|e| e.to_string())
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
