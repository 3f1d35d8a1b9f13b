//! The usage ledger: one ledger of money for everything that spends it. Model calls (chat,
//! style labels, concept images) and jobs (renders, vision, training, product image vectors)
//! each enter it with their tokens, images, compute seconds and cost, added to the month's
//! totals per user, per project and for the organisation in one transaction conditional on
//! the entry being new, so a call or job is counted exactly once however often the write is
//! retried. A job enters its estimate when submitted and its settlement (actual minus
//! estimate, which may be negative) when it ends.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | entry | `USAGECALL#<call id>` | `CALL` (gsi1: `USAGE#USER#<user>#<month>` / `<at>#<call id>`) |
//! | totals | `USAGE#USER#<id>`, `USAGE#PROJECT#<id>`, `USAGE#ORG` | `MONTH#<yyyy-mm>` |

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{
    ApiError,
    dynamo::{Keys, Table},
};

/// What one model call or job consumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique per call (or job stage) and stable across retries of its recording.
    pub call_id: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The model, or the job definition's kind of machine (`gpu`, `cpu`).
    pub model_id: String,
    /// `converse`, `style`, `image`, or a job kind (`render`, `vision`, `training`).
    pub kind: String,
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub images: u64,
    /// Compute seconds of a job (negative in a settlement that returns part of an estimate).
    #[serde(default)]
    pub compute_seconds: i64,
    /// Jobs this entry starts (1 for an estimate, 0 otherwise).
    #[serde(default)]
    pub jobs: u64,
    /// Micro-USD; negative in a settlement that returns part of an estimate.
    pub cost_micro_usd: i64,
    pub at: String,
}

impl Entry {
    /// Model calls count in `calls`; job entries in `jobs` and `compute_seconds`.
    pub fn is_model_call(&self) -> bool {
        matches!(self.kind.as_str(), "converse" | "style" | "image")
    }

    /// An entry of a model call.
    pub fn model_call(
        call_id: String,
        user_id: &str,
        project_id: Option<String>,
        model_id: &str,
        kind: &str,
        at: OffsetDateTime,
    ) -> Self {
        Self {
            call_id,
            user_id: user_id.to_string(),
            project_id,
            conversation_id: None,
            model_id: model_id.to_string(),
            kind: kind.to_string(),
            input_tokens: 0,
            output_tokens: 0,
            images: 0,
            compute_seconds: 0,
            jobs: 0,
            cost_micro_usd: 0,
            at: crate::time::rfc3339(at),
        }
    }
}

/// Monthly totals of a user, a project or the organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Totals {
    /// Model calls.
    #[serde(default)]
    pub calls: u64,
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub images: u64,
    /// Jobs submitted.
    #[serde(default)]
    pub jobs: u64,
    /// Compute seconds of jobs (estimates of running ones, actual of finished ones).
    #[serde(default)]
    pub compute_seconds: i64,
    #[serde(default)]
    pub cost_micro_usd: i64,
}

pub fn month_of(at: OffsetDateTime) -> String {
    format!("{:04}-{:02}", at.year(), at.month() as u8)
}

/// Whose monthly totals.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    User(&'a str),
    Project(&'a str),
    Organisation,
}

impl Scope<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Scope::User(_) => "user",
            Scope::Project(_) => "project",
            Scope::Organisation => "org",
        }
    }
}

fn totals_pk(scope: &Scope) -> String {
    match scope {
        Scope::User(id) => format!("USAGE#USER#{id}"),
        Scope::Project(id) => format!("USAGE#PROJECT#{id}"),
        Scope::Organisation => "USAGE#ORG".into(),
    }
}

fn add_to(table: &Table, scope: &Scope, month: &str, entry: &Entry) -> TransactWriteItem {
    let n = |v: i128| AttributeValue::N(v.to_string());
    let calls = u64::from(entry.is_model_call());
    let update = Update::builder()
        .table_name(table.name())
        .key("pk", AttributeValue::S(totals_pk(scope)))
        .key("sk", AttributeValue::S(format!("MONTH#{month}")))
        .update_expression(
            "ADD calls :calls, input_tokens :i, output_tokens :o, images :img, jobs :jobs, \
             compute_seconds :s, cost_micro_usd :c",
        )
        .expression_attribute_values(":calls", n(calls.into()))
        .expression_attribute_values(":i", n(entry.input_tokens.into()))
        .expression_attribute_values(":o", n(entry.output_tokens.into()))
        .expression_attribute_values(":img", n(entry.images.into()))
        .expression_attribute_values(":jobs", n(entry.jobs.into()))
        .expression_attribute_values(":s", n(entry.compute_seconds.into()))
        .expression_attribute_values(":c", n(entry.cost_micro_usd.into()))
        .build()
        .expect("key, table and expression are set");
    TransactWriteItem::builder().update(update).build()
}

/// Records `entry` and adds it to its month's totals, once: a repeat of the same `call_id`
/// changes nothing.
pub async fn record(table: &Table, entry: &Entry) -> Result<(), ApiError> {
    let at = crate::time::parse_rfc3339(&entry.at)
        .ok_or_else(|| ApiError::internal("ledger entry time is not RFC 3339"))?;
    let month = month_of(at);
    let keys = Keys::new(format!("USAGECALL#{}", entry.call_id), "CALL").gsi1(
        format!("USAGE#USER#{}#{month}", entry.user_id),
        format!("{}#{}", entry.at, entry.call_id),
    );
    let item = Table::item(&keys, entry, 1)?;
    let put = Put::builder()
        .table_name(table.name())
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(ApiError::internal)?;
    let mut items = vec![
        TransactWriteItem::builder().put(put).build(),
        add_to(table, &Scope::User(&entry.user_id), &month, entry),
        add_to(table, &Scope::Organisation, &month, entry),
    ];
    if let Some(project) = &entry.project_id {
        items.push(add_to(table, &Scope::Project(project), &month, entry));
    }
    match table.transact(items).await {
        Ok(()) => {
            crate::metrics::spend(
                &entry.kind,
                entry.cost_micro_usd,
                entry.is_model_call(),
                entry.jobs,
            );
            Ok(())
        }
        // The entry exists: this call was recorded before.
        Err(e) if e.failed_condition(0) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The entry recorded as `call_id`, if any.
pub async fn entry(table: &Table, call_id: &str) -> Result<Option<Entry>, ApiError> {
    Ok(table
        .get::<Entry>(&format!("USAGECALL#{call_id}"), "CALL")
        .await?
        .map(|v| v.value))
}

pub async fn totals(table: &Table, scope: &Scope<'_>, month: &str) -> Result<Totals, ApiError> {
    Ok(table
        .get::<Totals>(&totals_pk(scope), &format!("MONTH#{month}"))
        .await?
        .map(|v| v.value)
        .unwrap_or_default())
}

/// Monthly budgets, in micro-USD: `MONTHLY_BUDGET_USD` for the organisation and
/// `PROJECT_MONTHLY_BUDGET_USD` for each project (unset: no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budgets {
    pub org_micro_usd: Option<u64>,
    pub project_micro_usd: Option<u64>,
}

/// A dollar amount setting as micro-USD.
pub fn parse_usd(name: &'static str, text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| (v * 1e6).round() as u64)
        .ok_or_else(|| format!("{name} is an amount of US dollars, e.g. 250 or 12.5"))
}

impl Budgets {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| parse_usd(name, &v))
                .transpose()
        };
        Ok(Self {
            org_micro_usd: get("MONTHLY_BUDGET_USD")?,
            project_micro_usd: get("PROJECT_MONTHLY_BUDGET_USD")?,
        })
    }

    /// Refuses (402) spending `more` micro-USD once the organisation's or the project's month
    /// would go over its budget.
    pub async fn check(
        &self,
        table: &Table,
        project_id: Option<&str>,
        more: u64,
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        let month = month_of(now);
        let mut scopes = vec![(Scope::Organisation, self.org_micro_usd)];
        if let Some(project) = project_id {
            scopes.push((Scope::Project(project), self.project_micro_usd));
        }
        for (scope, budget) in scopes {
            let Some(budget) = budget else { continue };
            let spent = totals(table, &scope, &month).await?.cost_micro_usd.max(0) as u64;
            if spent.saturating_add(more) > budget || spent >= budget {
                let (code, whose, setting) = match scope {
                    Scope::Project(_) => (
                        "project_budget_reached",
                        "The project's",
                        "PROJECT_MONTHLY_BUDGET_USD",
                    ),
                    _ => (
                        "monthly_budget_reached",
                        "The organisation's",
                        "MONTHLY_BUDGET_USD",
                    ),
                };
                return Err(ApiError::new(
                    http::StatusCode::PAYMENT_REQUIRED,
                    code,
                    "The monthly budget is spent",
                )
                .with_detail(format!(
                    "{whose} spending this month is ${:.2} of its ${:.2} budget and this would \
                     cost up to ${:.2}; an administrator can raise {setting}, or wait for next \
                     month.",
                    spent as f64 / 1e6,
                    budget as f64 / 1e6,
                    more as f64 / 1e6
                )));
            }
        }
        Ok(())
    }
}

/// Limits on jobs, each a template parameter (see the README's "Spend guards").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendLimits {
    pub budgets: Budgets,
    /// Jobs of one user queued or running at once (`JOBS_RUNNING_PER_USER`).
    pub jobs_running_per_user: u32,
    /// Renders one user may order per UTC day (`RENDERS_PER_USER_PER_DAY`).
    pub renders_per_user_per_day: u32,
    /// Largest render, in millions of samples (width x height x samples x cameras), for
    /// designers and sales reps (`RENDER_MAX_MEGASAMPLES`) and for admins
    /// (`RENDER_MAX_MEGASAMPLES_ADMIN`).
    pub render_max_megasamples: u64,
    pub render_max_megasamples_admin: u64,
    /// Prices of a GPU (renders) and a CPU (vision, training) worker, micro-USD per hour
    /// (`GPU_PRICE_PER_HOUR_USD`, `CPU_PRICE_PER_HOUR_USD`).
    pub gpu_micro_usd_per_hour: u64,
    pub cpu_micro_usd_per_hour: u64,
}

impl Default for SpendLimits {
    fn default() -> Self {
        Self {
            budgets: Budgets::default(),
            jobs_running_per_user: 3,
            renders_per_user_per_day: 40,
            // 1920x1080 at 256 samples from 4 cameras is ~2,100.
            render_max_megasamples: 4_000,
            // What a GPU finishes within a job's longest attempt (4 h at 3x the estimate):
            // 4K at 2048 samples from one camera is ~17,000.
            render_max_megasamples_admin: 20_000,
            // A g5.xlarge (A10G) and a c7g.large, on demand in us-east-1.
            gpu_micro_usd_per_hour: 1_006_000,
            cpu_micro_usd_per_hour: 72_500,
        }
    }
}

impl SpendLimits {
    pub fn from_lookup(
        get: &impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, crate::config::ConfigError> {
        use crate::config::ConfigError::Invalid;
        let defaults = Self::default();
        let number = |name: &'static str, default: u64| -> Result<u64, _> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| Invalid(name, format!("{v:?} is not a whole number"))),
            }
        };
        let usd = |name: &'static str, default: u64| -> Result<u64, _> {
            match get(name) {
                None => Ok(default),
                Some(v) => parse_usd(name, &v).map_err(|e| Invalid(name, e)),
            }
        };
        let count = |name: &'static str, default: u32| -> Result<u32, _> {
            number(name, default.into())?
                .try_into()
                .map_err(|_| Invalid(name, "too large".into()))
        };
        Ok(Self {
            budgets: Budgets::from_lookup(|name| match name {
                "MONTHLY_BUDGET_USD" => get("MONTHLY_BUDGET_USD"),
                "PROJECT_MONTHLY_BUDGET_USD" => get("PROJECT_MONTHLY_BUDGET_USD"),
                _ => None,
            })
            .map_err(|e| Invalid("MONTHLY_BUDGET_USD", e))?,
            jobs_running_per_user: count("JOBS_RUNNING_PER_USER", defaults.jobs_running_per_user)?,
            renders_per_user_per_day: count(
                "RENDERS_PER_USER_PER_DAY",
                defaults.renders_per_user_per_day,
            )?,
            render_max_megasamples: number(
                "RENDER_MAX_MEGASAMPLES",
                defaults.render_max_megasamples,
            )?,
            render_max_megasamples_admin: number(
                "RENDER_MAX_MEGASAMPLES_ADMIN",
                defaults.render_max_megasamples_admin,
            )?,
            gpu_micro_usd_per_hour: usd("GPU_PRICE_PER_HOUR_USD", defaults.gpu_micro_usd_per_hour)?,
            cpu_micro_usd_per_hour: usd("CPU_PRICE_PER_HOUR_USD", defaults.cpu_micro_usd_per_hour)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_read_dollars_as_micro_usd() {
        let b = Budgets::from_lookup(|k| match k {
            "MONTHLY_BUDGET_USD" => Some("12.5".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(b.org_micro_usd, Some(12_500_000));
        assert_eq!(b.project_micro_usd, None);
        assert!(Budgets::from_lookup(|_| Some("lots".into())).is_err());
        assert!(Budgets::from_lookup(|_| Some("-3".into())).is_err());
    }
}
