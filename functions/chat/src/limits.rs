//! Per-user message rate limits: a counter per minute and per day (UTC), both taken in one
//! conditional transaction so a refused message counts against neither.

use aws_sdk_dynamodb::types::TransactWriteItem;
use roomwright_core::{
    ApiError,
    dynamo::{StoreError, Table, counter},
};
use time::OffsetDateTime;

use crate::settings::ChatSettings;

fn window_update(
    table: &Table,
    user_id: &str,
    window: &str,
    limit: u32,
    expires_at: i64,
) -> Result<TransactWriteItem, StoreError> {
    counter::take_item(
        table,
        &format!("RATE#chat#{user_id}"),
        window,
        limit,
        expires_at,
    )
}

/// Counts one message of `user_id` at `now`, or refuses it with 429 and `Retry-After`.
pub async fn take_message(
    table: &Table,
    settings: &ChatSettings,
    user_id: &str,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let minute = format!(
        "MIN#{:04}-{:02}-{:02}T{:02}:{:02}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute()
    );
    let day = format!(
        "DAY#{:04}-{:02}-{:02}",
        now.year(),
        now.month() as u8,
        now.day()
    );
    let epoch = now.unix_timestamp();
    let to_next_minute = 60 - (epoch % 60);
    let to_next_day = 86_400 - (epoch % 86_400);
    let items = vec![
        window_update(
            table,
            user_id,
            &minute,
            settings.messages_per_minute,
            epoch + 120,
        )?,
        window_update(
            table,
            user_id,
            &day,
            settings.messages_per_day,
            epoch + 2 * 86_400,
        )?,
    ];
    let Err(error) = table.transact(items).await else {
        return Ok(());
    };
    if error.failed_condition(1) {
        Err(ApiError::new(
            http::StatusCode::TOO_MANY_REQUESTS,
            "daily_message_limit",
            "Too many messages today",
        )
        .with_detail(format!(
            "You can send {} messages a day; the count starts again at midnight UTC.",
            settings.messages_per_day
        ))
        .with_retry_after(to_next_day as u64))
    } else if error.failed_condition(0) {
        Err(ApiError::new(
            http::StatusCode::TOO_MANY_REQUESTS,
            "message_rate_limit",
            "Too many messages",
        )
        .with_detail(format!(
            "You can send {} messages a minute.",
            settings.messages_per_minute
        ))
        .with_retry_after(to_next_minute as u64))
    } else {
        Err(error.into())
    }
}
