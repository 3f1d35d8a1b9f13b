//! The language model behind the assistant, as one trait: [`bedrock::BedrockModel`] (Amazon
//! Bedrock Converse / ConverseStream) in AWS, [`offline::OfflineAssistant`] (rules, no network)
//! where there is no Bedrock. Both answer the same requests with the same tool calls, so the
//! agent loop, the tools and the ledger are one code path.

pub mod bedrock;
pub mod offline;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::conversation::ImageFormat;

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    User,
    Assistant,
}

/// One piece of a message as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    Image {
        format: ImageFormat,
        bytes: Bytes,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    ToolResult {
        id: String,
        content: Value,
        is_error: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub speaker: Speaker,
    pub blocks: Vec<Block>,
}

/// A tool the model may call: its name, what it is for, and its input's JSON schema.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: Value,
}

/// Sampling settings of a deployment (`CHAT_*` settings).
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    pub max_tokens: i32,
    pub temperature: f32,
}

#[derive(Debug, Clone)]
pub struct ModelRequest<'a> {
    pub system: &'a str,
    pub turns: &'a [Turn],
    pub tools: &'a [ToolSpec],
    pub sampling: &'a Sampling,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    EndTurn,
    /// It asks for the tool calls in its reply.
    ToolUse,
    MaxTokens,
    /// The deployment's Bedrock Guardrail replaced the input or the answer.
    GuardrailIntervened,
    ContentFiltered,
    Other(String),
}

impl Stop {
    pub fn as_str(&self) -> &str {
        match self {
            Stop::EndTurn => "end_turn",
            Stop::ToolUse => "tool_use",
            Stop::MaxTokens => "max_tokens",
            Stop::GuardrailIntervened => "guardrail_intervened",
            Stop::ContentFiltered => "content_filtered",
            Stop::Other(other) => other,
        }
    }
}

/// Tokens one model call consumed, as the model reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub input: u64,
    pub output: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelReply {
    pub blocks: Vec<Block>,
    pub stop: Stop,
    pub usage: TokenUsage,
}

impl ModelReply {
    pub fn text(&self) -> String {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }
}

pub use roomwright_visual::bedrock::ModelError;

/// A language model that answers a conversation, optionally streaming its text.
#[async_trait]
pub trait Model: Send + Sync {
    /// The model id the ledger prices calls by.
    fn model_id(&self) -> &str;

    /// Answers `request`; when `deltas` is given, sends the answer's text to it piece by piece
    /// as it is generated (ConverseStream) and still returns the whole reply.
    async fn converse(
        &self,
        request: &ModelRequest<'_>,
        deltas: Option<&mpsc::Sender<String>>,
    ) -> Result<ModelReply, ModelError>;
}
