//! The Bedrock Runtime client the chat, style analysis and image embeddings share, how its
//! errors read to a caller, and JSON <-> the SDK's document type (tool schemas and inputs).

use std::sync::Arc;

use aws_sdk_bedrockruntime::{
    Client,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
};
use aws_smithy_types::{Document, Number};
use http::StatusCode;
use roomwright_core::{ApiError, aws::Aws};
use serde_json::Value;
use tokio::sync::OnceCell;

/// The Bedrock Runtime client, built on first use from the shared SDK configuration (so a
/// cold start that calls no model never pays for it), or given whole (tests).
pub struct BedrockClient {
    aws: Option<Arc<Aws>>,
    region: Option<String>,
    client: OnceCell<Client>,
}

impl BedrockClient {
    /// `region` overrides the function's own, for models offered only in some regions.
    pub fn lazy(aws: Arc<Aws>, region: Option<String>) -> Self {
        Self {
            aws: Some(aws),
            region,
            client: OnceCell::new(),
        }
    }

    pub fn given(client: Client) -> Self {
        Self {
            aws: None,
            region: None,
            client: OnceCell::new_with(Some(client)),
        }
    }

    pub async fn get(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let aws = self
                    .aws
                    .as_ref()
                    .expect("a lazy client has its configuration");
                let mut config =
                    aws_sdk_bedrockruntime::config::Builder::from(aws.sdk_config().await);
                if let Some(region) = &self.region {
                    config =
                        config.region(aws_sdk_bedrockruntime::config::Region::new(region.clone()));
                }
                Client::from_conf(config.build())
            })
            .await
    }
}

/// What went wrong calling a model, sorted by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Bedrock's per-account quota: the caller should come back later.
    #[error("the model is throttled: {0}")]
    Throttled(String),
    /// The model is loading or Bedrock is unavailable for a moment.
    #[error("the model is unavailable: {0}")]
    Unavailable(String),
    /// The model failed or timed out answering.
    #[error("the model failed: {0}")]
    Failed(String),
    /// Bedrock refused the request (access to the model not granted, an invalid request).
    #[error("the model refused the request: {0}")]
    Refused(String),
}

/// Sorts Bedrock's errors by what the caller can do about them.
pub fn model_error<E, R>(error: SdkError<E, R>) -> ModelError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let text = DisplayErrorContext(&error).to_string();
    let code = error
        .as_service_error()
        .and_then(|e| e.code())
        .map(str::to_owned);
    match code.as_deref() {
        Some("ThrottlingException" | "ServiceQuotaExceededException") => {
            ModelError::Throttled(text)
        }
        Some("ServiceUnavailableException" | "ModelNotReadyException") => {
            ModelError::Unavailable(text)
        }
        Some(
            "ModelErrorException"
            | "ModelTimeoutException"
            | "ModelStreamErrorException"
            | "InternalServerException",
        ) => ModelError::Failed(text),
        Some(_) => ModelError::Refused(text),
        // No answer from Bedrock at all (connection, timeout).
        None => ModelError::Unavailable(text),
    }
}

/// The problem response for a model error: nothing was stored, and whether to retry.
pub fn problem(error: ModelError) -> ApiError {
    match error {
        ModelError::Throttled(detail) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "model_throttled",
            "The model is busy",
        )
        .with_detail(format!(
            "Amazon Bedrock is throttling this deployment; try again shortly. ({detail})"
        ))
        .with_retry_after(10),
        ModelError::Unavailable(detail) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "model_unavailable",
            "The model is unavailable",
        )
        .with_detail(format!("Try again in a moment. ({detail})"))
        .with_retry_after(5),
        ModelError::Failed(detail) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "model_error",
            "The model failed to answer",
        )
        .with_detail(format!("Nothing was stored; try again. ({detail})")),
        ModelError::Refused(detail) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "model_refused",
            "The model refused the request",
        )
        .with_detail(detail),
    }
}

/// JSON as the SDK's document type (tool schemas).
pub fn document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or_default())
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(document).collect()),
        Value::Object(map) => {
            Document::Object(map.iter().map(|(k, v)| (k.clone(), document(v))).collect())
        }
    }
}

/// The SDK's document type back to JSON.
pub fn json(document: &Document) -> Value {
    match document {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => Value::from(*f),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(json).collect()),
        Document::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip_json() {
        let value = serde_json::json!({"a": [1, -2, 2.5, "x", null, true], "b": {"c": {}}});
        assert_eq!(json(&document(&value)), value);
    }
}
