//! Chaos for ingestion: a `connect worker` SIGKILLed mid-job and the queue Redis SIGKILLed and
//! restarted from its AOF lose no scrape job and write nothing twice into the catalogue.
//!
//! The test serves 20 sources from a local fixture site (the real NTIS RSS payload, its ids and
//! titles rewritten per source, so every source yields 10 distinct programs under its own source
//! code; each on its own loopback port, so per-host politeness does not serialise them; every
//! response 300 ms late, so jobs are in flight when the kills come). It runs two real
//! `connect worker --concurrency 2` processes on a private AOF `redis-server` and a fresh test
//! database, queues one scrape per source with `connect jobs enqueue`, then
//!
//! 1. SIGKILLs worker A as soon as it holds a delivered, unacknowledged job, and starts a
//!    replacement `connect worker`;
//! 2. SIGKILLs the queue Redis while scrapes are still running, keeps it down for a second and
//!    restarts it from its AOF.
//!
//! It asserts (bounded waits) that every source's 10 programs are in `programs` exactly once,
//! that every source has a succeeded scrape run, that no program has a recorded change (re-runs
//! found everything unchanged), and that the queue is empty: nothing pending, running, delayed
//! or dead. It prints how many runs each source took.
//!
//! The workers run with a 6 s visibility timeout (`CONNECT_WORKER_VISIBILITY_SECS`), so the job
//! orphaned by the SIGKILL is taken over by another `connect worker` within seconds.
//!
//! ```text
//! cargo test --test ingest_chaos -- --nocapture
//! ```

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::TestDb;
use connect::config::{RedisConfig, Source};
use connect::ingest::config::Sources;
use connect::ingest::worker::SCRAPE_QUEUE;
use queue::QueueStats;

const SOURCES: usize = 20;
const PROGRAMS_PER_SOURCE: i64 = 10;
const RESPONSE_DELAY: Duration = Duration::from_millis(300);
/// A schedule that does not fire during the test (midnight, 1 January).
const NEVER: &str = "0 0 0 1 1 *";

/// A child process, SIGKILLed and reaped on drop.
struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    fn pid(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A redis-server of this test only (AOF, fsync every second), SIGKILLed on drop.
struct PrivateRedis {
    port: u16,
    dir: PathBuf,
    child: KillOnDrop,
}

impl PrivateRedis {
    fn start(dir: &Path) -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let mut redis = PrivateRedis { port, dir: dir.to_path_buf(), child: KillOnDrop(None) };
        redis.restart();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// (Re)starts on the same port and directory, loading the AOF; waits for PING (10 s at most).
    fn restart(&mut self) {
        assert!(self.child.0.is_none(), "redis-server already running");
        let child = Command::new("/usr/bin/redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--appendonly", "yes", "--appendfsync", "everysec"])
            .args(["--dir", self.dir.to_str().expect("utf-8 temp dir"), "--save", ""])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start /usr/bin/redis-server");
        self.child = KillOnDrop(Some(child));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.ping() {
            assert!(Instant::now() < deadline, "private redis-server did not answer PING");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn ping(&self) -> bool {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok()
    }
}

/// The fixture site: one router, served on every port, each source's RSS at `/s{N}/rss.xml`.
struct Site {
    files: HashMap<String, Vec<u8>>,
    hits: AtomicUsize,
}

async fn serve(State(site): State<Arc<Site>>, UrlPath(path): UrlPath<String>, headers: HeaderMap) -> Response {
    site.hits.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(RESPONSE_DELAY).await;
    if path == "robots.txt" {
        return "User-agent: *\nAllow: /\n".into_response();
    }
    let Some(body) = site.files.get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}-{}\"", path.len(), body.len());
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    ([("etag", etag), ("content-type", "application/rss+xml; charset=UTF-8".into())], body.clone()).into_response()
}

/// Starts the site on `SOURCES` ports; returns it and the sources file's text.
async fn start_site() -> (Arc<Site>, String) {
    let original = String::from_utf8(
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/crates/sources/tests/data/ntis-rss-unRndRss-2026-08-21.xml"
        ))
        .expect("NTIS RSS fixture"),
    )
    .expect("utf-8 fixture");
    assert_eq!(original.matches("<item>").count(), PROGRAMS_PER_SOURCE as usize);
    let mut files = HashMap::new();
    for i in 0..SOURCES {
        let rewritten = original
            .replace("roRndUid=", &format!("roRndUid={}", 900 + i))
            .replace("<item><title>", &format!("<item><title>[S{i:02}] "));
        files.insert(format!("s{i:02}/rss.xml"), rewritten.into_bytes());
    }
    let site = Arc::new(Site { files, hits: AtomicUsize::new(0) });
    let app = axum::Router::new().route("/{*path}", get(serve)).with_state(site.clone());
    let mut toml = String::new();
    for i in 0..SOURCES {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fixture port");
        let port = listener.local_addr().expect("fixture address").port();
        let app = app.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
        toml.push_str(&format!(
            "[[source]]\nname = \"chaos-{i:02}\"\nsource = \"chaos_{i:02}\"\nkind = \"ntis-rss\"\n\
             url = \"http://127.0.0.1:{port}/s{i:02}/rss.xml\"\nschedule = \"{NEVER}\"\n\n"
        ));
    }
    (site, toml)
}

/// What every `connect` process of the test gets in its environment.
struct Env {
    vars: Vec<(String, String)>,
    log: PathBuf,
}

impl Env {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_connect"));
        command.args(args).env_remove("CONNECT_CONFIG").envs(self.vars.iter().cloned());
        command
    }

    fn spawn_worker(&self) -> KillOnDrop {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("worker log");
        let child = self
            .command(&["worker", "--concurrency", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start connect worker");
        KillOnDrop(Some(child))
    }

    fn source(&self) -> Source {
        Source::from_pairs(self.vars.clone())
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

/// `XPENDING key group`: count, smallest and largest entry id, entries per consumer.
type PendingSummary = (u64, Option<String>, Option<String>, Option<Vec<(String, u64)>>);

/// Delivered, unacknowledged entries per consumer (XPENDING summary); empty while Redis is down.
/// Consumer names are `host-pid-random`, so a worker process's entries can be told by its pid.
async fn pending_by_consumer(conn: &mut redis::aio::ConnectionManager, stream: &str) -> BTreeMap<String, u64> {
    let reply: redis::RedisResult<PendingSummary> =
        redis::cmd("XPENDING").arg(stream).arg("workers").query_async(conn).await;
    reply.ok().and_then(|(_, _, _, consumers)| consumers).unwrap_or_default().into_iter().collect()
}

async fn scalar(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.expect(sql).get(0)
}

async fn sources_with_success(db: &tokio_postgres::Client) -> i64 {
    scalar(db, "SELECT count(DISTINCT source) FROM scrape_runs WHERE status = 'succeeded'").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_and_a_restarted_queue_redis_lose_no_scrape_and_duplicate_nothing() {
    let temp = tempfile::tempdir().expect("temp dir");
    let (site, toml) = start_site().await;
    let sources_path = temp.path().join("sources.toml");
    std::fs::write(&sources_path, &toml).expect("write sources file");
    let sources = Sources::load(&sources_path).expect("the sources file loads");
    assert_eq!(sources.sources.len(), SOURCES);

    let db = TestDb::new().await;
    let redis_dir = temp.path().join("redis");
    std::fs::create_dir(&redis_dir).expect("redis dir");
    let mut redis = PrivateRedis::start(&redis_dir);
    let prefix = common::unique_name("ingest_chaos");
    let env = Env {
        vars: vec![
            ("DATABASE_URL".into(), db.url.clone()),
            ("DATABASE_POOL_SIZE".into(), "4".into()),
            ("REDIS_CACHE_URL".into(), common::redis_url()),
            ("REDIS_QUEUE_URL".into(), redis.url()),
            ("REDIS_KEY_PREFIX".into(), prefix.clone()),
            ("JWT_SECRET".into(), "chaos-test-jwt-secret-0123456789abcdef".into()),
            ("ENCRYPTION_KEY".into(), "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into()),
            ("CONNECT_SOURCES".into(), sources_path.display().to_string()),
            ("RUST_LOG".into(), "info".into()),
            // A job orphaned by the SIGKILL is given to another worker after 6 s.
            ("CONNECT_WORKER_VISIBILITY_SECS".into(), "6".into()),
        ],
        log: temp.path().join("workers.log"),
    };
    let stream = format!("{prefix}:q:{SCRAPE_QUEUE}:stream");
    let client = db.client().await;
    let (queue, _) = connect::ingest::worker::connect(&RedisConfig::from_source(&env.source()).expect("redis config"))
        .await
        .expect("queue");
    let mut probe = queue.connection().clone();

    let started = Instant::now();
    let mut worker_a = env.spawn_worker();
    let _worker_b = env.spawn_worker();
    for source in &sources.sources {
        let out = env.command(&["jobs", "enqueue", &source.name]).output().expect("connect jobs enqueue");
        assert!(out.status.success(), "enqueue {}: {}", source.name, String::from_utf8_lossy(&out.stderr));
    }
    let enqueued_at = Instant::now();
    eprintln!("enqueued {SOURCES} scrape jobs with `connect jobs enqueue` in {:?}", started.elapsed());

    // 1. Worker A is SIGKILLed while it holds a delivered, unacknowledged job.
    let a_tag = format!("-{}-", worker_a.pid());
    let deadline = Instant::now() + Duration::from_secs(30);
    let orphaned = loop {
        let pending = pending_by_consumer(&mut probe, &stream).await;
        if let Some((_, n)) = pending.iter().find(|(name, n)| name.contains(&a_tag) && **n > 0) {
            break *n;
        }
        assert!(Instant::now() < deadline, "worker A never took a job: {pending:?}\n{}", env.log_tail());
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    worker_a.kill();
    let done_at_kill = sources_with_success(&client).await;
    eprintln!("SIGKILLed worker A at {:?} holding {orphaned} job(s); {done_at_kill} source(s) done", started.elapsed());
    let _worker_a2 = env.spawn_worker();

    // 2. The queue Redis is SIGKILLed while scrapes run (after the enqueues reached the AOF:
    //    everysec may lose the last second of writes), down for a second, restarted from its AOF.
    let target = done_at_kill + 3;
    let deadline = Instant::now() + Duration::from_secs(30);
    while sources_with_success(&client).await < target || enqueued_at.elapsed() < Duration::from_millis(1500) {
        assert!(Instant::now() < deadline, "no progress after the worker kill\n{}", env.log_tail());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let in_flight: u64 = pending_by_consumer(&mut probe, &stream).await.values().sum();
    let stats_at_kill = queue.stats(SCRAPE_QUEUE).await.ok();
    redis.child.kill();
    let done_at_redis_kill = sources_with_success(&client).await;
    eprintln!(
        "SIGKILLed the queue Redis at {:?}: {done_at_redis_kill} source(s) done, {in_flight} delivered and unacked \
         (incl. {orphaned} orphaned), queue {stats_at_kill:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.restart();
    eprintln!("queue Redis back from its AOF at {:?}", started.elapsed());

    // Drain: every source stored, the queue empty.
    let limit = Duration::from_secs(60);
    let deadline = Instant::now() + limit;
    loop {
        let stats = queue.stats(SCRAPE_QUEUE).await.ok();
        let stored = scalar(&client, "SELECT count(*) FROM programs WHERE source LIKE 'chaos\\_%'").await;
        let done = sources_with_success(&client).await;
        if stats == Some(QueueStats::default()) && done == SOURCES as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not drained after {limit:?}: queue {stats:?}, {stored} programs, {done}/{SOURCES} sources succeeded, \
             pending {:?}\n{}",
            pending_by_consumer(&mut probe, &stream).await,
            env.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drained = started.elapsed();
    // Let a late re-run (if any) land before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut per_source = BTreeMap::new();
    for row in client
        .query(
            "SELECT source, count(*), count(DISTINCT external_id) FROM programs GROUP BY source ORDER BY source",
            &[],
        )
        .await
        .expect("programs by source")
    {
        per_source.insert(row.get::<_, String>(0), (row.get::<_, i64>(1), row.get::<_, i64>(2)));
    }
    for i in 0..SOURCES {
        let code = format!("chaos_{i:02}");
        assert_eq!(
            per_source.get(&code),
            Some(&(PROGRAMS_PER_SOURCE, PROGRAMS_PER_SOURCE)),
            "{code}: (programs, distinct external ids)"
        );
    }
    assert_eq!(per_source.len(), SOURCES, "no other source written: {per_source:?}");
    let changes = scalar(&client, "SELECT count(*) FROM program_changes").await;
    assert_eq!(changes, 0, "a re-run found everything unchanged and recorded no change");

    let mut runs = BTreeMap::new();
    for row in client
        .query("SELECT source, status, count(*) FROM scrape_runs GROUP BY source, status ORDER BY source, status", &[])
        .await
        .expect("runs")
    {
        let entry: &mut BTreeMap<String, i64> = runs.entry(row.get::<_, String>(0)).or_default();
        entry.insert(row.get(1), row.get(2));
    }
    let mut rerun = Vec::new();
    for (source, statuses) in &runs {
        assert!(statuses.get("succeeded").copied().unwrap_or(0) >= 1, "{source}: {statuses:?}");
        let total: i64 = statuses.values().sum();
        if total > 1 {
            rerun.push(format!("{source} {statuses:?}"));
        }
    }
    assert_eq!(runs.len(), SOURCES, "{runs:?}");
    let total_runs: i64 = runs.values().flat_map(|s| s.values()).sum();
    let final_stats = queue.stats(SCRAPE_QUEUE).await.expect("stats");
    assert_eq!(final_stats, QueueStats::default(), "nothing pending, running, delayed or dead");

    eprintln!(
        "INGEST CHAOS: {SOURCES} sources x {PROGRAMS_PER_SOURCE} programs, 2 `connect worker` x 2 (+1 replacement), \
         worker A SIGKILLed holding {orphaned} job(s), queue Redis SIGKILLed with {in_flight} job(s) delivered and \
         unacked and restarted from its AOF; drained in {drained:?}; {} fixture requests; \
         programs {} (each once), changes 0, queue {final_stats:?}; scrape runs {total_runs} for {SOURCES} sources; \
         sources with more than one run: {}",
        site.hits.load(Ordering::Relaxed),
        per_source.values().map(|(n, _)| n).sum::<i64>(),
        if rerun.is_empty() { "none".to_string() } else { rerun.join("; ") }
    );
}
