//! Password-guess throttling. Every password check (login, password change, erasure) first
//! *reserves* an attempt on each of its counters with one conditional update, before any Argon2
//! work: a parallel burst gets at most [`Limit::attempts`] checks per window, not one per
//! request. A failed check keeps its reservation; a right one gives it back.
//!
//! Two kinds of counter, so that a stranger cannot lock an owner out for long:
//! - per source address: [`SOURCE`], 5 attempts in 15 minutes;
//! - per account: [`ACCOUNT`], 5 attempts a minute (a short back-off: a botnet spread over many
//!   addresses gets 5 guesses a minute against one account, and the owner waits a minute at most).
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | counter | `THROTTLE#<action>#email#<email>`, `THROTTLE#<action>#ip#<address>`, `THROTTLE#<action>#user#<id>` | `COUNTER` |
//!
//! Counters expire with their window (TTL), so they need no clean-up.

use aws_sdk_dynamodb::types::AttributeValue;
use roomwright_core::{
    ApiError,
    dynamo::{Table, service_error},
    time,
};
use serde::Deserialize;

/// How many attempts a counter allows in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub attempts: u64,
    pub window_seconds: i64,
}

pub const SOURCE: Limit = Limit {
    attempts: 5,
    window_seconds: 15 * 60,
};
pub const ACCOUNT: Limit = Limit {
    attempts: 5,
    window_seconds: 60,
};

/// One counter an attempt is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub pk: String,
    pub limit: Limit,
}

#[derive(Debug, Deserialize)]
struct Counter {
    window_started: i64,
}

/// The counters one sign-in attempt is checked against: the account first.
pub fn login_subjects(email: &str, source_ip: &str) -> Vec<Subject> {
    subjects("login", &format!("email#{email}"), source_ip)
}

/// The counters of a signed-in user's password check (`/v1/me/password`, `DELETE /v1/me`).
pub fn password_subjects(user_id: &str, source_ip: &str) -> Vec<Subject> {
    subjects("password", &format!("user#{user_id}"), source_ip)
}

fn subjects(action: &str, account: &str, source_ip: &str) -> Vec<Subject> {
    let mut subjects = vec![Subject {
        pk: format!("THROTTLE#{action}#{account}"),
        limit: ACCOUNT,
    }];
    // Without a known address there is nothing to attribute attempts to.
    if source_ip != "unknown" {
        subjects.push(Subject {
            pk: format!("THROTTLE#{action}#ip#{source_ip}"),
            limit: SOURCE,
        });
    }
    subjects
}

fn is_condition_failed(
    error: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::update_item::UpdateItemError,
        aws_sdk_dynamodb::config::http::HttpResponse,
    >,
) -> bool {
    roomwright_core::dynamo::is_condition_failure(error)
}

/// Takes one attempt on `subject`'s counter, or says how long until one is free.
async fn take(table: &Table, subject: &Subject, now: i64) -> Result<Option<u64>, ApiError> {
    let client = table.client().await;
    let cutoff = now - subject.limit.window_seconds;
    let n = |v: i64| AttributeValue::N(v.to_string());
    let key = |r: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder| {
        r.table_name(table.name())
            .key("pk", AttributeValue::S(subject.pk.clone()))
            .key("sk", AttributeValue::S("COUNTER".into()))
    };
    // One more attempt in the open window, while it has room; or a new window with this
    // attempt as its first, when none is open. Two rounds: a window opened by a racing attempt
    // between the two is counted in on the second.
    for _ in 0..2 {
        let counted = key(client.update_item())
            .update_expression("ADD attempts :one")
            .condition_expression("window_started > :cutoff AND attempts < :max")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cutoff", n(cutoff))
            .expression_attribute_values(":max", n(subject.limit.attempts as i64))
            .send()
            .await;
        match counted {
            Ok(_) => return Ok(None),
            Err(e) if is_condition_failed(&e) => {}
            Err(e) => return Err(service_error(e).into()),
        }
        let opened = key(client.update_item())
            .update_expression("SET attempts = :one, window_started = :now, expires_at = :expires")
            .condition_expression(
                "attribute_not_exists(window_started) OR window_started <= :cutoff",
            )
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":cutoff", n(cutoff))
            .expression_attribute_values(":expires", n(now + subject.limit.window_seconds))
            .send()
            .await;
        match opened {
            Ok(_) => return Ok(None),
            Err(e) if is_condition_failed(&e) => {}
            Err(e) => return Err(service_error(e).into()),
        }
    }
    // The window is open and full.
    let started = table
        .get::<Counter>(&subject.pk, "COUNTER")
        .await?
        .map_or(now, |c| c.value.window_started);
    Ok(Some(
        (started + subject.limit.window_seconds - now).max(1) as u64
    ))
}

/// Gives back one attempt (the check it was taken for succeeded).
async fn give_back(table: &Table, subject: &Subject) -> Result<(), ApiError> {
    let result = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(subject.pk.clone()))
        .key("sk", AttributeValue::S("COUNTER".into()))
        .update_expression("ADD attempts :minus")
        .condition_expression("attempts > :zero")
        .expression_attribute_values(":minus", AttributeValue::N("-1".into()))
        .expression_attribute_values(":zero", AttributeValue::N("0".into()))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if is_condition_failed(&e) => Ok(()),
        Err(e) => Err(service_error(e).into()),
    }
}

/// Attempts taken on every subject; give them back with [`Reservation::succeeded`].
pub struct Reservation {
    subjects: Vec<Subject>,
}

impl Reservation {
    /// The password was right: the attempts do not count against anyone.
    pub async fn succeeded(self, table: &Table) -> Result<(), ApiError> {
        for subject in &self.subjects {
            give_back(table, subject).await?;
        }
        Ok(())
    }
}

/// Reserves one attempt on every subject before a password is checked; `Err(seconds)` when
/// any is at its limit (the attempts already taken are given back).
pub async fn reserve(
    table: &Table,
    subjects: Vec<Subject>,
) -> Result<Result<Reservation, u64>, ApiError> {
    let now = time::now().unix_timestamp();
    for (i, subject) in subjects.iter().enumerate() {
        if let Some(wait) = take(table, subject, now).await? {
            for taken in &subjects[..i] {
                give_back(table, taken).await?;
            }
            return Ok(Err(wait));
        }
    }
    Ok(Ok(Reservation { subjects }))
}

/// The 429 a throttled password check answers.
pub fn too_many(wait: u64) -> ApiError {
    ApiError::new(
        http::StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Too many failed attempts",
    )
    .with_detail("Too many wrong passwords; wait before trying again.")
    .with_retry_after(wait)
}
