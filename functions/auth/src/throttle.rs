//! Login throttling: after [`MAX_FAILURES`] failed logins for one account, or from one source
//! address, within [`WINDOW_SECONDS`] of the first, further attempts are refused until the
//! window ends.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | counter | `THROTTLE#login#email#<email>` or `THROTTLE#login#ip#<address>` | `COUNTER` |
//!
//! Counters expire with the window (TTL), so they need no clean-up.

use aws_sdk_dynamodb::types::AttributeValue;
use roomwright_core::{
    ApiError,
    dynamo::{Table, service_error},
    time,
};
use serde::Deserialize;

pub const MAX_FAILURES: u64 = 5;
pub const WINDOW_SECONDS: i64 = 15 * 60;

#[derive(Debug, Deserialize)]
struct Counter {
    failures: u64,
    window_started: i64,
}

/// The counters one login attempt is checked against.
pub fn subjects(email: &str, source_ip: &str) -> Vec<String> {
    let mut subjects = vec![format!("THROTTLE#login#email#{email}")];
    // Without a known address there is nothing to attribute failures to.
    if source_ip != "unknown" {
        subjects.push(format!("THROTTLE#login#ip#{source_ip}"));
    }
    subjects
}

/// Seconds until the caller may try again, when any counter is at its limit.
pub async fn retry_after(table: &Table, subjects: &[String]) -> Result<Option<u64>, ApiError> {
    let now = time::now().unix_timestamp();
    let mut wait = None;
    for pk in subjects {
        if let Some(counter) = table.get::<Counter>(pk, "COUNTER").await? {
            let ends = counter.value.window_started + WINDOW_SECONDS;
            if counter.value.failures >= MAX_FAILURES && ends > now {
                wait = wait.max(Some((ends - now) as u64));
            }
        }
    }
    Ok(wait)
}

/// Counts a failed attempt against every subject.
pub async fn record_failure(table: &Table, subjects: &[String]) -> Result<(), ApiError> {
    let now = time::now().unix_timestamp();
    let client = table.client().await;
    for pk in subjects {
        let key =
            |r: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder| {
                r.table_name(table.name())
                    .key("pk", AttributeValue::S(pk.clone()))
                    .key("sk", AttributeValue::S("COUNTER".into()))
            };
        // Count within the open window...
        let counted = key(client.update_item())
            .update_expression("ADD failures :one")
            .condition_expression("window_started > :cutoff")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(
                ":cutoff",
                AttributeValue::N((now - WINDOW_SECONDS).to_string()),
            )
            .send()
            .await;
        match counted {
            Ok(_) => {}
            // ...or open a new window with this failure as its first.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                key(client.update_item())
                    .update_expression(
                        "SET failures = :one, window_started = :now, expires_at = :expires",
                    )
                    .expression_attribute_values(":one", AttributeValue::N("1".into()))
                    .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
                    .expression_attribute_values(
                        ":expires",
                        AttributeValue::N((now + WINDOW_SECONDS).to_string()),
                    )
                    .send()
                    .await
                    .map_err(service_error)?;
            }
            Err(e) => return Err(service_error(e).into()),
        }
    }
    Ok(())
}

/// Forgets an account's failures after it signs in.
pub async fn clear(table: &Table, subject: &str) -> Result<(), ApiError> {
    Ok(table.delete(subject, "COUNTER", None).await?)
}
