//! Message rate limits at fixed times (the clock is a parameter): per minute and per day (UTC),
//! a refused message counts against neither, and the wait named is to the window's end.

use std::collections::HashMap;

use roomwright_chat::{limits::take_message, settings::ChatSettings};
use roomwright_devstack::TestStack;
use time::macros::datetime;

/// The `Retry-After` seconds a refusal carries.
fn retry_after(error: &roomwright_core::ApiError) -> Option<u64> {
    error
        .headers
        .iter()
        .find(|(name, _)| name == http::header::RETRY_AFTER)
        .and_then(|(_, value)| value.to_str().ok()?.parse().ok())
}

fn settings(per_minute: &str, per_day: &str) -> ChatSettings {
    let env = HashMap::from([
        ("CHAT_RATE_PER_MINUTE", per_minute),
        ("CHAT_RATE_PER_DAY", per_day),
    ]);
    ChatSettings::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap()
}

#[tokio::test]
async fn the_minute_and_the_day_each_hold_their_count() {
    let stack = TestStack::new().await;
    let table = stack.state.table();
    let limits = settings("2", "3");
    let at = datetime!(2026-12-02 10:15:58 UTC);
    take_message(&table, &limits, "ray", at).await.unwrap();
    take_message(&table, &limits, "ray", at).await.unwrap();
    let refused = take_message(&table, &limits, "ray", datetime!(2026-12-02 10:15:59 UTC))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "message_rate_limit");
    assert_eq!(
        retry_after(&refused),
        Some(1),
        "one second to the next minute"
    );
    // Another user has their own count.
    take_message(&table, &limits, "una", at).await.unwrap();

    // The next minute takes messages again; the refused one was not counted for the day.
    let next = datetime!(2026-12-02 10:16:00 UTC);
    take_message(&table, &limits, "ray", next).await.unwrap();
    let daily = take_message(&table, &limits, "ray", datetime!(2026-12-02 10:17:00 UTC))
        .await
        .unwrap_err();
    assert_eq!(daily.code(), "daily_message_limit");
    assert_eq!(retry_after(&daily), Some(86_400 - (10 * 3600 + 17 * 60)));
    // A new UTC day starts the count again.
    take_message(&table, &limits, "ray", datetime!(2026-12-03 00:00:00 UTC))
        .await
        .unwrap();
}
