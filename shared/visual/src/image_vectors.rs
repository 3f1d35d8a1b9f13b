//! Product image vectors in the table, one per product (of its first image), written by the
//! embedding job and read by the search index builder.
//!
//! | item | pk | sk | gsi1pk | gsi1sk |
//! | --- | --- | --- | --- | --- |
//! | image vector | `PRODUCT#<id>` | `IMAGE_VECTOR` | `IMAGE_VECTORS` | `<id>` |

use std::collections::HashMap;

use aws_sdk_dynamodb::{primitives::Blob, types::AttributeValue};
use roomwright_core::{
    ApiError,
    catalog::product_pk,
    dynamo::{Table, service_error},
};

const SK: &str = "IMAGE_VECTOR";
const PARTITION: &str = "IMAGE_VECTORS";

#[derive(Debug, Clone, PartialEq)]
pub struct ImageVector {
    pub product_id: String,
    /// The image it was computed from: a new first image makes it stale.
    pub image_key: String,
    /// [`crate::encoder::ImageEncoder::model`].
    pub model: String,
    pub vector: Vec<f32>,
    pub updated_at: String,
}

fn s(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn decode(item: &HashMap<String, AttributeValue>) -> Option<ImageVector> {
    let bytes = item.get("vector")?.as_b().ok()?.as_ref();
    Some(ImageVector {
        product_id: s(item, "product_id")?,
        image_key: s(item, "image_key")?,
        model: s(item, "model")?,
        vector: bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect(),
        updated_at: s(item, "updated_at").unwrap_or_default(),
    })
}

pub async fn put(table: &Table, v: &ImageVector) -> Result<(), ApiError> {
    let bytes: Vec<u8> = v.vector.iter().flat_map(|f| f.to_le_bytes()).collect();
    let text = |t: &str| AttributeValue::S(t.to_string());
    table
        .client()
        .await
        .put_item()
        .table_name(table.name())
        .item("pk", text(&product_pk(&v.product_id)))
        .item("sk", text(SK))
        .item("gsi1pk", text(PARTITION))
        .item("gsi1sk", text(&v.product_id))
        .item("product_id", text(&v.product_id))
        .item("image_key", text(&v.image_key))
        .item("model", text(&v.model))
        .item("vector", AttributeValue::B(Blob::new(bytes)))
        .item("updated_at", text(&v.updated_at))
        .send()
        .await
        .map_err(|e| ApiError::from(service_error(e)))?;
    Ok(())
}

pub async fn get(table: &Table, product_id: &str) -> Result<Option<ImageVector>, ApiError> {
    let output = table
        .client()
        .await
        .get_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(product_pk(product_id)))
        .key("sk", AttributeValue::S(SK.into()))
        .send()
        .await
        .map_err(|e| ApiError::from(service_error(e)))?;
    Ok(output.item.as_ref().and_then(decode))
}

/// Every stored vector, through the table's first index.
pub async fn all(table: &Table) -> Result<Vec<ImageVector>, ApiError> {
    let mut found = Vec::new();
    let mut start = None;
    loop {
        let page = table
            .client()
            .await
            .query()
            .table_name(table.name())
            .index_name("gsi1")
            .key_condition_expression("gsi1pk = :p")
            .expression_attribute_values(":p", AttributeValue::S(PARTITION.into()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| ApiError::from(service_error(e)))?;
        found.extend(page.items().iter().filter_map(decode));
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(found);
        }
    }
}
