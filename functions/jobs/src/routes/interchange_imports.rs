//! Dealer-interchange imports: a SIF list, a DXF drawing or a CAD plugin's model uploaded
//! straight to S3, read by a vision job into a proposal (every line with its matched product,
//! confidence and why; unmatched lines; problems; for drawings the placements and a floor
//! plan), written into the project as a new scenario only when a user accepts it.
//!
//! 1. `POST /v1/projects/{id}/interchange-imports` (`format`, content type, size) answers
//!    with a presigned PUT bound to them.
//! 2. `GET .../interchange-imports/{import_id}`: once the file is in the bucket, the first
//!    read submits the job (idempotently: the job's key is the import); later reads show the
//!    job and, once done, the proposal.
//! 3. `POST .../interchange-imports/{import_id}/accept` with the project's `If-Match` and the
//!    user's corrections writes the scenario (and, if asked, the drawing's floor plan); the
//!    corrections become aliases the next import matches by.

use std::collections::HashMap;

use axum::{
    Json,
    extract::State,
    http::{HeaderName, HeaderValue, StatusCode, header},
};
use roomwright_core::{
    ApiError, AppState, FieldErrors,
    auth::{Require, perm},
    catalog::get_products,
    dynamo::{Keys, StoreError, Versioned},
    etag::{IfMatch, etag},
    http::{ApiJson, Path},
    s3, time,
};
use roomwright_interchange::{
    Format, MAX_LINES, Proposal,
    aliases::{self, Alias, AliasKind},
};
use roomwright_jobs::{
    view::JobView,
    vision::{InterchangeInput, VisionInput},
};
use roomwright_projects::{
    access::{self, Need},
    floorplan,
    model::Project,
    scenarios::{self, Placement, Scenario, Selection, Terms},
    store as project_store,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::floor_plan_imports::{ImportStatus, Upload, follow, proposal, submit_reading};

const IMPORT_SK: &str = "IMPORT";
/// Selections one scenario holds (see `roomwright_projects::scenarios::validate`).
const MAX_SELECTIONS: usize = 500;

/// The import record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InterchangeImport {
    pub id: String,
    pub project_id: String,
    pub owner_id: String,
    pub format: Format,
    pub content_type: String,
    pub size_bytes: u64,
    pub upload_key: String,
    pub status: ImportStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<String>,
    /// The scenario accepting it made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInterchangeImport {
    pub format: Format,
    /// `sif`: `text/plain`, `application/x-sif` or `application/octet-stream`; `dxf`:
    /// `image/vnd.dxf`, `application/dxf`, `image/x-dxf` or `application/octet-stream`;
    /// `revit-json` and `sketchup-json`: `application/json` (schema `PluginModel`).
    pub content_type: String,
    /// Exact size of the file: SIF at most 8 MiB, DXF 64 MiB, plugin JSON 16 MiB.
    pub size_bytes: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedInterchangeImport {
    pub import: InterchangeImport,
    pub upload: Upload,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterchangeImportView {
    pub import: InterchangeImport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<JobView>,
    /// Once read: every line with its match, the unmatched lines, the problems, and for
    /// drawings the placements and floor plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
}

/// A user's correction of one line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The proposal's `line`.
    pub line: usize,
    /// The product this line is (replacing the proposed match).
    #[serde(default)]
    pub product_id: Option<String>,
    /// Leave the line out.
    #[serde(default)]
    pub skip: bool,
    /// The product's finish for this line.
    #[serde(default)]
    pub finish: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInterchange {
    /// The new scenario's name (default: the file's title, else `Imported <format>`).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// Description matches below this confidence are left out (default: every proposed
    /// match is taken).
    #[serde(default)]
    pub min_confidence: Option<f64>,
    /// Write the drawing's floor plan into the project (default: only when the project has
    /// none).
    #[serde(default)]
    pub floor_plan: Option<bool>,
    /// Remember the corrections as aliases for the next import (default true).
    #[serde(default)]
    pub remember: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedInterchange {
    pub project: Project,
    pub scenario_id: String,
    /// Lines in the scenario (placed ones one selection each; others grouped by product
    /// and finish).
    pub lines_taken: usize,
    /// Lines left out: unmatched, skipped, or below `min_confidence`.
    pub lines_left_out: Vec<usize>,
    pub floor_plan_written: bool,
    /// Aliases learned from the corrections.
    pub aliases_learned: usize,
}

/// The components of what a Revit or SketchUp plugin uploads (`format: revit-json` or
/// `sketchup-json`): `PluginModel`.
pub fn plugin_schema() -> utoipa::openapi::OpenApi {
    use roomwright_interchange::plugin::{PluginInstance, PluginModel, PluginParameters};
    #[derive(utoipa::OpenApi)]
    #[openapi(components(schemas(PluginModel, PluginInstance, PluginParameters)))]
    struct Plugin;
    <Plugin as utoipa::OpenApi>::openapi()
}

fn import_pk(id: &str) -> String {
    format!("XIMPORT#{id}")
}

fn keys(import: &InterchangeImport) -> Keys {
    Keys::new(import_pk(&import.id), IMPORT_SK)
}

async fn load(
    state: &AppState,
    project_id: &str,
    import_id: &str,
) -> Result<Versioned<InterchangeImport>, ApiError> {
    state
        .table()
        .get::<InterchangeImport>(&import_pk(import_id), IMPORT_SK)
        .await?
        .filter(|i| i.value.project_id == project_id)
        .ok_or_else(|| {
            ApiError::not_found(
                "import_not_found",
                format!("No interchange import {import_id} in this project."),
            )
        })
}

/// Starts an import: the presigned upload for the file.
#[utoipa::path(
    post, path = "/v1/projects/{id}/interchange-imports", tag = "jobs",
    request_body = NewInterchangeImport,
    params(("id" = String, Path)), security(("bearer" = ["projects:write"])),
    responses((status = 201, body = CreatedInterchangeImport), (status = 404), (status = 422))
)]
pub async fn create_interchange_import(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path(project_id): Path<String>,
    ApiJson(request): ApiJson<NewInterchangeImport>,
) -> Result<(StatusCode, Json<CreatedInterchangeImport>), ApiError> {
    let format = request.format;
    let mut errors = FieldErrors::new();
    if !format
        .content_types()
        .contains(&request.content_type.as_str())
    {
        errors.add(
            "content_type",
            "unsupported",
            format!(
                "A {} file is uploaded as {}.",
                format.as_str(),
                format.content_types().join(", ")
            ),
        );
    }
    if request.size_bytes == 0 || request.size_bytes > format.max_bytes() {
        errors.add(
            "size_bytes",
            "out_of_range",
            format!(
                "A {} file is 1 byte to {} MiB.",
                format.as_str(),
                format.max_bytes() / 1024 / 1024
            ),
        );
    }
    errors.finish()?;
    access::load(&state, &caller, &project_id, Need::Edit).await?;
    let id = format!("xim_{}", uuid::Uuid::now_v7().simple());
    let import = InterchangeImport {
        upload_key: format!("imports/{project_id}/{id}/file.{}", format.extension()),
        id,
        project_id,
        owner_id: caller.user_id.clone(),
        format,
        content_type: request.content_type,
        size_bytes: request.size_bytes,
        status: ImportStatus::AwaitingUpload,
        job_id: None,
        error: None,
        created_at: time::rfc3339(time::now()),
        accepted_at: None,
        scenario_id: None,
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
        format = format.as_str(),
        "interchange import started"
    );
    Ok((
        StatusCode::CREATED,
        Json(CreatedInterchangeImport { import, upload }),
    ))
}

/// Moves an import on: submits the job once the file is there, and follows the job.
async fn advance(
    state: &AppState,
    mut import: Versioned<InterchangeImport>,
) -> Result<(Versioned<InterchangeImport>, Option<roomwright_jobs::Job>), ApiError> {
    if import.value.status == ImportStatus::AwaitingUpload {
        let there = s3::read(
            &state.aws,
            &state.config.bucket_name,
            &import.value.upload_key,
            s3::Span::First(1),
        )
        .await
        .map_err(ApiError::internal)?
        .is_some();
        if !there {
            return Ok((import, None));
        }
        let value = &mut import.value;
        let input = VisionInput::Interchange(InterchangeInput {
            import_id: value.id.clone(),
            project_id: value.project_id.clone(),
            format: value.format,
            upload_key: value.upload_key.clone(),
        });
        let request = serde_json::json!({
            "task": "interchange",
            "import_id": value.id,
            "format": value.format,
        });
        let job = submit_reading(
            state,
            &value.owner_id,
            &value.project_id,
            &format!("interchange-import:{}", value.id),
            &["interchange", &value.id],
            request,
            &input,
        )
        .await?;
        value.status = ImportStatus::Reading;
        value.job_id = Some(job.id);
        match state
            .table()
            .replace(&keys(&import.value), &import.value, import.version)
            .await
        {
            Ok(version) => import.version = version,
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

/// The import: its job and, once read, the proposal.
#[utoipa::path(
    get, path = "/v1/projects/{id}/interchange-imports/{import_id}", tag = "jobs",
    params(("id" = String, Path), ("import_id" = String, Path)),
    security(("bearer" = ["projects:read"])),
    responses((status = 200, body = InterchangeImportView), (status = 404))
)]
pub async fn get_interchange_import(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsRead>,
    Path((project_id, import_id)): Path<(String, String)>,
) -> Result<Json<InterchangeImportView>, ApiError> {
    access::load(&state, &caller, &project_id, Need::Read).await?;
    let import = load(&state, &project_id, &import_id).await?;
    let (Versioned { value: import, .. }, job) = advance(&state, import).await?;
    let proposal = proposal(&state, job.as_ref(), import.status).await?;
    let job = match job {
        Some(job) => Some(JobView::with_urls(&state, job).await?),
        None => None,
    };
    Ok(Json(InterchangeImportView {
        import,
        job,
        proposal,
    }))
}

/// Writes the proposal, with the user's corrections, into the project as a new scenario.
/// Needs the project's `If-Match`; nothing reaches the project without this call.
#[utoipa::path(
    post, path = "/v1/projects/{id}/interchange-imports/{import_id}/accept", tag = "jobs",
    request_body = AcceptInterchange,
    params(("id" = String, Path), ("import_id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = ["projects:write"])),
    responses((status = 200, body = AcceptedInterchange, headers(("ETag" = String))),
              (status = 404), (status = 409), (status = 412), (status = 422), (status = 428))
)]
pub async fn accept_interchange_import(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::ProjectsWrite>,
    Path((project_id, import_id)): Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(request): ApiJson<AcceptInterchange>,
) -> Result<([(HeaderName, HeaderValue); 1], Json<AcceptedInterchange>), ApiError> {
    let mut errors = FieldErrors::new();
    if request.corrections.len() > MAX_LINES {
        errors.add(
            "corrections",
            "too_many",
            format!("At most {MAX_LINES} corrections."),
        );
    }
    if let Some(name) = &request.name
        && (name.trim().is_empty() || name.chars().count() > 100)
    {
        errors.add(
            "name",
            "invalid",
            "Name the scenario in 1 to 100 characters.",
        );
    }
    if let Some(min) = request.min_confidence
        && !(0.0..=1.0).contains(&min)
    {
        errors.add("min_confidence", "out_of_range", "A confidence is 0 to 1.");
    }
    errors.finish()?;
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
    if import.status == ImportStatus::Accepted {
        return Err(ApiError::conflict(
            "already_accepted",
            format!(
                "This import is already scenario {}.",
                import.scenario_id.clone().unwrap_or_default()
            ),
        ));
    }
    let Some(proposed) = proposal::<Proposal>(&state, job.as_ref(), import.status).await? else {
        return Err(ApiError::conflict(
            "proposal_not_ready",
            match import.status {
                ImportStatus::Failed => format!(
                    "This import failed: {}",
                    import.error.clone().unwrap_or_default()
                ),
                _ => "The file has not been read yet; read the import again later.".into(),
            },
        ));
    };
    // Corrections name lines of the proposal and products of the catalog.
    let lines: HashMap<usize, &roomwright_interchange::ProposedLine> =
        proposed.lines.iter().map(|l| (l.source.line, l)).collect();
    let mut corrections: HashMap<usize, &Correction> = HashMap::new();
    let mut errors = FieldErrors::new();
    for (i, c) in request.corrections.iter().enumerate() {
        if !lines.contains_key(&c.line) {
            errors.add(
                format!("corrections[{i}].line"),
                "unknown_line",
                format!("The proposal has no line {}.", c.line),
            );
        } else if corrections.insert(c.line, c).is_some() {
            errors.add(
                format!("corrections[{i}].line"),
                "duplicate",
                "One correction per line.",
            );
        }
    }
    errors.finish()?;
    // Every product the scenario can name (corrected or matched), read once: the corrections
    // are checked against it and so is the scenario.
    let ids: Vec<String> = request
        .corrections
        .iter()
        .filter_map(|c| c.product_id.clone())
        .chain(
            proposed
                .lines
                .iter()
                .filter_map(|l| l.matched.as_ref().map(|m| m.product_id.clone())),
        )
        .collect();
    let products: HashMap<String, roomwright_core::catalog::Product> =
        get_products(&state.table(), &ids)
            .await?
            .into_iter()
            .map(|(id, p)| (id, p.value))
            .collect();
    let mut errors = FieldErrors::new();
    for (i, c) in request.corrections.iter().enumerate() {
        if let Some(id) = &c.product_id
            && products.get(id).is_none_or(|p| p.status != "active")
        {
            errors.add(
                format!("corrections[{i}].product_id"),
                "unknown_product",
                format!("No product {id} on sale."),
            );
        }
    }
    errors.finish()?;

    let mut saved = project.value;
    let write_plan = match (&proposed.floor_plan, request.floor_plan) {
        (Some(_), Some(wanted)) => wanted,
        (Some(_), None) => saved.floor_plan.is_none(),
        (None, _) => false,
    };
    if write_plan && let Some(plan) = &proposed.floor_plan {
        let mut errors = FieldErrors::new();
        floorplan::validate(plan, &mut errors);
        errors.prefixed("floor_plan").finish()?;
        saved.floor_plan = Some(plan.clone());
    }
    let min = request.min_confidence.unwrap_or(0.0);
    let mut selections: Vec<Selection> = Vec::new();
    let mut grouped: HashMap<(String, Option<String>), usize> = HashMap::new();
    let mut left_out = Vec::new();
    let mut taken = 0usize;
    let mut learned: Vec<Alias> = Vec::new();
    let now = time::rfc3339(time::now());
    for line in &proposed.lines {
        let n = line.source.line;
        let correction = corrections.get(&n);
        if correction.is_some_and(|c| c.skip) {
            left_out.push(n);
            continue;
        }
        let corrected = correction.and_then(|c| c.product_id.clone());
        let product_id = match (&corrected, &line.matched) {
            (Some(id), _) => id.clone(),
            (None, Some(m)) if m.confidence >= min => m.product_id.clone(),
            _ => {
                left_out.push(n);
                continue;
            }
        };
        if let Some(id) = &corrected
            && line.matched.as_ref().is_none_or(|m| &m.product_id != id)
        {
            let mut learn = |kind: AliasKind, source: &str| {
                learned.push(Alias {
                    kind,
                    source: source.to_string(),
                    product_id: id.clone(),
                    manufacturer: line.source.manufacturer.clone(),
                    origin: "correction".into(),
                    updated_by: caller.user_id.clone(),
                    updated_at: now.clone(),
                })
            };
            if let Some(pn) = &line.source.part_number {
                learn(AliasKind::PartNumber, pn);
            }
            if let Some(block) = &line.source.block {
                learn(AliasKind::Block, block);
            }
        }
        let finish = correction.and_then(|c| c.finish.clone()).or_else(|| {
            // A mapped finish belongs to the matched product only.
            corrected
                .is_none()
                .then(|| line.finish.as_ref().map(|f| f.to.clone()))
                .flatten()
        });
        taken += 1;
        let placement = line.source.placement.as_ref().and_then(|p| {
            let plan = saved.floor_plan.as_ref()?;
            Some(Placement {
                room_id: plan.room_at(p.x_m, p.y_m)?.id.clone(),
                x_m: p.x_m,
                y_m: p.y_m,
                rotation_deg: p.rotation_deg,
            })
        });
        match placement {
            Some(placement) => selections.push(Selection {
                id: format!("l{n}"),
                product_id,
                quantity: line.source.quantity,
                finish,
                placement: Some(placement),
            }),
            None => match grouped.get(&(product_id.clone(), finish.clone())) {
                Some(&at) => {
                    let q = &mut selections[at].quantity;
                    *q = q.saturating_add(line.source.quantity);
                }
                None => {
                    grouped.insert((product_id.clone(), finish.clone()), selections.len());
                    selections.push(Selection {
                        id: format!("l{n}"),
                        product_id,
                        quantity: line.source.quantity,
                        finish,
                        placement: None,
                    });
                }
            },
        }
    }
    if selections.is_empty() {
        return Err(ApiError::validation(vec![
            roomwright_core::FieldError::new(
                "corrections",
                "nothing_to_import",
                "No line has a product: correct at least one line.",
            ),
        ]));
    }
    if selections.len() > MAX_SELECTIONS {
        return Err(ApiError::validation(vec![
            roomwright_core::FieldError::new(
                "corrections",
                "too_many_selections",
                format!(
                    "The import makes {} selections; a scenario holds {MAX_SELECTIONS}. Skip lines, or import the drawing in parts.",
                    selections.len()
                ),
            ),
        ]));
    }
    let scenario_id = format!(
        "scn_{}",
        &import.id[4..].chars().take(16).collect::<String>()
    );
    let scenario = Scenario {
        id: scenario_id.clone(),
        name: request
            .name
            .clone()
            .or_else(|| proposed.title.clone().filter(|t| !t.trim().is_empty()))
            .map(|t| t.chars().take(100).collect())
            .unwrap_or_else(|| format!("Imported {}", import.format.as_str())),
        selections,
        terms: Terms::default(),
    };
    let mut errors = FieldErrors::new();
    scenarios::validate(&scenario, &mut errors);
    scenarios::check_products(&scenario, &products, &mut errors);
    errors.prefixed("scenario").finish()?;
    scenarios::upsert(&mut saved.scenarios, scenario)?;
    saved.updated_at = time::sortable(time::now());
    saved.updated_by = Some(caller.user_id.clone());
    saved.updated_via = Some("import".into());
    let version = project_store::write(&state.table(), &saved, Some(project.version), &[]).await?;

    // The project is written; what follows is remembered for next time.
    let mut aliases_learned = 0;
    if request.remember != Some(false) && !learned.is_empty() {
        // A correction never replaces an alias someone set by hand.
        let wanted: Vec<(AliasKind, String)> =
            learned.iter().map(|a| (a.kind, a.source.clone())).collect();
        match aliases::lookup(&state.table(), &wanted).await {
            Ok(existing) => {
                learned.retain(|a| {
                    existing
                        .get(&(a.kind, aliases::normalise(&a.source)))
                        .is_none_or(|e| e.origin != "user")
                });
                aliases_learned = learned.len();
                if let Err(e) = aliases::put_all(&state.table(), &learned).await {
                    tracing::warn!(error = ?e, import_id, "corrections not remembered");
                    aliases_learned = 0;
                }
            }
            Err(e) => tracing::warn!(error = ?e, import_id, "corrections not remembered"),
        }
    }
    import.status = ImportStatus::Accepted;
    import.accepted_at = Some(now);
    import.scenario_id = Some(scenario_id.clone());
    if let Err(e) = state
        .table()
        .replace(&keys(&import), &import, import_version)
        .await
    {
        tracing::warn!(error = ?e, import_id, "import not marked accepted");
    }
    tracing::info!(
        import_id,
        project_id,
        lines = taken,
        left_out = left_out.len(),
        aliases_learned,
        "interchange import accepted"
    );
    Ok((
        [(header::ETAG, etag(version))],
        Json(AcceptedInterchange {
            project: saved,
            scenario_id,
            lines_taken: taken,
            lines_left_out: left_out,
            floor_plan_written: write_plan,
            aliases_learned,
        }),
    ))
}
