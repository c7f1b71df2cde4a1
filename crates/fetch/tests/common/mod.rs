//! Fixture HTTP server for the fetcher's tests: an axum router on 127.0.0.1:0 behind a
//! middleware that records every request (path, start time, headers) and the peak number of
//! requests in flight. The server task is aborted when the [`Server`] is dropped.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::Router;
use fetch::FetchConfig;
use tokio::time::Instant;
use url::Url;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub at: Instant,
    pub headers: axum::http::HeaderMap,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

#[derive(Debug, Default)]
pub struct Log {
    hits: Mutex<Vec<Hit>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub struct Server {
    pub addr: SocketAddr,
    pub log: Arc<Log>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Serves `router` on an ephemeral loopback port.
    pub async fn start(router: Router) -> Server {
        let log = Arc::new(Log::default());
        let recorder = log.clone();
        let app = router.layer(middleware::from_fn(move |req: Request, next: Next| {
            let log = recorder.clone();
            async move {
                let path = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
                log.hits.lock().expect("log").push(Hit {
                    method: req.method().to_string(),
                    path,
                    at: Instant::now(),
                    headers: req.headers().clone(),
                });
                let now = log.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                log.max_in_flight.fetch_max(now, Ordering::SeqCst);
                let response = next.run(req).await;
                log.in_flight.fetch_sub(1, Ordering::SeqCst);
                response
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Server { addr, log, task }
    }

    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{}", self.addr, path)).expect("url")
    }

    /// Every request so far, in arrival order.
    pub fn hits(&self) -> Vec<Hit> {
        self.log.hits.lock().expect("log").clone()
    }

    /// Requests whose path (with query) is `path`.
    pub fn hits_to(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
    }

    pub fn max_in_flight(&self) -> usize {
        self.log.max_in_flight.load(Ordering::SeqCst)
    }
}

/// A configuration for fast tests: no politeness gap, tiny backoff, robots off.
pub fn fast_config() -> FetchConfig {
    FetchConfig {
        min_delay: Duration::ZERO,
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(50),
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        respect_robots: false,
        ..FetchConfig::default()
    }
}
