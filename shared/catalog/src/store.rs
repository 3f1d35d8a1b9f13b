//! Products in the table: each product item plus a claim on its SKU, written together so two
//! products can never share a SKU, and a catalog revision counter that tells the search index
//! builder when it is stale.
//!
//! | item | pk | sk | gsi1pk | gsi1sk |
//! | --- | --- | --- | --- | --- |
//! | product | `PRODUCT#<id>` | `PRODUCT` | `PRODUCTS` | `<id>` |
//!
//! Products are also listed by category on gsi2: `PRODUCTS#CATEGORY#<top>/<leaf>` / `<id>`.
//! | SKU claim | `SKU#<sku>` | `SKU` | | |
//! | catalog revision | `CATALOG` | `REVISION` | | |

use std::collections::HashMap;

use aws_sdk_dynamodb::{
    operation::transact_write_items::TransactWriteItemsError,
    types::{AttributeValue, Delete, Put, TransactWriteItem},
};
use roomwright_core::{
    catalog::{PRODUCT_SK, Product, product_pk},
    dynamo::{Keys, SortKey, StoreError, Table, Versioned, decode, service_error},
};
use serde::{Deserialize, Serialize};

pub use roomwright_core::catalog::{PRODUCTS_PARTITION, bump_revision, product_keys, revision};

fn sku_pk(sku: &str) -> String {
    // SKUs compare case-insensitively, as ERPs and people type them.
    format!("SKU#{}", sku.to_ascii_uppercase())
}

#[derive(Debug, Serialize, Deserialize)]
struct SkuClaim {
    product_id: String,
}

/// Why a product write was refused.
#[derive(Debug)]
pub enum WriteRefused {
    SkuTaken,
    /// The product exists (create) or changed since it was read (replace).
    Stale,
}

/// Why one product write did not happen.
#[derive(Debug)]
pub enum WriteError {
    Refused(WriteRefused),
    Store(StoreError),
}

impl From<StoreError> for WriteError {
    fn from(error: StoreError) -> Self {
        WriteError::Store(error)
    }
}

fn put(
    table: &Table,
    product: &Product,
    expected: Option<u64>,
) -> Result<TransactWriteItem, StoreError> {
    Ok(table
        .versioned_put(&product_keys(product), product, expected)?
        .0)
}

fn claim(table: &Table, product: &Product) -> Result<TransactWriteItem, StoreError> {
    let claim = SkuClaim {
        product_id: product.id.clone(),
    };
    let item = Table::item(&Keys::new(sku_pk(&product.sku), "SKU"), &claim, 1)?;
    let put = Put::builder()
        .table_name(table.name())
        .set_item(Some(item))
        // A claim already held by this product is fine: imports rewrite it.
        .condition_expression("attribute_not_exists(pk) OR product_id = :id")
        .expression_attribute_values(":id", AttributeValue::S(product.id.clone()))
        .build()
        .map_err(|e| StoreError::Service(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn release(table: &Table, sku: &str) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table.name())
        .key("pk", AttributeValue::S(sku_pk(sku)))
        .key("sk", AttributeValue::S("SKU".into()))
        .build()
        .map_err(|e| StoreError::Service(e.to_string()))?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// One product write: `expected` is the version read (`None` creates), `old_sku` the SKU it
/// had when it changes.
pub struct Write<'a> {
    pub product: &'a Product,
    pub expected: Option<u64>,
    pub old_sku: Option<&'a str>,
}

fn items(table: &Table, write: &Write<'_>) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut items = vec![
        put(table, write.product, write.expected)?,
        claim(table, write.product)?,
    ];
    if let Some(old) = write.old_sku
        && !old.eq_ignore_ascii_case(&write.product.sku)
    {
        items.push(release(table, old)?);
    }
    Ok(items)
}

/// Writes products all-or-nothing (at most 33 per call: 100 items a transaction). On refusal
/// returns, per write, why it was refused (`None` for writes that were not the cause).
pub async fn write_all(
    table: &Table,
    writes: &[Write<'_>],
) -> Result<Result<(), Vec<Option<WriteRefused>>>, StoreError> {
    let mut all = Vec::new();
    let mut owner = Vec::new();
    for (i, write) in writes.iter().enumerate() {
        let items = items(table, write)?;
        owner.extend(std::iter::repeat_n(i, items.len()));
        all.extend(items);
    }
    let result = table
        .client()
        .await
        .transact_write_items()
        .set_transact_items(Some(all))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Ok(())),
        Err(e) => {
            let reasons = match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
                    c.cancellation_reasons().to_vec()
                }
                _ => return Err(service_error(e)),
            };
            let mut refused: Vec<Option<WriteRefused>> = writes.iter().map(|_| None).collect();
            for (position, reason) in reasons.iter().enumerate() {
                if reason.code() != Some("ConditionalCheckFailed") {
                    continue;
                }
                let write = owner[position];
                // Item 0 of a write is the product, item 1 its SKU claim.
                let first = owner.iter().position(|o| *o == write).unwrap_or(0);
                refused[write] = Some(if position == first {
                    WriteRefused::Stale
                } else {
                    WriteRefused::SkuTaken
                });
            }
            if refused.iter().all(Option::is_none) {
                // Cancelled for another reason (a conflicting transaction): let the client retry.
                return Err(StoreError::Contended);
            }
            Ok(Err(refused))
        }
    }
}

/// Writes one product; a refusal says why.
pub async fn write_one(table: &Table, write: Write<'_>) -> Result<u64, WriteError> {
    let version = write.expected.map_or(1, |v| v + 1);
    match write_all(table, std::slice::from_ref(&write)).await? {
        Ok(()) => {
            bump_revision(table).await;
            Ok(version)
        }
        Err(mut refused) => Err(WriteError::Refused(
            refused.pop().flatten().unwrap_or(WriteRefused::Stale),
        )),
    }
}

pub async fn get(table: &Table, id: &str) -> Result<Option<Versioned<Product>>, StoreError> {
    table.get(&product_pk(id), PRODUCT_SK).await
}

/// The id of the product holding `sku`.
pub async fn id_by_sku(table: &Table, sku: &str) -> Result<Option<String>, StoreError> {
    let claim: Option<Versioned<SkuClaim>> = table.get(&sku_pk(sku), "SKU").await?;
    Ok(claim.map(|c| c.value.product_id))
}

/// Products by id; missing ids are left out.
pub async fn get_many(
    table: &Table,
    ids: &[String],
) -> Result<HashMap<String, Versioned<Product>>, StoreError> {
    roomwright_core::catalog::get_products(table, ids).await
}

/// The product ids holding these SKUs, keyed by upper-case SKU.
pub async fn ids_by_sku(
    table: &Table,
    skus: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let keys = skus
        .iter()
        .map(|sku| (sku_pk(sku), "SKU".to_string()))
        .collect();
    let mut found = HashMap::new();
    for item in table.batch_get(keys).await? {
        let sku = item
            .get("pk")
            .and_then(|v| v.as_s().ok())
            .and_then(|pk| pk.strip_prefix("SKU#"))
            .map(str::to_owned);
        let claim: Versioned<SkuClaim> = decode(item)?;
        if let Some(sku) = sku {
            found.insert(sku, claim.value.product_id);
        }
    }
    Ok(found)
}

/// Every product, active and retired, through the products index.
pub async fn all(table: &Table) -> Result<Vec<Product>, StoreError> {
    let items = table
        .query_all::<Product>(Some("gsi1"), PRODUCTS_PARTITION, SortKey::Any)
        .await?;
    Ok(items.into_iter().map(|v| v.value).collect())
}
