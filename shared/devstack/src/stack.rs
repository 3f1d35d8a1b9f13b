//! Isolated stacks on a shared moto server: one server per test binary (or the one named by
//! `ROOMWRIGHT_TEST_AWS_ENDPOINT`), unique resource names per stack.

use std::collections::BTreeMap;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use roomwright_core::{AppState, aws::Aws, config::Config};
use tokio::sync::OnceCell;

use crate::{
    MotoServer,
    provision::{Provisioned, provision},
    template::Template,
};

/// Variable naming an already running local AWS endpoint for tests to share.
pub const TEST_ENDPOINT_VAR: &str = "ROOMWRIGHT_TEST_AWS_ENDPOINT";
pub const LOCAL_REGION: &str = "us-east-1";
/// `iss` of tokens in tests.
pub const TEST_ISSUER: &str = "http://roomwright.test";

/// SDK configuration for a local endpoint with moto's dummy credentials.
pub fn local_sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(LOCAL_REGION))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "roomwright-local",
            )),
        )
        .build()
}

/// The endpoint of the moto server this process shares between its tests.
pub async fn shared_endpoint() -> String {
    static ENDPOINT: OnceCell<String> = OnceCell::const_new();
    ENDPOINT
        .get_or_init(|| async {
            if let Ok(endpoint) = std::env::var(TEST_ENDPOINT_VAR) {
                return endpoint;
            }
            let server = MotoServer::start().await.unwrap_or_else(|e| panic!("{e}"));
            let endpoint = server.endpoint.clone();
            // Lives until the process ends; moto is told to die with it (see `moto`).
            std::mem::forget(server);
            endpoint
        })
        .await
        .clone()
}

/// One isolated copy of the platform's resources.
pub struct TestStack {
    pub endpoint: String,
    pub stack_name: String,
    pub provisioned: Provisioned,
    pub state: AppState,
}

impl TestStack {
    /// Provisions the template's resources under a fresh name on the shared server.
    pub async fn new() -> Self {
        let endpoint = shared_endpoint().await;
        let stack_name = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        Self::provision(&endpoint, &stack_name, "test", TEST_ISSUER)
            .await
            .unwrap_or_else(|e| panic!("provisioning {stack_name}: {e}"))
    }

    /// Provisions the template's resources as `stack_name` on `endpoint`.
    pub async fn provision(
        endpoint: &str,
        stack_name: &str,
        stage: &str,
        issuer: &str,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let template = Template::load(&crate::repo_root().join("template.yaml"))?;
        let aws = Aws::from_sdk_config(local_sdk_config(endpoint));
        let overrides = BTreeMap::from([
            ("Stage".to_string(), stage.to_string()),
            ("JwtIssuer".to_string(), issuer.to_string()),
        ]);
        let provisioned = provision(&aws, &template, stack_name, &overrides).await?;
        let config = Config::from_lookup(|name| provisioned.environment.get(name).cloned())?;
        Ok(Self {
            endpoint: endpoint.to_string(),
            stack_name: stack_name.to_string(),
            provisioned,
            state: AppState::new(config, aws),
        })
    }
}

/// A message the local SES accepted, as a mailbox would show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SentEmail {
    pub id: String,
    pub source: Option<String>,
    pub subject: Option<String>,
    /// The HTML body (moto keeps one body; the HTML when a message has both).
    pub body: Option<String>,
    pub to: Vec<String>,
}

impl SentEmail {
    /// The secret of a link `.../<page>#token=<token>` in the body.
    pub fn token(&self, page: &str) -> Option<String> {
        let body = self.body.as_deref()?;
        let marker = format!("/account/{page}#token=");
        let start = body.find(&marker)? + marker.len();
        let token: String = body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

/// Every message sent through the local SES at `endpoint` to `address`, oldest first.
pub async fn emails_to(endpoint: &str, address: &str) -> Vec<SentEmail> {
    let all: Vec<SentEmail> = reqwest::Client::new()
        .get(format!("{endpoint}/_roomwright/ses/messages"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("the local SES lists its messages")
        .json()
        .await
        .expect("a JSON list of messages");
    all.into_iter()
        .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
        .collect()
}

impl TestStack {
    /// The messages the local SES sent to `address`, oldest first.
    pub async fn emails_to(&self, address: &str) -> Vec<SentEmail> {
        emails_to(&self.endpoint, address).await
    }

    /// [`emails_to`](Self::emails_to) once at least `count` have arrived (sent in the
    /// background, as the fan-out sends notifications), or after 10 s with what there is.
    pub async fn await_emails(&self, address: &str, count: usize) -> Vec<SentEmail> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let found = self.emails_to(address).await;
            if found.len() >= count || std::time::Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
