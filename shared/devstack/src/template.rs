//! Reading `template.yaml`: its resources, parameters and the environment its functions get.
//!
//! CloudFormation's short intrinsic tags (`!Ref`, `!GetAtt`, `!Sub`, ...) are turned into their
//! long JSON form (`{"Ref": ...}`), so the rest of the code handles one shape.

use std::{collections::BTreeMap, path::Path};

use serde_json::{Map, Value};
use serde_yaml_ng::Value as Yaml;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TemplateError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("template is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    #[error("template: {0}")]
    Shape(String),
}

/// One declared resource.
#[derive(Debug, Clone)]
pub struct Resource {
    pub logical_id: String,
    pub kind: String,
    pub properties: Value,
    /// `Metadata` (a function's `BuildProperties.Binary`, say).
    pub metadata: Value,
}

/// The parts of a SAM template the local stack needs.
#[derive(Debug, Clone)]
pub struct Template {
    /// Parameter defaults by name.
    pub parameters: BTreeMap<String, String>,
    /// Resources in template order.
    pub resources: Vec<Resource>,
    /// `Globals.Function.Environment.Variables`.
    pub global_environment: Map<String, Value>,
    /// `Conditions`, by name, for `Fn::If`.
    pub conditions: Map<String, Value>,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TemplateError::Read(path.display().to_string(), e))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let yaml: Yaml = serde_yaml_ng::from_str(text)?;
        let root = to_json(yaml)?;
        let parameters = root
            .get("Parameters")
            .and_then(Value::as_object)
            .map(|params| {
                params
                    .iter()
                    .filter_map(|(name, p)| Some((name.clone(), scalar(p.get("Default")?)?)))
                    .collect()
            })
            .unwrap_or_default();
        let resources = root
            .get("Resources")
            .and_then(Value::as_object)
            .ok_or_else(|| TemplateError::Shape("no Resources section".into()))?
            .iter()
            .map(|(id, r)| Resource {
                logical_id: id.clone(),
                kind: r
                    .get("Type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                properties: r.get("Properties").cloned().unwrap_or(Value::Null),
                metadata: r.get("Metadata").cloned().unwrap_or(Value::Null),
            })
            .collect();
        let global_environment = root
            .pointer("/Globals/Function/Environment/Variables")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let conditions = root
            .get("Conditions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Ok(Self {
            parameters,
            resources,
            global_environment,
            conditions,
        })
    }

    pub fn resources_of(&self, kind: &str) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(move |r| r.kind == kind)
    }
}

/// A YAML scalar as text.
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn to_json(yaml: Yaml) -> Result<Value, TemplateError> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            serde_json::to_value(&n).map_err(|e| TemplateError::Shape(e.to_string()))?
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Yaml::String(s) => s,
                    other => serde_yaml_ng::to_string(&other)?.trim().to_string(),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let name = tagged.tag.to_string().trim_start_matches('!').to_string();
            let value = to_json(tagged.value)?;
            match (name.as_str(), value) {
                ("Ref", v) => single("Ref", v),
                // `!GetAtt Queue.Arn` is short for `Fn::GetAtt: [Queue, Arn]`.
                ("GetAtt", Value::String(s)) => {
                    let (resource, attribute) = s.split_once('.').ok_or_else(|| {
                        TemplateError::Shape(format!("!GetAtt {s} needs Resource.Attribute"))
                    })?;
                    single("Fn::GetAtt", Value::from(vec![resource, attribute]))
                }
                (other, v) => single(&format!("Fn::{other}"), v),
            }
        }
    })
}

fn single(key: &str, value: Value) -> Value {
    Value::Object(Map::from_iter([(key.to_string(), value)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_intrinsics_become_long_form() {
        let template = Template::parse(
            r#"
Parameters:
  Stage: { Type: String, Default: dev }
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        QUEUE_ARN: !GetAtt Queue.Arn
        NAME: !Sub "${AWS::StackName}-x"
Resources:
  Table: { Type: AWS::DynamoDB::Table, Properties: { BillingMode: PAY_PER_REQUEST } }
  Queue: { Type: AWS::SQS::Queue }
"#,
        )
        .unwrap();
        assert_eq!(template.parameters["Stage"], "dev");
        assert_eq!(
            template.global_environment["TABLE_NAME"],
            serde_json::json!({"Ref": "Table"})
        );
        assert_eq!(
            template.global_environment["QUEUE_ARN"],
            serde_json::json!({"Fn::GetAtt": ["Queue", "Arn"]})
        );
        assert_eq!(
            template.global_environment["NAME"],
            serde_json::json!({"Fn::Sub": "${AWS::StackName}-x"})
        );
        assert_eq!(template.resources_of("AWS::SQS::Queue").count(), 1);
    }
}
