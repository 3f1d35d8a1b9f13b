//! Quote exports: a PDF and a workbook in S3, downloadable through URLs minted on request.

mod common;

use common::{app, product};
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use serde_json::json;

/// A small PNG, as a product photo would be.
fn png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 120])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

#[tokio::test]
async fn pdf_and_xlsx_quotes_are_stored_and_downloadable() {
    let app = app().await;
    let (token, _) = app.user("quinn@example.com", Role::Designer).await;
    app.put_product(&product("desk", 100_000, 70_000, (1600, 800)))
        .await;
    app.put_product(&product("chair", 45_000, 30_000, (650, 650)))
        .await;
    let state = &app.stack.state;
    state
        .aws
        .s3()
        .await
        .put_object()
        .bucket(&state.config.bucket_name)
        .key("products/desk/main.jpg")
        .body(png().into())
        .send()
        .await
        .unwrap();

    let (id, etag) = app.project(&token, json!({"name": "Harbour HQ", "client": "Kite Ltd", "requirements": {"budget_ceiling_minor": 2_000_000}})).await;
    let none = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/exports"),
            &token,
            None,
            Some(json!({"format": "pdf"})),
        )
        .await;
    assert_eq!(none.body["errors"][0]["code"], "no_scenarios");

    let mut tag = etag;
    for (sid, name, desks) in [("good", "Good", 4), ("better", "Better", 8)] {
        let body = json!({"id": sid, "name": name, "selections": [
            {"id": "d", "product_id": "desk", "quantity": desks, "finish": "oak"},
            {"id": "c", "product_id": "chair", "quantity": desks}
        ], "terms": {"freight_bp": 300, "tax_rate_bp": 2000}});
        let saved = app
            .send(
                Method::PUT,
                &format!("/v1/projects/{id}/scenarios/{sid}"),
                &token,
                Some(&tag),
                Some(body),
            )
            .await;
        tag = saved.etag().to_string();
    }

    let pdf = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/exports"),
            &token,
            None,
            Some(json!({"format": "pdf"})),
        )
        .await;
    assert_eq!(pdf.status, StatusCode::CREATED, "{}", pdf.body);
    assert_eq!(
        pdf.body["export"]["scenario_ids"],
        json!(["good", "better"])
    );
    assert_eq!(pdf.body["expires_in"], 900);
    let bytes = reqwest::get(pdf.body["download_url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    assert_eq!(
        bytes.len() as u64,
        pdf.body["export"]["size_bytes"].as_u64().unwrap()
    );
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/Image"), "the product photo is embedded");
    assert!(
        text.matches("/Type /Page").count() >= 4 || text.matches("/Type/Page").count() >= 4,
        "cover, comparison, two scenarios, sustainability"
    );
    if std::env::var_os("ROOMWRIGHT_KEEP_EXPORTS").is_some() {
        std::fs::write("/tmp/roomwright-quote.pdf", &bytes).unwrap();
    }

    // A fresh URL on request, for the same object.
    let export_id = pdf.body["export"]["id"].as_str().unwrap();
    let again = app
        .get(&format!("/v1/projects/{id}/exports/{export_id}"), &token)
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["export"]["key"], pdf.body["export"]["key"]);

    let xlsx = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/exports"),
            &token,
            None,
            Some(json!({"format": "xlsx", "scenario_ids": ["better"]})),
        )
        .await;
    assert_eq!(xlsx.status, StatusCode::CREATED, "{}", xlsx.body);
    let workbook = reqwest::get(xlsx.body["download_url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(workbook.starts_with(b"PK"), "an OOXML zip");

    let unknown = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/exports"),
            &token,
            None,
            Some(json!({"format": "xlsx", "scenario_ids": ["best"]})),
        )
        .await;
    assert_eq!(unknown.body["errors"][0]["path"], "scenario_ids[0]");
    let (stranger, _) = app.user("zed@example.com", Role::Designer).await;
    let hidden = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/exports"),
            &stranger,
            None,
            Some(json!({"format": "pdf"})),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
}
