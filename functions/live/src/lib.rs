//! The live function: the WebSocket API's routes, the stream fan-out and SES events, each a
//! thin adapter from its Lambda event to `roomwright_notify`.

use std::sync::Arc;

use aws_lambda_events::event::dynamodb;
use roomwright_core::AppState;
use roomwright_notify::{Change, Live, Mailer, Poster, suppression};
use serde_json::{Value, json};

/// The live side as deployed: posts go to `LIVE_ENDPOINT` (the WebSocket API's stage URL),
/// notifications are emailed from `EMAIL_FROM`.
pub fn from_env(state: &AppState) -> Live {
    let endpoint = std::env::var("LIVE_ENDPOINT").unwrap_or_default();
    Live::new(
        Poster::new(state.aws.clone(), endpoint),
        Some(Arc::new(Mailer::from_env(state.aws.clone()))),
    )
}

/// One WebSocket API event (`$connect`, `$disconnect` or a message), answered as API Gateway
/// expects: a status code (anything but 200 refuses a connection).
pub async fn websocket(state: &AppState, live: &Live, event: &Value) -> Value {
    let context = &event["requestContext"];
    let route = context["routeKey"].as_str().unwrap_or_default();
    let Some(connection_id) = context["connectionId"].as_str() else {
        return json!({"statusCode": 400});
    };
    match route {
        "$connect" => {
            let token = event["queryStringParameters"]["access_token"].as_str();
            match live.connect(state, connection_id, token).await {
                Ok(_) => json!({"statusCode": 200}),
                Err(refused) => {
                    tracing::info!(code = refused.code(), "connection refused");
                    json!({"statusCode": refused.status().as_u16()})
                }
            }
        }
        "$disconnect" => match live.disconnect(state, connection_id).await {
            Ok(()) => json!({"statusCode": 200}),
            Err(e) => {
                tracing::error!(error = %e, "disconnect failed");
                json!({"statusCode": 500})
            }
        },
        _ => {
            let body = event["body"].as_str().unwrap_or_default();
            match live.receive(state, connection_id, body).await {
                Ok(()) => json!({"statusCode": 200}),
                Err(e) => {
                    tracing::error!(error = %e, "message failed");
                    json!({"statusCode": 500})
                }
            }
        }
    }
}

/// The changes of a DynamoDB stream batch.
pub fn changes(event: dynamodb::Event) -> Vec<Change> {
    let image = |item: serde_dynamo::Item| -> Option<Value> {
        if item.is_empty() {
            return None;
        }
        serde_dynamo::from_item(item).ok()
    };
    event
        .records
        .into_iter()
        .filter_map(|record| {
            Change::from_images(
                image(record.change.old_image),
                image(record.change.new_image),
            )
        })
        .collect()
}

/// SES bounce and complaint events delivered by SNS: their addresses are suppressed.
pub async fn email_events(state: &AppState, event: &Value) -> Result<usize, String> {
    let table = state.table();
    let mut suppressed = 0;
    for record in event["Records"].as_array().into_iter().flatten() {
        for (address, reason) in suppression::addresses_to_suppress(&record["Sns"]) {
            suppression::suppress(&table, &address, reason)
                .await
                .map_err(|e| e.to_string())?;
            suppressed += 1;
        }
    }
    Ok(suppressed)
}
