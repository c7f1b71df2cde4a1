//! Per-host politeness: bounded concurrency and an adaptive minimum gap between request starts.
//!
//! Every authority (scheme, host, port) has a [`tokio::sync::Semaphore`] with
//! `per_host_concurrency` permits and, behind a mutex, the earliest instant the next request may
//! start. A request takes a permit, reserves a start slot (`max(now, next_start, paused_until)`),
//! moves `next_start` on by the host's current delay and sleeps until its slot. The delay adapts to
//! the host: `clamp(max(min_delay, 2 × moving average latency), ≤ max_delay)`, so a server that
//! slows down is asked less often. `Retry-After` pauses the host for every caller.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Weight of the newest sample in the latency moving average.
const LATENCY_ALPHA: f64 = 0.3;

/// Limits shared by every host.
#[derive(Debug, Clone, Copy)]
pub struct PolitenessConfig {
    pub per_host_concurrency: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

/// The per-host state map. Hosts are never evicted (a worker sees a few hundred authorities).
#[derive(Debug)]
pub struct Politeness {
    config: PolitenessConfig,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
}

#[derive(Debug)]
struct HostState {
    semaphore: Arc<Semaphore>,
    inner: Mutex<HostInner>,
}

#[derive(Debug)]
struct HostInner {
    next_start: Instant,
    paused_until: Option<Instant>,
    avg_latency: Option<Duration>,
}

/// Held while a request to the host is in flight; dropping it frees the concurrency slot.
#[derive(Debug)]
pub struct HostPermit {
    _permit: OwnedSemaphorePermit,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Politeness {
    pub fn new(config: PolitenessConfig) -> Self {
        Politeness {
            config: PolitenessConfig { per_host_concurrency: config.per_host_concurrency.max(1), ..config },
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, host: &str) -> Arc<HostState> {
        let mut hosts = lock(&self.hosts);
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(HostState {
                    semaphore: Arc::new(Semaphore::new(self.config.per_host_concurrency)),
                    inner: Mutex::new(HostInner { next_start: Instant::now(), paused_until: None, avg_latency: None }),
                })
            })
            .clone()
    }

    fn delay_of(&self, inner: &HostInner) -> Duration {
        let cfg = &self.config;
        let adaptive = inner.avg_latency.map_or(Duration::ZERO, |l| l * 2);
        cfg.min_delay.max(adaptive).min(cfg.max_delay.max(cfg.min_delay))
    }

    /// Waits for a concurrency slot and a start slot on `host`; returns when the request may start.
    pub async fn acquire(&self, host: &str) -> HostPermit {
        let state = self.host(host);
        let permit = state.semaphore.clone().acquire_owned().await.expect("politeness semaphores are never closed");
        let mut wake = {
            let mut inner = lock(&state.inner);
            let now = Instant::now();
            let start = now.max(inner.next_start).max(inner.paused_until.unwrap_or(now));
            inner.next_start = start + self.delay_of(&inner);
            start
        };
        loop {
            tokio::time::sleep_until(wake).await;
            // A Retry-After seen by another request while we slept pauses us too.
            let mut inner = lock(&state.inner);
            match inner.paused_until {
                Some(until) if until > Instant::now() => {
                    wake = until;
                    let next = until + self.delay_of(&inner);
                    inner.next_start = inner.next_start.max(next);
                }
                _ => break,
            }
        }
        HostPermit { _permit: permit }
    }

    /// Adds a latency sample (time to response headers) to the host's moving average.
    pub fn record_latency(&self, host: &str, latency: Duration) {
        let state = self.host(host);
        let mut inner = lock(&state.inner);
        inner.avg_latency = Some(match inner.avg_latency {
            None => latency,
            Some(avg) => avg.mul_f64(1.0 - LATENCY_ALPHA) + latency.mul_f64(LATENCY_ALPHA),
        });
    }

    /// Stops every request to `host` from starting before `now + pause` (from `Retry-After`).
    pub fn pause(&self, host: &str, pause: Duration) {
        let state = self.host(host);
        let mut inner = lock(&state.inner);
        let until = Instant::now() + pause;
        inner.paused_until = Some(inner.paused_until.map_or(until, |p| p.max(until)));
    }

    /// The host's current gap between request starts.
    pub fn current_delay(&self, host: &str) -> Duration {
        let state = self.host(host);
        let inner = lock(&state.inner);
        self.delay_of(&inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(min_ms: u64, conc: usize) -> Politeness {
        Politeness::new(PolitenessConfig {
            per_host_concurrency: conc,
            min_delay: Duration::from_millis(min_ms),
            max_delay: Duration::from_secs(30),
        })
    }

    #[test]
    fn delay_grows_with_latency_and_is_capped() {
        let p = p(1000, 2);
        assert_eq!(p.current_delay("h"), Duration::from_secs(1));
        p.record_latency("h", Duration::from_millis(200));
        assert_eq!(p.current_delay("h"), Duration::from_secs(1), "fast host: min_delay");
        p.record_latency("slow", Duration::from_secs(2));
        assert_eq!(p.current_delay("slow"), Duration::from_secs(4));
        for _ in 0..50 {
            p.record_latency("slow", Duration::from_secs(100));
        }
        assert_eq!(p.current_delay("slow"), Duration::from_secs(30), "capped");
        // It recovers as the host speeds up again.
        for _ in 0..100 {
            p.record_latency("slow", Duration::from_millis(10));
        }
        assert_eq!(p.current_delay("slow"), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn starts_are_spaced_and_pause_applies() {
        let p = p(1000, 2);
        let t0 = Instant::now();
        let a = p.acquire("h").await;
        drop(a);
        let _b = p.acquire("h").await;
        assert_eq!(t0.elapsed(), Duration::from_secs(1));
        let _other = p.acquire("other").await;
        assert_eq!(t0.elapsed(), Duration::from_secs(1), "other hosts are not delayed");
        p.pause("h", Duration::from_secs(10));
        let t1 = Instant::now();
        drop(_b);
        let _c = p.acquire("h").await;
        assert_eq!(t1.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_bounded() {
        let p = Arc::new(p(0, 2));
        let _a = p.acquire("h").await;
        let _b = p.acquire("h").await;
        let p2 = p.clone();
        let third = tokio::spawn(async move { p2.acquire("h").await });
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!third.is_finished());
        drop(_a);
        tokio::time::timeout(Duration::from_secs(1), third)
            .await
            .expect("third request starts once a slot frees")
            .expect("task");
    }
}
