//! Addresses that are never written to again: a permanent bounce or a complaint, as SES
//! publishes them (event publishing through the configuration set, delivered by SNS).
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | suppressed address | `SUPPRESSED#<email>` | `SUPPRESSED` |

use roomwright_core::{
    ApiError,
    dynamo::{Keys, StoreError, Table},
    time,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    pub email: String,
    /// `bounce` or `complaint`.
    pub reason: String,
    pub at: String,
}

fn key(email: &str) -> String {
    format!("SUPPRESSED#{}", email.trim().to_lowercase())
}

pub async fn is_suppressed(table: &Table, email: &str) -> Result<bool, ApiError> {
    Ok(table
        .get::<Suppressed>(&key(email), "SUPPRESSED")
        .await?
        .is_some())
}

/// Puts `email` on the list (again is fine).
pub async fn suppress(table: &Table, email: &str, reason: &str) -> Result<(), ApiError> {
    let entry = Suppressed {
        email: email.trim().to_lowercase(),
        reason: reason.to_string(),
        at: time::rfc3339(time::now()),
    };
    match table
        .create(&Keys::new(key(email), "SUPPRESSED"), &entry)
        .await
    {
        Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The addresses an SES event (a bounce or complaint notification, bare or inside an SNS
/// message) says to stop writing to, with the reason. Transient bounces (a full mailbox) are
/// not among them.
pub fn addresses_to_suppress(event: &Value) -> Vec<(String, &'static str)> {
    // SNS wraps the SES event as a JSON string in `Message`.
    if let Some(inner) = event
        .get("Message")
        .and_then(Value::as_str)
        .and_then(|m| serde_json::from_str::<Value>(m).ok())
    {
        return addresses_to_suppress(&inner);
    }
    let kind = event
        .get("eventType")
        .or_else(|| event.get("notificationType"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let recipients = |list: Option<&Value>| -> Vec<String> {
        list.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("emailAddress").and_then(Value::as_str))
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty() && e.len() <= 254)
            .take(50)
            .collect()
    };
    match kind {
        "Bounce" => {
            let bounce = event.get("bounce");
            let permanent = bounce
                .and_then(|b| b.get("bounceType"))
                .and_then(Value::as_str)
                == Some("Permanent");
            if !permanent {
                return Vec::new();
            }
            recipients(bounce.and_then(|b| b.get("bouncedRecipients")))
                .into_iter()
                .map(|e| (e, "bounce"))
                .collect()
        }
        "Complaint" => recipients(
            event
                .get("complaint")
                .and_then(|c| c.get("complainedRecipients")),
        )
        .into_iter()
        .map(|e| (e, "complaint"))
        .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn permanent_bounces_and_complaints_suppress_transient_bounces_do_not() {
        let bounce = json!({"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "Gone@Example.com"}]}});
        assert_eq!(
            addresses_to_suppress(&bounce),
            vec![("gone@example.com".to_string(), "bounce")]
        );
        let wrapped = json!({"Type": "Notification", "Message": json!({"eventType": "Complaint",
            "complaint": {"complainedRecipients": [{"emailAddress": "angry@example.com"}]}}).to_string()});
        assert_eq!(
            addresses_to_suppress(&wrapped),
            vec![("angry@example.com".to_string(), "complaint")]
        );
        let full = json!({"eventType": "Bounce", "bounce": {"bounceType": "Transient",
            "bouncedRecipients": [{"emailAddress": "full@example.com"}]}});
        assert!(addresses_to_suppress(&full).is_empty());
        assert!(addresses_to_suppress(&json!({"eventType": "Delivery"})).is_empty());
    }
}
