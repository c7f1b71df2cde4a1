//! Test harness: every test gets its own PostgreSQL database (created from the machine's server,
//! migrated, dropped afterwards), its own Redis key prefix and its own search-index folder, and
//! talks to the real router.
#![allow(dead_code)]

pub mod billing;
pub mod browser;
pub mod outline;

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use connect::api::{self, AppState};
use connect::config::{Config, Source};
use connect::server;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The server tests create their databases on (override with CONNECT_TEST_DATABASE_URL).
pub fn admin_url() -> String {
    std::env::var("CONNECT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("CONNECT_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), rand::random::<u32>())
}

/// A database of its own, dropped when the test ends.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin: String,
}

impl TestDb {
    pub async fn new() -> TestDb {
        Self::on(&admin_url()).await
    }

    /// A fresh, migrated database on the server behind `admin` (a URL to any existing database).
    pub async fn on(admin: &str) -> TestDb {
        let name = unique_name("connect_test");
        let (client, conn) =
            tokio_postgres::connect(admin, tokio_postgres::NoTls).await.expect("test PostgreSQL reachable");
        tokio::spawn(conn);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        let mut url = url::Url::parse(admin).unwrap();
        url.set_path(&name);
        let db = TestDb { name, url: url.to_string(), admin: admin.to_string() };
        connect::db::migrate::run(&secret(&db.url)).await.expect("migrations apply");
        db
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        connect::db::connect_direct(&secret(&self.url)).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args([&self.admin, "-q", "-c", &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)])
            .output();
    }
}

pub fn secret(url: &str) -> connect::config::SecretUrl {
    let source = Source::from_pairs([("DATABASE_URL".to_string(), url.to_string())]);
    connect::config::DatabaseConfig::from_source(&source).unwrap().url
}

/// Settings for a test server on `database_url`; `extra` overrides any of them.
pub fn config(database_url: &str, index_dir: &std::path::Path, extra: &[(&str, &str)]) -> Config {
    let mut pairs: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), database_url.into()),
        ("REDIS_CACHE_URL".into(), redis_url()),
        ("REDIS_QUEUE_URL".into(), redis_url()),
        ("REDIS_KEY_PREFIX".into(), unique_name("connect_test")),
        ("JWT_SECRET".into(), "test-jwt-secret-0123456789abcdef0123456789".into()),
        ("ENCRYPTION_KEY".into(), "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into()),
        ("CONNECT_INDEX_DIR".into(), index_dir.display().to_string()),
        ("DATABASE_POOL_SIZE".into(), "4".into()),
        ("CONNECT_TRUST_PROXY".into(), "true".into()),
        ("CONNECT_UPLOAD_DIR".into(), index_dir.join("uploads").display().to_string()),
    ];
    for (k, v) in extra {
        pairs.retain(|(name, _)| name != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    Config::from_source(&Source::from_pairs(pairs)).expect("valid test config")
}

/// An application on a test database, with its search copy loaded.
pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub index_dir: tempfile::TempDir,
}

impl TestApp {
    /// A migrated, empty catalogue.
    pub async fn new() -> TestApp {
        Self::with(&[]).await
    }

    pub async fn with(extra: &[(&str, &str)]) -> TestApp {
        // Warnings and errors of the application show in a failing test's output.
        let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("warn").try_init();
        let db = TestDb::new().await;
        let index_dir = tempfile::tempdir().unwrap();
        let state = server::build_state(&config(&db.url, index_dir.path(), extra)).unwrap();
        TestApp { db, state, index_dir }
    }

    /// Loads JSON-lines records (the import format) and brings search up to date.
    pub async fn import(&self, jsonl: &str) -> connect::import::ImportReport {
        let mut client = self.db.client().await;
        let report = connect::import::import(&mut client, jsonl.as_bytes()).await.unwrap();
        self.sync().await;
        report
    }

    /// Makes every committed change searchable, as the follower loop would within a second.
    pub async fn sync(&self) -> Vec<i64> {
        let changed = self.state.search.catch_up(&self.state.db).await.expect("search catches up");
        self.state.cache.invalidate_programs(&changed).await;
        changed
    }

    /// GET through the router; a body that is not JSON comes back as a JSON string.
    pub async fn get(&self, uri: &str) -> (StatusCode, serde_json::Value) {
        let (status, text) = self.get_text(uri).await;
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, json)
    }

    pub async fn get_text(&self, uri: &str) -> (StatusCode, String) {
        let response =
            api::router(self.state.clone()).oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into())
    }
}

/// One import-format line; `fields` override the defaults.
pub fn record(external_id: &str, title: &str, fields: serde_json::Value) -> String {
    let mut value = serde_json::json!({
        "source": "test",
        "external_id": external_id,
        "title": title,
        "period_raw": "2026-01-01 ~ 2099-12-30",
    });
    if let (Some(map), serde_json::Value::Object(extra)) = (value.as_object_mut(), fields) {
        map.extend(extra);
    }
    value.to_string()
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn ids(body: &serde_json::Value) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|i| i["external_id"].as_str().unwrap().to_string()).collect()
}
/// A minimal HTTP/1.1 GET that asks the server to close the connection afterwards, so the whole
/// response can be read to the end of the stream (used over raw TCP and unix sockets).
pub fn http_get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nConnection: close\r\n\r\n")
}

/// Splits a complete HTTP/1.1 response (read until the server closed) into status and body text.
/// Handles `Content-Length` and chunked bodies; anything truncated is an error.
pub fn parse_http_response(raw: &[u8]) -> Result<(u16, String), String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete response head in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {status_line:?}"))?;
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            content_length = value.parse::<usize>().ok();
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        let mut out = Vec::new();
        let mut rest = body;
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n").ok_or("truncated chunk size")?;
            let size_text = String::from_utf8_lossy(&rest[..end]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| format!("bad chunk size {size_text:?}"))?;
            rest = &rest[end + 2..];
            if size == 0 {
                break;
            }
            if rest.len() < size + 2 {
                return Err("truncated chunk".into());
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        out
    } else if let Some(length) = content_length {
        if body.len() < length {
            return Err(format!("body truncated: {} of {length} bytes", body.len()));
        }
        body[..length].to_vec()
    } else {
        body.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Puts a scrape job for each of `sources` on the queue and has a real worker dead-letter them
/// at once with `error`, as a site refusing the scrape would.
pub async fn dead_scrape_jobs(jobs: &queue::Queue, sources: &[&str], error: &'static str) {
    let scrape = connect::ingest::worker::SCRAPE_QUEUE;
    for source in sources {
        jobs.enqueue(scrape, &connect::ingest::worker::scrape_job(source)).await.unwrap();
    }
    let client = redis::Client::open(redis_url()).unwrap();
    let (_, reader) = queue::connect(&client, std::time::Duration::from_millis(100)).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(queue::Worker::new(jobs.clone(), reader).run(
        scrape,
        move |_job: queue::Job| async move { Err(queue::JobError::Fatal(error.into())) },
        async {
            let _ = stopped.await;
        },
    ));
    while jobs.stats(scrape).await.unwrap().dead < sources.len() as u64 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    stop.send(()).unwrap();
    worker.await.unwrap().unwrap();
}
