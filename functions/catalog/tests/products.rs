//! Products: create, read, replace with If-Match, retire, uploads, bulk import, and who may.

mod common;

use http::{Method, StatusCode};
use roomwright_catalog_api::{import::to_csv, input::ProductInput};
use roomwright_core::auth::Role;
use roomwright_devstack::demo;
use serde_json::{Value, json};

fn input(sku: &str) -> Value {
    let mut product = demo::generate(1, 99).remove(0);
    product.sku = sku.into();
    let mut value = serde_json::to_value(ProductInput::from(&product)).unwrap();
    value.as_object_mut().unwrap().remove("id");
    value
}

#[tokio::test]
async fn products_are_created_read_replaced_with_if_match_and_retired() {
    let app = common::app().await;
    let admin = app.admin().await;
    let (designer, _) = app.user("designer@example.com", Role::Designer).await;

    let created = app
        .send(
            Method::POST,
            "/v1/products",
            &admin,
            None,
            Some(input("ACME-1")),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.etag(), "\"1\"");
    assert_eq!(created.body["status"], "active");

    // Designers read but do not write.
    let read = app.get(&format!("/v1/products/{id}"), &designer).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["sku"], "ACME-1");
    let refused = app
        .send(
            Method::POST,
            "/v1/products",
            &designer,
            None,
            Some(input("ACME-2")),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // SKUs are unique, case-insensitively.
    let taken = app
        .send(
            Method::POST,
            "/v1/products",
            &admin,
            None,
            Some(input("acme-1")),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert_eq!(taken.body["code"], "sku_taken");

    // Validation names every bad field and stores nothing.
    let mut bad = input("ACME-3");
    bad["dimensions"]["width_mm"] = json!(0);
    bad["dealer_price_minor"] = json!(bad["list_price"]["amount_minor"].as_i64().unwrap() + 1);
    bad["images"] = json!(["products/other/images/x.jpg"]);
    let reply = app
        .send(Method::POST, "/v1/products", &admin, None, Some(bad))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["dimensions.width_mm", "dealer_price_minor", "images[0]"]
    );
    let sku_free = app
        .send(
            Method::POST,
            "/v1/products",
            &admin,
            None,
            Some(input("ACME-3")),
        )
        .await;
    assert_eq!(sku_free.status, StatusCode::CREATED);

    // Replace: needs If-Match, refuses a stale one, renames the SKU and frees the old one.
    let mut change = input("ACME-1B");
    change["name"] = json!("Renamed chair");
    let path = format!("/v1/products/{id}");
    let missing = app
        .send(Method::PUT, &path, &admin, None, Some(change.clone()))
        .await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    let replaced = app
        .send(
            Method::PUT,
            &path,
            &admin,
            Some("\"1\""),
            Some(change.clone()),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.etag(), "\"2\"");
    let stale = app
        .send(Method::PUT, &path, &admin, Some("\"1\""), Some(change))
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let reuse_old_sku = app
        .send(
            Method::POST,
            "/v1/products",
            &admin,
            None,
            Some(input("ACME-1")),
        )
        .await;
    assert_eq!(
        reuse_old_sku.status,
        StatusCode::CREATED,
        "{}",
        reuse_old_sku.body
    );

    // Retire keeps the product readable (quotes name it) but marks it.
    let retired = app
        .send(
            Method::POST,
            &format!("{path}/retire"),
            &admin,
            Some("\"2\""),
            None,
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK);
    assert_eq!(retired.body["status"], "retired");
    assert_eq!(app.get(&path, &designer).await.body["status"], "retired");
    assert_eq!(
        app.get("/v1/products/p-nope", &designer).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn uploads_are_presigned_for_allowed_types_and_sizes_only() {
    let app = common::app().await;
    let admin = app.admin().await;
    let created = app
        .send(
            Method::POST,
            "/v1/products",
            &admin,
            None,
            Some(input("UP-1")),
        )
        .await;
    let id = created.body["id"].as_str().unwrap();
    let path = format!("/v1/products/{id}/uploads");
    let ok = app
        .send(
            Method::POST,
            &path,
            &admin,
            None,
            Some(json!({"kind": "image", "content_type": "image/png", "size_bytes": 68})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let key = ok.body["key"].as_str().unwrap();
    // S3 (unlike the local server) enforces what is signed: the type and the exact size.
    let url = ok.body["upload_url"].as_str().unwrap();
    let signed = url
        .split("X-Amz-SignedHeaders=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(
        signed.contains("content-type") && signed.contains("content-length"),
        "{signed}"
    );
    assert!(key.starts_with(&format!("products/{id}/images/")) && key.ends_with(".png"));
    // The URL really uploads, with the signed type and size.
    let png = vec![0u8; 68];
    let put = reqwest::Client::new()
        .put(ok.body["upload_url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(png)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    // Attach it: the product now names the image.
    let mut with_image = input("UP-1");
    with_image["images"] = json!([key]);
    let replaced = app
        .send(
            Method::PUT,
            &format!("/v1/products/{id}"),
            &admin,
            Some("\"1\""),
            Some(with_image),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["images"][0], key);

    for (body, field) in [
        (
            json!({"kind": "image", "content_type": "image/gif", "size_bytes": 10}),
            "content_type",
        ),
        (
            json!({"kind": "model", "content_type": "image/png", "size_bytes": 10}),
            "content_type",
        ),
        (
            json!({"kind": "image", "content_type": "image/jpeg", "size_bytes": 11 * 1024 * 1024}),
            "size_bytes",
        ),
        (
            json!({"kind": "model", "content_type": "model/gltf-binary", "size_bytes": 0}),
            "size_bytes",
        ),
    ] {
        let reply = app
            .send(Method::POST, &path, &admin, None, Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.body["errors"][0]["path"], field);
    }
    let glb = app
        .send(
            Method::POST,
            &path,
            &admin,
            None,
            Some(json!({"kind": "model", "content_type": "model/gltf-binary", "size_bytes": 4096})),
        )
        .await;
    assert!(glb.body["key"].as_str().unwrap().ends_with(".glb"));
}

#[tokio::test]
async fn csv_import_keeps_good_rows_rejects_bad_ones_with_reasons_and_updates_by_sku() {
    let app = common::app().await;
    let admin = app.admin().await;
    let mut products = demo::generate(60, 11);
    products[3].dimensions.width_mm = 0; // invalid
    products[7].sku = products[2].sku.clone(); // duplicate in the file
    products[9].list_price.currency = "EURO".into(); // invalid
    let mut csv = to_csv(&products).unwrap();
    csv.push_str("x,BROKEN-ROW,Broken,,,Desks,not-a-number,1,1,1,EUR,1,1,,,,,,,1,1,1,1,1,\n");
    let auth = format!("Bearer {admin}");
    let reply = app
        .request(
            Method::POST,
            "/v1/products/imports",
            &[("authorization", &auth)],
            Some(("text/csv", csv.into_bytes())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["rows"], 61);
    assert_eq!(reply.body["created"], 57);
    let rejected: Vec<(u64, String)> = reply.body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["errors"][0]["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (4, "dimensions.width_mm".into()),
            (8, "sku".into()),
            (10, "list_price.currency".into()),
            (61, "width_mm".into())
        ]
    );
    // Rejected rows left nothing behind; good rows are readable.
    assert_eq!(
        app.get(&format!("/v1/products/{}", products[3].id), &admin)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/v1/products/{}", products[4].id), &admin)
            .await
            .status,
        StatusCode::OK
    );

    // Importing again updates by SKU (versions move) and keeps ids.
    products[4].name = "Updated by import".into();
    let again = app.import(&admin, &products[4..6]).await;
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(2))
    );
    let read = app
        .get(&format!("/v1/products/{}", products[4].id), &admin)
        .await;
    assert_eq!(read.body["name"], "Updated by import");
    assert_eq!(read.etag(), "\"2\"");

    // A row claiming another product's SKU under a different id is refused.
    let mut thief = products[5].clone();
    thief.id = "p-thief".into();
    let report = app.import(&admin, &[thief]).await;
    assert_eq!(report["rejected"][0]["errors"][0]["code"], "sku_taken");

    // Unsupported bodies are refused before anything is read.
    let reply = app
        .request(
            Method::POST,
            "/v1/products/imports",
            &[("authorization", &auth)],
            Some(("text/plain", b"x".to_vec())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn large_imports_go_through_an_upload() {
    let app = common::app().await;
    let admin = app.admin().await;
    let products = demo::generate(30, 12);
    let csv = to_csv(&products).unwrap().into_bytes();
    let ticket = app
        .send(
            Method::POST,
            "/v1/products/imports/uploads",
            &admin,
            None,
            Some(json!({"content_type": "text/csv", "size_bytes": csv.len()})),
        )
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.body);
    let put = reqwest::Client::new()
        .put(ticket.body["upload_url"].as_str().unwrap())
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let report = app
        .send(
            Method::POST,
            "/v1/products/imports",
            &admin,
            None,
            Some(json!({"source_key": ticket.body["source_key"]})),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert_eq!(report.body["created"], 30);
    let missing = app
        .send(
            Method::POST,
            "/v1/products/imports",
            &admin,
            None,
            Some(json!({"source_key": "imports/nothing.csv"})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn makers_are_registered_by_admins_and_matched_for_anyone_who_sees_products() {
    let app = common::app().await;
    let admin = app.admin().await;
    let (viewer, _) = app.user("viewer@example.com", Role::Viewer).await;
    let maker = json!({"name": "Holzwerk Berlin", "capabilities": ["joinery"], "materials": ["Oak"],
                       "location": {"city": "Berlin", "country": "DE", "lat": 52.52, "lon": 13.405},
                       "lead_time_days": 35, "min_order_minor": 200000, "currency": "EUR",
                       "contact_email": "studio@holzwerk.example"});
    let refused = app
        .send(
            Method::POST,
            "/v1/makers",
            &viewer,
            None,
            Some(maker.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let created = app
        .send(
            Method::POST,
            "/v1/makers",
            &admin,
            None,
            Some(maker.clone()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let mut bad = maker;
    bad["capabilities"] = json!(["plumbing"]);
    bad["location"]["lat"] = json!(95);
    let invalid = app
        .send(Method::POST, "/v1/makers", &admin, None, Some(bad))
        .await;
    let paths: Vec<&str> = invalid.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["capabilities[0]", "location.lat"]);
    assert_eq!(
        app.get("/v1/makers", &viewer)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let brief = json!({"capabilities": ["joinery"], "materials": ["oak"],
                       "site": {"city": "Potsdam", "country": "DE", "lat": 52.39, "lon": 13.06}});
    let matched = app
        .send(Method::POST, "/v1/makers/match", &viewer, None, Some(brief))
        .await;
    assert_eq!(matched.status, StatusCode::OK, "{}", matched.body);
    assert_eq!(matched.body[0]["maker"]["name"], "Holzwerk Berlin");
    assert!(matched.body[0]["distance_km"].as_f64().unwrap() < 40.0);
    let none = app
        .send(Method::POST, "/v1/makers/match", &viewer, None,
              Some(json!({"capabilities": ["upholstery"], "site": {"city": "x", "country": "DE", "lat": 52.0, "lon": 13.0}})))
        .await;
    assert_eq!(none.body, json!([]));
}
