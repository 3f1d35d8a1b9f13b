//! `roomwright-local`: runs the platform locally.
//!
//! - `roomwright-local` (or `dev`): starts moto, provisions `template.yaml`'s resources, seeds
//!   demo users, serves every function on `127.0.0.1:$PORT` (3000), and stops moto on Ctrl-C.
//! - `roomwright-local openapi`: prints the merged OpenAPI document.

use std::net::SocketAddr;

use std::sync::Arc;

use roomwright_auth::{AuthContext, KeySource};
use roomwright_catalog::SearchService;
use roomwright_catalog_api::{
    CatalogContext,
    erp::{
        ErpSettings,
        client::{ErpClient, ErpClientConfig},
    },
};
use roomwright_chat::ChatContext;
use roomwright_devstack::{MotoServer, TestStack, embedding_model_dir, repo_root, snapshot};
use roomwright_jobs_api::settings::BatchSettings;
use roomwright_local::local_batch::LocalBatch;
use roomwright_local::{Functions, seed, workers};
use roomwright_recommendations::RecsContext;
use std::collections::BTreeMap;

const STACK_NAME: &str = "roomwright-local";

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    match std::env::args().nth(1).as_deref() {
        None | Some("dev") => dev().await,
        Some("openapi") => {
            println!(
                "{}",
                serde_json::to_string_pretty(&roomwright_local::openapi())?
            );
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other}; use `dev` or `openapi`").into()),
    }
}

async fn dev() -> Result<(), Error> {
    roomwright_core::telemetry::init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    // Bind first, so a busy port fails before moto starts.
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e} (set PORT to use another)"))?;
    let moto = MotoServer::start().await?;
    let result = serve(listener, &moto.endpoint).await;
    moto.stop();
    eprintln!("roomwright-local: stopped moto; bye");
    result
}

async fn serve(listener: tokio::net::TcpListener, endpoint: &str) -> Result<(), Error> {
    let address = listener.local_addr()?;
    let mut stack =
        TestStack::provision(endpoint, STACK_NAME, "local", &format!("http://{address}")).await?;
    // Signing keys, the generated demo password and the stack's data live under the local data
    // directory and survive restarts (`make dev-reset` removes it).
    let data_dir = std::env::var("LOCAL_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| repo_root().join(".local"));
    let kept = data_dir.join("state");
    // Where the local AWS is, for tools (the examples recorder reads the sent emails there).
    std::fs::create_dir_all(&data_dir)?;
    std::fs::write(data_dir.join("moto-endpoint"), endpoint)?;
    let restored = if snapshot::exists(&kept) {
        let counts = snapshot::load(&stack.state.aws, &stack.provisioned, &kept)
            .await
            .map_err(|e| format!("restoring {}: {e}", kept.display()))?;
        format!("restored {counts} from {}", kept.display())
    } else {
        format!("a fresh stack; kept in {} when stopped", kept.display())
    };
    // Completion webhooks to receivers on this machine (`host:port,...`); none by default.
    if let Ok(hosts) = std::env::var("WEBHOOK_ALLOW_HOSTS") {
        let mut config = roomwright_core::config::Config::clone(&stack.state.config);
        config.webhook_allow = hosts
            .split(',')
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .collect();
        stack.state.config = std::sync::Arc::new(config);
    }
    let auth = AuthContext::new(
        KeySource::File(data_dir.join("jwt-keys.json")),
        roomwright_core::auth::Role::Designer,
    );
    let seeded = seed::demo(&stack.state, &data_dir)
        .await
        .map_err(|e| format!("seeding demo data: {e}"))?;
    let catalog = catalog_context(&stack);
    workers::spawn_indexer(stack.state.clone(), catalog.search.clone());
    if let Some(queue) = catalog.erp.events_queue_url.clone() {
        workers::spawn_erp_consumer(stack.state.clone(), queue);
    }
    let render_note = start_jobs(&stack);
    // The assistant searches the same index the catalog routes serve and the indexer refreshes.
    let mut chat =
        ChatContext::offline(stack.state.aws.clone()).map_err(|e| format!("chat settings: {e}"))?;
    chat.catalog = catalog.search.clone();
    let search_note = match catalog.search.has_model() {
        true => {
            "text + semantic (all-MiniLM-L6-v2); the first index build embeds the catalog, ~20 s"
        }
        false => "text only (no embedding model found; run `make dev` to install it)",
    };
    let webhook_secret = match &catalog.erp.webhook_secret {
        Some(secret) => secret.value().await?,
        None => String::new(),
    };
    let password_note = if seeded.password_generated {
        format!(
            "{}   (generated; set DEMO_PASSWORD to choose one)",
            seeded.password
        )
    } else {
        "$DEMO_PASSWORD".to_string()
    };
    eprintln!(
        "\nRoomwright is running at http://{address}\n  health:  http://{address}/v1/health\n  openapi: http://{address}/v1/openapi.json  (reference: http://{address}/docs)\n  demo users: {admin} (admin), {designer} (designer)\n  demo project: {project}\n  password:   {password_note}\n  catalog: {products} demo products, search: {search_note}\n  ERP webhook secret: {webhook_secret}  (ERP_WEBHOOK_SECRET overrides; ERP_BASE_URL enables orders)\n  renders: {render_note}\n  live updates: ws://{address}/v1/live?access_token=<access token>  (emails: {endpoint}/_roomwright/ses/messages)\n  chat: the offline assistant (rules, no Bedrock locally); POST /v1/conversations\n  recommendations: POST /v1/events, then POST /v1/jobs/training (admin) trains a model\n  local AWS (moto): {endpoint}  (data: {restored}; `make dev-reset` forgets it)\n  Ctrl-C stops everything and keeps the data.\n",
        admin = seed::DEMO_ADMIN,
        designer = seed::DEMO_DESIGNER,
        project = seeded.demo_project.as_deref().unwrap_or("-"),
        products = seeded.products,
    );
    let (aws, provisioned) = (stack.state.aws.clone(), stack.provisioned.clone());
    // Browser apps on other origins, as the HTTP API allows them in AWS.
    let template =
        roomwright_devstack::template::Template::load(&repo_root().join("template.yaml"))?;
    let cors = roomwright_local::cors::layer(
        &template,
        std::env::var("CORS_ALLOWED_ORIGINS").ok().as_deref(),
    )?;
    let live = Arc::new(roomwright_local::live::local_live(
        &stack.state,
        address,
        &stack.provisioned.environment,
    ));
    let sockets = Arc::new(roomwright_local::live::Sockets::default());
    if let Some(stream) = roomwright_local::live::stream_arn(&stack.provisioned) {
        roomwright_local::live::start_stream_reader(
            stack.state.clone(),
            live.clone(),
            stream,
            std::time::Duration::from_millis(50),
        )
        .await?;
    }
    let live_routes = roomwright_local::live::router(stack.state.clone(), live, sockets);
    let app = roomwright_local::app(
        stack.state,
        Functions {
            auth,
            catalog,
            chat,
            recs: RecsContext::new(),
        },
    )
    .merge(live_routes)
    .layer(cors);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    eprintln!("roomwright-local: keeping the data in {}", kept.display());
    let counts = snapshot::save(&aws, &provisioned, &kept)
        .await
        .map_err(|e| format!("keeping the data in {}: {e}", kept.display()))?;
    eprintln!("roomwright-local: kept {counts}");
    Ok(())
}

/// The jobs pipeline as AWS runs it: the dispatcher on the jobs queue, and Batch (the local
/// runner) starting `render-worker` from this build with the job's environment and the local
/// AWS endpoint. Returns a line for the banner.
fn start_jobs(stack: &TestStack) -> String {
    let env = &stack.provisioned.environment;
    let settings = BatchSettings::from_lookup(|name| env.get(name).cloned());
    let batch_queues = settings.queues();
    let (Some(jobs_queue), false) = (
        stack.state.config.jobs_queue_url.clone(),
        batch_queues.is_empty(),
    ) else {
        return "off (the template has no jobs queue or Batch queue)".into();
    };
    workers::spawn_jobs_dispatcher(stack.state.clone(), jobs_queue, settings);
    if let Some(queue) = stack.state.config.webhook_queue_url.clone() {
        workers::spawn_webhook_retries(stack.state.clone(), queue);
    }
    let beside = |name: &str| {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(name)))
            .filter(|path| path.exists())
    };
    let Some(worker) = beside("render-worker") else {
        return "off (build render-worker: `make dev` does)".into();
    };
    let mut programs = BTreeMap::from([(
        "render-worker".to_string(),
        vec![worker.display().to_string()],
    )]);
    if let Some(trainer) = beside("recommend-train") {
        programs.insert(
            "recommend-train".to_string(),
            vec![trainer.display().to_string()],
        );
    }
    if let Some(vision) = beside("vision") {
        programs.insert(
            "vision".to_string(),
            // The job definition's command (`vision job`) supplies the subcommand.
            vec![vision.display().to_string()],
        );
    }
    let mut aws_env = vec![
        ("AWS_ENDPOINT_URL".to_string(), stack.endpoint.clone()),
        (
            "AWS_REGION".into(),
            roomwright_devstack::stack::LOCAL_REGION.into(),
        ),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        // The GPU job definition asks for a GPU; here Blender renders on the CPU.
        ("RENDER_DEVICE".into(), "CPU".into()),
    ];
    // The vision worker's ONNX Runtime, OCR models and PDFium, from the venv.
    aws_env.extend(roomwright_devstack::vision_env());
    // The local compute environment is this machine: its cores, and room for one render (4 vCPUs).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    LocalBatch::new(
        stack.state.clone(),
        batch_queues,
        programs,
        aws_env,
        cores.max(4),
    )
    .spawn(std::time::Duration::from_secs(1));
    "Blender Cycles on CPU, recommendation training, floor-plan reading (run by the local Batch)"
        .into()
}

/// The catalog as `make dev` runs it: the embedding model from `EMBEDDING_MODEL_DIR` or the
/// venv, a webhook secret from `ERP_WEBHOOK_SECRET` or made up, an ERP client when
/// `ERP_BASE_URL` is set.
fn catalog_context(stack: &TestStack) -> CatalogContext {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let model = var("EMBEDDING_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .or_else(embedding_model_dir);
    let images = roomwright_catalog_api::image_encoder_from_env(&stack.state);
    CatalogContext {
        search: Arc::new(
            SearchService::new(model).with_image_model(images.as_ref().map(|e| e.model())),
        ),
        erp: Arc::new(ErpSettings {
            webhook_secret: Some(
                var("ERP_WEBHOOK_SECRET")
                    .unwrap_or_else(|| format!("whsec-{}", uuid::Uuid::new_v4().simple()))
                    .into(),
            ),
            events_queue_url: stack
                .provisioned
                .environment
                .get("ERP_EVENTS_QUEUE_URL")
                .cloned(),
            client: var("ERP_BASE_URL").map(|base| {
                ErpClient::new(ErpClientConfig::new(
                    base,
                    var("ERP_API_TOKEN").unwrap_or_default(),
                ))
            }),
        }),
        images,
    }
}

async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
