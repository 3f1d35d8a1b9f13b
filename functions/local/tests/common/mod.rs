//! Shared by the end-to-end tests: the runner's router served on a free loopback port.

#![allow(dead_code)]

use std::net::SocketAddr;

use roomwright_devstack::TestStack;

/// Serves the runner's router on a free port, over a fresh stack.
pub async fn spawn_app() -> (String, TestStack) {
    let (base, stack, _) = spawn_app_with_search().await;
    (base, stack)
}

/// `spawn_app`, and the catalog's search service (to run the indexer as `make dev` does).
pub async fn spawn_app_with_search() -> (
    String,
    TestStack,
    std::sync::Arc<roomwright_catalog::SearchService>,
) {
    let stack = TestStack::new().await;
    let search = std::sync::Arc::new(roomwright_catalog::SearchService::new(None));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    let functions = roomwright_local::Functions {
        auth: roomwright_auth::AuthContext::new(
            roomwright_auth::KeySource::Given(roomwright_auth::KeySet::generate().unwrap()),
            roomwright_core::auth::Role::Designer,
        ),
        catalog: roomwright_catalog_api::CatalogContext {
            search: search.clone(),
            erp: std::sync::Arc::new(roomwright_catalog_api::erp::ErpSettings {
                webhook_secret: Some("local-e2e-secret".into()),
                events_queue_url: stack
                    .provisioned
                    .environment
                    .get("ERP_EVENTS_QUEUE_URL")
                    .cloned(),
                client: None,
            }),
            images: None,
        },
        chat: roomwright_chat::ChatContext::offline(stack.state.aws.clone()).unwrap(),
        recs: roomwright_recommendations::RecsContext::new(),
    };
    let app = roomwright_local::app(stack.state.clone(), functions)
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), stack, search)
}

#[allow(unused_imports)]
pub use roomwright_testkit::{
    App, PASSWORD, Reply,
    fixtures::{product, with_breaks},
};
use utoipa_axum::router::OpenApiRouter;

/// Flows across functions, in process: the auth, projects and exports routes plus `extra`
/// (another function's routes) over a fresh stack.
pub async fn app() -> App {
    app_with(OpenApiRouter::new()).await
}

pub async fn app_with(extra: OpenApiRouter<roomwright_core::AppState>) -> App {
    app_configured(extra, |_| {}).await
}

/// [`app_with`], its configuration changed by `configure` first (limits, allow-lists).
pub async fn app_configured(
    extra: OpenApiRouter<roomwright_core::AppState>,
    configure: impl FnOnce(&mut roomwright_core::config::Config),
) -> App {
    let auth = roomwright_auth::AuthContext::new(
        roomwright_auth::KeySource::Given(roomwright_testkit::keys()),
        roomwright_core::auth::Role::Designer,
    );
    let routes = OpenApiRouter::new()
        .merge(roomwright_auth::routes(auth))
        .merge(roomwright_projects_api::routes())
        .merge(roomwright_exports::routes())
        .merge(extra);
    App::configured(routes, configure).await
}

/// The runner's live side over `app`'s stack on a free loopback port: the WebSocket route,
/// the Management API it posts through, and the stream reader feeding the fan-out.
pub struct LiveServer {
    /// `ws://127.0.0.1:<port>/v1/live`
    pub url: String,
    /// `http://127.0.0.1:<port>`: where the Management API is.
    pub http: String,
    reader: tokio::task::JoinHandle<()>,
    server: tokio::task::JoinHandle<()>,
}

impl LiveServer {
    /// Stops reading the table's stream (a benchmark that calls the fan-out itself).
    pub fn stop_reading(&self) {
        self.reader.abort();
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        self.reader.abort();
        self.server.abort();
    }
}

pub async fn live(app: &App) -> LiveServer {
    live_every(app, std::time::Duration::from_millis(20)).await
}

/// [`live`], reading the stream every `every` when it has nothing new.
pub async fn live_every(app: &App, every: std::time::Duration) -> LiveServer {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    let state = app.state().clone();
    let live = std::sync::Arc::new(roomwright_local::live::local_live(
        &state,
        address,
        &app.stack.provisioned.environment,
    ));
    let sockets = std::sync::Arc::new(roomwright_local::live::Sockets::default());
    let router = roomwright_local::live::router(state.clone(), live.clone(), sockets);
    let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let stream = roomwright_local::live::stream_arn(&app.stack.provisioned).expect("a stream");
    let reader = roomwright_local::live::start_stream_reader(state, live, stream, every)
        .await
        .expect("the stream reads");
    LiveServer {
        url: format!("ws://{address}/v1/live"),
        http: format!("http://{address}"),
        reader,
        server,
    }
}

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket client, as an app holds one.
pub struct Socket {
    stream: WsStream,
    /// Every message received, in order.
    pub seen: Vec<serde_json::Value>,
}

impl Socket {
    /// Connects with `token`; the HTTP status when the handshake is refused.
    pub async fn connect(server: &LiveServer, token: &str) -> Result<Socket, u16> {
        let url = format!("{}?access_token={token}", server.url);
        match tokio_tungstenite::connect_async(url).await {
            Ok((stream, _)) => Ok(Socket {
                stream,
                seen: Vec::new(),
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(e) => panic!("connecting: {e}"),
        }
    }

    pub async fn send(&mut self, message: serde_json::Value) {
        use futures::SinkExt;
        self.stream
            .send(tokio_tungstenite::tungstenite::Message::Text(
                message.to_string().into(),
            ))
            .await
            .unwrap();
    }

    /// The next message of which `wanted` holds, within `within`; others are kept in `seen`.
    pub async fn until(
        &mut self,
        within: std::time::Duration,
        wanted: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<serde_json::Value> {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next()).await;
            let Ok(Some(Ok(frame))) = next else {
                return None;
            };
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                let value: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                self.seen.push(value.clone());
                if wanted(&value) {
                    return Some(value);
                }
            }
        }
    }

    /// The next message of `type`, within `within`.
    pub async fn expect(&mut self, kind: &str, within: std::time::Duration) -> serde_json::Value {
        let found = self.until(within, |v| v["type"] == kind).await;
        found.unwrap_or_else(|| panic!("no {kind} message within {within:?}; saw {:?}", self.seen))
    }
}
