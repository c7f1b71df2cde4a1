//! Counters for monitoring. Lock-free atomics updated on the hot path; [`Stats`] is a plain
//! snapshot the application can copy into Prometheus counters.

use std::sync::atomic::{AtomicU64, Ordering};

/// A point-in-time copy of the fetcher's counters (monotonic since the fetcher was built).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent, robots.txt fetches and every retry included.
    pub requests: u64,
    /// Attempts beyond the first one for a URL.
    pub retries: u64,
    /// Fetches refused because robots.txt disallows them.
    pub robots_denied: u64,
    /// robots.txt downloads (one per authority per TTL).
    pub robots_fetches: u64,
    /// `304 Not Modified` answers.
    pub not_modified: u64,
    /// Body bytes received after content decoding (robots.txt included).
    pub bytes: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub robots_denied: AtomicU64,
    pub robots_fetches: AtomicU64,
    pub not_modified: AtomicU64,
    pub bytes: AtomicU64,
}

impl Counters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            requests: get(&self.requests),
            retries: get(&self.retries),
            robots_denied: get(&self.robots_denied),
            robots_fetches: get(&self.robots_fetches),
            not_modified: get(&self.not_modified),
            bytes: get(&self.bytes),
        }
    }
}
