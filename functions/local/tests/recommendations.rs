//! Recommendations end to end against the local AWS server: events validated, stored by day
//! and counted once; no model until training; a training job submitted through the jobs API
//! and run by the trainer; explained lists with live filters (stock, budget, selections,
//! category); cold start; also-chosen; the registry, rollback and the promotion gate;
//! segments; and who may do what. Each test builds its own world (table, bucket, users,
//! catalog, events, model), so one failure hides nothing of the others.

mod common;

use common::{App, Reply, product};
use http::{Method, StatusCode};
use roomwright_core::{
    auth::Role,
    catalog::{Product, product_keys},
};
use roomwright_recommend_train::job::{Settings, Trainer};
use roomwright_recommendations::RecsContext;
use roomwright_recs::registry;
use serde_json::{Value, json};

const STYLES: [(&str, &str); 2] = [
    ("a", "scandinavian oak linen"),
    ("b", "industrial steel black"),
];
const KINDS: [(&str, &str, &str); 3] = [
    ("chair", "Seating", "Task chairs"),
    ("desk", "Desks", "Fixed desks"),
    ("cabinet", "Storage", "Cabinets"),
];

/// `<style>-<kind>-<n>`: five of each kind per style, priced 100 to 500 EUR by `n`.
fn catalog() -> Vec<Product> {
    let mut products = Vec::new();
    for (style, words) in STYLES {
        for (kind, top, leaf) in KINDS {
            for n in 0..5 {
                let mut p = product(
                    &format!("{style}-{kind}-{n}"),
                    10_000 * (n + 1),
                    8_000,
                    (800, 600),
                );
                p.name = format!("{} {kind} {n}", words.split(' ').next().unwrap());
                p.category = vec![top.into(), leaf.into()];
                p.description = format!("A {words} {kind}.");
                products.push(p);
            }
        }
    }
    // Nobody has seen it yet; it reads like the "a" line.
    let mut cold = product("a-chair-new", 20_000, 15_000, (700, 700));
    cold.name = "scandinavian lounge chair".into();
    cold.category = vec!["Seating".into(), "Task chairs".into()];
    cold.description = "A scandinavian oak linen chair.".into();
    products.push(cold);
    products
}

async fn put_product(app: &App, product: &Product) {
    // As the catalog stores it: by id and in its category's index.
    let keys = product_keys(product);
    let table = app.stack.state.table();
    match table.get::<Product>(&keys.pk, &keys.sk).await.unwrap() {
        Some(old) => table.replace(&keys, product, old.version).await.unwrap(),
        None => table.create(&keys, product).await.unwrap(),
    };
}

fn view(id: &str, user: Option<&str>) -> Value {
    match user {
        Some(user) => json!({"type": "view", "product_id": id, "user_id": user}),
        None => json!({"type": "view", "product_id": id}),
    }
}

async fn post_events(app: &App, token: &str, key: Option<&str>, events: Vec<Value>) -> Reply {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    app.send_with(
        Method::POST,
        "/v1/events",
        token,
        &headers,
        Some(json!({"events": events})),
    )
    .await
}

/// Twelve shoppers per style: each views and adds most of their style's products (and one
/// of the other style's), in batches the way a server-side import would send them.
async fn shoppers(app: &App, admin: &str) {
    let mut events = Vec::new();
    for (s, (style, _)) in STYLES.iter().enumerate() {
        for u in 0..12 {
            let user = format!("shopper-{style}-{u}");
            for (kind, _, _) in KINDS {
                for n in 0..5 {
                    if (u + n) % 4 == 3 {
                        continue;
                    }
                    let id = format!("{style}-{kind}-{n}");
                    events.push(view(&id, Some(&user)));
                    if (u + n) % 2 == 0 {
                        events.push(json!({"type": "add_to_project", "product_id": id,
                                           "user_id": user, "project_id": "import"}));
                    }
                }
            }
            let other = STYLES[1 - s].0;
            events.push(view(&format!("{other}-desk-{}", u % 5), Some(&user)));
        }
    }
    // Project events name projects the caller can see; imports use views and orders only.
    let events: Vec<Value> = events
        .into_iter()
        .map(|mut e| {
            if e["type"] == "add_to_project" {
                e = json!({"type": "order", "product_id": e["product_id"], "user_id": e["user_id"], "quantity": 2});
            }
            e
        })
        .collect();
    for chunk in events.chunks(100) {
        let reply = post_events(app, admin, None, chunk.to_vec()).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    }
}

async fn event_objects(app: &App) -> usize {
    let out = app
        .stack
        .state
        .aws
        .s3()
        .await
        .list_objects_v2()
        .bucket(&app.stack.state.config.bucket_name)
        .prefix("recs/events/")
        .send()
        .await
        .unwrap();
    for object in out.contents() {
        let key = object.key().unwrap();
        assert!(
            key.starts_with("recs/events/day=20") && key.ends_with(".jsonl"),
            "{key}"
        );
    }
    out.contents().len()
}

fn trainer(app: &App) -> Trainer {
    let state = &app.stack.state;
    Trainer {
        aws: state.aws.clone(),
        table: state.table(),
        bucket: state.config.bucket_name.clone(),
        settings: Settings::from_lookup(|name| match name {
            "RECS_FACTORS" => Some("8".into()),
            "RECS_ITERATIONS" => Some("8".into()),
            "RECS_SEGMENTS" => Some("2".into()),
            _ => None,
        })
        .unwrap(),
    }
}

/// Submits a training job through the jobs API and runs it as Batch would.
async fn train(app: &App, admin: &str, key: &str) -> (String, bool) {
    let reply = app
        .send_with(
            Method::POST,
            "/v1/jobs/training",
            admin,
            &[("idempotency-key", key)],
            Some(json!({"note": "test"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let job = reply.body["id"].as_str().unwrap().to_string();
    let outcome = trainer(app).run(&job).await.unwrap();
    // The worker's part is done (Batch's SUCCEEDED event finishes the job).
    let reply = app.get(&format!("/v1/jobs/{job}"), admin).await;
    assert_eq!(reply.body["progress"]["stage"], "done", "{}", reply.body);
    assert_eq!(reply.body["kind"], "training");
    (outcome.record.model_version, outcome.served)
}

fn ids(reply: &Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect()
}

/// A fresh table and bucket with the recommendations and jobs routes, three users and the
/// catalog; no events yet.
struct World {
    app: App,
    context: RecsContext,
    admin: String,
    designer: String,
    designer_id: String,
    viewer: String,
}

async fn world() -> World {
    let context = RecsContext::new();
    let app = common::app_with(
        roomwright_recommendations::routes(context.clone()).merge(roomwright_jobs_api::routes()),
    )
    .await;
    let (admin, _) = app.user("admin@recs.test", Role::Admin).await;
    let (designer, designer_id) = app.user("dana@recs.test", Role::Designer).await;
    let (viewer, _) = app.user("viola@recs.test", Role::Viewer).await;
    for p in catalog() {
        put_product(&app, &p).await;
    }
    World {
        app,
        context,
        admin,
        designer,
        designer_id,
        viewer,
    }
}

/// Dana views five "a" products (the batch sent twice with one idempotency key), Viola one
/// "b" chair, and the shoppers theirs: accepted, stored once per batch.
async fn send_events(world: &World) {
    let World {
        app,
        designer,
        viewer,
        admin,
        ..
    } = world;
    let mine: Vec<Value> = [
        "a-chair-0",
        "a-chair-1",
        "a-desk-2",
        "a-cabinet-3",
        "a-desk-4",
    ]
    .iter()
    .map(|id| view(id, None))
    .collect();
    let first = post_events(app, designer, Some("dana-1"), mine.clone()).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    assert_eq!(
        (
            first.body["accepted"].as_u64(),
            first.body["duplicate"].as_bool()
        ),
        (Some(5), Some(false))
    );
    let again = post_events(app, designer, Some("dana-1"), mine).await;
    assert_eq!(again.body["duplicate"], true);
    assert_eq!(again.body["batch_id"], first.body["batch_id"]);
    let viewed = post_events(app, viewer, None, vec![view("b-chair-0", None)]).await;
    assert_eq!(
        viewed.status,
        StatusCode::ACCEPTED,
        "viewers' views count too"
    );
    assert_eq!(event_objects(app).await, 2);
    shoppers(app, admin).await;
}

/// [`world`] with its events and a first model, trained through the jobs API and served.
async fn trained() -> (World, String) {
    let world = world().await;
    send_events(&world).await;
    let (v1, served) = train(&world.app, &world.admin, "train-1").await;
    assert!(served, "the first model is served");
    (world, v1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_refused_whole_or_stored_once_and_trained_on_by_admins() {
    let world = world().await;
    let World {
        app,
        admin,
        designer,
        ..
    } = &world;
    // --- events: refused whole, with the field named --------------------------------------
    let bad = post_events(
        app,
        designer,
        None,
        vec![json!({"type": "like", "product_id": "a-desk-0"})],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.body["errors"][0]["path"], "events[0].type",
        "{}",
        bad.body
    );
    let bad = post_events(
        app,
        designer,
        None,
        vec![
            view("a-desk-0", None),
            view("no-such", None),
            json!({"type": "add_to_project", "product_id": "a-desk-1"}),
            json!({"type": "view", "product_id": "a-desk-2", "at": "2999-01-01T00:00:00Z"}),
            json!({"type": "view", "product_id": "a-desk-2", "quantity": 3}),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let paths: Vec<(&str, &str)> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(
        paths.contains(&("events[2].project_id", "required")),
        "{paths:?}"
    );
    assert!(paths.contains(&("events[3].at", "in_future")), "{paths:?}");
    assert!(
        paths.contains(&("events[4].quantity", "not_allowed")),
        "{paths:?}"
    );
    let bad = post_events(
        app,
        designer,
        None,
        vec![view("a-desk-0", None), view("no-such", None)],
    )
    .await;
    assert_eq!(
        bad.body["errors"][0]["path"], "events[1].product_id",
        "{}",
        bad.body
    );
    assert_eq!(bad.body["errors"][0]["code"], "unknown_product");
    let bad = post_events(app, designer, None,
        vec![json!({"type": "add_to_project", "product_id": "a-desk-0", "project_id": "someone-elses"})]).await;
    assert_eq!(
        bad.body["errors"][0]["code"], "unknown_project",
        "{}",
        bad.body
    );
    let bad = post_events(
        app,
        designer,
        None,
        vec![view("a-desk-0", Some("someone-else"))],
    )
    .await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    let bad = post_events(
        app,
        designer,
        None,
        (0..101).map(|_| view("a-desk-0", None)).collect(),
    )
    .await;
    assert_eq!(bad.body["errors"][0]["path"], "events");
    assert_eq!(event_objects(app).await, 0, "refused batches store nothing");

    // No model yet: a clear 409.
    let none = app.get("/v1/recommendations", designer).await;
    assert_eq!(none.status, StatusCode::CONFLICT);
    assert_eq!(none.body["code"], "model_not_trained");
    send_events(&world).await;

    // --- training through the jobs API -----------------------------------------------------
    let refused = app
        .send(
            Method::POST,
            "/v1/jobs/training",
            designer,
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (_, served) = train(app, admin, "train-1").await;
    assert!(served);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trained_model_serves_explained_filtered_lists() {
    let (
        World {
            app,
            admin,
            designer,
            designer_id,
            ..
        },
        v1,
    ) = trained().await;
    // --- personalised, explained ------------------------------------------------------------
    let list = app.get("/v1/recommendations?limit=6", &designer).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["model_version"], v1.as_str());
    assert_eq!(list.body["basis"], "personalised");
    let shown = ids(&list);
    assert_eq!(shown.len(), 6, "{}", list.body);
    let history = [
        "a-chair-0",
        "a-chair-1",
        "a-desk-2",
        "a-cabinet-3",
        "a-desk-4",
    ];
    assert!(
        shown.iter().all(|id| !history.contains(&id.as_str())),
        "seen items are not repeated"
    );
    assert!(
        shown.iter().filter(|id| id.starts_with("a-")).count() >= 5,
        "{shown:?}"
    );
    for item in list.body["items"].as_array().unwrap() {
        assert_eq!(
            item["reason"]["kind"], "because_of_your_interest_in",
            "{item}"
        );
        let because = item["reason"]["product_id"].as_str().unwrap();
        assert!(history.contains(&because), "{item}");
        let name = catalog()
            .into_iter()
            .find(|p| p.id == because)
            .unwrap()
            .name;
        assert_eq!(
            item["reason"]["text"],
            format!("Because of your interest in {name}")
        );
    }
    // Out of stock now: gone from the list.
    let top = shown[0].clone();
    let mut gone = catalog().into_iter().find(|p| p.id == top).unwrap();
    gone.stock.available = 0;
    put_product(&app, &gone).await;
    let list = app.get("/v1/recommendations?limit=6", &designer).await;
    assert!(!ids(&list).contains(&top), "{top} is out of stock");
    assert_eq!(ids(&list).len(), 6);
    // A category.
    let seating = app
        .get("/v1/recommendations?category=Seating&limit=4", &designer)
        .await;
    assert!(!ids(&seating).is_empty());
    for item in seating.body["items"].as_array().unwrap() {
        assert_eq!(item["category"][0], "Seating");
    }
    // A project: its selections are not suggested; prices fit what is left of its budget.
    let (project, etag) = app.project(&designer, json!({"name": "HQ", "requirements": {"budget_ceiling_minor": 80_000, "currency": "EUR"}})).await;
    let scenario = json!({"id": "base", "name": "Base", "selections": [{"id": "s1", "product_id": "a-chair-2", "quantity": 2}]});
    let put = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{project}/scenarios/base"),
            &designer,
            Some(&etag),
            Some(scenario),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let unbounded = app.get("/v1/recommendations?limit=20", &designer).await;
    let prices = |r: &Reply| {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["list_price"]["amount_minor"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert!(
        prices(&unbounded).iter().any(|&p| p > 20_000),
        "the budget must matter here"
    );
    let fitted = app
        .get(
            &format!("/v1/recommendations?project={project}&limit=20"),
            &designer,
        )
        .await;
    assert_eq!(fitted.status, StatusCode::OK, "{}", fitted.body);
    assert!(!ids(&fitted).is_empty());
    assert!(
        prices(&fitted).iter().all(|&p| p <= 20_000),
        "80,000 ceiling - 2 x 30,000 selected: {}",
        fitted.body
    );
    assert!(!ids(&fitted).contains(&"a-chair-2".to_string()));
    assert!(
        fitted.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["reason"]["kind"] == "because_you_selected"
                && i["reason"]["product_id"] == "a-chair-2"),
        "{}",
        fitted.body
    );
    // A project whose room photo reads industrial and black: this user's taste is the
    // scandinavian line, yet the project's look comes first, and says so.
    let analysis = json!({"palette": [{"hex": "#151515", "name": "black", "share": 0.55},
                                      {"hex": "#8e8e8c", "name": "grey", "share": 0.35},
                                      {"hex": "#c0653f", "name": "terracotta", "share": 0.1}],
                          "brightness": 0.3, "warmth": -0.05, "style": "industrial",
                          "confidence": 0.8, "analysed_at": "2026-12-02T05:00:00Z"});
    let (loft, _) = app
        .project(
            &designer,
            json!({"name": "Loft", "requirements": {"style_preferences": ["industrial"],
                                                    "style_analysis": analysis}}),
        )
        .await;
    let plain = app.get("/v1/recommendations?limit=6", &designer).await;
    let styled = app
        .get(
            &format!("/v1/recommendations?project={loft}&limit=6"),
            &designer,
        )
        .await;
    assert_eq!(styled.status, StatusCode::OK, "{}", styled.body);
    let first = &styled.body["items"][0];
    assert!(
        first["product_id"].as_str().unwrap().starts_with("b-"),
        "{}",
        styled.body
    );
    assert_eq!(
        first["look"],
        json!(["industrial", "black"]),
        "{}",
        styled.body
    );
    assert_ne!(ids(&plain), ids(&styled), "the look changed the list");
    let looks: Vec<bool> = styled.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.get("look").is_some())
        .collect();
    assert!(
        looks.windows(2).all(|w| w[0] >= w[1]),
        "look first: {looks:?}"
    );
    // Someone else's project, or user: refused.
    let (other, _) = app.user("otto@recs.test", Role::Designer).await;
    assert_eq!(
        app.get(&format!("/v1/recommendations?project={project}"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/v1/recommendations?user={designer_id}"), &other)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/v1/recommendations?user={designer_id}"), &admin)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/v1/recommendations?limit=0", &other).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_users_and_never_seen_products_get_cold_start_lists() {
    let (World { app, .. }, _) = trained().await;
    let (other, _) = app.user("otto@recs.test", Role::Designer).await;

    // --- cold start: a new user -------------------------------------------------------------
    let popular = app.get("/v1/recommendations?limit=5", &other).await;
    assert_eq!(popular.status, StatusCode::OK, "{}", popular.body);
    assert_eq!(popular.body["basis"], "popularity");
    assert_eq!(ids(&popular).len(), 5);
    assert!(popular.body["items"].as_array().unwrap().iter().all(|i| {
        i["reason"]["kind"] == "popular_in"
            && i["reason"]["text"]
                .as_str()
                .unwrap()
                .starts_with("Popular in ")
    }));
    let (fresh, fresh_etag) = app.project(&other, json!({"name": "New office"})).await;
    let scenario = json!({"id": "base", "name": "Base", "selections": [{"id": "s1", "product_id": "a-chair-0", "quantity": 1}]});
    let put = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{fresh}/scenarios/base"),
            &other,
            Some(&fresh_etag),
            Some(scenario),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK);
    let started = app
        .get(
            &format!("/v1/recommendations?project={fresh}&limit=20"),
            &other,
        )
        .await;
    assert_eq!(started.body["basis"], "selections", "{}", started.body);
    let items = started.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["product_id"] == "a-chair-new"
                && i["reason"]["kind"] == "similar_in_style_to"),
        "the never-seen chair comes in by its description: {}",
        started.body
    );
    assert!(
        items
            .iter()
            .filter(|i| i["reason"]["product_id"] == "a-chair-0")
            .count()
            >= 3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn also_chosen_lists_count_each_batch_once() {
    let (World { app, designer, .. }, _) = trained().await;
    // --- also chosen --------------------------------------------------------------------------
    // Only "a" shoppers chose this chair ("b" shoppers looked at some "a" desks).
    let also = app
        .get("/v1/products/a-chair-1/also-chosen?limit=5", &designer)
        .await;
    assert_eq!(also.status, StatusCode::OK, "{}", also.body);
    assert!(
        ids(&also).iter().filter(|id| id.starts_with("a-")).count() >= 4,
        "{}",
        also.body
    );
    assert!(
        also.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["reason"]["kind"] == "chosen_with")
    );
    assert!(
        also.body["popularity"]["views"].as_u64().unwrap() >= 9,
        "{}",
        also.body
    );
    let dana_views = app
        .get("/v1/products/a-chair-0/also-chosen", &designer)
        .await;
    let shopper_views = 12 - (0..12).filter(|u| u % 4 == 3).count() as u64;
    assert_eq!(
        dana_views.body["popularity"]["views"],
        shopper_views + 1,
        "the repeated batch counted once"
    );
    let new = app
        .get("/v1/products/a-chair-new/also-chosen?limit=4", &designer)
        .await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
    assert!(!ids(&new).is_empty(), "{}", new.body);
    assert!(
        new.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["reason"]["kind"] == "similar_in_style_to"),
        "{}",
        new.body
    );
    let mut late = product("late-chair", 12_000, 9_000, (600, 600));
    late.category = vec!["Seating".into(), "Task chairs".into()];
    put_product(&app, &late).await;
    let late = app
        .get("/v1/products/late-chair/also-chosen?limit=3", &designer)
        .await;
    assert_eq!(ids(&late).len(), 3);
    assert!(
        late.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["category"][0] == "Seating" && i["reason"]["kind"] == "popular_in")
    );
    assert_eq!(
        app.get("/v1/products/nothing/also-chosen", &designer)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_are_gated_on_their_score_and_rolled_back() {
    let (
        World {
            app,
            admin,
            designer,
            context,
            ..
        },
        v1,
    ) = trained().await;
    // --- registry, rollback, promotion gate ---------------------------------------------------
    assert_eq!(
        app.get("/v1/recommendations/models", &designer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let rollback = app
        .send(
            Method::POST,
            "/v1/recommendations/models/rollback",
            &admin,
            None,
            None,
        )
        .await;
    assert_eq!(rollback.status, StatusCode::CONFLICT, "{}", rollback.body);
    // The served model's recorded score is lowered first, so the gate's decision for v2 does
    // not depend on how this run's hold-out split falls.
    let table = app.stack.state.table();
    let mut record = registry::get(&table, &v1).await.unwrap().unwrap();
    record.metrics.ndcg = 0.0;
    registry::register(&table, &record).await.unwrap();
    let (v2, served) = train(&app, &admin, "train-2").await;
    assert!(served && v2 != v1);
    let models = app.get("/v1/recommendations/models", &admin).await;
    assert_eq!(
        models.body["served"]["current"],
        v2.as_str(),
        "{}",
        models.body
    );
    assert_eq!(models.body["served"]["previous"], v1.as_str());
    assert_eq!(
        models.body["items"][0]["model_version"],
        v2.as_str(),
        "newest first"
    );
    // The function serves v2 before the rollback (its pointer check, every minute in a warm
    // sandbox, is made due now), so serving v1 after it is the rollback's doing and not a model
    // cached from before.
    context.models.invalidate().await;
    let before = app.get("/v1/recommendations", &designer).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert_eq!(before.body["model_version"], v2.as_str(), "{}", before.body);
    assert!(
        models.body["items"][0]["metrics"]["ndcg@10"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(
        app.send(
            Method::POST,
            "/v1/recommendations/models/rollback",
            &designer,
            None,
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let rollback = app
        .send(
            Method::POST,
            "/v1/recommendations/models/rollback",
            &admin,
            None,
            None,
        )
        .await;
    assert_eq!(rollback.status, StatusCode::OK, "{}", rollback.body);
    assert_eq!(
        (
            rollback.body["current"].as_str(),
            rollback.body["previous"].as_str()
        ),
        (Some(v1.as_str()), Some(v2.as_str()))
    );
    let list = app.get("/v1/recommendations", &designer).await;
    assert_eq!(
        list.body["model_version"],
        v1.as_str(),
        "the rolled-back model serves at once"
    );
    // The served model claims a near-perfect score: a new ordinary model is stored, not served.
    let mut record = registry::get(&table, &v1).await.unwrap().unwrap();
    record.metrics.ndcg = 0.99;
    registry::register(&table, &record).await.unwrap();
    let (v3, served) = train(&app, &admin, "train-3").await;
    assert!(!served);
    let models = app.get("/v1/recommendations/models", &admin).await;
    assert_eq!(models.body["served"]["current"], v1.as_str());
    assert_eq!(models.body["items"][0]["model_version"], v3.as_str());
    assert_eq!(
        models.body["items"][0]["promotion"]["decision"], "hold",
        "{}",
        models.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_cover_every_active_user() {
    let (
        World {
            app,
            admin,
            designer,
            ..
        },
        _,
    ) = trained().await;
    // --- segments -----------------------------------------------------------------------------
    assert_eq!(
        app.get("/v1/recommendations/segments", &designer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let segments = app.get("/v1/recommendations/segments", &admin).await;
    assert_eq!(segments.status, StatusCode::OK, "{}", segments.body);
    let list = segments.body["segments"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", segments.body);
    let total: u64 = list.iter().map(|s| s["users"].as_u64().unwrap()).sum();
    assert_eq!(total, 24 + 2, "every active user is in a segment");
    for s in list {
        let top = s["top_products"][0]["product_id"].as_str().unwrap();
        assert!(catalog().iter().any(|p| p.id == top));
    }
}

/// The products of a role in the first proposal of a layout request.
fn chosen(reply: &Reply, role: &str) -> Vec<String> {
    let mut ids: Vec<String> = reply.body["layouts"][0]["proposal"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == role)
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Proposes one layout of a fresh project (a sample floor) for 4 people, no style words.
async fn propose(app: &App, token: &str) -> Reply {
    let plan = roomwright_layout::sample::floor(roomwright_layout::sample::FloorSpec {
        seed: 3,
        rooms: 4,
        angle_deg: 0.0,
        cut_corner: false,
        min_area_m2: 0.0,
    });
    let (id, etag) = app.project(token, json!({"name": "Studio"})).await;
    let put = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{id}/floor-plan"),
            token,
            Some(&etag),
            Some(serde_json::to_value(&plan).unwrap()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let reply = app
        .send(
            Method::POST,
            &format!("/v1/projects/{id}/layouts"),
            token,
            None,
            Some(json!({"alternatives": 1, "brief": {"headcount": 4, "styles": []}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layouts_are_furnished_to_the_designers_learnt_taste() {
    let world = world().await;
    send_events(&world).await;
    let app = &world.app;
    // Bo keeps to the steel line; Cy has never been seen.
    let (bo, _) = app.user("bo@recs.test", Role::Designer).await;
    let (cy, _) = app.user("cy@recs.test", Role::Designer).await;
    let steel: Vec<Value> = [
        "b-desk-1",
        "b-desk-3",
        "b-chair-1",
        "b-chair-3",
        "b-cabinet-1",
        "b-cabinet-2",
    ]
    .iter()
    .map(|id| view(id, None))
    .collect();
    let sent = post_events(app, &bo, Some("bo-1"), steel).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.body);
    let (v1, served) = train(app, &world.admin, "train-taste").await;
    assert!(served);

    // Without a taste every line is alike: the cheapest, first by name (the oak line).
    let plain = propose(app, &cy).await;
    assert_eq!(
        plain.body["brief"].get("learned_taste"),
        None,
        "{}",
        plain.body["brief"]
    );
    assert_eq!(
        chosen(&plain, "desk"),
        ["a-desk-0"],
        "{}",
        plain.body["layouts"][0]["proposal"]
    );
    assert_eq!(chosen(&plain, "task_chair"), ["a-chair-0"]);

    // Bo's layout takes the steel line the model learnt Bo chooses, and says so.
    let tasteful = propose(app, &bo).await;
    assert_eq!(
        tasteful.body["brief"]["learned_taste"],
        format!("recommendation model {v1}, the designer's choices")
    );
    for role in ["desk", "task_chair"] {
        let ids = chosen(&tasteful, role);
        assert!(
            ids.len() == 1 && ids[0].starts_with("b-"),
            "{role}: {ids:?}"
        );
    }
    assert_eq!(
        tasteful.body["layouts"][0]["proposal"]["violations"],
        json!([])
    );
}
