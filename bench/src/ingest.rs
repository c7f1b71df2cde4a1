//! Ingestion benchmarks.
//!
//! * `parse`: `sources::parse` + `connect::ingest::normalise` over every fixture of
//!   `crates/sources/tests/data/`, `--iterations` times each, in one thread; prints per fixture and
//!   per kind the payload bytes, programs per payload, parses/s, programs/s and MB/s.
//! * `ingest`: one full scrape cycle of `--sources` sources with the production fetcher
//!   (`FetchConfig::default()`: robots.txt, 1 s between request starts per authority, 2 in flight
//!   per authority). A fixture site on loopback serves the real list payloads, the sources spread
//!   round-robin over `--hosts` ports (one authority each) and answering after `--latency-ms`;
//!   a scratch database is created, migrated and dropped. The sources are scraped with
//!   `connect::ingest::scrape::scrape` — what a worker's job runs — `--concurrency` at a time, as
//!   that many worker slots would. Prints the cycle's wall time, programs written, fetches and
//!   per-scrape p50/p95/max; `--cycles 2` runs the cycle again (conditional GETs: 304s).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use connect::config::{DatabaseConfig, Source};
use connect::ingest::config::Sources;
use fetch::{FetchConfig, Fetcher};
use hdrhistogram::Histogram;
use sources::Kind;

use crate::fixtures::{self, Fixture};

/// Arguments of `connect-bench parse`.
#[derive(clap::Args)]
pub struct ParseArgs {
    /// Parses of each fixture (after one unmeasured warm-up parse).
    #[arg(long, default_value_t = 200)]
    iterations: u32,
    /// Fixture folder (default: this checkout's `crates/sources/tests/data`).
    #[arg(long)]
    data: Option<std::path::PathBuf>,
}

/// Runs `connect-bench parse`.
pub fn parse(args: &ParseArgs) -> Result<()> {
    ensure!(args.iterations > 0, "--iterations must be at least 1");
    let dir = args.data.clone().unwrap_or_else(fixtures::default_dir);
    let all = fixtures::load(&dir)?;
    println!(
        "{:<20} {:<52} {:>8} {:>5} {:>10} {:>11} {:>7}",
        "kind", "fixture", "bytes", "progs", "parses/s", "programs/s", "MB/s"
    );
    // kind -> (bytes, programs, seconds) over fixtures that parse.
    let mut by_kind: BTreeMap<&str, (u64, u64, f64, u32)> = BTreeMap::new();
    for fixture in &all {
        let ctx = fixture.context();
        let outcome = parse_and_normalise(fixture, &ctx);
        let started = Instant::now();
        for _ in 0..args.iterations {
            std::hint::black_box(parse_and_normalise(fixture, &ctx).ok());
        }
        let seconds = started.elapsed().as_secs_f64();
        let per_second = f64::from(args.iterations) / seconds;
        let bytes = fixture.body.len() as u64;
        let mb_per_second = bytes as f64 * per_second / 1e6;
        match outcome {
            Ok(programs) => {
                println!(
                    "{:<20} {:<52} {:>8} {:>5} {:>10.0} {:>11.0} {:>7.1}",
                    fixture.kind.as_str(),
                    fixture.file,
                    bytes,
                    programs,
                    per_second,
                    per_second * programs as f64,
                    mb_per_second
                );
                let entry = by_kind.entry(fixture.kind.as_str()).or_default();
                entry.0 += bytes * u64::from(args.iterations);
                entry.1 += programs as u64 * u64::from(args.iterations);
                entry.2 += seconds;
                entry.3 += args.iterations;
            }
            Err(error) => println!(
                "{:<20} {:<52} {:>8} {:>5} {:>10.0} {:>11} {:>7.1}  ({error})",
                fixture.kind.as_str(),
                fixture.file,
                bytes,
                "err",
                per_second,
                "-",
                mb_per_second
            ),
        }
    }
    println!("\nper kind (fixtures that yield a page; aggregate over {} iterations of each):", args.iterations);
    println!(
        "{:<20} {:>10} {:>9} {:>10} {:>11} {:>7}",
        "kind", "avg bytes", "progs/pg", "parses/s", "programs/s", "MB/s"
    );
    for (kind, (bytes, programs, seconds, parses)) in &by_kind {
        println!(
            "{:<20} {:>10.0} {:>9.1} {:>10.0} {:>11.0} {:>7.1}",
            kind,
            *bytes as f64 / f64::from(*parses),
            *programs as f64 / f64::from(*parses),
            f64::from(*parses) / seconds,
            *programs as f64 / seconds,
            *bytes as f64 / seconds / 1e6
        );
    }
    Ok(())
}

/// Parses a fixture and normalises every record; the number of programs that normalised, or the
/// parse error. A record the normaliser rejects is an error too: the fixtures are all valid.
fn parse_and_normalise(fixture: &Fixture, ctx: &sources::ParseContext) -> Result<usize, String> {
    let page = sources::parse(fixture.kind, &fixture.body, ctx).map_err(|e| e.to_string())?;
    let mut n = 0;
    for record in &page.programs {
        connect::ingest::normalise(record).map_err(|e| format!("normalise: {e}"))?;
        n += 1;
    }
    Ok(n)
}

/// Arguments of `connect-bench ingest`.
#[derive(clap::Args)]
pub struct IngestArgs {
    /// Sources in the cycle.
    #[arg(long, default_value_t = 500)]
    sources: usize,
    /// Loopback ports (authorities) the sources are spread over, round-robin.
    #[arg(long, default_value_t = 25)]
    hosts: usize,
    /// Scrapes run at once (worker slots: e.g. 2 workers × `--concurrency 4`).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Fixture-site latency added to every response, robots.txt included.
    #[arg(long, default_value_t = 100)]
    latency_ms: u64,
    /// Cycles to run; the second and later ones are conditional GETs (304).
    #[arg(long, default_value_t = 1)]
    cycles: u32,
    /// Give up (exit non-zero) if a cycle takes longer than this.
    #[arg(long, default_value = "300s", value_parser = crate::parse_duration)]
    timeout: Duration,
    /// A PostgreSQL URL to any existing database of the server the scratch database goes on.
    #[arg(long, default_value = "postgresql://postgres@127.0.0.1:5432/postgres")]
    admin_url: String,
    /// Fixture folder (default: this checkout's `crates/sources/tests/data`).
    #[arg(long)]
    data: Option<std::path::PathBuf>,
}

/// A list payload the fixture site serves, as a source of the cycle uses it.
struct ListPayload {
    file: &'static str,
    kind: Kind,
    /// Query appended to the source URL (K-Startup pages with `page=`).
    query: &'static str,
    /// Served for `page=2` (K-Startup's empty page past the end).
    page2: Option<Vec<u8>>,
    /// Sources reading a board whose next-page link points off-site stop after one page.
    max_pages: u32,
    selectors: Option<sources::HtmlSelectors>,
    body: Vec<u8>,
    content_type: &'static str,
}

/// The list endpoints of the fixtures (detail pages and error answers left out).
fn list_payloads(all: Vec<Fixture>) -> Result<Vec<ListPayload>> {
    let mut by_file: HashMap<&str, Fixture> = all.into_iter().map(|f| (f.file, f)).collect();
    let mut take = |file: &str| by_file.remove(file).with_context(|| format!("fixture {file} missing"));
    let empty = take("kstartup-api-announcement-list-empty-page.json")?.body;
    let mut out = Vec::new();
    for (file, query, max_pages, content_type) in [
        ("ntis-rss-unRndRss-2026-08-21.xml", "", 5, "application/rss+xml; charset=UTF-8"),
        ("ntis-list-rows-scraped-2025-09.json", "", 5, "application/json"),
        ("written-ntis-list-mng.html", "", 5, "text/html; charset=UTF-8"),
        ("written-iris-list-retrieveBsnsAncmBtinSituList.json", "", 1, "application/json"),
        ("bizinfo-native-api-jsonArray-sample-5items.json", "", 5, "application/json"),
        ("bizinfo-datagokr-user-sample-10items-sanitized.json", "", 5, "application/json"),
        ("written-bizinfo-rss.xml", "", 5, "application/rss+xml; charset=UTF-8"),
        ("bizinfo-2012-list-venture-euckr.html", "", 1, "text/html"),
        ("kstartup-api-announcement-list-sample.json", "?page=1&perPage=5", 5, "application/json"),
        ("written-kstartup-api-col.xml", "", 1, "application/xml; charset=UTF-8"),
        ("written-sme24-extPblancInfo.json", "", 5, "application/json"),
        ("written-agency-smtech-list.html", "", 1, "text/html; charset=UTF-8"),
    ] {
        let fixture = take(file)?;
        out.push(ListPayload {
            file,
            kind: fixture.kind,
            query,
            page2: (fixture.kind == Kind::KstartupApi && !query.is_empty()).then(|| empty.clone()),
            max_pages,
            selectors: fixture.selectors,
            body: fixture.body,
            content_type,
        });
    }
    Ok(out)
}

/// What the fixture site serves: `/p{N}/list` is payload N.
struct Site {
    payloads: Vec<ListPayload>,
    latency: Duration,
    requests: AtomicU64,
    not_modified: AtomicU64,
}

async fn serve(
    State(site): State<Arc<Site>>,
    UrlPath(path): UrlPath<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    site.requests.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(site.latency).await;
    if path == "robots.txt" {
        return "User-agent: *\nDisallow: /private/\n".into_response();
    }
    // `/s{source}/p{payload}/list`
    let payload = path
        .split('/')
        .find_map(|part| part.strip_prefix('p').and_then(|n| n.parse::<usize>().ok()))
        .and_then(|n| site.payloads.get(n));
    let Some(payload) = payload else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (body, page) = match query.get("page").map(String::as_str) {
        Some("1") | None => (&payload.body, 1),
        Some("2") => match &payload.page2 {
            Some(body) => (body, 2),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
        Some(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let etag = format!("\"{}-{page}-{}\"", payload.file.len(), body.len());
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        site.not_modified.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    ([("etag", etag), ("content-type", payload.content_type.to_string())], body.clone()).into_response()
}

/// Runs `connect-bench ingest`.
pub async fn ingest(args: IngestArgs) -> Result<()> {
    ensure!(
        args.sources > 0 && args.hosts > 0 && args.concurrency > 0,
        "--sources, --hosts and --concurrency must be positive"
    );
    let dir = args.data.clone().unwrap_or_else(fixtures::default_dir);
    let payloads = list_payloads(fixtures::load(&dir)?)?;
    let site = Arc::new(Site {
        payloads,
        latency: Duration::from_millis(args.latency_ms),
        requests: AtomicU64::new(0),
        not_modified: AtomicU64::new(0),
    });
    let app = axum::Router::new().route("/{*path}", axum::routing::get(serve)).with_state(site.clone());
    let mut ports = Vec::new();
    let mut servers = tokio::task::JoinSet::new();
    for _ in 0..args.hosts {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding a fixture port")?;
        ports.push(listener.local_addr()?.port());
        let app = app.clone();
        servers.spawn(async move { axum::serve(listener, app).await });
    }

    // The sources file: source i on port i % hosts, payload i % payloads.
    let mut toml = String::new();
    let mut expected_programs = 0usize;
    let mut distinct_ids = std::collections::HashSet::new();
    for i in 0..args.sources {
        let n = i % site.payloads.len();
        let payload = &site.payloads[n];
        let port = ports[i % ports.len()];
        toml.push_str(&format!(
            "[[source]]\nname = \"bench-{i:04}\"\nsource = \"bench_{i:04}\"\nkind = \"{}\"\n\
             url = \"http://127.0.0.1:{port}/s{i}/p{n}/list{}\"\nmax_pages = {}\n",
            payload.kind.as_str(),
            payload.query,
            payload.max_pages
        ));
        if let Some(selectors) = &payload.selectors {
            toml.push_str(&format!(
                "selectors = {}\n",
                toml_inline(&serde_json::to_value(selectors).context("selectors")?)
            ));
        }
        toml.push('\n');
        let ctx = sources::ParseContext {
            source: format!("bench_{i:04}"),
            url: format!("http://127.0.0.1:{port}/s{i}/p{n}/list{}", payload.query),
            content_type: Some(payload.content_type.to_string()),
            selectors: payload.selectors.clone(),
        };
        let page = sources::parse(payload.kind, &payload.body, &ctx).with_context(|| payload.file)?;
        distinct_ids.clear();
        for record in &page.programs {
            if connect::ingest::normalise(record).is_ok() {
                distinct_ids.insert(record.external_id.trim().to_string());
            }
        }
        expected_programs += distinct_ids.len();
    }
    let sources = Sources::parse(&toml, |_| None).map_err(|e| anyhow::anyhow!("generated sources file: {e}"))?;

    let db = ScratchDb::create(&args.admin_url, args.concurrency + 2).await?;
    let result = run_cycles(&args, &sources, &db, &site, expected_programs).await;
    db.drop_now().await;
    servers.abort_all();
    result
}

async fn run_cycles(
    args: &IngestArgs,
    sources: &Sources,
    db: &ScratchDb,
    site: &Site,
    expected_programs: usize,
) -> Result<()> {
    let pool = connect::db::pool(&db.config)?;
    let fetcher = Fetcher::new(FetchConfig::default())?;
    let config = fetcher.config().clone();
    let per_host = args.sources.div_ceil(args.hosts);
    println!(
        "ingest cycle: {} sources ({} list payloads of {} kinds) on {} loopback authorities ({} sources each), \
         {} scrapes at once, fixture latency {} ms; fetcher: min_delay {:?}, per_host_concurrency {}, robots {}",
        args.sources,
        site.payloads.len(),
        site.payloads.iter().map(|p| p.kind).collect::<std::collections::HashSet<_>>().len(),
        args.hosts,
        per_host,
        args.concurrency,
        args.latency_ms,
        config.min_delay,
        config.per_host_concurrency,
        config.respect_robots
    );
    for cycle in 1..=args.cycles {
        let before = fetcher.stats();
        let site_before = site.requests.load(Ordering::Relaxed);
        let started = Instant::now();
        let semaphore = Arc::new(tokio::sync::Semaphore::new(args.concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for source in sources.sources.iter().cloned() {
            let (semaphore, fetcher, pool) = (semaphore.clone(), fetcher.clone(), pool.clone());
            tasks.spawn(async move {
                let _slot = semaphore.acquire_owned().await.expect("semaphore open");
                let t = Instant::now();
                let outcome = connect::ingest::scrape::scrape(&source, &fetcher, &pool, &|_| {}).await;
                (source.name, t.elapsed(), outcome)
            });
        }
        let mut latencies = Histogram::<u64>::new(3).context("histogram")?;
        let (mut new, mut unchanged, mut not_modified, mut pages, mut rejected) = (0, 0, 0, 0, 0);
        let mut failures = Vec::new();
        let deadline = tokio::time::Instant::now() + args.timeout;
        while let Some(joined) = tokio::time::timeout_at(deadline, tasks.join_next())
            .await
            .map_err(|_| anyhow::anyhow!("cycle {cycle} did not finish within {:?}", args.timeout))?
        {
            let (name, took, outcome) = joined.context("scrape task")?;
            latencies.record(u64::try_from(took.as_millis()).unwrap_or(u64::MAX).max(1))?;
            match outcome {
                Ok(report) => {
                    new += report.new;
                    unchanged += report.unchanged + report.changed;
                    pages += report.pages;
                    rejected += report.rejected.len();
                    not_modified += usize::from(report.not_modified);
                }
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        let wall = started.elapsed();
        let after = fetcher.stats();
        let client = pool.get().await?;
        let stored: i64 = client.query_one("SELECT count(*) FROM programs", &[]).await?.get(0);
        let succeeded: i64 = client
            .query_one("SELECT count(*) FROM scrape_runs WHERE status IN ('succeeded', 'not_modified')", &[])
            .await?
            .get(0);
        println!(
            "cycle {cycle}: {:.1} s wall; {} scrapes ({} failed, {} 304 not modified), {pages} pages parsed; \
             programs new {new}, unchanged {unchanged} (a payload may list an id twice), rejected {rejected}; programs in the catalogue {stored} \
             (expected {expected_programs}); scrape runs recorded ok so far {succeeded}",
            wall.as_secs_f64(),
            args.sources,
            failures.len(),
            not_modified,
        );
        println!(
            "  fetches: {} HTTP requests ({} robots.txt, {} retries, {} answered 304), {:.1} KB bodies; \
             fixture site saw {} requests; {:.1} requests/s, {:.1} scrapes/s",
            after.requests - before.requests,
            after.robots_fetches - before.robots_fetches,
            after.retries - before.retries,
            after.not_modified - before.not_modified,
            (after.bytes - before.bytes) as f64 / 1024.0,
            site.requests.load(Ordering::Relaxed) - site_before,
            (after.requests - before.requests) as f64 / wall.as_secs_f64(),
            args.sources as f64 / wall.as_secs_f64(),
        );
        println!(
            "  per scrape (queue wait for a slot excluded, politeness waits included): p50 {} ms, p95 {} ms, \
             p99 {} ms, max {} ms",
            latencies.value_at_quantile(0.50),
            latencies.value_at_quantile(0.95),
            latencies.value_at_quantile(0.99),
            latencies.max()
        );
        for failure in failures.iter().take(5) {
            println!("  failed: {failure}");
        }
        if !failures.is_empty() {
            bail!("{} scrapes failed", failures.len());
        }
        if stored != expected_programs as i64 {
            bail!("{stored} programs stored, {expected_programs} expected");
        }
    }
    println!(
        "site: {} requests in all, {} answered 304",
        site.requests.load(Ordering::Relaxed),
        site.not_modified.load(Ordering::Relaxed)
    );
    Ok(())
}

/// A JSON object of strings as a TOML inline table.
fn toml_inline(value: &serde_json::Value) -> String {
    let fields: Vec<String> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|s| format!("{k} = {}", serde_json::Value::String(s.to_string()))))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// A migrated database of this run, dropped at the end.
pub(crate) struct ScratchDb {
    admin: String,
    name: String,
    pub(crate) config: DatabaseConfig,
}

impl ScratchDb {
    async fn create(admin: &str, pool_size: usize) -> Result<ScratchDb> {
        Self::named(admin, pool_size, "ingest").await
    }

    /// A scratch database `connect_bench_<label>_<pid>`.
    pub(crate) async fn named(admin: &str, pool_size: usize, label: &str) -> Result<ScratchDb> {
        let name = format!("connect_bench_{label}_{}", std::process::id());
        let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
            .await
            .with_context(|| format!("connecting to {admin}"))?;
        tokio::spawn(conn);
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).await?;
        client.batch_execute(&format!("CREATE DATABASE {name}")).await?;
        let mut url = url::Url::parse(admin).context("admin url")?;
        url.set_path(&name);
        let config = DatabaseConfig::from_source(&Source::from_pairs([
            ("DATABASE_URL".to_string(), url.to_string()),
            ("DATABASE_POOL_SIZE".to_string(), pool_size.to_string()),
        ]))?;
        let db = ScratchDb { admin: admin.to_string(), name, config };
        if let Err(e) = connect::db::migrate::run(&db.config.direct_url).await {
            db.drop_now().await;
            return Err(e);
        }
        Ok(db)
    }

    pub(crate) async fn drop_now(&self) {
        if let Ok((client, conn)) = tokio_postgres::connect(&self.admin, tokio_postgres::NoTls).await {
            tokio::spawn(conn);
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            if let Err(e) = client.batch_execute(&sql).await {
                eprintln!("could not drop {}: {e}", self.name);
            }
        }
    }
}
