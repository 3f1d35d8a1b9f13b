//! The model registry in the table: one record per trained version (where its file is, how
//! it measured, whether it was promoted) and a pointer to the version served now and the one
//! before it, changed only by conditional writes so a promotion and a rollback cannot both win.
//!
//! | item | pk | sk | gsi1 |
//! | --- | --- | --- | --- |
//! | model version | `RECMODEL#<version>` | `MODEL` | `RECMODELS` / `<created>#<version>` |
//! | served pointer | `RECMODEL` | `CURRENT` | |

use roomwright_core::{
    ApiError,
    dynamo::{Keys, Page, PageRequest, SortKey, StoreError, Table, Versioned, index},
};
use serde::{Deserialize, Serialize};

use crate::{eval::Metrics, model::Promotion};

const MODELS: &str = "RECMODELS";

/// Where a version's files live.
pub fn model_prefix(version: &str) -> String {
    format!("recs/models/{version}/")
}

pub fn model_key(version: &str) -> String {
    format!("{}model.bin", model_prefix(version))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// Named so: `version` is the table's optimistic-concurrency attribute.
    pub model_version: String,
    pub created_at: String,
    /// The model file in the assets bucket.
    pub key: String,
    pub bytes: u64,
    pub users: usize,
    pub items: usize,
    pub train_nnz: usize,
    pub metrics: Metrics,
    /// The popularity ranking on the same split.
    pub baseline: Metrics,
    pub fit_s: f64,
    pub promotion: Promotion,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

/// Which version is served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Served {
    pub current: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    pub changed_at: String,
    /// `training` or the admin who rolled back.
    pub changed_by: String,
}

fn record_keys(record: &ModelRecord) -> Keys {
    Keys::new(format!("RECMODEL#{}", record.model_version), "MODEL").gsi1(
        MODELS,
        format!("{}#{}", record.created_at, record.model_version),
    )
}

/// Stores a version's record; storing the same version again (a retried job) replaces it.
pub async fn register(table: &Table, record: &ModelRecord) -> Result<(), StoreError> {
    let keys = record_keys(record);
    match table.get::<ModelRecord>(&keys.pk, &keys.sk).await? {
        Some(old) => table.replace(&keys, record, old.version).await.map(|_| ()),
        None => table.create(&keys, record).await.map(|_| ()),
    }
}

pub async fn get(table: &Table, version: &str) -> Result<Option<ModelRecord>, StoreError> {
    Ok(table
        .get::<ModelRecord>(&format!("RECMODEL#{version}"), "MODEL")
        .await?
        .map(|v| v.value))
}

/// Versions, newest first.
pub async fn list(table: &Table, page: &PageRequest) -> Result<Page<ModelRecord>, ApiError> {
    let found = table
        .query::<ModelRecord>(Some(index::GSI1), MODELS, SortKey::Any, page, true)
        .await?;
    Ok(Page {
        items: found.items.into_iter().map(|v| v.value).collect(),
        next_cursor: found.next_cursor,
    })
}

const SERVED_PK: &str = "RECMODEL";
const SERVED_SK: &str = "CURRENT";

pub async fn served(table: &Table) -> Result<Option<Versioned<Served>>, StoreError> {
    table.get(SERVED_PK, SERVED_SK).await
}

/// Serves `version`, keeping the one it replaces as `previous`. Fails with
/// [`StoreError::ConditionFailed`] when the pointer moved since `seen` was read.
pub async fn serve(
    table: &Table,
    version: &str,
    seen: Option<&Versioned<Served>>,
    changed_at: &str,
    changed_by: &str,
) -> Result<Served, StoreError> {
    let served = Served {
        current: version.to_string(),
        previous: seen
            .map(|s| s.value.current.clone())
            .filter(|c| c != version),
        changed_at: changed_at.to_string(),
        changed_by: changed_by.to_string(),
    };
    let keys = Keys::new(SERVED_PK, SERVED_SK);
    match seen {
        Some(seen) => table.replace(&keys, &served, seen.version).await?,
        None => table.create(&keys, &served).await?,
    };
    Ok(served)
}

/// Serves the previous version again (the current one becomes `previous`, so a rollback can
/// itself be undone). `None` when there is nothing to roll back to.
pub async fn rollback(
    table: &Table,
    changed_at: &str,
    changed_by: &str,
) -> Result<Option<Served>, StoreError> {
    let Some(seen) = served(table).await? else {
        return Ok(None);
    };
    let Some(previous) = seen.value.previous.clone() else {
        return Ok(None);
    };
    serve(table, &previous, Some(&seen), changed_at, changed_by)
        .await
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_the_table_encoding() {
        let record = ModelRecord {
            model_version: "v".into(),
            created_at: "2026".into(),
            key: "k".into(),
            bytes: 1,
            users: 2,
            items: 3,
            train_nnz: 4,
            metrics: Metrics::default(),
            baseline: Metrics::default(),
            fit_s: 0.5,
            promotion: Promotion::PROMOTE,
            job_id: None,
        };
        let item = Table::item(&record_keys(&record), &record, 1).unwrap();
        let back = roomwright_core::dynamo::decode::<ModelRecord>(item).unwrap();
        assert_eq!(back.value, record);
    }
}
