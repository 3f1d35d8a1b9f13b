//! Render jobs: what a client asks for and the frozen input a job carries ([`input`]), and
//! ordering one (the route `POST /v1/projects/{id}/renders` and the assistant's tool): the
//! project's plan and placed furniture frozen into the input, the cost checked and counted.

pub mod input;

use http::StatusCode;
use roomwright_core::{
    ApiError, AppState, FieldError, FieldErrors,
    auth::{Caller, Permission},
    catalog::Product,
};
use roomwright_projects::{
    access::{self, Need},
    floorplan::FloorPlan,
    scenarios::{self, Scenario},
    versions,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    Estimate, JobKind, Machine, WebhookTarget, outbound, spend,
    submit::{self, NewJob, Submitted},
    view::JobView,
};
use input::{
    Format, MAX_SCENE_BYTES, Quality, RenderInput, RenderRequest, RenderSettings, SceneExport,
    SceneItem, SceneRequest,
};

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedRender {
    pub job: JobView,
    /// Signs the completion webhook (`X-Roomwright-Signature`); shown only when the job is
    /// created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// Selections of the scenario without a placement on the plan: not in the picture.
    pub unplaced_selections: Vec<String>,
    /// What the render is expected to take and cost (entered in the usage ledger).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<EstimateView>,
}

/// A job's expected compute time and cost.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstimateView {
    pub seconds: u64,
    pub cost_usd: f64,
    /// `gpu` or `cpu`.
    pub machine: Machine,
}

impl From<Estimate> for EstimateView {
    fn from(e: Estimate) -> Self {
        Self {
            seconds: e.seconds,
            cost_usd: e.cost_micro_usd as f64 / 1e6,
            machine: e.machine,
        }
    }
}

/// The plan and scenario to render: the project's own, or a saved version's.
async fn content(
    state: &AppState,
    project: &roomwright_projects::model::Project,
    version: Option<u32>,
) -> Result<(Option<FloorPlan>, Vec<Scenario>), ApiError> {
    match version {
        None => Ok((project.floor_plan.clone(), project.scenarios.clone())),
        Some(number) => {
            let saved = versions::get(&state.table(), &project.id, number)
                .await?
                .ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new(
                        "version",
                        "unknown_version",
                        format!("The project has no version {number}."),
                    )])
                })?;
            Ok((saved.snapshot.floor_plan, saved.snapshot.scenarios))
        }
    }
}

fn scene_item(selection: &scenarios::Selection, product: &Product) -> Option<SceneItem> {
    let placement = selection.placement.clone()?;
    let d = &product.dimensions;
    Some(SceneItem {
        selection_id: selection.id.clone(),
        product_id: product.id.clone(),
        name: product.name.clone(),
        category: product.category.clone(),
        size_mm: [d.width_mm, d.depth_mm, d.height_mm],
        finish: selection.finish.clone(),
        materials: product.materials.clone(),
        model_key: product.model_key.clone(),
        placement,
    })
}

/// Orders a render of the caller's project (the route, and the assistant's `submit_render`
/// tool): 202 for a new job, 200 for a replay of the same `key`.
pub async fn order(
    state: &AppState,
    caller: &Caller,
    project_id: &str,
    request: RenderRequest,
    key: Option<String>,
) -> Result<(StatusCode, SubmittedRender), ApiError> {
    order_job(state, caller, project_id, request, None, key).await
}

/// Orders a scene export of the caller's project: the same frozen plan and furniture as a
/// render, written by the render worker's Blender as GLB and USDZ instead of pictures.
pub async fn order_scene(
    state: &AppState,
    caller: &Caller,
    project_id: &str,
    scene: SceneRequest,
    key: Option<String>,
) -> Result<(StatusCode, SubmittedRender), ApiError> {
    let mut errors = FieldErrors::new();
    scene.validate(&mut errors);
    errors.finish()?;
    // The scene's own cameras are not used; the smallest picture settings keep the
    // estimate to the job's start-up and export.
    let request = RenderRequest {
        scenario_id: scene.scenario_id.clone(),
        version: scene.version,
        cameras: Vec::new(),
        width: input::MIN_SIDE,
        height: input::MIN_SIDE,
        quality: Quality::Draft,
        samples: Some(1),
        format: Format::Png,
        seed: 0,
        webhook_url: scene.webhook_url.clone(),
    };
    let export = SceneExport {
        formats: scene.formats.clone(),
        max_bytes: MAX_SCENE_BYTES,
    };
    order_job(
        state,
        caller,
        project_id,
        request,
        Some((scene, export)),
        key,
    )
    .await
}

async fn order_job(
    state: &AppState,
    caller: &Caller,
    project_id: &str,
    request: RenderRequest,
    scene: Option<(SceneRequest, SceneExport)>,
    key: Option<String>,
) -> Result<(StatusCode, SubmittedRender), ApiError> {
    caller.require(Permission::RendersCreate)?;
    // Ordering spends money: viewers of the project may follow its renders, not order them.
    let project = access::load(state, caller, project_id, Need::Edit)
        .await?
        .value;
    let id = submit::job_id(&caller.user_id, key.as_deref());
    let request_json = match &scene {
        None => serde_json::to_string(&request),
        Some((scene, _)) => serde_json::to_string(&serde_json::json!({"scene": scene})),
    }
    .expect("serialisable");
    let hash = submit::request_hash(&[project_id, &request_json]);
    // A retry answers before the project is read again (it may have changed since).
    if let Some(job) = submit::existing(state, &id, &hash).await? {
        let view = JobView::with_urls(state, job).await?;
        return Ok((
            StatusCode::OK,
            SubmittedRender {
                job: view,
                webhook_secret: None,
                unplaced_selections: Vec::new(),
                estimate: None,
            },
        ));
    }

    let mut errors = FieldErrors::new();
    request.validate(&mut errors);
    if let Some(url) = &request.webhook_url
        && let Err(refusal) = outbound::check(&state.config, url).await
    {
        errors.add("webhook_url", refusal.code(), refusal.message());
    }
    errors.finish()?;
    let (plan, scenarios) = content(state, &project, request.version).await?;
    let mut errors = FieldErrors::new();
    let plan = match plan {
        Some(plan) if !plan.rooms.is_empty() => Some(plan),
        _ => {
            errors.add(
                "floor_plan",
                "no_floor_plan",
                "Add a floor plan with at least one room before rendering.",
            );
            None
        }
    };
    let scenario = match &request.scenario_id {
        Some(sid) => scenarios.iter().find(|s| &s.id == sid).or_else(|| {
            errors.add(
                "scenario_id",
                "unknown_scenario",
                format!("No scenario {sid}."),
            );
            None
        }),
        None => scenarios.first(),
    };
    if let Some(plan) = &plan {
        for (i, camera) in request.cameras.iter().enumerate() {
            if let Some(room) = &camera.room_id
                && !plan.rooms.iter().any(|r| &r.id == room)
            {
                errors.add(
                    format!("cameras[{i}].room_id"),
                    "unknown_room",
                    format!("The floor plan has no room {room}."),
                );
            }
        }
    }
    errors.finish()?;
    let plan = plan.expect("checked above");

    let (mut items, mut unplaced) = (Vec::new(), Vec::new());
    if let Some(scenario) = scenario {
        let products = scenarios::products_of(&state.table(), scenario).await?;
        for selection in &scenario.selections {
            match products
                .get(&selection.product_id)
                .and_then(|p| scene_item(selection, p))
            {
                Some(item) => items.push(item),
                None => unplaced.push(selection.id.clone()),
            }
        }
    }
    let cameras = if request.cameras.is_empty() {
        let mut rooms: Vec<&str> = items.iter().map(|i| i.placement.room_id.as_str()).collect();
        rooms.sort_unstable();
        rooms.dedup();
        rooms.len().clamp(1, 4)
    } else {
        request.cameras.len()
    };
    let limits = &state.config.spend;
    let work = spend::megasamples(request.width, request.height, request.samples(), cameras);
    spend::check_render_size(caller.role, work, limits)?;
    let estimate = Estimate::render(work, limits);
    let input = RenderInput {
        job_id: id.clone(),
        project_id: project.id.clone(),
        floor_plan: plan,
        items,
        cameras: request.cameras.clone(),
        settings: RenderSettings {
            width: request.width,
            height: request.height,
            samples: request.samples(),
            format: request.format,
            seed: request.seed,
            denoise: true,
        },
        export: scene.as_ref().map(|(_, export)| export.clone()),
    };
    let webhook = request.webhook_url.clone().map(|url| WebhookTarget {
        url,
        secret: crate::webhook::new_secret(),
    });
    let mut shown = match &scene {
        None => {
            let mut shown = serde_json::to_value(&request).expect("serialisable");
            shown["samples"] = request.samples().into();
            shown
        }
        Some((scene, _)) => {
            let mut shown = serde_json::to_value(scene).expect("serialisable");
            shown["output"] = "scene".into();
            shown
        }
    };
    shown["scenario_id"] = scenario.map(|s| s.id.clone()).into();
    // The day's count and a running slot are taken before anything is queued, and given
    // back when the job is not created after all.
    let table = state.table();
    let now = roomwright_core::time::now();
    spend::take_daily_render(&table, limits, &caller.user_id, now).await?;
    if let Err(e) = spend::take_slot(&table, limits, &caller.user_id, &id).await {
        spend::give_back_daily_render(&table, &caller.user_id, now).await?;
        return Err(e);
    }
    let submitted = submit::submit(
        state,
        NewJob {
            id: id.clone(),
            kind: JobKind::Render,
            owner_id: caller.user_id.clone(),
            project_id: Some(project.id.clone()),
            request: shown,
            request_hash: hash,
            input: serde_json::to_vec(&input).expect("serialisable"),
            webhook,
            estimate,
        },
    )
    .await;
    let submitted = match submitted {
        Ok(submitted) => submitted,
        Err(e) => {
            spend::release_slot(&table, &caller.user_id, &id).await?;
            spend::give_back_daily_render(&table, &caller.user_id, now).await?;
            return Err(e);
        }
    };
    let (status, job, secret) = match submitted {
        Submitted::Created(job) => {
            let secret = job.webhook.as_ref().map(|w| w.secret.clone());
            (StatusCode::ACCEPTED, job, secret)
        }
        Submitted::Replayed(job) => {
            // A racing retry created it: this request ordered nothing new.
            spend::give_back_daily_render(&table, &caller.user_id, now).await?;
            (StatusCode::OK, job, None)
        }
    };
    tracing::info!(job_id = job.id, project_id = project.id, "render submitted");
    let view = JobView::summary(job);
    Ok((
        status,
        SubmittedRender {
            job: view,
            webhook_secret: secret,
            unplaced_selections: unplaced,
            estimate: Some(estimate.into()),
        },
    ))
}
