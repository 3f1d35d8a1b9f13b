//! `coldstart`: init time of Lambda binaries, from process start to their first Runtime API poll.
//!
//! Serves a minimal Runtime API on loopback, starts each binary with the environment Lambda
//! gives (`AWS_LAMBDA_RUNTIME_API`, function name, region, credentials, the template's
//! variables), and times until it asks for its first invocation. Prints median and p90 per
//! binary and the ratio to the bare `hello-lambda` baseline.
//!
//! Usage: `coldstart [RUNS] [BINARY...]` (binaries are looked up next to this one; default
//! `hello-lambda naive-lambda health`, 40 runs). Build them with the same profile first.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::PathBuf,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const NEXT_INVOCATION: &str = "GET /2018-06-01/runtime/invocation/next";

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(40);
    let mut binaries: Vec<String> = args.collect();
    if binaries.is_empty() {
        binaries = ["hello-lambda", "naive-lambda", "health"]
            .map(String::from)
            .to_vec();
    }
    let dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let mut baseline = None;
    println!(
        "{:<16} {:>10} {:>10} {:>8}",
        "binary", "median ms", "p90 ms", "x hello"
    );
    for name in &binaries {
        let path = dir.join(name);
        if !path.exists() {
            eprintln!(
                "{} is missing: build it with the same profile",
                path.display()
            );
            std::process::exit(2);
        }
        let mut samples: Vec<Duration> = (0..runs).map(|_| measure(&path)).collect();
        samples.sort();
        let median = samples[runs / 2];
        let p90 = samples[(runs * 9 / 10).min(runs - 1)];
        let base = *baseline.get_or_insert(median);
        println!(
            "{:<16} {:>10.2} {:>10.2} {:>8.2}",
            name,
            ms(median),
            ms(p90),
            ms(median) / ms(base)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One cold start: spawn, wait for the first `/next` poll, kill.
fn measure(path: &PathBuf) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let api = listener.local_addr().unwrap().to_string();
    let started = Instant::now();
    let mut child = Command::new(path)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "coldstart")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/coldstart")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/22/[$LATEST]0")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_SESSION_TOKEN", "token")
        .env("TABLE_NAME", "roomwright-dev-MainTable")
        .env("BUCKET_NAME", "roomwright-dev-assets")
        .env("STAGE", "dev")
        .env("JWT_ISSUER", "https://api.dev.roomwright.app")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Non-blocking accept, so a binary that exits during init is reported instead of awaited.
    listener.set_nonblocking(true).unwrap();
    let elapsed = loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                let mut line = String::new();
                BufReader::new(&stream).read_line(&mut line).unwrap();
                if line.starts_with(NEXT_INVOCATION) {
                    break started.elapsed();
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if let Some(status) = child.try_wait().unwrap() {
                    eprintln!("{} exited during init ({status})", path.display());
                    std::process::exit(1);
                }
                std::thread::sleep(Duration::from_micros(50));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}
