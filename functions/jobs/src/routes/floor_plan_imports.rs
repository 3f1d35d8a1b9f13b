//! Floor-plan imports: a drawing uploaded straight to S3, read by a vision job into a
//! proposed floor plan, written into the project only when a user accepts it.
//!
//! 1. `POST /v1/projects/{id}/floor-plan-imports` (content type and size) answers with a
//!    presigned PUT bound to both.
//! 2. `GET .../floor-plan-imports/{import_id}`: once the drawing is in the bucket, the first
//!    read checks it really is what was declared and submits the vision job (idempotently: the
//!    job's key is the import); later reads show the job and, when it is done, the proposal.
//! 3. `POST .../floor-plan-imports/{import_id}/accept` with the project's `If-Match` (and,
//!    optionally, the user's edited plan) writes the plan into the project.

use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::{HeaderName, HeaderValue, StatusCode, header},
};
use roomwright_core::http::{Drawing, Path};
use roomwright_core::{
    ApiError, AppState, FieldError, FieldErrors,
    auth::{Require, perm},
    dynamo::{Keys, StoreError, Versioned},
    etag::{IfMatch, etag},
    http::ApiJson,
    s3, time,
};
use roomwright_jobs::{
    JobKind, JobStatus, store as job_store,
    vision::{
        DRAWING_TYPES, FloorPlanInput, PAGE_OUTPUT, PROPOSAL_OUTPUT, VisionInput, sniff_drawing,
    },
};
use roomwright_projects::{
    access::{self, Need},
    floorplan::{self, FloorPlan},
    model::Project,
    store as project_store,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use roomwright_jobs::{
    submit::{self, NewJob},
    view::JobView,
};

/// Largest drawing accepted: a scanned A1 sheet as a PDF or a phone photo fits.
pub const MAX_DRAWING_BYTES: u64 = 25 * 1024 * 1024;
/// How long an upload URL works.
pub const UPLOAD_TTL: Duration = Duration::from_secs(15 * 60);
const IMPORT_SK: &str = "IMPORT";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Waiting for the drawing to be uploaded.
    AwaitingUpload,
    /// The vision job is reading it.
    Reading,
    /// A proposed floor plan is ready to review and accept.
    Proposed,
    /// The drawing could not be read (see `error`).
    Failed,
    /// The proposal (or the user's edit of it) is the project's floor plan.
    Accepted,
}

/// The import record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FloorPlanImport {
    pub id: String,
    pub project_id: String,
    pub owner_id: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Where the drawing is kept in the assets bucket.
    pub upload_key: String,
    pub status: ImportStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewImport {
    /// `image/png`, `image/jpeg` or `application/pdf` (one page).
    pub content_type: String,
    /// Exact size of the file to upload, at most 25 MiB.
    pub size_bytes: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Upload {
    /// PUT the file here with exactly these headers.
    pub url: String,
    pub method: &'static str,
    pub headers: UploadHeaders,
    pub expires_in: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadHeaders {
    #[serde(rename = "Content-Type")]
    pub content_type: String,
    #[serde(rename = "Content-Length")]
    pub content_length: u64,
}

impl Upload {
    /// A presigned PUT of exactly this type and size to `key` in the assets bucket.
    pub async fn presigned(
        state: &AppState,
        key: &str,
        content_type: &str,
        size_bytes: u64,
    ) -> Result<Self, ApiError> {
        let url = s3::presigned_put(
            &state.aws,
            &state.config.bucket_name,
            key,
            content_type,
            size_bytes,
            UPLOAD_TTL,
        )
        .await
        .map_err(ApiError::internal)?;
        Ok(Upload {
            url,
            method: "PUT",
            headers: UploadHeaders {
                content_type: content_type.to_string(),
                content_length: size_bytes,
            },
            expires_in: UPLOAD_TTL.as_secs(),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedImport {
    pub import: FloorPlanImport,
    pub upload: Upload,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    pub import: FloorPlanImport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<JobView>,
    /// The proposal (`vision parse-plan`'s JSON): `floor_plan` in the project's schema,
    /// `confidence` per element id, `scale` with the dimension strings it came from (with
    /// `unscaled: true` when none could be matched: the plan's lengths are then nominal and
    /// accepting needs `known_length`), `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub proposal: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The user's edit of the proposed plan; the proposal as it is when absent.
    #[serde(default)]
    pub floor_plan: Option<FloorPlan>,
    /// One wall's real length: the plan is scaled so that wall measures it. Needed when the
    /// reading is unscaled (no dimension on the drawing), optional otherwise.
    #[serde(default)]
    pub known_length: Option<KnownLength>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KnownLength {
    /// A wall of the plan being accepted (the edit, else the proposal).
    pub wall_id: String,
    /// Its length, 0.3 to 300 m.
    pub length_m: f64,
}

/// Lengths a user may give for a wall.
const KNOWN_LENGTH_M: std::ops::RangeInclusive<f64> = 0.3..=300.0;

fn import_pk(id: &str) -> String {
    format!("FPIMPORT#{id}")
}

fn keys(import: &FloorPlanImport) -> Keys {
    Keys::new(import_pk(&import.id), IMPORT_SK)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "import_not_found",
        format!("No floor-plan import {id} in this project."),
    )
}

/// The import, if it belongs to the project (which the caller was checked against).
async fn load(
    state: &AppState,
    project_id: &str,
    import_id: &str,
) -> Result<Versioned<FloorPlanImport>, ApiError> {
    state
        .table()
        .get::<FloorPlanImport>(&import_pk(import_id), IMPORT_SK)
        .await?
        .filter(|i| i.value.project_id == project_id)
        .ok_or_else(|| not_found(import_id))
}

/// Starts an import: the presigned upload for the drawing.
#[utoipa::path(
    post, path = "/v1/projects/{id}/floor-plan-imports", tag = "jobs", request_body = NewImport,
    params(("id" = String, Path)), security(("bearer" = ["projects:write"])),
    responses((status = 201, body = CreatedImport), (status = 404), (status = 422))
)]
pub async fn create_import(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(project_id): Path<String>,
    ApiJson(request): ApiJson<NewImport>,
) -> Result<(StatusCode, Json<CreatedImport>), ApiError> {
    let mut errors = FieldErrors::new();
    let extension = match request.content_type.as_str() {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "application/pdf" => "pdf",
        _ => {
            errors.add(
                "content_type",
                "unsupported",
                format!("Drawings are {}.", DRAWING_TYPES.join(", ")),
            );
            ""
        }
    };
    if request.size_bytes == 0 || request.size_bytes > MAX_DRAWING_BYTES {
        errors.add(
            "size_bytes",
            "out_of_range",
            format!(
                "A drawing is 1 byte to {} MiB.",
                MAX_DRAWING_BYTES / 1024 / 1024
            ),
        );
    }
    errors.finish()?;
    access::load(&state, &caller, &project_id, Need::Edit).await?;

    let id = format!("imp_{}", uuid::Uuid::now_v7().simple());
    let import = FloorPlanImport {
        upload_key: format!("imports/{project_id}/{id}/drawing.{extension}"),
        id,
        project_id,
        owner_id: caller.user_id.clone(),
        content_type: request.content_type,
        size_bytes: request.size_bytes,
        status: ImportStatus::AwaitingUpload,
        job_id: None,
        error: None,
        created_at: time::rfc3339(time::now()),
        accepted_at: None,
    };
    let upload = Upload::presigned(
        &state,
        &import.upload_key,
        &import.content_type,
        import.size_bytes,
    )
    .await?;
    state.table().create(&keys(&import), &import).await?;
    tracing::info!(
        import_id = import.id,
        project_id = import.project_id,
        "floor-plan import started"
    );
    Ok((StatusCode::CREATED, Json(CreatedImport { upload, import })))
}

/// Whether the drawing is in the bucket, and what its first bytes say it is.
async fn uploaded(state: &AppState, key: &str) -> Result<Option<Option<&'static str>>, ApiError> {
    let first = s3::read(
        &state.aws,
        &state.config.bucket_name,
        key,
        s3::Span::First(16),
    )
    .await
    .map_err(ApiError::internal)?;
    Ok(first.map(|bytes| sniff_drawing(&bytes)))
}

/// Moves an import on: submits the job once the drawing is there, and follows the job.
async fn advance(
    state: &AppState,
    mut import: Versioned<FloorPlanImport>,
) -> Result<(Versioned<FloorPlanImport>, Option<roomwright_jobs::Job>), ApiError> {
    if import.value.status == ImportStatus::AwaitingUpload {
        let Some(found) = uploaded(state, &import.value.upload_key).await? else {
            return Ok((import, None));
        };
        let value = &mut import.value;
        if found != Some(value.content_type.as_str()) {
            value.status = ImportStatus::Failed;
            value.error = Some(format!(
                "The uploaded file is not of the declared type ({}); start a new import with the \
                 right type.",
                value.content_type
            ));
        } else {
            let input = VisionInput::FloorPlan(FloorPlanInput {
                import_id: value.id.clone(),
                project_id: value.project_id.clone(),
                upload_key: value.upload_key.clone(),
            });
            let request = serde_json::json!({ "task": "floor_plan", "import_id": value.id });
            let job = submit_reading(
                state,
                &value.owner_id,
                &value.project_id,
                &format!("floor-plan-import:{}", value.id),
                &["vision", &value.id],
                request,
                &input,
            )
            .await?;
            value.status = ImportStatus::Reading;
            value.job_id = Some(job.id);
        }
        match state
            .table()
            .replace(&keys(&import.value), &import.value, import.version)
            .await
        {
            Ok(version) => import.version = version,
            // Another read moved it on first; its record stands.
            Err(StoreError::ConditionFailed) => {
                import = load(state, &import.value.project_id, &import.value.id).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let value = &mut import.value;
    let job = follow(
        state,
        value.job_id.as_deref(),
        &mut value.status,
        &mut value.error,
    )
    .await?;
    Ok((import, job))
}

/// Submits the vision job that reads an import. The import names its job (`key`): two reads
/// racing submit the same one.
pub async fn submit_reading(
    state: &AppState,
    owner_id: &str,
    project_id: &str,
    key: &str,
    hashed: &[&str],
    request: serde_json::Value,
    input: &VisionInput,
) -> Result<roomwright_jobs::Job, ApiError> {
    let submitted = submit::submit(
        state,
        NewJob {
            id: submit::job_id(owner_id, Some(key)),
            kind: JobKind::Vision,
            owner_id: owner_id.to_string(),
            project_id: Some(project_id.to_string()),
            request_hash: submit::request_hash(hashed),
            request,
            input: serde_json::to_vec(input).expect("serialisable"),
            webhook: None,
            estimate: roomwright_jobs::Estimate::of_kind(JobKind::Vision, &state.config.spend),
        },
    )
    .await?;
    let (submit::Submitted::Created(job) | submit::Submitted::Replayed(job)) = submitted;
    Ok(job)
}

/// An import's job, its state showing through the import's (which keeps `reading` in the
/// table until accepted): `proposed` once it succeeded, `failed` with its reason.
pub async fn follow(
    state: &AppState,
    job_id: Option<&str>,
    status: &mut ImportStatus,
    error: &mut Option<String>,
) -> Result<Option<roomwright_jobs::Job>, ApiError> {
    let job = match job_id {
        Some(id) => job_store::get(&state.table(), id).await?.map(|j| j.value),
        None => None,
    };
    if *status == ImportStatus::Reading
        && let Some(job) = &job
    {
        match job.status {
            JobStatus::Succeeded => *status = ImportStatus::Proposed,
            JobStatus::Failed | JobStatus::Cancelled => {
                *status = ImportStatus::Failed;
                *error = job.error.as_ref().map(|e| e.message.clone());
            }
            _ => {}
        }
    }
    Ok(job)
}

/// The proposal the job stored, once the import is proposed (or accepted).
pub async fn proposal<T: serde::de::DeserializeOwned>(
    state: &AppState,
    job: Option<&roomwright_jobs::Job>,
    status: ImportStatus,
) -> Result<Option<T>, ApiError> {
    let Some(job) =
        job.filter(|_| matches!(status, ImportStatus::Proposed | ImportStatus::Accepted))
    else {
        return Ok(None);
    };
    let Some(output) = job.outputs.iter().find(|o| o.name == PROPOSAL_OUTPUT) else {
        return Ok(None);
    };
    let bytes = s3::get_bytes(&state.aws, &state.config.bucket_name, &output.key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal("the proposal is missing from the bucket"))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(ApiError::internal)
}

/// The import: its job and, once read, the proposed floor plan.
#[utoipa::path(
    get, path = "/v1/projects/{id}/floor-plan-imports/{import_id}", tag = "jobs",
    params(("id" = String, Path), ("import_id" = String, Path)),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, body = ImportView), (status = 404))
)]
pub async fn get_import(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((project_id, import_id)): Path<(String, String)>,
) -> Result<Json<ImportView>, ApiError> {
    access::load(&state, &caller, &project_id, Need::Read).await?;
    let import = load(&state, &project_id, &import_id).await?;
    let (Versioned { value: import, .. }, job) = advance(&state, import).await?;
    let proposal = proposal::<serde_json::Value>(&state, job.as_ref(), import.status).await?;
    let job = match job {
        Some(job) => Some(JobView::with_urls(&state, job).await?),
        None => None,
    };
    Ok(Json(ImportView {
        import,
        job,
        proposal,
    }))
}

/// The proposed floor plan drawn over the page it was read from (SVG): the drawing in grey,
/// the rooms see-through, the walls read in blue, doors and windows; where the reading went
/// wrong shows at a glance.
#[utoipa::path(
    get, path = "/v1/projects/{id}/floor-plan-imports/{import_id}/plan.svg", tag = "jobs",
    params(("id" = String, Path), ("import_id" = String, Path)),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404), (status = 409))
)]
pub async fn import_plan(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((project_id, import_id)): Path<(String, String)>,
) -> Result<Drawing, ApiError> {
    draw_import(&state, &caller, &project_id, &import_id, false).await
}

/// The same drawing as PNG.
#[utoipa::path(
    get, path = "/v1/projects/{id}/floor-plan-imports/{import_id}/plan.png", tag = "jobs",
    params(("id" = String, Path), ("import_id" = String, Path)),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404), (status = 409))
)]
pub async fn import_plan_png(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((project_id, import_id)): Path<(String, String)>,
) -> Result<Drawing, ApiError> {
    draw_import(&state, &caller, &project_id, &import_id, true).await
}

async fn draw_import(
    state: &AppState,
    caller: &roomwright_core::auth::Caller,
    project_id: &str,
    import_id: &str,
    png: bool,
) -> Result<Drawing, ApiError> {
    let project = access::load(state, caller, project_id, Need::Read)
        .await?
        .value;
    let import = load(state, project_id, import_id).await?;
    let (Versioned { value: import, .. }, job) = advance(state, import).await?;
    let read = proposal::<serde_json::Value>(state, job.as_ref(), import.status).await?;
    let (Some(job), Some(proposed)) = (job, read) else {
        return Err(ApiError::conflict(
            "proposal_not_ready",
            "The drawing has not been read yet; draw it once the import is proposed.",
        ));
    };
    let plan: FloorPlan =
        serde_json::from_value(proposed["floor_plan"].clone()).map_err(ApiError::internal)?;
    let doubtful = doubtful(&proposed);
    // The page the worker stored beside its proposal (jobs read before it did draw the plan
    // alone).
    let underlay = match job.outputs.iter().find(|o| o.name == PAGE_OUTPUT) {
        Some(page) => {
            let bytes = s3::get_bytes(&state.aws, &state.config.bucket_name, &page.key)
                .await
                .map_err(ApiError::internal)?;
            let number = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
            bytes.map(|bytes| {
                use base64::Engine;
                roomwright_layout::draw::Underlay {
                    href: format!(
                        "data:image/png;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(bytes)
                    ),
                    width_px: number(&proposed["page"]["width_px"]),
                    height_px: number(&proposed["page"]["height_px"]),
                    origin_px: [
                        number(&proposed["page"]["origin_px"][0]),
                        number(&proposed["page"]["origin_px"][1]),
                    ],
                    px_per_m: number(&proposed["scale"]["px_per_m"]),
                    doubtful: doubtful.clone(),
                }
            })
        }
        None => None,
    };
    let to_check = doubtful.len();
    let title = if proposed["scale"]["unscaled"] == true {
        format!(
            "{} — read without a scale: give one wall's length when accepting",
            project.name
        )
    } else if to_check > 0 {
        format!(
            "{} — read from the drawing; {to_check} to check (orange)",
            project.name
        )
    } else {
        format!("{} — floor plan read from the drawing", project.name)
    };
    let svg = roomwright_layout::draw::plan_svg_over(
        &plan,
        &[],
        &Default::default(),
        &[],
        &title,
        &roomwright_layout::Settings::default(),
        underlay.as_ref().filter(|u| u.px_per_m > 0.0),
    );
    roomwright_layout::draw::answer(svg, png)
}

/// Below this confidence a wall or room is marked for the user to check.
const DOUBTFUL_BELOW: f64 = 0.8;

/// The walls and rooms of a proposal its reader was unsure of.
fn doubtful(proposed: &serde_json::Value) -> std::collections::HashSet<String> {
    ["walls", "rooms"]
        .iter()
        .filter_map(|kind| proposed["confidence"][kind].as_object())
        .flatten()
        .filter(|(_, c)| c.as_f64().is_some_and(|c| c < DOUBTFUL_BELOW))
        .map(|(id, _)| id.clone())
        .collect()
}

fn invalid(field: &str, code: &str, message: String) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, code, message)])
}

/// Writes the proposal (or the user's edit of it) into the project as its floor plan. Needs
/// the project's `If-Match`; nothing reaches the project without this call.
#[utoipa::path(
    post, path = "/v1/projects/{id}/floor-plan-imports/{import_id}/accept", tag = "jobs",
    request_body = AcceptRequest,
    params(("id" = String, Path), ("import_id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 200, body = Project, headers(("ETag" = String))), (status = 404),
              (status = 409), (status = 412), (status = 422), (status = 428))
)]
pub async fn accept_import(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((project_id, import_id)): Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<([(HeaderName, HeaderValue); 1], Json<Project>), ApiError> {
    let project = access::load(&state, &caller, &project_id, Need::Edit).await?;
    access::check_version(&project, if_match)?;
    let import = load(&state, &project_id, &import_id).await?;
    let (
        Versioned {
            value: mut import,
            version: import_version,
        },
        job,
    ) = advance(&state, import).await?;
    let proposed = proposal::<serde_json::Value>(&state, job.as_ref(), import.status).await?;
    let Some(proposed) = proposed else {
        return Err(ApiError::conflict(
            "proposal_not_ready",
            match import.status {
                ImportStatus::Failed => format!(
                    "This import failed: {}",
                    import.error.clone().unwrap_or_default()
                ),
                _ => "The drawing has not been read yet; read the import again later.".into(),
            },
        ));
    };
    let plan = match request.floor_plan {
        Some(edited) => edited,
        None => serde_json::from_value(proposed["floor_plan"].clone()).map_err(|e| {
            invalid(
                "floor_plan",
                "invalid",
                format!("The stored proposal is unusable: {e}"),
            )
        })?,
    };
    let unscaled = proposed["scale"]["unscaled"] == true;
    let plan = match &request.known_length {
        None if unscaled => {
            return Err(invalid(
                "known_length",
                "scale_unknown",
                "The drawing had no dimension the reader could match: give one wall's real length (`known_length`: `wall_id`, `length_m`) and the plan is scaled from it.".into(),
            ));
        }
        None => plan,
        Some(known) => {
            let Some(wall) = plan.walls.iter().find(|w| w.id == known.wall_id) else {
                return Err(invalid(
                    "known_length.wall_id",
                    "unknown_wall",
                    format!("The plan has no wall {}.", known.wall_id),
                ));
            };
            if !KNOWN_LENGTH_M.contains(&known.length_m) || wall.length() <= 0.0 {
                return Err(invalid(
                    "known_length.length_m",
                    "out_of_range",
                    "Give a length of 0.3 to 300 m for a wall of some length.".into(),
                ));
            }
            plan.scaled(known.length_m / wall.length())
        }
    };
    let mut errors = FieldErrors::new();
    floorplan::validate(&plan, &mut errors);
    let errors = errors.prefixed("floor_plan");
    errors.finish()?;
    let mut saved = project.value;
    saved.floor_plan = Some(plan);
    saved.updated_at = time::sortable(time::now());
    saved.updated_by = Some(caller.user_id.clone());
    saved.updated_via = Some("import".into());
    let version = project_store::write(&state.table(), &saved, Some(project.version), &[]).await?;
    import.status = ImportStatus::Accepted;
    import.accepted_at = Some(time::rfc3339(time::now()));
    // The project is written; the import's own record is informative.
    if let Err(e) = state
        .table()
        .replace(&keys(&import), &import, import_version)
        .await
    {
        tracing::warn!(error = ?e, import_id, "import not marked accepted");
    }
    tracing::info!(import_id, project_id, "floor-plan import accepted");
    Ok(([(header::ETAG, etag(version))], Json(saved)))
}
