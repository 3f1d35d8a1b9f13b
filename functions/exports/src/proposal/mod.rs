//! The public proposal page a share link opens (`/p/{token}`): the shared version's plan,
//! renders, 3D scene and products with live prices and stock, a PDF of the quote, and the
//! client's approval or request for changes, which lands on the project.
//!
//! Nothing here takes a project or share id: the token's hash finds the share, the share names
//! the one project and version shown. Views are counted per link and per client address.

mod page;

use std::{collections::HashMap, time::Duration};

use axum::{
    Form,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use roomwright_core::{
    ApiError, AppState, FieldErrors,
    auth::ClientInfo,
    dynamo::{PageRequest, counter},
    http::Path,
    s3, time,
};
use roomwright_jobs::{JobKind, JobStatus, render::input::SceneFormat, store as jobs};
use roomwright_projects::{
    scenarios::{self, Quote},
    shares::{self, Feedback, Share, Taken},
    store, versions,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::render::{self, QuoteDocument};

/// Signed URLs on the page work this long (a client reading longer reloads).
const URL_TTL: Duration = Duration::from_secs(60 * 60);
/// Render and scene jobs of a project looked through for the shared version's.
const JOBS_LOOKED_AT: u32 = 100;

const MODEL_VIEWER_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/model-viewer.min.js"));
const MODEL_VIEWER_JS_GZ: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/model-viewer.min.js.gz"));
const MODEL_VIEWER_ASSET: &str = concat!("model-viewer-", env!("MODEL_VIEWER_VERSION"), ".min.js");
const PANO_JS: &str = include_str!("pano.js");
const PANO_ASSET: &str = "pano-1.js";

fn asset_path(name: &str) -> String {
    format!("/p/assets/{name}")
}

/// An HTML answer with the page's headers: no caching (prices and stock are live), no
/// referrer (the URL is the key), no indexing.
fn html(status: StatusCode, body: String, bucket_origin: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CONTENT_SECURITY_POLICY, page::policy(bucket_origin)),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::REFERRER_POLICY, "no-referrer".to_string()),
            (
                header::HeaderName::from_static("x-robots-tag"),
                "noindex, nofollow".to_string(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        body,
    )
        .into_response()
}

fn unavailable() -> Response {
    html(
        StatusCode::NOT_FOUND,
        page::message(
            "This proposal is not available",
            "The link is mistyped, has expired or was withdrawn. Ask your designer for a new one.",
        ),
        "",
    )
}

fn slow_down(seconds: i64) -> Response {
    let mut response = html(
        StatusCode::TOO_MANY_REQUESTS,
        page::message(
            "Too many requests",
            "This proposal was opened too often just now; try again in a minute.",
        ),
        "",
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        seconds.to_string().parse().expect("digits"),
    );
    response
}

fn check_the_form(text: &str) -> Response {
    html(
        StatusCode::UNPROCESSABLE_ENTITY,
        page::message(
            "Please check the form",
            &format!("{text} Go back to the page and send again."),
        ),
        "",
    )
}

/// Counts a view against the client's address and, once found, the link; false when either
/// is over its minute's limit.
async fn within_limits(state: &AppState, subject: &str, limit: u32) -> Result<bool, ApiError> {
    let now = time::now();
    let minute = now.unix_timestamp() / 60;
    Ok(counter::take(
        &state.table(),
        &format!("RATE#proposal#{subject}"),
        &format!("MIN#{minute}"),
        limit,
        now.unix_timestamp() + 120,
    )
    .await?)
}

/// The live share a request may see, or the answer it gets instead.
async fn open(
    state: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<Result<Share, Response>, ApiError> {
    if !within_limits(
        state,
        &format!("ip#{}", client.source_ip),
        shares::VIEWS_PER_ADDRESS_PER_MINUTE,
    )
    .await?
    {
        return Ok(Err(slow_down(60)));
    }
    let Some(share) = shares::open(&state.table(), token, time::now()).await? else {
        return Ok(Err(unavailable()));
    };
    if !within_limits(
        state,
        &format!("share#{}", share.id),
        shares::VIEWS_PER_MINUTE,
    )
    .await?
    {
        return Ok(Err(slow_down(60)));
    }
    Ok(Ok(share))
}

/// The shared version's project (its content as saved), scenario and live quote.
struct Shown {
    project: roomwright_projects::model::Project,
    quote: Quote,
    products: HashMap<String, roomwright_core::catalog::Product>,
}

async fn shown(state: &AppState, share: &Share) -> Result<Option<Shown>, ApiError> {
    let table = state.table();
    let Some(project) = store::get(&table, &share.project_id).await? else {
        return Ok(None);
    };
    if project.value.deleted_at.is_some() {
        return Ok(None);
    }
    let Some(version) = versions::get(&table, &share.project_id, share.version).await? else {
        return Ok(None);
    };
    let project = shares::as_shared(project.value, version.snapshot);
    let Some(scenario) = project.scenarios.iter().find(|s| s.id == share.scenario_id) else {
        return Ok(None);
    };
    let (quote, products) = scenarios::priced(&table, &project.requirements, scenario).await?;
    Ok(Some(Shown {
        project,
        quote,
        products,
    }))
}

/// `scheme://host[:port]` of the bucket's signed URLs, for the page's policy.
fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    url[..end].to_string()
}

async fn sign(state: &AppState, key: &str) -> Result<String, ApiError> {
    s3::presigned_get(&state.aws, &state.config.bucket_name, key, URL_TTL)
        .await
        .map_err(ApiError::internal)
}

/// The finished renders and scene of the shared scenario and version.
struct Media {
    renders: Vec<page::Signed>,
    panoramas: Vec<page::Signed>,
    glb: Option<String>,
    usdz: Option<String>,
}

async fn media(state: &AppState, share: &Share) -> Result<Media, ApiError> {
    let page = PageRequest {
        limit: JOBS_LOOKED_AT,
        cursor: None,
    };
    let jobs = jobs::list_for_project(&state.table(), &share.project_id, &page).await?;
    let mut media = Media {
        renders: Vec::new(),
        panoramas: Vec::new(),
        glb: None,
        usdz: None,
    };
    for job in jobs.items.into_iter().map(|j| j.value) {
        let request = &job.request;
        let same = request["scenario_id"].as_str() == Some(share.scenario_id.as_str())
            && request["version"].as_u64() == Some(u64::from(share.version));
        if job.kind != JobKind::Render || job.status != JobStatus::Succeeded || !same {
            continue;
        }
        for output in &job.outputs {
            if output.name.ends_with("-thumbnail") {
                continue;
            }
            let kind = output.content_type.as_str();
            if kind == SceneFormat::Glb.content_type() && media.glb.is_none() {
                media.glb = Some(sign(state, &output.key).await?);
            } else if kind == SceneFormat::Usdz.content_type() && media.usdz.is_none() {
                media.usdz = Some(sign(state, &output.key).await?);
            } else if kind == "image/png" || kind == "image/jpeg" {
                // Outputs are `camera-<n>`, in the order of the request's cameras.
                let camera = output
                    .name
                    .strip_prefix("camera-")
                    .and_then(|n| n.parse::<usize>().ok());
                let panorama = camera.is_some_and(|n| request["cameras"][n]["panorama"] == true);
                // Signed only when shown: past 12 renders the rest are left out.
                let shown = if panorama {
                    &mut media.panoramas
                } else if media.renders.len() < 12 {
                    &mut media.renders
                } else {
                    continue;
                };
                shown.push(page::Signed {
                    url: sign(state, &output.key).await?,
                    width: output.width,
                    height: output.height,
                });
            }
        }
    }
    Ok(media)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Set by the redirect after feedback: `approve`, `request_changes`, `comment`, `repeated`.
    #[serde(default)]
    pub sent: Option<String>,
}

/// The proposal page of a share link: server-rendered HTML, no sign-in. An unknown, revoked
/// or expired link is a 404 page; too many views a minute a 429 page.
#[utoipa::path(
    get, path = "/p/{token}", tag = "proposals",
    params(("token" = String, Path, description = "The share link's token"), PageQuery),
    responses(
        (status = 200, description = "The proposal", content_type = "text/html"),
        (status = 404, description = "Unknown, revoked or expired link", content_type = "text/html"),
        (status = 429, description = "Too many views this minute", content_type = "text/html"),
    )
)]
pub async fn proposal_page(
    State(state): State<AppState>,
    client: ClientInfo,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let share = match open(&state, &token, &client).await? {
        Ok(share) => share,
        Err(answer) => return Ok(answer),
    };
    let Some(shown) = shown(&state, &share).await? else {
        return Ok(unavailable());
    };
    let media = media(&state, &share).await?;
    let mut images = Vec::with_capacity(shown.quote.lines.len());
    for line in &shown.quote.lines {
        images.push(match &line.image {
            Some(key) => Some(sign(&state, key).await?),
            None => None,
        });
    }
    let scenario = shown
        .project
        .scenarios
        .iter()
        .find(|s| s.id == share.scenario_id)
        .expect("found in shown");
    let plan_svg = match &shown.project.floor_plan {
        Some(plan) => {
            let items = roomwright_layout::engine::placed_items(scenario, &shown.products);
            let labels = shown
                .products
                .iter()
                .map(|(id, p)| (id.clone(), p.name.clone()))
                .collect();
            let settings = roomwright_layout::Settings::default();
            roomwright_layout::draw::plan_svg(
                plan,
                &items,
                &labels,
                &[],
                &shown.project.name,
                &settings,
            )
        }
        None => String::new(),
    };
    let designer = shown
        .project
        .members
        .iter()
        .find(|m| m.user_id == share.created_by)
        .map_or_else(|| "your designer".to_string(), |m| m.email.clone());
    let bucket_origin = [
        images.iter().flatten().next(),
        media.renders.first().map(|r| &r.url),
        media.glb.as_ref(),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|url| origin(url))
    .unwrap_or_default();
    let proposal = page::Proposal {
        token: token.clone(),
        project_name: shown.project.name.clone(),
        client: shown.project.client.clone(),
        designer,
        scenario_name: scenario.name.clone(),
        version: share.version,
        shared_at: share.created_at.chars().take(10).collect(),
        expires_at: share.expires_at.chars().take(10).collect(),
        status: shown.project.status.as_str(),
        show_prices: share.show_prices,
        allow_feedback: share.allow_feedback,
        plan_svg,
        quote: shown.quote,
        images,
        renders: media.renders,
        panoramas: media.panoramas,
        glb: media.glb,
        usdz: media.usdz,
        nonce: uuid::Uuid::new_v4().simple().to_string(),
        notice: query.sent.as_deref().and_then(|sent| match sent {
            "approve" => Some("Thank you: your approval was sent to the designer."),
            "request_changes" => {
                Some("Thank you: your request for changes was sent to the designer.")
            }
            "comment" => Some("Thank you: your comment was sent to the designer."),
            "repeated" => Some("This was already sent."),
            _ => None,
        }),
    };
    let body = page::proposal(
        &proposal,
        &asset_path(MODEL_VIEWER_ASSET),
        &asset_path(PANO_ASSET),
    );
    Ok(html(StatusCode::OK, body, &bucket_origin))
}

/// The client's decision on the page's form (`application/x-www-form-urlencoded`): approve,
/// ask for changes or comment. Recorded as the project's activity (an approval moves a project
/// in review to approved, a request for changes back to draft), then back to the page.
#[utoipa::path(
    post, path = "/p/{token}/feedback", tag = "proposals",
    params(("token" = String, Path, description = "The share link's token")),
    request_body(content = Feedback, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Recorded: back to the page, which says so"),
        (status = 404, description = "Unknown, revoked or expired link, or feedback not allowed", content_type = "text/html"),
        (status = 422, description = "A field is wrong", content_type = "text/html"),
        (status = 429, description = "Too many views or too much feedback", content_type = "text/html"),
    )
)]
pub async fn send_feedback(
    State(state): State<AppState>,
    client: ClientInfo,
    Path(token): Path<String>,
    form: Result<Form<Feedback>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let share = match open(&state, &token, &client).await? {
        Ok(share) => share,
        Err(answer) => return Ok(answer),
    };
    if !share.allow_feedback {
        return Ok(unavailable());
    }
    let Ok(Form(feedback)) = form else {
        return Ok(check_the_form("The form was not sent whole."));
    };
    let mut errors = FieldErrors::new();
    feedback.validate(&mut errors);
    if let Some(error) = errors.first() {
        return Ok(check_the_form(&error.message));
    }
    let now = time::now();
    let day = now.unix_timestamp() / 86_400;
    let counted = counter::take(
        &state.table(),
        &format!("RATE#feedback#{}", share.id),
        &format!("DAY#{day}"),
        shares::FEEDBACK_PER_DAY,
        now.unix_timestamp() + 2 * 86_400,
    )
    .await?;
    if !counted {
        return Ok(slow_down(86_400 - now.unix_timestamp() % 86_400));
    }
    let sent = match shares::take_feedback(&state.table(), &share, &feedback, now).await? {
        Taken::Recorded { activity } => {
            tracing::info!(project_id = share.project_id, share_id = share.id, activity_id = activity.id, kind = ?activity.kind, "client feedback");
            match feedback.decision {
                shares::Decision::Approve => "approve",
                shares::Decision::RequestChanges => "request_changes",
                shares::Decision::Comment => "comment",
            }
        }
        Taken::Repeated => "repeated",
    };
    Ok(Redirect::to(&format!("/p/{token}?sent={sent}#feedback")).into_response())
}

/// The shared quote as PDF (links that show prices only).
#[utoipa::path(
    get, path = "/p/{token}/quote.pdf", tag = "proposals",
    params(("token" = String, Path, description = "The share link's token")),
    responses(
        (status = 200, description = "The quote", content_type = "application/pdf"),
        (status = 404, description = "Unknown, revoked or expired link, or one without prices", content_type = "text/html"),
    )
)]
pub async fn proposal_pdf(
    State(state): State<AppState>,
    client: ClientInfo,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let share = match open(&state, &token, &client).await? {
        Ok(share) => share,
        Err(answer) => return Ok(answer),
    };
    let Some(shown) = shown(&state, &share).await?.filter(|_| share.show_prices) else {
        return Ok(unavailable());
    };
    let keys: Vec<String> = shown
        .quote
        .lines
        .iter()
        .filter_map(|l| l.image.clone())
        .collect();
    let images = crate::routes::images(&state, keys.into_iter()).await;
    let quotes = [shown.quote];
    let document = QuoteDocument {
        project: &shown.project,
        quotes: &quotes,
        images: &images,
        generated_at: time::rfc3339(time::now()),
    };
    let pdf = render::pdf::render(&document);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"proposal-v{}.pdf\"", share.version),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// The page's scripts, served by us: model-viewer (from its npm package, pinned and checked)
/// and the panorama viewer.
#[utoipa::path(
    get, path = "/p/assets/{asset}", tag = "proposals",
    params(("asset" = String, Path, description = "The script's versioned file name, as the page names it")),
    responses(
        (status = 200, description = "The script", content_type = "text/javascript"),
        (status = 404, description = "No such asset", body = roomwright_core::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn proposal_asset(
    Path(asset): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let (body, gzipped): (&'static [u8], bool) = match asset.as_str() {
        a if a == MODEL_VIEWER_ASSET && gzip_ok => (MODEL_VIEWER_JS_GZ, true),
        a if a == MODEL_VIEWER_ASSET => (MODEL_VIEWER_JS, false),
        a if a == PANO_ASSET => (PANO_JS.as_bytes(), false),
        _ => {
            return Err(ApiError::not_found(
                "asset_not_found",
                format!("No asset {asset}"),
            ));
        }
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if gzipped {
        response.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("gzip"),
        );
    }
    Ok(response)
}
