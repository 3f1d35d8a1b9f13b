//! Dealer interchange end to end: files uploaded, read and matched by the real vision worker
//! in the local Batch, reviewed and accepted; SIF and DXF exports read back by our reader and
//! by ezdxf (a public DXF library, in the venv).

use std::{collections::HashMap, path::PathBuf, sync::Arc};

use http::{Method, StatusCode};
use roomwright_core::{auth::Role, catalog::Product};
use serde_json::{Value, json};

use roomwright_local::local_batch::LocalBatch;

use super::{App, run_to_end, vision_batch};

/// A stack with the projects, exports, jobs and catalog routes, a catalog of `count` demo
/// products stored as the catalog stores them (SKU claims included) and its search index
/// published.
async fn stack(count: usize) -> (App, Vec<Product>) {
    let search = Arc::new(roomwright_catalog::SearchService::new(None));
    let catalog = roomwright_catalog_api::CatalogContext {
        search: search.clone(),
        erp: Arc::new(roomwright_catalog_api::erp::ErpSettings {
            webhook_secret: None,
            events_queue_url: None,
            client: None,
        }),
        images: None,
    };
    let app = super::common::app_with(
        roomwright_jobs_api::routes().merge(roomwright_catalog_api::routes(catalog)),
    )
    .await;
    let products = roomwright_devstack::demo::generate(count, 22);
    let table = app.state().table();
    for chunk in products.chunks(30) {
        let writes: Vec<roomwright_catalog::store::Write<'_>> = chunk
            .iter()
            .map(|product| roomwright_catalog::store::Write {
                product,
                expected: None,
                old_sku: None,
            })
            .collect();
        roomwright_catalog::store::write_all(&table, &writes)
            .await
            .unwrap()
            .unwrap();
    }
    roomwright_core::catalog::bump_revision(&table).await;
    search.reindex(app.state()).await.unwrap();
    (app, products)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the ezdxf tool of the interchange crate (`write SPEC OUT` or `read IN`).
fn ezdxf(args: &[&str]) -> String {
    let output = std::process::Command::new(root().join(".venv/bin/python"))
        .arg(root().join("shared/interchange/tools/ezdxf_check.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Uploads `bytes` as an import of `format` and runs its job in `batch`; the import once read.
async fn import(
    app: &App,
    batch: &mut LocalBatch,
    token: &str,
    project: &str,
    format: &str,
    bytes: Vec<u8>,
) -> Value {
    let imports = format!("/v1/projects/{project}/interchange-imports");
    let content_type = match format {
        "sif" => "text/plain",
        "dxf" => "image/vnd.dxf",
        _ => "application/json",
    };
    let created = app
        .send(
            Method::POST,
            &imports,
            token,
            None,
            Some(
                json!({"format": format, "content_type": content_type, "size_bytes": bytes.len()}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["import"]["id"].as_str().unwrap().to_string();
    let put = reqwest::Client::new()
        .put(created.body["upload"]["url"].as_str().unwrap())
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let one = format!("{imports}/{id}");
    let reading = app.get(&one, token).await;
    assert_eq!(
        reading.body["import"]["status"], "reading",
        "{}",
        reading.body
    );
    let job_id = reading.body["job"]["id"].as_str().unwrap().to_string();
    run_to_end(app, batch, &job_id).await;
    let read = app.get(&one, token).await;
    assert_eq!(read.status, StatusCode::OK);
    read.body
}

async fn accept(
    app: &App,
    token: &str,
    project: &str,
    view: &Value,
    body: Value,
) -> roomwright_testkit::Reply {
    let etag = app
        .get(&format!("/v1/projects/{project}"), token)
        .await
        .etag()
        .to_string();
    let path = format!(
        "/v1/projects/{project}/interchange-imports/{}/accept",
        view["import"]["id"].as_str().unwrap()
    );
    app.send(Method::POST, &path, token, Some(&etag), Some(body))
        .await
}

async fn export(app: &App, token: &str, project: &str, body: Value) -> Vec<u8> {
    let reply = app
        .send(
            Method::POST,
            &format!("/v1/projects/{project}/exports"),
            token,
            None,
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reqwest::get(reply.body["download_url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

/// `(product, quantity, finish)` of a scenario's selections, sorted.
fn contents(scenario: &Value) -> Vec<(String, u64, Option<String>)> {
    let mut all: Vec<_> = scenario["selections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["product_id"].as_str().unwrap().to_string(),
                s["quantity"].as_u64().unwrap(),
                s["finish"].as_str().map(str::to_string),
            )
        })
        .collect();
    all.sort();
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scenario_exported_as_sif_imports_again_line_for_line_at_confidence_one() {
    let (app, products) = stack(120).await;
    let mut batch = vision_batch(&app, Vec::new());
    let (token, _) = app.user("d@sif.test", Role::Designer).await;
    let (project, etag) = app
        .project(&token, json!({"name": "Level 3 fit-out", "client": "ACME"}))
        .await;
    let chosen: Vec<&Product> = products.iter().step_by(9).take(10).collect();
    let selections: Vec<Value> = chosen
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({"id": format!("s{i}"), "product_id": p.id, "quantity": i + 1,
                   "finish": p.finishes.first()})
        })
        .collect();
    let scenario = json!({"id": "main", "name": "Main", "selections": selections});
    let put = app
        .send(
            Method::PUT,
            &format!("/v1/projects/{project}/scenarios/main"),
            &token,
            Some(&etag),
            Some(scenario.clone()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);

    let sif = export(&app, &token, &project, json!({"format": "sif"})).await;
    let text = String::from_utf8(sif.clone()).unwrap();
    assert!(text.starts_with("SF=Level-3-fitout.sif\r\nST=Level 3 fit-out — Main\r\n"));
    assert_eq!(text.matches("PN=").count(), 10);

    let view = import(&app, &mut batch, &token, &project, "sif", sif).await;
    assert_eq!(view["import"]["status"], "proposed", "{view}");
    let proposal = &view["proposal"];
    assert_eq!(proposal["summary"]["lines"], 10);
    assert_eq!(proposal["summary"]["by_sku"], 10, "{}", proposal["summary"]);
    assert_eq!(proposal["problems"], json!([]));
    for (line, p) in proposal["lines"].as_array().unwrap().iter().zip(&chosen) {
        assert_eq!(line["matched"]["product_id"], json!(p.id));
        assert_eq!(line["matched"]["confidence"], 1.0);
        assert_eq!(line["matched"]["reason"], "sku");
        assert_eq!(line["finish"]["to"], json!(p.finishes.first()));
    }

    let accepted = accept(&app, &token, &project, &view, json!({"name": "From SIF"})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let new_id = accepted.body["scenario_id"].as_str().unwrap();
    let scenarios = accepted.body["project"]["scenarios"].as_array().unwrap();
    let imported = scenarios.iter().find(|s| s["id"] == new_id).unwrap();
    assert_eq!(imported["name"], "From SIF");
    assert_eq!(contents(imported), contents(&scenario));
    // Accepting again changes nothing.
    let again = accept(&app, &token, &project, &view, json!({})).await;
    assert_eq!(
        (again.status, again.body["code"].clone()),
        (StatusCode::CONFLICT, json!("already_accepted"))
    );

    // With the manufacturers' numbers a sales rep recorded, the SIF carries those, and they
    // import back through the aliases at confidence 1 too.
    let (sales, _) = app.user("s@sif.test", Role::SalesRep).await;
    let alias = json!({"aliases": [{"kind": "part_number", "source": "MFR 0001",
        "product_id": chosen[0].id, "manufacturer": chosen[0].brand}]});
    let set = app
        .send(
            Method::PUT,
            "/v1/catalog/aliases",
            &sales,
            None,
            Some(alias),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let body = json!({"format": "sif", "scenario_ids": ["main"], "part_numbers": "manufacturer"});
    let sif = export(&app, &token, &project, body).await;
    let text = String::from_utf8(sif.clone()).unwrap();
    assert!(text.contains("\r\nPN=MFR 0001\r\n"), "{text}");
    assert!(text.contains(&format!("\r\nPN={}\r\n", chosen[1].sku)));
    let view = import(&app, &mut batch, &token, &project, "sif", sif).await;
    let summary = &view["proposal"]["summary"];
    assert_eq!(
        (summary["by_sku"].clone(), summary["by_alias"].clone()),
        (json!(9), json!(1))
    );

    // A plugin's model of the same products is matched by part number and placed.
    let instances: Vec<Value> = chosen
        .iter()
        .take(2)
        .enumerate()
        .map(|(i, p)| {
            json!({"family": "Furniture", "type": p.name, "part_number": p.sku,
                   "location": [1000 + 1500 * i, 2000, 0], "rotation_deg": 90, "level": "L3"})
        })
        .collect();
    let model = json!({"source": "revit", "units": "mm", "instances": instances});
    let view = import(
        &app,
        &mut batch,
        &token,
        &project,
        "revit-json",
        model.to_string().into_bytes(),
    )
    .await;
    let lines = view["proposal"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{view}");
    assert_eq!(lines[1]["matched"]["product_id"], json!(chosen[1].id));
    assert_eq!(
        lines[1]["placement"],
        json!({"x_m": 2.5, "y_m": 2.0, "rotation_deg": 90.0, "level": "L3"})
    );
}

/// `word` with two middle letters swapped (a typo), for words of 5 letters or more.
fn misspell(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut c: Vec<char> = w.chars().collect();
            if c.len() >= 5 {
                c.swap(2, 3);
            }
            c.into_iter().collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread")]
async fn misspelt_foreign_lines_match_by_description_and_corrections_become_aliases() {
    let (app, products) = stack(200).await;
    let mut batch = vision_batch(&app, Vec::new());
    let (token, _) = app.user("d@typos.test", Role::Designer).await;
    let (sales, _) = app.user("s@typos.test", Role::SalesRep).await;
    let (project, _) = app
        .project(&token, json!({"name": "Typos", "client": "ACME"}))
        .await;
    // Products whose name and brand together are unique: a description can tell them apart.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for p in &products {
        *seen.entry((p.name.clone(), p.brand.clone())).or_default() += 1;
    }
    let unique: Vec<&Product> = products
        .iter()
        .filter(|p| seen[&(p.name.clone(), p.brand.clone())] == 1)
        .step_by(7)
        .take(8)
        .collect();
    assert_eq!(unique.len(), 8);
    let mut sif = String::from("SF=dealer.sif\nST=Dealer list\n");
    for (i, p) in unique.iter().enumerate() {
        sif.push_str(&format!(
            "PN=ZZ-{i:04}\nPD={} {}\nMC=OTHER\nQT=2\nPL=100.00\n",
            misspell(&p.brand),
            misspell(&p.name)
        ));
    }
    let view = import(&app, &mut batch, &token, &project, "sif", sif.into_bytes()).await;
    let lines = view["proposal"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 8, "{view}");
    for (line, p) in lines.iter().zip(&unique) {
        let matched = &line["matched"];
        assert_eq!(matched["product_id"], json!(p.id), "{line}");
        assert_eq!(matched["reason"], "description");
        let right = matched["confidence"].as_f64().unwrap();
        assert!((0.45..1.0).contains(&right), "{line}");
        for wrong in line["candidates"].as_array().into_iter().flatten() {
            assert!(
                right > wrong["confidence"].as_f64().unwrap(),
                "the right product ranks above every wrong one: {line}"
            );
        }
    }

    // The designer corrects line 1 to another product and skips line 2: the correction is
    // learned as an alias of the foreign part number.
    let other = products
        .iter()
        .find(|p| !unique.iter().any(|u| u.id == p.id))
        .unwrap();
    let accepted = accept(
        &app,
        &token,
        &project,
        &view,
        json!({"corrections": [{"line": 1, "product_id": other.id}, {"line": 2, "skip": true}]}),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["aliases_learned"], 1);
    assert_eq!(accepted.body["lines_left_out"], json!([2]));
    assert_eq!(accepted.body["lines_taken"], 7);

    // Aliases are for admins and sales reps.
    let forbidden = app.get("/v1/catalog/aliases", &token).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let listed = app
        .get("/v1/catalog/aliases?kind=part_number", &sales)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["items"][0]["source"], "ZZ-0000");
    assert_eq!(listed.body["items"][0]["product_id"], json!(other.id));
    assert_eq!(listed.body["items"][0]["origin"], "correction");
    // A sales rep maps a second foreign number by hand; an unknown product changes nothing.
    let bad = app
        .send(
            Method::PUT,
            "/v1/catalog/aliases",
            &sales,
            None,
            Some(json!({"aliases": [
                {"kind": "part_number", "source": "zz-0002", "product_id": unique[2].id},
                {"kind": "block", "source": "X", "product_id": "p-nope"}]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["path"], "aliases[1].product_id");
    let set = app
        .send(
            Method::PUT,
            "/v1/catalog/aliases",
            &sales,
            None,
            Some(json!({"aliases": [{"kind": "part_number", "source": "zz-0002", "product_id": unique[2].id, "manufacturer": "Other"}]})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);

    // The next import of the same list matches both by alias, at confidence 1.
    let mut again = String::new();
    for i in [0, 2] {
        again.push_str(&format!("PN=zz-{i:04}\nPD=something else entirely\nQT=1\n"));
    }
    let view = import(
        &app,
        &mut batch,
        &token,
        &project,
        "sif",
        again.into_bytes(),
    )
    .await;
    let lines = view["proposal"]["lines"].as_array().unwrap();
    assert_eq!(lines[0]["matched"]["product_id"], json!(other.id), "{view}");
    assert_eq!(lines[1]["matched"]["product_id"], json!(unique[2].id));
    for line in lines {
        assert_eq!(line["matched"]["reason"], "alias");
        assert_eq!(line["matched"]["confidence"], 1.0);
    }

    // A file that is no SIF fails the import with the reason; bad lines are named.
    let view = import(
        &app,
        &mut batch,
        &token,
        &project,
        "sif",
        b"hello world".to_vec(),
    )
    .await;
    assert_eq!(view["import"]["status"], "failed", "{view}");
    assert!(view["import"]["error"].as_str().unwrap().contains("PN="));
    let view = import(
        &app,
        &mut batch,
        &token,
        &project,
        "sif",
        format!(
            "PN={}\nQT=lots\nPN={}\nQT=1\nPL=12,5x\n",
            unique[0].sku, unique[1].sku
        )
        .into_bytes(),
    )
    .await;
    let problems = &view["proposal"]["problems"];
    assert_eq!(problems[0]["at"], "SIF line 2", "{view}");
    assert_eq!(problems[0]["code"], "bad_quantity");
    assert_eq!(problems[1]["code"], "bad_price");
    assert_eq!(view["proposal"]["summary"]["lines"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ezdxf_drawing_imports_to_its_placements_and_plan_and_our_dxf_opens_in_ezdxf() {
    let (app, products) = stack(60).await;
    let mut batch = vision_batch(&app, Vec::new());
    let (token, _) = app.user("d@dxf.test", Role::Designer).await;
    let (project, _) = app
        .project(&token, json!({"name": "Drawn", "client": "ACME"}))
        .await;
    let pieces: Vec<&Product> = products.iter().step_by(11).take(3).collect();
    // Blocks drawn from their corner (base point at the corner), named after our SKUs; one
    // carries its SKU as an attribute instead and a name of its own.
    let blocks: Vec<Value> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = if i == 2 {
                "CHAIR_A".to_string()
            } else {
                p.sku.clone()
            };
            json!({"name": name, "size": [p.dimensions.width_mm, p.dimensions.depth_mm],
                   "attributes": if i == 2 { vec!["SKU"] } else { vec![] }})
        })
        .collect();
    let inserts = json!([
        {"block": pieces[0].sku, "at": [1000, 1000], "rotation": 0},
        {"block": pieces[1].sku, "at": [6000, 2000], "rotation": 90},
        {"block": "CHAIR_A", "at": [2500, 4000], "rotation": 37.5,
         "attributes": {"SKU": pieces[2].sku}},
    ]);
    let spec = json!({
        "layers": ["A-WALL", "A-AREA", "I-FURN"],
        "walls": [{"layer": "A-WALL", "closed": true, "width": 200,
                   "points": [[0, 0], [8000, 0], [8000, 6000], [0, 6000]]}],
        "rooms": [
            {"layer": "A-AREA", "points": [[0, 0], [4000, 0], [4000, 6000], [0, 6000]],
             "label": "Meeting room", "label_at": [1500, 3000]},
            {"layer": "A-AREA", "points": [[4000, 0], [8000, 0], [8000, 6000], [4000, 6000]],
             "label": "Open plan", "label_at": [6000, 3000]}],
        "blocks": blocks,
        "inserts": inserts,
    });
    let dir = std::env::temp_dir().join(format!("roomwright-dxf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (spec_path, dxf_path) = (dir.join("spec.json"), dir.join("in.dxf"));
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    ezdxf(&[
        "write",
        spec_path.to_str().unwrap(),
        dxf_path.to_str().unwrap(),
    ]);
    let view = import(
        &app,
        &mut batch,
        &token,
        &project,
        "dxf",
        std::fs::read(&dxf_path).unwrap(),
    )
    .await;
    let proposal = &view["proposal"];
    assert_eq!(proposal["units"], "mm", "{view}");
    assert_eq!(proposal["summary"]["by_sku"], 3, "{}", proposal["summary"]);
    // Where each piece's middle is: the corner insert point moved by half its size, turned.
    let expected = |p: &Product, at: [f64; 2], degrees: f64| {
        let (w, d) = (
            f64::from(p.dimensions.width_mm),
            f64::from(p.dimensions.depth_mm),
        );
        let r = degrees.to_radians();
        [
            (at[0] + w / 2.0 * r.cos() - d / 2.0 * r.sin()) / 1000.0,
            (at[1] + w / 2.0 * r.sin() + d / 2.0 * r.cos()) / 1000.0,
        ]
    };
    let wanted = [
        expected(pieces[0], [1000.0, 1000.0], 0.0),
        expected(pieces[1], [6000.0, 2000.0], 90.0),
        expected(pieces[2], [2500.0, 4000.0], 37.5),
    ];
    let lines = proposal["lines"].as_array().unwrap();
    for ((line, p), want) in lines.iter().zip(&pieces).zip(wanted) {
        assert_eq!(line["matched"]["product_id"], json!(p.id), "{line}");
        let (x, y) = (
            line["placement"]["x_m"].as_f64().unwrap(),
            line["placement"]["y_m"].as_f64().unwrap(),
        );
        assert!(
            (x - want[0]).abs() <= 0.001 && (y - want[1]).abs() <= 0.001,
            "{line} vs {want:?}"
        );
    }
    assert_eq!(lines[2]["placement"]["rotation_deg"], 37.5);
    let plan = &proposal["floor_plan"];
    let rooms: Vec<(&str, &str)> = plan["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rooms,
        [("Meeting room", "meeting"), ("Open plan", "open_plan")]
    );
    assert_eq!(plan["walls"].as_array().unwrap().len(), 4);
    assert_eq!(plan["walls"][1]["start"], json!([8.0, 0.0]));
    assert_eq!(plan["walls"][1]["thickness_m"], 0.2);

    let accepted = accept(&app, &token, &project, &view, json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["floor_plan_written"], true);
    let scenario_id = accepted.body["scenario_id"].as_str().unwrap().to_string();
    let scenario = accepted.body["project"]["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == json!(scenario_id))
        .unwrap()
        .clone();
    let rooms_of: Vec<&str> = scenario["selections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["placement"]["room_id"].as_str().unwrap())
        .collect();
    assert_eq!(rooms_of, ["r1", "r2", "r1"]);

    // Our DXF of that scenario, read by ezdxf.
    let dxf = export(
        &app,
        &token,
        &project,
        json!({"format": "dxf", "scenario_ids": [scenario_id]}),
    )
    .await;
    let out_path = dir.join("out.dxf");
    std::fs::write(&out_path, dxf).unwrap();
    let read: Value = serde_json::from_str(&ezdxf(&["read", out_path.to_str().unwrap()])).unwrap();
    assert_eq!(read["errors"], json!([]), "{read}");
    assert_eq!(read["insunits"], 4, "millimetres");
    for layer in [
        "A-WALL",
        "A-AREA",
        "A-AREA-IDEN",
        "A-DOOR",
        "A-GLAZ",
        "I-FURN",
        "I-FURN-UNPL",
    ] {
        assert!(
            read["layers"].as_array().unwrap().contains(&json!(layer)),
            "{layer}: {read}"
        );
    }
    let walls: Vec<&Value> = read["polylines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["layer"] == "A-WALL")
        .collect();
    assert_eq!(walls.len(), 4);
    assert_eq!(walls[0]["width"], 200.0);
    let texts: Vec<&str> = read["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Meeting room", "Open plan"]);
    let inserts = read["inserts"].as_array().unwrap();
    assert_eq!(inserts.len(), 3);
    for ((insert, p), want) in inserts.iter().zip(&pieces).zip(wanted) {
        assert_eq!(insert["layer"], "I-FURN");
        assert_eq!(
            read["blocks"][insert["block"].as_str().unwrap()],
            json!(["BRAND", "FINISH", "NAME", "PRICE", "QTY", "SKU"])
        );
        assert_eq!(insert["attributes"]["SKU"], json!(p.sku), "{insert}");
        assert_eq!(insert["attributes"]["NAME"], json!(p.name));
        assert_eq!(insert["attributes"]["QTY"], "1");
        assert!(
            insert["attributes"]["PRICE"]
                .as_str()
                .unwrap()
                .ends_with(" EUR")
        );
        let at = insert["at"].as_array().unwrap();
        assert!(
            (at[0].as_f64().unwrap() - want[0] * 1000.0).abs() <= 1.0,
            "{insert}"
        );
        assert!(
            (at[1].as_f64().unwrap() - want[1] * 1000.0).abs() <= 1.0,
            "{insert}"
        );
    }
    assert_eq!(inserts[2]["rotation"], 37.5);

    // A SIF or DXF holds one scenario.
    let two = app
        .send(
            Method::POST,
            &format!("/v1/projects/{project}/exports"),
            &token,
            None,
            Some(json!({"format": "dxf", "scenario_ids": [scenario_id, scenario_id]})),
        )
        .await;
    assert_eq!(
        two.body["errors"][0]["code"], "one_scenario",
        "{}",
        two.body
    );
}
