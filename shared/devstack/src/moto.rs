//! Starting and stopping a moto server on a free loopback port.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum MotoError {
    #[error(
        "moto is not installed at {0}: run `make test` (or `make dev`) from the repository root, \
         which creates .venv with moto, or set ROOMWRIGHT_TEST_AWS_ENDPOINT to a running server"
    )]
    NotInstalled(PathBuf),
    #[error("could not start moto: {0}")]
    Start(String),
    #[error("moto did not become ready at {0} within {1:?}")]
    NotReady(String, Duration),
}

/// A moto server this process started; it is stopped when this process ends, even abruptly.
pub struct MotoServer {
    pub endpoint: String,
    pid: u32,
}

impl MotoServer {
    /// The Python of the repository's `.venv` (or `ROOMWRIGHT_PYTHON`), which has moto.
    pub fn executable() -> PathBuf {
        std::env::var_os("ROOMWRIGHT_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::repo_root().join(".venv/bin/python"))
    }

    /// moto's server wrapped to apply one request at a time, as DynamoDB applies conditional
    /// writes atomically (see the script's docstring).
    fn script() -> PathBuf {
        crate::repo_root().join("shared/devstack/moto_server_serial.py")
    }

    /// Starts moto on a free port and waits until it answers, with Batch set to run no Docker.
    pub async fn start() -> Result<Self, MotoError> {
        let executable = Self::executable();
        // moto's own console script sits beside the interpreter once moto is installed.
        let has_moto = executable.exists() && executable.with_file_name("moto_server").exists();
        if !has_moto {
            return Err(MotoError::NotInstalled(executable));
        }
        // A port picked this way can be taken before moto binds it; try a few.
        let mut last_error = None;
        for _ in 0..3 {
            let port = free_port().map_err(|e| MotoError::Start(e.to_string()))?;
            let pid = spawn_kept(&executable, port)?;
            let server = MotoServer {
                endpoint: format!("http://127.0.0.1:{port}"),
                pid,
            };
            match server.wait_ready(Duration::from_secs(20)).await {
                Ok(()) => return Ok(server),
                Err(e) => {
                    server.stop();
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| MotoError::Start("no attempt made".into())))
    }

    async fn wait_ready(&self, limit: Duration) -> Result<(), MotoError> {
        let started = Instant::now();
        let client = reqwest::Client::new();
        let url = format!("{}/moto-api/config", self.endpoint);
        while started.elapsed() < limit {
            let ok = client
                .post(&url)
                .json(&serde_json::json!({"batch": {"use_docker": false}}))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return Ok(());
            }
            if !is_alive(self.pid) {
                return Err(MotoError::Start(format!("moto exited ({})", self.endpoint)));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(MotoError::NotReady(self.endpoint.clone(), limit))
    }

    /// Stops the server (SIGTERM) and waits briefly for it to go.
    pub fn stop(&self) {
        // SAFETY: kill(2) with a pid we spawned; at worst it names a process that is gone.
        unsafe { libc::kill(self.pid as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while is_alive(self.pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn is_alive(pid: u32) -> bool {
    // /proc/<pid>/stat shows `Z` for a zombie that has exited but not been reaped yet.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

/// Spawns moto from a thread that lives as long as moto does. The child is asked to die with
/// its parent (PR_SET_PDEATHSIG), and Linux sends that signal when the spawning *thread* ends,
/// so the thread waits on the child instead of returning.
fn spawn_kept(executable: &std::path::Path, port: u16) -> Result<u32, MotoError> {
    let (sender, receiver) = mpsc::channel();
    let executable = executable.to_path_buf();
    std::thread::Builder::new()
        .name(format!("moto-{port}"))
        .spawn(move || {
            let mut command = Command::new(&executable);
            command
                .arg(MotoServer::script())
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: prctl is async-signal-safe and touches only the child being set up.
            unsafe {
                use std::os::unix::process::CommandExt;
                command.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            match command.spawn() {
                Ok(mut child) => {
                    let _ = sender.send(Ok(child.id()));
                    let _ = child.wait();
                }
                Err(e) => {
                    let _ = sender.send(Err(MotoError::Start(format!(
                        "{}: {e}",
                        executable.display()
                    ))));
                }
            }
        })
        .map_err(|e| MotoError::Start(e.to_string()))?;
    receiver
        .recv()
        .map_err(|e| MotoError::Start(e.to_string()))?
}
