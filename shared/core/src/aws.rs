//! AWS SDK clients, built once per cold start and only when a request first needs them.
//!
//! Loading the shared SDK configuration and building a client is the largest part of a naive
//! function's init. Building them lazily keeps init close to a bare `lambda_http` binary;
//! [`Aws::warm_up`] starts the configuration load in the background. The API functions do not
//! call it: a background load competes with init for the sandbox's CPU (a fraction of a vCPU
//! at the memory sizes the template gives), and was measured to widen their cold start (p90 up
//! to twice the median); the queue and event consumers, which always call AWS, do.

use aws_config::{BehaviorVersion, SdkConfig};
use tokio::sync::OnceCell;

/// Where the shared SDK configuration comes from.
enum Source {
    /// The standard chain (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL[_<SERVICE>]`, profiles).
    Environment { endpoint_override: bool },
    /// A configuration given whole, as tests and the local runner do.
    Given,
}

/// Lazily built SDK clients sharing one configuration.
pub struct Aws {
    source: Source,
    sdk: OnceCell<SdkConfig>,
    dynamodb: OnceCell<aws_sdk_dynamodb::Client>,
    s3: OnceCell<aws_sdk_s3::Client>,
    sqs: OnceCell<aws_sdk_sqs::Client>,
    batch: OnceCell<aws_sdk_batch::Client>,
}

impl Aws {
    /// Clients configured from the process environment, as in Lambda.
    pub fn from_env() -> Self {
        let endpoint_override = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"]
            .iter()
            .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()));
        Self::new(Source::Environment { endpoint_override }, OnceCell::new())
    }

    /// Clients sharing a configuration built by the caller.
    pub fn from_sdk_config(sdk: SdkConfig) -> Self {
        Self::new(Source::Given, OnceCell::new_with(Some(sdk)))
    }

    fn new(source: Source, sdk: OnceCell<SdkConfig>) -> Self {
        Self {
            source,
            sdk,
            dynamodb: OnceCell::new(),
            s3: OnceCell::new(),
            sqs: OnceCell::new(),
            batch: OnceCell::new(),
        }
    }

    /// Starts loading the SDK configuration without waiting for it.
    pub fn warm_up(self: &std::sync::Arc<Self>) {
        let aws = self.clone();
        tokio::spawn(async move {
            aws.sdk_config().await;
        });
    }

    /// The shared SDK configuration.
    pub async fn sdk_config(&self) -> &SdkConfig {
        self.sdk
            .get_or_init(|| aws_config::defaults(BehaviorVersion::latest()).load())
            .await
    }

    pub async fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        let sdk = self.sdk_config().await;
        self.dynamodb
            .get_or_init(|| async { aws_sdk_dynamodb::Client::new(sdk) })
            .await
    }

    /// S3 uses path-style addressing whenever an endpoint is overridden: local servers do not
    /// resolve bucket subdomains.
    pub async fn s3(&self) -> &aws_sdk_s3::Client {
        let sdk = self.sdk_config().await;
        let path_style = match self.source {
            Source::Environment { endpoint_override } => endpoint_override,
            Source::Given => sdk.endpoint_url().is_some(),
        };
        self.s3
            .get_or_init(|| async {
                let config = aws_sdk_s3::config::Builder::from(sdk)
                    .force_path_style(path_style)
                    .build();
                aws_sdk_s3::Client::from_conf(config)
            })
            .await
    }

    pub async fn sqs(&self) -> &aws_sdk_sqs::Client {
        let sdk = self.sdk_config().await;
        self.sqs
            .get_or_init(|| async { aws_sdk_sqs::Client::new(sdk) })
            .await
    }

    pub async fn batch(&self) -> &aws_sdk_batch::Client {
        let sdk = self.sdk_config().await;
        self.batch
            .get_or_init(|| async { aws_sdk_batch::Client::new(sdk) })
            .await
    }

    /// The string value of a Secrets Manager secret (name or ARN). Callers keep it as long as
    /// they may (the signing keys, the ERP secrets); the error never holds the value.
    pub async fn secret_string(&self, id: &str) -> Result<String, String> {
        let client = aws_sdk_secretsmanager::Client::new(self.sdk_config().await);
        let secret = client
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "reading secret {id}: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                )
            })?;
        secret
            .secret_string
            .ok_or_else(|| format!("secret {id} has no string value"))
    }
}
