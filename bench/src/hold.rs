//! `connect-bench hold`: many idle keep-alive connections held open, to measure what a server (nginx
//! in front of the app) keeps open while another run loads it. Each connection makes one request when
//! it opens and one more after the hold. The report says how many opened, and how many still
//! answered on the same connection at the end, with the failures by kind.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use bytes::Bytes;
use http_body_util::Empty;
use hyper::client::conn::http1::SendRequest;
use hyper::header::HOST;
use hyper::{Request, Uri};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::load::{exchange, Dialer};

/// Arguments of `connect-bench hold`.
#[derive(clap::Args)]
pub struct HoldArgs {
    /// Target: `http://host:port`, `https://host:port` or `unix:/path/to.sock`.
    #[arg(long)]
    url: String,
    /// The CA certificate (PEM) that signed an `https://` server's certificate.
    #[arg(long, value_name = "PEM")]
    cacert: Option<PathBuf>,
    /// Connect to this address instead of the URL's host (like curl's --resolve).
    #[arg(long, value_name = "IP:PORT")]
    connect_to: Option<SocketAddr>,
    /// Each connection from its own loopback address (127.0.x.y).
    #[arg(long)]
    spread_loopback: bool,
    /// The first connection's number, for its loopback address: keeps them apart from an `http` run's.
    #[arg(long, default_value_t = 1000)]
    first: usize,
    /// The path requested when a connection opens and again at the end.
    #[arg(long, default_value = "/api/health/live")]
    path: String,
    /// Connections to hold.
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    /// Connections being opened at once.
    #[arg(long, default_value_t = 100)]
    parallel: usize,
    /// How long they are held once all are open (keep it under nginx's keepalive_timeout, 65 s).
    #[arg(long, default_value = "30s", value_parser = crate::parse_duration)]
    hold: Duration,
    /// Created once every connection is open (for a script that starts its load then).
    #[arg(long, value_name = "FILE")]
    ready_file: Option<PathBuf>,
}

#[derive(Serialize)]
struct HoldReport {
    url: String,
    connections: usize,
    opened: usize,
    open_seconds: f64,
    held_seconds: f64,
    /// Answered the second request on the connection they opened with.
    still_open: usize,
    /// Failure kind to count, while opening and at the end.
    failures: BTreeMap<String, u64>,
}

fn request(uri: &Uri, dialer: &Dialer) -> Request<Empty<Bytes>> {
    let mut req = Request::new(Empty::new());
    *req.uri_mut() = uri.clone();
    req.headers_mut().insert(HOST, dialer.host.clone());
    req
}

async fn ask(sender: &mut SendRequest<Empty<Bytes>>, uri: &Uri, dialer: &Dialer) -> Result<()> {
    let (status, _, keep) = exchange(sender, request(uri, dialer)).await?;
    ensure!(status.is_success(), "HTTP {status}");
    ensure!(keep, "the server closes the connection");
    Ok(())
}

/// Runs `connect-bench hold`.
pub async fn run(args: HoldArgs) -> Result<ExitCode> {
    ensure!(args.connections > 0 && args.parallel > 0, "--connections and --parallel must be at least 1");
    let (dialer, prefix) = Dialer::new(&args.url, args.cacert.as_ref(), args.connect_to, args.spread_loopback)?;
    let dialer = Arc::new(dialer);
    let uri: Uri = format!("{prefix}{}", args.path).parse().context("--path")?;
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();

    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.parallel));
    let mut opening = tokio::task::JoinSet::new();
    for i in 0..args.connections {
        let permit = gate.clone().acquire_owned().await?;
        let (dialer, uri, n) = (dialer.clone(), uri.clone(), args.first + i);
        opening.spawn(async move {
            let _permit = permit;
            let mut sender = tokio::time::timeout(Duration::from_secs(30), dialer.connect(n)).await??;
            ask(&mut sender, &uri, &dialer).await?;
            Ok::<_, anyhow::Error>(sender)
        });
    }
    let mut open = Vec::with_capacity(args.connections);
    while let Some(result) = opening.join_next().await {
        match result.context("task panicked")? {
            Ok(sender) => open.push(sender),
            Err(e) => *failures.entry(format!("open: {e:#}")).or_default() += 1,
        }
    }
    let open_seconds = started.elapsed().as_secs_f64();
    let opened = open.len();
    eprintln!("{opened} of {} connections open in {open_seconds:.1}s; holding {:?}", args.connections, args.hold);
    if let Some(file) = &args.ready_file {
        std::fs::write(file, format!("{opened}\n")).with_context(|| format!("writing {}", file.display()))?;
    }

    tokio::time::sleep(args.hold).await;
    let mut asking = tokio::task::JoinSet::new();
    for mut sender in open {
        let permit = gate.clone().acquire_owned().await?;
        let (dialer, uri) = (dialer.clone(), uri.clone());
        asking.spawn(async move {
            let _permit = permit;
            tokio::time::timeout(Duration::from_secs(30), ask(&mut sender, &uri, &dialer)).await?
        });
    }
    let mut still_open = 0;
    while let Some(result) = asking.join_next().await {
        match result.context("task panicked")? {
            Ok(()) => still_open += 1,
            Err(e) => *failures.entry(format!("after the hold: {e:#}")).or_default() += 1,
        }
    }
    let report = HoldReport {
        url: args.url,
        connections: args.connections,
        opened,
        open_seconds: (open_seconds * 10.0).round() / 10.0,
        held_seconds: args.hold.as_secs_f64(),
        still_open,
        failures,
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(if still_open == args.connections { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
