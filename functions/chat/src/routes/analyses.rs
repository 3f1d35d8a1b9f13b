//! `POST /v1/analyses/style`: what a room photo says about a look. Measured here: the palette
//! (k-means in CIELAB), brightness and warmth. Named by the Bedrock model: the style, from a
//! fixed list, with a confidence; offline the measured part is returned and the answer says
//! the label needs Bedrock. With `project`, the result is kept in the project's requirements
//! (its style joins the style preferences), where the assistant and the recommendations read it.

use axum::{Extension, Json, body::Body, extract::State};
use roomwright_core::{
    ApiError, AppState,
    auth::{Caller, Permission, Require, perm},
    http::ApiQuery,
    time,
};
use roomwright_projects::{
    access::{self, Need},
    model::{PaletteColour, Project, StyleAnalysis},
};
use roomwright_visual::{
    palette::{self, ColourReading},
    photo,
    style::{self, StyleLabel},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    ChatContext,
    agent::model_error,
    ledger::{self, Entry},
    limits,
};

/// The photo goes to the model at most this large: style needs no more, tokens cost.
const MODEL_SIDE_PX: u32 = 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StyleQuery {
    /// A project to keep the result in (needs edit rights on it).
    pub project: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StyleReport {
    #[serde(flatten)]
    pub colours: ColourReading,
    /// The style the model named; absent when no model is available.
    pub style: Option<StyleLabel>,
    /// Why there is no style, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style_note: Option<String>,
    /// The project the result was kept in, and its version after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_version: Option<u64>,
}

/// Analyses a room photo (sent as the body: JPEG, PNG or WebP, at most 4 MB).
#[utoipa::path(
    post, path = "/v1/analyses/style", tag = "chat", params(StyleQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg",
                 description = "The photo itself: JPEG, PNG or WebP"),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = StyleReport), (status = 402), (status = 403), (status = 404),
              (status = 413), (status = 415), (status = 422), (status = 429), (status = 502))
)]
pub async fn analyse_style(
    State(state): State<AppState>,
    Extension(chat): Extension<ChatContext>,
    Require(caller, _): Require<perm::ProductsRead>,
    ApiQuery(query): ApiQuery<StyleQuery>,
    body: Body,
) -> Result<Json<StyleReport>, ApiError> {
    // Refusals come before anything is spent.
    if let Some(project) = &query.project {
        caller.require(Permission::ProjectsWrite)?;
        access::load(&state, &caller, project, Need::Edit).await?;
    }
    let image = photo::from_body(body).await?;
    let (colours, image) = tokio::task::spawn_blocking(move || (palette::read(&image), image))
        .await
        .map_err(ApiError::internal)?;
    let (style, style_note) = match &chat.bedrock {
        Some(client) => {
            let label = name_style(&state, &chat, client, &caller, &query, &image).await?;
            (Some(label), None)
        }
        None => (
            None,
            Some(
                "The style label needs Amazon Bedrock: this deployment runs offline \
                 (CHAT_ASSISTANT=offline). The palette, brightness and warmth are measured."
                    .to_string(),
            ),
        ),
    };
    let mut report = StyleReport {
        colours,
        style,
        style_note,
        project_id: None,
        project_version: None,
    };
    if let Some(project) = query.project.clone() {
        report.project_version = Some(keep(&state, &caller, &project, &report).await?);
        report.project_id = Some(project);
    }
    Ok(Json(report))
}

async fn name_style(
    state: &AppState,
    chat: &ChatContext,
    client: &roomwright_visual::BedrockClient,
    caller: &Caller,
    query: &StyleQuery,
    image: &image::RgbImage,
) -> Result<StyleLabel, ApiError> {
    let now = time::now();
    limits::take_message(&state.table(), &chat.settings, &caller.user_id, now).await?;
    ledger::check_budget(
        &state.table(),
        &chat.settings,
        query.project.as_deref(),
        now,
    )
    .await?;
    let jpeg = photo::jpeg(&photo::fit(image, MODEL_SIDE_PX));
    let model_id = &chat.settings.style_model_id;
    let (label, tokens) = style::label(client, model_id, jpeg)
        .await
        .map_err(model_error)?;
    let cost = ledger::cost(
        &chat.settings.price(model_id),
        tokens.input,
        tokens.output,
        0,
    );
    ledger::record(
        &state.table(),
        &Entry {
            call_id: format!("style_{}", uuid::Uuid::now_v7().simple()),
            user_id: caller.user_id.clone(),
            project_id: query.project.clone(),
            conversation_id: None,
            model_id: model_id.clone(),
            kind: "style".into(),
            input_tokens: tokens.input,
            output_tokens: tokens.output,
            images: 0,
            compute_seconds: 0,
            jobs: 0,
            cost_micro_usd: cost,
            at: time::rfc3339(now),
        },
    )
    .await?;
    Ok(label)
}

/// Writes the analysis into the project's requirements, on the version just read; a
/// concurrent change is re-read and the analysis applied to it again.
async fn keep(
    state: &AppState,
    caller: &Caller,
    project_id: &str,
    report: &StyleReport,
) -> Result<u64, ApiError> {
    let analysis = StyleAnalysis {
        palette: report
            .colours
            .palette
            .iter()
            .map(|s| PaletteColour {
                hex: s.hex.clone(),
                name: s.name.clone(),
                share: s.share,
            })
            .collect(),
        brightness: report.colours.brightness,
        warmth: report.colours.warmth,
        style: report.style.as_ref().map(|s| s.label.clone()),
        confidence: report.style.as_ref().map(|s| s.confidence),
        analysed_at: time::rfc3339(time::now()),
    };
    access::update(state, caller, project_id, Need::Edit, |project| {
        apply(project, &analysis);
        Ok::<_, ApiError>(())
    })
    .await
    .map(|((), written)| written.version)
}

/// The analysis replaces an earlier one; its style leads the style preferences.
fn apply(project: &mut Project, analysis: &StyleAnalysis) {
    let r = &mut project.requirements;
    if let Some(style) = &analysis.style {
        r.style_preferences.retain(|s| s != style);
        r.style_preferences.insert(0, style.clone());
    }
    r.style_analysis = Some(analysis.clone());
    project.updated_at = time::sortable(time::now());
}
