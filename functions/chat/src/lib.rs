//! The `chat` function: the design assistant.
//!
//! - Conversations (`/v1/conversations...`) with messages answered by a [`model::Model`]:
//!   Amazon Bedrock Converse / ConverseStream with tools in AWS, the rule-based
//!   [`model::offline::OfflineAssistant`] without it. Answers come whole (JSON) or as
//!   server-sent events.
//! - [`tools`]: what the assistant can do, with the caller's permissions.
//! - Room style analysis (`/v1/analyses/style`): a photo's palette, brightness and warmth, its
//!   style named by the Bedrock model, optionally kept in a project's requirements.
//! - Concept images (`/v1/images/generate`, `/v1/images/edit`) through a Bedrock image model.
//! - [`limits`] (messages per minute and day) and the usage [`ledger`] (`GET /v1/usage`) with
//!   the organisation's monthly budget.

pub mod agent;
pub mod context;
pub mod conversation;
pub mod images;
pub mod ledger;
pub mod limits;
pub mod model;
mod routes;
pub mod settings;
pub mod tools;

use std::sync::Arc;

use axum::{Extension, Router};
use roomwright_catalog::SearchService;
use roomwright_core::{AppState, http::finish};
use utoipa_axum::router::OpenApiRouter;

use crate::{
    images::ImageModel,
    model::{
        Model,
        bedrock::{BedrockClient, BedrockModel},
        offline::OfflineAssistant,
    },
    settings::{Backend, ChatSettings, SettingError},
};

/// What the chat routes need beyond [`AppState`].
#[derive(Clone)]
pub struct ChatContext {
    pub settings: Arc<ChatSettings>,
    pub model: Arc<dyn Model>,
    /// The concept image model; absent offline.
    pub images: Option<Arc<ImageModel>>,
    /// Bedrock, for the calls outside a conversation (naming a room's style); absent offline.
    pub bedrock: Option<Arc<BedrockClient>>,
    /// The catalog's search index, loaded on first use (text search only: the assistant
    /// writes keyword queries, and the embedding model would double the cold start).
    pub catalog: Arc<SearchService>,
}

impl ChatContext {
    /// The deployment's model (Bedrock, or the offline assistant) from `CHAT_*` settings.
    pub fn from_env(state: &AppState) -> Result<Self, SettingError> {
        let settings = ChatSettings::from_env()?;
        let client = Arc::new(BedrockClient::lazy(
            state.aws.clone(),
            std::env::var("CHAT_BEDROCK_REGION")
                .ok()
                .filter(|r| !r.is_empty()),
        ));
        Ok(Self::with_client(settings, client))
    }

    /// The offline assistant, with the deployment's other `CHAT_*` settings (limits, prices):
    /// the local runner, which has no Bedrock.
    pub fn offline(aws: Arc<roomwright_core::aws::Aws>) -> Result<Self, SettingError> {
        let settings = ChatSettings::from_lookup(|name| match name {
            "CHAT_ASSISTANT" => Some("offline".into()),
            other => std::env::var(other).ok(),
        })?;
        Ok(Self::with_client(
            settings,
            Arc::new(BedrockClient::lazy(aws, None)),
        ))
    }

    /// A context whose Bedrock calls go through `client` (tests give one that replays
    /// recorded responses).
    pub fn with_client(settings: ChatSettings, client: Arc<BedrockClient>) -> Self {
        let bedrock = (settings.backend == Backend::Bedrock).then(|| client.clone());
        let (model, images): (Arc<dyn Model>, _) = match settings.backend {
            Backend::Offline => (Arc::new(OfflineAssistant), None),
            Backend::Bedrock => (
                Arc::new(BedrockModel::new(
                    client.clone(),
                    settings.model_id.clone(),
                    settings.guardrail.clone(),
                )),
                Some(Arc::new(ImageModel::new(
                    client,
                    settings.image_model_id.clone(),
                ))),
            ),
        };
        Self {
            settings: Arc::new(settings),
            model,
            images,
            bedrock,
            catalog: Arc::new(SearchService::new(None)),
        }
    }
}

pub fn routes(context: ChatContext) -> OpenApiRouter<AppState> {
    routes::all().layer(Extension(context))
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState, context: ChatContext) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(|| routes(context)).split_for_parts();
    finish(router.with_state(state))
}
