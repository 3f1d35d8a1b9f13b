//! Floor plans, scenarios, placement warnings and quotes checked against hand-computed money.

mod common;

use common::{app, product, with_breaks};
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use serde_json::{Value, json};

fn office_plan() -> Value {
    let wall = |id: &str, start: [f64; 2], end: [f64; 2]| json!({"id": id, "start": start, "end": end, "thickness_m": 0.15, "height_m": 2.7});
    json!({
        "units": "m",
        "rooms": [{"id": "r1", "name": "Studio", "kind": "office", "polygon": [[0, 0], [6, 0], [6, 4], [0, 4]]}],
        "walls": [wall("south", [0.0, 0.0], [6.0, 0.0]), wall("east", [6.0, 0.0], [6.0, 4.0]), wall("north", [6.0, 4.0], [0.0, 4.0]), wall("west", [0.0, 4.0], [0.0, 0.0])],
        "openings": [{"id": "d1", "wall_id": "south", "kind": "door", "offset_m": 0.5, "width_m": 0.9, "height_m": 2.1}]
    })
}

#[tokio::test]
async fn invalid_floor_plans_name_each_field_and_change_nothing() {
    let app = app().await;
    let (token, _) = app.user("fay@example.com", Role::Designer).await;
    let (id, etag) = app.project(&token, json!({"name": "Plan test"})).await;
    let mut plan = office_plan();
    plan["rooms"][0]["polygon"] = json!([[0, 0], [6, 4], [6, 0], [0, 4]]);
    plan["openings"][0]["offset_m"] = json!(5.5);
    plan["walls"][2]["height_m"] = json!(40);
    let bad = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/floor-plan"),
            &token,
            Some(&etag),
            Some(plan),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<_> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "rooms[0].polygon",
            "walls[2].height_m",
            "openings[0].offset_m"
        ]
    );
    let shape = app.send(Method::PUT, &format!("/v1/projects/{id}/floor-plan"), &token, Some(&etag), Some(json!({"units": "m", "rooms": [{"id": "r", "name": "x", "kind": "office", "polygon": [[0, "a"]]}]}))).await;
    assert_eq!(shape.body["errors"][0]["path"], "rooms[0].polygon[0][1]");

    let unchanged = app.get(&format!("/v1/projects/{id}"), &token).await;
    assert_eq!(unchanged.etag(), etag);
    assert!(unchanged.body.get("floor_plan").is_none());

    let ok = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/floor-plan"),
            &token,
            Some(&etag),
            Some(office_plan()),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["floor_plan"]["rooms"][0]["name"], "Studio");
}

#[tokio::test]
async fn quotes_match_hand_computed_totals() {
    let app = app().await;
    let (token, _) = app.user("gus@example.com", Role::Designer).await;
    app.put_product(&with_breaks(
        product("desk", 100_000, 70_000, (1600, 800)),
        &[(10, 65_000), (50, 60_000)],
    ))
    .await;
    let mut chair = product("chair", 45_000, 30_000, (650, 650));
    chair.dimensions.weight_kg = 8.0;
    chair.sustainability.embodied_carbon_kg = 20.0;
    chair.sustainability.recycled_content_pct = 60.0;
    chair.stock.lead_time_days = 21;
    app.put_product(&chair).await;
    let (id, etag) = app.project(&token, json!({"name": "Quote", "requirements": {"currency": "EUR", "budget_ceiling_minor": 1_500_000}})).await;

    let scenario = json!({
        "id": "better", "name": "Better",
        "selections": [
            {"id": "s1", "product_id": "desk", "quantity": 6, "finish": "oak"},
            {"id": "s2", "product_id": "desk", "quantity": 4, "finish": "white"},
            {"id": "s3", "product_id": "chair", "quantity": 12}
        ],
        "terms": {"freight_bp": 300, "installation_bp": 800, "project_management_bp": 500, "contingency_bp": 500, "tax_rate_bp": 2100}
    });
    let saved = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/scenarios/better"),
            &token,
            Some(&etag),
            Some(scenario),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body["warnings"], json!([]));

    let quote = app
        .get(&format!("/v1/projects/{id}/scenarios/better/quote"), &token)
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.body);
    let q = &quote.body;
    // Ten desks in all reach the 10-unit break (650.00), not the 50-unit one.
    assert_eq!(q["lines"][0]["unit_net_minor"], 65_000);
    assert_eq!(q["lines"][0]["line_list_minor"], 600_000);
    assert_eq!(q["lines"][1]["line_net_minor"], 260_000);
    assert_eq!(q["lines"][2]["line_net_minor"], 360_000);
    assert_eq!(q["subtotal_list_minor"], 1_540_000);
    assert_eq!(q["subtotal_net_minor"], 1_010_000);
    assert_eq!(q["discount_minor"], 530_000);
    assert_eq!(q["freight_minor"], 30_300);
    assert_eq!(q["installation_minor"], 80_800);
    assert_eq!(q["project_management_minor"], 50_500);
    // 5% of 1,171,600.
    assert_eq!(q["contingency_minor"], 58_580);
    assert_eq!(q["total_before_tax_minor"], 1_230_180);
    // 21% of 1,230,180 = 258,337.8, rounded half up.
    assert_eq!(q["tax_minor"], 258_338);
    assert_eq!(q["total_minor"], 1_488_518);
    assert_eq!(q["within_budget"], true);
    // Ten desks against 8 available, twelve chairs against 8: the chairs' 21 days decide.
    assert_eq!(q["lines"][0]["in_stock"], false);
    assert_eq!(q["max_lead_time_days"], 21);
    assert_eq!(q["sustainability"]["embodied_carbon_kg"], 740.0);
    // (200 kg x 40% + 96 kg x 60%) / 296 kg = 46.5%.
    assert_eq!(q["sustainability"]["recycled_content_pct"], 46.5);
    assert_eq!(q["lines"][0]["image"], "products/desk/main.jpg");
}

#[tokio::test]
async fn selections_of_unknown_products_or_finishes_are_refused_and_currencies_never_mix() {
    let app = app().await;
    let (token, _) = app.user("hal@example.com", Role::Designer).await;
    let mut usd = product("usd-desk", 90_000, 60_000, (1400, 700));
    usd.list_price.currency = "USD".into();
    app.put_product(&usd).await;
    app.put_product(&product("desk", 100_000, 70_000, (1600, 800)))
        .await;
    let (id, etag) = app.project(&token, json!({"name": "Refusals"})).await;
    let put = |body: Value, tag: String| {
        let app = &app;
        let (path, token) = (format!("/v1/projects/{id}/scenarios/a"), token.clone());
        async move {
            app.send(Method::PUT, &path, &token, Some(&tag), Some(body))
                .await
        }
    };
    let bad = put(
        json!({"id": "a", "name": "A", "selections": [
            {"id": "s1", "product_id": "nope", "quantity": 1},
            {"id": "s2", "product_id": "desk", "quantity": 1, "finish": "gold"},
            {"id": "s3", "product_id": "desk", "quantity": 0}
        ]}),
        etag.clone(),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<_> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [("selections[2].quantity", "out_of_range")],
        "shape errors come before catalog checks"
    );
    let bad = put(
        json!({"id": "a", "name": "A", "selections": [
            {"id": "s1", "product_id": "nope", "quantity": 1},
            {"id": "s2", "product_id": "desk", "quantity": 1, "finish": "gold"}
        ]}),
        etag.clone(),
    )
    .await;
    let codes: Vec<_> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["unknown_product", "unknown_finish"]);

    let saved = put(json!({"id": "a", "name": "A", "selections": [{"id": "s1", "product_id": "usd-desk", "quantity": 1}]}), etag).await;
    assert_eq!(saved.status, StatusCode::OK);
    let quote = app
        .get(&format!("/v1/projects/{id}/scenarios/a/quote"), &token)
        .await;
    assert_eq!(quote.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(quote.body["errors"][0]["code"], "currency_mismatch");

    let (viewer, _) = app.user("vera@example.com", Role::Viewer).await;
    let refused = app
        .get(&format!("/v1/projects/{id}/scenarios/a/quote"), &viewer)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "quotes need estimates:create"
    );
}

#[tokio::test]
async fn placements_that_leave_the_room_or_overlap_are_saved_with_warnings() {
    let app = app().await;
    let (token, _) = app.user("ivy@example.com", Role::Designer).await;
    app.put_product(&product("desk", 100_000, 70_000, (1600, 800)))
        .await;
    app.put_product(&product("chair", 45_000, 30_000, (650, 650)))
        .await;
    let (id, etag) = app.project(&token, json!({"name": "Layout"})).await;
    let planned = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/floor-plan"),
            &token,
            Some(&etag),
            Some(office_plan()),
        )
        .await;
    let scenario = json!({"id": "layout", "name": "Layout", "selections": [
        {"id": "fits", "product_id": "desk", "quantity": 1, "placement": {"room_id": "r1", "x_m": 3.0, "y_m": 2.0}},
        {"id": "in-wall", "product_id": "desk", "quantity": 1, "placement": {"room_id": "r1", "x_m": 0.42, "y_m": 2.0, "rotation_deg": 90}},
        {"id": "on-desk", "product_id": "chair", "quantity": 1, "placement": {"room_id": "r1", "x_m": 3.2, "y_m": 2.1}},
        {"id": "outside", "product_id": "chair", "quantity": 1, "placement": {"room_id": "r1", "x_m": 9.0, "y_m": 2.0}},
        {"id": "nowhere", "product_id": "chair", "quantity": 1, "placement": {"room_id": "r9", "x_m": 1.0, "y_m": 1.0}}
    ]});
    let saved = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/scenarios/layout"),
            &token,
            Some(planned.etag()),
            Some(scenario),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let warnings: Vec<(String, String)> = saved.body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["selection_id"].as_str().unwrap().to_string(),
                w["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = |id: &str, code: &str| (id.to_string(), code.to_string());
    assert_eq!(
        warnings,
        [
            expect("in-wall", "overlaps_wall"),
            expect("on-desk", "overlaps_item"),
            expect("outside", "leaves_room"),
            expect("nowhere", "unknown_room"),
        ]
    );
    // Saved regardless: the caller decides.
    assert_eq!(
        saved.body["project"]["scenarios"][0]["selections"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}
