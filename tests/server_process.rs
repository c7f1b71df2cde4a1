//! The real `connect` binary as systemd runs it: the notify protocol, the watchdog, draining on
//! SIGTERM, failing fast on bad settings, and `--help` for every subcommand.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_connect");
const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef0123456789";
const ENCRYPTION_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// A child process killed (and reaped) on drop if it is still running.
struct Running(Child);

impl Running {
    /// Waits at most `limit` for the process to exit.
    fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `connect ARGS` with exactly `env` (plus PATH), its output collected, killed after `limit`.
fn run(args: &[&str], env: &[(&str, &str)], limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let child = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start connect");
    let mut running = Running(child);
    let mut stdout = running.0.stdout.take().unwrap();
    let mut stderr = running.0.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let status = running.wait_for_exit(limit);
    let took = started.elapsed();
    drop(running);
    let output = Output {
        status: status.unwrap_or_else(|| panic!("connect {args:?} still running after {limit:?}")),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, took)
}

/// One GET over the unix socket (HTTP/1.1, connection closed after the response).
fn unix_get(socket: &Path, path: &str) -> Result<(u16, String), String> {
    let mut stream = UnixStream::connect(socket).map_err(|e| format!("connect {}: {e}", socket.display()))?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(common::http_get_request(path).as_bytes()).map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("read: {e}"))?;
    common::parse_http_response(&raw)
}

/// `connect serve` on the unix socket `socket` with its own database, key prefix and index.
fn serve_on(socket: &Path, db: &common::TestDb, prefix: &str, index_dir: &Path, log: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", &format!("unix:{}", socket.display())])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("REDIS_CACHE_URL", common::redis_url())
        .env("REDIS_QUEUE_URL", common::redis_url())
        .env("REDIS_KEY_PREFIX", prefix)
        .env("JWT_SECRET", JWT_SECRET)
        .env("ENCRYPTION_KEY", ENCRYPTION_KEY)
        .env("CONNECT_INDEX_DIR", index_dir)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    command
}

/// One request on a kept-alive connection: the status and the lower-cased `Connection` header, or
/// what went wrong (the connection was closed under us, say).
fn exchange(stream: &mut UnixStream, request: &str) -> Result<(u16, String), String> {
    stream.write_all(request.as_bytes()).map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!("closed after {} bytes", raw.len()));
        }
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw).to_string();
        let Some(end) = text.find("\r\n\r\n") else { continue };
        let head = text[..end].to_ascii_lowercase();
        let header = |name: &str| {
            head.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim_start_matches(':').trim().to_string()))
        };
        let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        if raw.len() >= end + 4 + length {
            let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            return Ok((status, header("connection").unwrap_or_default()));
        }
    }
}

/// A kept-alive connection with one request answered on it.
fn open_connection(socket: &Path) -> UnixStream {
    let mut stream = UnixStream::connect(socket).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let answer = exchange(&mut stream, LIVE);
    assert_eq!(answer, Ok((200, String::new())), "a first request on a new connection");
    stream
}

const LIVE: &str = "GET /api/health/live HTTP/1.1\r\nHost: connect.test\r\n\r\n";

/// Until the closing handshake, nginx may send a request on any idle connection it keeps to us. A
/// stopping server stops listening, answers on its open connections with `Connection: close`, never
/// closes an idle one under nginx (a POST written into a closing connection is a 502), and closes
/// the ones left idle only after nginx's own idle timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_server_answers_on_open_connections_and_leaves_idle_ones_to_the_proxy() {
    let tmp = tempfile::tempdir().unwrap();
    let socket = tmp.path().join("connect.sock");
    let log_path = tmp.path().join("connect.log");
    let db = common::TestDb::new().await;
    let prefix = common::unique_name("connect_drain");
    let mut server = Running(
        serve_on(&socket, &db, &prefix, &tmp.path().join("index"), &log_path)
            .env("CONNECT_UPSTREAM_IDLE_SECS", "2")
            .env("CONNECT_SHUTDOWN_TIMEOUT_SECS", "8")
            .spawn()
            .expect("start connect serve"),
    );
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(20);
    while unix_get(&socket, "/api/health/live").is_err() {
        assert!(Instant::now() < deadline, "not listening after 20 s; log:\n{}", log());
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut busy = open_connection(&socket);
    let mut late = open_connection(&socket);
    let mut idle = open_connection(&socket);

    let sent = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap().success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(UnixStream::connect(&socket).is_err(), "still accepting new connections after SIGTERM");

    // A POST on a kept connection is answered (a 403 without a CSRF token, not a reset), and the
    // answer tells the proxy to drop the connection.
    let post = "POST /api/auth/logout HTTP/1.1\r\nHost: connect.test\r\nContent-Length: 2\r\n\r\n{}";
    let answer = exchange(&mut busy, post).unwrap_or_else(|e| panic!("POST while stopping: {e}; log:\n{}", log()));
    assert_eq!(answer.1, "close", "{answer:?}");
    assert!(answer.0 < 500, "{answer:?}");

    // An idle connection is not closed under the proxy before its idle timeout (2 s here).
    std::thread::sleep(Duration::from_millis(1_000));
    let answer = exchange(&mut late, LIVE).unwrap_or_else(|e| panic!("1.5 s after SIGTERM: {e}; log:\n{}", log()));
    assert_eq!(answer, (200, "close".to_string()));

    // The one nobody used is closed after the idle timeout, and the server exits.
    let status = server
        .wait_for_exit(Duration::from_secs(7))
        .unwrap_or_else(|| panic!("running 8 s after SIGTERM; log:\n{}", log()));
    assert!(status.success(), "exit status {status}; log:\n{}", log());
    let took = sent.elapsed();
    assert!(took >= Duration::from_secs(2), "exited {took:?} after SIGTERM, before the proxy's idle timeout");
    let mut rest = Vec::new();
    assert_eq!(idle.read_to_end(&mut rest).ok(), Some(0), "the idle connection was closed without a word");
}

/// The next datagram on the notify socket, waiting at most until `deadline`.
fn next_notification(socket: &UnixDatagram, deadline: Instant) -> Option<String> {
    let left = deadline.checked_duration_since(Instant::now())?;
    socket.set_read_timeout(Some(left.max(Duration::from_millis(1)))).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).trim().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_speaks_systemd_notify_and_drains_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let notify_path = tmp.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    let socket = tmp.path().join("connect.sock");
    let log_path = tmp.path().join("connect.log");
    let db = common::TestDb::new().await;
    let prefix = common::unique_name("connect_proc");
    let index_dir = tmp.path().join("index");

    let started = Instant::now();
    let mut server = Running(
        serve_on(&socket, &db, &prefix, &index_dir, &log_path)
            .env("NOTIFY_SOCKET", &notify_path)
            .env("WATCHDOG_USEC", "300000")
            .env("CONNECT_SHUTDOWN_TIMEOUT_SECS", "5")
            .spawn()
            .expect("start connect serve"),
    );
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();

    // READY=1 arrives once the socket accepts connections. (WATCHDOG=1 may come before it: see
    // `ready_is_the_first_notification`.)
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut early_pings = 0;
    loop {
        match next_notification(&notify, deadline).as_deref() {
            Some("READY=1") => break,
            Some("WATCHDOG=1") => early_pings += 1,
            other => panic!("expected READY=1, got {other:?}; log:\n{}", log()),
        }
    }
    let live = unix_get(&socket, "/api/health/live");
    assert_eq!(live.as_ref().map(|(s, _)| *s), Ok(200), "{live:?} right after READY=1; log:\n{}", log());
    eprintln!("READY=1 after {:?} ({early_pings} WATCHDOG=1 before it)", started.elapsed());

    // The watchdog is pinged at half of WATCHDOG_USEC (150 ms).
    let window = Instant::now() + Duration::from_secs(1);
    let mut pings = 0;
    while let Some(message) = next_notification(&notify, window) {
        assert_eq!(message, "WATCHDOG=1");
        pings += 1;
    }
    assert!(pings >= 3, "only {pings} WATCHDOG=1 in 1 s; log:\n{}", log());

    // The API answers over the socket (the search copy may need a moment to load).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match unix_get(&socket, "/api/programs") {
            Ok((200, body)) => {
                let body: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(body["total"], 0, "{body}");
                break;
            }
            other => assert!(Instant::now() < deadline, "GET /api/programs: {other:?}; log:\n{}", log()),
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    // SIGTERM: STOPPING=1, a clean exit within the drain deadline, the socket file removed.
    let pid = server.0.id().to_string();
    let sent = Instant::now();
    let kill = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(kill.success());
    let deadline = sent + Duration::from_secs(6);
    loop {
        match next_notification(&notify, deadline) {
            Some(message) if message == "STOPPING=1" => break,
            Some(message) => assert_eq!(message, "WATCHDOG=1"),
            None => panic!("no STOPPING=1 within 6 s of SIGTERM; log:\n{}", log()),
        }
    }
    let status = server.wait_for_exit(deadline.saturating_duration_since(Instant::now()));
    let status = status.unwrap_or_else(|| panic!("still running 6 s after SIGTERM; log:\n{}", log()));
    assert!(status.success(), "exit status {status}; log:\n{}", log());
    eprintln!("exited {:?} after SIGTERM", sent.elapsed());
    assert!(!socket.exists(), "the socket file {} is left behind", socket.display());
}

/// systemd's contract: READY=1 is the first thing a `Type=notify` service says. The watchdog task
/// of `server::serve` is spawned before the listener is bound, so it races READY=1; a few quick
/// launches show the race reliably.
#[test]
fn ready_is_the_first_notification() {
    let tmp = tempfile::tempdir().unwrap();
    let notify_path = tmp.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    let notify_env = notify_path.display().to_string();
    for launch in 0..5 {
        let socket = format!("unix:{}/connect-{launch}.sock", tmp.path().display());
        let index = tmp.path().join(format!("index-{launch}"));
        let env = serve_env("", &[("NOTIFY_SOCKET", &notify_env), ("WATCHDOG_USEC", "300000")]);
        let child = Command::new(BIN)
            .args(["serve", "--listen", &socket])
            .env_clear()
            .envs(env.iter().copied())
            .env("CONNECT_INDEX_DIR", &index)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start connect serve");
        let server = Running(child);
        let first = next_notification(&notify, Instant::now() + Duration::from_secs(20));
        assert_eq!(first.as_deref(), Some("READY=1"), "launch {launch}: first notification");
        drop(server);
        // Drain what the killed process still sent before the next launch.
        while next_notification(&notify, Instant::now() + Duration::from_millis(50)).is_some() {}
    }
}

/// A complete, valid environment for `connect serve`, minus/plus what a case changes.
fn serve_env<'a>(remove: &str, set: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("DATABASE_URL", "postgresql://connect@127.0.0.1:1/connect"),
        ("REDIS_CACHE_URL", "redis://127.0.0.1:1"),
        ("REDIS_QUEUE_URL", "redis://127.0.0.1:1"),
        ("JWT_SECRET", JWT_SECRET),
        ("ENCRYPTION_KEY", ENCRYPTION_KEY),
        ("CONNECT_LISTEN", "127.0.0.1:1"),
    ];
    env.retain(|(name, _)| *name != remove && !set.iter().any(|(n, _)| n == name));
    env.extend_from_slice(set);
    env
}

/// A failing start-up case: the variable to remove, the one stderr must name, the ones to set.
type BadSetting<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

#[test]
fn serve_fails_fast_with_a_named_missing_setting() {
    let cases: [BadSetting; 5] = [
        ("DATABASE_URL", "DATABASE_URL", &[]),
        ("", "ENCRYPTION_KEY", &[("ENCRYPTION_KEY", "short")]),
        ("", "DATABASE_URL", &[("DATABASE_URL", "mysql://u:s3cretpw@127.0.0.1:1/x")]),
        ("JWT_SECRET", "JWT_SECRET", &[("DATABASE_URL", "postgresql://u:s3cretpw@127.0.0.1:1/x")]),
        ("REDIS_QUEUE_URL", "REDIS_QUEUE_URL", &[("DATABASE_URL", "postgresql://u:s3cretpw@127.0.0.1:1/x")]),
    ];
    for (remove, named, set) in cases {
        let env = serve_env(remove, set);
        let (output, took) = run(&["serve"], &env, Duration::from_secs(10));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let case = format!("without {remove:?}, with {set:?}");
        assert!(!output.status.success(), "{case}: exit {}\n{stderr}", output.status);
        assert!(took < Duration::from_secs(5), "{case}: took {took:?}");
        assert!(stderr.contains(named), "{case}: stderr does not name {named}:\n{stderr}");
        assert!(!stderr.contains("s3cretpw"), "{case}: the password leaked:\n{stderr}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains("s3cretpw"), "{case}: the password leaked:\n{stdout}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for args in
        [&["--help"][..], &["serve", "--help"], &["migrate", "--help"], &["import", "--help"], &["demo", "--help"]]
    {
        let (output, _) = run(args, &[], Duration::from_secs(10));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "connect {args:?}: {}\n{stdout}", output.status);
        assert!(stdout.contains("Usage: connect"), "connect {args:?}:\n{stdout}");
    }
}

/// A local stand-in for Sentry's ingestion endpoint: records each envelope POSTed to
/// `/api/{project}/envelope/` (Sentry's documented protocol) with its auth header.
fn fake_sentry() -> (String, std::sync::mpsc::Receiver<(String, String, String)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut data = Vec::new();
            let mut buf = [0u8; 8192];
            let (head, body) = loop {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break (String::new(), Vec::new());
                }
                data.extend_from_slice(&buf[..n]);
                let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                let head = String::from_utf8_lossy(&data[..end]).to_string();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                while data.len() < end + 4 + length {
                    let n = stream.read(&mut buf).unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                break (head, data[end + 4..].to_vec());
            };
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
            let path = head.split_whitespace().nth(1).unwrap_or_default().to_string();
            let auth = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("x-sentry-auth:"))
                .unwrap_or_default()
                .to_string();
            let _ = tx.send((path, auth, String::from_utf8_lossy(&body).to_string()));
        }
    });
    (format!("http://public-key@127.0.0.1:{port}/42"), rx)
}

/// With `SENTRY_DSN` set, a failed command is reported to Sentry with its error and the release,
/// and the database password in the settings never leaves the machine. A malformed DSN is refused.
#[test]
fn errors_are_reported_to_sentry_when_a_dsn_is_set() {
    let (dsn, envelopes) = fake_sentry();
    let run = |dsn: &str| {
        Command::new(BIN)
            .arg("migrate")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", "postgresql://connect:hunter2@127.0.0.1:1/connect")
            .env("SENTRY_DSN", dsn)
            .env("SENTRY_ENVIRONMENT", "test")
            .stdin(Stdio::null())
            .output()
            .expect("run connect migrate")
    };
    let out = run(&dsn);
    assert!(!out.status.success());
    let (path, auth, body) = envelopes.recv_timeout(Duration::from_secs(20)).expect("an envelope reached Sentry");
    assert_eq!(path, "/api/42/envelope/");
    assert!(auth.contains("sentry_key=public-key"), "{auth}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reported = stderr.trim().trim_start_matches("오류: ");
    assert!(body.contains("\"event_id\"") && body.contains("connect@") && body.contains("\"test\""), "{body}");
    let head: String = reported.chars().take(12).collect();
    assert!(body.contains(&head), "{reported} in {body}");
    assert!(!body.contains("hunter2"), "{body}");

    let bad = run("not a dsn");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("SENTRY_DSN"));
}
