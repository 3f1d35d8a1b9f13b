//! Immutable versions of a project: a numbered snapshot with its author, time and note.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use roomwright_core::{
    ApiError,
    dynamo::{Keys, PageRequest, SortKey, Table},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{model::Project, store::project_pk};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Version {
    pub number: u32,
    pub author_id: String,
    pub created_at: String,
    pub note: String,
    /// The project as it was; membership and lifecycle fields are not part of a version.
    pub snapshot: Snapshot,
}

/// The designed content of a project: what a version keeps and a restore brings back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Snapshot {
    pub name: String,
    pub description: String,
    pub client: String,
    pub site_address: String,
    pub requirements: crate::model::Requirements,
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_plan: Option<crate::floorplan::FloorPlan>,
    pub scenarios: Vec<crate::scenarios::Scenario>,
}

impl Snapshot {
    pub fn of(project: &Project) -> Self {
        Self {
            name: project.name.clone(),
            description: project.description.clone(),
            client: project.client.clone(),
            site_address: project.site_address.clone(),
            requirements: project.requirements.clone(),
            tags: project.tags.clone(),
            floor_plan: project.floor_plan.clone(),
            scenarios: project.scenarios.clone(),
        }
    }

    pub fn apply_to(self, project: &mut Project) {
        project.name = self.name;
        project.description = self.description;
        project.client = self.client;
        project.site_address = self.site_address;
        project.requirements = self.requirements;
        project.tags = self.tags;
        project.floor_plan = self.floor_plan;
        project.scenarios = self.scenarios;
    }
}

/// The project's next version, of its content now: `project.latest_version` moves to it. The
/// caller writes both in one transaction ([`create_item`] with the project).
pub async fn record(
    table: &Table,
    author_id: &str,
    project: &mut Project,
    note: String,
) -> Result<Version, ApiError> {
    // Counting from the stored versions too repairs a project left behind by a lost race.
    let stored = highest(table, &project.id).await?;
    let version = Version {
        number: project.latest_version.max(stored) + 1,
        author_id: author_id.to_string(),
        created_at: roomwright_core::time::rfc3339(roomwright_core::time::now()),
        note,
        snapshot: Snapshot::of(project),
    };
    project.latest_version = version.number;
    Ok(version)
}

fn version_sk(number: u32) -> String {
    format!("VERSION#{number:08}")
}

/// The write that stores a version, for the transaction that also moves the project's
/// `latest_version`: its number is unique (a second writer of the same number fails).
pub fn create_item(
    table: &Table,
    project_id: &str,
    version: &Version,
) -> Result<TransactWriteItem, ApiError> {
    let keys = Keys::new(project_pk(project_id), version_sk(version.number));
    let put = Put::builder()
        .table_name(table.name())
        .set_item(Some(Table::item(&keys, version, 1)?))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The highest version number stored for the project (0 when none). Saves count from it, so a
/// project whose `latest_version` fell behind its versions (an older non-atomic save that lost a
/// race) is repaired by its next save instead of refusing every save after.
pub async fn highest(table: &Table, project_id: &str) -> Result<u32, ApiError> {
    #[derive(Deserialize)]
    struct Number {
        number: u32,
    }
    let newest = table
        .query::<Number>(
            None,
            &project_pk(project_id),
            SortKey::Prefix("VERSION#"),
            &PageRequest {
                limit: 1,
                cursor: None,
            },
            true,
        )
        .await?;
    Ok(newest.items.first().map_or(0, |v| v.value.number))
}

pub async fn get(
    table: &Table,
    project_id: &str,
    number: u32,
) -> Result<Option<Version>, ApiError> {
    Ok(table
        .get::<Version>(&project_pk(project_id), &version_sk(number))
        .await?
        .map(|v| v.value))
}

pub async fn list(
    table: &Table,
    project_id: &str,
    page: &PageRequest,
) -> Result<(Vec<Version>, Option<String>), ApiError> {
    Ok(crate::store::newest(table, project_id, "VERSION#", page).await?)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SelectionChange {
    pub scenario_id: String,
    pub selection_id: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Diff {
    pub from: u32,
    pub to: u32,
    /// JSON pointers of the fields that differ, selections aside (`/requirements/headcount`).
    pub fields: Vec<String>,
    pub selections: Vec<SelectionChange>,
}

fn field_changes(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let null = Value::Null;
                field_changes(
                    &format!("{path}/{key}"),
                    x.get(key).unwrap_or(&null),
                    y.get(key).unwrap_or(&null),
                    out,
                );
            }
        }
        _ if a != b => out.push(path.to_string()),
        _ => {}
    }
}

/// What changed from `a` to `b`: fields by path, selections by id within each scenario.
pub fn diff(a: &Version, b: &Version) -> Diff {
    let mut fields = Vec::new();
    let without_scenarios = |s: &Snapshot| {
        let mut value = serde_json::to_value(s).unwrap_or_default();
        value.as_object_mut().map(|o| o.remove("scenarios"));
        value
    };
    let (x, y) = (
        without_scenarios(&a.snapshot),
        without_scenarios(&b.snapshot),
    );
    field_changes("", &x, &y, &mut fields);
    let mut selections = Vec::new();
    let mut scenario_ids: Vec<&str> = a
        .snapshot
        .scenarios
        .iter()
        .chain(&b.snapshot.scenarios)
        .map(|s| s.id.as_str())
        .collect();
    scenario_ids.sort();
    scenario_ids.dedup();
    for sid in scenario_ids {
        let find = |snap: &Snapshot| {
            snap.scenarios
                .iter()
                .find(|s| s.id == sid)
                .map(|s| s.selections.clone())
                .unwrap_or_default()
        };
        let (before, after) = (find(&a.snapshot), find(&b.snapshot));
        for s in &before {
            match after.iter().find(|t| t.id == s.id) {
                None => selections.push(SelectionChange {
                    scenario_id: sid.into(),
                    selection_id: s.id.clone(),
                    change: "removed".into(),
                }),
                Some(t) if t != s => selections.push(SelectionChange {
                    scenario_id: sid.into(),
                    selection_id: s.id.clone(),
                    change: "changed".into(),
                }),
                Some(_) => {}
            }
        }
        for t in after
            .iter()
            .filter(|t| !before.iter().any(|s| s.id == t.id))
        {
            selections.push(SelectionChange {
                scenario_id: sid.into(),
                selection_id: t.id.clone(),
                change: "added".into(),
            });
        }
        let terms = |snap: &Snapshot| {
            snap.scenarios
                .iter()
                .find(|s| s.id == sid)
                .map(|s| (s.name.clone(), s.terms.clone()))
        };
        if terms(&a.snapshot) != terms(&b.snapshot) {
            fields.push(format!("/scenarios/{sid}"));
        }
    }
    Diff {
        from: a.number,
        to: b.number,
        fields,
        selections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{Scenario, Selection, Terms};

    fn version(number: u32, name: &str, selections: Vec<(&str, u32)>) -> Version {
        Version {
            number,
            author_id: "usr_x".into(),
            created_at: "2026-11-22T00:00:00Z".into(),
            note: String::new(),
            snapshot: Snapshot {
                name: name.into(),
                description: String::new(),
                client: String::new(),
                site_address: String::new(),
                requirements: Default::default(),
                tags: vec![],
                floor_plan: None,
                scenarios: vec![Scenario {
                    id: "good".into(),
                    name: "Good".into(),
                    selections: selections
                        .into_iter()
                        .map(|(id, quantity)| Selection {
                            id: id.into(),
                            product_id: "desk".into(),
                            quantity,
                            finish: None,
                            placement: None,
                        })
                        .collect(),
                    terms: Terms::default(),
                }],
            },
        }
    }

    #[test]
    fn diff_names_changed_fields_and_each_selection_change() {
        let a = version(
            1,
            "Before",
            vec![("kept", 1), ("changed", 2), ("removed", 1)],
        );
        let b = version(2, "After", vec![("kept", 1), ("changed", 5), ("added", 3)]);
        let diff = diff(&a, &b);
        assert_eq!(diff.fields, vec!["/name".to_string()]);
        let changes: Vec<(&str, &str)> = diff
            .selections
            .iter()
            .map(|c| (c.selection_id.as_str(), c.change.as_str()))
            .collect();
        assert_eq!(
            changes,
            [
                ("changed", "changed"),
                ("removed", "removed"),
                ("added", "added")
            ]
        );
    }
}
