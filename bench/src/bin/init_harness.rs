//! Lambda init time, measured: for each function binary, the time from
//! process start to its first call for the next event (`GET
//! /2018-06-01/runtime/invocation/next`) on a local Lambda Runtime API, next
//! to the same figure for a minimal `lambda_runtime` binary.
//!
//! Usage: `init-harness [--runs N] [--bin-dir DIR]` (default: 30 runs, the
//! directory of this executable). Build the binaries first; see
//! `scripts/bench.sh`. Prints one line per binary: size, median and p90.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::expect_used)]

use axum::Router;
use axum::routing::get;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const FUNCTIONS_JSON: &str = include_str!("../../../functions/functions.json");

#[derive(serde::Deserialize)]
struct Definitions {
    functions: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A Runtime API that reports the first poll for an event and never answers.
async fn runtime_api() -> (String, mpsc::UnboundedReceiver<Instant>) {
    let (polled, receiver) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/2018-06-01/runtime/invocation/next",
        get(move || {
            let polled = polled.clone();
            async move {
                let _ = polled.send(Instant::now());
                // Park the poll like Lambda does between events.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, receiver)
}

/// One cold start: spawn, wait for the first poll, kill.
async fn init_once(binary: &PathBuf, name: &str) -> Option<Duration> {
    let (api, mut polled) = runtime_api().await;
    let mut command = tokio::process::Command::new(binary);
    command.env_clear();
    // Where TLS roots come from changes init noticeably: Lambda's
    // provided.al2023 has one bundle file; a Debian machine a directory of
    // hundreds. scripts/bench.sh points this at the bundle.
    if let Some(bundle) = std::env::var_os("SSL_CERT_FILE") {
        command.env("SSL_CERT_FILE", bundle);
    }
    let started = Instant::now();
    let mut child = command
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "ap-northeast-1")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("TABLE_NAME", "control-plane")
        .env("EVENT_BUS_NAME", "control-plane")
        .env("EMAIL_FROM", "no-reply@control-plane.example")
        .env("CONSOLE_URL", "https://console.example")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let first_poll = tokio::time::timeout(Duration::from_secs(10), polled.recv())
        .await
        .ok()
        .flatten();
    let _ = child.kill().await;
    first_poll.map(|at| at - started)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let mut runs = 30;
    let mut bin_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            "--bin-dir" => bin_dir = args.next().map(PathBuf::from).unwrap_or(bin_dir),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let definitions: Definitions = serde_json::from_str(FUNCTIONS_JSON).expect("functions.json");
    let mut binaries: Vec<String> = vec!["baseline-lambda".into()];
    binaries.extend(definitions.functions.into_keys());

    println!("Lambda init: process start → first poll for an event ({runs} runs each)");
    println!(
        "{:<20} {:>9} {:>12} {:>9}",
        "binary", "size", "median", "p90"
    );
    for name in binaries {
        let binary = bin_dir.join(&name);
        let Ok(metadata) = std::fs::metadata(&binary) else {
            println!("{name:<20} not built (scripts/bench.sh builds it)");
            continue;
        };
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            if let Some(t) = init_once(&binary, &name).await {
                times.push(t);
            }
        }
        if times.is_empty() {
            println!("{name:<20} never polled for an event");
            continue;
        }
        times.sort();
        println!(
            "{:<20} {:>7.1}MB {:>10.2}ms {:>7.2}ms",
            name,
            metadata.len() as f64 / 1_048_576.0,
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.9).as_secs_f64() * 1000.0,
        );
    }
}
