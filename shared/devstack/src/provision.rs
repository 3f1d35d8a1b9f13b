//! Creating what `template.yaml` declares (tables, buckets, queues) on a local AWS endpoint, and
//! resolving the environment the template gives its functions.
//!
//! The template is the one list of resources: nothing here names a table or a queue.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use aws_sdk_sqs::types::QueueAttributeName;
use roomwright_core::aws::Aws;
use serde_json::Value;
use thiserror::Error;

use crate::{
    batch,
    template::{Resource, Template, scalar},
};

pub const ACCOUNT_ID: &str = "123456789012";

#[derive(Debug, Error)]
pub enum ProvisionError {
    #[error("{0}: {1}")]
    Resource(String, String),
    #[error("cannot resolve {0}")]
    Unresolved(String),
    #[error("resources reference each other in a cycle or something missing: {0:?}")]
    Stuck(Vec<String>),
    #[error("functions disagree on {0}: {1:?} vs {2:?}")]
    Conflict(String, String, String),
}

/// What a resource became locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Physical {
    Table {
        name: String,
        arn: String,
        stream_arn: Option<String>,
    },
    Bucket {
        name: String,
    },
    Queue {
        name: String,
        url: String,
        arn: String,
    },
    /// A Batch compute environment, job queue or job definition (`!Ref` is its ARN).
    Batch {
        name: String,
        arn: String,
    },
    /// An SES sending identity or configuration set (`!Ref` is its name).
    Named {
        name: String,
    },
}

impl Physical {
    /// What `!Ref` gives, as in CloudFormation.
    fn reference(&self) -> &str {
        match self {
            Physical::Table { name, .. } | Physical::Bucket { name } | Physical::Named { name } => {
                name
            }
            Physical::Queue { url, .. } => url,
            Physical::Batch { arn, .. } => arn,
        }
    }

    fn attribute(&self, attribute: &str) -> Option<String> {
        match (self, attribute) {
            (Physical::Table { arn, .. }, "Arn") | (Physical::Queue { arn, .. }, "Arn") => {
                Some(arn.clone())
            }
            (Physical::Table { stream_arn, .. }, "StreamArn") => stream_arn.clone(),
            (Physical::Bucket { name }, "Arn") => Some(format!("arn:aws:s3:::{name}")),
            (Physical::Queue { name, .. }, "QueueName") => Some(name.clone()),
            (Physical::Queue { url, .. }, "QueueUrl") => Some(url.clone()),
            _ => None,
        }
    }
}

/// The local stack once provisioned.
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub resources: HashMap<String, Physical>,
    /// Every variable the template sets on its functions, resolved to local values.
    pub environment: BTreeMap<String, String>,
}

/// Resolves intrinsic functions against parameters and provisioned resources.
struct Resolver<'a> {
    stack_name: &'a str,
    region: &'a str,
    parameters: &'a BTreeMap<String, String>,
    resources: &'a HashMap<String, Physical>,
    conditions: &'a serde_json::Map<String, Value>,
}

impl Resolver<'_> {
    /// A condition: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` or a named `Condition`.
    fn holds(&self, condition: &Value) -> Result<bool, ProvisionError> {
        let unresolved = || ProvisionError::Unresolved(condition.to_string());
        if let Some(name) = condition
            .as_str()
            .or_else(|| condition.get("Condition").and_then(Value::as_str))
        {
            let named = self.conditions.get(name).ok_or_else(unresolved)?;
            return self.holds(named);
        }
        let list = |key: &str| condition.get(key).and_then(Value::as_array);
        if let Some([a, b]) = list("Fn::Equals").map(Vec::as_slice) {
            return Ok(self.resolve(a)? == self.resolve(b)?);
        }
        if let Some([inner]) = list("Fn::Not").map(Vec::as_slice) {
            return Ok(!self.holds(inner)?);
        }
        if let Some(all) = list("Fn::And") {
            return all
                .iter()
                .try_fold(true, |acc, c| Ok(acc && self.holds(c)?));
        }
        if let Some(any) = list("Fn::Or") {
            return any
                .iter()
                .try_fold(false, |acc, c| Ok(acc || self.holds(c)?));
        }
        Err(unresolved())
    }

    fn resolve(&self, value: &Value) -> Result<Option<String>, ProvisionError> {
        if let Some(text) = scalar(value) {
            return Ok(Some(text));
        }
        let unresolved = || ProvisionError::Unresolved(value.to_string());
        if let Some(name) = value.get("Ref").and_then(Value::as_str) {
            return match name {
                "AWS::NoValue" => Ok(None),
                _ => self.name(name).map(Some).ok_or_else(unresolved),
            };
        }
        if let Some(parts) = value.get("Fn::GetAtt").and_then(Value::as_array) {
            let (Some(id), Some(attribute)) = (
                parts.first().and_then(Value::as_str),
                parts.get(1).and_then(Value::as_str),
            ) else {
                return Err(unresolved());
            };
            let physical = self.resources.get(id).ok_or_else(unresolved)?;
            return physical
                .attribute(attribute)
                .map(Some)
                .ok_or_else(unresolved);
        }
        if let Some(text) = value.get("Fn::Sub").and_then(Value::as_str) {
            return self.substitute(text).map(Some);
        }
        if let Some([condition, then, otherwise]) = value
            .get("Fn::If")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            let chosen = if self.holds(condition)? {
                then
            } else {
                otherwise
            };
            return self.resolve(chosen);
        }
        Err(unresolved())
    }

    /// A parameter, pseudo parameter or resource by name, as `!Ref` and `${}` see them.
    fn name(&self, name: &str) -> Option<String> {
        match name {
            "AWS::Region" => Some(self.region.to_string()),
            "AWS::AccountId" => Some(ACCOUNT_ID.to_string()),
            "AWS::StackName" => Some(self.stack_name.to_string()),
            "AWS::Partition" => Some("aws".to_string()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_string()),
            _ => self
                .parameters
                .get(name)
                .cloned()
                .or_else(|| self.resources.get(name).map(|r| r.reference().to_string())),
        }
    }

    fn substitute(&self, text: &str) -> Result<String, ProvisionError> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| ProvisionError::Unresolved(text.to_string()))?;
            let name = &rest[start + 2..start + end];
            let value = match name.split_once('.') {
                Some((id, attribute)) if !name.starts_with("AWS::") => {
                    self.resources.get(id).and_then(|r| r.attribute(attribute))
                }
                _ => self.name(name),
            };
            out.push_str(&value.ok_or_else(|| ProvisionError::Unresolved(name.to_string()))?);
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Logical ids a value refers to (through `Ref`, `Fn::GetAtt` or `Fn::Sub`).
fn references(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(name)) = map.get("Ref") {
                into.insert(name.clone());
            }
            if let Some(Value::Array(parts)) = map.get("Fn::GetAtt")
                && let Some(Value::String(id)) = parts.first()
            {
                into.insert(id.clone());
            }
            if let Some(Value::String(text)) = map.get("Fn::Sub") {
                for piece in text.split("${").skip(1) {
                    if let Some(name) = piece.split('}').next() {
                        into.insert(name.split('.').next().unwrap_or(name).to_string());
                    }
                }
            }
            map.values().for_each(|v| references(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, into)),
        _ => {}
    }
}

const PROVISIONED_KINDS: [&str; 8] = [
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::Batch::ComputeEnvironment",
    "AWS::Batch::JobQueue",
    "AWS::Batch::JobDefinition",
    "AWS::SES::EmailIdentity",
    "AWS::SES::ConfigurationSet",
];

/// Creates every table, bucket and queue of `template` with names starting `stack_name`, and
/// resolves the functions' environment.
pub async fn provision(
    aws: &Aws,
    template: &Template,
    stack_name: &str,
    parameter_overrides: &BTreeMap<String, String>,
) -> Result<Provisioned, ProvisionError> {
    let region = aws
        .sdk_config()
        .await
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".to_string());
    let mut parameters = template.parameters.clone();
    parameters.extend(parameter_overrides.clone());
    let mut resources = HashMap::new();
    let mut pending: Vec<&Resource> = template
        .resources
        .iter()
        .filter(|r| PROVISIONED_KINDS.contains(&r.kind.as_str()))
        .collect();
    // Create in passes: a resource goes once everything it references exists (a queue after its
    // dead-letter queue).
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for resource in pending {
            let mut needs = BTreeSet::new();
            references(&resource.properties, &mut needs);
            // References to what is not provisioned locally (IAM roles, say) are not waited for.
            let ready = needs.iter().all(|id| {
                resources.contains_key(id)
                    || parameters.contains_key(id)
                    || id.starts_with("AWS::")
                    || !template.resources.iter().any(|r| {
                        &r.logical_id == id && PROVISIONED_KINDS.contains(&r.kind.as_str())
                    })
            });
            if !ready {
                waiting.push(resource);
                continue;
            }
            let resolver = Resolver {
                stack_name,
                region: &region,
                parameters: &parameters,
                resources: &resources,
                conditions: &template.conditions,
            };
            let physical = create(aws, resource, stack_name, &region, &resolver).await?;
            resources.insert(resource.logical_id.clone(), physical);
        }
        if waiting.len() == before {
            return Err(ProvisionError::Stuck(
                waiting.iter().map(|r| r.logical_id.clone()).collect(),
            ));
        }
        pending = waiting;
    }
    let resolver = Resolver {
        stack_name,
        region: &region,
        parameters: &parameters,
        resources: &resources,
        conditions: &template.conditions,
    };
    let environment = function_environment(template, &resolver)?;
    Ok(Provisioned {
        resources,
        environment,
    })
}

/// The union of the global and per-function environment variables, resolved.
fn function_environment(
    template: &Template,
    resolver: &Resolver<'_>,
) -> Result<BTreeMap<String, String>, ProvisionError> {
    let mut environment: BTreeMap<String, String> = BTreeMap::new();
    let functions = template
        .resources_of("AWS::Serverless::Function")
        .filter_map(|f| {
            f.properties
                .pointer("/Environment/Variables")
                .and_then(Value::as_object)
        });
    for variables in std::iter::once(&template.global_environment).chain(functions) {
        for (name, value) in variables {
            // A value naming what has no local counterpart (the WebSocket API's address) is
            // left for the local runner to set.
            let mut names = BTreeSet::new();
            references(value, &mut names);
            let local = names.iter().all(|id| {
                !template
                    .resources
                    .iter()
                    .any(|r| &r.logical_id == id && !PROVISIONED_KINDS.contains(&r.kind.as_str()))
            });
            if !local {
                continue;
            }
            let Some(value) = resolver.resolve(value)? else {
                continue;
            };
            match environment.get(name) {
                Some(existing) if *existing != value => {
                    return Err(ProvisionError::Conflict(
                        name.clone(),
                        existing.clone(),
                        value,
                    ));
                }
                _ => {
                    environment.insert(name.clone(), value);
                }
            }
        }
    }
    Ok(environment)
}

/// Local names: the stack name plus the logical id, lower-cased for S3's rules.
fn physical_name(stack_name: &str, logical_id: &str) -> String {
    format!("{stack_name}-{logical_id}").to_lowercase()
}

async fn create(
    aws: &Aws,
    resource: &Resource,
    stack_name: &str,
    region: &str,
    resolver: &Resolver<'_>,
) -> Result<Physical, ProvisionError> {
    let fail = |e: String| ProvisionError::Resource(resource.logical_id.clone(), e);
    let name = physical_name(stack_name, &resource.logical_id);
    let props = &resource.properties;
    match resource.kind.as_str() {
        "AWS::DynamoDB::Table" => create_table(aws, &name, props).await.map_err(fail),
        "AWS::S3::Bucket" => create_bucket(aws, &name, props, region, resolver)
            .await
            .map_err(fail),
        "AWS::SQS::Queue" => create_queue(aws, &name, props, resolver)
            .await
            .map_err(fail),
        "AWS::Batch::ComputeEnvironment" => batch::create_compute_environment(aws, &name)
            .await
            .map(|arn| Physical::Batch { name, arn })
            .map_err(fail),
        "AWS::Batch::JobQueue" => {
            let environments = props["ComputeEnvironmentOrder"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| resolver.resolve(&o["ComputeEnvironment"]))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
            batch::create_job_queue(aws, &name, props, &environments)
                .await
                .map(|arn| Physical::Batch { name, arn })
                .map_err(fail)
        }
        "AWS::Batch::JobDefinition" => {
            let container = &props["ContainerProperties"];
            let image = resolver
                .resolve(&container["Image"])?
                .unwrap_or_else(|| "local".to_string());
            let mut environment = Vec::new();
            for variable in container["Environment"].as_array().into_iter().flatten() {
                if let (Some(key), Some(value)) = (
                    variable["Name"].as_str(),
                    resolver.resolve(&variable["Value"])?,
                ) {
                    environment.push((key.to_string(), value));
                }
            }
            batch::register_job_definition(aws, &name, props, &image, &environment)
                .await
                .map(|arn| Physical::Batch { name, arn })
                .map_err(fail)
        }
        "AWS::SES::EmailIdentity" => {
            let identity = resolver
                .resolve(&props["EmailIdentity"])?
                .ok_or_else(|| fail("EmailIdentity is required".into()))?;
            let created = aws_sdk_sesv2::Client::new(aws.sdk_config().await)
                .create_email_identity()
                .email_identity(&identity)
                .send()
                .await;
            match created {
                Ok(_) => Ok(Physical::Named { name: identity }),
                // Stacks on one server share the sending domain.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_already_exists_exception()) =>
                {
                    Ok(Physical::Named { name: identity })
                }
                Err(e) => Err(fail(
                    aws_sdk_sesv2::error::DisplayErrorContext(&e).to_string(),
                )),
            }
        }
        "AWS::SES::ConfigurationSet" => {
            let set = resolver.resolve(&props["Name"])?.unwrap_or(name);
            aws_sdk_sesv2::Client::new(aws.sdk_config().await)
                .create_configuration_set()
                .configuration_set_name(&set)
                .send()
                .await
                .map_err(|e| fail(aws_sdk_sesv2::error::DisplayErrorContext(&e).to_string()))?;
            Ok(Physical::Named { name: set })
        }
        other => Err(fail(format!("{other} is not provisioned locally"))),
    }
}

fn strings<'a>(value: &'a Value, pointer: &str) -> impl Iterator<Item = &'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn key_schema(value: &Value) -> Result<Vec<KeySchemaElement>, String> {
    value
        .as_array()
        .ok_or("KeySchema must be a list")?
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(k["AttributeName"].as_str().unwrap_or_default())
                .key_type(KeyType::from(k["KeyType"].as_str().unwrap_or_default()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

async fn create_table(aws: &Aws, name: &str, props: &Value) -> Result<Physical, String> {
    let client = aws.dynamodb().await;
    let definitions = props["AttributeDefinitions"]
        .as_array()
        .ok_or("AttributeDefinitions must be a list")?
        .iter()
        .map(|d| {
            AttributeDefinition::builder()
                .attribute_name(d["AttributeName"].as_str().unwrap_or_default())
                .attribute_type(ScalarAttributeType::from(
                    d["AttributeType"].as_str().unwrap_or_default(),
                ))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let indexes = props["GlobalSecondaryIndexes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|index| {
            let projection = index
                .pointer("/Projection/ProjectionType")
                .and_then(Value::as_str)
                .unwrap_or("ALL");
            GlobalSecondaryIndex::builder()
                .index_name(index["IndexName"].as_str().unwrap_or_default())
                .set_key_schema(Some(key_schema(&index["KeySchema"])?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(projection))
                        .set_non_key_attributes(
                            Some(
                                strings(index, "/Projection/NonKeyAttributes")
                                    .map(str::to_owned)
                                    .collect(),
                            )
                            .filter(|v: &Vec<String>| !v.is_empty()),
                        )
                        .build(),
                )
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stream = props
        .pointer("/StreamSpecification/StreamViewType")
        .and_then(Value::as_str)
        .map(|view| {
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view))
                .build()
        })
        .transpose()
        .map_err(|e| e.to_string())?;
    let output = client
        .create_table()
        .table_name(name)
        .set_attribute_definitions(Some(definitions))
        .set_key_schema(Some(key_schema(&props["KeySchema"])?))
        .set_global_secondary_indexes(Some(indexes).filter(|i| !i.is_empty()))
        .billing_mode(BillingMode::PayPerRequest)
        .set_stream_specification(stream)
        .send()
        .await
        .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
    if let Some(attribute) = props
        .pointer("/TimeToLiveSpecification/AttributeName")
        .and_then(Value::as_str)
    {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attribute)
                    .enabled(true)
                    .build()
                    .map_err(|e| e.to_string())?,
            )
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
    }
    let description = output
        .table_description
        .ok_or("CreateTable returned no description")?;
    Ok(Physical::Table {
        name: name.to_string(),
        arn: description.table_arn.unwrap_or_default(),
        stream_arn: description.latest_stream_arn,
    })
}

async fn create_bucket(
    aws: &Aws,
    name: &str,
    props: &Value,
    region: &str,
    resolver: &Resolver<'_>,
) -> Result<Physical, String> {
    let client = aws.s3().await;
    let mut request = client.create_bucket().bucket(name);
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(region.into())
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(e).to_string())?;
    let rules = props["CorsConfiguration"]["CorsRules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|rule| {
            // Lists may hold intrinsics (`AllowedOrigins: [!Ref CorsAllowedOrigin]`).
            let list = |key: &str| -> Result<Option<Vec<String>>, String> {
                let items = rule[key].as_array().into_iter().flatten();
                let resolved = items
                    .map(|item| resolver.resolve(item).map_err(|e| e.to_string()))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some(resolved.into_iter().flatten().collect()))
            };
            CorsRule::builder()
                .set_allowed_methods(list("AllowedMethods")?)
                .set_allowed_origins(list("AllowedOrigins")?)
                .set_allowed_headers(list("AllowedHeaders")?)
                .set_expose_headers(list("ExposedHeaders")?)
                .set_max_age_seconds(rule["MaxAge"].as_i64().map(|s| s as i32))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !rules.is_empty() {
        client
            .put_bucket_cors()
            .bucket(name)
            .cors_configuration(
                CorsConfiguration::builder()
                    .set_cors_rules(Some(rules))
                    .build()
                    .map_err(|e| e.to_string())?,
            )
            .send()
            .await
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(e).to_string())?;
    }
    Ok(Physical::Bucket {
        name: name.to_string(),
    })
}

async fn create_queue(
    aws: &Aws,
    name: &str,
    props: &Value,
    resolver: &Resolver<'_>,
) -> Result<Physical, String> {
    let client = aws.sqs().await;
    let fifo =
        props["FifoQueue"].as_bool() == Some(true) || props["FifoQueue"].as_str() == Some("true");
    let name = if fifo {
        format!("{name}.fifo")
    } else {
        name.to_string()
    };
    let mut request = client.create_queue().queue_name(&name);
    for (key, attribute) in [
        ("VisibilityTimeout", QueueAttributeName::VisibilityTimeout),
        (
            "MessageRetentionPeriod",
            QueueAttributeName::MessageRetentionPeriod,
        ),
        ("DelaySeconds", QueueAttributeName::DelaySeconds),
        (
            "ReceiveMessageWaitTimeSeconds",
            QueueAttributeName::ReceiveMessageWaitTimeSeconds,
        ),
        ("FifoQueue", QueueAttributeName::FifoQueue),
        (
            "ContentBasedDeduplication",
            QueueAttributeName::ContentBasedDeduplication,
        ),
    ] {
        if let Some(value) = props.get(key).and_then(scalar) {
            request = request.attributes(attribute, value);
        }
    }
    if let Some(policy) = props.get("RedrivePolicy").filter(|p| p.is_object()) {
        let target = resolver
            .resolve(&policy["deadLetterTargetArn"])
            .map_err(|e| e.to_string())?
            .ok_or("RedrivePolicy needs deadLetterTargetArn")?;
        let max_receive = policy
            .get("maxReceiveCount")
            .and_then(scalar)
            .unwrap_or("3".into());
        let redrive = serde_json::json!({
            "deadLetterTargetArn": target,
            "maxReceiveCount": max_receive,
        });
        request = request.attributes(QueueAttributeName::RedrivePolicy, redrive.to_string());
    }
    let url = request
        .send()
        .await
        .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?
        .queue_url
        .ok_or("CreateQueue returned no URL")?;
    let arn = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or("GetQueueAttributes returned no ARN")?;
    Ok(Physical::Queue { name, url, arn })
}
