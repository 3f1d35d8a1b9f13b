//! The local stack's data kept across restarts: every item of its tables and every object of
//! its buckets, written to a directory when `make dev` stops and put back when it starts.
//!
//! Through the SDK, as everything else: tables as DynamoDB JSON lines (`tables/<LogicalId>.jsonl`,
//! the shape `aws dynamodb scan` prints), objects as files (`buckets/<LogicalId>/<key>`) with an
//! index of their content types. A snapshot is written beside the old one and renamed over it,
//! so a stop cut short leaves the previous snapshot whole. Queued messages are not kept: a job
//! still queued or running at the stop does not resume.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
};

use aws_sdk_dynamodb::{
    primitives::Blob,
    types::{AttributeValue, PutRequest, WriteRequest},
};
use base64::Engine as _;
use roomwright_core::aws::Aws;
use serde_json::{Map, Value, json};
use thiserror::Error;

use crate::provision::{Physical, Provisioned};

#[derive(Debug, Error)]
pub enum SnapshotError {
    #[error("snapshot file {0}: {1}")]
    File(PathBuf, std::io::Error),
    #[error("snapshot of {0} is not valid: {1}")]
    Invalid(String, String),
    #[error("local AWS: {0}")]
    Aws(String),
}

fn aws_err(e: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Aws(e.to_string())
}

/// What a snapshot held or took.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub items: usize,
    pub objects: usize,
    pub bytes: u64,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} items and {} files ({:.1} MiB)",
            self.items,
            self.objects,
            self.bytes as f64 / 1048576.0
        )
    }
}

const CONTENT_TYPES: &str = "content-types.json";

/// Writes every table's items and every bucket's objects of `stack` under `dir`.
pub async fn save(aws: &Aws, stack: &Provisioned, dir: &Path) -> Result<Counts, SnapshotError> {
    let fresh = dir.with_extension("saving");
    remove_dir(&fresh)?;
    let mut counts = Counts::default();
    for (id, physical) in sorted(stack) {
        match physical {
            Physical::Table { name, .. } => {
                let mut lines = String::new();
                let mut pages = aws
                    .dynamodb()
                    .await
                    .scan()
                    .table_name(name)
                    .into_paginator()
                    .items()
                    .send();
                while let Some(item) = pages.next().await {
                    let item = item.map_err(aws_err)?;
                    let json =
                        Value::Object(item.iter().map(|(k, v)| (k.clone(), to_json(v))).collect());
                    lines.push_str(&json.to_string());
                    lines.push('\n');
                    counts.items += 1;
                }
                write(&fresh.join("tables").join(format!("{id}.jsonl")), lines)?;
            }
            Physical::Bucket { name } => {
                let s3 = aws.s3().await;
                let root = fresh.join("buckets").join(id);
                let mut types = BTreeMap::new();
                let mut pages = s3.list_objects_v2().bucket(name).into_paginator().send();
                while let Some(page) = pages.next().await {
                    for object in page.map_err(aws_err)?.contents() {
                        let Some(key) = object.key() else { continue };
                        let got = s3
                            .get_object()
                            .bucket(name)
                            .key(key)
                            .send()
                            .await
                            .map_err(aws_err)?;
                        if let Some(t) = got.content_type() {
                            types.insert(key.to_string(), t.to_string());
                        }
                        let bytes = got.body.collect().await.map_err(aws_err)?.into_bytes();
                        counts.objects += 1;
                        counts.bytes += bytes.len() as u64;
                        write(&object_path(&root, key)?, bytes)?;
                    }
                }
                let types = serde_json::to_string(&types).map_err(|e| invalid(id, e))?;
                write(&root.join(CONTENT_TYPES), types)?;
            }
            _ => {}
        }
    }
    remove_dir(dir)?;
    std::fs::rename(&fresh, dir).map_err(|e| SnapshotError::File(dir.to_path_buf(), e))?;
    Ok(counts)
}

/// Puts back what [`save`] wrote under `dir` into `stack`'s tables and buckets (created
/// empty). A table or bucket the snapshot does not have stays empty; one it has that the
/// stack no longer declares is skipped.
pub async fn load(aws: &Aws, stack: &Provisioned, dir: &Path) -> Result<Counts, SnapshotError> {
    let mut counts = Counts::default();
    for (id, physical) in sorted(stack) {
        match physical {
            Physical::Table { name, .. } => {
                let path = dir.join("tables").join(format!("{id}.jsonl"));
                let Some(text) = read(&path)? else { continue };
                let mut batch = Vec::new();
                for line in String::from_utf8_lossy(&text).lines() {
                    let item: Map<String, Value> =
                        serde_json::from_str(line).map_err(|e| invalid(id, e))?;
                    let item = item
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), from_json(v).map_err(|e| invalid(id, e))?)))
                        .collect::<Result<HashMap<_, _>, SnapshotError>>()?;
                    let put = PutRequest::builder()
                        .set_item(Some(item))
                        .build()
                        .map_err(aws_err)?;
                    batch.push(WriteRequest::builder().put_request(put).build());
                    counts.items += 1;
                    if batch.len() == 25 {
                        write_batch(aws, name, std::mem::take(&mut batch)).await?;
                    }
                }
                write_batch(aws, name, batch).await?;
            }
            Physical::Bucket { name } => {
                let root = dir.join("buckets").join(id);
                let Some(types) = read(&root.join(CONTENT_TYPES))? else {
                    continue;
                };
                let types: BTreeMap<String, String> =
                    serde_json::from_slice(&types).map_err(|e| invalid(id, e))?;
                for (key, path) in files(&root)? {
                    if key == CONTENT_TYPES {
                        continue;
                    }
                    let bytes =
                        std::fs::read(&path).map_err(|e| SnapshotError::File(path.clone(), e))?;
                    counts.objects += 1;
                    counts.bytes += bytes.len() as u64;
                    aws.s3()
                        .await
                        .put_object()
                        .bucket(name)
                        .key(&key)
                        .set_content_type(types.get(&key).cloned())
                        .body(bytes.into())
                        .send()
                        .await
                        .map_err(aws_err)?;
                }
            }
            _ => {}
        }
    }
    Ok(counts)
}

/// Whether `dir` holds a snapshot.
pub fn exists(dir: &Path) -> bool {
    dir.join("tables").is_dir()
}

fn sorted(stack: &Provisioned) -> Vec<(&String, &Physical)> {
    let mut all: Vec<_> = stack.resources.iter().collect();
    all.sort_by_key(|(id, _)| *id);
    all
}

async fn write_batch(
    aws: &Aws,
    table: &str,
    mut requests: Vec<WriteRequest>,
) -> Result<(), SnapshotError> {
    while !requests.is_empty() {
        let out = aws
            .dynamodb()
            .await
            .batch_write_item()
            .request_items(table, requests)
            .send()
            .await
            .map_err(aws_err)?;
        requests = out
            .unprocessed_items()
            .and_then(|u| u.get(table))
            .cloned()
            .unwrap_or_default();
    }
    Ok(())
}

fn invalid(what: &str, e: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Invalid(what.to_string(), e.to_string())
}

/// An object key as a path under `root`: its `/`-separated segments, none of which may climb
/// out (`..`) or be empty.
fn object_path(root: &Path, key: &str) -> Result<PathBuf, SnapshotError> {
    let mut path = root.to_path_buf();
    for segment in key.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment == CONTENT_TYPES {
            return Err(invalid(
                key,
                "an object key this snapshot cannot keep as a file",
            ));
        }
        path.push(segment);
    }
    Ok(path)
}

/// Every file under `root` with its object key.
fn files(root: &Path) -> Result<Vec<(String, PathBuf)>, SnapshotError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| SnapshotError::File(dir.clone(), e))?;
        for entry in entries {
            let path = entry
                .map_err(|e| SnapshotError::File(dir.clone(), e))?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let key = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((key, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), SnapshotError> {
    let fail = |e| SnapshotError::File(path.to_path_buf(), e);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, bytes).map_err(fail)
}

fn read(path: &Path) -> Result<Option<Vec<u8>>, SnapshotError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SnapshotError::File(path.to_path_buf(), e)),
    }
}

fn remove_dir(dir: &Path) -> Result<(), SnapshotError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(SnapshotError::File(dir.to_path_buf(), e))
        }
        _ => Ok(()),
    }
}

/// An attribute value as DynamoDB JSON (`{"S": "..."}`, binary as base64).
fn to_json(value: &AttributeValue) -> Value {
    let b64 = |b: &Blob| Value::String(base64::engine::general_purpose::STANDARD.encode(b));
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::Bs(v) => json!({ "BS": v.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::L(v) => json!({ "L": v.iter().map(to_json).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({
            "M": m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect::<Map<_, _>>()
        }),
        // (A type newer than this code: kept as nothing rather than guessed.)
        _ => json!({ "NULL": true }),
    }
}

/// The inverse of [`to_json`].
fn from_json(value: &Value) -> Result<AttributeValue, String> {
    let bad = || format!("not a DynamoDB JSON value: {value}");
    let (kind, inner) = value
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
        .ok_or_else(bad)?;
    let text = || inner.as_str().map(str::to_string).ok_or_else(bad);
    let texts = || {
        inner
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()
    };
    let blob = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(Blob::new)
            .map_err(|e| e.to_string())
    };
    Ok(match kind.as_str() {
        "S" => AttributeValue::S(text()?),
        "N" => AttributeValue::N(text()?),
        "B" => AttributeValue::B(blob(&text()?)?),
        "BOOL" => AttributeValue::Bool(inner.as_bool().ok_or_else(bad)?),
        "NULL" => AttributeValue::Null(true),
        "SS" => AttributeValue::Ss(texts()?),
        "NS" => AttributeValue::Ns(texts()?),
        "BS" => AttributeValue::Bs(texts()?.iter().map(|s| blob(s)).collect::<Result<_, _>>()?),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .map(from_json)
                .collect::<Result<_, _>>()?,
        ),
        "M" => AttributeValue::M(
            inner
                .as_object()
                .ok_or_else(bad)?
                .iter()
                .map(|(k, v)| Ok((k.clone(), from_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        _ => return Err(bad()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_type_comes_back_as_it_was_written() {
        let blob = Blob::new(vec![0u8, 255, 7]);
        let value = AttributeValue::M(HashMap::from([
            ("s".into(), AttributeValue::S("naïve \"quoted\"".into())),
            ("n".into(), AttributeValue::N("-12.50".into())),
            ("b".into(), AttributeValue::B(blob.clone())),
            ("t".into(), AttributeValue::Bool(true)),
            ("z".into(), AttributeValue::Null(true)),
            (
                "ss".into(),
                AttributeValue::Ss(vec!["a".into(), "b".into()]),
            ),
            (
                "ns".into(),
                AttributeValue::Ns(vec!["1".into(), "2.5".into()]),
            ),
            ("bs".into(), AttributeValue::Bs(vec![blob])),
            (
                "l".into(),
                AttributeValue::L(vec![
                    AttributeValue::N("3".into()),
                    AttributeValue::M(HashMap::new()),
                ]),
            ),
        ]));
        let json = to_json(&value);
        assert_eq!(json["M"]["b"], json!({"B": "AP8H"}));
        assert_eq!(json["M"]["n"], json!({"N": "-12.50"}));
        assert_eq!(from_json(&json).unwrap(), value);
        assert!(from_json(&json!({"S": 3})).is_err());
        assert!(from_json(&json!({"S": "a", "N": "1"})).is_err());
    }

    #[test]
    fn an_object_key_that_would_climb_out_of_the_snapshot_is_refused() {
        let root = Path::new("/snap/buckets/Assets");
        assert_eq!(
            object_path(root, "projects/p1/plan.png").unwrap(),
            root.join("projects/p1/plan.png")
        );
        for key in ["../x", "a//b", "a/./b", "/abs", CONTENT_TYPES] {
            assert!(object_path(root, key).is_err(), "{key}");
        }
    }
}
