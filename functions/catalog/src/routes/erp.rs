//! ERP routes: the signed webhook, orders placed with the ERP, and live availability.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | received webhook event (30-day TTL) | `ERPEVENT#<event id>` | `EVENT` |

use axum::{
    Extension, Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use roomwright_core::http::Path;
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Require, Role, perm},
    catalog::Stock,
    dynamo::{Keys, StoreError},
    http::{ApiJson, parse_json},
    time,
};
use roomwright_projects::{
    access::{self, Need},
    scenarios,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::{
    CatalogContext,
    erp::{
        client::{ErpError, ErpOrderLine, ErpOrderRequest, LiveStock},
        events::ErpEvent,
        orders::{self, Order, OrderLine},
        signature::{self, Refusal},
    },
};

const EVENT_RETENTION_SECONDS: i64 = 30 * 24 * 3600;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookAck {
    pub event_id: String,
    /// `accepted`, or `duplicate` for an event already received (nothing changes).
    pub status: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct ReceivedEvent {
    digest: String,
    received_at: String,
}

fn unauthorized(refusal: Refusal) -> ApiError {
    let (code, detail) = match refusal {
        Refusal::Missing => (
            "signature_missing",
            "Send X-Roomwright-Timestamp and X-Roomwright-Signature.",
        ),
        Refusal::Malformed => (
            "signature_malformed",
            "The signature or timestamp is not in the expected form.",
        ),
        Refusal::Stale => (
            "timestamp_out_of_range",
            "The timestamp is more than 5 minutes from our clock.",
        ),
        Refusal::Mismatch => (
            "signature_mismatch",
            "The signature does not match the body.",
        ),
    };
    ApiError::unauthorized(code, detail)
}

/// Receives an ERP event (`inventory.updated`, `price.updated`, `order.status_changed`),
/// signed with HMAC-SHA256 over `"<timestamp>.<body>"`. Accepted events are queued and applied
/// in order of `occurred_at`; a redelivered event id changes nothing.
#[utoipa::path(
    post, path = "/v1/webhooks/erp", tag = "erp", request_body = ErpEvent,
    params(
        ("X-Roomwright-Timestamp" = String, Header, description = "Unix seconds"),
        ("X-Roomwright-Signature" = String, Header, description = "v1=<hex HMAC-SHA256>")
    ),
    responses((status = 202, body = WebhookAck), (status = 200, body = WebhookAck), (status = 401), (status = 409), (status = 422), (status = 503))
)]
pub async fn erp_webhook(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<WebhookAck>), ApiError> {
    let Some(secret) = catalog.erp.webhook_secret.as_ref() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhooks_not_configured",
            "ERP webhooks are not configured",
        )
        .with_detail("Set ERP_WEBHOOK_SECRET to accept ERP webhooks."));
    };
    let secret = secret.value().await.map_err(ApiError::internal)?;
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    signature::verify(
        &secret,
        header(signature::TIMESTAMP_HEADER),
        header(signature::SIGNATURE_HEADER),
        &body,
        time::now().unix_timestamp(),
    )
    .map_err(unauthorized)?;
    let event: ErpEvent = parse_json(&body)?;
    event.check().finish()?;
    let queue_url = catalog
        .erp
        .events_queue_url
        .as_deref()
        .ok_or_else(|| ApiError::internal("ERP_EVENTS_QUEUE_URL is not set"))?;
    // The event id is claimed before queueing: a redelivery finds the claim and stops here.
    let digest = hex::encode(&Sha256::digest(&body)[..16]);
    let table = state.table();
    let keys = Keys::new(format!("ERPEVENT#{}", event.id), "EVENT")
        .expires_at(time::now().unix_timestamp() + EVENT_RETENTION_SECONDS);
    let received = ReceivedEvent {
        digest: digest.clone(),
        received_at: time::rfc3339(time::now()),
    };
    match table.create(&keys, &received).await {
        Ok(_) => {}
        Err(StoreError::ConditionFailed) => {
            let earlier = table
                .get::<ReceivedEvent>(&format!("ERPEVENT#{}", event.id), "EVENT")
                .await?;
            if earlier.is_some_and(|e| e.value.digest != digest) {
                return Err(ApiError::conflict(
                    "event_id_reused",
                    "An event with this id and a different body was received before.",
                ));
            }
            return Ok((
                StatusCode::OK,
                Json(WebhookAck {
                    event_id: event.id,
                    status: "duplicate".into(),
                }),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let sent = state
        .aws
        .sqs()
        .await
        .send_message()
        .queue_url(queue_url)
        .message_body(String::from_utf8_lossy(&body))
        .send()
        .await;
    if let Err(e) = sent {
        // Not queued: release the claim so the ERP's retry is accepted.
        let _ = table
            .delete(&format!("ERPEVENT#{}", event.id), "EVENT", None)
            .await;
        tracing::error!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "ERP event not queued");
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "queue_unavailable",
            "The event could not be queued",
        )
        .with_detail("Send the event again shortly.")
        .with_retry_after(5));
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(WebhookAck {
            event_id: event.id,
            status: "accepted".into(),
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    pub project_id: String,
    pub scenario_id: String,
}

fn erp_failure(error: ErpError) -> ApiError {
    match error {
        ErpError::CircuitOpen => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "erp_unavailable",
            "The ERP is unavailable",
        )
        .with_detail("The ERP has been failing; calls resume shortly. Nothing was ordered.")
        .with_retry_after(30),
        ErpError::Unavailable(_) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "erp_unavailable",
            "The ERP did not answer",
        )
        .with_detail("The ERP did not answer after retries. Nothing was ordered; retry with the same Idempotency-Key.")
        .with_retry_after(10),
        ErpError::Refused { status, body } => {
            // The ERP's own words stay in our logs (they may name other customers, hosts or
            // internals); the user gets a reference to quote.
            let reference = format!("erp_{}", uuid::Uuid::now_v7().simple());
            let excerpt: String = body.chars().take(500).collect();
            tracing::warn!(%reference, status, body = %excerpt, "ERP refused the order");
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "erp_refused",
                "The ERP refused the order",
            )
            .with_detail(format!(
                "The ERP refused the order (status {status}); nothing was ordered. Quote \
                 reference {reference} to your administrator."
            ))
        }
    }
}

/// Orders a project's scenario through the ERP. Requires `Idempotency-Key`: a retry with the
/// same key returns the same order and never orders twice.
#[utoipa::path(
    post, path = "/v1/orders", tag = "erp", request_body = OrderRequest,
    params(("Idempotency-Key" = String, Header)),
    security(("bearer" = ["orders:create"])),
    responses((status = 201, body = Order), (status = 200, body = Order), (status = 409, description = "Ordering is not configured in this deployment (`erp_not_configured`)"), (status = 422), (status = 502), (status = 503))
)]
pub async fn create_order(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(caller, _): Require<perm::OrdersCreate>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OrderRequest>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .ok_or_else(|| {
            ApiError::bad_request(
                "idempotency_key_required",
                "Send an Idempotency-Key header (1 to 128 characters) so retries never order twice.",
            )
        })?;
    let table = state.table();
    let id = orders::order_id(&caller.user_id, key);
    let digest = orders::request_digest(&request.project_id, &request.scenario_id);
    if let Some(existing) = orders::get(&table, &id).await? {
        return replay(existing.value, &digest);
    }
    let Some(client) = catalog.erp.client.as_ref() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "erp_not_configured",
            "Ordering is not configured",
        )
        .with_detail("Set ERP_BASE_URL and ERP_API_TOKEN to place orders."));
    };
    // Ordering commits the project: editors and the owner only, not viewers of it.
    let project = access::load(&state, &caller, &request.project_id, Need::Edit)
        .await?
        .value;
    let scenario = project
        .scenarios
        .iter()
        .find(|s| s.id == request.scenario_id)
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "scenario_id",
                "unknown_scenario",
                format!("No scenario {} in the project.", request.scenario_id),
            )])
        })?;
    if scenario.selections.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "scenario_id",
            "empty_scenario",
            "The scenario has no selections to order.",
        )]));
    }
    let (quote, _) = scenarios::priced(&table, &project.requirements, scenario).await?;
    let lines: Vec<OrderLine> = quote
        .lines
        .iter()
        .map(|l| OrderLine {
            product_id: l.product_id.clone(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            unit_net_minor: l.unit_net_minor,
            line_net_minor: l.line_net_minor,
        })
        .collect();
    let mut order = Order {
        id: id.clone(),
        project_id: project.id.clone(),
        scenario_id: scenario.id.clone(),
        created_by: caller.user_id.clone(),
        created_at: time::rfc3339(time::now()),
        currency: quote.currency.clone(),
        total_net_minor: lines.iter().map(|l| l.line_net_minor).sum(),
        lines,
        status: "submitting".into(),
        erp_reference: None,
        status_as_of: None,
        request_digest: digest.clone(),
    };
    if !orders::create(&table, &order).await? {
        // A concurrent request with the same key got there first.
        let existing = orders::get(&table, &id).await?.ok_or_else(|| {
            ApiError::conflict("order_in_progress", "Retry in a moment.").with_retry_after(2)
        })?;
        return replay(existing.value, &digest);
    }
    let submitted = client
        .submit_order(&ErpOrderRequest {
            order_id: order.id.clone(),
            project_id: order.project_id.clone(),
            currency: order.currency.clone(),
            lines: order
                .lines
                .iter()
                .map(|l| ErpOrderLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    unit_price_minor: l.unit_net_minor,
                })
                .collect(),
        })
        .await;
    match submitted {
        Ok(ack) => {
            order.status = "submitted".into();
            order.erp_reference = Some(ack.erp_reference);
            orders::replace(&table, &order, 1).await?;
            orders::record_events(&state, &order).await;
            Ok((StatusCode::CREATED, Json(order)))
        }
        Err(error) => {
            // Nothing was ordered: forget the attempt so a retry with the key submits again.
            orders::delete(&table, &id, 1).await?;
            tracing::warn!(order_id = %id, error = %error, "order not submitted");
            Err(erp_failure(error))
        }
    }
}

fn replay(existing: Order, digest: &str) -> Result<(StatusCode, Json<Order>), ApiError> {
    if existing.request_digest != digest {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency-Key reused",
        )
        .with_detail("This Idempotency-Key was used for a different order."));
    }
    if existing.status == "submitting" {
        return Err(ApiError::conflict(
            "order_in_progress",
            "This order is being submitted; retry in a moment.",
        )
        .with_retry_after(2));
    }
    Ok((StatusCode::OK, Json(existing)))
}

/// An order, to the user who placed it and to admins.
#[utoipa::path(
    get, path = "/v1/orders/{id}", tag = "erp", params(("id" = String, Path)),
    security(("bearer" = ["orders:create"])),
    responses((status = 200, body = Order), (status = 404))
)]
pub async fn get_order(
    State(state): State<AppState>,
    Require(caller, _): Require<perm::OrdersCreate>,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    let not_found = || {
        ApiError::not_found(
            "order_not_found",
            format!("No order {id} that you can see."),
        )
    };
    let order = orders::get(&state.table(), &id)
        .await?
        .ok_or_else(not_found)?
        .value;
    if order.created_by != caller.user_id && caller.role != Role::Admin {
        return Err(not_found());
    }
    Ok(Json(order))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Availability {
    pub product_id: String,
    pub sku: String,
    pub stock: Stock,
    /// `erp` when asked live, `catalog` when from the last ERP update (the ERP being
    /// unreachable or not configured).
    pub source: String,
    /// When `source` is `catalog`: the time of the last ERP update, if any.
    pub as_of: Option<String>,
}

/// Stock of a product, asked live from the ERP; falls back to the catalog's last known stock
/// (and says so) when the ERP is not reachable.
#[utoipa::path(
    get, path = "/v1/products/{id}/availability", tag = "erp", params(("id" = String, Path)),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = Availability), (status = 404))
)]
pub async fn live_availability(
    State(state): State<AppState>,
    Extension(catalog): Extension<CatalogContext>,
    Require(_caller, _): Require<perm::ProductsRead>,
    Path(id): Path<String>,
) -> Result<Json<Availability>, ApiError> {
    let product = super::products::load(&state, &id).await?.value;
    if let Some(client) = catalog.erp.client.as_ref() {
        match client.inventory(&product.sku).await {
            Ok(LiveStock {
                on_hand,
                available,
                lead_time_days,
                next_available,
                ..
            }) => {
                return Ok(Json(Availability {
                    product_id: product.id,
                    sku: product.sku,
                    stock: Stock {
                        on_hand,
                        available,
                        lead_time_days,
                        next_available,
                    },
                    source: "erp".into(),
                    as_of: Some(time::rfc3339(time::now())),
                }));
            }
            Err(e) => tracing::warn!(sku = %product.sku, error = %e, "live stock unavailable"),
        }
    }
    Ok(Json(Availability {
        product_id: product.id,
        sku: product.sku,
        stock: product.stock,
        source: "catalog".into(),
        as_of: product.stock_as_of,
    }))
}
