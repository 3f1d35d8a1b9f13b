//! Concept images: `POST /v1/images/generate` (from a prompt) and `POST /v1/images/edit`
//! (restyle a room photo, or replace an area given by a mask image or mask words). Results go
//! to S3 under the project (or the user), are entered in the ledger, and are attached to the
//! conversation when one is named.

use std::time::Duration;

use axum::{Extension, Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState, FieldErrors,
    auth::{Caller, Require, perm},
    http::ApiJson,
    s3, time,
};
use roomwright_projects::access::{self, Need};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::conversations;
use crate::{
    ChatContext,
    agent::model_error,
    conversation::{self, ImageFormat, ImageRef, Message, Role},
    images::{Canvas, Mask, Task},
    ledger::{self, Entry},
    limits,
};

const URL_TTL: Duration = Duration::from_secs(15 * 60);
const MAX_PROMPT: usize = 1_024;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    pub prompt: String,
    #[serde(default)]
    pub negative_prompt: Option<String>,
    #[serde(default = "default_side")]
    pub width: u32,
    #[serde(default = "default_side")]
    pub height: u32,
    /// 1 to 4 images.
    #[serde(default = "one")]
    pub count: u32,
    /// Same seed and prompt, same image. Random when absent (and returned).
    #[serde(default)]
    pub seed: Option<u32>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EditMode {
    /// The same room in another style.
    Restyle,
    /// Replace the area of `mask` (or `mask_prompt`) with `prompt`.
    Inpaint,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// The room photo: a key from `POST /v1/chat/uploads` or a concept image of yours.
    pub image: String,
    pub mode: EditMode,
    pub prompt: String,
    /// Inpaint: a mask image key (black = replace).
    #[serde(default)]
    pub mask: Option<String>,
    /// Inpaint: words naming the area to replace, instead of a mask image.
    #[serde(default)]
    pub mask_prompt: Option<String>,
    /// Restyle: how close to the photo, 0.2 to 1.0 (default 0.7).
    #[serde(default)]
    pub similarity: Option<f32>,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub seed: Option<u32>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
}

fn default_side() -> u32 {
    1024
}

fn one() -> u32 {
    1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConceptImage {
    pub key: String,
    /// Download URL, valid 15 minutes.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Concepts {
    pub images: Vec<ConceptImage>,
    pub seed: u32,
    pub model_id: String,
    pub cost_micro_usd: u64,
    /// The conversation message the images were attached to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_seq: Option<u32>,
}

fn check_prompt(prompt: &str, path: &str, errors: &mut FieldErrors) {
    let n = prompt.trim().chars().count();
    if n == 0 || n > MAX_PROMPT {
        errors.add(
            path,
            "out_of_range",
            format!("1 to {MAX_PROMPT} characters."),
        );
    }
}

fn check_count(count: u32, errors: &mut FieldErrors) {
    if !(1..=4).contains(&count) {
        errors.add("count", "out_of_range", "1 to 4 images.");
    }
}

/// Whether the caller may use the image at `key`: their own upload or concept, or a concept
/// of a project they can see.
async fn readable(state: &AppState, caller: &Caller, key: &str) -> Result<bool, ApiError> {
    if key.starts_with(&super::uploads::prefix(&caller.user_id))
        || key.starts_with(&format!("concepts/users/{}/", caller.user_id))
    {
        return Ok(true);
    }
    if let Some(rest) = key.strip_prefix("concepts/projects/")
        && let Some((project, _)) = rest.split_once('/')
    {
        return Ok(access::load(state, caller, project, Need::Read)
            .await
            .is_ok());
    }
    Ok(false)
}

/// Where the images go, checked before anything is spent.
struct Target {
    project_id: Option<String>,
    conversation: Option<roomwright_core::dynamo::Versioned<conversation::Conversation>>,
}

async fn target(
    state: &AppState,
    caller: &Caller,
    project_id: Option<String>,
    conversation_id: Option<&str>,
) -> Result<Target, ApiError> {
    let conversation = match conversation_id {
        Some(id) => Some(conversations::load(state, caller, id).await?),
        None => None,
    };
    let project_id = project_id.or_else(|| {
        conversation
            .as_ref()
            .and_then(|c| c.value.project_id.clone())
    });
    if let Some(project) = &project_id {
        access::load(state, caller, project, Need::Read).await?;
    }
    Ok(Target {
        project_id,
        conversation,
    })
}

async fn make(
    state: &AppState,
    chat: &ChatContext,
    caller: &Caller,
    target: Target,
    task: Task,
    canvas: Canvas,
    caption: String,
) -> Result<(StatusCode, Json<Concepts>), ApiError> {
    let Some(model) = &chat.images else {
        // Not configured here (as visual search without an image model): 409, not a failure.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "image_model_not_configured",
            "Concept images need Amazon Bedrock",
        )
        .with_detail(
            "This deployment runs the offline assistant (CHAT_ASSISTANT=offline); set \
             CHAT_ASSISTANT=bedrock and CHAT_IMAGE_MODEL_ID to make concept images.",
        ));
    };
    let now = time::now();
    limits::take_message(&state.table(), &chat.settings, &caller.user_id, now).await?;
    ledger::check_budget(
        &state.table(),
        &chat.settings,
        target.project_id.as_deref(),
        now,
    )
    .await?;
    let pngs = model.run(&task, &canvas).await.map_err(model_error)?;
    let call_id = format!("img_{}", uuid::Uuid::now_v7().simple());
    let cost = ledger::cost(
        &chat.settings.price(&model.model_id),
        0,
        0,
        pngs.len() as u64,
    );
    ledger::record(
        &state.table(),
        &Entry {
            call_id: call_id.clone(),
            user_id: caller.user_id.clone(),
            project_id: target.project_id.clone(),
            conversation_id: target.conversation.as_ref().map(|c| c.value.id.clone()),
            model_id: model.model_id.clone(),
            kind: "image".into(),
            input_tokens: 0,
            output_tokens: 0,
            images: pngs.len() as u64,
            compute_seconds: 0,
            jobs: 0,
            cost_micro_usd: cost,
            at: time::rfc3339(now),
        },
    )
    .await?;
    let folder = match &target.project_id {
        Some(p) => format!("concepts/projects/{p}"),
        None => format!("concepts/users/{}", caller.user_id),
    };
    let mut refs = Vec::new();
    let mut images = Vec::new();
    for (i, png) in pngs.into_iter().enumerate() {
        let key = format!("{folder}/{call_id}-{i}.png");
        s3::put_bytes(
            &state.aws,
            &state.config.bucket_name,
            &key,
            "image/png",
            png,
        )
        .await
        .map_err(ApiError::internal)?;
        let url = s3::presigned_get(&state.aws, &state.config.bucket_name, &key, URL_TTL)
            .await
            .map_err(ApiError::internal)?;
        refs.push(ImageRef {
            key: key.clone(),
            format: ImageFormat::Png,
        });
        images.push(ConceptImage { key, url });
    }
    let mut message_seq = None;
    if let Some(versioned) = target.conversation {
        let mut conversation = versioned.value;
        let message = Message {
            seq: conversation.message_count,
            role: Role::Assistant,
            text: caption,
            images: refs,
            tool_calls: Vec::new(),
            stop_reason: None,
            guardrail_intervened: false,
            usage: None,
            created_at: time::sortable(now),
        };
        conversation.remember(message.seq, crate::context::summary_line(&message));
        conversation.message_count += 1;
        conversation.updated_at = message.created_at.clone();
        message_seq = Some(message.seq);
        conversation::append(
            state,
            &conversation,
            versioned.version,
            &[message],
            chat.settings.spill_bytes,
        )
        .await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(Concepts {
            images,
            seed: canvas.seed,
            model_id: model.model_id.clone(),
            cost_micro_usd: cost.max(0) as u64,
            message_seq,
        }),
    ))
}

fn seed(given: Option<u32>) -> u32 {
    // Nova Canvas takes seeds up to 2^31 - 1.
    given.unwrap_or_else(|| (uuid::Uuid::new_v4().as_u128() % 2_147_483_647) as u32)
}

/// A concept image from a prompt.
#[utoipa::path(
    post, path = "/v1/images/generate", tag = "chat", request_body = GenerateRequest,
    security(("bearer" = ["renders:create"])),
    responses((status = 201, body = Concepts), (status = 402), (status = 404), (status = 422),
              (status = 409, description = "Concept images are not configured here (`image_model_not_configured`)"), (status = 429), (status = 502), (status = 503))
)]
pub async fn generate_image(
    State(state): State<AppState>,
    Extension(chat): Extension<ChatContext>,
    Require(caller, _): Require<perm::RendersCreate>,
    ApiJson(request): ApiJson<GenerateRequest>,
) -> Result<(StatusCode, Json<Concepts>), ApiError> {
    let mut errors = FieldErrors::new();
    check_prompt(&request.prompt, "prompt", &mut errors);
    if let Some(n) = &request.negative_prompt {
        check_prompt(n, "negative_prompt", &mut errors);
    }
    for (path, side) in [("width", request.width), ("height", request.height)] {
        if !(320..=4096).contains(&side) || side % 16 != 0 {
            errors.add(
                path,
                "out_of_range",
                "320 to 4096 pixels, a multiple of 16.",
            );
        }
    }
    if request.width as u64 * request.height as u64 > 4_194_304 {
        errors.add("width", "too_large", "At most 4.19 megapixels.");
    }
    check_count(request.count, &mut errors);
    errors.finish()?;
    let target = target(
        &state,
        &caller,
        request.project_id,
        request.conversation_id.as_deref(),
    )
    .await?;
    let canvas = Canvas {
        width: request.width,
        height: request.height,
        count: request.count,
        seed: seed(request.seed),
    };
    let caption = format!("Concept image: {}", request.prompt.trim());
    let task = Task::Generate {
        prompt: request.prompt.trim().to_string(),
        negative: request.negative_prompt,
    };
    make(&state, &chat, &caller, target, task, canvas, caption).await
}

/// A room photo restyled, or an area of it replaced.
#[utoipa::path(
    post, path = "/v1/images/edit", tag = "chat", request_body = EditRequest,
    security(("bearer" = ["renders:create"])),
    responses((status = 201, body = Concepts), (status = 402), (status = 404), (status = 422),
              (status = 409, description = "Concept images are not configured here (`image_model_not_configured`)"), (status = 429), (status = 502), (status = 503))
)]
pub async fn edit_image(
    State(state): State<AppState>,
    Extension(chat): Extension<ChatContext>,
    Require(caller, _): Require<perm::RendersCreate>,
    ApiJson(request): ApiJson<EditRequest>,
) -> Result<(StatusCode, Json<Concepts>), ApiError> {
    let mut errors = FieldErrors::new();
    check_prompt(&request.prompt, "prompt", &mut errors);
    check_count(request.count, &mut errors);
    let similarity = request.similarity.unwrap_or(0.7);
    match request.mode {
        EditMode::Restyle => {
            if !(0.2..=1.0).contains(&similarity) {
                errors.add("similarity", "out_of_range", "0.2 to 1.0.");
            }
        }
        EditMode::Inpaint => {
            if request.mask.is_some() == request.mask_prompt.is_some() {
                errors.add(
                    "mask",
                    "required",
                    "Give mask or mask_prompt (one of them).",
                );
            }
        }
    }
    errors.finish()?;
    let mut errors = FieldErrors::new();
    let mut load = async |path: &str, key: &str| -> Result<Option<Vec<u8>>, ApiError> {
        if !readable(&state, &caller, key).await? {
            errors.add(
                path,
                "not_your_image",
                "Use your upload or a concept image you can see.",
            );
            return Ok(None);
        }
        let bytes = s3::get_bytes(&state.aws, &state.config.bucket_name, key)
            .await
            .map_err(ApiError::internal)?;
        match bytes {
            Some(b) if ImageFormat::sniff(&b).is_some() => Ok(Some(b)),
            Some(_) => {
                errors.add(path, "unsupported_image", "Images are JPEG, PNG or WebP.");
                Ok(None)
            }
            None => {
                errors.add(path, "not_uploaded", "Nothing was uploaded under this key.");
                Ok(None)
            }
        }
    };
    let image = load("image", &request.image).await?;
    let mask = match &request.mask {
        Some(key) => load("mask", key).await?,
        None => None,
    };
    errors.finish()?;
    let image = image.expect("checked");
    let prompt = request.prompt.trim().to_string();
    let task = match request.mode {
        EditMode::Restyle => Task::Restyle {
            prompt: prompt.clone(),
            image,
            similarity,
        },
        EditMode::Inpaint => Task::Inpaint {
            prompt: prompt.clone(),
            image,
            mask: match (mask, request.mask_prompt) {
                (Some(bytes), _) => Mask::Image(bytes),
                (None, Some(words)) => Mask::Prompt(words),
                (None, None) => unreachable!("checked above"),
            },
        },
    };
    let target = target(
        &state,
        &caller,
        request.project_id,
        request.conversation_id.as_deref(),
    )
    .await?;
    let canvas = Canvas {
        width: 1024,
        height: 1024,
        count: request.count,
        seed: seed(request.seed),
    };
    let caption = format!("Edited image ({:?}): {prompt}", request.mode).to_lowercase();
    make(&state, &chat, &caller, target, task, canvas, caption).await
}
