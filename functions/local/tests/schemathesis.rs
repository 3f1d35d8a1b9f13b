//! The OpenAPI document against the running platform: schemathesis (PyPI, installed into the
//! venv by `make`) generates requests for every operation from `/v1/openapi.json`, signed in
//! as the demo admin over the seeded demo data, and checks that no answer is a 5xx and every
//! answer (status, content type, headers, body) is one the document describes.

mod common;

use std::time::Duration;

use roomwright_devstack::repo_root;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_operation_answers_as_documented_under_generated_inputs() {
    let schemathesis = repo_root().join(".venv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "{} is missing: `make test` installs it from shared/devstack/requirements.txt",
        schemathesis.display()
    );
    let (base, stack, search) = common::spawn_app_with_search().await;
    let data = tempdir();
    let seeded = roomwright_local::seed::demo(&stack.state, &data)
        .await
        .expect("demo data");
    // The indexer runs beside the API as in `make dev` (a reindex request is only a request),
    // and the first index is there before the first search.
    search.reindex(&stack.state).await.expect("the first index");
    roomwright_local::workers::spawn_indexer(stack.state.clone(), search);
    let login = reqwest::Client::new()
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({
            "email": roomwright_local::seed::DEMO_ADMIN,
            "password": seeded.password,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token = login.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let reports = data.join("reports");
    let run = tokio::process::Command::new(&schemathesis)
        .arg("--config-file")
        .arg(repo_root().join("shared/devstack/schemathesis.toml"))
        .args(["run", &format!("{base}/v1/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args([
            "--max-examples",
            "10",
            "--seed",
            "20261204",
            "--workers",
            "1",
        ])
        .args(["--request-timeout", "20", "--no-color"])
        .args(["--generation-database", "none"])
        .arg("--report-dir")
        .arg(&reports)
        .env("SCHEMATHESIS_HOOKS", "")
        // Its caches (crash replays) go to the working directory: keep them out of the tree.
        .current_dir(&data)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(600), run)
        .await
        .expect("schemathesis finished within 10 minutes")
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // It ran every operation, not none.
    let tested = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Tested: "))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .expect("a summary with the tested operation count");
    let documented = roomwright_local::openapi()
        .paths
        .paths
        .values()
        .fold(0, |n, item| {
            n + [
                &item.get,
                &item.put,
                &item.post,
                &item.delete,
                &item.patch,
                &item.head,
            ]
            .iter()
            .filter(|op| op.is_some())
            .count()
        });
    // All but `GET /v1/openapi.json`, which schemathesis leaves out when it reads the
    // document from that operation.
    assert_eq!(
        tested,
        documented - 1,
        "every documented operation was tested\n{stdout}"
    );
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "roomwright-schemathesis-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
