//! Semantic search with the real all-MiniLM-L6-v2 model: search by meaning, hybrid ranking,
//! the ranking formula's weights, and similar products by embedding.

mod common;

use http::{Method, StatusCode};
use roomwright_devstack::demo;
use serde_json::{Value, json};

fn categories(reply: &Value) -> Vec<String> {
    reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["category"][1].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn meaning_finds_what_words_alone_would_not() {
    let app = common::app_with(common::Options {
        model: true,
        ..Default::default()
    })
    .await;
    let admin = app.admin().await;
    let products = demo::generate(120, 21);
    app.import(&admin, &products).await;
    let manifest = app.reindex(&admin).await;
    assert_eq!(manifest["embedded"], 120);
    // Nothing changed: a rebuild reuses every vector.
    let again = app.catalog.search.reindex(&app.stack.state).await.unwrap();
    assert_eq!(again.embedded, 0);

    let query =
        "/v1/products/search?q=a%20warm%20wooden%20desk%20for%20a%20small%20home%20office&limit=5";
    let hybrid = app.get(query, &admin).await;
    assert_eq!(hybrid.status, StatusCode::OK, "{}", hybrid.body);
    assert_eq!(hybrid.body["mode"], "hybrid");
    let found = categories(&hybrid.body);
    let desks = |found: &[String]| found.iter().filter(|c| c.contains("desks")).count();
    assert!(
        found[0].contains("desks") && desks(&found) >= 4,
        "{found:?}"
    );

    let semantic = app.get(&format!("{query}&mode=semantic"), &admin).await;
    let found = categories(&semantic.body);
    assert!(
        found[0].contains("desks") && desks(&found) >= 4,
        "{found:?}"
    );
    // Words the catalog never uses still land: "somewhere to sit and read".
    let reading = app
        .get(
            "/v1/products/search?q=somewhere%20comfy%20to%20sit%20and%20read&mode=semantic&limit=3",
            &admin,
        )
        .await;
    let found = categories(&reading.body);
    assert!(
        found.iter().any(|c| c == "Lounge chairs" || c == "Sofas"),
        "{found:?}"
    );

    // The formula's weights: with brand preference dominant, the preferred brand leads.
    let brand = products[0].brand.clone();
    let ranked = app
        .send(
            Method::POST,
            "/v1/products/semantic-search",
            &admin,
            None,
            Some(json!({"query": "office chair", "preferred_brands": [brand],
                        "weights": {"similarity": 0.1, "brand": 1.0, "price": 0.0, "availability": 0.0}, "limit": 5})),
        )
        .await;
    assert_eq!(ranked.status, StatusCode::OK, "{}", ranked.body);
    assert_eq!(
        ranked.body["items"].as_array().unwrap().len(),
        5,
        "{}",
        ranked.body
    );
    assert!(
        ranked.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["brand"] == brand.as_str())
    );
    // A budget pulls prices towards it.
    let cheap = app
        .send(Method::POST, "/v1/products/semantic-search", &admin, None,
              Some(json!({"query": "sofa", "budget_minor": 100_000, "weights": {"similarity": 0.2, "price": 1.0}, "limit": 3})))
        .await;
    assert_eq!(cheap.status, StatusCode::OK, "{}", cheap.body);
    assert_eq!(
        cheap.body["items"].as_array().unwrap().len(),
        3,
        "{}",
        cheap.body
    );
    for item in cheap.body["items"].as_array().unwrap() {
        let price = item["list_price"]["amount_minor"].as_i64().unwrap();
        assert!(price <= 200_000, "{price}");
    }
    let refused = app
        .send(
            Method::POST,
            "/v1/products/semantic-search",
            &admin,
            None,
            Some(json!({"query": "sofa", "weights": {"similarity": 0.0, "price": 1.5}})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["weights.price", "weights.similarity"]);

    // Similar by embedding: a sofa's neighbours are seating, and not itself.
    let sofa = products.iter().find(|p| p.category[1] == "Sofas").unwrap();
    let similar = app
        .get(&format!("/v1/products/{}/similar?limit=3", sofa.id), &admin)
        .await;
    assert_eq!(similar.status, StatusCode::OK, "{}", similar.body);
    assert_eq!(
        similar.body["items"].as_array().unwrap().len(),
        3,
        "{}",
        similar.body
    );
    let found = categories(&similar.body);
    assert!(
        similar.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != sofa.id.as_str())
    );
    assert!(
        found
            .iter()
            .all(|c| ["Sofas", "Lounge chairs"].contains(&c.as_str())),
        "{found:?}"
    );
}
