//! Closed-loop HTTP/1.1 load generator and its report.
//!
//! Each of `--concurrency` client tasks owns one keep-alive connection (made
//! with `hyper::client::conn::http1`, over TCP, TLS (`https://`, rustls, the
//! server certificate checked against `--cacert`) or a unix socket) and loops:
//! send a GET, read the whole body, record the latency, repeat, until the run
//! ends. Requests started during the warm-up are not recorded (their failures
//! are still counted); a request still in flight when the run ends is
//! abandoned and not counted. Latency is recorded for 2xx responses only;
//! non-2xx responses and transport errors (connect failures, resets,
//! timeouts) are counted separately and listed by kind in the report.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, CONNECTION, HOST};
use hyper::{Request, Response, StatusCode, Uri, Version};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpSocket, TcpStream, UnixStream};
use tokio::time::Instant;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Arguments of `connect-bench http`.
#[derive(clap::Args)]
pub struct HttpArgs {
    /// Target: `http://host:port[/prefix]`, `https://host:port[/prefix]` or `unix:/path/to.sock`.
    #[arg(long)]
    url: String,
    /// The CA certificate (PEM) that signed an `https://` server's certificate.
    #[arg(long, value_name = "PEM")]
    cacert: Option<PathBuf>,
    /// Connect to this address instead of the URL's host, which stays the Host header and the TLS
    /// server name (like curl's --resolve).
    #[arg(long, value_name = "IP:PORT")]
    connect_to: Option<SocketAddr>,
    /// Each client connects from its own loopback address (127.0.x.y), as distinct users would:
    /// per-address limits such as nginx's limit_req then apply per client.
    #[arg(long)]
    spread_loopback: bool,
    /// At most this many requests a second per client (0: as fast as it can), e.g. to stay under a
    /// per-address limit such as nginx's limit_req.
    #[arg(long, default_value_t = 0.0)]
    rate_per_client: f64,
    /// The first client's number, for its loopback address: keeps two runs' addresses apart.
    #[arg(long, default_value_t = 0)]
    first: usize,
    /// File with one request path per line (blank lines and `#` comments ignored).
    #[arg(long)]
    paths: PathBuf,
    /// Number of connections, one closed-loop client each.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Measured duration (e.g. 20s, 500ms, 1m).
    #[arg(long, default_value = "20s", value_parser = crate::parse_duration)]
    duration: Duration,
    /// Unrecorded warm-up before the measured duration.
    #[arg(long, default_value = "0s", value_parser = crate::parse_duration)]
    warmup: Duration,
    /// Per-request timeout (counted as a transport error).
    #[arg(long, default_value = "10s", value_parser = crate::parse_duration)]
    timeout: Duration,
    /// Server process id: report its VmRSS/VmHWM at the end of the run.
    #[arg(long)]
    pid: Option<u32>,
    /// Exit non-zero if more than this many errors (non-2xx + transport) occur.
    #[arg(long, default_value_t = 0)]
    max_errors: u64,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Where to connect.
enum Target {
    Tcp(String),
    Tls { addr: String, name: ServerName<'static> },
    Unix(PathBuf),
}

/// How client `n` reaches the server: the target, its Host header and TLS, and the source address.
pub struct Dialer {
    target: Target,
    pub host: HeaderValue,
    tls: Option<TlsConnector>,
    spread_loopback: bool,
}

impl Dialer {
    /// From `--url`, `--cacert`, `--connect-to` and `--spread-loopback`; also returns the path prefix.
    pub fn new(
        url: &str,
        cacert: Option<&PathBuf>,
        connect_to: Option<SocketAddr>,
        spread_loopback: bool,
    ) -> Result<(Dialer, String)> {
        let (mut target, host, prefix) = parse_url(url)?;
        if let Some(to) = connect_to {
            match &mut target {
                Target::Tcp(addr) | Target::Tls { addr, .. } => *addr = to.to_string(),
                Target::Unix(_) => bail!("--connect-to is for http:// and https:// targets"),
            }
        }
        let tls = match (&target, cacert) {
            (Target::Tls { .. }, Some(cacert)) => Some(tls_connector(cacert)?),
            (Target::Tls { .. }, None) => bail!("an https:// target needs --cacert"),
            _ => None,
        };
        Ok((Dialer { target, host, tls, spread_loopback }, prefix))
    }

    /// A TCP connection to `addr`, from client `n`'s loopback address when spreading.
    async fn tcp(&self, addr: &str, n: usize) -> Result<TcpStream> {
        let stream = if self.spread_loopback {
            let to: SocketAddr =
                tokio::net::lookup_host(addr).await?.find(SocketAddr::is_ipv4).context("no IPv4 address")?;
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(loopback_source(n).into(), 0))?;
            socket.connect(to).await?
        } else {
            TcpStream::connect(addr).await?
        };
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    /// An HTTP/1.1 connection for client `n`.
    pub async fn connect(&self, n: usize) -> Result<SendRequest<Empty<Bytes>>> {
        match &self.target {
            Target::Tcp(addr) => handshake(self.tcp(addr, n).await?).await,
            Target::Tls { addr, name } => {
                let stream = self.tcp(addr, n).await?;
                let connector = self.tls.as_ref().context("https needs --cacert")?;
                handshake(connector.connect(name.clone(), stream).await?).await
            }
            Target::Unix(path) => handshake(UnixStream::connect(path).await?).await,
        }
    }
}

/// Shared, read-only state of one run.
struct Ctx {
    dialer: Dialer,
    paths: Vec<Uri>,
    measure_start: Instant,
    end: Instant,
    timeout: Duration,
    /// Time between two requests of one client, when paced.
    interval: Option<Duration>,
}

/// Parses `--url` into a target, the Host header value and a path prefix.
fn parse_url(url: &str) -> Result<(Target, HeaderValue, String)> {
    if let Some(path) = url.strip_prefix("unix:") {
        ensure!(!path.is_empty(), "empty unix socket path in {url:?}");
        let target = Target::Unix(PathBuf::from(path));
        return Ok((target, HeaderValue::from_static("localhost"), String::new()));
    }
    let uri: Uri = url.parse().with_context(|| format!("bad --url {url:?}"))?;
    let tls = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        Some(s) => bail!("unsupported scheme {s:?} (only http, https and unix:)"),
        None => bail!("--url needs a scheme: http://host:port, https://host:port or unix:/path"),
    };
    let auth = uri.authority().context("--url has no host")?;
    let addr = format!("{}:{}", auth.host(), auth.port_u16().unwrap_or(if tls { 443 } else { 80 }));
    let host = HeaderValue::from_str(auth.as_str())?;
    let target = if tls {
        let name = ServerName::try_from(auth.host().trim_matches(['[', ']']).to_string())
            .with_context(|| format!("not a TLS server name: {}", auth.host()))?;
        Target::Tls { addr, name }
    } else {
        Target::Tcp(addr)
    };
    Ok((target, host, uri.path().trim_end_matches('/').to_string()))
}

/// A TLS client that trusts only `cacert` and speaks HTTP/1.1 (ALPN), with ring as the provider.
fn tls_connector(cacert: &PathBuf) -> Result<TlsConnector> {
    let pem = std::fs::read(cacert).with_context(|| format!("reading {}", cacert.display()))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.with_context(|| format!("{}: not a PEM certificate", cacert.display()))?)?;
    }
    ensure!(!roots.is_empty(), "{} holds no certificate", cacert.display());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Client `n`'s own loopback address: 127.0.1.1, 127.0.1.2, … (254 per /24, skipping .0 and .255).
pub fn loopback_source(n: usize) -> Ipv4Addr {
    let (block, host) = (n / 254, n % 254);
    Ipv4Addr::new(127, (block / 254) as u8, (1 + block % 254) as u8, (1 + host) as u8)
}

/// Reads the paths file, skipping blank lines and `#` comments.
fn read_paths(file: &PathBuf, prefix: &str) -> Result<Vec<Uri>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {file:?}"))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        ensure!(line.starts_with('/'), "{file:?}:{}: path must start with /", n + 1);
        let uri = format!("{prefix}{line}").parse();
        out.push(uri.with_context(|| format!("{file:?}:{}: bad path {line:?}", n + 1))?);
    }
    ensure!(!out.is_empty(), "{file:?} has no request paths");
    Ok(out)
}

/// Per-client counters, merged at the end.
struct Stats {
    hist: Histogram<u64>,
    bytes: u64,
    non_2xx: u64,
    transport: u64,
    warmup_errors: u64,
    connections: u64,
    kinds: BTreeMap<String, u64>,
}

impl Stats {
    fn new() -> Self {
        Self {
            hist: Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds"),
            bytes: 0,
            non_2xx: 0,
            transport: 0,
            warmup_errors: 0,
            connections: 0,
            kinds: BTreeMap::new(),
        }
    }

    fn ok(&mut self, micros: u64, bytes: u64) {
        self.hist.saturating_record(micros.max(1));
        self.bytes += bytes;
    }

    fn fail(&mut self, measured: bool, http: bool, kind: String) {
        let kind = match (measured, http) {
            (false, _) => {
                self.warmup_errors += 1;
                format!("{kind} (warm-up)")
            }
            (true, true) => {
                self.non_2xx += 1;
                kind
            }
            (true, false) => {
                self.transport += 1;
                kind
            }
        };
        // Bound the map in case messages vary a lot.
        let key =
            if self.kinds.len() < 32 || self.kinds.contains_key(&kind) { kind } else { "other errors".to_string() };
        *self.kinds.entry(key).or_default() += 1;
    }

    fn merge(&mut self, o: Stats) {
        self.hist.add(&o.hist).expect("same bounds");
        self.bytes += o.bytes;
        self.non_2xx += o.non_2xx;
        self.transport += o.transport;
        self.warmup_errors += o.warmup_errors;
        self.connections += o.connections;
        for (k, v) in o.kinds {
            *self.kinds.entry(k).or_default() += v;
        }
    }

    fn errors(&self) -> u64 {
        self.non_2xx + self.transport + self.warmup_errors
    }
}

async fn handshake<S>(io: S) -> Result<SendRequest<Empty<Bytes>>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = http1::handshake(TokioIo::new(io)).await?;
    // Connection errors also surface on the pending request, so ignore here.
    tokio::spawn(async move { drop(conn.await) });
    Ok(sender)
}

/// Whether the server lets us reuse the connection after this response.
fn keeps_alive<B>(res: &Response<B>) -> bool {
    let conn = res.headers().get(CONNECTION).and_then(|v| v.to_str().ok());
    let conn = conn.unwrap_or("").to_ascii_lowercase();
    !conn.contains("close") && (res.version() != Version::HTTP_10 || conn.contains("keep-alive"))
}

/// Sends one request and drains the body; returns (status, body bytes, keep-alive).
pub async fn exchange(
    sender: &mut SendRequest<Empty<Bytes>>,
    req: Request<Empty<Bytes>>,
) -> Result<(StatusCode, u64, bool)> {
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let (status, keep) = (res.status(), keeps_alive(&res));
    let mut body = res.into_body();
    let mut bytes = 0;
    while let Some(frame) = body.frame().await {
        bytes += frame?.data_ref().map_or(0, |d| d.len() as u64);
    }
    Ok((status, bytes, keep))
}

/// Closed-loop client `n`, starting at path index `offset`.
async fn client(ctx: Arc<Ctx>, n: usize, offset: usize) -> Stats {
    let mut stats = Stats::new();
    let mut conn: Option<SendRequest<Empty<Bytes>>> = None;
    let mut next = offset;
    let mut due = Instant::now();
    while Instant::now() < ctx.end {
        if let Some(interval) = ctx.interval {
            tokio::time::sleep_until(due.min(ctx.end)).await;
            due = due.max(Instant::now() - interval) + interval;
        }
        let mut sender = match conn.take() {
            Some(s) if !s.is_closed() => s,
            _ => match tokio::time::timeout_at(ctx.end, ctx.dialer.connect(n)).await {
                Err(_) => break,
                Ok(Ok(s)) => {
                    stats.connections += 1;
                    s
                }
                Ok(Err(e)) => {
                    let measured = Instant::now() >= ctx.measure_start;
                    stats.fail(measured, false, format!("connect: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let uri = ctx.paths[next % ctx.paths.len()].clone();
        next += 1;
        let mut req = Request::new(Empty::new());
        *req.uri_mut() = uri;
        req.headers_mut().insert(HOST, ctx.dialer.host.clone());

        let started = Instant::now();
        let measured = started >= ctx.measure_start;
        let deadline = (started + ctx.timeout).min(ctx.end);
        match tokio::time::timeout_at(deadline, exchange(&mut sender, req)).await {
            Err(_) if Instant::now() >= ctx.end => break, // in flight at the end
            Err(_) => stats.fail(measured, false, format!("timeout after {:?}", ctx.timeout)),
            Ok(Err(e)) => stats.fail(measured, false, format!("{e:#}")),
            Ok(Ok((status, bytes, keep))) => {
                let micros = started.elapsed().as_micros() as u64;
                if keep {
                    conn = Some(sender);
                }
                if !status.is_success() {
                    stats.fail(measured, true, format!("HTTP {status}"));
                } else if measured {
                    stats.ok(micros, bytes);
                }
            }
        }
    }
    stats
}

/// Server memory read from `/proc/PID/status`.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Rss {
    pub pid: u32,
    pub vm_rss_kb: u64,
    pub vm_hwm_kb: u64,
    /// The part of VmRSS that is the process's own memory (heap, stacks), not file pages (the
    /// binary's code, the mapped search index) that the kernel can drop and read again.
    pub rss_anon_kb: u64,
}

fn read_rss(pid: u32) -> Result<Rss> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let field = |name: &str| -> Result<u64> {
        let line = text.lines().find_map(|l| l.strip_prefix(name));
        let kb = line.and_then(|l| l.trim().trim_end_matches("kB").trim().parse().ok());
        kb.with_context(|| format!("no {name} in {path}"))
    };
    Ok(Rss { pid, vm_rss_kb: field("VmRSS:")?, vm_hwm_kb: field("VmHWM:")?, rss_anon_kb: field("RssAnon:")? })
}

/// Latency percentiles in milliseconds (3 decimals).
#[derive(Serialize, Debug, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// The result of a run (serialized as-is with `--json`).
#[derive(Serialize, Debug)]
pub struct Report {
    pub url: String,
    pub concurrency: usize,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// Measured requests: ok + non_2xx + transport_errors.
    pub requests: u64,
    pub ok: u64,
    pub non_2xx: u64,
    pub transport_errors: u64,
    pub warmup_errors: u64,
    /// 2xx responses per second of measured time.
    pub rps: f64,
    pub latency_ms: Latency,
    pub mean_response_bytes: f64,
    pub connections: u64,
    pub server_rss: Option<Rss>,
    /// Error kind (e.g. `HTTP 404 Not Found`, `connect: ...`) to count.
    pub errors: BTreeMap<String, u64>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl Report {
    fn new(url: &str, concurrency: usize, duration: Duration, warmup: Duration, s: Stats) -> Self {
        let ok = s.hist.len();
        let ms = |q: f64| round3(s.hist.value_at_quantile(q) as f64 / 1000.0);
        let per = |x: f64, n: u64| if n == 0 { 0.0 } else { x / n as f64 };
        Report {
            url: url.to_string(),
            concurrency,
            duration_s: duration.as_secs_f64(),
            warmup_s: warmup.as_secs_f64(),
            requests: ok + s.non_2xx + s.transport,
            ok,
            non_2xx: s.non_2xx,
            transport_errors: s.transport,
            warmup_errors: s.warmup_errors,
            rps: round3(ok as f64 / duration.as_secs_f64().max(1e-9)),
            latency_ms: Latency {
                p50: ms(0.50),
                p95: ms(0.95),
                p99: ms(0.99),
                max: round3(s.hist.max() as f64 / 1000.0),
                mean: round3(s.hist.mean() / 1000.0),
            },
            mean_response_bytes: round3(per(s.bytes as f64, ok)),
            connections: s.connections,
            server_rss: None,
            errors: s.kinds,
        }
    }

    /// Human-readable table.
    pub fn table(&self) -> String {
        let (r, l) = (self, &self.latency_ms);
        let mut out = String::new();
        let w = &mut out;
        let _ = writeln!(w, "target          {}  (concurrency {})", r.url, r.concurrency);
        let _ = writeln!(w, "time            {:.1}s measured, {:.1}s warm-up", r.duration_s, r.warmup_s);
        let _ = writeln!(
            w,
            "requests        {} (ok {}, non-2xx {}, transport errors {})",
            r.requests, r.ok, r.non_2xx, r.transport_errors
        );
        let _ = writeln!(w, "throughput      {:.1} req/s", r.rps);
        let _ = writeln!(
            w,
            "latency ms      p50 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}  mean {:.3}",
            l.p50, l.p95, l.p99, l.max, l.mean
        );
        let _ = writeln!(w, "response bytes  {:.1} mean", r.mean_response_bytes);
        let _ = writeln!(w, "connections     {}", r.connections);
        if let Some(m) = &r.server_rss {
            let mib = |kb: u64| kb as f64 / 1024.0;
            let _ = writeln!(
                w,
                "server memory   VmRSS {:.1} MiB  VmHWM {:.1} MiB  RssAnon {:.1} MiB  (pid {})",
                mib(m.vm_rss_kb),
                mib(m.vm_hwm_kb),
                mib(m.rss_anon_kb),
                m.pid
            );
        }
        if !r.errors.is_empty() {
            let _ = writeln!(w, "errors          {} in warm-up; by kind:", r.warmup_errors);
            for (kind, n) in &r.errors {
                let _ = writeln!(w, "  {n:>8}  {kind}");
            }
        }
        out
    }
}

/// Runs `connect-bench http`.
pub async fn run(args: HttpArgs) -> Result<ExitCode> {
    ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    ensure!(!args.duration.is_zero(), "--duration must be positive");
    let (dialer, prefix) = Dialer::new(&args.url, args.cacert.as_ref(), args.connect_to, args.spread_loopback)?;
    let paths = read_paths(&args.paths, &prefix)?;
    if let Some(pid) = args.pid {
        read_rss(pid)?; // fail fast on a wrong pid
    }
    let start = Instant::now();
    let measure_start = start + args.warmup;
    ensure!(args.rate_per_client >= 0.0, "--rate-per-client must not be negative");
    let interval = (args.rate_per_client > 0.0).then(|| Duration::from_secs_f64(1.0 / args.rate_per_client));
    let ctx = Arc::new(Ctx {
        dialer,
        measure_start,
        end: measure_start + args.duration,
        timeout: args.timeout,
        paths,
        interval,
    });
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..args.concurrency {
        let offset = i * ctx.paths.len() / args.concurrency;
        tasks.spawn(client(ctx.clone(), args.first + i, offset));
    }
    let mut stats = Stats::new();
    while let Some(s) = tasks.join_next().await {
        stats.merge(s.context("client task panicked")?);
    }
    let errors = stats.errors();
    let mut report = Report::new(&args.url, args.concurrency, args.duration, args.warmup, stats);
    if let Some(pid) = args.pid {
        match read_rss(pid) {
            Ok(rss) => report.server_rss = Some(rss),
            Err(e) => eprintln!("warning: {e:#}"),
        }
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.table());
    }
    if errors > args.max_errors {
        eprintln!("{errors} errors (more than --max-errors {})", args.max_errors);
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let mut s = Stats::new();
        for ms in 1..=100u64 {
            s.ok(ms * 1000, 500);
        }
        s.fail(true, true, "HTTP 404 Not Found".into());
        s.fail(false, false, "connect: refused".into());
        s.connections = 4;
        let d = Duration::from_secs(10);
        Report::new("http://127.0.0.1:1", 4, d, Duration::from_secs(1), s)
    }

    #[test]
    fn percentiles_in_ms() {
        let r = sample();
        assert_eq!((r.requests, r.ok, r.non_2xx, r.warmup_errors), (101, 100, 1, 1));
        assert_eq!(r.rps, 10.0);
        // 3 significant digits: 50 ms lands in the 32 µs-wide bucket ending at 50.015.
        assert_eq!(r.latency_ms.p50, 50.015);
        assert_eq!(r.latency_ms.p95, 95.039);
        assert_eq!(r.latency_ms.p99, 99.007);
        assert_eq!(r.latency_ms.max, 100.031);
        assert!((r.latency_ms.mean - 50.5).abs() < 0.1);
        assert_eq!(r.mean_response_bytes, 500.0);
    }

    #[test]
    fn table_and_json() {
        let mut r = sample();
        r.server_rss = Some(Rss { pid: 7, vm_rss_kb: 2048, vm_hwm_kb: 3072, rss_anon_kb: 1024 });
        let t = r.table();
        assert!(t.contains("latency ms      p50 50.015  p95 95.039"), "{t}");
        assert!(t.contains("throughput      10.0 req/s"), "{t}");
        assert!(t.contains("VmRSS 2.0 MiB  VmHWM 3.0 MiB  RssAnon 1.0 MiB  (pid 7)"), "{t}");
        assert!(t.contains("       1  HTTP 404 Not Found\n"), "{t}");
        assert!(t.contains("connect: refused (warm-up)"), "{t}");
        let j: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(j["latency_ms"]["p99"], 99.007);
        assert_eq!(j["server_rss"]["vm_hwm_kb"], 3072);
        assert_eq!(j["errors"]["HTTP 404 Not Found"], 1);
    }

    #[test]
    fn urls_and_paths() {
        let (t, host, prefix) = parse_url("http://127.0.0.1:8080/base/").unwrap();
        assert!(matches!(t, Target::Tcp(a) if a == "127.0.0.1:8080"));
        assert_eq!((host.to_str().unwrap(), prefix.as_str()), ("127.0.0.1:8080", "/base"));
        let (t, _, _) = parse_url("unix:/tmp/c.sock").unwrap();
        assert!(matches!(t, Target::Unix(p) if p == std::path::Path::new("/tmp/c.sock")));
        let (t, host, _) = parse_url("https://connect.test:8443").unwrap();
        assert!(matches!(t, Target::Tls { addr, .. } if addr == "connect.test:8443"));
        assert_eq!(host.to_str().unwrap(), "connect.test:8443");
        assert!(
            matches!(parse_url("https://connect.test").unwrap().0, Target::Tls { addr, .. } if addr == "connect.test:443")
        );
        assert!(parse_url("ftp://example.com").is_err());
        assert!(read_rss(std::process::id()).unwrap().vm_rss_kb > 0);
    }

    #[test]
    fn every_client_gets_its_own_loopback_address() {
        assert_eq!(loopback_source(0), Ipv4Addr::new(127, 0, 1, 1));
        assert_eq!(loopback_source(253), Ipv4Addr::new(127, 0, 1, 254));
        assert_eq!(loopback_source(254), Ipv4Addr::new(127, 0, 2, 1));
        let all: std::collections::HashSet<_> = (0..20_000).map(loopback_source).collect();
        assert_eq!(all.len(), 20_000);
        assert!(all.iter().all(|a| a.is_loopback() && a.octets()[3] != 0 && a.octets()[3] != 255));
    }
}
