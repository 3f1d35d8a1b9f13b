//! The chat function's settings, per stage (`CHAT_*` in `template.yaml`).

use std::collections::HashMap;

use serde::Deserialize;

use crate::model::{Sampling, bedrock::Guardrail};

/// Which model answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Bedrock,
    /// Rules, no network: the local runner without AWS.
    Offline,
}

/// What one unit of a model's use costs, in millionths of a US dollar.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Price {
    /// Per 1,000 input tokens.
    #[serde(default)]
    pub input_per_1k: u64,
    /// Per 1,000 output tokens.
    #[serde(default)]
    pub output_per_1k: u64,
    /// Per generated image.
    #[serde(default)]
    pub per_image: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatSettings {
    pub backend: Backend,
    pub model_id: String,
    pub image_model_id: String,
    /// The model that names a room photo's style: it must read images and call tools.
    pub style_model_id: String,
    pub sampling: Sampling,
    pub guardrail: Option<Guardrail>,
    /// Model calls one message may make before the answer is cut short.
    pub max_tool_rounds: usize,
    /// Seconds one answer may take: no new model call starts past half of it, and a call
    /// still running at its end is given up (the buffered API function answers within the
    /// gateway's 29 s; the streaming function URL allows longer work).
    pub answer_seconds: u64,
    /// Estimated tokens of history sent to the model; older turns are summarised.
    pub context_tokens: usize,
    /// Messages larger than this (serialised bytes) keep their body in S3.
    pub spill_bytes: usize,
    pub messages_per_minute: u32,
    pub messages_per_day: u32,
    /// Monthly spend ceilings (organisation and per project), micro-USD, shared with jobs.
    pub budgets: roomwright_core::usage::Budgets,
    /// Prices by model id; a model not listed is priced by `default` entry, else zero.
    pub prices: HashMap<String, Price>,
    /// Largest image a message may carry.
    pub max_image_bytes: u64,
}

/// Prices of the default models (US East, on-demand), micro-USD. A deployment overrides or
/// extends them with `CHAT_PRICES` (JSON `{model_id: {input_per_1k, output_per_1k, per_image}}`).
fn default_prices() -> HashMap<String, Price> {
    HashMap::from([
        (
            "anthropic.claude-3-5-haiku-20241022-v1:0".to_string(),
            Price {
                input_per_1k: 800,
                output_per_1k: 4_000,
                per_image: 0,
            },
        ),
        (
            "us.anthropic.claude-3-5-haiku-20241022-v1:0".to_string(),
            Price {
                input_per_1k: 800,
                output_per_1k: 4_000,
                per_image: 0,
            },
        ),
        (
            "amazon.nova-canvas-v1:0".to_string(),
            Price {
                input_per_1k: 0,
                output_per_1k: 0,
                per_image: 40_000,
            },
        ),
        (
            "offline-assistant".to_string(),
            Price {
                input_per_1k: 0,
                output_per_1k: 0,
                per_image: 0,
            },
        ),
    ])
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("setting {name}: {problem}")]
pub struct SettingError {
    pub name: &'static str,
    pub problem: String,
}

impl ChatSettings {
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        fn parse<T: std::str::FromStr>(
            name: &'static str,
            value: Option<String>,
            default: T,
        ) -> Result<T, SettingError> {
            match value {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| SettingError {
                    name,
                    problem: format!("{v:?} is not a valid value"),
                }),
            }
        }
        let backend = match get("CHAT_ASSISTANT").as_deref() {
            None | Some("bedrock") => Backend::Bedrock,
            Some("offline") => Backend::Offline,
            Some(other) => {
                return Err(SettingError {
                    name: "CHAT_ASSISTANT",
                    problem: format!("{other:?}: use bedrock or offline"),
                });
            }
        };
        let mut prices = default_prices();
        if let Some(text) = get("CHAT_PRICES") {
            let extra: HashMap<String, Price> =
                serde_json::from_str(&text).map_err(|e| SettingError {
                    name: "CHAT_PRICES",
                    problem: e.to_string(),
                })?;
            prices.extend(extra);
        }
        let guardrail = get("CHAT_GUARDRAIL_ID").map(|id| Guardrail {
            id,
            version: get("CHAT_GUARDRAIL_VERSION").unwrap_or_else(|| "DRAFT".into()),
        });
        let budgets =
            roomwright_core::usage::Budgets::from_lookup(get).map_err(|problem| SettingError {
                name: "MONTHLY_BUDGET_USD",
                problem,
            })?;
        let model_id = match backend {
            Backend::Offline => "offline-assistant".to_string(),
            Backend::Bedrock => get("CHAT_MODEL_ID")
                .unwrap_or_else(|| "us.anthropic.claude-3-5-haiku-20241022-v1:0".into()),
        };
        Ok(Self {
            backend,
            image_model_id: get("CHAT_IMAGE_MODEL_ID")
                .unwrap_or_else(|| "amazon.nova-canvas-v1:0".into()),
            style_model_id: get("CHAT_STYLE_MODEL_ID").unwrap_or_else(|| model_id.clone()),
            model_id,
            sampling: Sampling {
                max_tokens: parse("CHAT_MAX_TOKENS", get("CHAT_MAX_TOKENS"), 1024)?,
                temperature: parse("CHAT_TEMPERATURE", get("CHAT_TEMPERATURE"), 0.3)?,
            },
            guardrail,
            max_tool_rounds: parse("CHAT_MAX_TOOL_ROUNDS", get("CHAT_MAX_TOOL_ROUNDS"), 6)?,
            answer_seconds: parse("CHAT_ANSWER_SECONDS", get("CHAT_ANSWER_SECONDS"), 240)?,
            context_tokens: parse("CHAT_CONTEXT_TOKENS", get("CHAT_CONTEXT_TOKENS"), 24_000)?,
            spill_bytes: parse("CHAT_SPILL_BYTES", get("CHAT_SPILL_BYTES"), 32 * 1024)?,
            messages_per_minute: parse("CHAT_RATE_PER_MINUTE", get("CHAT_RATE_PER_MINUTE"), 20)?,
            messages_per_day: parse("CHAT_RATE_PER_DAY", get("CHAT_RATE_PER_DAY"), 500)?,
            budgets,
            prices,
            max_image_bytes: parse(
                "CHAT_MAX_IMAGE_BYTES",
                get("CHAT_MAX_IMAGE_BYTES"),
                3_750_000,
            )?,
        })
    }

    pub fn price(&self, model_id: &str) -> Price {
        self.prices
            .get(model_id)
            .or_else(|| self.prices.get("default"))
            .cloned()
            .unwrap_or(Price {
                input_per_1k: 0,
                output_per_1k: 0,
                per_image: 0,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stage_settings_and_refuses_bad_ones() {
        let env = HashMap::from([
            ("CHAT_MODEL_ID", "m1"),
            ("CHAT_RATE_PER_MINUTE", "3"),
            ("MONTHLY_BUDGET_USD", "12.5"),
            ("CHAT_GUARDRAIL_ID", "gr-1"),
            (
                "CHAT_PRICES",
                r#"{"m1": {"input_per_1k": 3000, "output_per_1k": 15000}}"#,
            ),
        ]);
        let s = ChatSettings::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(s.model_id, "m1");
        assert_eq!(s.messages_per_minute, 3);
        assert_eq!(s.messages_per_day, 500);
        assert_eq!(s.budgets.org_micro_usd, Some(12_500_000));
        assert_eq!(s.guardrail.as_ref().unwrap().version, "DRAFT");
        assert_eq!(s.price("m1").output_per_1k, 15_000);
        assert_eq!(s.price("unknown").input_per_1k, 0);

        let bad = ChatSettings::from_lookup(|k| (k == "CHAT_TEMPERATURE").then(|| "hot".into()));
        assert_eq!(bad.unwrap_err().name, "CHAT_TEMPERATURE");
    }
}
