//! Lambda entry point of the catalog indexer: on its schedule (and on demand) it rebuilds the
//! search index when the catalog changed since the published one.

use lambda_http::{Error, LambdaEvent};
use roomwright_catalog::SearchService;
use roomwright_core::{AppState, aws::Aws, config::Config, telemetry};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    let image_model = roomwright_catalog_api::image_encoder_from_env(&state).map(|e| e.model());
    let search = std::sync::Arc::new(SearchService::from_env().with_image_model(image_model));
    roomwright_core::lambda::run_events(move |_: LambdaEvent<Value>| {
        let (state, search) = (state.clone(), search.clone());
        async move {
            // Rebuilds when the catalog moved on (a write, or an admin's reindex request).
            let manifest = search
                .reindex_if_stale(&state)
                .await
                .map_err(|e| Error::from(e.to_string()))?;
            Ok::<Value, Error>(json!({ "rebuilt": manifest.is_some(), "manifest": manifest }))
        }
    })
    .await
}
