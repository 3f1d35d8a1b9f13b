//! Visual search and product image embeddings against the local AWS server, with Bedrock's
//! Titan Multimodal Embeddings answered by recorded responses through the real
//! `aws-sdk-bedrockruntime` client.

mod common;
use roomwright_testkit::recorded;

use std::sync::Arc;

use http::{Method, StatusCode};
use image::{Rgb, RgbImage};
use roomwright_core::{catalog::Product, s3};
use roomwright_devstack::demo;
use roomwright_jobs::product_images;
use roomwright_jobs::{self as jobs, vision::ProductImageInput};
use roomwright_testkit::recorded::Replay;
use roomwright_visual::{encoder::ImageEncoder, image_vectors, photo};
use serde_json::Value;

const TITAN: &str = "amazon.titan-embed-image-v1";

fn photo_of(rgb: [u8; 3]) -> Vec<u8> {
    photo::jpeg(&RgbImage::from_pixel(64, 48, Rgb(rgb)))
}

async fn app(answers: &[&str]) -> (common::App, Replay, Arc<ImageEncoder>) {
    let (http, client) = recorded::recorded(answers);
    let encoder = Arc::new(ImageEncoder::from_setting(TITAN, || client));
    let app = common::app_with(common::Options {
        images: Some(encoder.clone()),
        ..Default::default()
    })
    .await;
    (app, http, encoder)
}

/// A product with one uploaded image, created through the API.
async fn product_with_image(
    app: &common::App,
    token: &str,
    id: &str,
    name: &str,
    category: &[&str],
    rgb: [u8; 3],
) -> Product {
    let mut product = demo::generate(1, id.len() as u64).remove(0);
    product.id = id.into();
    product.sku = format!("SKU-{id}");
    product.name = name.into();
    product.category = category.iter().map(|c| c.to_string()).collect();
    product.stock.available = 10;
    product.images = vec![format!("products/{id}/images/main.jpg")];
    let state = &app.stack.state;
    s3::put_bytes(
        &state.aws,
        &state.config.bucket_name,
        &product.images[0],
        "image/jpeg",
        photo_of(rgb),
    )
    .await
    .unwrap();
    let input =
        serde_json::to_value(roomwright_catalog_api::input::ProductInput::from(&product)).unwrap();
    let reply = app
        .send(Method::POST, "/v1/products", token, None, Some(input))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    product
}

/// What the product's embedding job does, run here with the recorded model.
async fn embed(app: &common::App, encoder: &ImageEncoder, product: &Product) -> bool {
    let state = &app.stack.state;
    image_vectors::embed_product_image(
        &state.aws,
        &state.table(),
        &state.config.bucket_name,
        encoder,
        &ProductImageInput {
            product_id: product.id.clone(),
            image_key: product.images[0].clone(),
        },
    )
    .await
    .unwrap()
    .is_some()
}

async fn visual(app: &common::App, token: &str, query: &str, photo: Vec<u8>) -> common::Reply {
    let auth = format!("Bearer {token}");
    app.request(
        Method::POST,
        &format!("/v1/products/visual-search{query}"),
        &[("authorization", auth.as_str())],
        Some(("image/jpeg", photo)),
    )
    .await
}

fn ids(reply: &Value) -> Vec<&str> {
    reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn photos_find_the_products_that_look_like_them_ranked_and_filtered() {
    let (app, http, encoder) = app(&[
        "titan-embed-red-chair",
        "titan-embed-blue-sofa",
        "titan-embed-green-lamp",
        "titan-embed-query-red-armchair",
        "titan-embed-query-red-armchair",
    ])
    .await;
    let admin = app.admin().await;
    let chair = product_with_image(
        &app,
        &admin,
        "red-chair",
        "Red chair",
        &["Seating", "Chairs"],
        [200, 30, 30],
    )
    .await;
    let sofa = product_with_image(
        &app,
        &admin,
        "blue-sofa",
        "Blue sofa",
        &["Seating", "Sofas"],
        [30, 40, 200],
    )
    .await;
    let lamp = product_with_image(
        &app,
        &admin,
        "green-lamp",
        "Green lamp",
        &["Lighting", "Lamps"],
        [30, 160, 60],
    )
    .await;
    let mut plain = demo::generate(1, 5).remove(0);
    plain.id = "no-image".into();
    plain.images.clear();
    let input =
        serde_json::to_value(roomwright_catalog_api::input::ProductInput::from(&plain)).unwrap();
    let reply = app
        .send(Method::POST, "/v1/products", &admin, None, Some(input))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    // Each new image got an embedding job on the jobs pipeline, named by product and image.
    let table = app.stack.state.table();
    for p in [&chair, &sofa, &lamp] {
        let job = jobs::store::get(&table, &product_images::job_id(&p.id, &p.images[0]))
            .await
            .unwrap()
            .expect("an embedding job");
        assert_eq!(job.value.kind, jobs::JobKind::Vision);
    }

    // Before any vector exists, the search says so rather than returning nothing.
    app.reindex(&admin).await;
    let reply = visual(&app, &admin, "", photo_of([190, 40, 40])).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["code"], "image_index_empty");

    for p in [&chair, &sofa, &lamp] {
        assert!(embed(&app, &encoder, p).await);
    }
    let stored = image_vectors::get(&table, "red-chair")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.model, format!("bedrock:{TITAN}:384"));
    assert_eq!(stored.vector.len(), 384);
    // Titan was sent the image and asked for 384 dimensions.
    let sent: Vec<Value> = http
        .actual_requests()
        .map(|r| serde_json::from_slice(r.body().bytes().unwrap()).unwrap())
        .collect();
    assert_eq!(sent[0]["embeddingConfig"]["outputEmbeddingLength"], 384);
    assert!(sent[0]["inputImage"].as_str().unwrap().len() > 100);

    let manifest = app.reindex(&admin).await;
    assert!(manifest["revision"].as_u64().unwrap() > 0);
    let reply = visual(&app, &admin, "?limit=5", photo_of([190, 40, 40])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The photo is most like the red chair, then the blue sofa; the product without an
    // image has no vector and is not shown.
    assert_eq!(ids(&reply.body), ["red-chair", "blue-sofa", "green-lamp"]);
    let scores: Vec<f64> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["score"].as_f64().unwrap())
        .collect();
    assert!(scores[0] > scores[1] && scores[1] > scores[2], "{scores:?}");
    assert!((reply.body["weights"]["similarity"].as_f64().unwrap() - 0.7).abs() < 1e-6);

    let reply = visual(&app, &admin, "?category=Lighting", photo_of([190, 40, 40])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(ids(&reply.body), ["green-lamp"]);
    assert_eq!(http.actual_requests().count(), 5);
}

#[tokio::test]
async fn visual_search_refuses_clearly_and_without_calling_the_model() {
    // No image model configured: the answer names the setting.
    let bare = common::app().await;
    let admin = bare.admin().await;
    let reply = visual(&bare, &admin, "", photo_of([1, 2, 3])).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["code"], "image_model_not_configured");
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("IMAGE_EMBEDDING_MODEL")
    );
    assert_eq!(reply.content_type, "application/problem+json");

    let (app, http, _) = app(&["throttling"]).await;
    let admin = app.admin().await;
    let reply = visual(&app, &admin, "", b"GIF89a not a photo".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.body["errors"][0]["path"], "body");
    let reply = visual(&app, &admin, "?limit=0", photo_of([1, 2, 3])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"][0]["path"], "limit");
    let reply = visual(&app, &admin, "?colour=red", photo_of([1, 2, 3])).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(http.actual_requests().count(), 0);

    // A throttled model is a clear 429 for the caller.
    let chair = product_with_image(
        &app,
        &admin,
        "red-chair",
        "Red chair",
        &["Seating"],
        [200, 30, 30],
    )
    .await;
    image_vectors::put(
        &app.stack.state.table(),
        &image_vectors::ImageVector {
            product_id: chair.id.clone(),
            image_key: chair.images[0].clone(),
            model: format!("bedrock:{TITAN}:384"),
            vector: vec![1.0 / (384f32).sqrt(); 384],
            updated_at: "2026-12-02T00:00:00Z".into(),
        },
    )
    .await
    .unwrap();
    roomwright_core::catalog::bump_revision(&app.stack.state.table()).await;
    app.reindex(&admin).await;
    let reply = visual(&app, &admin, "", photo_of([190, 40, 40])).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.body["code"], "model_throttled");
}
