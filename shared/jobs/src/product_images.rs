//! Embedding jobs for product images: when a product's first image is new, a vision job on
//! the jobs pipeline computes its image vector for visual search. Only when an image encoder
//! is configured (`IMAGE_EMBEDDING_MODEL`): without one there is nothing to search with.
//!
//! A job is named by the product and image, so a retried write, a second save and the index
//! builder's sweep (which submits jobs for any product whose image still lacks a vector:
//! bulk imports, a lost message) all name the same job.

use crate::submit::{self, NewJob};
use crate::{
    Estimate, JobKind,
    vision::{ProductImageInput, VisionInput},
};
use roomwright_core::{AppState, catalog::Product};

/// Who the catalog's own jobs belong to.
pub const CATALOG_OWNER: &str = "catalog";

/// The job that embeds `image_key` of `product_id`.
pub fn job_id(product_id: &str, image_key: &str) -> String {
    submit::job_id(
        CATALOG_OWNER,
        Some(&format!("product-image:{product_id}:{image_key}")),
    )
}

/// Submits the embedding of the product's first image. Best effort: the product is already
/// written, and the index builder's sweep submits what a failure here left out.
pub async fn submit_for(state: &AppState, product: &Product) {
    let Some(image_key) = product.images.first() else {
        return;
    };
    let input = VisionInput::ProductImage(ProductImageInput {
        product_id: product.id.clone(),
        image_key: image_key.clone(),
    });
    let new = NewJob {
        id: job_id(&product.id, image_key),
        kind: JobKind::Vision,
        owner_id: CATALOG_OWNER.into(),
        project_id: None,
        request: serde_json::json!({"task": "product_image", "product_id": product.id,
                                    "image_key": image_key}),
        request_hash: submit::request_hash(&["product_image", &product.id, image_key]),
        input: serde_json::to_vec(&input).expect("serialisable"),
        webhook: None,
        estimate: Estimate::of_kind(JobKind::Vision, &state.config.spend),
    };
    if let Err(e) = submit::submit(state, new).await {
        tracing::warn!(product_id = %product.id, error = ?e.detail, "image embedding not submitted");
    }
}
