//! What AWS runs beside the API, run locally on the same code: the catalog indexer (its
//! schedule), the ERP event consumer and the jobs dispatcher (their SQS triggers, with partial
//! batch failures), and AWS Batch (the local Batch runs the GPU workers as child processes).

use std::{sync::Arc, time::Duration};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use roomwright_catalog::SearchService;
use roomwright_catalog_api::erp::consumer;
use roomwright_core::AppState;
use roomwright_jobs_api::{dispatcher, settings::BatchSettings};

/// How often the local indexer looks for catalog changes (AWS: every minute).
const INDEX_EVERY: Duration = Duration::from_secs(3);

/// Rebuilds the search index whenever the catalog changed.
pub fn spawn_indexer(state: AppState, search: Arc<SearchService>) {
    tokio::spawn(async move {
        loop {
            match search.reindex_if_stale(&state).await {
                Ok(Some(manifest)) => tracing::info!(
                    products = manifest.products,
                    embedded = manifest.embedded,
                    ms = manifest.build_ms,
                    "local indexer: search index rebuilt"
                ),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = ?e.detail, "local indexer: rebuild failed"),
            }
            tokio::time::sleep(INDEX_EVERY).await;
        }
    });
}

/// Feeds the ERP events queue to the consumer, as Lambda's SQS trigger does.
pub fn spawn_erp_consumer(state: AppState, queue_url: String) {
    let table = state.table();
    spawn_queue_consumer(state, queue_url, "ERP consumer", move |event| {
        let table = table.clone();
        async move { consumer::handle(&table, event).await }
    });
}

/// Feeds the jobs queue to the dispatcher, which submits to (local) Batch.
pub fn spawn_jobs_dispatcher(state: AppState, queue_url: String, settings: BatchSettings) {
    let dispatch_state = state.clone();
    spawn_queue_consumer(state, queue_url, "jobs dispatcher", move |event| {
        let (state, settings) = (dispatch_state.clone(), settings.clone());
        async move { dispatcher::handle(&state, &settings, event).await }
    });
}

/// Feeds the webhook retry queue (a delay queue) to the completion webhook's next attempts.
pub fn spawn_webhook_retries(state: AppState, queue_url: String) {
    let retry_state = state.clone();
    spawn_queue_consumer(state, queue_url, "webhook retries", move |event| {
        let state = retry_state.clone();
        async move { roomwright_jobs::webhook::handle_batch(&state, event).await }
    });
}

/// Polls a queue and hands each batch to `handle` as Lambda's SQS trigger does: messages it
/// reports as failed stay on the queue and come back after the visibility timeout (and go to
/// the dead-letter queue after too many tries).
fn spawn_queue_consumer<F, Fut>(state: AppState, queue_url: String, name: &'static str, handle: F)
where
    F: Fn(SqsEvent) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = SqsBatchResponse> + Send,
{
    tokio::spawn(async move {
        loop {
            let sqs = state.aws.sqs().await;
            let received = sqs
                .receive_message()
                .queue_url(&queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await;
            let messages = match received {
                Ok(out) => out.messages.unwrap_or_default(),
                Err(e) => {
                    tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "local {name}: receive failed");
                    Vec::new()
                }
            };
            if messages.is_empty() {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            let mut event = SqsEvent::default();
            event.records = messages
                .iter()
                .map(|m| {
                    let mut record = SqsMessage::default();
                    record.message_id = m.message_id.clone();
                    record.body = m.body.clone();
                    record
                })
                .collect();
            let response = handle(event).await;
            for message in &messages {
                let failed = response
                    .batch_item_failures
                    .iter()
                    .any(|f| Some(f.item_identifier.as_str()) == message.message_id.as_deref());
                if let (false, Some(receipt)) = (failed, message.receipt_handle()) {
                    let _ = sqs
                        .delete_message()
                        .queue_url(&queue_url)
                        .receipt_handle(receipt)
                        .send()
                        .await;
                }
            }
        }
    });
}
