//! AWS Batch resources of the template, created locally: compute environments (unmanaged:
//! locally the jobs run as child processes of the local runner, see
//! `roomwright_local::local_batch`), job queues and job definitions with the template's
//! container command, environment, retry strategy and timeout.

use aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, ContainerProperties, EvaluateOnExit,
    JobDefinitionType, JobTimeout, JqState, KeyValuePair, ResourceRequirement, ResourceType,
    RetryAction, RetryStrategy,
};
use roomwright_core::aws::Aws;
use serde_json::Value;

use crate::{provision::ACCOUNT_ID, template::scalar};

fn batch_error<E: std::error::Error + Send + Sync + 'static, R: std::fmt::Debug>(
    e: aws_sdk_batch::error::SdkError<E, R>,
) -> String {
    aws_sdk_batch::error::DisplayErrorContext(e).to_string()
}

/// Creates an IAM role in the local endpoint (moto checks that a compute environment's
/// service role exists). The IAM query API is called directly: moto routes by the service in
/// the credential scope and does not check signatures, and an IAM SDK client for one call
/// is not worth its build time.
async fn local_role(endpoint: &str, name: &str) -> Result<String, String> {
    let response = reqwest::Client::new()
        .post(endpoint)
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "Action=CreateRole&Version=2010-05-08&RoleName={name}&AssumeRolePolicyDocument=%7B%7D"
        ))
        .send()
        .await
        .map_err(|e| format!("CreateRole: {e}"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() && !body.contains("EntityAlreadyExists") {
        return Err(format!("CreateRole: {status}: {body}"));
    }
    Ok(format!("arn:aws:iam::{ACCOUNT_ID}:role/{name}"))
}

pub async fn create_compute_environment(aws: &Aws, name: &str) -> Result<String, String> {
    let endpoint = aws
        .sdk_config()
        .await
        .endpoint_url()
        .ok_or("Batch is provisioned only on a local endpoint")?
        .to_string();
    let role = local_role(&endpoint, &format!("{name}-service")).await?;
    aws.batch()
        .await
        .create_compute_environment()
        .compute_environment_name(name)
        .r#type(CeType::Unmanaged)
        .state(CeState::Enabled)
        .service_role(role)
        .send()
        .await
        .map_err(batch_error)?
        .compute_environment_arn
        .ok_or_else(|| "CreateComputeEnvironment returned no ARN".into())
}

pub async fn create_job_queue(
    aws: &Aws,
    name: &str,
    props: &Value,
    environments: &[String],
) -> Result<String, String> {
    let priority = props
        .get("Priority")
        .and_then(scalar)
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let mut request = aws
        .batch()
        .await
        .create_job_queue()
        .job_queue_name(name)
        .state(JqState::Enabled)
        .priority(priority);
    for (order, environment) in environments.iter().enumerate() {
        request = request.compute_environment_order(
            ComputeEnvironmentOrder::builder()
                .order(order as i32 + 1)
                .compute_environment(environment)
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(batch_error)?
        .job_queue_arn
        .ok_or_else(|| "CreateJobQueue returned no ARN".into())
}

/// Registers a container job definition; `environment` is its resolved variables.
pub async fn register_job_definition(
    aws: &Aws,
    name: &str,
    props: &Value,
    image: &str,
    environment: &[(String, String)],
) -> Result<String, String> {
    let container = &props["ContainerProperties"];
    let command: Vec<String> = container["Command"]
        .as_array()
        .map(|c| c.iter().filter_map(scalar).collect())
        .unwrap_or_default();
    let mut properties = ContainerProperties::builder()
        .image(image)
        .set_command(Some(command));
    for requirement in container["ResourceRequirements"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let (Some(kind), Some(value)) = (
            requirement.get("Type").and_then(scalar),
            requirement.get("Value").and_then(scalar),
        ) else {
            continue;
        };
        properties = properties.resource_requirements(
            ResourceRequirement::builder()
                .r#type(ResourceType::from(kind.as_str()))
                .value(value)
                .build(),
        );
    }
    for (key, value) in environment {
        properties = properties.environment(KeyValuePair::builder().name(key).value(value).build());
    }
    let retry = &props["RetryStrategy"];
    let mut strategy = RetryStrategy::builder().set_attempts(
        retry
            .get("Attempts")
            .and_then(scalar)
            .and_then(|a| a.parse().ok()),
    );
    for rule in retry["EvaluateOnExit"].as_array().into_iter().flatten() {
        let text = |key: &str| rule.get(key).and_then(scalar);
        let action = match text("Action").unwrap_or_default().to_uppercase().as_str() {
            "EXIT" => RetryAction::Exit,
            _ => RetryAction::Retry,
        };
        strategy = strategy.evaluate_on_exit(
            EvaluateOnExit::builder()
                .set_on_exit_code(text("OnExitCode"))
                .set_on_reason(text("OnReason"))
                .set_on_status_reason(text("OnStatusReason"))
                .action(action)
                .build(),
        );
    }
    let mut request = aws
        .batch()
        .await
        .register_job_definition()
        .job_definition_name(name)
        .r#type(JobDefinitionType::Container)
        .container_properties(properties.build())
        .retry_strategy(strategy.build());
    if let Some(seconds) = props
        .pointer("/Timeout/AttemptDurationSeconds")
        .and_then(scalar)
        .and_then(|s| s.parse().ok())
    {
        request = request.timeout(
            JobTimeout::builder()
                .attempt_duration_seconds(seconds)
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(batch_error)?
        .job_definition_arn
        .ok_or_else(|| "RegisterJobDefinition returned no ARN".into())
}
