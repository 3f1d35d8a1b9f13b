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

/// Why a product image could not be embedded.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The image is missing or unreadable, or the model refused it: retrying will not help.
    #[error("{0}")]
    Input(String),
    /// Storage or the model, for a moment: retry.
    #[error("{0}")]
    Transient(String),
}

/// What an embedding job does: reads the product's image, embeds it and stores the vector,
/// then marks the catalog changed so the next index carries it. `None` when the product no
/// longer shows this image first (a newer job embeds the new one; writing this vector would
/// replace that one's).
pub async fn embed_product_image(
    aws: &roomwright_core::aws::Aws,
    table: &Table,
    bucket: &str,
    encoder: &crate::encoder::ImageEncoder,
    input: &roomwright_jobs::vision::ProductImageInput,
) -> Result<Option<ImageVector>, EmbedError> {
    use crate::{bedrock::ModelError, encoder::EncodeError};
    let transient = |e: String| EmbedError::Transient(e);
    let product = roomwright_core::catalog::get_product(table, &input.product_id)
        .await
        .map_err(|e| transient(e.to_string()))?;
    if product.is_none_or(|p| p.value.images.first() != Some(&input.image_key)) {
        return Ok(None);
    }
    let bytes = roomwright_core::s3::get_bytes(aws, bucket, &input.image_key)
        .await
        .map_err(transient)?
        .ok_or_else(|| EmbedError::Input(format!("{} is not in the bucket", input.image_key)))?;
    let image = tokio::task::spawn_blocking(move || crate::photo::decode(&bytes))
        .await
        .map_err(|e| transient(e.to_string()))?
        .map_err(|e| EmbedError::Input(format!("{}: {e}", input.image_key)))?;
    let vector = encoder.embed(&image).await.map_err(|e| match e {
        EncodeError::Model(ModelError::Refused(m)) => EmbedError::Input(m),
        other => transient(other.to_string()),
    })?;
    let stored = ImageVector {
        product_id: input.product_id.clone(),
        image_key: input.image_key.clone(),
        model: encoder.model(),
        vector,
        updated_at: roomwright_core::time::rfc3339(roomwright_core::time::now()),
    };
    put(table, &stored)
        .await
        .map_err(|e| transient(format!("{:?}", e.detail)))?;
    roomwright_core::catalog::bump_revision(table).await;
    Ok(Some(stored))
}
