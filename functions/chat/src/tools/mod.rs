//! The tools the assistant may call. Each runs our own code with the caller's permissions
//! (role and project membership, exactly as the HTTP routes check them), so a conversation can
//! never do more than its user could do by hand. A refused or failed call becomes an error
//! result the model sees and the conversation records; it changes nothing.

mod catalog;
mod layout;
mod project;
mod render;

use std::sync::Arc;

use roomwright_catalog::SearchService;
use roomwright_core::{ApiError, AppState, auth::Caller};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::model::ToolSpec;

/// What a tool call runs with.
pub struct ToolContext<'a> {
    pub state: &'a AppState,
    pub caller: &'a Caller,
    /// The project the conversation is bound to: the default for tools that take one.
    pub project_id: Option<&'a str>,
    pub catalog: &'a Arc<SearchService>,
    /// Names the render job a tool call orders, so a repeated call cannot order twice.
    pub call_key: String,
}

impl ToolContext<'_> {
    fn project(&self, given: Option<String>) -> Result<String, ToolError> {
        given
            .or_else(|| self.project_id.map(str::to_owned))
            .ok_or_else(|| {
                ToolError::new(
                    "project_required",
                    "This conversation is not about a project; pass project_id.",
                )
            })
    }
}

/// Why a tool call did nothing; fed back to the model as the call's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolError {
    pub code: String,
    pub message: String,
}

impl ToolError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({"error": {"code": self.code, "message": self.message}})
    }
}

impl From<roomwright_core::dynamo::StoreError> for ToolError {
    fn from(error: roomwright_core::dynamo::StoreError) -> Self {
        ApiError::from(error).into()
    }
}

impl From<ApiError> for ToolError {
    fn from(error: ApiError) -> Self {
        let problem = error.to_problem();
        let mut message = problem.detail.unwrap_or(problem.title);
        for field in &problem.errors {
            message.push_str(&format!(" {}: {}", field.path, field.message));
        }
        Self {
            code: problem.code,
            message,
        }
    }
}

pub type ToolResult = Result<Value, ToolError>;

fn args<T: DeserializeOwned>(input: &Value) -> Result<T, ToolError> {
    serde_json::from_value(input.clone())
        .map_err(|e| ToolError::new("invalid_tool_input", format!("The input is invalid: {e}")))
}

/// Every tool, in the order the model is told about them.
pub fn specs() -> Vec<ToolSpec> {
    vec![
        catalog::search_spec(),
        catalog::product_spec(),
        catalog::recommend_spec(),
        project::get_spec(),
        project::requirements_spec(),
        project::add_spec(),
        project::remove_spec(),
        project::price_spec(),
        layout::propose_spec(),
        layout::accept_spec(),
        layout::fit_spec(),
        render::spec(),
    ]
}

/// Runs the tool `name` with `input`.
pub async fn run(context: &ToolContext<'_>, name: &str, input: &Value) -> ToolResult {
    match name {
        "search_catalog" => catalog::search(context, args(input)?).await,
        "get_product" => catalog::product(context, args(input)?).await,
        "recommend_products" => catalog::recommend(context, args(input)?).await,
        "get_project" => project::get(context, args(input)?).await,
        "update_requirements" => project::update_requirements(context, args(input)?).await,
        "add_selection" => project::add_selection(context, args(input)?).await,
        "remove_selection" => project::remove_selection(context, args(input)?).await,
        "price_scenario" => project::price(context, args(input)?).await,
        "propose_layout" => layout::propose(context, args(input)?).await,
        "accept_layout" => layout::accept(context, args(input)?).await,
        "fit_budget" => layout::fit(context, args(input)?).await,
        "submit_render" => render::submit(context, args(input)?).await,
        other => Err(ToolError::new(
            "unknown_tool",
            format!("There is no tool {other}."),
        )),
    }
}
