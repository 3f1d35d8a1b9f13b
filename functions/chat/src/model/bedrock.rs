//! [`Model`] on Amazon Bedrock: Converse for whole answers, ConverseStream for streamed ones,
//! with the tools as a `ToolConfiguration` and the deployment's Guardrail when one is set.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_bedrockruntime::{
    error::{DisplayErrorContext, SdkError},
    primitives::Blob,
    types::{
        self as bedrock, ContentBlock, ContentBlockDelta, ContentBlockStart, ConversationRole,
        ConverseOutput as Output, ConverseStreamOutput as Event, GuardrailConfiguration,
        GuardrailStreamConfiguration, ImageBlock, ImageSource, InferenceConfiguration, Message,
        SystemContentBlock, Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock,
        ToolResultContentBlock, ToolResultStatus, ToolSpecification, ToolUseBlock,
    },
};
use serde_json::Value;
use tokio::sync::mpsc;

pub use roomwright_visual::bedrock::{BedrockClient, document, json, model_error};

use super::{Block, Model, ModelError, ModelReply, ModelRequest, Speaker, Stop, TokenUsage};
use crate::conversation::ImageFormat;

/// A Bedrock Guardrail applied to every call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardrail {
    pub id: String,
    pub version: String,
}

pub struct BedrockModel {
    client: Arc<BedrockClient>,
    model_id: String,
    guardrail: Option<Guardrail>,
}

impl BedrockModel {
    pub fn new(client: Arc<BedrockClient>, model_id: String, guardrail: Option<Guardrail>) -> Self {
        Self {
            client,
            model_id,
            guardrail,
        }
    }
}

#[async_trait]
impl Model for BedrockModel {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    async fn converse(
        &self,
        request: &ModelRequest<'_>,
        deltas: Option<&mpsc::Sender<String>>,
    ) -> Result<ModelReply, ModelError> {
        let messages = request
            .turns
            .iter()
            .map(message)
            .collect::<Result<Vec<_>, _>>()?;
        let inference = InferenceConfiguration::builder()
            .max_tokens(request.sampling.max_tokens)
            .temperature(request.sampling.temperature)
            .build();
        let tools = tool_configuration(request)?;
        match deltas {
            None => {
                let guardrail = self.guardrail.as_ref().map(|g| {
                    GuardrailConfiguration::builder()
                        .guardrail_identifier(&g.id)
                        .guardrail_version(&g.version)
                        .build()
                });
                let output = self
                    .client
                    .get()
                    .await
                    .converse()
                    .model_id(&self.model_id)
                    .system(SystemContentBlock::Text(request.system.to_string()))
                    .set_messages(Some(messages))
                    .inference_config(inference)
                    .set_tool_config(tools)
                    .set_guardrail_config(guardrail)
                    .send()
                    .await
                    .map_err(model_error)?;
                let blocks = match output.output {
                    Some(Output::Message(message)) => message
                        .content
                        .into_iter()
                        .filter_map(block_from_bedrock)
                        .collect(),
                    _ => Vec::new(),
                };
                let usage = output.usage.map(|u| TokenUsage {
                    input: u.input_tokens.max(0) as u64,
                    output: u.output_tokens.max(0) as u64,
                });
                Ok(ModelReply {
                    blocks,
                    stop: stop(&output.stop_reason),
                    usage: usage.unwrap_or_default(),
                })
            }
            Some(sink) => {
                let guardrail = self.guardrail.as_ref().map(|g| {
                    GuardrailStreamConfiguration::builder()
                        .guardrail_identifier(&g.id)
                        .guardrail_version(&g.version)
                        .build()
                });
                let output = self
                    .client
                    .get()
                    .await
                    .converse_stream()
                    .model_id(&self.model_id)
                    .system(SystemContentBlock::Text(request.system.to_string()))
                    .set_messages(Some(messages))
                    .inference_config(inference)
                    .set_tool_config(tools)
                    .set_guardrail_config(guardrail)
                    .send()
                    .await
                    .map_err(model_error)?;
                let mut stream = output.stream;
                let mut assembly = Assembly::default();
                loop {
                    match stream.recv().await {
                        Ok(Some(event)) => {
                            if let Some(text) = assembly.take(event)
                                && sink.send(text).await.is_err()
                            {
                                // The client went away: stop paying for tokens nobody reads.
                                return Err(ModelError::Failed("client disconnected".into()));
                            }
                        }
                        Ok(None) => break,
                        Err(e) => return Err(stream_error(e)),
                    }
                }
                Ok(assembly.finish())
            }
        }
    }
}

/// A streamed answer put back together: text deltas appended per content block, tool-use
/// input (sent as JSON text in pieces) parsed when its block ends.
#[derive(Default)]
struct Assembly {
    blocks: Vec<Partial>,
    stop: Option<Stop>,
    usage: TokenUsage,
}

enum Partial {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: String,
    },
}

impl Assembly {
    fn slot(&mut self, index: i32) -> usize {
        let index = index.max(0) as usize;
        while self.blocks.len() <= index {
            self.blocks.push(Partial::Text(String::new()));
        }
        index
    }

    /// Records one event; returns text to forward to the client.
    fn take(&mut self, event: Event) -> Option<String> {
        match event {
            Event::ContentBlockStart(start) => {
                if let Some(ContentBlockStart::ToolUse(tool)) = start.start {
                    let i = self.slot(start.content_block_index);
                    self.blocks[i] = Partial::ToolUse {
                        id: tool.tool_use_id,
                        name: tool.name,
                        input: String::new(),
                    };
                }
                None
            }
            Event::ContentBlockDelta(delta) => {
                let i = self.slot(delta.content_block_index);
                match (delta.delta, &mut self.blocks[i]) {
                    (Some(ContentBlockDelta::Text(text)), Partial::Text(all)) => {
                        all.push_str(&text);
                        Some(text)
                    }
                    (Some(ContentBlockDelta::ToolUse(part)), Partial::ToolUse { input, .. }) => {
                        input.push_str(&part.input);
                        None
                    }
                    _ => None,
                }
            }
            Event::MessageStop(end) => {
                self.stop = Some(stop(&end.stop_reason));
                None
            }
            Event::Metadata(meta) => {
                if let Some(u) = meta.usage {
                    self.usage = TokenUsage {
                        input: u.input_tokens.max(0) as u64,
                        output: u.output_tokens.max(0) as u64,
                    };
                }
                None
            }
            _ => None,
        }
    }

    fn finish(self) -> ModelReply {
        let blocks = self
            .blocks
            .into_iter()
            .filter_map(|partial| match partial {
                Partial::Text(text) if text.is_empty() => None,
                Partial::Text(text) => Some(Block::Text(text)),
                Partial::ToolUse { id, name, input } => Some(Block::ToolUse {
                    id,
                    name,
                    // A model that sends no input means "no arguments".
                    input: serde_json::from_str(&input)
                        .unwrap_or(Value::Object(Default::default())),
                }),
            })
            .collect();
        ModelReply {
            blocks,
            stop: self.stop.unwrap_or(Stop::EndTurn),
            usage: self.usage,
        }
    }
}

fn stop(reason: &bedrock::StopReason) -> Stop {
    match reason {
        bedrock::StopReason::EndTurn | bedrock::StopReason::StopSequence => Stop::EndTurn,
        bedrock::StopReason::ToolUse => Stop::ToolUse,
        bedrock::StopReason::MaxTokens => Stop::MaxTokens,
        bedrock::StopReason::GuardrailIntervened => Stop::GuardrailIntervened,
        bedrock::StopReason::ContentFiltered => Stop::ContentFiltered,
        other => Stop::Other(other.as_str().to_string()),
    }
}

fn refused(error: impl std::fmt::Display) -> ModelError {
    ModelError::Refused(error.to_string())
}

/// An error Bedrock sends inside the stream, after the answer began.
fn stream_error<R: std::fmt::Debug>(
    error: SdkError<bedrock::error::ConverseStreamOutputError, R>,
) -> ModelError {
    use bedrock::error::ConverseStreamOutputError as E;
    let text = DisplayErrorContext(&error).to_string();
    match error.as_service_error() {
        Some(E::ThrottlingException(_)) => ModelError::Throttled(text),
        Some(E::ServiceUnavailableException(_)) => ModelError::Unavailable(text),
        Some(E::ValidationException(_)) => ModelError::Refused(text),
        Some(_) => ModelError::Failed(text),
        None => ModelError::Unavailable(text),
    }
}

fn tool_configuration(request: &ModelRequest<'_>) -> Result<Option<ToolConfiguration>, ModelError> {
    if request.tools.is_empty() {
        return Ok(None);
    }
    let tools = request
        .tools
        .iter()
        .map(|spec| {
            ToolSpecification::builder()
                .name(spec.name)
                .description(spec.description)
                .input_schema(ToolInputSchema::Json(document(&spec.schema)))
                .build()
                .map(Tool::ToolSpec)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(refused)?;
    ToolConfiguration::builder()
        .set_tools(Some(tools))
        .build()
        .map(Some)
        .map_err(refused)
}

fn message(turn: &super::Turn) -> Result<Message, ModelError> {
    let role = match turn.speaker {
        Speaker::User => ConversationRole::User,
        Speaker::Assistant => ConversationRole::Assistant,
    };
    let content = turn
        .blocks
        .iter()
        .map(block_to_bedrock)
        .collect::<Result<Vec<_>, _>>()?;
    Message::builder()
        .role(role)
        .set_content(Some(content))
        .build()
        .map_err(refused)
}

fn block_to_bedrock(block: &Block) -> Result<ContentBlock, ModelError> {
    Ok(match block {
        Block::Text(text) => ContentBlock::Text(text.clone()),
        Block::Image { format, bytes } => {
            let format = match format {
                ImageFormat::Png => bedrock::ImageFormat::Png,
                ImageFormat::Jpeg => bedrock::ImageFormat::Jpeg,
                ImageFormat::Webp => bedrock::ImageFormat::Webp,
            };
            ContentBlock::Image(
                ImageBlock::builder()
                    .format(format)
                    .source(ImageSource::Bytes(Blob::new(bytes.to_vec())))
                    .build()
                    .map_err(refused)?,
            )
        }
        Block::ToolUse { id, name, input } => ContentBlock::ToolUse(
            ToolUseBlock::builder()
                .tool_use_id(id)
                .name(name)
                .input(document(input))
                .build()
                .map_err(refused)?,
        ),
        Block::ToolResult {
            id,
            content,
            is_error,
        } => ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id(id)
                // Converse takes a JSON result only as an object.
                .content(ToolResultContentBlock::Json(document(&match content {
                    Value::Object(_) => content.clone(),
                    other => serde_json::json!({ "result": other }),
                })))
                .status(if *is_error {
                    ToolResultStatus::Error
                } else {
                    ToolResultStatus::Success
                })
                .build()
                .map_err(refused)?,
        ),
    })
}

fn block_from_bedrock(block: ContentBlock) -> Option<Block> {
    match block {
        ContentBlock::Text(text) => Some(Block::Text(text)),
        ContentBlock::ToolUse(tool) => Some(Block::ToolUse {
            id: tool.tool_use_id,
            name: tool.name,
            input: json(&tool.input),
        }),
        // Reasoning and citations blocks are not part of what we keep.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_assembles_text_and_tool_input_in_order() {
        use bedrock::{
            ContentBlockDeltaEvent, ContentBlockStartEvent, MessageStopEvent, ToolUseBlockDelta,
            ToolUseBlockStart,
        };
        let mut a = Assembly::default();
        let text = |i, t: &str| {
            Event::ContentBlockDelta(
                ContentBlockDeltaEvent::builder()
                    .content_block_index(i)
                    .delta(ContentBlockDelta::Text(t.into()))
                    .build()
                    .unwrap(),
            )
        };
        assert_eq!(a.take(text(0, "Let me ")), Some("Let me ".into()));
        a.take(text(0, "look."));
        a.take(Event::ContentBlockStart(
            ContentBlockStartEvent::builder()
                .content_block_index(1)
                .start(ContentBlockStart::ToolUse(
                    ToolUseBlockStart::builder()
                        .tool_use_id("t1")
                        .name("search_catalog")
                        .build()
                        .unwrap(),
                ))
                .build()
                .unwrap(),
        ));
        for piece in ["{\"query\":", "\"desk\"}"] {
            a.take(Event::ContentBlockDelta(
                ContentBlockDeltaEvent::builder()
                    .content_block_index(1)
                    .delta(ContentBlockDelta::ToolUse(
                        ToolUseBlockDelta::builder().input(piece).build().unwrap(),
                    ))
                    .build()
                    .unwrap(),
            ));
        }
        a.take(Event::MessageStop(
            MessageStopEvent::builder()
                .stop_reason(bedrock::StopReason::ToolUse)
                .build()
                .unwrap(),
        ));
        let reply = a.finish();
        assert_eq!(reply.stop, Stop::ToolUse);
        assert_eq!(
            reply.blocks,
            vec![
                Block::Text("Let me look.".into()),
                Block::ToolUse {
                    id: "t1".into(),
                    name: "search_catalog".into(),
                    input: serde_json::json!({"query": "desk"}),
                }
            ]
        );
    }
}
