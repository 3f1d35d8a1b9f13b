//! Typed reads and writes on the single table.

use std::{collections::HashMap, sync::Arc};

use aws_sdk_dynamodb::{error::SdkError, types::AttributeValue};
use serde::{Serialize, de::DeserializeOwned};
use thiserror::Error;

use super::{Cursor, Page, PageRequest, attr};
use crate::{aws::Aws, problem::ApiError};

pub type Item = HashMap<String, AttributeValue>;

/// BatchGetItem calls one [`Table::batch_get`] has in flight: a 5,000-key read is 50 calls,
/// 4 at a time, well within a table's read capacity.
pub const BATCH_GETS_AT_ONCE: usize = 4;

/// Where an item lives: its primary key, the index keys it is found by, and when it expires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub pk: String,
    pub sk: String,
    pub gsi1: Option<(String, String)>,
    pub gsi2: Option<(String, String)>,
    /// Epoch seconds; DynamoDB's TTL deletes the item some time after.
    pub expires_at: Option<i64>,
}

impl Keys {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            ..Self::default()
        }
    }

    pub fn gsi1(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi1 = Some((pk.into(), sk.into()));
        self
    }

    pub fn gsi2(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi2 = Some((pk.into(), sk.into()));
        self
    }

    pub fn expires_at(mut self, epoch_seconds: i64) -> Self {
        self.expires_at = Some(epoch_seconds);
        self
    }

    fn write_into(&self, item: &mut Item) {
        let s = |v: &String| AttributeValue::S(v.clone());
        item.insert(attr::PK.into(), s(&self.pk));
        item.insert(attr::SK.into(), s(&self.sk));
        for (pair, (pk, sk)) in [
            (&self.gsi1, (attr::GSI1PK, attr::GSI1SK)),
            (&self.gsi2, (attr::GSI2PK, attr::GSI2SK)),
        ] {
            if let Some((p, r)) = pair {
                item.insert(pk.into(), s(p));
                item.insert(sk.into(), s(r));
            }
        }
        if let Some(at) = self.expires_at {
            item.insert(attr::EXPIRES_AT.into(), AttributeValue::N(at.to_string()));
        }
    }
}

/// Which sort keys a query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey<'a> {
    Any,
    Prefix(&'a str),
    /// Inclusive on both ends.
    Between(&'a str, &'a str),
}

/// A stored value with the version a later write must name.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

/// Why a store did not do what it was asked. Stores return it; the route edge makes it a
/// problem (`From<StoreError> for ApiError`), and callers match on it, never on HTTP codes.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The item exists already, or its version moved on since it was read.
    #[error("condition failed: the item exists already or changed since it was read")]
    ConditionFailed,
    /// Another transaction touched the same items at the same moment: retrying may succeed.
    #[error("a concurrent transaction touched the same items")]
    Contended,
    /// The item would be larger than the store keeps (`part` is its largest field).
    #[error("{item} would take {bytes} bytes, at most {limit}; its largest part is `{part}`")]
    TooLarge {
        item: &'static str,
        part: String,
        bytes: usize,
        limit: usize,
    },
    /// A page cursor that belongs to another list.
    #[error("the cursor belongs to a different list")]
    ForeignCursor,
    #[error("stored item does not match its type: {0}")]
    Corrupt(String),
    #[error("DynamoDB call failed: {0}")]
    Service(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ConditionFailed => ApiError::version_mismatch(
                "Read it again, reapply your change, and send the new ETag in If-Match.",
            ),
            StoreError::Contended => ApiError::conflict(
                "write_conflict",
                "The same items were being changed at the same moment; retry.",
            ),
            StoreError::TooLarge {
                item,
                part,
                bytes,
                limit,
            } => ApiError::new(
                http::StatusCode::PAYLOAD_TOO_LARGE,
                match item {
                    "project" => "project_too_large",
                    _ => "item_too_large",
                },
                format!("The {item} would be too large to store"),
            )
            .with_detail(format!(
                "The {item} would take {} KiB; a {item} holds at most {} KiB. `{part}` is its largest part.",
                bytes / 1024,
                limit / 1024
            ))
            .with_errors(vec![crate::FieldError::new(
                part,
                "too_large",
                format!("This part makes the {item} too large to store."),
            )]),
            StoreError::ForeignCursor => ApiError::validation(vec![crate::FieldError::new(
                "cursor",
                "invalid_cursor",
                "cursor belongs to a different list",
            )]),
            other => ApiError::internal(other),
        }
    }
}

pub fn service_error<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    StoreError::Service(aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string())
}

/// Why [`Table::transact`] wrote nothing.
#[derive(Debug)]
pub enum TransactError {
    /// A condition failed or another transaction touched the items: one reason per item.
    Cancelled(Vec<Option<String>>),
    Service(StoreError),
}

impl TransactError {
    /// Whether item `index`'s condition was the one that failed.
    pub fn failed_condition(&self, index: usize) -> bool {
        matches!(self, TransactError::Cancelled(reasons)
            if reasons.get(index).and_then(|r| r.as_deref()) == Some("ConditionalCheckFailed"))
    }
}

impl From<TransactError> for ApiError {
    fn from(error: TransactError) -> Self {
        match error {
            TransactError::Service(e) => e.into(),
            TransactError::Cancelled(reasons) => {
                ApiError::internal(format!("transaction cancelled: {reasons:?}"))
            }
        }
    }
}

/// `true` when a write was refused by its condition expression.
/// Whether a DynamoDB call failed only because its condition did not hold (any operation).
pub fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata, R>(
    error: &SdkError<E, R>,
) -> bool {
    error
        .as_service_error()
        .is_some_and(|e| e.code() == Some("ConditionalCheckFailedException"))
}

/// The platform's table.
#[derive(Clone)]
pub struct Table {
    aws: Arc<Aws>,
    name: String,
}

impl Table {
    pub fn new(aws: Arc<Aws>, name: String) -> Self {
        Self { aws, name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A strongly consistent read of one item.
    pub async fn get<T: DeserializeOwned>(
        &self,
        pk: &str,
        sk: &str,
    ) -> Result<Option<Versioned<T>>, StoreError> {
        let output = self
            .aws
            .dynamodb()
            .await
            .get_item()
            .table_name(&self.name)
            .key(attr::PK, AttributeValue::S(pk.into()))
            .key(attr::SK, AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(service_error)?;
        output.item.map(decode).transpose()
    }

    /// Writes a new item at version 1; fails with [`StoreError::ConditionFailed`] if it exists.
    pub async fn create<T: Serialize>(&self, keys: &Keys, value: &T) -> Result<u64, StoreError> {
        self.put(keys, value, None).await
    }

    /// Replaces an item only if it is still at `expected_version`; returns the new version.
    pub async fn replace<T: Serialize>(
        &self,
        keys: &Keys,
        value: &T,
        expected_version: u64,
    ) -> Result<u64, StoreError> {
        self.put(keys, value, Some(expected_version)).await
    }

    /// Writes `items` all or nothing. A refused transaction is [`TransactError::Cancelled`]
    /// with one reason code per item (`ConditionalCheckFailed`, `None` for items that passed),
    /// so callers can tell which condition failed.
    pub async fn transact(
        &self,
        items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    ) -> Result<(), TransactError> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        let result = self
            .aws
            .dynamodb()
            .await
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
                    Err(TransactError::Cancelled(
                        c.cancellation_reasons()
                            .iter()
                            .map(|r| r.code().map(str::to_owned))
                            .collect(),
                    ))
                }
                _ => Err(TransactError::Service(service_error(e))),
            },
        }
    }

    /// The items at `keys` (pk, sk), in no particular order: 100 per BatchGetItem, up to
    /// [`BATCH_GETS_AT_ONCE`] of them at a time, asking again for any the service left
    /// unprocessed; missing items are left out.
    pub async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        use futures::{StreamExt, TryStreamExt};
        let unique: std::collections::BTreeSet<_> = keys.into_iter().collect();
        let unique: Vec<_> = unique.into_iter().collect();
        let chunks: Vec<Vec<(String, String)>> = unique.chunks(100).map(<[_]>::to_vec).collect();
        let found: Vec<Vec<Item>> = futures::stream::iter(chunks)
            .map(|chunk| async move { self.batch_get_100(&chunk).await })
            .buffer_unordered(BATCH_GETS_AT_ONCE)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }

    /// One BatchGetItem of at most 100 keys, repeated for what the service left unprocessed.
    async fn batch_get_100(&self, chunk: &[(String, String)]) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut keys: Vec<Item> = chunk
            .iter()
            .map(|(pk, sk)| {
                HashMap::from([
                    (attr::PK.to_string(), AttributeValue::S(pk.clone())),
                    (attr::SK.to_string(), AttributeValue::S(sk.clone())),
                ])
            })
            .collect();
        for _ in 0..8 {
            if keys.is_empty() {
                break;
            }
            let request = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .build()
                .map_err(|e| StoreError::Service(e.to_string()))?;
            let output = self
                .client()
                .await
                .batch_get_item()
                .request_items(self.name(), request)
                .send()
                .await
                .map_err(service_error)?;
            found.extend(
                output
                    .responses
                    .and_then(|mut r| r.remove(self.name()))
                    .unwrap_or_default(),
            );
            keys = output
                .unprocessed_keys
                .and_then(|mut u| u.remove(self.name()))
                .map(|k| k.keys)
                .unwrap_or_default();
        }
        Ok(found)
    }

    /// The SDK client, for operations the typed layer does not cover (transactions, counters).
    pub async fn client(&self) -> &aws_sdk_dynamodb::Client {
        self.aws.dynamodb().await
    }

    /// The stored form of `value` at `keys` and `version`, for transactions.
    pub fn item<T: Serialize>(keys: &Keys, value: &T, version: u64) -> Result<Item, StoreError> {
        let mut item: Item =
            serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        keys.write_into(&mut item);
        item.insert(attr::VERSION.into(), AttributeValue::N(version.to_string()));
        Ok(item)
    }

    /// The versioned write as one item of a transaction: `value` at `keys` as version
    /// `expected + 1`, only if the item is still at `expected` (or, for `None`, absent).
    /// Returns the item and the version it writes. Every versioned store write is this one
    /// (alone through [`create`](Self::create) and [`replace`](Self::replace)).
    pub fn versioned_put<T: Serialize>(
        &self,
        keys: &Keys,
        value: &T,
        expected: Option<u64>,
    ) -> Result<(aws_sdk_dynamodb::types::TransactWriteItem, u64), StoreError> {
        let version = expected.map_or(1, |v| v + 1);
        let (condition, names, values) = version_check(expected);
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.name)
            .set_item(Some(Self::item(keys, value, version)?))
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(|e| StoreError::Service(e.to_string()))?;
        Ok((
            aws_sdk_dynamodb::types::TransactWriteItem::builder()
                .put(put)
                .build(),
            version,
        ))
    }

    async fn put<T: Serialize>(
        &self,
        keys: &Keys,
        value: &T,
        expected_version: Option<u64>,
    ) -> Result<u64, StoreError> {
        let version = expected_version.map_or(1, |v| v + 1);
        let (condition, names, values) = version_check(expected_version);
        let request = self
            .aws
            .dynamodb()
            .await
            .put_item()
            .table_name(&self.name)
            .set_item(Some(Self::item(keys, value, version)?))
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values);
        match request.send().await {
            Ok(_) => Ok(version),
            Err(e) if is_condition_failure(&e) => Err(StoreError::ConditionFailed),
            Err(e) => Err(service_error(e)),
        }
    }

    /// Deletes an item, only if still at `expected_version` when one is given.
    pub async fn delete(
        &self,
        pk: &str,
        sk: &str,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut request = self
            .aws
            .dynamodb()
            .await
            .delete_item()
            .table_name(&self.name)
            .key(attr::PK, AttributeValue::S(pk.into()))
            .key(attr::SK, AttributeValue::S(sk.into()));
        if expected_version.is_some() {
            let (condition, names, values) = version_check(expected_version);
            request = request
                .condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values);
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e) if crate::dynamo::is_condition_failure(&e) => Err(StoreError::ConditionFailed),
            Err(e) => Err(service_error(e)),
        }
    }

    /// One page of the items under a partition key, on the table or a GSI (`index`), limited
    /// to the sort keys `sort` selects, in descending sort-key order when `descending`.
    pub async fn query<T: DeserializeOwned>(
        &self,
        index: Option<&str>,
        partition: &str,
        sort: SortKey<'_>,
        page: &PageRequest,
        descending: bool,
    ) -> Result<Page<Versioned<T>>, StoreError> {
        let (pk_attr, sk_attr) = match index {
            None => (attr::PK, attr::SK),
            Some(super::index::GSI1) => (attr::GSI1PK, attr::GSI1SK),
            Some(super::index::GSI2) => (attr::GSI2PK, attr::GSI2SK),
            Some(other) => return Err(StoreError::Service(format!("unknown index {other}"))),
        };
        if let Some(cursor) = &page.cursor
            && cursor.get(pk_attr) != Some(partition)
        {
            // A cursor from another list would silently page through the wrong items.
            return Err(StoreError::ForeignCursor);
        }
        let mut request = self
            .aws
            .dynamodb()
            .await
            .query()
            .table_name(&self.name)
            .set_index_name(index.map(str::to_owned))
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", AttributeValue::S(partition.into()))
            .limit(page.limit as i32)
            .scan_index_forward(!descending)
            .set_exclusive_start_key(page.cursor.as_ref().map(Cursor::to_exclusive_start_key));
        let s = |v: &str| AttributeValue::S(v.to_string());
        request = match sort {
            SortKey::Prefix(prefix) => request
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", sk_attr)
                .expression_attribute_values(":prefix", s(prefix)),
            SortKey::Between(low, high) => request
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
                .expression_attribute_names("#sk", sk_attr)
                .expression_attribute_values(":low", s(low))
                .expression_attribute_values(":high", s(high)),
            SortKey::Any => request.key_condition_expression("#pk = :pk"),
        };
        let output = request.send().await.map_err(service_error)?;
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = output
            .last_evaluated_key
            .as_ref()
            .and_then(Cursor::from_last_evaluated_key)
            .map(|c| c.encode());
        Ok(Page { items, next_cursor })
    }

    /// Every item under a partition key, read page by page (1 MB each) until the end.
    pub async fn query_all<T: DeserializeOwned>(
        &self,
        index: Option<&str>,
        partition: &str,
        sort: SortKey<'_>,
    ) -> Result<Vec<Versioned<T>>, StoreError> {
        let mut all = Vec::new();
        let mut page = PageRequest {
            limit: 10_000,
            cursor: None,
        };
        loop {
            let result = self.query(index, partition, sort, &page, false).await?;
            all.extend(result.items);
            match result.next_cursor {
                Some(next) => {
                    page.cursor = Some(
                        Cursor::decode(&next)
                            .map_err(|_| StoreError::Corrupt("a cursor the store made".into()))?,
                    )
                }
                None => return Ok(all),
            }
        }
    }
}

type Names = Option<HashMap<String, String>>;
type Values = Option<HashMap<String, AttributeValue>>;

/// The condition of a versioned write: the item is absent (`None`) or still at `expected`.
fn version_check(expected: Option<u64>) -> (&'static str, Names, Values) {
    match expected {
        None => ("attribute_not_exists(pk)", None, None),
        Some(v) => (
            "#version = :expected",
            Some(HashMap::from([("#version".into(), attr::VERSION.into())])),
            Some(HashMap::from([(
                ":expected".into(),
                AttributeValue::N(v.to_string()),
            )])),
        ),
    }
}

/// A stored item as its typed value and version.
pub fn decode<T: DeserializeOwned>(item: Item) -> Result<Versioned<T>, StoreError> {
    let version = item
        .get(attr::VERSION)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let value = serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Versioned { value, version })
}
