//! Design generation through the routes: propose furnished layouts of a floor plan from the
//! brief, refuse what cannot be asked, accept a proposal as a scenario, price it.

mod common;

use common::app;
use http::{Method, StatusCode};
use roomwright_core::auth::Role;
use roomwright_layout::sample::{FloorSpec, catalog, floor};
use serde_json::{Value, json};

fn paths(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| e["path"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_floor_is_furnished_from_the_brief_and_a_proposal_becomes_a_scenario() {
    let app = app().await;
    let (token, _) = app.user("lia@example.com", Role::Designer).await;
    let (viewer_token, _) = app.user("vic@example.com", Role::Designer).await;
    let (stranger, _) = app.user("sam@example.com", Role::Designer).await;
    for product in catalog() {
        app.put_product(&product).await;
    }
    let (id, etag) = app
        .project(
            &token,
            json!({"name": "HQ floor 3", "requirements": {"headcount": 10, "budget_ceiling_minor": 6_000_000}}),
        )
        .await;
    let layouts = format!("/v1/projects/{id}/layouts");

    // No plan yet: nothing to furnish.
    let none = app
        .send(Method::POST, &layouts, &token, None, Some(json!({})))
        .await;
    assert_eq!(none.status, StatusCode::CONFLICT, "{}", none.body);
    assert_eq!(none.body["code"], "no_floor_plan");

    let plan = floor(FloorSpec {
        seed: 3,
        rooms: 6,
        angle_deg: 0.0,
        cut_corner: false,
        min_area_m2: 0.0,
    });
    let put = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/floor-plan"),
            &token,
            Some(&etag),
            Some(serde_json::to_value(&plan).unwrap()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let etag = put.etag().to_string();
    let members = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/members"),
            &token,
            Some(&etag),
            Some(json!({"email": "vic@example.com", "role": "viewer"})),
        )
        .await;
    assert_eq!(members.status, StatusCode::OK, "{}", members.body);
    let etag = members.etag().to_string();

    // Refused before any work: bounds, unknown rooms and scenarios; viewers and strangers.
    let bad = app
        .send(
            Method::POST,
            &layouts,
            &token,
            None,
            Some(json!({"alternatives": 5, "rooms": ["room-1", "nowhere"], "scenario_id": "nope", "brief": {"headcount": 0, "desk_ratio": 3.0}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(
        paths(&bad.body),
        ["alternatives", "brief.headcount", "brief.desk_ratio"]
    );
    let bad = app
        .send(
            Method::POST,
            &layouts,
            &token,
            None,
            Some(json!({"rooms": ["room-1", "nowhere"], "scenario_id": "nope"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(paths(&bad.body), ["rooms[1]", "scenario_id"]);
    let viewer = app
        .send(Method::POST, &layouts, &viewer_token, None, Some(json!({})))
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN, "{}", viewer.body);
    let foreign = app
        .send(Method::POST, &layouts, &stranger, None, Some(json!({})))
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let unchanged = app.get(&format!("/v1/projects/{id}"), &token).await;
    assert_eq!(
        unchanged.etag(),
        etag,
        "proposing writes nothing to the project"
    );

    let proposed = app
        .send(
            Method::POST,
            &layouts,
            &token,
            None,
            Some(json!({"alternatives": 2, "brief": {"headcount": 12}})),
        )
        .await;
    assert_eq!(proposed.status, StatusCode::CREATED, "{}", proposed.body);
    let body = &proposed.body;
    assert_eq!(body["brief"]["headcount"], 12, "the override wins");
    assert_eq!(
        body["brief"]["budget_minor"], 6_000_000,
        "the requirements fill the rest"
    );
    let all = body["layouts"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["proposal"]["strategy"], "benching");
    assert_eq!(all[1]["proposal"]["strategy"], "daylight");
    for layout in all {
        let proposal = &layout["proposal"];
        assert_eq!(
            proposal["violations"],
            json!([]),
            "{}",
            proposal["warnings"]
        );
        assert!(
            proposal["desks"].as_u64().unwrap() >= 6,
            "{}",
            proposal["summary"]
        );
        for room in proposal["rooms"].as_array().unwrap() {
            assert!(
                room["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["satisfied"] == true),
                "{room}"
            );
        }
        let items = proposal["items"].as_array().unwrap();
        assert_eq!(
            layout["quote"]["lines"].as_array().unwrap().len(),
            items.len()
        );
        assert!(layout["quote"]["total_minor"].as_i64().unwrap() > 0);
    }

    // Accepting: the project's If-Match, then the scenario is there, priced.
    let layout_id = all[0]["layout_id"].as_str().unwrap();
    let accept = format!("/v1/projects/{id}/layouts/{layout_id}/accept");
    let stale = app
        .send(
            Method::POST,
            &accept,
            &token,
            Some("\"1\""),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.body
    );
    let accepted = app
        .send(
            Method::POST,
            &accept,
            &token,
            Some(&etag),
            Some(json!({"scenario_id": "furnished", "name": "Furnished by Roomwright"})),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let scenario = &accepted.body["project"]["scenarios"][0];
    assert_eq!(scenario["id"], "furnished");
    assert_eq!(
        scenario["selections"].as_array().unwrap().len(),
        all[0]["proposal"]["items"].as_array().unwrap().len()
    );
    assert_eq!(
        accepted.body["warnings"],
        json!([]),
        "the placement checks agree"
    );
    let after = accepted.etag().to_string();
    // A retry (same If-Match, same body) finds it done and changes nothing.
    let again = app
        .send(
            Method::POST,
            &accept,
            &token,
            Some(&etag),
            Some(json!({"scenario_id": "furnished", "name": "Furnished by Roomwright"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.etag(), after);

    let quote = app
        .get(
            &format!("/v1/projects/{id}/scenarios/furnished/quote"),
            &token,
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{}", quote.body);
    assert_eq!(quote.body["total_minor"], all[0]["quote"]["total_minor"]);

    // Pictures: the proposal and the accepted scenario drawn on the plan.
    for path in [
        format!("/v1/projects/{id}/layouts/{layout_id}/plan.svg"),
        format!("/v1/projects/{id}/scenarios/furnished/plan.svg"),
    ] {
        let svg = app.get(&path, &token).await;
        assert_eq!(svg.status, StatusCode::OK, "{path}");
        assert_eq!(svg.content_type, "image/svg+xml");
        let text = String::from_utf8(svg.bytes).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..100.min(text.len())]);
        for room in &plan.rooms {
            assert!(text.contains(&room.name), "{} is labelled", room.name);
        }
        let footprints = text.matches("<polygon").count();
        let items = all[0]["proposal"]["items"].as_array().unwrap().len();
        assert!(
            footprints > items,
            "{footprints} polygons for {items} items"
        );
        assert!(!text.contains("#e53935"), "nothing breaks a rule");
    }
    // The same drawings as PNG: the SVG's size, the furniture in colour, the title lettered
    // (with the bundled font: a Lambda has none).
    for path in [
        format!("/v1/projects/{id}/layouts/{layout_id}/plan"),
        format!("/v1/projects/{id}/scenarios/furnished/plan"),
    ] {
        let svg = app.get(&format!("{path}.svg"), &token).await;
        let text = String::from_utf8(svg.bytes).unwrap();
        let attr = |name: &str| -> u32 {
            let at = text.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            let end = text[at..].find('"').unwrap();
            text[at..at + end].parse::<f64>().unwrap().ceil() as u32
        };
        let png = app.get(&format!("{path}.png"), &token).await;
        assert_eq!(png.status, StatusCode::OK, "{path}.png");
        assert_eq!(png.content_type, "image/png");
        let image = image::load_from_memory(&png.bytes).unwrap().to_rgb8();
        assert_eq!(
            (image.width(), image.height()),
            (attr("width"), attr("height"))
        );
        let dark = |y0: u32, y1: u32| {
            (y0..y1)
                .flat_map(|y| (0..image.width()).map(move |x| (x, y)))
                .filter(|&(x, y)| image.get_pixel(x, y).0.iter().all(|&c| c < 120))
                .count()
        };
        assert!(
            dark(0, 30) > 200,
            "the title is lettered: {} dark pixels",
            dark(0, 30)
        );
        let coloured = image
            .pixels()
            .filter(|p| p.0.iter().max().unwrap() - p.0.iter().min().unwrap() > 40)
            .count();
        assert!(
            coloured > (image.width() * image.height() / 50) as usize,
            "furniture and rooms in colour: {coloured} pixels"
        );
    }
    let foreign_png = app
        .get(
            &format!("/v1/projects/{id}/scenarios/furnished/plan.png"),
            &stranger,
        )
        .await;
    assert_eq!(foreign_png.status, StatusCode::NOT_FOUND);

    let drawing = format!("/v1/projects/{id}/scenarios/furnished/plan.svg");
    let viewer_svg = app.get(&drawing, &viewer_token).await;
    assert_eq!(viewer_svg.status, StatusCode::OK, "viewers see the drawing");
    let foreign_svg = app.get(&drawing, &stranger).await;
    assert_eq!(foreign_svg.status, StatusCode::NOT_FOUND);

    // A hand-made change that puts a desk on another: drawn in red.
    let mut scenario = accepted.body["project"]["scenarios"][0].clone();
    let desks: Vec<usize> = all[0]["proposal"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, i)| i["role"] == "desk")
        .map(|(k, _)| k)
        .collect();
    let (a, b) = (desks[0], desks[1]);
    scenario["selections"][a]["placement"] = scenario["selections"][b]["placement"].clone();
    let put = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/scenarios/furnished"),
            &token,
            Some(&after),
            Some(scenario),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let after = put.etag().to_string();
    let svg = app.get(&drawing, &token).await;
    assert!(
        String::from_utf8(svg.bytes).unwrap().contains("#e53935"),
        "the overlap is outlined"
    );

    // Fitting the budget: just under the accepted total (the sample catalog has a cheaper
    // chair that fits, and no cheaper desk of the same footprint).
    let fit_path = format!("/v1/projects/{id}/scenarios/furnished/fit-budget");
    let before = quote.body["total_minor"].as_i64().unwrap();
    let impossible = app
        .send(
            Method::POST,
            &fit_path,
            &token,
            Some(&after),
            Some(json!({"budget_minor": 100})),
        )
        .await;
    assert_eq!(
        impossible.status,
        StatusCode::CONFLICT,
        "{}",
        impossible.body
    );
    assert_eq!(impossible.body["code"], "budget_unreachable");
    let budget = before - 1_000;
    let fitted = app
        .send(
            Method::POST,
            &fit_path,
            &token,
            Some(&after),
            Some(json!({"budget_minor": budget})),
        )
        .await;
    assert_eq!(fitted.status, StatusCode::OK, "{}", fitted.body);
    let fit = &fitted.body["fit"];
    assert_eq!(fit["fits"], true);
    assert!(fit["after"]["total_minor"].as_i64().unwrap() <= budget);
    assert!(!fit["swaps"].as_array().unwrap().is_empty());
    let after = fitted.etag().to_string();
    let requote = app
        .get(
            &format!("/v1/projects/{id}/scenarios/furnished/quote"),
            &token,
        )
        .await;
    assert_eq!(
        requote.body["total_minor"], fit["after"]["total_minor"],
        "what was stored is what was priced"
    );
    let svg = app.get(&drawing, &token).await;
    let text = String::from_utf8(svg.bytes).unwrap();
    assert_eq!(
        text.matches("#e53935").count(),
        1,
        "cheaper products keep the placements' rules (the hand-made overlap aside)"
    );

    let missing = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/layouts/0190f0f0-0000-7000-8000-000000000000/accept"),
            &token,
            Some(&after),
            Some(json!({})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    assert_eq!(missing.body["code"], "layout_not_found");
}
