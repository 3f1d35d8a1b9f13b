//! The training job: interaction events from S3 (the last `RECS_HISTORY_DAYS`, decayed by
//! age), the catalog from the table, a model trained and evaluated, its file and metrics in
//! S3, its record in the registry, and the served pointer moved to it when it passes the
//! promotion gate. A retried attempt writes the same version again.

use std::{sync::Arc, time::Instant};

use futures::{StreamExt, TryStreamExt, stream};
use roomwright_core::{
    aws::Aws,
    catalog::{PRODUCTS_PARTITION, Product},
    dynamo::{SortKey, StoreError, Table},
    s3, time,
};
use roomwright_jobs::{
    JobFailure, JobOutput, store,
    worker::{self, Failure},
};
use roomwright_recs::{
    catalog::{CatalogItem, ItemInfo},
    events::{EVENTS_PREFIX, StoredEvent, day_prefix, decayed_weight},
    interactions::{Builder, Interactions},
    model::{self, Model, Promotion, TrainConfig},
    registry::{self, ModelRecord},
};
use serde_json::json;

/// Exit code of a job that cannot succeed (`evaluateOnExit` does not retry it).
pub const INPUT_ERROR_EXIT: i32 = worker::Exit::Refused as i32;
/// Event files read at once.
const PARALLEL_READS: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Nothing to train on, or a bad request; retrying will not help.
    #[error("{0}")]
    Input(String),
    /// Storage trouble; Batch retries.
    #[error("{0}")]
    Transient(String),
}

fn transient(context: &str) -> impl Fn(String) -> TrainError + '_ {
    move |e| TrainError::Transient(format!("{context}: {e}"))
}

/// The job's knobs, from the environment the job definition sets.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: TrainConfig,
    pub history_days: i64,
    pub half_life_days: f64,
    /// How far (a share) a new model's nDCG@10 may trail the served one's and still be served.
    pub promotion_margin: f64,
}

impl Settings {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        fn get<T: std::str::FromStr>(
            lookup: &impl Fn(&str) -> Option<String>,
            name: &str,
            default: T,
        ) -> Result<T, String> {
            match lookup(name).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| format!("{name}={v} is not valid")),
            }
        }
        let mut config = TrainConfig::default();
        config.als.factors = get(&lookup, "RECS_FACTORS", config.als.factors)?;
        config.als.iterations = get(&lookup, "RECS_ITERATIONS", config.als.iterations)?;
        config.als.regularization = get(&lookup, "RECS_REGULARIZATION", config.als.regularization)?;
        config.als.alpha = get(&lookup, "RECS_ALPHA", config.als.alpha)?;
        config.segments = get(&lookup, "RECS_SEGMENTS", config.segments)?;
        Ok(Self {
            config,
            history_days: get(&lookup, "RECS_HISTORY_DAYS", 365)?,
            half_life_days: get(&lookup, "RECS_HALF_LIFE_DAYS", 90.0)?,
            promotion_margin: get(&lookup, "RECS_PROMOTION_MARGIN", 0.05)?,
        })
    }
}

pub struct Trainer {
    pub aws: Arc<Aws>,
    pub table: Table,
    pub bucket: String,
    pub settings: Settings,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub record: ModelRecord,
    pub served: bool,
}

/// The job entry point of the binary: returns the exit code.
pub fn main(job: Option<String>) -> i32 {
    worker::run("recommend-train", job, |setup| async move {
        let settings = Settings::from_lookup(|n| std::env::var(n).ok())
            .map_err(|e| Failure::refused(format!("bad training settings: {e}")))?;
        let trainer = Trainer {
            table: setup.table,
            aws: setup.aws,
            bucket: setup.bucket,
            settings,
        };
        let outcome = trainer.run(&setup.job_id).await.map_err(|e| match e {
            TrainError::Input(_) => Failure::refused(e),
            TrainError::Transient(_) => Failure::retry(e),
        })?;
        tracing::info!(
            job_id = setup.job_id,
            version = outcome.record.model_version,
            served = outcome.served,
            ndcg = outcome.record.metrics.ndcg,
            "training done"
        );
        Ok(())
    })
}

impl Trainer {
    pub async fn run(&self, job_id: &str) -> Result<Outcome, TrainError> {
        let result = self.train_job(job_id).await;
        if let Err(TrainError::Input(message)) = &result {
            let failure = JobFailure {
                code: "invalid_input".into(),
                message: message.clone(),
            };
            let _ = store::record_failure(&self.table, job_id, &failure).await;
        }
        result
    }

    async fn progress(&self, job_id: &str, percent: u8, stage: &str) {
        if let Err(e) = store::report_progress(&self.table, job_id, percent, stage).await {
            tracing::warn!(error = ?e, "progress report failed");
        }
    }

    async fn train_job(&self, job_id: &str) -> Result<Outcome, TrainError> {
        let job = store::get(&self.table, job_id)
            .await
            .map_err(|e| TrainError::Transient(format!("reading job {job_id}: {e:?}")))?
            .ok_or_else(|| TrainError::Input(format!("no job {job_id}")))?
            .value;
        self.progress(job_id, 5, "reading events").await;
        let started = Instant::now();
        let now = time::now();
        let (catalog, events) = tokio::try_join!(self.catalog(), self.events(now))?;
        let interactions = interactions(&catalog, &events, now, self.settings.half_life_days);
        if interactions.matrix.nnz() == 0 {
            return Err(TrainError::Input(format!(
                "no interaction events in the last {} days to train on",
                self.settings.history_days
            )));
        }
        tracing::info!(
            events = events.len(),
            users = interactions.users.len(),
            cells = interactions.matrix.nnz(),
            read_s = started.elapsed().as_secs_f64(),
            "events read"
        );
        self.progress(job_id, 20, "training").await;
        let version = version_of(&job.created_at, job_id);
        let config = self.settings.config.clone();
        let created = time::rfc3339(now);
        let (name, at) = (version.clone(), created.clone());
        let model = tokio::task::spawn_blocking(move || {
            model::train(interactions, &catalog, &config, &name, &at)
        })
        .await
        .map_err(|e| TrainError::Transient(format!("training panicked: {e}")))?;
        self.progress(job_id, 85, "storing the model").await;
        let outcome = self.store(&model, job_id).await?;
        let metrics_key = format!("{}metrics.json", registry::model_prefix(&version));
        let output = JobOutput {
            name: "metrics".into(),
            key: metrics_key,
            content_type: "application/json".into(),
            bytes: 0,
            width: None,
            height: None,
        };
        store::record_outputs(&self.table, job_id, &[output])
            .await
            .map_err(|e| TrainError::Transient(format!("recording outputs: {e:?}")))?;
        Ok(outcome)
    }

    async fn catalog(&self) -> Result<Vec<CatalogItem>, TrainError> {
        let products = self
            .table
            .query_all::<Product>(Some("gsi1"), PRODUCTS_PARTITION, SortKey::Any)
            .await
            .map_err(|e| TrainError::Transient(format!("reading the catalog: {e:?}")))?;
        Ok(products
            .into_iter()
            .map(|p| catalog_item(p.value))
            .collect())
    }

    /// Every event of the last `history_days` days.
    async fn events(&self, now: ::time::OffsetDateTime) -> Result<Vec<StoredEvent>, TrainError> {
        let cutoff = now - ::time::Duration::days(self.settings.history_days);
        let first_day = format!(
            "{:04}-{:02}-{:02}",
            cutoff.year(),
            u8::from(cutoff.month()),
            cutoff.day()
        );
        let s3 = self.aws.s3().await;
        let mut keys = Vec::new();
        let mut pages = s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(EVENTS_PREFIX)
            .start_after(day_prefix(&first_day))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                TrainError::Transient(format!(
                    "listing events: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                ))
            })?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        let batches: Vec<Vec<StoredEvent>> = stream::iter(keys)
            .map(|key| async move {
                let bytes = s3::get_bytes(&self.aws, &self.bucket, &key)
                    .await
                    .map_err(transient("reading events"))?
                    .unwrap_or_default();
                Ok::<_, TrainError>(parse_batch(&key, &bytes))
            })
            // In listing order: the same events in the same order give the same ids, the same
            // hold-out split and so the same model (a retried job, a rerun, a test).
            .buffered(PARALLEL_READS)
            .try_collect()
            .await?;
        Ok(batches.into_iter().flatten().collect())
    }

    /// Writes the model's files and record, and serves it if it passes the gate.
    async fn store(&self, model: &Model, job_id: &str) -> Result<Outcome, TrainError> {
        let version = &model.version;
        let bytes = model.to_bytes();
        let key = registry::model_key(version);
        let size = bytes.len() as u64;
        s3::put_bytes(
            &self.aws,
            &self.bucket,
            &key,
            "application/octet-stream",
            bytes,
        )
        .await
        .map_err(transient("writing the model"))?;
        let e = &model.evaluation;
        let metrics =
            json!({"version": version, "evaluation": e, "segments": model.segments.len()});
        s3::put_bytes(
            &self.aws,
            &self.bucket,
            &format!("{}metrics.json", registry::model_prefix(version)),
            "application/json",
            serde_json::to_vec_pretty(&metrics).expect("json"),
        )
        .await
        .map_err(transient("writing the metrics"))?;
        let store_error = |e: StoreError| TrainError::Transient(format!("registry: {e}"));
        // A concurrent rollback can move the pointer between reading and writing it; the
        // gate is then decided again against what is served now.
        for _ in 0..3 {
            let seen = registry::served(&self.table).await.map_err(store_error)?;
            let current = match &seen {
                Some(s) => registry::get(&self.table, &s.value.current)
                    .await
                    .map_err(store_error)?
                    .map(|r| r.metrics),
                None => None,
            };
            let promotion = if seen.as_ref().is_some_and(|s| &s.value.current == version) {
                Promotion::PROMOTE
            } else {
                model::promotion(&e.model, current.as_ref(), self.settings.promotion_margin)
            };
            let record = ModelRecord {
                model_version: version.clone(),
                created_at: model.created_at.clone(),
                key: key.clone(),
                bytes: size,
                users: e.users,
                items: e.items,
                train_nnz: e.train_nnz,
                metrics: e.model,
                baseline: e.popularity,
                fit_s: e.fit_s,
                promotion: promotion.clone(),
                job_id: Some(job_id.to_string()),
            };
            registry::register(&self.table, &record)
                .await
                .map_err(store_error)?;
            if !promotion.promotes() {
                tracing::warn!(version, ?promotion, "model stored but not served");
                return Ok(Outcome {
                    record,
                    served: false,
                });
            }
            if seen.as_ref().is_some_and(|s| &s.value.current == version) {
                return Ok(Outcome {
                    record,
                    served: true,
                });
            }
            let now = time::rfc3339(time::now());
            match registry::serve(&self.table, version, seen.as_ref(), &now, "training").await {
                Ok(_) => {
                    return Ok(Outcome {
                        record,
                        served: true,
                    });
                }
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(store_error(e)),
            }
        }
        Err(TrainError::Transient(
            "the served model kept changing while this one was registered".into(),
        ))
    }
}

/// A version name that sorts by time and is the same for every attempt of one job.
pub fn version_of(job_created_at: &str, job_id: &str) -> String {
    let stamp: String = job_created_at
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    let short: String = job_id.trim_start_matches("job_").chars().take(8).collect();
    format!("{stamp}-{short}")
}

fn catalog_item(p: Product) -> CatalogItem {
    let text = [
        p.name.as_str(),
        &p.category.join(" "),
        &p.brand,
        &p.materials.join(" "),
        &p.finishes.join(" "),
        &p.description,
    ]
    .join(". ");
    CatalogItem {
        info: ItemInfo {
            id: p.id,
            name: p.name,
            category: p.category,
        },
        text,
    }
}

/// One stored batch; lines that do not parse are skipped (and logged), not fatal.
fn parse_batch(key: &str, bytes: &[u8]) -> Vec<StoredEvent> {
    let text = String::from_utf8_lossy(bytes);
    let mut events = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str(line) {
            Ok(event) => events.push(event),
            Err(e) => tracing::warn!(key, line = n + 1, error = %e, "skipping an unreadable event"),
        }
    }
    events
}

/// The interaction matrix: catalog items first (so items without events are known to the
/// content model), then every event's decayed weight summed per user and item.
pub fn interactions(
    catalog: &[CatalogItem],
    events: &[StoredEvent],
    now: ::time::OffsetDateTime,
    half_life_days: f64,
) -> Interactions {
    let mut builder = Builder::default();
    for item in catalog {
        builder.item_index(&item.info.id);
    }
    for event in events {
        let age_days =
            time::parse_rfc3339(&event.at).map_or(0.0, |at| (now - at).as_seconds_f64() / 86_400.0);
        builder.add(
            &event.user_id,
            &event.product_id,
            decayed_weight(event, age_days, half_life_days),
        );
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_by_time_and_repeat_for_a_retried_job() {
        let v = version_of("2026-12-01T21:04:05.123Z", "job_abcdef123456");
        assert_eq!(v, "20261201T210405-abcdef12");
        assert_eq!(
            v,
            version_of("2026-12-01T21:04:05.123Z", "job_abcdef123456")
        );
    }

    #[test]
    fn settings_come_from_the_environment_and_refuse_nonsense() {
        let s = Settings::from_lookup(|n| (n == "RECS_FACTORS").then(|| "32".to_string())).unwrap();
        assert_eq!(s.config.als.factors, 32);
        assert_eq!(s.promotion_margin, 0.05);
        assert!(Settings::from_lookup(|n| (n == "RECS_ALPHA").then(|| "x".to_string())).is_err());
    }
}
