//! Connections to the two Redis instances of the spec: the LRU cache and the durable job queue.
//!
//! Both use a lazy, self-reconnecting connection manager with short timeouts, so the server starts
//! while Redis is down, a Redis restart costs a few failed calls rather than a stuck server, and a
//! slow Redis never holds a request longer than the timeout.

use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{de::DeserializeOwned, Serialize};

use crate::config::SecretUrl;
use crate::metrics::Metrics;

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
    /// Namespaces every key, so that several deployments (or tests) can share one Redis.
    prefix: String,
    metrics: std::sync::Arc<Metrics>,
}

impl Cache {
    pub fn new(conn: ConnectionManager, prefix: &str, metrics: std::sync::Arc<Metrics>) -> Self {
        Cache {
            conn,
            prefix: format!("{prefix}:v1:"),
            metrics,
        }
    }

    pub fn connection(&self) -> &ConnectionManager {
        &self.conn
    }

    pub fn program_key(&self, id: i64) -> String {
        format!("{}program:{id}", self.prefix)
    }

    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let mut conn = self.conn.clone();
        let found: Result<Option<Vec<u8>>, _> =
            redis::cmd("GET").arg(key).query_async(&mut conn).await;
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
                self.metrics.cache_errors.inc();
                tracing::debug!(error = %e, "cache read failed");
                None
            }
        }
    }

    pub async fn put<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        let Ok(bytes) = serde_json::to_vec(value) else {
            return;
        };
        let mut conn = self.conn.clone();
        let stored: Result<(), _> = redis::cmd("SET")
            .arg(key)
            .arg(bytes)
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .query_async(&mut conn)
            .await;
        if let Err(e) = stored {
            self.metrics.cache_errors.inc();
            tracing::debug!(error = %e, "cache write failed");
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
            self.metrics.cache_errors.inc();
            tracing::warn!(error = %e, programs = ids.len(), "cache invalidation failed; entries expire by TTL");
        }
    }
}
