//! The long-running Blender process (`blender/render_server.py`) and its line protocol.
//!
//! Blender starts once per worker process: importing it and loading the GPU kernels cost
//! about half a second on CPU and more on GPU, which a per-render process would pay again and
//! again. [`Blender::start`] returns at once; the import overlaps with downloading the job's
//! input, and the first command waits for the process to say it is ready.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines},
    process::{Child, ChildStdin, ChildStdout, Command},
};

/// Lines of the protocol start with this; anything else is Blender's own output.
const PREFIX: &str = "@@rw ";

/// Where Blender comes from.
#[derive(Debug, Clone)]
pub struct BlenderConfig {
    /// A Python 3.11 with the `bpy` package.
    pub python: PathBuf,
    pub script: PathBuf,
    /// `CPU`, or `GPU` for OptiX/CUDA (CPU when no GPU is found).
    pub device: String,
}

impl BlenderConfig {
    /// `RENDER_PYTHON`, `RENDER_SCRIPT` and `RENDER_DEVICE`; without them, the repository's
    /// `.venv` (where `make` installs `bpy`) and script, on CPU.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let python = var("RENDER_PYTHON").map(PathBuf::from).unwrap_or_else(|| {
            let venv = repo.join(".venv/bin/python");
            if venv.exists() {
                venv
            } else {
                PathBuf::from("python3")
            }
        });
        let script = var("RENDER_SCRIPT").map(PathBuf::from).unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("blender/render_server.py")
        });
        Self {
            python,
            script,
            device: var("RENDER_DEVICE").unwrap_or_else(|| "CPU".into()),
        }
    }
}

#[derive(Debug, Error)]
pub enum BlenderError {
    #[error("cannot start Blender ({python}): {source}")]
    Spawn {
        python: String,
        source: std::io::Error,
    },
    #[error("Blender exited unexpectedly{0}")]
    Exited(String),
    #[error("Blender refused the command: {0}")]
    Refused(String),
    #[error("talking to Blender: {0}")]
    Io(#[from] std::io::Error),
    #[error("Blender said something unexpected: {0}")]
    Protocol(String),
}

/// What an export wrote, and the seconds each exporter took.
#[derive(Debug, Clone, Deserialize)]
pub struct Exported {
    pub outputs: Vec<PathBuf>,
    pub seconds: std::collections::BTreeMap<String, f64>,
}

/// One output file of a render.
#[derive(Debug, Clone, Serialize)]
pub struct OutputFile {
    pub path: PathBuf,
    /// `PNG`, `JPEG` or `OPEN_EXR` for a render; `GLB` or `USDZ` for an export.
    pub format: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RenderCommand {
    pub camera: usize,
    pub width: u32,
    pub height: u32,
    pub samples: u32,
    pub denoise: bool,
    pub seed: u32,
    /// 0: all cores.
    pub threads: u32,
    pub outputs: Vec<OutputFile>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Loaded {
    pub objects: u64,
    pub device: String,
    pub seconds: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rendered {
    /// Path tracing and denoising.
    pub seconds: f64,
    /// Writing the files.
    pub save_seconds: f64,
    pub device: String,
}

pub struct Blender {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    ready: Option<Value>,
    started: Instant,
    /// From start to the ready line (import of `bpy`).
    pub startup: Option<Duration>,
}

impl Blender {
    /// Starts the process without waiting for it.
    pub fn start(config: &BlenderConfig) -> Result<Self, BlenderError> {
        let mut child = Command::new(&config.python)
            .arg("-u")
            .arg(&config.script)
            .env("RENDER_DEVICE", &config.device)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| BlenderError::Spawn {
                python: config.python.display().to_string(),
                source,
            })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
        let stderr = child.stderr.take().expect("piped");
        // Blender's warnings, kept in our structured logs.
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(target: "blender", "{line}");
            }
        });
        Ok(Self {
            child,
            stdin,
            stdout,
            ready: None,
            started: Instant::now(),
            startup: None,
        })
    }

    /// The next protocol message, skipping Blender's own output.
    async fn next(&mut self) -> Result<Value, BlenderError> {
        loop {
            let Some(line) = self.stdout.next_line().await? else {
                let status = self.child.wait().await?;
                return Err(BlenderError::Exited(format!(" ({status})")));
            };
            match line.strip_prefix(PREFIX) {
                Some(json) => {
                    return serde_json::from_str(json)
                        .map_err(|e| BlenderError::Protocol(format!("{e}: {json}")));
                }
                None => tracing::trace!(target: "blender", "{line}"),
            }
        }
    }

    /// Waits for the process to have imported Blender.
    pub async fn ready(&mut self) -> Result<&Value, BlenderError> {
        if self.ready.is_none() {
            let message = self.next().await?;
            if message["event"] != "ready" {
                return Err(BlenderError::Protocol(message.to_string()));
            }
            self.startup = Some(self.started.elapsed());
            self.ready = Some(message);
        }
        Ok(self.ready.as_ref().expect("set above"))
    }

    async fn send(&mut self, command: &Value) -> Result<(), BlenderError> {
        self.ready().await?;
        let mut line = serde_json::to_vec(command).expect("JSON values serialise");
        line.push(b'\n');
        self.stdin.write_all(&line).await?;
        self.stdin.flush().await?;
        Ok(())
    }

    /// Waits for the answer `event`, passing progress reports to `progress`.
    async fn answer<T: serde::de::DeserializeOwned>(
        &mut self,
        event: &str,
        mut progress: impl FnMut(f64),
    ) -> Result<T, BlenderError> {
        loop {
            let message = self.next().await?;
            match message["event"].as_str() {
                Some(e) if e == event => {
                    return serde_json::from_value(message)
                        .map_err(|e| BlenderError::Protocol(e.to_string()));
                }
                Some("progress") => progress(message["fraction"].as_f64().unwrap_or(0.0)),
                Some("error") => {
                    return Err(BlenderError::Refused(
                        message["message"].as_str().unwrap_or("unknown").to_string(),
                    ));
                }
                _ => return Err(BlenderError::Protocol(message.to_string())),
            }
        }
    }

    /// Replaces the loaded scene with the one in `scene` (JSON, see `scene::Scene`).
    pub async fn load(&mut self, scene: &Path) -> Result<Loaded, BlenderError> {
        self.send(&serde_json::json!({"cmd": "load", "scene": scene}))
            .await?;
        self.answer("loaded", |_| {}).await
    }

    pub async fn render(
        &mut self,
        command: &RenderCommand,
        progress: impl FnMut(f64),
    ) -> Result<Rendered, BlenderError> {
        let mut value = serde_json::to_value(command).expect("serialisable");
        value["cmd"] = "render".into();
        self.send(&value).await?;
        self.answer("rendered", progress).await
    }

    /// Writes the loaded scene to `outputs` (`format` `GLB` or `USDZ`) without the objects
    /// named in `leave_out` (they are gone from the loaded scene after).
    pub async fn export(
        &mut self,
        outputs: &[OutputFile],
        leave_out: &[&str],
    ) -> Result<Exported, BlenderError> {
        self.send(
            &serde_json::json!({"cmd": "export", "outputs": outputs, "leave_out": leave_out}),
        )
        .await?;
        self.answer("exported", |_| {}).await
    }

    /// Asks the process to quit and waits for it.
    pub async fn quit(mut self) {
        if self.send(&serde_json::json!({"cmd": "quit"})).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        }
    }
}
