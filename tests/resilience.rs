//! Resilience: what the service does when Redis or PostgreSQL go away and come back, and how the
//! importer treats bad input. Redis and PostgreSQL are private instances started by the test (never
//! the machine's shared ones), stopped again by a guard when the test ends, however it ends.

mod common;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// A port nobody listens on right now (the OS picks it; we release it for the child to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind an ephemeral port").port()
}

/// Polls `probe` every 50 ms until it returns true, or panics with `what` after `limit`.
fn wait_until(what: &str, limit: Duration, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !probe() {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A redis-server of this test only, without persistence, killed on drop.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start() -> PrivateRedis {
        let mut redis = PrivateRedis { port: free_port(), child: None };
        redis.restart();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server on the same port and waits until it answers PING.
    fn restart(&mut self) {
        assert!(self.child.is_none(), "redis-server already running");
        let child = Command::new(REDIS_SERVER)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir", "/tmp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let port = self.port;
        wait_until("the private redis-server to answer PING", Duration::from_secs(10), || redis_ping(port));
    }

    /// SIGKILL, as a crash would: no goodbye to connected clients.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn redis_ping(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut reply = [0u8; 16];
    stream.write_all(b"PING\r\n").is_ok() && stream.read(&mut reply).is_ok_and(|n| reply[..n].starts_with(b"+PONG"))
}

/// A PostgreSQL cluster of this test only (trust auth, user `postgres`), stopped immediately and
/// deleted on drop. PostgreSQL refuses to run as root, so every command runs as `postgres`.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let dir = tempfile::Builder::new().prefix("connect-pg-").tempdir_in("/tmp").expect("temp dir for PostgreSQL");
        run_checked(Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()));
        let pg = PrivatePostgres { dir, port: free_port() };
        run_checked(
            pg.as_postgres("initdb")
                .arg("-D")
                .arg(pg.data())
                .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
                .arg("--no-sync"),
        );
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", pg.port, pg.dir.path().display());
        run_checked(pg.pg_ctl("start").args(["-o", &options]));
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn admin_url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn as_postgres(&self, program: &str) -> Command {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(Path::new(PG_BIN).join(program));
        command
    }

    /// `pg_ctl ACTION` on this cluster, waiting at most 30 s. The server log goes to a file: were it
    /// inherited through pg_ctl's stdout, reading that pipe to its end would never finish.
    fn pg_ctl(&self, action: &str) -> Command {
        let mut command = self.as_postgres("pg_ctl");
        command
            .arg(action)
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-t", "30"]);
        command
    }

    /// `pg_ctl restart -m fast`: active sessions are terminated, the server is back when it returns.
    fn restart(&self) {
        run_checked(self.pg_ctl("restart").args(["-m", "fast"]));
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .arg("stop")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "-t", "10"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn run_checked(command: &mut Command) {
    let output = command.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed with {}:\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One GET over a fresh TCP connection, all of it bounded by `limit`. Any failure to get a whole
/// response (refused, reset, truncated, too slow) is an `Err` naming what happened.
async fn http_get(addr: SocketAddr, path: &str, limit: Duration) -> Result<(u16, String), String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        stream.write_all(common::http_get_request(path).as_bytes()).await.map_err(|e| format!("write: {e}"))?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.map_err(|e| format!("read: {e}"))?;
        common::parse_http_response(&raw)
    };
    match tokio::time::timeout(limit, exchange).await {
        Ok(result) => result.map_err(|e| format!("GET {path}: {e}")),
        Err(_) => Err(format!("GET {path}: no response within {limit:?}")),
    }
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("metric {name} not in:\n{text}"))
}

async fn cache_hits(app: &common::TestApp) -> f64 {
    let (status, text) = app.get_text("/api/metrics").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    metric(&text, "cache_hits_total")
}

/// GET through the in-process router, failing the test if it takes longer than `limit`.
async fn timed_get(app: &common::TestApp, uri: &str, limit: Duration) -> (StatusCode, Value) {
    let started = Instant::now();
    let response = app.get(uri).await;
    let took = started.elapsed();
    assert!(took <= limit, "GET {uri} took {took:?} (limit {limit:?})");
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_serves_from_postgres_and_health_says_degraded() {
    let mut redis = PrivateRedis::start();
    let app = common::TestApp::with(&[("REDIS_CACHE_URL", &redis.url()), ("REDIS_QUEUE_URL", &redis.url())]).await;
    let report = app
        .import(
            &[
                common::record("r1", "인공지능 바우처 지원사업", json!({})),
                common::record("r2", "스마트공장 구축 지원", json!({})),
                common::record("r3", "수출 바우처 사업 공고", json!({})),
            ]
            .join("\n"),
        )
        .await;
    assert_eq!(report.inserted, 3, "{report:?}");
    let limit = Duration::from_secs(2);

    let (status, found) = timed_get(&app, "/api/programs?q=%EB%B0%94%EC%9A%B0%EC%B2%98", limit).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let mut voucher = common::ids(&found);
    voucher.sort();
    assert_eq!(voucher, ["r1", "r3"]);
    let id = found["items"][0]["id"].as_i64().unwrap();
    let detail_uri = format!("/api/programs/{id}");

    // With Redis up: the second read of a program is a Redis cache hit (once this node's own copy of
    // the rendered response is out of date, as after any catalogue change).
    let (status, first) = timed_get(&app, &detail_uri, limit).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let hits_before = cache_hits(&app).await;
    app.state.search.bump_generation();
    let (status, second) = timed_get(&app, &detail_uri, limit).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(first, second, "a cached copy reads the same as the database");
    assert!(cache_hits(&app).await > hits_before, "the second read was not a cache hit");
    let (status, health) = timed_get(&app, "/api/health", limit).await;
    assert_eq!((status, health["status"].as_str()), (StatusCode::OK, Some("ok")), "{health}");

    // Redis crashes: search and detail still work (from memory and PostgreSQL), health says why
    // traffic should go elsewhere if it can.
    redis.kill();
    for _ in 0..3 {
        let (status, found) = timed_get(&app, "/api/programs?q=%EB%B0%94%EC%9A%B0%EC%B2%98", limit).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let mut again = common::ids(&found);
        again.sort();
        assert_eq!(again, voucher);
        // Past this node's rendered copy, to Redis (down) and on to PostgreSQL.
        app.state.search.bump_generation();
        let started = Instant::now();
        let (status, detail) = timed_get(&app, &detail_uri, limit).await;
        eprintln!("detail with Redis down: {:?}", started.elapsed());
        assert_eq!(status, StatusCode::OK, "detail with Redis down: {detail}");
        assert_eq!(detail["id"], id);
        assert_eq!(detail["title"], first["title"]);
    }
    let (status, health) = timed_get(&app, "/api/health", limit).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["checks"]["postgres"]["ok"], true, "{health}");
    assert_eq!(health["checks"]["redis_cache"]["ok"], false, "{health}");
    let error = health["checks"]["redis_cache"]["error"].as_str().unwrap_or_default();
    assert!(!error.is_empty(), "the failed check says why: {health}");

    // Redis comes back on the same port: the connection managers reconnect by themselves.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, health) = timed_get(&app, "/api/health", limit).await;
        if status == StatusCode::OK {
            assert_eq!(health["status"], "ok", "{health}");
            break;
        }
        assert!(Instant::now() < deadline, "health still {status} 10 s after Redis came back: {health}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, detail) = timed_get(&app, &detail_uri, limit).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
}

/// What one request of the burst got.
struct Outcome {
    detail: bool,
    /// When the request started, from the start of the burst.
    at: Duration,
    took: Duration,
    result: Result<u16, String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_during_a_request_burst() {
    let pg = tokio::task::spawn_blocking(PrivatePostgres::start).await.unwrap();
    let db = common::TestDb::on(&pg.admin_url()).await;
    let records: Vec<String> = (1..=50)
        .map(|i| common::record(&format!("burst-{i}"), &format!("재시작 견딤 시험 사업 {i}호"), json!({})))
        .collect();
    let mut client = db.client().await;
    let report = connect::import::import(&mut client, records.join("\n").as_bytes()).await.unwrap();
    assert_eq!(report.inserted, 50, "{report:?}");

    // The cache points at a closed port, so every detail request has to go to PostgreSQL.
    let index_dir = tempfile::tempdir().unwrap();
    let config = common::config(&db.url, index_dir.path(), &[("REDIS_CACHE_URL", "redis://127.0.0.1:1")]);
    let state = connect::server::build_state(&config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, connect::api::router(state.clone())).into_future());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let follower = tokio::spawn(connect::server::follow_catalogue(state.clone(), Duration::from_millis(200), stop_rx));

    // The follower loads the catalogue into memory; wait for all 50 to be searchable.
    let search_uri = format!("/api/programs?per_page=100&q={}", common::enc("재시작 견딤"));
    let deadline = Instant::now() + Duration::from_secs(15);
    let ids: Vec<i64> = loop {
        if let Ok((200, body)) = http_get(addr, &search_uri, Duration::from_secs(5)).await {
            let body: Value = serde_json::from_str(&body).unwrap();
            if body["total"] == 50 {
                break body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
            }
        }
        assert!(Instant::now() < deadline, "the follower did not load the catalogue within 15 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let ids = Arc::new(ids);

    // The burst: 16 clients for 8 s; PostgreSQL restarts 2 s in.
    let burst = Duration::from_secs(8);
    let started = Instant::now();
    let clients: Vec<_> = (0..16)
        .map(|client| {
            let ids = ids.clone();
            let search_uri = search_uri.clone();
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                let mut n = client;
                while started.elapsed() < burst {
                    let detail = n % 2 == 0;
                    let uri = if detail { format!("/api/programs/{}", ids[n % ids.len()]) } else { search_uri.clone() };
                    let at = started.elapsed();
                    let result = http_get(addr, &uri, Duration::from_secs(5)).await;
                    let result = match result {
                        Ok((200, body)) if !detail => {
                            let total = serde_json::from_str::<Value>(&body).map(|b| b["total"].clone());
                            match total {
                                Ok(total) if total == 50 => Ok(200),
                                other => Err(format!("search answered 200 with total {other:?}")),
                            }
                        }
                        Ok((status, _)) => Ok(status),
                        Err(e) => Err(e),
                    };
                    let took = started.elapsed() - at;
                    outcomes.push(Outcome { detail, at, took, result });
                    n += 1;
                }
                outcomes
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let restart_began = started.elapsed();
    let pg = tokio::task::spawn_blocking(move || {
        pg.restart();
        pg
    })
    .await
    .unwrap();
    let restart_ended = started.elapsed();
    let mut outcomes = Vec::new();
    for client in clients {
        outcomes.extend(client.await.unwrap());
    }
    let burst_end = started.elapsed();

    let count = |detail: bool, want: &dyn Fn(&Result<u16, String>) -> bool| {
        outcomes.iter().filter(|o| o.detail == detail && want(&o.result)).count()
    };
    eprintln!(
        "burst of {} requests in {burst_end:?}; PostgreSQL restarted from {restart_began:?} to {restart_ended:?}\n\
         detail: {} × 200, {} × 503, {} other; search: {} × 200, {} other",
        outcomes.len(),
        count(true, &|r| r == &Ok(200)),
        count(true, &|r| r == &Ok(503)),
        count(true, &|r| r != &Ok(200) && r != &Ok(503)),
        count(false, &|r| r == &Ok(200)),
        count(false, &|r| r != &Ok(200)),
    );
    for detail in [true, false] {
        let took: Vec<Duration> = outcomes.iter().filter(|o| o.detail == detail).map(|o| o.took).collect();
        eprintln!(
            "{}: mean {:?}, max {:?}",
            if detail { "detail" } else { "search" },
            took.iter().sum::<Duration>() / took.len().max(1) as u32,
            took.iter().max().copied().unwrap_or_default()
        );
    }
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| match &o.result {
            Ok(200) => false,
            Ok(503) => !o.detail,
            _ => true,
        })
        .map(|o| format!("{} at {:?}: {:?}", if o.detail { "detail" } else { "search" }, o.at, o.result))
        .collect();
    assert!(
        failures.is_empty(),
        "{} requests were not answered 200 (or 503 for details):\n{}",
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    let last_second: Vec<&Outcome> =
        outcomes.iter().filter(|o| o.detail && o.at + Duration::from_secs(1) >= burst).collect();
    assert!(!last_second.is_empty(), "no detail request in the last second of the burst");
    let late_503 = last_second.iter().filter(|o| o.result != Ok(200)).count();
    assert_eq!(late_503, 0, "{late_503} of {} detail requests in the last second were not 200", last_second.len());

    // PostgreSQL is healthy again. The readiness status itself stays `degraded` here: the cache
    // Redis of this test is a closed port on purpose.
    let (status, health) = http_get(addr, "/api/health", Duration::from_secs(5)).await.unwrap();
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["checks"]["postgres"]["ok"], true, "{health}");
    assert_eq!(health["search"]["ready"], true, "{health}");
    assert_eq!(health["checks"]["redis_cache"]["ok"], false, "{health}");
    assert_eq!((status, health["status"].as_str()), (503, Some("degraded")), "{health}");

    // A change written after the restart reaches search through the same follower task.
    let mut client = db.client().await;
    let report = connect::import::import(
        &mut client,
        common::record("after-restart", "재시작 이후 새로 등록된 사업", json!({})).as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(report.inserted, 1);
    let uri = format!("/api/programs?q={}", common::enc("이후 새로"));
    let written = Instant::now();
    loop {
        let (status, body) = http_get(addr, &uri, Duration::from_secs(5)).await.unwrap();
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        if common::ids(&body) == ["after-restart"] {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(5),
            "the follower did not make a new record searchable within 5 s of the restart: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("new record searchable {:?} after it was written", written.elapsed());

    let _ = stop_tx.send(true);
    tokio::time::timeout(Duration::from_secs(5), follower).await.expect("the follower stops when told").unwrap();
    server.abort();
    drop(client);
    drop(db);
    drop(pg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_rejects_bad_lines_and_keeps_the_rest() {
    let app = common::TestApp::new().await;
    let lines = [
        common::record("good-1", "청년 창업 지원 사업", json!({ "source_url": "https://example.org/1" })),
        r#"{"source":"test","external_id":"broken","title":"#.to_string(),
        r#"{"source":"test","external_id":"untitled","period_raw":"2026-01-01 ~ 2099-12-30"}"#.to_string(),
        String::new(),
        common::record("ftp", "파일 주소가 잘못된 사업", json!({ "source_url": "ftp://x" })),
        common::record("good-2", "중소기업 수출 지원 사업", json!({})),
        common::record("blank-title", "   ", json!({})),
        "   ".to_string(),
    ];
    let file = lines.join("\n");

    let report = app.import(&file).await;
    assert_eq!((report.inserted, report.changed, report.unchanged), (2, 0, 0), "{report:?}");
    let rejected: Vec<usize> = report.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(rejected, [2, 3, 5, 7], "{report:?}");
    let reason = |line: usize| &report.rejected.iter().find(|(l, _)| *l == line).unwrap().1;
    assert!(reason(2).contains("JSON"), "{}", reason(2));
    assert!(reason(3).contains("title"), "{}", reason(3));
    assert!(reason(5).starts_with("source_url"), "{}", reason(5));
    assert!(reason(5).contains("ftp://x"), "{}", reason(5));
    assert!(reason(7).starts_with("title"), "{}", reason(7));

    let (status, all) = app.get("/api/programs").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let mut loaded = common::ids(&all);
    loaded.sort();
    assert_eq!(loaded, ["good-1", "good-2"], "only the valid lines are in the catalogue");
    let id = all["items"].as_array().unwrap().iter().find(|i| i["external_id"] == "good-1").unwrap()["id"].clone();
    let (status, detail) = app.get(&format!("/api/programs/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["title"], "청년 창업 지원 사업");

    // Idempotent: the same file again writes nothing and reports the same bad lines.
    let again = app.import(&file).await;
    assert_eq!((again.inserted, again.changed, again.unchanged), (0, 0, 2), "{again:?}");
    assert_eq!(again.rejected, report.rejected);
    assert!(app.sync().await.is_empty(), "a re-import changed nothing to index");
}

/// A query cut by `pg_ctl restart -m fast` fails with SQLSTATE 57P01 (admin_shutdown), a database
/// error. The API must answer that like any lost connection: 503 with Retry-After, not 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_cut_by_a_restart_is_answered_503() {
    use axum::response::IntoResponse;
    let pg = tokio::task::spawn_blocking(PrivatePostgres::start).await.unwrap();
    let db = common::TestDb::on(&pg.admin_url()).await;
    let index_dir = tempfile::tempdir().unwrap();
    let state = connect::server::build_state(&common::config(&db.url, index_dir.path(), &[])).unwrap();
    let client = state.db.get().await.unwrap();
    // A query long enough to be running when the restart comes (a detail read on a busy server).
    let running = tokio::spawn(async move { client.query_typed("SELECT pg_sleep(10)", &[]).await.map(|_| ()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pg = tokio::task::spawn_blocking(move || {
        pg.restart();
        pg
    })
    .await
    .unwrap();
    let error = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the query ends with the restart")
        .unwrap()
        .expect_err("the restart cuts the query");
    let code = error.as_db_error().map(|e| e.code().code().to_string());
    let status = connect::api::error::ApiError::from(error).into_response().status();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "SQLSTATE {code:?} answered {status}");
    drop(db);
    drop(pg);
}

/// Processes stopped with SIGSTOP (a hung server: connections open, no answers), continued on drop.
struct Frozen(Vec<String>);

impl Frozen {
    /// The postmaster of `pg` and all its children.
    fn postgres(pg: &PrivatePostgres) -> Frozen {
        let pid_file = std::fs::read_to_string(pg.data().join("postmaster.pid")).unwrap();
        let postmaster = pid_file.lines().next().unwrap().trim().to_string();
        let children = Command::new("pgrep").args(["-P", &postmaster]).output().unwrap();
        let mut pids: Vec<String> = String::from_utf8_lossy(&children.stdout).lines().map(str::to_string).collect();
        pids.push(postmaster);
        for pid in &pids {
            let _ = Command::new("kill").args(["-STOP", pid]).status();
        }
        Frozen(pids)
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        for pid in &self.0 {
            let _ = Command::new("kill").args(["-CONT", pid]).status();
        }
    }
}

/// A child process killed on drop.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SIGTERM must end `connect serve` within its shutdown deadline even when PostgreSQL hangs
/// (stopped, or a network path that drops packets): systemd would otherwise SIGKILL it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_serve_even_when_postgres_hangs() {
    let pg = tokio::task::spawn_blocking(PrivatePostgres::start).await.unwrap();
    let db = common::TestDb::on(&pg.admin_url()).await;
    let tmp = tempfile::tempdir().unwrap();
    let log_path = tmp.path().join("connect.log");
    let mut server = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_connect"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_clear()
            .env("DATABASE_URL", &db.url)
            .env("REDIS_CACHE_URL", common::redis_url())
            .env("REDIS_QUEUE_URL", common::redis_url())
            .env("REDIS_KEY_PREFIX", common::unique_name("connect_test"))
            .env("JWT_SECRET", "test-jwt-secret-0123456789abcdef0123456789")
            .env("ENCRYPTION_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
            .env("CONNECT_INDEX_DIR", tmp.path().join("index"))
            .env("CONNECT_INDEX_SYNC_MS", "100")
            .env("CONNECT_SHUTDOWN_TIMEOUT_SECS", "2")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .expect("start connect serve"),
    );
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let loaded = Instant::now() + Duration::from_secs(15);
    while !log().contains("search index loaded") {
        assert!(Instant::now() < loaded, "the server never loaded its index:\n{}", log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let frozen = Frozen::postgres(&pg);
    tokio::time::sleep(Duration::from_millis(500)).await; // the follower is now stuck in a query
    let kill = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let sent = Instant::now();
    let exited = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break Some(status);
        }
        if sent.elapsed() > Duration::from_secs(6) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    drop(frozen);
    assert!(exited.is_some(), "still running 6 s after SIGTERM (shutdown deadline 2 s); log:\n{}", log());
    drop(server);
    drop(db);
    drop(pg);
}
