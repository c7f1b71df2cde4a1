//! Open-loop, rate-limited HTTP(S) load: `--rate` requests per second whatever the server does (a
//! slow answer does not slow the sender, unlike the closed loop of [`crate::load`]), until
//! `--duration` passes or SIGINT/SIGTERM arrives. Made for watching a deploy: every request is
//! either a 2xx or a failure (non-2xx or transport error), failures are listed with their time, and
//! `--timeline` writes per-second counts so a script can count what happened inside a time window.
//!
//! HTTPS goes through rustls with `--cacert` (a self-signed test certificate) and `--resolve` (the
//! certificate's name mapped to a loopback address), over HTTP/1.1 keep-alive connections.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::time::{Instant, MissedTickBehavior};

#[derive(clap::Args)]
pub struct RateArgs {
    /// Base URL the paths are appended to, e.g. `https://connect.test:8443`.
    #[arg(long)]
    url: String,
    /// File with one request per line, used in turn: a path (a GET that must answer 2xx), or
    /// `METHOD PATH STATUS` (e.g. `POST /api/me/notifications/read 401`: an empty JSON body, and
    /// the answer must be that status). Blank lines and `#` comments are ignored.
    #[arg(long)]
    paths: PathBuf,
    /// Requests started per second.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Stop after this long (e.g. 30s); without it, run until SIGINT or SIGTERM.
    #[arg(long, value_parser = crate::parse_duration)]
    duration: Option<Duration>,
    /// `HOST:PORT:ADDR` as with curl: connect to ADDR for HOST:PORT.
    #[arg(long)]
    resolve: Vec<String>,
    /// A PEM certificate to trust (the test's self-signed one).
    #[arg(long)]
    cacert: Option<PathBuf>,
    /// Per-request timeout (counted as a failure).
    #[arg(long, default_value = "10s", value_parser = crate::parse_duration)]
    timeout: Duration,
    /// Write `unix_second started ok failed` per second here at the end.
    #[arg(long)]
    timeline: Option<PathBuf>,
    /// Exit 1 if more than this many requests fail.
    #[arg(long, default_value_t = 0)]
    max_errors: u64,
    /// Print one JSON object instead of the text summary.
    #[arg(long)]
    json: bool,
}

#[derive(Default)]
struct Tally {
    /// Per second the request started in: (started, ok, failed).
    seconds: BTreeMap<u64, (u64, u64, u64)>,
    failures: Vec<Failure>,
    statuses: BTreeMap<String, u64>,
    latency_us: Option<Histogram<u64>>,
}

#[derive(Serialize, Clone)]
struct Failure {
    unix_ms: u128,
    path: String,
    error: String,
}

#[derive(Serialize)]
struct Summary {
    requests: u64,
    ok: u64,
    failed: u64,
    seconds: f64,
    achieved_rate: f64,
    statuses: BTreeMap<String, u64>,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    failures: Vec<Failure>,
}

/// One line of the paths file.
#[derive(Clone, Debug, PartialEq)]
struct Line {
    method: reqwest::Method,
    path: String,
    /// The status that counts as success; any 2xx when not given.
    expect: Option<u16>,
}

impl std::str::FromStr for Line {
    type Err = anyhow::Error;
    fn from_str(line: &str) -> Result<Line> {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts[..] {
            [path] => Ok(Line { method: reqwest::Method::GET, path: path.into(), expect: None }),
            [method, path, status] => Ok(Line {
                method: method.parse().with_context(|| format!("{line}: method"))?,
                path: path.into(),
                expect: Some(status.parse().with_context(|| format!("{line}: status"))?),
            }),
            _ => bail!("{line}: expected PATH or METHOD PATH STATUS"),
        }
    }
}

fn now_unix() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

fn client(args: &RateArgs) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .timeout(args.timeout)
        .pool_max_idle_per_host(256)
        .pool_idle_timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &args.cacert {
        let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        b = b.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    }
    for r in &args.resolve {
        let mut parts = r.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next()) else {
            bail!("--resolve {r}: expected HOST:PORT:ADDR");
        };
        let port: u16 = port.parse().with_context(|| format!("--resolve {r}"))?;
        let addr: std::net::IpAddr = addr.parse().with_context(|| format!("--resolve {r}"))?;
        b = b.resolve(host, SocketAddr::new(addr, port));
    }
    Ok(b.build()?)
}

pub async fn run(args: RateArgs) -> Result<ExitCode> {
    if args.rate == 0 {
        bail!("--rate must be at least 1");
    }
    let text = std::fs::read_to_string(&args.paths).with_context(|| format!("reading {}", args.paths.display()))?;
    let paths: Vec<Line> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::parse)
        .collect::<Result<_>>()?;
    if paths.is_empty() {
        bail!("{} has no paths", args.paths.display());
    }
    let client = client(&args)?;
    let base = args.url.trim_end_matches('/').to_string();
    let tally = Arc::new(Mutex::new(Tally {
        latency_us: Some(Histogram::new_with_bounds(1, 60_000_000, 3)?),
        ..Tally::default()
    }));

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let started = Instant::now();
    let end = args.duration.map(|d| started + d);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(args.rate)));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut tasks = tokio::task::JoinSet::new();
    let mut n = 0usize;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
        if end.is_some_and(|e| Instant::now() >= e) {
            break;
        }
        let line = paths[n % paths.len()].clone();
        n += 1;
        let (client, tally, url) = (client.clone(), tally.clone(), format!("{base}{}", line.path));
        tasks.spawn(async move {
            let sent = now_unix();
            let t0 = Instant::now();
            let mut request = client.request(line.method.clone(), &url);
            if line.method != reqwest::Method::GET {
                request = request.header("content-type", "application/json").body("{}");
            }
            let path = format!("{} {}", line.method, line.path);
            let outcome = match request.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let wanted = line.expect.map_or(status.is_success(), |code| status.as_u16() == code);
                    match resp.bytes().await {
                        Ok(_) if wanted => Ok(status.as_u16()),
                        Ok(_) => Err(format!("HTTP {}", status.as_u16())),
                        Err(e) => Err(format!("body: {e}")),
                    }
                }
                Err(e) => Err(error_text(&e)),
            };
            let took = t0.elapsed();
            let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
            let second = t.seconds.entry(sent.as_secs()).or_default();
            second.0 += 1;
            match outcome {
                Ok(code) => {
                    second.1 += 1;
                    *t.statuses.entry(code.to_string()).or_default() += 1;
                    if let Some(h) = t.latency_us.as_mut() {
                        let _ = h.record(took.as_micros().max(1) as u64);
                    }
                }
                Err(error) => {
                    second.2 += 1;
                    *t.statuses.entry(error.split(':').next().unwrap_or("error").to_string()).or_default() += 1;
                    t.failures.push(Failure { unix_ms: sent.as_millis(), path, error });
                }
            }
        });
        // Reap finished tasks so the set does not grow for the whole run.
        while tasks.try_join_next().is_some() {}
    }
    let sending = started.elapsed();
    while tasks.join_next().await.is_some() {}

    let t = tally.lock().unwrap_or_else(|p| p.into_inner());
    let (requests, ok, failed) = t.seconds.values().fold((0, 0, 0), |(r, o, f), (s, so, sf)| (r + s, o + so, f + sf));
    let ms = |q: f64| t.latency_us.as_ref().map_or(0.0, |h| h.value_at_quantile(q) as f64 / 1000.0);
    let summary = Summary {
        requests,
        ok,
        failed,
        seconds: sending.as_secs_f64(),
        achieved_rate: requests as f64 / sending.as_secs_f64().max(0.001),
        statuses: t.statuses.clone(),
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        max_ms: t.latency_us.as_ref().map_or(0.0, |h| h.max() as f64 / 1000.0),
        failures: t.failures.clone(),
    };
    if let Some(path) = &args.timeline {
        let mut text = String::from("# unix_second started ok failed\n");
        for (second, (s, o, f)) in &t.seconds {
            text.push_str(&format!("{second} {s} {o} {f}\n"));
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "{requests} requests in {:.1} s ({:.0}/s): {ok} ok, {failed} failed; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:?}",
            summary.seconds, summary.achieved_rate, summary.p50_ms, summary.p99_ms, summary.max_ms, summary.statuses
        );
        for f in summary.failures.iter().take(20) {
            println!("  failed at {}.{:03}: {} {}", f.unix_ms / 1000, f.unix_ms % 1000, f.path, f.error);
        }
    }
    Ok(if failed > args.max_errors { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The error and its causes on one line (reqwest's own text hides the cause).
fn error_text(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() { "timeout".to_string() } else { "transport".to_string() };
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::Line;

    #[test]
    fn a_line_is_a_path_or_a_method_path_and_status() {
        let get: Line = "/api/programs?q=x".parse().unwrap();
        assert_eq!((get.method.as_str(), get.path.as_str(), get.expect), ("GET", "/api/programs?q=x", None));
        let post: Line = "POST /api/me/notifications/read 401".parse().unwrap();
        assert_eq!(
            (post.method.as_str(), post.path.as_str(), post.expect),
            ("POST", "/api/me/notifications/read", Some(401))
        );
        assert!("POST /x".parse::<Line>().is_err());
        assert!("POST /x abc".parse::<Line>().is_err());
    }
}
