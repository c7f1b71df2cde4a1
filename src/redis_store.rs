//! Connections to the two Redis instances of the spec: the LRU cache and the durable job queue.
//!
//! Both use a lazy, self-reconnecting connection manager with short timeouts, so the server starts
//! while Redis is down, a Redis restart costs a few failed calls rather than a stuck server, and a
//! slow Redis never holds a request longer than the timeout.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{de::DeserializeOwned, Serialize};

use crate::config::SecretUrl;
use crate::metrics::Metrics;

const SKIP_AFTER_FAILURE: Duration = Duration::from_secs(1);

pub fn connect(url: &SecretUrl, timeout: Duration) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url.expose())
        .map_err(|e| anyhow::anyhow!("Redis URL을 해석할 수 없습니다 ({}): {e}", url.redacted()))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500));
    Ok(ConnectionManager::new_lazy_with_config(client, config)?)
}

/// Round-trip time of a PING, or the error.
pub async fn ping(conn: &ConnectionManager) -> Result<Duration, String> {
    let started = Instant::now();
    let mut conn = conn.clone();
    let reply: Result<String, _> = redis::cmd("PING").query_async(&mut conn).await;
    match reply {
        Ok(_) => Ok(started.elapsed()),
        Err(e) => Err(e.to_string()),
    }
}

/// The read-through cache for hot reads. Every failure is a miss: when Redis is down requests are
/// served from PostgreSQL, slower, and the health endpoint says so.
#[derive(Clone)]
pub struct Cache {
    conn: ConnectionManager,
    /// After a failure the cache is skipped until this instant (ms since `epoch`), so that a dead
    /// Redis costs one timeout per second rather than one per request.
    skip_until_ms: Arc<AtomicU64>,
    epoch: Instant,
    /// Namespaces every key, so that several deployments (or tests) can share one Redis.
    prefix: String,
    metrics: Arc<Metrics>,
}

impl Cache {
    pub fn new(conn: ConnectionManager, prefix: &str, metrics: Arc<Metrics>) -> Self {
        Cache {
            conn,
            skip_until_ms: Default::default(),
            epoch: Instant::now(),
            prefix: format!("{prefix}:v1:"),
            metrics,
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// False while the cache is being skipped after a failure.
    fn available(&self) -> bool {
        self.now_ms() >= self.skip_until_ms.load(Ordering::Relaxed)
    }

    fn failed(&self, what: &str, e: &redis::RedisError) {
        self.metrics.cache_errors.inc();
        self.skip_until_ms.store(self.now_ms() + SKIP_AFTER_FAILURE.as_millis() as u64, Ordering::Relaxed);
        tracing::debug!(error = %e, "cache {what} failed; skipping the cache for a moment");
    }

    pub fn connection(&self) -> &ConnectionManager {
        &self.conn
    }

    pub fn program_key(&self, id: i64) -> String {
        format!("{}program:{id}", self.prefix)
    }

    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        if !self.available() {
            self.metrics.cache_misses.inc();
            return None;
        }
        let mut conn = self.conn.clone();
        let found: Result<Option<Vec<u8>>, _> = redis::cmd("GET").arg(key).query_async(&mut conn).await;
        match found {
            Ok(Some(bytes)) => match serde_json::from_slice(&bytes) {
                Ok(value) => {
                    self.metrics.cache_hits.inc();
                    Some(value)
                }
                Err(_) => {
                    self.metrics.cache_misses.inc();
                    None
                }
            },
            Ok(None) => {
                self.metrics.cache_misses.inc();
                None
            }
            Err(e) => {
                self.failed("read", &e);
                None
            }
        }
    }

    pub async fn put<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        if !self.available() {
            return;
        }
        let Ok(bytes) = serde_json::to_vec(value) else {
            return;
        };
        let mut conn = self.conn.clone();
        let stored: Result<(), _> =
            redis::cmd("SET").arg(key).arg(bytes).arg("PX").arg(ttl.as_millis() as u64).query_async(&mut conn).await;
        if let Err(e) = stored {
            self.failed("write", &e);
        }
    }

    /// Drops cached copies of changed programs. A failure leaves them to expire by their TTL.
    pub async fn invalidate_programs(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("UNLINK");
        for id in ids {
            cmd.arg(self.program_key(*id));
        }
        let done: Result<(), _> = cmd.query_async(&mut conn).await;
        if let Err(e) = done {
            self.failed("invalidation", &e);
            tracing::warn!(error = %e, programs = ids.len(), "cache invalidation failed; entries expire by TTL");
        }
    }
}
