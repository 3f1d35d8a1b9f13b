//! `POST /v1/events`: a batch of interaction events. Accepted batches are stored whole for
//! training (one S3 object per batch under the day it arrived, so a retried batch overwrites
//! itself) and counted per product for popularity (once per batch: a marker item makes the
//! counting happen only for the first delivery).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::AttributeValue;
use axum::{Json, extract::State, http::StatusCode};
use futures::future::try_join_all;
use http::HeaderMap;
use roomwright_core::{
    ApiError, AppState,
    auth::{Caller, Permission, Require, perm},
    dynamo::{Keys, StoreError, Table, counter, service_error},
    http::{ApiJson, idempotency_key},
    problem::FieldErrors,
    s3, time,
};
use roomwright_recs::events::{EventKind, StoredEvent, batch_key};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::live;

/// Most events in one batch.
pub const MAX_EVENTS: usize = 100;
/// Events may arrive this late (clients batch while offline) ...
const MAX_AGE_DAYS: i64 = 30;
/// ... and this early (clock skew).
const MAX_SKEW_MINUTES: i64 = 5;
/// How long a batch's marker stops it being counted twice.
const MARKER_DAYS: i64 = 7;
/// Batches one user may send a minute (each up to [`MAX_EVENTS`] events).
pub const BATCHES_PER_MINUTE: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    View,
    SearchClick,
    AddToProject,
    RemoveFromProject,
    Order,
}

impl From<EventType> for EventKind {
    fn from(t: EventType) -> Self {
        match t {
            EventType::View => EventKind::View,
            EventType::SearchClick => EventKind::SearchClick,
            EventType::AddToProject => EventKind::AddToProject,
            EventType::RemoveFromProject => EventKind::RemoveFromProject,
            EventType::Order => EventKind::Order,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// 1 to 100 events.
    pub events: Vec<EventIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    #[serde(rename = "type")]
    pub kind: EventType,
    pub product_id: String,
    /// Required for `add_to_project` and `remove_from_project`.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Whose event; the caller by default (others: admins, for server-side imports).
    #[serde(default)]
    pub user_id: Option<String>,
    /// When it happened (RFC 3339); now by default. At most 30 days old.
    #[serde(default)]
    pub at: Option<String>,
    /// Units ordered (`order` only).
    #[serde(default)]
    pub quantity: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventsAccepted {
    pub accepted: usize,
    pub batch_id: String,
    /// The same batch was accepted before (a retry); it was not counted again.
    pub duplicate: bool,
}

/// Records interaction events for recommendations. Send an `Idempotency-Key` to make retries
/// safe; without one, a batch identical to an earlier one is taken as its retry.
#[utoipa::path(
    post, path = "/v1/events", tag = "recommendations", request_body = EventBatch,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = ["events:write"])),
    responses((status = 202, body = EventsAccepted), (status = 403), (status = 422))
)]
pub async fn record_events(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::EventsWrite>,
    headers: HeaderMap,
    ApiJson(batch): ApiJson<EventBatch>,
) -> Result<(StatusCode, Json<EventsAccepted>), ApiError> {
    let key = idempotency_key(&headers)?;
    let events = validate(&state, &caller, batch).await?;
    // Admins import history in bulk; everyone else is held to a rate.
    if !caller.can(Permission::UsersManage) {
        take_batch(&state.table(), &caller.user_id, time::now()).await?;
    }
    let batch_id = batch_id(&caller.user_id, key.as_deref(), &events);
    let now = time::now();
    let day = time::rfc3339(now)[..10].to_string();
    let body: String = events
        .iter()
        .map(|e| serde_json::to_string(e).expect("serialisable") + "\n")
        .collect();
    s3::put_bytes(
        &state.aws,
        &state.config.bucket_name,
        &batch_key(&day, &batch_id),
        "application/x-ndjson",
        body.into_bytes(),
    )
    .await
    .map_err(ApiError::internal)?;
    let table = state.table();
    let marker = Keys::new(format!("EVENTBATCH#{batch_id}"), "BATCH")
        .expires_at((now + time_days(MARKER_DAYS)).unix_timestamp());
    let duplicate = match table
        .create(
            &marker,
            &serde_json::json!({"day": day, "events": events.len()}),
        )
        .await
    {
        Ok(_) => false,
        Err(StoreError::ConditionFailed) => true,
        Err(e) => return Err(e.into()),
    };
    if !duplicate {
        // Marker first: a crash between the two undercounts a batch rather than counting it twice.
        count(&table, &events).await?;
    }
    tracing::info!(
        batch_id,
        events = events.len(),
        duplicate,
        "events recorded"
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(EventsAccepted {
            accepted: events.len(),
            batch_id,
            duplicate,
        }),
    ))
}

/// Counts one batch against the user's minute, or refuses it with 429 (nothing is stored).
async fn take_batch(
    table: &Table,
    user_id: &str,
    now: ::time::OffsetDateTime,
) -> Result<(), ApiError> {
    let epoch = now.unix_timestamp();
    let (pk, sk) = (
        format!("RATE#events#{user_id}"),
        format!("MIN#{}", epoch / 60),
    );
    if counter::take(table, &pk, &sk, BATCHES_PER_MINUTE, epoch + 120).await? {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "event_rate_limit",
        "Too many event batches",
    )
    .with_detail(format!(
        "Send at most {BATCHES_PER_MINUTE} batches a minute; batch events together."
    ))
    .with_retry_after((60 - epoch.rem_euclid(60)) as u64))
}

fn time_days(days: i64) -> ::time::Duration {
    ::time::Duration::days(days)
}

/// Checks every event (all problems reported at once, with their paths) and returns them as
/// they will be stored.
async fn validate(
    state: &AppState,
    caller: &Caller,
    batch: EventBatch,
) -> Result<Vec<StoredEvent>, ApiError> {
    let mut errors = FieldErrors::new();
    if batch.events.is_empty() || batch.events.len() > MAX_EVENTS {
        errors.add(
            "events",
            "invalid_count",
            format!("Send 1 to {MAX_EVENTS} events per batch."),
        );
        std::mem::take(&mut errors).finish()?;
    }
    let now = time::now();
    let mut stored = Vec::with_capacity(batch.events.len());
    for (i, event) in batch.events.iter().enumerate() {
        let path = |field: &str| format!("events[{i}].{field}");
        if event.product_id.trim().is_empty() || event.product_id.len() > 64 {
            errors.add(path("product_id"), "invalid", "Give the product's id.");
        }
        let needs_project = matches!(
            event.kind,
            EventType::AddToProject | EventType::RemoveFromProject
        );
        if needs_project && event.project_id.is_none() {
            errors.add(
                path("project_id"),
                "required",
                "Project events name their project.",
            );
        }
        if event.quantity.is_some() && event.kind != EventType::Order {
            errors.add(
                path("quantity"),
                "not_allowed",
                "Only orders carry a quantity.",
            );
        }
        if event.quantity.is_some_and(|q| q == 0 || q > 10_000) {
            errors.add(path("quantity"), "invalid", "Order 1 to 10000 units.");
        }
        // Orders teach the most: only real orders (the orders route writes them) and an
        // admin's import of past orders may say what was ordered.
        if event.kind == EventType::Order && !caller.can(Permission::UsersManage) {
            errors.add(
                path("type"),
                "recorded_by_orders",
                "Order events are recorded when an order is placed (POST /v1/orders).",
            );
        }
        if event.project_id.as_ref().is_some_and(|p| p.len() > 64) {
            errors.add(
                path("project_id"),
                "invalid",
                "Project ids are at most 64 characters.",
            );
        }
        let user = match &event.user_id {
            Some(user) if user != &caller.user_id => {
                if caller.require(Permission::UsersManage).is_err() {
                    return Err(ApiError::forbidden(
                        "other_users_events",
                        format!(
                            "Only admins record events for other users ({}).",
                            path("user_id")
                        ),
                    ));
                }
                user.clone()
            }
            _ => caller.user_id.clone(),
        };
        let at = match &event.at {
            None => now,
            Some(text) => match time::parse_rfc3339(text) {
                None => {
                    errors.add(path("at"), "invalid", "Give the time as RFC 3339 (UTC).");
                    now
                }
                Some(at) if at > now + ::time::Duration::minutes(MAX_SKEW_MINUTES) => {
                    errors.add(path("at"), "in_future", "The event lies in the future.");
                    now
                }
                Some(at) if at < now - time_days(MAX_AGE_DAYS) => {
                    errors.add(
                        path("at"),
                        "too_old",
                        format!("Events older than {MAX_AGE_DAYS} days are not accepted."),
                    );
                    now
                }
                Some(at) => at,
            },
        };
        stored.push(StoredEvent {
            kind: event.kind.into(),
            user_id: user,
            product_id: event.product_id.trim().to_string(),
            project_id: event.project_id.clone(),
            at: time::rfc3339(at),
            quantity: event.quantity.unwrap_or(1),
        });
    }
    std::mem::take(&mut errors).finish()?;
    // Products must exist (retired ones included: old events still teach).
    let ids: Vec<String> = stored
        .iter()
        .map(|e| e.product_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let known = live::products(state, &ids).await?;
    for (i, event) in stored.iter().enumerate() {
        if !known.contains_key(&event.product_id) {
            errors.add(
                format!("events[{i}].product_id"),
                "unknown_product",
                format!("No product {}.", event.product_id),
            );
        }
    }
    // Projects must be ones the caller can see.
    let projects: BTreeSet<&String> = stored
        .iter()
        .filter_map(|e| e.project_id.as_ref())
        .collect();
    for project in projects {
        if let Err(e) = live::project(state, caller, project).await {
            if e.status() != StatusCode::NOT_FOUND {
                return Err(e);
            }
            for (i, _) in stored
                .iter()
                .enumerate()
                .filter(|(_, ev)| ev.project_id.as_ref() == Some(project))
            {
                errors.add(
                    format!("events[{i}].project_id"),
                    "unknown_project",
                    format!("No project {project} that you can see."),
                );
            }
        }
    }
    std::mem::take(&mut errors).finish()?;
    Ok(stored)
}

/// One id per (user, key), else per (user, content): a retry names the same batch.
fn batch_id(user: &str, key: Option<&str>, events: &[StoredEvent]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(user.as_bytes());
    hasher.update([0]);
    match key {
        Some(key) => hasher.update(key.as_bytes()),
        None => hasher.update(serde_json::to_vec(events).expect("serialisable")),
    }
    hex::encode(&hasher.finalize()[..16])
}

/// Counter attribute per event type.
fn counter(kind: EventKind) -> &'static str {
    match kind {
        EventKind::View => "views",
        EventKind::SearchClick => "search_clicks",
        EventKind::AddToProject => "adds",
        EventKind::RemoveFromProject => "removals",
        EventKind::Order => "orders",
    }
}

pub fn popularity_pk(product_id: &str) -> String {
    format!("POPULARITY#{product_id}")
}

/// Adds the batch to each product's counters (one update per product, concurrently).
async fn count(table: &Table, events: &[StoredEvent]) -> Result<(), ApiError> {
    let mut per_product: BTreeMap<&str, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for event in events {
        *per_product
            .entry(&event.product_id)
            .or_default()
            .entry(counter(event.kind))
            .or_default() += 1;
    }
    let client = table.client().await;
    try_join_all(per_product.into_iter().map(|(product, counts)| {
        let mut update = client
            .update_item()
            .table_name(table.name())
            .key("pk", AttributeValue::S(popularity_pk(product)))
            .key("sk", AttributeValue::S("COUNTS".into()));
        let mut adds = Vec::new();
        for (i, (name, n)) in counts.into_iter().enumerate() {
            adds.push(format!("#c{i} :c{i}"));
            update = update
                .expression_attribute_names(format!("#c{i}"), name)
                .expression_attribute_values(format!(":c{i}"), AttributeValue::N(n.to_string()));
        }
        update
            .update_expression(format!("ADD {}", adds.join(", ")))
            .send()
    }))
    .await
    .map_err(|e| ApiError::from(service_error(e)))?;
    Ok(())
}

/// A product's event counts, for display.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Popularity {
    #[serde(default)]
    pub views: u64,
    #[serde(default)]
    pub search_clicks: u64,
    #[serde(default)]
    pub adds: u64,
    #[serde(default)]
    pub removals: u64,
    #[serde(default)]
    pub orders: u64,
}

pub async fn popularity(table: &Table, product_id: &str) -> Result<Popularity, ApiError> {
    Ok(table
        .get::<Popularity>(&popularity_pk(product_id), "COUNTS")
        .await?
        .map(|v| v.value)
        .unwrap_or_default())
}
