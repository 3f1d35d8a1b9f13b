//! Quote exports: render, store in S3, hand out a download URL minted on each request.

use std::{collections::HashMap, time::Duration};

use axum::{Json, extract::State, http::StatusCode};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Require, perm},
    dynamo::Keys,
    http::ApiJson,
    s3, time,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use roomwright_projects::{
    access::{self, Need},
    scenarios,
    store::project_pk,
};

use crate::render::{
    self, ExportRecord, Format, QuoteDocument,
    interchange::{self, PartNumbers},
};

/// How long a download URL works.
const URL_TTL: Duration = Duration::from_secs(15 * 60);
/// Product images larger than this are left out of the PDF.
const MAX_IMAGE_BYTES: u64 = 2 * 1024 * 1024;
/// How long product images are fetched for before the quote is drawn without the rest.
const IMAGES_WITHIN: Duration = Duration::from_secs(8);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub format: Format,
    /// Scenarios to include, in this order; all of the project's when absent. `sif` and
    /// `dxf` hold exactly one: name it when the project has several.
    #[serde(default)]
    pub scenario_ids: Option<Vec<String>>,
    /// `sif` only: our SKUs (default) or the manufacturers' part numbers where an alias
    /// records them.
    #[serde(default)]
    pub part_numbers: Option<PartNumbers>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportResponse {
    pub export: ExportRecord,
    /// Presigned GET, valid for `expires_in` seconds; ask again for a fresh one.
    pub download_url: String,
    pub expires_in: u64,
}

async fn download_url(state: &AppState, key: &str) -> Result<String, ApiError> {
    roomwright_core::s3::presigned_get(&state.aws, &state.config.bucket_name, key, URL_TTL)
        .await
        .map_err(ApiError::internal)
}

/// Fetches the images the quote lines name (at most 50, eight at a time); missing or
/// oversized ones are skipped, and so are those not fetched within [`IMAGES_WITHIN`]: the
/// quote is what was asked for, and the function answers within the gateway's 29 s.
pub(crate) async fn images(
    state: &AppState,
    keys: impl Iterator<Item = String>,
) -> HashMap<String, Vec<u8>> {
    use futures::StreamExt;
    let mut images = HashMap::new();
    let fetches = futures::stream::iter(keys.take(50))
        .map(|key| async move {
            let image = s3::read(
                &state.aws,
                &state.config.bucket_name,
                &key,
                s3::Span::AtMost(MAX_IMAGE_BYTES),
            )
            .await;
            (key, image)
        })
        .buffer_unordered(8);
    let deadline = tokio::time::sleep(IMAGES_WITHIN);
    tokio::pin!(fetches, deadline);
    loop {
        tokio::select! {
            next = fetches.next() => match next {
                Some((key, Ok(Some(bytes)))) => {
                    images.insert(key, bytes);
                }
                Some(_) => {}
                None => break,
            },
            () = &mut deadline => {
                tracing::warn!(fetched = images.len(), "product images left out: not fetched in time");
                break;
            }
        }
    }
    images
}

/// Renders a client-ready quote of the project's scenarios as PDF or XLSX.
/// The manufacturer's part number of each product, where a part-number alias of the
/// product's own brand records one.
async fn manufacturer_numbers(
    state: &AppState,
    products: &HashMap<String, roomwright_core::catalog::Product>,
) -> Result<HashMap<String, String>, ApiError> {
    use futures::{StreamExt, TryStreamExt};
    use roomwright_interchange::aliases::{self, AliasKind};
    let table = state.table();
    let wanted: Vec<(String, String)> = products
        .values()
        .map(|p| (p.id.clone(), p.brand.to_lowercase()))
        .collect();
    let found: Vec<Option<(String, String)>> = futures::stream::iter(wanted)
        .map(|(id, brand)| {
            let table = table.clone();
            async move {
                let aliases = aliases::of_product(&table, &id).await?;
                Ok::<_, ApiError>(
                    aliases
                        .into_iter()
                        .filter(|a| a.kind == AliasKind::PartNumber)
                        .find(|a| {
                            a.manufacturer
                                .as_ref()
                                .is_some_and(|m| m.to_lowercase() == brand)
                        })
                        .map(|a| (id, a.source)),
                )
            }
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

#[utoipa::path(
    post, path = "/v1/projects/{id}/exports", tag = "projects", request_body = ExportRequest,
    params(("id" = String, Path)), security(("bearer" = ["estimates:create"])),
    responses((status = 201, body = ExportResponse), (status = 404), (status = 422))
)]
pub async fn create_export(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::EstimatesCreate>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ExportRequest>,
) -> Result<(StatusCode, Json<ExportResponse>), ApiError> {
    let project = access::load(&state, &caller, &id, Need::Read).await?.value;
    let chosen: Vec<&scenarios::Scenario> = match &request.scenario_ids {
        None => project.scenarios.iter().collect(),
        Some(ids) => {
            let mut chosen = Vec::new();
            for (i, sid) in ids.iter().enumerate() {
                match project.scenarios.iter().find(|s| &s.id == sid) {
                    Some(s) => chosen.push(s),
                    None => {
                        return Err(ApiError::validation(vec![FieldError::new(
                            format!("scenario_ids[{i}]"),
                            "unknown_scenario",
                            format!("No scenario {sid}."),
                        )]));
                    }
                }
            }
            chosen
        }
    };
    if chosen.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "scenario_ids",
            "no_scenarios",
            "Add a scenario before exporting a quote.",
        )]));
    }
    let single = matches!(request.format, Format::Sif | Format::Dxf);
    if single && chosen.len() != 1 {
        return Err(ApiError::validation(vec![FieldError::new(
            "scenario_ids",
            "one_scenario",
            "A SIF or DXF holds one scenario: name it in scenario_ids.",
        )]));
    }
    if request.part_numbers.is_some() && request.format != Format::Sif {
        return Err(ApiError::validation(vec![FieldError::new(
            "part_numbers",
            "not_applicable",
            "part_numbers applies to SIF exports only.",
        )]));
    }
    let mut quotes = Vec::new();
    let mut priced_products = HashMap::new();
    for scenario in &chosen {
        let (quote, products) =
            scenarios::priced(&state.table(), &project.requirements, scenario).await?;
        quotes.push(quote);
        priced_products.extend(products);
    }
    let image_keys: std::collections::BTreeSet<String> = quotes
        .iter()
        .flat_map(|q| q.lines.iter().filter_map(|l| l.image.clone()))
        .collect();
    let images = if request.format == Format::Pdf {
        images(&state, image_keys.into_iter()).await
    } else {
        HashMap::new()
    };
    let now = time::now();
    let document = QuoteDocument {
        project: &project,
        quotes: &quotes,
        images: &images,
        generated_at: time::rfc3339(now),
    };
    let bytes = match request.format {
        Format::Pdf => render::pdf::render(&document),
        Format::Xlsx => render::xlsx::render(&document).map_err(ApiError::internal)?,
        Format::Sif => {
            let numbers = match request.part_numbers.unwrap_or_default() {
                PartNumbers::Sku => HashMap::new(),
                PartNumbers::Manufacturer => manufacturer_numbers(&state, &priced_products).await?,
            };
            interchange::sif(&project, &quotes[0], &priced_products, &numbers)
        }
        Format::Dxf => interchange::dxf(&project, chosen[0], &quotes[0], &priced_products)
            .map_err(ApiError::internal)?,
    };
    let export_id = format!("exp_{}", uuid::Uuid::now_v7().simple());
    let key = format!(
        "exports/{}/{export_id}.{}",
        project.id,
        request.format.extension()
    );
    let filename = format!(
        "{}-{}.{}",
        interchange::file_stem(&project.name),
        if single { "scenario" } else { "quote" },
        request.format.extension()
    );
    state
        .aws
        .s3()
        .await
        .put_object()
        .bucket(&state.config.bucket_name)
        .key(&key)
        .content_type(request.format.content_type())
        .content_disposition(format!("attachment; filename=\"{filename}\""))
        .body(bytes.clone().into())
        .send()
        .await
        .map_err(|e| ApiError::internal(aws_sdk_s3::error::DisplayErrorContext(e)))?;
    let record = ExportRecord {
        id: export_id.clone(),
        format: request.format,
        key: key.clone(),
        scenario_ids: quotes.iter().map(|q| q.scenario_id.clone()).collect(),
        created_at: time::rfc3339(now),
        created_by: caller.user_id.clone(),
        size_bytes: bytes.len() as u64,
    };
    state
        .table()
        .create(
            &Keys::new(project_pk(&project.id), format!("EXPORT#{export_id}")),
            &record,
        )
        .await?;
    let download_url = download_url(&state, &key).await?;
    Ok((
        StatusCode::CREATED,
        Json(ExportResponse {
            export: record,
            download_url,
            expires_in: URL_TTL.as_secs(),
        }),
    ))
}

/// An export with a fresh download URL.
#[utoipa::path(
    get, path = "/v1/projects/{id}/exports/{export_id}", tag = "projects",
    params(("id" = String, Path), ("export_id" = String, Path)), security(("bearer" = ["estimates:create"])),
    responses((status = 200, body = ExportResponse), (status = 404))
)]
pub async fn get_export(
    State(state): State<AppState>,
    // An export shows prices: the same right as making one.
    Require(caller, _): Require<perm::EstimatesCreate>,
    Path((id, export_id)): Path<(String, String)>,
) -> Result<Json<ExportResponse>, ApiError> {
    access::load(&state, &caller, &id, Need::Read).await?;
    let record = state
        .table()
        .get::<ExportRecord>(&project_pk(&id), &format!("EXPORT#{export_id}"))
        .await?
        .ok_or_else(|| ApiError::not_found("export_not_found", format!("No export {export_id}.")))?
        .value;
    let download_url = download_url(&state, &record.key).await?;
    Ok(Json(ExportResponse {
        export: record,
        download_url,
        expires_in: URL_TTL.as_secs(),
    }))
}
