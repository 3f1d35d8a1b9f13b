//! Live updates over WebSocket connections (API Gateway's WebSocket API in AWS, the local
//! runner's `/v1/live` in `make dev`), one protocol and one fan-out for both.
//!
//! A client connects with its access token (`?access_token=`), is subscribed to its own
//! channel (its jobs and notifications) and subscribes to projects it may see. Changes reach
//! it from the table's stream: [`Live::fan_out`] turns each changed item into messages and
//! posts them to the subscribed connections through the API Gateway Management API;
//! connections that are gone are forgotten.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | connection | `LIVECONN#<connection id>` | `CONN` (TTL: 2 hours, API Gateway's limit) |
//! | a user's connections | `LIVE#USER#<user id>` | `CONN#<connection id>` |
//! | a project's watchers | `LIVE#PROJECT#<project id>` | `CONN#<connection id>` |
//!
//! Client messages (JSON, at most 4 KB): `{"action": "subscribe", "project_id": ...}`,
//! `{"action": "unsubscribe", "project_id": ...}`, `{"action": "ping"}`. Server messages have
//! a `type`: `subscribed`, `unsubscribed`, `pong`, `error`, `project_changed`, `presence`,
//! `job`, `notification`.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use futures::{StreamExt, stream};
use roomwright_core::{
    ApiError, AppState,
    auth::{Caller, Liveness, Role},
    aws::Aws,
    dynamo::{Keys, SortKey, StoreError, Table},
    time,
    users::{PROFILE_SK, user_pk},
};
use roomwright_jobs::{Job, JobStatus, view::JobView};
use roomwright_projects::access::{self, Need};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::{
    inbox::{self, Notification},
    mail::{Mailer, Meter},
    prefs::{self, Topic},
    templates::Mail,
};

/// API Gateway closes a WebSocket after two hours; its items go with it.
pub const CONNECTION_TTL_SECONDS: i64 = 2 * 3600;
/// Projects one connection may watch at once.
pub const MAX_SUBSCRIPTIONS: usize = 20;
/// Largest message a client may send.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// Posts in flight at once during a fan-out.
pub const FAN_OUT_CONCURRENCY: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub connection_id: String,
    pub user_id: String,
    pub name: String,
    pub role: Role,
    pub session_id: String,
    pub connected_at: String,
    #[serde(default)]
    pub projects: Vec<String>,
}

/// A connection as a channel lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watcher {
    pub connection_id: String,
    pub user_id: String,
    pub name: String,
    pub role: Role,
}

fn connection_pk(id: &str) -> String {
    format!("LIVECONN#{id}")
}

fn user_channel(user_id: &str) -> String {
    format!("LIVE#USER#{user_id}")
}

fn project_channel(project_id: &str) -> String {
    format!("LIVE#PROJECT#{project_id}")
}

fn watcher_sk(connection_id: &str) -> String {
    format!("CONN#{connection_id}")
}

/// What a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Subscribe { project_id: String },
    Unsubscribe { project_id: String },
    Ping,
}

/// One changed item of the table, as a stream record shows it (images as plain JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub pk: String,
    pub sk: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

impl Change {
    /// A change from a stream record's images (either may be missing).
    pub fn from_images(old: Option<Value>, new: Option<Value>) -> Option<Self> {
        let image = new.as_ref().or(old.as_ref())?;
        let key = |name: &str| image.get(name).and_then(Value::as_str).map(str::to_string);
        Some(Self {
            pk: key("pk")?,
            sk: key("sk")?,
            old,
            new,
        })
    }
}

/// Whether a post reached its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// The connection is closed: forget it.
    Gone,
}

/// Posts to connections through the API Gateway Management API at `endpoint` (the WebSocket
/// API's stage URL in AWS, the local runner's address in `make dev`).
pub struct Poster {
    aws: Arc<Aws>,
    endpoint: String,
    client: OnceCell<aws_sdk_apigatewaymanagement::Client>,
}

impl Poster {
    pub fn new(aws: Arc<Aws>, endpoint: impl Into<String>) -> Self {
        Self {
            aws,
            endpoint: endpoint.into(),
            client: OnceCell::new(),
        }
    }

    async fn client(&self) -> &aws_sdk_apigatewaymanagement::Client {
        let sdk = self.aws.sdk_config().await;
        self.client
            .get_or_init(|| async {
                let config = aws_sdk_apigatewaymanagement::config::Builder::from(sdk)
                    .endpoint_url(&self.endpoint)
                    .build();
                aws_sdk_apigatewaymanagement::Client::from_conf(config)
            })
            .await
    }

    pub async fn post(&self, connection_id: &str, data: &[u8]) -> Result<Delivery, String> {
        let result = self
            .client()
            .await
            .post_to_connection()
            .connection_id(connection_id)
            .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(data))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Delivery::Delivered),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_gone_exception()) => {
                Ok(Delivery::Gone)
            }
            Err(e) => Err(aws_sdk_apigatewaymanagement::error::DisplayErrorContext(&e).to_string()),
        }
    }
}

/// The live side of a function: connections, subscriptions and the fan-out.
pub struct Live {
    pub poster: Poster,
    /// Emails for notifications; none where nothing is emailed (tests of the socket alone).
    pub mailer: Option<Arc<Mailer>>,
}

#[derive(Deserialize)]
struct ProfileView {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    email_verified: bool,
}

async fn profile(table: &Table, user_id: &str) -> Result<Option<ProfileView>, StoreError> {
    Ok(table
        .get::<ProfileView>(&user_pk(user_id), PROFILE_SK)
        .await?
        .map(|v| v.value))
}

impl Live {
    pub fn new(poster: Poster, mailer: Option<Arc<Mailer>>) -> Self {
        Self { poster, mailer }
    }

    /// `$connect`: the token must be valid and its session live. Stores the connection and
    /// subscribes it to the user's own channel.
    pub async fn connect(
        &self,
        state: &AppState,
        connection_id: &str,
        token: Option<&str>,
    ) -> Result<Connection, ApiError> {
        let token = token
            .filter(|t| !t.is_empty() && t.len() <= 4096)
            .ok_or_else(|| {
                ApiError::unauthorized("missing_token", "Connect with ?access_token=<token>.")
            })?;
        let caller = Caller::authenticate(state, token).await?;
        let table = state.table();
        let name = profile(&table, &caller.user_id)
            .await?
            .map(|p| p.name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| caller.email.clone());
        let connection = Connection {
            connection_id: connection_id.to_string(),
            user_id: caller.user_id.clone(),
            name,
            role: caller.role,
            session_id: caller.session_id.clone(),
            connected_at: time::rfc3339(time::now()),
            projects: Vec::new(),
        };
        let expires = expiry();
        let watcher = watcher_of(&connection);
        let items = vec![
            put(
                &table,
                &Keys::new(connection_pk(connection_id), "CONN").expires_at(expires),
                &connection,
            )?,
            put(
                &table,
                &Keys::new(user_channel(&caller.user_id), watcher_sk(connection_id))
                    .expires_at(expires),
                &watcher,
            )?,
        ];
        table.transact(items).await.map_err(ApiError::from)?;
        Ok(connection)
    }

    /// `$disconnect` (or a post that found the connection gone): forgets it everywhere.
    pub async fn disconnect(&self, state: &AppState, connection_id: &str) -> Result<(), ApiError> {
        let table = state.table();
        let Some(connection) = table
            .get::<Connection>(&connection_pk(connection_id), "CONN")
            .await?
        else {
            return Ok(());
        };
        let connection = connection.value;
        for project in &connection.projects {
            table
                .delete(&project_channel(project), &watcher_sk(connection_id), None)
                .await?;
        }
        table
            .delete(
                &user_channel(&connection.user_id),
                &watcher_sk(connection_id),
                None,
            )
            .await?;
        table
            .delete(&connection_pk(connection_id), "CONN", None)
            .await?;
        Ok(())
    }

    /// A client's message: answered on the same connection.
    pub async fn receive(
        &self,
        state: &AppState,
        connection_id: &str,
        body: &str,
    ) -> Result<(), ApiError> {
        let reply = self.answer(state, connection_id, body).await?;
        if let Some(reply) = reply {
            self.send(state, connection_id, &reply).await;
        }
        Ok(())
    }

    async fn answer(
        &self,
        state: &AppState,
        connection_id: &str,
        body: &str,
    ) -> Result<Option<Value>, ApiError> {
        if body.len() > MAX_MESSAGE_BYTES {
            return Ok(Some(error(
                "message_too_large",
                &format!("Messages are at most {MAX_MESSAGE_BYTES} bytes."),
                None,
            )));
        }
        let message = match serde_json::from_str::<ClientMessage>(body) {
            Ok(message) => message,
            Err(e) => {
                return Ok(Some(error(
                    "invalid_message",
                    &format!(
                        "Send {{\"action\": \"subscribe\" | \"unsubscribe\", \"project_id\": ...}} \
                         or {{\"action\": \"ping\"}}: {e}"
                    ),
                    None,
                )));
            }
        };
        let table = state.table();
        let Some(stored) = table
            .get::<Connection>(&connection_pk(connection_id), "CONN")
            .await?
        else {
            return Ok(None);
        };
        let mut connection = stored.value;
        match message {
            ClientMessage::Ping => Ok(Some(json!({"type": "pong"}))),
            ClientMessage::Subscribe { project_id } => {
                // The session may have ended or the role changed since the connection opened.
                let caller = match state
                    .sessions
                    .check(&table, &connection.user_id, &connection.session_id)
                    .await?
                {
                    Liveness::Live { role, email } => Caller {
                        user_id: connection.user_id.clone(),
                        email,
                        role,
                        session_id: connection.session_id.clone(),
                    },
                    Liveness::Ended => {
                        return Ok(Some(error(
                            "session_ended",
                            "This session has ended; connect again with a new token.",
                            Some(&project_id),
                        )));
                    }
                };
                let project = match access::load(state, &caller, &project_id, Need::Read).await {
                    Ok(project) => project,
                    Err(refused) => {
                        return Ok(Some(error(
                            refused.code(),
                            "No project with this id that you can see.",
                            Some(&project_id),
                        )));
                    }
                };
                if !connection.projects.contains(&project_id) {
                    if connection.projects.len() >= MAX_SUBSCRIPTIONS {
                        return Ok(Some(error(
                            "too_many_subscriptions",
                            &format!("A connection watches at most {MAX_SUBSCRIPTIONS} projects."),
                            Some(&project_id),
                        )));
                    }
                    connection.projects.push(project_id.clone());
                    let expires = expiry();
                    let items = vec![
                        table
                            .versioned_put(
                                &Keys::new(connection_pk(connection_id), "CONN")
                                    .expires_at(expires),
                                &connection,
                                Some(stored.version),
                            )?
                            .0,
                        put(
                            &table,
                            &Keys::new(project_channel(&project_id), watcher_sk(connection_id))
                                .expires_at(expires),
                            &watcher_of(&connection),
                        )?,
                    ];
                    table.transact(items).await.map_err(ApiError::from)?;
                }
                Ok(Some(json!({
                    "type": "subscribed",
                    "project_id": project_id,
                    "version": project.version,
                    "etag": format!("\"{}\"", project.version),
                })))
            }
            ClientMessage::Unsubscribe { project_id } => {
                if let Some(i) = connection.projects.iter().position(|p| *p == project_id) {
                    connection.projects.remove(i);
                    table
                        .replace(
                            &Keys::new(connection_pk(connection_id), "CONN").expires_at(expiry()),
                            &connection,
                            stored.version,
                        )
                        .await?;
                    table
                        .delete(
                            &project_channel(&project_id),
                            &watcher_sk(connection_id),
                            None,
                        )
                        .await?;
                }
                Ok(Some(
                    json!({"type": "unsubscribed", "project_id": project_id}),
                ))
            }
        }
    }

    /// Posts `message` to one connection, forgetting it when it is gone.
    async fn send(&self, state: &AppState, connection_id: &str, message: &Value) {
        let data = message.to_string();
        self.deliver(state, &[connection_id.to_string()], data.as_bytes())
            .await;
    }

    /// Posts `data` to every connection, [`FAN_OUT_CONCURRENCY`] at a time; gone ones are
    /// forgotten. Returns how many were delivered.
    pub async fn deliver(&self, state: &AppState, connections: &[String], data: &[u8]) -> usize {
        let poster = &self.poster;
        let posts = connections.iter().cloned().map(|id: String| async move {
            let result = poster.post(&id, data).await;
            (id, result)
        });
        let results: Vec<(String, Result<Delivery, String>)> = stream::iter(posts)
            .buffer_unordered(FAN_OUT_CONCURRENCY)
            .collect()
            .await;
        let mut delivered = 0;
        for (id, result) in results {
            match result {
                Ok(Delivery::Delivered) => delivered += 1,
                Ok(Delivery::Gone) => {
                    if let Err(e) = self.disconnect(state, &id).await {
                        tracing::warn!(error = %e, "forgetting a gone connection failed");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "post to a connection failed"),
            }
        }
        delivered
    }

    /// The table's changes, as messages to whoever watches them, and the notifications they
    /// cause. Errors of one change are logged and do not stop the others.
    pub async fn fan_out(&self, state: &AppState, changes: &[Change]) -> Result<(), ApiError> {
        let mut failed = None;
        // Arrivals and departures of one batch make one presence message per project: a
        // burst of subscriptions is not answered with a burst of lists to everyone.
        let mut presence = BTreeSet::new();
        for change in changes {
            if let Some(project_id) = change.pk.strip_prefix("LIVE#PROJECT#") {
                presence.insert(project_id);
                continue;
            }
            if let Err(e) = self.fan_out_one(state, change).await {
                tracing::error!(pk = %change.pk, sk = %change.sk, error = %e, "fan-out failed");
                failed = Some(e);
            }
        }
        for project_id in presence {
            if let Err(e) = self.presence(state, project_id).await {
                tracing::error!(project_id, error = %e, "presence fan-out failed");
                failed = Some(e);
            }
        }
        // A failure makes the batch fail, so the stream delivers it again: messages may repeat,
        // notifications and emails do not (their ids and claims make them once).
        failed.map_or(Ok(()), Err)
    }

    async fn fan_out_one(&self, state: &AppState, change: &Change) -> Result<(), ApiError> {
        let (pk, sk) = (change.pk.as_str(), change.sk.as_str());
        if let Some(project_id) = pk.strip_prefix("PROJECT#") {
            if sk == roomwright_projects::store::PROJECT_SK {
                return self.project_changed(state, project_id, change).await;
            }
            if sk.starts_with("ACTIVITY#") && change.old.is_none() {
                return self.activity(state, project_id, change).await;
            }
            return Ok(());
        }
        if pk.starts_with("JOB#") && sk == "JOB" {
            return self.job_changed(state, change).await;
        }
        if let Some(user_id) = pk.strip_prefix("USER#")
            && sk.starts_with("NOTIF#")
            && change.old.is_none()
            && let Some(new) = &change.new
        {
            let notification: Notification =
                serde_json::from_value(new.clone()).map_err(ApiError::internal)?;
            return self.notified(state, user_id, notification).await;
        }
        Ok(())
    }

    async fn watchers(&self, state: &AppState, channel: &str) -> Result<Vec<Watcher>, ApiError> {
        Ok(state
            .table()
            .query_all::<Watcher>(None, channel, SortKey::Prefix("CONN#"))
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect())
    }

    /// The connections of a user's own channel.
    async fn users_connections(
        &self,
        state: &AppState,
        user_id: &str,
    ) -> Result<Vec<String>, ApiError> {
        Ok(self
            .watchers(state, &user_channel(user_id))
            .await?
            .into_iter()
            .map(|w| w.connection_id)
            .collect())
    }

    async fn project_changed(
        &self,
        state: &AppState,
        project_id: &str,
        change: &Change,
    ) -> Result<(), ApiError> {
        let Some(new) = &change.new else {
            return Ok(());
        };
        let empty = json!({});
        let old = change.old.as_ref().unwrap_or(&empty);
        const BOOKKEEPING: [&str; 6] =
            ["pk", "sk", "version", "updated_at", "updated_by", "gsi1pk"];
        let fields: BTreeSet<&str> = new
            .as_object()
            .into_iter()
            .flatten()
            .chain(old.as_object().into_iter().flatten())
            .map(|(k, _)| k.as_str())
            .filter(|k| !BOOKKEEPING.contains(k))
            .filter(|k| new.get(*k) != old.get(*k))
            .collect();
        let version = new.get("version").and_then(Value::as_u64).unwrap_or(0);
        let by = new.get("updated_by").and_then(Value::as_str);
        let table = state.table();
        let by_name = match by {
            Some(id) => profile(&table, id).await?.map(|p| p.name),
            None => None,
        };
        let members: BTreeMap<String, String> = members_of(new);
        let message = json!({
            "type": "project_changed",
            "project_id": project_id,
            "version": version,
            "etag": format!("\"{version}\""),
            "by": by.map(|id| json!({"user_id": id, "name": by_name})),
            "via": new.get("updated_via"),
            "changes": fields,
            "at": new.get("updated_at"),
        });
        // Only people who may still see it (a removed member stops hearing at once).
        let recipients: Vec<String> = self
            .watchers(state, &project_channel(project_id))
            .await?
            .into_iter()
            .filter(|w| members.contains_key(&w.user_id) || w.role == Role::Admin)
            .map(|w| w.connection_id)
            .collect();
        self.deliver(state, &recipients, message.to_string().as_bytes())
            .await;
        // People the project was just shared with are told.
        let before = members_of(old);
        let name = new
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("a project");
        for user_id in members.keys().filter(|id| !before.contains_key(*id)) {
            if change.old.is_none() || Some(user_id.as_str()) == by {
                continue;
            }
            let mut n = Notification::new(
                user_id,
                Topic::ProjectShared,
                &format!("shared:{project_id}:{version}"),
                time::now(),
                format!(
                    "{} shared “{name}” with you",
                    by_name.as_deref().unwrap_or("Someone")
                ),
                format!(
                    "You can now {} the project “{name}” in Roomwright.",
                    if members.get(user_id).map(String::as_str) == Some("editor") {
                        "view and edit"
                    } else {
                        "view"
                    }
                ),
            );
            n.project_id = Some(project_id.to_string());
            n.actor = by_name.clone();
            inbox::create(&table, &n).await?;
        }
        Ok(())
    }

    async fn activity(
        &self,
        state: &AppState,
        project_id: &str,
        change: &Change,
    ) -> Result<(), ApiError> {
        let Some(new) = &change.new else {
            return Ok(());
        };
        let kind = new.get("kind").and_then(Value::as_str).unwrap_or_default();
        let client = new
            .get("client_name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("Your client");
        let comment = new
            .get("comment")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let table = state.table();
        let Some(project) = roomwright_projects::store::get(&table, project_id).await? else {
            return Ok(());
        };
        let name = &project.value.name;
        let title = match kind {
            "client_approved" => format!("{client} approved the proposal for “{name}”"),
            "client_requested_changes" => format!("{client} asked for changes to “{name}”"),
            "client_commented" => format!("{client} commented on “{name}”"),
            _ => return Ok(()),
        };
        let body = if comment.is_empty() {
            "No comment was left.".to_string()
        } else {
            format!("“{comment}”")
        };
        let id = new.get("id").and_then(Value::as_str).unwrap_or_default();
        for member in &project.value.members {
            if member.role == roomwright_projects::model::MemberRole::Viewer {
                continue;
            }
            let mut n = Notification::new(
                &member.user_id,
                Topic::ProposalFeedback,
                &format!("activity:{id}"),
                time::now(),
                title.clone(),
                body.clone(),
            );
            n.project_id = Some(project_id.to_string());
            n.actor = Some(client.to_string());
            inbox::create(&table, &n).await?;
        }
        Ok(())
    }

    async fn job_changed(&self, state: &AppState, change: &Change) -> Result<(), ApiError> {
        let Some(new) = &change.new else {
            return Ok(());
        };
        let job: Job = serde_json::from_value(new.clone()).map_err(ApiError::internal)?;
        let old_status = change
            .old
            .as_ref()
            .and_then(|o| o.get("status"))
            .and_then(|s| serde_json::from_value::<JobStatus>(s.clone()).ok());
        let finished = JobStatus::TERMINAL.contains(&job.status)
            && job.status != JobStatus::Cancelled
            && old_status != Some(job.status);
        let owner = job.owner_id.clone();
        let recipients: Vec<String> = self.users_connections(state, &owner).await?;
        let (job_id, kind, project_id, status) =
            (job.id.clone(), job.kind, job.project_id.clone(), job.status);
        let error = job.error.as_ref().map(|e| e.message.clone());
        let scene = job.request.get("output").and_then(Value::as_str) == Some("scene");
        let message = json!({"type": "job", "job": JobView::summary(job)});
        self.deliver(state, &recipients, message.to_string().as_bytes())
            .await;
        if finished {
            let what = match kind {
                roomwright_jobs::JobKind::Render if scene => "Your 3D scene",
                roomwright_jobs::JobKind::Render => "Your render",
                roomwright_jobs::JobKind::Vision => "Reading your drawing",
                roomwright_jobs::JobKind::Training => "Recommendation training",
            };
            let (title, body) = if status == JobStatus::Succeeded {
                (
                    format!("{what} is ready"),
                    "Open the job to see and download what it made.".to_string(),
                )
            } else {
                (
                    format!("{what} failed"),
                    error.unwrap_or_else(|| "The job did not finish.".into()),
                )
            };
            let mut n = Notification::new(
                &owner,
                Topic::JobFinished,
                &format!("job:{job_id}:{}", status.as_str()),
                time::now(),
                title,
                body,
            );
            n.job_id = Some(job_id);
            n.project_id = project_id;
            inbox::create(&state.table(), &n).await?;
        }
        Ok(())
    }

    async fn notified(
        &self,
        state: &AppState,
        user_id: &str,
        notification: Notification,
    ) -> Result<(), ApiError> {
        let table = state.table();
        let unread = inbox::unread_count(&table, user_id).await?;
        let recipients: Vec<String> = self.users_connections(state, user_id).await?;
        let message =
            json!({"type": "notification", "notification": notification, "unread": unread});
        self.deliver(state, &recipients, message.to_string().as_bytes())
            .await;
        let Some(mailer) = &self.mailer else {
            return Ok(());
        };
        if !prefs::get(&table, user_id).await?.wants(notification.topic) {
            return Ok(());
        }
        let Some(person) = profile(&table, user_id).await? else {
            return Ok(());
        };
        // Only verified, active addresses get notifications by email.
        if !person.email_verified || person.status != "active" || person.email.is_empty() {
            return Ok(());
        }
        if !inbox::claim_email(&table, user_id, &notification.id).await? {
            return Ok(());
        }
        let links = Links::of(state);
        let link = notification
            .project_id
            .as_deref()
            .map(|p| links.project(p))
            .or_else(|| notification.job_id.as_deref().map(|j| links.job(j)));
        let letter = Mail::Notification {
            title: &notification.title,
            body: &notification.body,
            link: link.as_deref(),
            preferences_link: &links.preferences(),
        }
        .to(&person.email);
        mailer
            .send(
                state,
                &letter,
                Meter {
                    call_id: format!("email-{}", notification.id),
                    user_id,
                    project_id: notification.project_id.as_deref(),
                },
            )
            .await?;
        Ok(())
    }

    async fn presence(&self, state: &AppState, project_id: &str) -> Result<(), ApiError> {
        let watchers = self.watchers(state, &project_channel(project_id)).await?;
        let mut people: BTreeMap<&str, &str> = BTreeMap::new();
        for w in &watchers {
            people.insert(&w.user_id, &w.name);
        }
        let message = json!({
            "type": "presence",
            "project_id": project_id,
            "people": people.iter().map(|(id, name)| json!({"user_id": id, "name": name})).collect::<Vec<_>>(),
        });
        let recipients: Vec<String> = watchers.iter().map(|w| w.connection_id.clone()).collect();
        self.deliver(state, &recipients, message.to_string().as_bytes())
            .await;
        Ok(())
    }
}

/// Member user ids and their roles, from a project's image.
fn members_of(project: &Value) -> BTreeMap<String, String> {
    project
        .get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some((
                m.get("user_id")?.as_str()?.to_string(),
                m.get("role")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

fn expiry() -> i64 {
    (time::now() + ::time::Duration::seconds(CONNECTION_TTL_SECONDS)).unix_timestamp()
}

fn watcher_of(connection: &Connection) -> Watcher {
    Watcher {
        connection_id: connection.connection_id.clone(),
        user_id: connection.user_id.clone(),
        name: connection.name.clone(),
        role: connection.role,
    }
}

fn put<T: Serialize>(table: &Table, keys: &Keys, value: &T) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(table.name())
        .set_item(Some(Table::item(keys, value, 1)?))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn error(code: &str, message: &str, project_id: Option<&str>) -> Value {
    json!({"type": "error", "code": code, "message": message, "project_id": project_id})
}

/// Where links in emails point: `APP_URL` (the web app) or else the API's public address.
pub struct Links {
    base: String,
}

impl Links {
    pub fn of(state: &AppState) -> Self {
        let base = std::env::var("APP_URL")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| state.config.jwt_issuer.clone());
        Self {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    pub fn project(&self, id: &str) -> String {
        format!("{}/app/projects/{id}", self.base)
    }

    pub fn job(&self, id: &str) -> String {
        format!("{}/app/jobs/{id}", self.base)
    }

    pub fn preferences(&self) -> String {
        format!("{}/app/settings/notifications", self.base)
    }

    /// A page that reads `#token=` and calls the API (`verify`, `reset`, `invite`).
    pub fn account(&self, page: &str, token: &str) -> String {
        format!("{}/account/{page}#token={token}", self.base)
    }
}
