//! What a project may hold and how it is created and changed: the rules every writer of a
//! project applies, whether a route or the assistant.

use roomwright_core::{ApiError, money::is_currency_code, problem::FieldErrors, time};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::model::{Member, MemberRole, Project, Requirements, Status};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub client: String,
    #[serde(default)]
    pub site_address: String,
    #[serde(default, deserialize_with = "roomwright_core::http::object::required")]
    pub requirements: Requirements,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The fields a change may set; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub client: Option<String>,
    pub site_address: Option<String>,
    #[serde(default, deserialize_with = "roomwright_core::http::object::optional")]
    pub requirements: Option<Requirements>,
    pub tags: Option<Vec<String>>,
}

/// Adds what is wrong with `change` to `errors`: every writer of a project (the routes, the
/// assistant's tools) checks the same rules.
pub fn check(errors: &mut FieldErrors, change: &ProjectChange) {
    if let Some(name) = &change.name
        && (name.trim().is_empty() || name.chars().count() > 200)
    {
        errors.add(
            "name",
            "invalid",
            "Name the project in 1 to 200 characters.",
        );
    }
    for (field, value, max) in [
        ("description", &change.description, 5000),
        ("client", &change.client, 200),
        ("site_address", &change.site_address, 500),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.add(field, "too_long", format!("At most {max} characters."));
        }
    }
    if let Some(tags) = &change.tags
        && (tags.len() > 30
            || tags
                .iter()
                .any(|t| t.trim().is_empty() || t.chars().count() > 50))
    {
        errors.add("tags", "invalid", "Up to 50 tags of 1 to 50 characters.");
    }
    if let Some(r) = &change.requirements {
        check_requirements(errors, r);
    }
}

/// What requirements may hold: a currency code, headcount 1 to 100,000, bounded lists, a
/// positive budget.
pub fn check_requirements(errors: &mut FieldErrors, r: &Requirements) {
    {
        if !is_currency_code(&r.currency) {
            errors.add(
                "requirements.currency",
                "invalid",
                "Use an ISO 4217 code such as EUR.",
            );
        }
        if r.headcount.is_some_and(|h| h == 0 || h > 100_000) {
            errors.add(
                "requirements.headcount",
                "out_of_range",
                "Headcount is 1 to 100,000.",
            );
        }
        for (field, list) in [
            ("requirements.work_styles", &r.work_styles),
            ("requirements.style_preferences", &r.style_preferences),
        ] {
            if list.len() > 20 || list.iter().any(|w| w.chars().count() > 50) {
                errors.add(field, "invalid", "Up to 20 words of at most 50 characters.");
            }
        }
        if r.rooms_needed.len() > 50 || r.rooms_needed.iter().any(|n| n.kind.chars().count() > 50) {
            errors.add(
                "requirements.rooms_needed",
                "invalid",
                "Up to 50 kinds of room, each named in at most 50 characters.",
            );
        }
        if r.budget_ceiling_minor.is_some_and(|b| b <= 0) {
            errors.add(
                "requirements.budget_ceiling_minor",
                "out_of_range",
                "The budget is a positive amount in minor units.",
            );
        }
    }
}

/// Sets the fields `change` names.
pub fn apply(project: &mut Project, change: ProjectChange) {
    if let Some(v) = change.name {
        project.name = v.trim().to_string();
    }
    if let Some(v) = change.description {
        project.description = v;
    }
    if let Some(v) = change.client {
        project.client = v;
    }
    if let Some(v) = change.site_address {
        project.site_address = v;
    }
    if let Some(v) = change.requirements {
        project.requirements = v;
    }
    if let Some(v) = change.tags {
        project.tags = v;
    }
}

/// A new project owned by `owner_id`, checked; its first write is the caller's.
pub fn create(owner_id: &str, owner_email: &str, new: NewProject) -> Result<Project, ApiError> {
    let change = ProjectChange {
        name: Some(new.name),
        description: Some(new.description),
        client: Some(new.client),
        site_address: Some(new.site_address),
        requirements: Some(new.requirements),
        tags: Some(new.tags),
    };
    let mut errors = FieldErrors::new();
    check(&mut errors, &change);
    errors.finish()?;
    let now = time::sortable(time::now());
    let mut project = Project {
        id: format!("prj_{}", uuid::Uuid::now_v7().simple()),
        name: String::new(),
        description: String::new(),
        client: String::new(),
        site_address: String::new(),
        status: Status::Draft,
        requirements: Requirements::default(),
        tags: Vec::new(),
        floor_plan: None,
        scenarios: Vec::new(),
        owner_id: owner_id.to_string(),
        members: vec![Member {
            user_id: owner_id.to_string(),
            email: owner_email.to_string(),
            role: MemberRole::Owner,
        }],
        created_at: now.clone(),
        updated_at: now,
        deleted_at: None,
        latest_version: 0,
        updated_by: Some(owner_id.to_string()),
        updated_via: None,
    };
    apply(&mut project, change);
    Ok(project)
}
