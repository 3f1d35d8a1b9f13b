//! The style of a room photo, named by a Bedrock model from a fixed list: a Converse call with
//! the photo and one tool the model must call (`report_style`), so the answer is structured
//! scores rather than prose to parse.

use std::collections::BTreeMap;

use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ImageBlock, ImageFormat, ImageSource, InferenceConfiguration,
    Message, SpecificToolChoice, SystemContentBlock, Tool, ToolChoice, ToolConfiguration,
    ToolInputSchema, ToolSpecification,
};
use aws_smithy_types::Blob;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::bedrock::{BedrockClient, ModelError, document, model_error};

/// The styles a room can be labelled with.
pub const STYLES: [&str; 8] = [
    "modern",
    "scandinavian",
    "industrial",
    "traditional",
    "mid-century",
    "minimalist",
    "bohemian",
    "coastal",
];

const TOOL: &str = "report_style";

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StyleLabel {
    /// One of [`STYLES`].
    pub label: String,
    /// The label's share of the scores, 0 to 1.
    pub confidence: f32,
    /// Every style's share, adding up to 1.
    pub scores: BTreeMap<String, f32>,
    /// What the model saw that decided it.
    pub evidence: String,
    /// The model that named it.
    pub model_id: String,
}

/// Tokens a labelling call used, for the usage ledger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
}

fn tool() -> Tool {
    let styles: serde_json::Map<String, Value> = STYLES
        .iter()
        .map(|s| {
            (
                s.to_string(),
                json!({"type": "number", "minimum": 0, "maximum": 1}),
            )
        })
        .collect();
    let schema = json!({
        "type": "object",
        "properties": {
            "scores": {"type": "object", "properties": styles, "required": STYLES},
            "evidence": {"type": "string", "description": "The furniture, materials and colours that decided it, in one sentence."}
        },
        "required": ["scores", "evidence"]
    });
    Tool::ToolSpec(
        ToolSpecification::builder()
            .name(TOOL)
            .description("Report how strongly the room shows each interior style, 0 to 1.")
            .input_schema(ToolInputSchema::Json(document(&schema)))
            .build()
            .expect("name and schema are set"),
    )
}

/// Asks `model_id` to name the style of the room in `jpeg`.
pub async fn label(
    client: &BedrockClient,
    model_id: &str,
    jpeg: Vec<u8>,
) -> Result<(StyleLabel, Tokens), ModelError> {
    let image = ImageBlock::builder()
        .format(ImageFormat::Jpeg)
        .source(ImageSource::Bytes(Blob::new(jpeg)))
        .build()
        .expect("format and source are set");
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Image(image))
        .content(ContentBlock::Text(format!(
            "Rate how strongly this room shows each of these interior styles: {}.",
            STYLES.join(", ")
        )))
        .build()
        .expect("role and content are set");
    let tools = ToolConfiguration::builder()
        .tools(tool())
        .tool_choice(ToolChoice::Tool(
            SpecificToolChoice::builder()
                .name(TOOL)
                .build()
                .expect("name is set"),
        ))
        .build()
        .expect("tools are set");
    let output = client
        .get()
        .await
        .converse()
        .model_id(model_id)
        .system(SystemContentBlock::Text(
            "You are an interior designer classifying room photos by style.".into(),
        ))
        .messages(message)
        .tool_config(tools)
        .inference_config(
            InferenceConfiguration::builder()
                .max_tokens(400)
                .temperature(0.0)
                .build(),
        )
        .send()
        .await
        .map_err(model_error)?;
    let tokens = output
        .usage()
        .map(|u| Tokens {
            input: u.input_tokens().max(0) as u64,
            output: u.output_tokens().max(0) as u64,
        })
        .unwrap_or_default();
    let input = output
        .output()
        .and_then(|o| o.as_message().ok())
        .and_then(|m| {
            m.content()
                .iter()
                .find_map(|b| b.as_tool_use().ok().filter(|t| t.name() == TOOL))
        })
        .map(|t| crate::bedrock::json(t.input()))
        .ok_or_else(|| ModelError::Failed(format!("the model did not call {TOOL}")))?;
    let label = parse(&input, model_id)?;
    Ok((label, tokens))
}

/// The model's scores as shares; styles it left out count as 0, others are ignored.
pub fn parse(input: &Value, model_id: &str) -> Result<StyleLabel, ModelError> {
    let raw: BTreeMap<String, f32> = STYLES
        .iter()
        .map(|s| {
            let v = input["scores"][*s].as_f64().unwrap_or(0.0).clamp(0.0, 1.0) as f32;
            (s.to_string(), v)
        })
        .collect();
    let total: f32 = raw.values().sum();
    if total <= 0.0 {
        return Err(ModelError::Failed("the model scored no style".into()));
    }
    let scores: BTreeMap<String, f32> = raw
        .into_iter()
        .map(|(s, v)| (s, (v / total * 1000.0).round() / 1000.0))
        .collect();
    let (label, confidence) = scores
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(s, v)| (s.clone(), *v))
        .expect("eight styles");
    Ok(StyleLabel {
        label,
        confidence,
        scores,
        evidence: input["evidence"].as_str().unwrap_or_default().to_string(),
        model_id: model_id.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_become_shares_and_the_highest_is_the_label() {
        let input = json!({"scores": {"scandinavian": 0.8, "minimalist": 0.6, "modern": 0.4,
                                      "unknown-style": 5.0, "coastal": 7.0},
                           "evidence": "pale oak, white walls"});
        let label = parse(&input, "m").unwrap();
        // coastal is clamped to 1 and wins; the unknown style is ignored.
        assert_eq!(label.label, "coastal");
        assert!((label.confidence - 1.0 / 2.8).abs() < 0.001);
        assert!((label.scores.values().sum::<f32>() - 1.0).abs() < 0.01);
        assert_eq!(label.scores.len(), 8);
        assert!(parse(&json!({"scores": {}}), "m").is_err());
    }
}
