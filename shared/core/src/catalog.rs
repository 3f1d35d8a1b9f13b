//! The product record as stored in the table: written by the catalog function, read by every
//! function that prices, places or recommends products.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | product | `PRODUCT#<id>` | `PRODUCT` |

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    ApiError,
    dynamo::{StoreError, Table, Versioned},
    money::Money,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Dimensions {
    pub width_mm: u32,
    pub depth_mm: u32,
    pub height_mm: u32,
    pub weight_kg: f64,
}

/// A dealer price that applies from a quantity on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PriceBreak {
    pub min_quantity: u32,
    pub dealer_price_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sustainability {
    /// Cradle-to-gate embodied carbon of one unit, kg CO2e.
    pub embodied_carbon_kg: f64,
    /// Recycled content by weight, 0 to 100.
    pub recycled_content_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Stock {
    pub on_hand: u32,
    pub available: u32,
    pub lead_time_days: u32,
    /// RFC 3339 date when more arrives, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_available: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub id: String,
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub brand: String,
    /// Category path, broadest first: `["Seating", "Task chairs"]`.
    #[serde(default)]
    pub category: Vec<String>,
    pub dimensions: Dimensions,
    pub list_price: Money,
    /// Dealer price in the list price's currency, before volume breaks.
    pub dealer_price_minor: i64,
    #[serde(default)]
    pub price_breaks: Vec<PriceBreak>,
    #[serde(default)]
    pub finishes: Vec<String>,
    /// S3 keys of product images.
    #[serde(default)]
    pub images: Vec<String>,
    /// S3 key of the product's 3D model (GLB), used by the renderer when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_key: Option<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    /// Certifications such as `FSC`, `GREENGUARD Gold`, `BIFMA LEVEL 3`.
    #[serde(default)]
    pub certifications: Vec<String>,
    pub sustainability: Sustainability,
    pub stock: Stock,
    /// `active` or `retired`.
    pub status: String,
    /// When the ERP last set stock and prices (sortable RFC 3339): older events are ignored so
    /// out-of-order deliveries never move either backwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_as_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_as_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

impl Product {
    /// The dealer unit price for an order of `quantity`: the best break that applies.
    pub fn dealer_unit_price(&self, quantity: u32) -> i64 {
        self.price_breaks
            .iter()
            .filter(|b| quantity >= b.min_quantity)
            .map(|b| b.dealer_price_minor)
            .chain(std::iter::once(self.dealer_price_minor))
            .min()
            .unwrap_or(self.dealer_price_minor)
    }
}

pub fn product_pk(id: &str) -> String {
    format!("PRODUCT#{id}")
}

pub const PRODUCT_SK: &str = "PRODUCT";

/// The products index (gsi1) partition that lists every product.
pub const PRODUCTS_PARTITION: &str = "PRODUCTS";

/// The products index (gsi2) partition of one category, `PRODUCTS#CATEGORY#<top>/<leaf>`:
/// what design generation reads to find desks, chairs, tables and storage.
pub fn category_partition(top: &str, leaf: &str) -> String {
    format!("PRODUCTS#CATEGORY#{top}/{leaf}")
}

/// The gsi2 partition of a product's category, if it has a top level and a leaf.
pub fn product_category_partition(product: &Product) -> Option<String> {
    match product.category.as_slice() {
        [top, leaf, ..] => Some(category_partition(top, leaf)),
        _ => None,
    }
}

/// Where a product item lives: its key, every product on gsi1, its category on gsi2.
pub fn product_keys(product: &Product) -> crate::dynamo::Keys {
    let keys = crate::dynamo::Keys::new(product_pk(&product.id), PRODUCT_SK)
        .gsi1(PRODUCTS_PARTITION, product.id.clone());
    match product_category_partition(product) {
        Some(category) => keys.gsi2(category, product.id.clone()),
        None => keys,
    }
}

/// Up to `limit` products of a category (one page of the category index, in id order).
pub async fn products_in_category(
    table: &Table,
    top: &str,
    leaf: &str,
    limit: u32,
) -> Result<Vec<Product>, StoreError> {
    let page = crate::dynamo::PageRequest {
        limit,
        cursor: None,
    };
    let found = table
        .query::<Product>(
            Some(crate::dynamo::index::GSI2),
            &category_partition(top, leaf),
            crate::dynamo::SortKey::Any,
            &page,
            false,
        )
        .await?;
    Ok(found.items.into_iter().map(|v| v.value).collect())
}

/// Marks the catalog changed, so the search index builder rebuilds. Best effort: a lost bump
/// only delays the index to the next change or the next scheduled check, and must not fail a
/// write that already happened.
pub async fn bump_revision(table: &Table) {
    if let Err(e) = advance_revision(table).await {
        tracing::warn!(error = ?e.detail, "catalog revision not bumped");
    }
}

/// Moves the catalog's revision on by one and returns the new one: the next indexer run
/// rebuilds (an admin's reindex request, or any catalog write).
pub async fn advance_revision(table: &Table) -> Result<u64, ApiError> {
    let output = table
        .client()
        .await
        .update_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S("CATALOG".into()))
        .key("sk", AttributeValue::S("REVISION".into()))
        .update_expression("ADD revision :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
        .send()
        .await
        .map_err(|e| ApiError::from(crate::dynamo::service_error(e)))?;
    Ok(output
        .attributes
        .and_then(|a| {
            a.get("revision")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0))
}

/// The catalog's current revision (0 before any write).
pub async fn revision(table: &Table) -> Result<u64, ApiError> {
    let output = table
        .client()
        .await
        .get_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S("CATALOG".into()))
        .key("sk", AttributeValue::S("REVISION".into()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| ApiError::from(crate::dynamo::service_error(e)))?;
    Ok(output
        .item
        .and_then(|i| {
            i.get("revision")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0))
}

/// One product by id.
pub async fn get_product(
    table: &Table,
    id: &str,
) -> Result<Option<Versioned<Product>>, StoreError> {
    table.get(&product_pk(id), PRODUCT_SK).await
}

/// Products by id (any number, read 100 at a time); missing ids are left out.
pub async fn get_products(
    table: &Table,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Versioned<Product>>, StoreError> {
    let keys = ids
        .iter()
        .map(|id| (product_pk(id), PRODUCT_SK.to_string()))
        .collect();
    let mut found = std::collections::HashMap::new();
    for item in table.batch_get(keys).await? {
        let product: Versioned<Product> = crate::dynamo::decode(item)?;
        found.insert(product.value.id.clone(), product);
    }
    Ok(found)
}
