//! Helpers of the queue tests: a unique key prefix per test on the machine's Redis
//! (`CONNECT_TEST_REDIS_URL`, default `redis://127.0.0.1:6379/`), removed again by
//! [`TestRedis::cleanup`]; private AOF `redis-server` processes for kill/restart tests; bounded
//! waits.

#![allow(dead_code)]

use std::future::Future;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use queue::{Queue, Worker, WorkerConfig};
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

/// The Redis the tests share (never restarted by them).
pub fn redis_url() -> String {
    std::env::var("CONNECT_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

/// A test's view of a Redis: a client, a queue under a unique prefix.
pub struct TestRedis {
    pub client: redis::Client,
    pub conn: ConnectionManager,
    pub queue: Queue,
    pub prefix: String,
}

impl TestRedis {
    /// The shared Redis under a prefix unique to this test run.
    pub async fn shared(test: &str) -> Self {
        Self::at(&redis_url(), test).await
    }

    pub async fn at(url: &str, test: &str) -> Self {
        let client = redis::Client::open(url).expect("redis url");
        let (conn, _) = queue::connect(&client, Duration::from_millis(200)).await.expect("connect to redis");
        let prefix = format!("qtest:{test}:{}", &uuid_like());
        let queue = Queue::new(conn.clone(), &prefix);
        Self { client, conn, queue, prefix }
    }

    /// A worker with a reader connection of its own and test-friendly intervals.
    pub async fn worker(&self) -> Worker {
        let block = Duration::from_millis(200);
        let (_, reader) = queue::connect(&self.client, block).await.expect("reader connection");
        let config = WorkerConfig {
            block_interval: block,
            reclaim_interval: Duration::from_millis(200),
            mover_interval: Duration::from_millis(100),
            shutdown_timeout: Duration::from_secs(5),
            ..WorkerConfig::default()
        };
        Worker::new(self.queue.clone(), reader).config(config)
    }

    /// Deletes every key under the prefix.
    pub async fn cleanup(&self) {
        let mut conn = self.conn.clone();
        let keys: Vec<String> = {
            let mut it: redis::AsyncIter<String> = conn.scan_match(format!("{}:*", self.prefix)).await.expect("scan");
            let mut v = Vec::new();
            while let Some(k) = futures::StreamExt::next(&mut it).await {
                v.push(k.expect("scan key"));
            }
            v
        };
        for k in keys {
            let _: () = conn.del(k).await.expect("del");
        }
    }
}

fn uuid_like() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("{}-{t}", std::process::id())
}

/// Awaits `probe` every 25 ms until it returns true; panics with `what` after `limit`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if probe().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind an ephemeral port").port()
}

/// A redis-server of this test only, with AOF everysec in a temporary directory, killed on
/// drop.
pub struct PrivateRedis {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> Self {
        let mut r = Self { port: free_port(), dir: tempfile::tempdir().expect("tempdir"), child: None };
        r.restart();
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// (Re)starts the server on the same port and directory (loading its AOF) and waits until it
    /// answers PING (10 s at most).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "redis-server already running");
        let dir = self.dir.path().to_str().expect("utf-8 temp dir").to_owned();
        let child = Command::new("/usr/bin/redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--appendonly", "yes", "--appendfsync", "everysec"])
            .args(["--dir", &dir, "--save", ""])
            .args(["--maxmemory-policy", "noeviction"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if ping(self.port) {
                return;
            }
            assert!(Instant::now() < deadline, "private redis did not answer PING");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn ping(port: u16) -> bool {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
        .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
        .is_ok()
}

/// A child process killed (SIGKILL) on drop.
pub struct KillOnDrop(pub Option<Child>);

impl KillOnDrop {
    pub fn kill(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill();
    }
}
