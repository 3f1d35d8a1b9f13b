//! Live updates in `make dev`: the WebSocket API and its Management API on the runner's port,
//! and the table's stream read as Lambda's event source mapping reads it, all calling the
//! same `roomwright_notify::Live` the Lambda functions call.
//!
//! - `GET /v1/live?access_token=...` upgrades to a WebSocket after `$connect`'s check (a
//!   refused token is refused before the upgrade, with the problem's status, as API Gateway
//!   refuses the handshake). Text frames are the `$default` route; closing is `$disconnect`.
//! - `POST /@connections/{id}` (the Management API's PostToConnection, which the fan-out calls
//!   through the SDK) writes a frame to that socket; `410 GoneException` when it is closed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::{
        Path, Query, State,
        ws::{Message, WebSocket, WebSocketUpgrade},
    },
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use futures::{SinkExt, StreamExt};
use roomwright_core::AppState;
use roomwright_notify::{Change, Live};
use serde::Deserialize;
use tokio::sync::mpsc;

/// The open sockets, by connection id.
#[derive(Default)]
pub struct Sockets {
    open: Mutex<HashMap<String, mpsc::UnboundedSender<Message>>>,
}

impl Sockets {
    fn send(&self, id: &str, message: Message) -> bool {
        let open = self.open.lock().expect("sockets lock");
        open.get(id).is_some_and(|s| s.send(message).is_ok())
    }
}

#[derive(Clone)]
struct LiveState {
    state: AppState,
    live: Arc<Live>,
    sockets: Arc<Sockets>,
}

/// The WebSocket route and the Management API, over `sockets`.
pub fn router(state: AppState, live: Arc<Live>, sockets: Arc<Sockets>) -> Router {
    let live_state = LiveState {
        state,
        live,
        sockets,
    };
    Router::new()
        .route("/v1/live", get(connect))
        // The SDK sends `@` as is or percent-encoded, depending on its version.
        .route("/@connections/{id}", post(post_to_connection).delete(close))
        .route(
            "/%40connections/{id}",
            post(post_to_connection).delete(close),
        )
        .with_state(live_state)
}

#[derive(Deserialize)]
struct ConnectQuery {
    access_token: Option<String>,
}

async fn connect(
    State(live_state): State<LiveState>,
    Query(query): Query<ConnectQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // API Gateway's connection ids are opaque; these look alike.
    let id = format!("{}=", &uuid::Uuid::new_v4().simple().to_string()[..14]);
    let LiveState {
        state,
        live,
        sockets,
    } = live_state;
    if let Err(refused) = live
        .connect(&state, &id, query.access_token.as_deref())
        .await
    {
        return refused.into_response();
    }
    upgrade
        .max_message_size(roomwright_notify::live::MAX_MESSAGE_BYTES * 2)
        .on_upgrade(move |socket| serve(socket, id, state, live, sockets))
}

async fn serve(
    socket: WebSocket,
    id: String,
    state: AppState,
    live: Arc<Live>,
    sockets: Arc<Sockets>,
) {
    let (mut sink, mut stream) = socket.split();
    let (sender, mut outbox) = mpsc::unbounded_channel::<Message>();
    sockets
        .open
        .lock()
        .expect("sockets lock")
        .insert(id.clone(), sender);
    let writer = tokio::spawn(async move {
        while let Some(message) = outbox.recv().await {
            let close = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || close {
                break;
            }
        }
    });
    while let Some(Ok(message)) = stream.next().await {
        match message {
            Message::Text(text) => {
                if let Err(e) = live.receive(&state, &id, text.as_str()).await {
                    tracing::error!(error = %e, "live message failed");
                }
            }
            Message::Binary(_) => {
                let _ = live
                    .receive(&state, &id, "binary frames are not read")
                    .await;
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    sockets.open.lock().expect("sockets lock").remove(&id);
    writer.abort();
    if let Err(e) = live.disconnect(&state, &id).await {
        tracing::error!(error = %e, "live disconnect failed");
    }
}

fn gone() -> Response {
    (
        StatusCode::GONE,
        [("x-amzn-errortype", "GoneException")],
        axum::Json(serde_json::json!({"__type": "GoneException", "message": "Gone"})),
    )
        .into_response()
}

async fn post_to_connection(
    State(live_state): State<LiveState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    if live_state.sockets.send(&id, Message::Text(text.into())) {
        StatusCode::OK.into_response()
    } else {
        gone()
    }
}

async fn close(State(live_state): State<LiveState>, Path(id): Path<String>) -> Response {
    if live_state.sockets.send(&id, Message::Close(None)) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        gone()
    }
}

/// Reads the table's stream from now on, as Lambda's event source mapping does, and hands
/// each batch to the fan-out. Polls every `every` when there is nothing new. Returns once it
/// reads: every change after that reaches the fan-out.
pub async fn start_stream_reader(
    state: AppState,
    live: Arc<Live>,
    stream_arn: String,
    every: Duration,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let client = aws_sdk_dynamodbstreams::Client::new(state.aws.sdk_config().await);
    let mut iterators: HashMap<String, Option<String>> = HashMap::new();
    let first = read_once(&client, &stream_arn, &mut iterators).await?;
    Ok(tokio::spawn(async move {
        if !first.is_empty()
            && let Err(e) = live.fan_out(&state, &first).await
        {
            tracing::error!(error = %e, "local fan-out failed");
        }
        loop {
            match read_once(&client, &stream_arn, &mut iterators).await {
                Ok(changes) if !changes.is_empty() => {
                    if let Err(e) = live.fan_out(&state, &changes).await {
                        tracing::error!(error = %e, "local fan-out failed");
                    }
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reading the table's stream failed"),
            }
            tokio::time::sleep(every).await;
        }
    }))
}

async fn read_once(
    client: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    iterators: &mut HashMap<String, Option<String>>,
) -> Result<Vec<Change>, String> {
    let error = |e: &dyn std::fmt::Display| e.to_string();
    if iterators.is_empty() {
        let described = client
            .describe_stream()
            .stream_arn(stream_arn)
            .send()
            .await
            .map_err(|e| error(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?;
        for shard in described
            .stream_description
            .and_then(|d| d.shards)
            .unwrap_or_default()
        {
            let Some(shard_id) = shard.shard_id else {
                continue;
            };
            let iterator = client
                .get_shard_iterator()
                .stream_arn(stream_arn)
                .shard_id(&shard_id)
                .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::Latest)
                .send()
                .await
                .map_err(|e| error(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?
                .shard_iterator;
            iterators.insert(shard_id, iterator);
        }
    }
    let mut changes = Vec::new();
    for iterator in iterators.values_mut() {
        let Some(current) = iterator.clone() else {
            continue;
        };
        let output = client
            .get_records()
            .shard_iterator(current)
            .limit(100)
            .send()
            .await
            .map_err(|e| error(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?;
        *iterator = output.next_shard_iterator;
        for record in output.records.unwrap_or_default() {
            let Some(data) = record.dynamodb else {
                continue;
            };
            let image =
                |item: Option<HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>>| {
                    item.filter(|i| !i.is_empty())
                        .and_then(|i| serde_dynamo::aws_sdk_dynamodbstreams_1::from_item(i).ok())
                };
            if let Some(change) = Change::from_images(image(data.old_image), image(data.new_image))
            {
                changes.push(change);
            }
        }
    }
    Ok(changes)
}

/// The stream of the stack's table, when it has one.
pub fn stream_arn(provisioned: &roomwright_devstack::provision::Provisioned) -> Option<String> {
    provisioned.resources.values().find_map(|r| match r {
        roomwright_devstack::provision::Physical::Table {
            stream_arn: Some(arn),
            ..
        } => Some(arn.clone()),
        _ => None,
    })
}

/// The live side as the runner serves it: posts to its own port, emails from the template's
/// sender.
pub fn local_live(
    state: &AppState,
    address: std::net::SocketAddr,
    environment: &std::collections::BTreeMap<String, String>,
) -> Live {
    Live::new(
        roomwright_notify::Poster::new(state.aws.clone(), format!("http://{address}")),
        Some(Arc::new(roomwright_notify::Mailer::from_lookup(
            state.aws.clone(),
            |name| environment.get(name).cloned(),
        ))),
    )
}
