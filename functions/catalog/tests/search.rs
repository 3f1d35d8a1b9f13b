//! Search over the seeded demo catalog: typos, word forms, filters, disjunctive facets,
//! sorting, cursors, refusals, and the index following catalog changes.

mod common;

use std::collections::{BTreeMap, HashSet};

use http::{Method, StatusCode};
use roomwright_core::catalog::Product;
use roomwright_devstack::demo;
use serde_json::{Value, json};

fn names(reply: &Value) -> Vec<String> {
    reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

fn facet(reply: &Value, name: &str) -> BTreeMap<String, u64> {
    reply["facets"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["value"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn count_by<'a>(
    products: impl Iterator<Item = &'a Product>,
    key: impl Fn(&Product) -> Vec<String>,
) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for p in products {
        for k in key(p) {
            *counts.entry(k).or_default() += 1;
        }
    }
    counts
}

#[tokio::test]
async fn seeded_catalog_search_forgives_typos_and_word_forms_and_filters_exactly() {
    let app = common::app().await;
    let admin = app.seeded().await;
    let catalog = demo::demo_catalog();
    let search = |query: &str| format!("/v1/products/search?{query}");

    // A typo and a plural: "chiars" still finds chairs, and only chairs rank first.
    let reply = app.get(&search("q=chiars&limit=20"), &admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["mode"], "text");
    let found = names(&reply.body);
    assert_eq!(found.len(), 20);
    assert!(found.iter().all(|n| n.contains("chair")), "{found:?}");

    // Two typos in a long word, plus a second word.
    let reply = app.get(&search("q=wallnut%20sideboard"), &admin).await;
    let top = &reply.body["items"][0];
    assert!(top["name"].as_str().unwrap().contains("sideboard"), "{top}");
    assert!(
        top["materials"].to_string().contains("walnut")
            || top["description"].as_str().unwrap().contains("walnut")
    );

    // Stemming: singular and plural find the same products.
    let singular = app.get(&search("q=bookcase"), &admin).await;
    let plural = app.get(&search("q=Bookcases"), &admin).await;
    let expected = catalog
        .iter()
        .filter(|p| p.name.contains("bookcase"))
        .count() as u64;
    assert_eq!(singular.body["total"], expected);
    assert_eq!(plural.body["total"], expected);

    // Filters: every result satisfies all of them, and none that would is missing.
    let reply = app
        .get(
            &search("category=Seating/Task%20chairs&in_stock=true&price_max=80000&max_width_mm=680&limit=100"),
            &admin,
        )
        .await;
    let wanted: Vec<&Product> = catalog
        .iter()
        .filter(|p| {
            p.category.join("/") == "Seating/Task chairs"
                && p.stock.available > 0
                && p.list_price.amount_minor <= 80_000
                && p.dimensions.width_mm <= 680
        })
        .collect();
    assert!(!wanted.is_empty());
    assert_eq!(reply.body["total"], wanted.len() as u64);
    let ids: HashSet<&str> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, wanted.iter().map(|p| p.id.as_str()).collect());

    // Certification and carbon.
    let reply = app
        .get(
            &search("certification=FSC&max_carbon_kg=40&limit=100"),
            &admin,
        )
        .await;
    let expected = catalog
        .iter()
        .filter(|p| {
            p.certifications.iter().any(|c| c == "FSC")
                && p.sustainability.embodied_carbon_kg <= 40.0
        })
        .count() as u64;
    assert_eq!(reply.body["total"], expected);
    for item in reply.body["items"].as_array().unwrap() {
        assert!(item["certifications"].to_string().contains("FSC"));
        assert!(
            item["sustainability"]["embodied_carbon_kg"]
                .as_f64()
                .unwrap()
                <= 40.0
        );
    }

    // Facets are disjunctive: the category facet ignores the category filter, brand counts
    // follow it.
    let reply = app.get(&search("category=Seating"), &admin).await;
    let seating: Vec<&Product> = catalog
        .iter()
        .filter(|p| p.category[0] == "Seating")
        .collect();
    assert_eq!(reply.body["total"], seating.len() as u64);
    assert_eq!(
        facet(&reply.body, "brand"),
        count_by(seating.iter().copied(), |p| vec![p.brand.clone()])
    );
    assert_eq!(
        facet(&reply.body, "category"),
        count_by(catalog.iter(), |p| vec![p.category.join("/")])
    );
    let reply = app.get(&search("brand=Nordform"), &admin).await;
    assert_eq!(
        facet(&reply.body, "brand"),
        count_by(catalog.iter(), |p| vec![p.brand.clone()])
    );
    let nordform: Vec<&Product> = catalog.iter().filter(|p| p.brand == "Nordform").collect();
    assert_eq!(reply.body["total"], nordform.len() as u64);
    assert_eq!(
        facet(&reply.body, "certification"),
        count_by(nordform.iter().copied(), |p| p.certifications.clone())
    );
}

#[tokio::test]
async fn sorting_and_cursors_walk_every_result_once() {
    let app = common::app().await;
    let admin = app.seeded().await;
    let catalog = demo::demo_catalog();

    let reply = app
        .get(
            "/v1/products/search?category=Storage&sort=price_asc&limit=50",
            &admin,
        )
        .await;
    let prices: Vec<i64> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["list_price"]["amount_minor"].as_i64().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let reply = app
        .get(
            "/v1/products/search?q=chair&sort=lead_time&limit=50",
            &admin,
        )
        .await;
    let leads: Vec<u64> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["stock"]["lead_time_days"].as_u64().unwrap())
        .collect();
    assert!(leads.windows(2).all(|w| w[0] <= w[1]), "{leads:?}");

    let expected: HashSet<String> = catalog
        .iter()
        .filter(|p| p.category[0] == "Storage")
        .map(|p| p.id.clone())
        .collect();
    let mut seen = Vec::new();
    let mut path = "/v1/products/search?category=Storage&sort=price_desc&limit=7".to_string();
    loop {
        let reply = app.get(&path, &admin).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        seen.extend(
            reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string()),
        );
        match reply.body["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!(
                    "/v1/products/search?category=Storage&sort=price_desc&limit=7&cursor={cursor}"
                )
            }
            None => break,
        }
        // A cursor belongs to its search.
        let other = app
            .get(
                &format!(
                    "/v1/products/search?category=Seating&limit=7&cursor={}",
                    reply.body["next_cursor"].as_str().unwrap()
                ),
                &admin,
            )
            .await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other.body["errors"][0]["path"], "cursor");
    }
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), expected);
}

#[tokio::test]
async fn bad_search_parameters_are_refused_with_the_field() {
    let app = common::app().await;
    let admin = app.seeded().await;
    for (query, field) in [
        ("sort=cheapest", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("price_min=500&price_max=100", "price_min"),
        ("mode=semantic&q=desk", "mode"),
        ("max_carbon_kg=-1", "max_carbon_kg"),
    ] {
        let reply = app
            .get(&format!("/v1/products/search?{query}"), &admin)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            reply.body
        );
        assert_eq!(reply.content_type, "application/problem+json");
        assert_eq!(reply.body["errors"][0]["path"], field, "{query}");
    }
    // A value of the wrong type is a malformed query, as everywhere in the API.
    let reply = app.get("/v1/products/search?in_stock=maybe", &admin).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.content_type, "application/problem+json");
}

#[tokio::test]
async fn the_index_follows_catalog_changes_and_is_refused_before_it_exists() {
    let app = common::app().await;
    let admin = app.admin().await;
    let reply = app.get("/v1/products/search?q=desk", &admin).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.body["code"], "index_not_ready");

    let products = demo::generate(40, 5);
    app.import(&admin, &products).await;
    let first = app.reindex(&admin).await;
    assert_eq!(first["products"], 40);
    // Nothing changed: the scheduled check does not rebuild.
    assert!(
        app.catalog
            .search
            .reindex_if_stale(&app.stack.state)
            .await
            .unwrap()
            .is_none()
    );

    let target = &products[0];
    let reply = app
        .get(&format!("/v1/products/{}", target.id), &admin)
        .await;
    let etag = reply.etag().to_string();
    let retired = app
        .send(
            Method::POST,
            &format!("/v1/products/{}/retire", target.id),
            &admin,
            Some(&etag),
            None,
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.body);
    let rebuilt = app
        .catalog
        .search
        .reindex_if_stale(&app.stack.state)
        .await
        .unwrap()
        .expect("a rebuild");
    assert_eq!(rebuilt.products, 39);
    assert!(rebuilt.revision > first["revision"].as_u64().unwrap());
    let name_query = target.name.replace(' ', "%20");
    let reply = app
        .get(
            &format!("/v1/products/search?q={name_query}&limit=100"),
            &admin,
        )
        .await;
    assert!(
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != target.id.as_str())
    );

    // A fresh function instance loads the published index from S3.
    let cold = roomwright_catalog::SearchService::new(None);
    cold.refresh(&app.stack.state).await.unwrap();
    assert_eq!(cold.loaded().unwrap().meta.products, 39);
}

#[tokio::test]
async fn similar_products_share_the_category_and_leave_the_product_out() {
    let app = common::app().await;
    let admin = app.seeded().await;
    let catalog = demo::demo_catalog();
    let chair = catalog
        .iter()
        .find(|p| p.category[1] == "Task chairs")
        .unwrap();
    let reply = app
        .get(
            &format!("/v1/products/{}/similar?limit=5", chair.id),
            &admin,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let items = reply.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    for item in items {
        assert_ne!(item["id"], chair.id.as_str());
        assert_eq!(item["category"], json!(chair.category));
    }
    let reply = app.get("/v1/products/nope/similar", &admin).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}
