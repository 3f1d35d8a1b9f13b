//! Interaction events as they are stored for training: JSON lines in S3, one object per
//! accepted batch under the day it arrived (`recs/events/day=YYYY-MM-DD/<batch>.jsonl`),
//! and what each kind of event is worth to the model.

use serde::{Deserialize, Serialize};

pub const EVENTS_PREFIX: &str = "recs/events/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    View,
    SearchClick,
    AddToProject,
    RemoveFromProject,
    Order,
}

impl EventKind {
    /// Evidence of taste: ordering says most, a glance least; removing an item takes back
    /// what adding it gave (cells that end at zero or below are dropped).
    pub fn weight(self) -> f32 {
        match self {
            EventKind::View => 1.0,
            EventKind::SearchClick => 2.0,
            EventKind::AddToProject => 4.0,
            EventKind::RemoveFromProject => -4.0,
            EventKind::Order => 8.0,
        }
    }
}

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub user_id: String,
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// Units, for orders.
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// The prefix of one day's batches (`day` is `YYYY-MM-DD`).
pub fn day_prefix(day: &str) -> String {
    format!("{EVENTS_PREFIX}day={day}/")
}

/// The key of one batch.
pub fn batch_key(day: &str, batch_id: &str) -> String {
    format!("{}{batch_id}.jsonl", day_prefix(day))
}

/// The event's weight `age_days` after it happened, halving every `half_life_days`.
pub fn decayed_weight(event: &StoredEvent, age_days: f64, half_life_days: f64) -> f32 {
    let units = if event.kind == EventKind::Order {
        (event.quantity.max(1) as f32).ln_1p() / 2f32.ln()
    } else {
        1.0
    };
    let decay = 0.5f64.powf(age_days.max(0.0) / half_life_days.max(1.0)) as f32;
    event.kind.weight() * units * decay
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_decay_with_age_and_orders_count_units() {
        let mut event = StoredEvent {
            kind: EventKind::Order,
            user_id: "u".into(),
            product_id: "p".into(),
            project_id: None,
            at: "2026-01-01T00:00:00Z".into(),
            quantity: 1,
        };
        assert_eq!(decayed_weight(&event, 0.0, 90.0), 8.0);
        assert!((decayed_weight(&event, 90.0, 90.0) - 4.0).abs() < 1e-5);
        event.quantity = 3;
        assert!((decayed_weight(&event, 0.0, 90.0) - 16.0).abs() < 1e-4);
        let parsed: StoredEvent = serde_json::from_str(
            r#"{"type":"remove_from_project","user_id":"u","product_id":"p","at":"x"}"#,
        )
        .unwrap();
        assert_eq!(parsed.quantity, 1);
        assert!(decayed_weight(&parsed, 0.0, 90.0) < 0.0);
        assert_eq!(
            batch_key("2026-12-01", "b1"),
            "recs/events/day=2026-12-01/b1.jsonl"
        );
    }
}
