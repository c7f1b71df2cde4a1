//! `connect-bench`: load generator for the Connect web service.
//!
//! Subcommands:
//! - `http`: closed-loop HTTP/1.1 keep-alive benchmark against one URL (TCP,
//!   TLS or `unix:/path.sock`), reporting throughput, latency percentiles and,
//!   optionally, the server's resident memory.
//! - `rate`: open-loop load at a fixed rate over HTTP(S) until a signal, with
//!   every failure listed and a per-second timeline (see [`rate`]; used by
//!   `scripts/deploy-proof.sh` to watch deploys and rollbacks).
//! - `hold`: many idle keep-alive connections held open (see [`hold`]).
//! - `pages`: server time and page weight of the web pages (see [`pages`]).
//! - `paths`: writes a deterministic query-mix file for `/api/programs`.
//! - `parse`: parser + normaliser throughput per source kind over the real
//!   fixtures (see [`ingest`]).
//! - `ingest`: one scrape cycle of 500 sources against a loopback fixture site
//!   with production politeness, into a scratch database (see [`ingest`]).
//! - `rematch`: the worker's matching job with 10,000 organisations — a full
//!   re-match and a catalogue refresh — in a scratch database (see [`rematch`]).
//!
//! ```text
//! connect-bench paths --out mix.txt --count 400 --seed 1
//! connect-bench http --url http://127.0.0.1:8080 --paths mix.txt \
//!     --concurrency 32 --duration 20s --warmup 3s --pid $SERVER_PID [--json]
//! connect-bench rate --url https://connect.test:8443 --resolve connect.test:8443:127.0.0.1 \
//!     --cacert cert.pem --paths mix.txt --rate 200 --timeline t.txt   # until SIGTERM
//! connect-bench parse --iterations 200
//! connect-bench ingest --sources 500 --hosts 25 --concurrency 8 --latency-ms 100
//! connect-bench rematch --orgs 10000 --programs 20000 --changed 1000
//! ```
//!
//! `http` exits 0 on success, 1 when errors (non-2xx + transport, warm-up
//! included) exceed `--max-errors` (default 0), 2 on bad arguments. With
//! `--json` it prints one object (see `load::Report`); latencies are in ms.

mod fixtures;
mod hold;
mod ingest;
mod load;
mod pages;
mod paths;
mod rate;
mod rematch;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "connect-bench", version, about = "HTTP benchmark tool for Connect")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a closed-loop HTTP/1.1 benchmark against one server.
    Http(load::HttpArgs),
    /// Open-loop load at a fixed rate (HTTP or HTTPS) until --duration or SIGTERM; every failure listed.
    Rate(rate::RateArgs),
    /// Hold many idle keep-alive connections open, then check they still answer.
    Hold(hold::HoldArgs),
    /// Parser + normaliser throughput per source kind over the real fixtures.
    Parse(ingest::ParseArgs),
    /// One scrape cycle of many sources against a loopback fixture site, production politeness.
    Ingest(ingest::IngestArgs),
    /// The worker's re-match job at scale: a full re-match and a catalogue refresh.
    Rematch(rematch::RematchArgs),
    /// Server time and page weight of the catalogue, home and dashboard pages of a running server.
    Pages(pages::PagesArgs),
    /// Write a query-mix file for the programs search endpoint.
    Paths {
        /// Output file (one request path per line).
        #[arg(long)]
        out: PathBuf,
        /// Number of request lines.
        #[arg(long, default_value_t = 400)]
        count: usize,
        /// Seed for the deterministic generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Endpoint path the queries are appended to.
        #[arg(long, default_value = "/api/programs")]
        endpoint: String,
    },
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("connect-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode> {
    match Cli::parse().cmd {
        Cmd::Http(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting tokio runtime")?;
            rt.block_on(load::run(args))
        }
        Cmd::Rate(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting tokio runtime")?;
            rt.block_on(rate::run(args))
        }
        Cmd::Hold(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting tokio runtime")?;
            rt.block_on(hold::run(args))
        }
        Cmd::Parse(args) => {
            ingest::parse(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Ingest(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting tokio runtime")?;
            rt.block_on(ingest::ingest(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Rematch(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting tokio runtime")?;
            rt.block_on(rematch::rematch(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Pages(args) => {
            let rt = tokio::runtime::Runtime::new().context("starting tokio runtime")?;
            rt.block_on(pages::run(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Paths { out, count, seed, endpoint } => {
            let text = paths::generate(&endpoint, count, seed);
            std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {count} paths to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Parses durations such as `20s`, `500ms`, `2m` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().with_context(|| format!("bad duration {s:?}"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        _ => bail!("bad duration unit in {s:?} (use ms, s or m)"),
    };
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("20s").unwrap(), Duration::from_secs(20));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("s").is_err());
    }
}
