//! The assistant's loop for one message: call the model; while it asks for tools, run them
//! with the caller's permissions and call it again with their results; stop at the answer or
//! at the round cap. Each model call is checked against the budget first and entered in the
//! ledger once after. Events (text as it streams, tool calls and results) go to an optional
//! sink for server-sent events.

use std::sync::Arc;

use roomwright_catalog::SearchService;
use roomwright_core::{ApiError, AppState, auth::Caller, time};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::{
    conversation::{MessageUsage, ToolCall},
    ledger::{self, Entry},
    model::{Block, Model, ModelRequest, Speaker, Stop, Turn},
    settings::ChatSettings,
    tools::{self, ToolContext},
};

/// What the client hears while an answer is produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Text(String),
    ToolCall {
        name: String,
        input: Value,
    },
    ToolResult {
        name: String,
        result: Value,
        is_error: bool,
    },
}

/// The answer to one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub stop: String,
    pub guardrail_intervened: bool,
    pub usage: MessageUsage,
}

/// Everything one answer runs with.
pub struct Agent<'a> {
    pub state: &'a AppState,
    pub settings: &'a ChatSettings,
    pub model: &'a dyn Model,
    pub catalog: &'a Arc<SearchService>,
    pub caller: &'a Caller,
    pub conversation_id: &'a str,
    pub project_id: Option<&'a str>,
    /// Unique per message: names its ledger entries and the jobs its tools order.
    pub message_key: &'a str,
}

pub fn system_prompt(project_id: Option<&str>, today: &str) -> String {
    let project = match project_id {
        Some(id) => format!(
            "This conversation is about project {id}; tools use it when no project_id is given."
        ),
        None => "This conversation is not bound to a project.".to_string(),
    };
    format!(
        "You are Roomwright's design assistant for office and interior furniture projects. \
         Today is {today}. {project}\n\
         Use the tools to find real catalog products, read and change the project, price \
         scenarios and order renders; never invent products, prices or stock. When the user \
         states needs (headcount, rooms, style, budget), record them with update_requirements. \
         A project's requirements may hold a style analysis of a room photo the client likes \
         (palette, brightness, warmth, style): suggest finishes and colours that suit it. \
         Prices are in minor units (cents): show them as amounts with the currency. If a tool \
         refuses (for example missing permission), explain that to the user plainly. Be concise."
    )
}

/// How a model error reads to the caller.
pub use roomwright_visual::bedrock::problem as model_error;

impl Agent<'_> {
    /// Answers the conversation `turns` (ending with the user's new message).
    pub async fn answer(
        &self,
        mut turns: Vec<Turn>,
        events: Option<&mpsc::Sender<Event>>,
    ) -> Result<Answer, ApiError> {
        let specs = tools::specs();
        let today = time::rfc3339(time::now())[..10].to_string();
        let system = system_prompt(self.project_id, &today);
        let mut usage = MessageUsage::default();
        let mut calls = Vec::new();
        let mut text = String::new();
        let started = std::time::Instant::now();
        let budget = std::time::Duration::from_secs(self.settings.answer_seconds);
        let mut stop = "tool_rounds_exhausted";
        for round in 0..self.settings.max_tool_rounds {
            // A new step only while half the answer's time is left: one model call fits.
            if round > 0 && started.elapsed() * 2 >= budget {
                stop = "time_limit";
                break;
            }
            ledger::check_budget(
                &self.state.table(),
                self.settings,
                self.project_id,
                time::now(),
            )
            .await?;
            let request = ModelRequest {
                system: &system,
                turns: &turns,
                tools: &specs,
                sampling: &self.settings.sampling,
            };
            let remaining = budget.saturating_sub(started.elapsed());
            let reply = tokio::time::timeout(remaining, self.call_model(&request, events))
                .await
                .map_err(|_| {
                    ApiError::new(
                        http::StatusCode::GATEWAY_TIMEOUT,
                        "model_timeout",
                        "The model did not answer in time",
                    )
                    .with_detail(
                        "The assistant's model took longer than this endpoint allows; send the \
                         message again, or use the streaming endpoint for long answers.",
                    )
                })??;
            self.record(round, &reply.usage, &mut usage).await?;
            text.push_str(&reply.text());
            let uses: Vec<(String, String, Value)> = reply
                .blocks
                .iter()
                .filter_map(|b| match b {
                    Block::ToolUse { id, name, input } => {
                        Some((id.clone(), name.clone(), input.clone()))
                    }
                    _ => None,
                })
                .collect();
            if reply.stop != Stop::ToolUse || uses.is_empty() {
                return Ok(Answer {
                    text,
                    tool_calls: calls,
                    guardrail_intervened: reply.stop == Stop::GuardrailIntervened,
                    stop: reply.stop.as_str().to_string(),
                    usage,
                });
            }
            turns.push(Turn {
                speaker: Speaker::Assistant,
                blocks: reply.blocks.clone(),
            });
            let mut results = Vec::new();
            for (i, (id, name, input)) in uses.into_iter().enumerate() {
                if let Some(sink) = events {
                    let _ = sink
                        .send(Event::ToolCall {
                            name: name.clone(),
                            input: input.clone(),
                        })
                        .await;
                }
                let context = ToolContext {
                    state: self.state,
                    caller: self.caller,
                    project_id: self.project_id,
                    catalog: self.catalog,
                    call_key: format!("{}-{round}-{i}", self.message_key),
                };
                let (result, is_error) = match tools::run(&context, &name, &input).await {
                    Ok(result) => (result, false),
                    Err(error) => (error.to_json(), true),
                };
                tracing::info!(tool = name, is_error, "tool call");
                if let Some(sink) = events {
                    let _ = sink
                        .send(Event::ToolResult {
                            name: name.clone(),
                            result: result.clone(),
                            is_error,
                        })
                        .await;
                }
                results.push(Block::ToolResult {
                    id,
                    content: result.clone(),
                    is_error,
                });
                calls.push(ToolCall {
                    name,
                    input,
                    result,
                    is_error,
                });
            }
            turns.push(Turn {
                speaker: Speaker::User,
                blocks: results,
            });
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
        }
        let note = match stop {
            "time_limit" => {
                "I stopped to answer in time without finishing; ask me to continue.".to_string()
            }
            _ => format!(
                "I stopped after {} steps without finishing; ask me to continue.",
                self.settings.max_tool_rounds
            ),
        };
        if let Some(sink) = events {
            let _ = sink.send(Event::Text(note.clone())).await;
        }
        text.push_str(&note);
        Ok(Answer {
            text,
            tool_calls: calls,
            stop: stop.into(),
            guardrail_intervened: false,
            usage,
        })
    }

    /// One model call; streamed text is forwarded to `events` while it arrives.
    async fn call_model(
        &self,
        request: &ModelRequest<'_>,
        events: Option<&mpsc::Sender<Event>>,
    ) -> Result<crate::model::ModelReply, ApiError> {
        let Some(sink) = events else {
            return self
                .model
                .converse(request, None)
                .await
                .map_err(model_error);
        };
        let (deltas, mut received) = mpsc::channel::<String>(64);
        let call = async move {
            let reply = self.model.converse(request, Some(&deltas)).await;
            drop(deltas);
            reply
        };
        let forward = async {
            while let Some(text) = received.recv().await {
                let _ = sink.send(Event::Text(text)).await;
            }
        };
        let (reply, ()) = tokio::join!(call, forward);
        reply.map_err(model_error)
    }

    async fn record(
        &self,
        round: usize,
        tokens: &crate::model::TokenUsage,
        usage: &mut MessageUsage,
    ) -> Result<(), ApiError> {
        let price = self.settings.price(self.model.model_id());
        let cost = ledger::cost(&price, tokens.input, tokens.output, 0);
        ledger::record(
            &self.state.table(),
            &Entry {
                call_id: format!("{}-{round}", self.message_key),
                user_id: self.caller.user_id.clone(),
                project_id: self.project_id.map(str::to_owned),
                conversation_id: Some(self.conversation_id.to_string()),
                model_id: self.model.model_id().to_string(),
                kind: "converse".into(),
                input_tokens: tokens.input,
                output_tokens: tokens.output,
                images: 0,
                compute_seconds: 0,
                jobs: 0,
                cost_micro_usd: cost,
                at: time::rfc3339(time::now()),
            },
        )
        .await?;
        usage.model_calls += 1;
        usage.input_tokens += tokens.input;
        usage.output_tokens += tokens.output;
        usage.cost_micro_usd += cost.max(0) as u64;
        Ok(())
    }
}
