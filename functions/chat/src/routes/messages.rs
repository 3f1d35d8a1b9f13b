//! `POST /v1/conversations/{id}/messages`: the user's message (text and images) answered by the
//! assistant, whole as JSON or streamed as server-sent events (`Accept: text/event-stream`).
//!
//! The message and its answer are stored together once the answer is complete; an answer
//! that fails (model error, throttling, budget) stores nothing and can simply be sent again.

use std::convert::Infallible;

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, header},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, KeepAlive, Sse},
    },
};
use futures::{StreamExt, stream};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState, FieldErrors,
    auth::{Caller, Require, perm},
    dynamo::Versioned,
    http::ApiJson,
    s3, time,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::ToSchema;

use super::conversations::load;
use crate::{
    ChatContext,
    agent::{Agent, Event},
    context,
    conversation::{self, Conversation, ImageFormat, ImageRef, Message, Role, ToolCall},
    ledger, limits,
};

const MAX_TEXT: usize = 8_000;
const MAX_IMAGES: usize = 4;
/// Newest messages read for an answer; older ones reach the model as summary lines.
const HISTORY_WINDOW: u32 = 40;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    #[serde(default)]
    pub text: String,
    /// S3 keys of images uploaded through `POST /v1/chat/uploads` (jpeg, png or webp).
    #[serde(default)]
    pub images: Vec<String>,
}

/// The assistant's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reply {
    /// The assistant's message (its tool calls are listed beside it).
    pub message: Message,
    pub tool_calls: Vec<ToolCall>,
}

/// Checks the message; reads its images to check what they really are.
async fn validate(
    state: &AppState,
    chat: &ChatContext,
    caller: &Caller,
    request: &NewMessage,
) -> Result<Vec<ImageRef>, ApiError> {
    let mut errors = FieldErrors::new();
    let text = request.text.trim();
    if text.is_empty() && request.images.is_empty() {
        errors.add("text", "required", "Send text, images, or both.");
    }
    if text.chars().count() > MAX_TEXT {
        errors.add(
            "text",
            "too_long",
            format!("At most {MAX_TEXT} characters."),
        );
    }
    if request.images.len() > MAX_IMAGES {
        errors.add(
            "images",
            "too_many",
            format!("At most {MAX_IMAGES} images."),
        );
    }
    errors.finish()?;
    let mut errors = FieldErrors::new();
    let mut images = Vec::new();
    let own = super::uploads::prefix(&caller.user_id);
    for (i, key) in request.images.iter().enumerate() {
        let path = format!("images[{i}]");
        // One plain name under the caller's own prefix: no `..`, no nested folders, no odd
        // characters (S3 keys are literal, but a key is never a path to walk).
        let name = key.strip_prefix(&own).unwrap_or_default();
        let plain = !name.is_empty()
            && name.len() <= 100
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !name.contains("..");
        if !plain {
            errors.add(
                path,
                "not_your_upload",
                "Use a key from POST /v1/chat/uploads.",
            );
            continue;
        }
        let bytes = s3::get_bytes(&state.aws, &state.config.bucket_name, key)
            .await
            .map_err(ApiError::internal)?;
        match bytes {
            None => errors.add(path, "not_uploaded", "Nothing was uploaded under this key."),
            Some(b) if b.len() as u64 > chat.settings.max_image_bytes => errors.add(
                path,
                "too_large",
                format!(
                    "Images are at most {} bytes.",
                    chat.settings.max_image_bytes
                ),
            ),
            Some(b) => match ImageFormat::sniff(&b) {
                Some(format) => images.push(ImageRef {
                    key: key.clone(),
                    format,
                }),
                None => errors.add(path, "unsupported_image", "Images are JPEG, PNG or WebP."),
            },
        }
    }
    errors.finish()?;
    Ok(images)
}

/// One message being answered, with everything it needs owned (it may run in its own task).
struct Work {
    state: AppState,
    chat: ChatContext,
    caller: Caller,
    conversation: Versioned<Conversation>,
    user: Message,
}

impl Work {
    async fn run(self, events: Option<mpsc::Sender<Event>>) -> Result<Reply, ApiError> {
        let Work {
            state,
            chat,
            caller,
            conversation,
            user,
        } = self;
        let Versioned {
            value: mut conversation,
            version,
        } = conversation;
        let history = conversation::recent(&state, &conversation.id, HISTORY_WINDOW).await?;
        let turns = context::build(
            &state,
            &conversation.summary,
            &history,
            &user,
            chat.settings.context_tokens,
        )
        .await?;
        // Unique per attempt: a retried message is new model calls, billed anew.
        let message_key = format!("msg_{}", uuid::Uuid::now_v7().simple());
        let agent = Agent {
            state: &state,
            settings: &chat.settings,
            model: chat.model.as_ref(),
            catalog: &chat.catalog,
            caller: &caller,
            conversation_id: &conversation.id,
            project_id: conversation.project_id.as_deref(),
            message_key: &message_key,
        };
        let answer = agent.answer(turns, events.as_ref()).await?;
        let assistant = Message {
            seq: user.seq + 1,
            role: Role::Assistant,
            text: answer.text,
            images: Vec::new(),
            tool_calls: answer.tool_calls,
            stop_reason: Some(answer.stop),
            guardrail_intervened: answer.guardrail_intervened,
            usage: Some(answer.usage),
            created_at: time::sortable(time::now()),
        };
        conversation.remember(user.seq, context::summary_line(&user));
        conversation.remember(assistant.seq, context::summary_line(&assistant));
        if conversation.title.is_empty() {
            conversation.title = user.text.chars().take(60).collect();
        }
        conversation.message_count = assistant.seq + 1;
        conversation.updated_at = assistant.created_at.clone();
        conversation::append(
            &state,
            &conversation,
            version,
            &[user, assistant.clone()],
            chat.settings.spill_bytes,
        )
        .await?;
        let tool_calls = assistant.tool_calls.clone();
        Ok(Reply {
            message: Message {
                tool_calls: Vec::new(),
                ..assistant
            },
            tool_calls,
        })
    }
}

fn sse(name: &str, data: serde_json::Value) -> Result<SseEvent, Infallible> {
    Ok(SseEvent::default().event(name).data(data.to_string()))
}

fn to_sse(event: Event) -> Result<SseEvent, Infallible> {
    match event {
        Event::Text(text) => sse("text", json!({ "text": text })),
        Event::ToolCall { name, input } => sse("tool_call", json!({"name": name, "input": input})),
        Event::ToolResult {
            name,
            result,
            is_error,
        } => sse(
            "tool_result",
            json!({"name": name, "result": result, "is_error": is_error}),
        ),
    }
}

fn final_event(result: Result<Result<Reply, ApiError>, tokio::task::JoinError>) -> SseEvent {
    let outcome = result.unwrap_or_else(|e| Err(ApiError::internal(e)));
    let (name, data) = match outcome {
        Ok(reply) => (
            "message",
            serde_json::to_value(reply).expect("serialisable"),
        ),
        Err(error) => (
            "error",
            serde_json::to_value(error.to_problem()).expect("serialisable"),
        ),
    };
    SseEvent::default().event(name).data(data.to_string())
}

/// Sends a message and answers it. With `Accept: text/event-stream` the answer streams as
/// events `text` (pieces of the answer in order), `tool_call`, `tool_result`, then `message`
/// (the stored answer, as the JSON reply) or `error` (a problem; nothing was stored). Errors
/// before the first event are ordinary problem responses.
#[utoipa::path(
    post, path = "/v1/conversations/{id}/messages", tag = "chat", request_body = NewMessage,
    params(("id" = String, Path)), security(("bearer" = ["products:read"])),
    responses((status = 200, body = Reply), (status = 402), (status = 404), (status = 409),
              (status = 422), (status = 429), (status = 502), (status = 503))
)]
pub async fn post_message(
    State(state): State<AppState>,
    Extension(chat): Extension<ChatContext>,
    Require(caller, _): Require<perm::ProductsRead>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<NewMessage>,
) -> Result<Response, ApiError> {
    let conversation = load(&state, &caller, &id).await?;
    let images = validate(&state, &chat, &caller, &request).await?;
    let now = time::now();
    limits::take_message(&state.table(), &chat.settings, &caller.user_id, now).await?;
    ledger::check_budget(
        &state.table(),
        &chat.settings,
        conversation.value.project_id.as_deref(),
        now,
    )
    .await?;
    let user = Message {
        seq: conversation.value.message_count,
        role: Role::User,
        text: request.text.trim().to_string(),
        images,
        tool_calls: Vec::new(),
        stop_reason: None,
        guardrail_intervened: false,
        usage: None,
        created_at: time::sortable(now),
    };
    let work = Work {
        state,
        chat,
        caller,
        conversation,
        user,
    };
    let streaming = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if !streaming {
        return Ok(Json(work.run(None).await?).into_response());
    }

    let (sender, mut receiver) = mpsc::channel::<Event>(64);
    let mut task = tokio::spawn(work.run(Some(sender)));
    // Until the first event the answer may still fail as a plain problem response.
    let whole = |reply: Reply| {
        let data = serde_json::to_value(reply).expect("serialisable");
        Sse::new(stream::once(async move { sse("message", data) })).into_response()
    };
    let first = tokio::select! {
        event = receiver.recv() => event,
        result = &mut task => return Ok(whole(result.map_err(ApiError::internal)??)),
    };
    let Some(first) = first else {
        // The sender is gone: the answer finished, or failed, without an event.
        return Ok(whole(task.await.map_err(ApiError::internal)??));
    };
    let head = stream::once(async move { to_sse(first) });
    let rest = ReceiverStream::new(receiver).map(to_sse);
    let tail = stream::once(async move { Ok(final_event(task.await)) });
    let events = head.chain(rest).chain(tail);
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}
