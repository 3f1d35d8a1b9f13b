//! The events an ERP sends to `POST /v1/webhooks/erp`, as JSON:
//!
//! ```json
//! {"id": "evt_01", "type": "inventory.updated", "occurred_at": "2026-11-22T10:00:00Z",
//!  "data": {"sku": "NOR-TC-00001", "on_hand": 40, "available": 32, "lead_time_days": 10,
//!           "next_available": "2026-12-01"}}
//! {"id": "evt_02", "type": "price.updated", "occurred_at": "...",
//!  "data": {"sku": "...", "currency": "EUR", "list_price_minor": 89000,
//!           "dealer_price_minor": 61000, "price_breaks": [{"min_quantity": 10, "dealer_price_minor": 58000}]}}
//! {"id": "evt_03", "type": "order.status_changed", "occurred_at": "...",
//!  "data": {"order_id": "o-...", "status": "confirmed", "erp_reference": "SO-1234"}}
//! ```
//!
//! `occurred_at` orders events: an event older than what a product or order already reflects
//! changes nothing, so redeliveries and out-of-order deliveries never move state backwards.

use roomwright_core::{FieldErrors, catalog::PriceBreak, money::is_currency_code, time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErpEvent {
    /// Unique per event; a redelivered event keeps its id.
    pub id: String,
    #[serde(flatten)]
    pub body: EventBody,
    /// RFC 3339 time the change happened in the ERP.
    pub occurred_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "data")]
pub enum EventBody {
    #[serde(rename = "inventory.updated")]
    InventoryUpdated(InventoryUpdated),
    #[serde(rename = "price.updated")]
    PriceUpdated(PriceUpdated),
    #[serde(rename = "order.status_changed")]
    OrderStatusChanged(OrderStatusChanged),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryUpdated {
    pub sku: String,
    pub on_hand: u32,
    pub available: u32,
    pub lead_time_days: u32,
    #[serde(default)]
    pub next_available: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceUpdated {
    pub sku: String,
    pub currency: String,
    pub list_price_minor: i64,
    pub dealer_price_minor: i64,
    #[serde(default)]
    pub price_breaks: Vec<PriceBreak>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderStatusChanged {
    pub order_id: String,
    /// `confirmed`, `in_production`, `shipped`, `delivered` or `cancelled`.
    pub status: String,
    #[serde(default)]
    pub erp_reference: Option<String>,
}

pub const ORDER_STATUSES: &[&str] = &[
    "confirmed",
    "in_production",
    "shipped",
    "delivered",
    "cancelled",
];

impl ErpEvent {
    /// `occurred_at` in the sortable form stored beside what the event changed.
    pub fn as_of(&self) -> Option<String> {
        time::parse_rfc3339(&self.occurred_at).map(time::sortable)
    }

    /// Every problem with the event, by field.
    pub fn check(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.id.is_empty() || self.id.len() > 128 {
            errors.add("id", "invalid", "1 to 128 characters.");
        }
        if self.as_of().is_none() {
            errors.add("occurred_at", "invalid_time", "An RFC 3339 time.");
        }
        match &self.body {
            EventBody::InventoryUpdated(e) => {
                if e.available > e.on_hand {
                    errors.add(
                        "data.available",
                        "exceeds_on_hand",
                        "Cannot exceed on_hand.",
                    );
                }
                if e.next_available
                    .as_deref()
                    .is_some_and(|d| !time::is_date(d))
                {
                    errors.add(
                        "data.next_available",
                        "invalid_date",
                        "A date like 2026-12-01.",
                    );
                }
            }
            EventBody::PriceUpdated(e) => {
                if !is_currency_code(&e.currency) {
                    errors.add("data.currency", "invalid_currency", "An ISO 4217 code.");
                }
                if e.list_price_minor <= 0 {
                    errors.add("data.list_price_minor", "out_of_range", "Must be positive.");
                }
                if e.dealer_price_minor <= 0 || e.dealer_price_minor > e.list_price_minor {
                    errors.add(
                        "data.dealer_price_minor",
                        "out_of_range",
                        "Positive and not above the list price.",
                    );
                }
            }
            EventBody::OrderStatusChanged(e) => {
                if !ORDER_STATUSES.contains(&e.status.as_str()) {
                    errors.add("data.status", "invalid_status", ORDER_STATUSES.join(", "));
                }
            }
        }
        errors
    }
}

/// The `webhooks` entry of the OpenAPI document: what an ERP sends to `POST /v1/webhooks/erp`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::PartialSchema;
    roomwright_core::openapi::Webhook {
        name: "erpEvent",
        operation_id: "erp_event_webhook",
        summary: "An ERP event (stock, price, order status) we accept",
        description: "Your ERP POSTs these to `/v1/webhooks/erp` on this API, signed with the \
            shared secret: `X-Roomwright-Signature: v1=<hex HMAC-SHA256 of \"<timestamp>.<body>\">` \
            and `X-Roomwright-Timestamp` (unix seconds, within five minutes). Events are applied \
            in `occurred_at` order; a redelivered `id` changes nothing.",
        headers: &[
            (
                roomwright_core::signature::TIMESTAMP_HEADER,
                "Unix seconds when the ERP signed the event.",
            ),
            (
                roomwright_core::signature::SIGNATURE_HEADER,
                "`v1=<hex HMAC-SHA256>`; several, comma-separated, while a secret is rotated.",
            ),
        ],
        body: ("ErpEvent".into(), ErpEvent::schema()),
        example: serde_json::from_str(include_str!(
            "../../../../events/erp-webhook-inventory-updated.json"
        ))
        .expect("the sample event is JSON"),
        answer: "202 when queued, 200 for an event already received; 401 for a bad signature.",
    }
    .document()
}
