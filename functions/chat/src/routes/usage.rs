//! `GET /v1/usage`: model usage and cost for a month: the caller's own, a project's (members),
//! another user's or the organisation's (admins).

use axum::{Extension, Json, extract::State};
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Permission, Require, perm},
    http::ApiQuery,
    time,
};
use roomwright_projects::access::{self, Need};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    ChatContext,
    ledger::{self, Scope, Totals},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// `YYYY-MM`; this month by default.
    pub month: Option<String>,
    /// A project's usage (members of the project).
    pub project: Option<String>,
    /// Another user's usage (admins).
    pub user: Option<String>,
    /// `org`: the whole organisation's (admins).
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    pub month: String,
    /// `user`, `project` or `org`.
    pub scope: String,
    /// The user's or project's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub totals: Totals,
    /// Dollars, for display: `totals.cost_micro_usd` / 1,000,000.
    pub cost_usd: f64,
    /// Job compute time in minutes (renders on GPUs, vision and training on CPUs).
    pub compute_minutes: f64,
    /// The scope's monthly budget (organisation or project) and what is left of it, in micro-USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_micro_usd: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_left_micro_usd: Option<u64>,
}

fn valid_month(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(text[5..].parse::<u8>(), Ok(1..=12))
}

/// Tokens, images and cost of model calls in a month.
#[utoipa::path(
    get, path = "/v1/usage", tag = "chat", params(UsageQuery),
    security(("bearer" = ["products:read"])),
    responses((status = 200, body = Usage), (status = 403), (status = 404), (status = 422))
)]
pub async fn get_usage(
    State(state): State<AppState>,
    Extension(chat): Extension<ChatContext>,
    Require(caller, _): Require<perm::ProductsRead>,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> Result<Json<Usage>, ApiError> {
    let month = query.month.unwrap_or_else(|| ledger::month_of(time::now()));
    if !valid_month(&month) {
        return Err(ApiError::validation(vec![FieldError::new(
            "month",
            "invalid",
            "month is YYYY-MM.",
        )]));
    }
    let table = state.table();
    let is_admin = caller.can(Permission::UsersManage);
    let (scope, id) = match (&query.scope, &query.project, &query.user) {
        (Some(s), None, None) if s == "org" => {
            if !is_admin {
                return Err(ApiError::forbidden(
                    "missing_permission",
                    "The organisation's usage is for administrators.",
                ));
            }
            (Scope::Organisation, None)
        }
        (Some(_), _, _) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "scope",
                "invalid",
                "scope is `org`, alone.",
            )]));
        }
        (None, Some(project), None) => {
            access::load(&state, &caller, project, Need::Read).await?;
            (Scope::Project(project), Some(project.clone()))
        }
        (None, None, Some(user)) if user != &caller.user_id && !is_admin => {
            return Err(ApiError::forbidden(
                "missing_permission",
                "Other users' usage is for administrators.",
            ));
        }
        (None, None, Some(user)) => (Scope::User(user), Some(user.clone())),
        (None, None, None) => (Scope::User(&caller.user_id), Some(caller.user_id.clone())),
        (None, Some(_), Some(_)) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "user",
                "conflicting",
                "Ask for a project's or a user's usage, not both.",
            )]));
        }
    };
    let totals = ledger::totals(&table, &scope, &month).await?;
    let name = scope.name();
    let budget = match scope {
        Scope::Organisation => chat.settings.budgets.org_micro_usd,
        Scope::Project(_) => chat.settings.budgets.project_micro_usd,
        Scope::User(_) => None,
    };
    let left = budget.map(|b| b.saturating_sub(totals.cost_micro_usd.max(0) as u64));
    Ok(Json(Usage {
        month,
        scope: name.into(),
        id,
        cost_usd: totals.cost_micro_usd as f64 / 1e6,
        compute_minutes: totals.compute_seconds as f64 / 60.0,
        totals,
        budget_micro_usd: budget,
        budget_left_micro_usd: left,
    }))
}
