//! Abuse limits on the authentication routes.
//! - Per client address: at most N requests a minute per route group (the spec's 10 r/m, also in
//!   nginx), counted in Redis so that every node shares the count. When Redis fails, each node counts
//!   in memory with the same limit: the limit is never lifted (fail closed, not open).
//! - Per account: consecutive wrong passwords lock the account with a doubling back-off
//!   ([`lockout`]), kept in PostgreSQL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::ConnectionManager;

use crate::api::error::ApiError;
use crate::metrics::Metrics;

const REDIS_TIMEOUT: Duration = Duration::from_millis(300);

pub struct Limiter {
    conn: ConnectionManager,
    prefix: String,
    per_minute: u32,
    local: Mutex<HashMap<String, (u64, u32)>>,
    metrics: Arc<Metrics>,
}

impl Limiter {
    pub fn new(conn: ConnectionManager, prefix: &str, per_minute: u32, metrics: Arc<Metrics>) -> Self {
        Limiter { conn, prefix: format!("{prefix}:rl:"), per_minute, local: Default::default(), metrics }
    }

    /// Counts one request of `client` on `route`; refuses it with 429 over the limit.
    pub async fn check(&self, route: &'static str, client: &str) -> Result<(), ApiError> {
        let now = chrono::Utc::now().timestamp() as u64;
        let window = now / 60;
        let key = format!("{}{route}:{client}:{window}", self.prefix);
        let count = match self.count_in_redis(&key).await {
            Ok(count) => count,
            Err(e) => {
                tracing::warn!(error = %e, "rate limiter: Redis unavailable, counting on this node");
                self.count_locally(key, window)
            }
        };
        if count > self.per_minute {
            self.metrics.rate_limited.with_label_values(&[route]).inc();
            return Err(ApiError::TooManyRequests { retry_after_secs: 60 - now % 60 });
        }
        Ok(())
    }

    async fn count_in_redis(&self, key: &str) -> Result<u32, String> {
        let mut conn = self.conn.clone();
        let pipeline = redis::pipe().atomic().incr(key, 1u32).expire(key, 120).ignore().clone();
        let counted = tokio::time::timeout(REDIS_TIMEOUT, pipeline.query_async::<(u32,)>(&mut conn)).await;
        match counted {
            Ok(Ok((count,))) => Ok(count),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".into()),
        }
    }

    fn count_locally(&self, key: String, window: u64) -> u32 {
        let mut local = self.local.lock().expect("limiter lock");
        local.retain(|_, (w, _)| *w + 1 >= window);
        let entry = local.entry(key).or_insert((window, 0));
        entry.1 += 1;
        entry.1
    }
}

/// Failed logins tolerated before an account locks.
pub const FREE_FAILURES: i32 = 5;

/// How long an account stays locked after `failures` consecutive wrong passwords: 1 minute at the
/// fifth, doubling with each further failure, at most an hour.
pub fn lockout(failures: i32) -> Option<chrono::Duration> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES).min(6) as u32;
    Some(chrono::Duration::minutes((1i64 << doublings).min(60)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_doubles_up_to_an_hour() {
        assert_eq!(lockout(4), None);
        assert_eq!(lockout(5), Some(chrono::Duration::minutes(1)));
        assert_eq!(lockout(6), Some(chrono::Duration::minutes(2)));
        assert_eq!(lockout(8), Some(chrono::Duration::minutes(8)));
        assert_eq!(lockout(11), Some(chrono::Duration::minutes(60)));
        assert_eq!(lockout(50), Some(chrono::Duration::minutes(60)));
    }
}
