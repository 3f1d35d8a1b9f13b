//! Conversations: start one (optionally about a project), list, read with its messages, delete.
//! A conversation is its owner's alone: anyone else gets 404.

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState, FieldErrors,
    auth::{Caller, Require, perm},
    dynamo::{PageParams, Versioned},
    http::{ApiJson, ApiQuery},
    time,
};
use roomwright_projects::access::{self, Need};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::conversation::{self, Conversation, Message};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    /// The project the assistant works on; the caller must be a member.
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationPage {
    pub items: Vec<Conversation>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationWithMessages {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}

const MAX_TITLE: usize = 200;

/// A conversation as clients see it: the summary lines are the model's, not theirs (the
/// messages are there to read).
fn shown(mut conversation: Conversation) -> Conversation {
    conversation.summary.clear();
    conversation
}

/// The caller's live conversation `id`.
pub async fn load(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Versioned<Conversation>, ApiError> {
    match conversation::get(&state.table(), id).await? {
        Some(c) if c.value.owner_id == caller.user_id && c.value.deleted_at.is_none() => Ok(c),
        _ => Err(ApiError::not_found(
            "conversation_not_found",
            format!("No conversation {id} of yours."),
        )),
    }
}

/// Starts a conversation, optionally about a project the caller can see.
#[utoipa::path(
    post, path = "/v1/conversations", tag = "chat", request_body = NewConversation,
    security(("bearer" = ["products:read"])),
    responses((status = 201, body = Conversation), (status = 404), (status = 422))
)]
pub async fn create_conversation(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProductsRead>,
    ApiJson(request): ApiJson<NewConversation>,
) -> Result<(StatusCode, Json<Conversation>), ApiError> {
    let mut errors = FieldErrors::new();
    let title = request.title.unwrap_or_default().trim().to_string();
    if title.chars().count() > MAX_TITLE {
        errors.add(
            "title",
            "too_long",
            format!("At most {MAX_TITLE} characters."),
        );
    }
    errors.finish()?;
    if let Some(project) = &request.project_id {
        access::load(&state, &caller, project, Need::Read).await?;
    }
    let now = time::sortable(time::now());
    let conversation = Conversation {
        id: format!("conv_{}", uuid::Uuid::now_v7().simple()),
        owner_id: caller.user_id.clone(),
        project_id: request.project_id,
        title,
        message_count: 0,
        created_at: now.clone(),
        updated_at: now,
        deleted_at: None,
        summary: Vec::new(),
    };
    conversation::create(&state.table(), &conversation).await?;
    Ok((StatusCode::CREATED, Json(conversation)))
}

/// The caller's conversations, most recently active first.
#[utoipa::path(
    get, path = "/v1/conversations", tag = "chat", params(PageParams),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = ConversationPage), (status = 422))
)]
pub async fn list_conversations(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProductsRead>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<ConversationPage>, ApiError> {
    let page = page.parse()?;
    let result = conversation::list(&state.table(), &caller.user_id, &page).await?;
    Ok(Json(ConversationPage {
        items: result.items.into_iter().map(|c| shown(c.value)).collect(),
        next_cursor: result.next_cursor,
    }))
}

/// A conversation with all its messages and the tool calls behind each answer.
#[utoipa::path(
    get, path = "/v1/conversations/{id}", tag = "chat", params(("id" = String, Path)),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = ConversationWithMessages), (status = 404))
)]
pub async fn get_conversation(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProductsRead>,
    Path(id): Path<String>,
) -> Result<Json<ConversationWithMessages>, ApiError> {
    let conversation = shown(load(&state, &caller, &id).await?.value);
    let messages = conversation::messages(&state, &id).await?;
    Ok(Json(ConversationWithMessages {
        conversation,
        messages,
    }))
}

/// Deletes a conversation: it leaves the list and can no longer be read or continued. Its
/// usage stays in the ledger.
#[utoipa::path(
    delete, path = "/v1/conversations/{id}", tag = "chat", params(("id" = String, Path)),
    security(("bearer" = ["products:read"])),
    responses((status = 204), (status = 404))
)]
pub async fn delete_conversation(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProductsRead>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let Versioned { mut value, version } = load(&state, &caller, &id).await?;
    value.deleted_at = Some(time::sortable(time::now()));
    conversation::replace(&state.table(), &value, version).await?;
    Ok(StatusCode::NO_CONTENT)
}
