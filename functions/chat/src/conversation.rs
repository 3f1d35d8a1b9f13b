//! Conversations and their messages as stored and returned.
//!
//! A conversation is one item; each message is one item under it (`MSG#<seq>`). A message
//! whose body is larger than the spill threshold keeps only its head in DynamoDB and its body
//! in S3 (`conversations/<id>/<seq>.json`), so long tool results never hit the 400 KB item
//! limit. A turn (the user's message and the assistant's answer) is written in one
//! transaction with the conversation's counter, so a failed answer stores nothing.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use roomwright_core::{
    ApiError, AppState,
    dynamo::{
        Keys, PageRequest, SortKey, StoreError, Table, TransactError, Versioned, index::GSI1,
    },
    s3,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
}

impl ImageFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type {
            "image/png" => Some(ImageFormat::Png),
            "image/jpeg" => Some(ImageFormat::Jpeg),
            "image/webp" => Some(ImageFormat::Webp),
            _ => None,
        }
    }

    /// What the bytes are, by their signature (a client's content type is not trusted).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else {
            None
        }
    }
}

/// An image in a message: an S3 key of ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImageRef {
    pub key: String,
    pub format: ImageFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = MessageRole)]
pub enum Role {
    User,
    Assistant,
}

/// One tool call the assistant made while answering, with what our code returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToolCall {
    pub name: String,
    pub input: Value,
    pub result: Value,
    /// The tool refused or failed; `result.error` says why.
    #[serde(default)]
    pub is_error: bool,
}

/// Tokens and cost of the model calls behind one answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MessageUsage {
    pub model_calls: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Millionths of a US dollar, from the deployment's price table.
    pub cost_micro_usd: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub seq: u32,
    pub role: Role,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// Why the model stopped (`end_turn`, `max_tokens`, `guardrail_intervened`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// The deployment's Bedrock Guardrail blocked or replaced this answer.
    #[serde(default)]
    pub guardrail_intervened: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<MessageUsage>,
    pub created_at: String,
}

/// A stored message: the whole message, or its head with the body in S3.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredMessage {
    seq: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Conversation {
    pub id: String,
    pub owner_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub title: String,
    pub message_count: u32,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// One line per message (the newest [`SUMMARY_LINES`]): what the model is told of messages
    /// older than the window it is shown, without reading them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(ignore)]
    pub summary: Vec<SummaryLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryLine {
    pub seq: u32,
    pub line: String,
}

/// Summary lines a conversation keeps.
pub const SUMMARY_LINES: usize = 100;

impl Conversation {
    pub fn remember(&mut self, seq: u32, line: String) {
        self.summary.push(SummaryLine { seq, line });
        let excess = self.summary.len().saturating_sub(SUMMARY_LINES);
        self.summary.drain(..excess);
    }
}

const SK: &str = "CONVERSATION";

pub fn pk(id: &str) -> String {
    format!("CONV#{id}")
}

fn message_sk(seq: u32) -> String {
    format!("MSG#{seq:06}")
}

fn keys(c: &Conversation) -> Keys {
    let keys = Keys::new(pk(&c.id), SK);
    // Deleted conversations leave the owner's list (the record stays for the ledger's sake).
    if c.deleted_at.is_some() {
        keys
    } else {
        keys.gsi1(
            format!("USER#{}#CONVS", c.owner_id),
            format!("{}#{}", c.updated_at, c.id),
        )
    }
}

pub async fn create(table: &Table, conversation: &Conversation) -> Result<(), ApiError> {
    table.create(&keys(conversation), conversation).await?;
    Ok(())
}

pub async fn get(table: &Table, id: &str) -> Result<Option<Versioned<Conversation>>, ApiError> {
    Ok(table.get(&pk(id), SK).await?)
}

pub async fn replace(
    table: &Table,
    conversation: &Conversation,
    expected: u64,
) -> Result<u64, ApiError> {
    Ok(table
        .replace(&keys(conversation), conversation, expected)
        .await?)
}

/// The owner's live conversations, most recently active first.
pub async fn list(
    table: &Table,
    owner_id: &str,
    page: &PageRequest,
) -> Result<roomwright_core::dynamo::Page<Versioned<Conversation>>, StoreError> {
    table
        .query(
            Some(GSI1),
            &format!("USER#{owner_id}#CONVS"),
            SortKey::Any,
            page,
            true,
        )
        .await
}

/// Every message of a conversation, oldest first, bodies fetched from S3 where spilled.
pub async fn messages(state: &AppState, id: &str) -> Result<Vec<Message>, ApiError> {
    let stored: Vec<Versioned<StoredMessage>> = state
        .table()
        .query_all(None, &pk(id), SortKey::Prefix("MSG#"))
        .await?;
    bodies(state, id, stored).await
}

/// The newest `limit` messages, oldest first: what an answer reads, whatever the length of
/// the conversation.
pub async fn recent(state: &AppState, id: &str, limit: u32) -> Result<Vec<Message>, ApiError> {
    let page = state
        .table()
        .query::<StoredMessage>(
            None,
            &pk(id),
            SortKey::Prefix("MSG#"),
            &PageRequest {
                limit,
                cursor: None,
            },
            true,
        )
        .await?;
    let mut stored = page.items;
    stored.reverse();
    bodies(state, id, stored).await
}

async fn bodies(
    state: &AppState,
    id: &str,
    stored: Vec<Versioned<StoredMessage>>,
) -> Result<Vec<Message>, ApiError> {
    let mut out = Vec::with_capacity(stored.len());
    for item in stored {
        match (item.value.message, item.value.body_key) {
            (Some(message), _) => out.push(message),
            (None, Some(key)) => {
                let bytes = s3::get_bytes(&state.aws, &state.config.bucket_name, &key)
                    .await
                    .map_err(ApiError::internal)?
                    .ok_or_else(|| ApiError::internal(format!("message body {key} is missing")))?;
                out.push(serde_json::from_slice(&bytes).map_err(ApiError::internal)?);
            }
            (None, None) => {
                return Err(ApiError::internal(format!(
                    "message {} of {id} has no body",
                    item.value.seq
                )));
            }
        }
    }
    Ok(out)
}

/// Why a turn could not be stored.
#[derive(Debug)]
pub enum AppendError {
    /// Another answer was stored in this conversation since it was read.
    Concurrent,
    Failed(ApiError),
}

impl From<AppendError> for ApiError {
    fn from(error: AppendError) -> Self {
        match error {
            AppendError::Concurrent => ApiError::conflict(
                "conversation_busy",
                "Another message was answered in this conversation meanwhile; send yours again.",
            ),
            AppendError::Failed(e) => e,
        }
    }
}

/// Stores `messages` after the conversation's last one and the conversation itself, all or
/// nothing, only if the conversation is still at `expected` (no other turn landed between).
pub async fn append(
    state: &AppState,
    conversation: &Conversation,
    expected: u64,
    messages: &[Message],
    spill_bytes: usize,
) -> Result<u64, AppendError> {
    let table = state.table();
    let failed = |e: StoreError| AppendError::Failed(e.into());
    let mut items = Vec::new();
    for message in messages {
        let body = serde_json::to_vec(message).expect("serialisable");
        let stored = if body.len() > spill_bytes {
            let key = format!("conversations/{}/{:06}.json", conversation.id, message.seq);
            // Written first: a turn whose transaction then fails leaves an unreferenced object
            // that the next attempt overwrites, never a reference to nothing.
            s3::put_bytes(
                &state.aws,
                &state.config.bucket_name,
                &key,
                "application/json",
                body,
            )
            .await
            .map_err(|e| AppendError::Failed(ApiError::internal(e)))?;
            StoredMessage {
                seq: message.seq,
                message: None,
                body_key: Some(key),
            }
        } else {
            StoredMessage {
                seq: message.seq,
                message: Some(message.clone()),
                body_key: None,
            }
        };
        let item = Table::item(
            &Keys::new(pk(&conversation.id), message_sk(message.seq)),
            &stored,
            1,
        )
        .map_err(failed)?;
        let put = Put::builder()
            .table_name(table.name())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| AppendError::Failed(ApiError::internal(e)))?;
        items.push(TransactWriteItem::builder().put(put).build());
    }
    let (put, version) = table
        .versioned_put(&keys(conversation), conversation, Some(expected))
        .map_err(failed)?;
    items.push(put);
    match table.transact(items).await {
        Ok(()) => Ok(version),
        Err(TransactError::Cancelled(_)) => Err(AppendError::Concurrent),
        Err(TransactError::Service(e)) => Err(failed(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_formats_are_told_by_their_bytes() {
        assert_eq!(
            ImageFormat::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(ImageFormat::Png)
        );
        assert_eq!(
            ImageFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(
            ImageFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageFormat::Webp)
        );
        assert_eq!(ImageFormat::sniff(b"GIF89a"), None);
    }
}
