//! `roomwright-local`: runs the platform locally.
//!
//! - `roomwright-local` (or `dev`): starts moto, provisions `template.yaml`'s resources, serves
//!   every function on `127.0.0.1:$PORT` (3000), and stops moto on Ctrl-C.
//! - `roomwright-local openapi`: prints the merged OpenAPI document.

use std::net::SocketAddr;

use roomwright_devstack::{MotoServer, TestStack};

const STACK_NAME: &str = "roomwright-local";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match std::env::args().nth(1).as_deref() {
        None | Some("dev") => dev().await,
        Some("openapi") => {
            println!(
                "{}",
                serde_json::to_string_pretty(&roomwright_local::openapi())?
            );
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other}; use `dev` or `openapi`").into()),
    }
}

async fn dev() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    roomwright_core::telemetry::init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    // Bind first, so a busy port fails before moto starts.
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e} (set PORT to use another)"))?;
    let moto = MotoServer::start().await?;
    let result = serve(listener, &moto.endpoint).await;
    moto.stop();
    eprintln!("roomwright-local: stopped moto; bye");
    result
}

async fn serve(
    listener: tokio::net::TcpListener,
    endpoint: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let stack = TestStack::provision(endpoint, STACK_NAME, "local").await?;
    let address = listener.local_addr()?;
    eprintln!(
        "\nRoomwright is running at http://{address}\n  health:  http://{address}/v1/health\n  openapi: http://{address}/v1/openapi.json\n  local AWS (moto): {endpoint}  (data lives only while this runs)\n  Ctrl-C stops everything.\n"
    );
    axum::serve(listener, roomwright_local::app(stack.state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
