//! Lambda entry point of the chat function. With `CHAT_RESPONSE_STREAMING=1` (the function
//! URL deployment) answers stream as they are generated; behind the HTTP API they are
//! buffered, which is the non-streaming fallback.

use roomwright_chat::ChatContext;
use roomwright_core::{AppState, aws::Aws, config::Config, lambda, telemetry};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let state = AppState::new(Config::from_env()?, Aws::from_env());
    let context = ChatContext::from_env(&state)?;
    let app = roomwright_chat::app(state, context);
    if std::env::var("CHAT_RESPONSE_STREAMING").is_ok_and(|v| v == "1") {
        lambda_http::run_with_streaming_response(app).await
    } else {
        lambda::run(app).await
    }
}
