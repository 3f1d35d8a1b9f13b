//! The render tool: orders a photorealistic render through the jobs pipeline, exactly as
//! `POST /v1/projects/{id}/renders` does.

use roomwright_jobs::render::input::{Quality, RenderRequest};
use serde::Deserialize;
use serde_json::json;

use super::{ToolContext, ToolError, ToolResult};
use crate::model::ToolSpec;

pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "submit_render",
        description: "Order a photorealistic render of the project's floor plan with the placed \
                      furniture of a scenario. Returns the job to follow; it takes minutes.",
        schema: json!({
            "type": "object",
            "properties": {
                "project_id": {"type": "string"},
                "scenario_id": {"type": "string"},
                "quality": {"type": "string", "enum": ["draft", "standard", "high"]}
            }
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderArgs {
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub scenario_id: Option<String>,
    #[serde(default)]
    pub quality: Option<Quality>,
}

pub async fn submit(context: &ToolContext<'_>, args: RenderArgs) -> ToolResult {
    let project_id = context.project(args.project_id)?;
    let request: RenderRequest = serde_json::from_value(json!({
        "scenario_id": args.scenario_id,
        "quality": args.quality.unwrap_or_default(),
    }))
    .map_err(|e| ToolError::new("invalid_tool_input", e.to_string()))?;
    let (_, submitted) = roomwright_jobs::render::order(
        context.state,
        context.caller,
        &project_id,
        request,
        Some(context.call_key.clone()),
    )
    .await?;
    Ok(json!({
        "job_id": submitted.job.id,
        "status": submitted.job.status,
        "follow": format!("/v1/jobs/{}", submitted.job.id),
        "unplaced_selections": submitted.unplaced_selections.len(),
    }))
}
