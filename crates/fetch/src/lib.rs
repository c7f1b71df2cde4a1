//! Connect's polite HTTP fetcher, shared by every scrape job of a worker process.
//!
//! One [`Fetcher`] (cheap to clone) wraps a `reqwest` client and adds what a crawler of 500+
//! government sites owes them:
//!
//! * **robots.txt** (RFC 9309, see [`robots`]): fetched once per authority per TTL; 4xx means
//!   allow all, 5xx/429/unreachable means disallow all until `robots_error_ttl` (a previously good
//!   copy is kept instead when there is one).
//! * **Politeness** (see [`politeness`]): at most `per_host_concurrency` requests in flight per
//!   authority and an adaptive gap between request starts that grows with the host's latency.
//! * **Retries** (see [`retry`]): connection errors, timeouts, 429 and 5xx are retried with capped
//!   exponential backoff and full jitter; `Retry-After` on 429/503 is honoured and pauses the host
//!   for every caller.
//! * **Bounded bodies**: streamed, decoded (gzip, brotli, deflate) and cut at `max_body_bytes`.
//! * **Conditional GET** with `If-None-Match` / `If-Modified-Since`, answered as
//!   [`Fetched::NotModified`].
//! * **Counters** via [`Fetcher::stats`].
//!
//! ```no_run
//! # async fn run() -> Result<(), fetch::FetchError> {
//! use fetch::{FetchConfig, Fetched, Fetcher, Url};
//! let fetcher = Fetcher::new(FetchConfig::default())?;
//! let url = Url::parse("https://www.example.go.kr/notice/list.do").expect("static URL");
//! match fetcher.get(&url, None).await? {
//!     Fetched::Body { body, validators, .. } => { /* parse `body`, store `validators` */ }
//!     Fetched::NotModified { .. } => { /* unchanged since last time */ }
//! }
//! # Ok(()) }
//! ```

pub mod error;
pub mod politeness;
pub mod retry;
pub mod robots;
pub mod stats;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, ETAG, LAST_MODIFIED, RETRY_AFTER};
use reqwest::{redirect, Response, StatusCode};
use tokio::time::Instant;

pub use error::FetchError;
pub use stats::Stats;
pub use url::Url;

use politeness::{Politeness, PolitenessConfig};
use robots::Robots;
use stats::Counters;

/// Longest host pause a `Retry-After` can impose.
const MAX_PAUSE: Duration = Duration::from_secs(3600);
/// Longest robots.txt cache lifetime (RFC 9309 §2.4: SHOULD NOT use a cached copy beyond 24 h).
const MAX_ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);

/// Settings of a [`Fetcher`]. `FetchConfig::default()` holds the production values.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Sent on every request; its leading product token (`ConnectBot`) selects the robots group.
    pub user_agent: String,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-attempt timeout: connect, headers and the full body.
    pub request_timeout: Duration,
    /// Largest accepted body after content decoding; larger answers are [`FetchError::TooLarge`].
    pub max_body_bytes: u64,
    /// Retries after the first attempt (so up to `max_retries + 1` attempts).
    pub max_retries: u32,
    /// First backoff ceiling; doubles per retry.
    pub backoff_base: Duration,
    /// Largest backoff ceiling.
    pub backoff_cap: Duration,
    /// Longest `Retry-After` waited for within one fetch; a longer one still pauses the host
    /// (up to an hour) but the fetch gives up at once.
    pub max_retry_after: Duration,
    /// Requests in flight at once per authority.
    pub per_host_concurrency: usize,
    /// Smallest gap between request starts to one authority.
    pub min_delay: Duration,
    /// Largest adaptive gap (`2 × average latency` is capped here).
    pub max_delay: Duration,
    /// Obey robots.txt.
    pub respect_robots: bool,
    /// How long a fetched robots.txt is used (clamped to 24 h).
    pub robots_cache_ttl: Duration,
    /// How long "disallow all" after a robots.txt 5xx / network failure lasts before a new try.
    pub robots_error_ttl: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: "ConnectBot/1.0 (+https://connect.example/bot)".to_string(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 20 * 1024 * 1024,
            max_retries: 4,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(60),
            per_host_concurrency: 2,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            respect_robots: true,
            robots_cache_ttl: Duration::from_secs(24 * 3600),
            robots_error_ttl: Duration::from_secs(10 * 60),
        }
    }
}

/// HTTP cache validators of a page, stored by the caller and sent back on the next fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    fn from_headers(headers: &HeaderMap) -> Self {
        let get = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
        Validators { etag: get(ETAG), last_modified: get(LAST_MODIFIED) }
    }

    fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// A successful fetch.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// `304`: the page has not changed since the validators were issued.
    NotModified { validators: Validators },
    /// A 2xx answer with its (decoded) body.
    Body {
        status: u16,
        /// The URL after redirects.
        final_url: Url,
        content_type: Option<String>,
        body: Bytes,
        validators: Validators,
        /// Time of the successful attempt, from its start to the end of the body.
        elapsed: Duration,
    },
}

/// The polite fetcher. Clone it freely: clones share the client, host state, robots cache and
/// counters.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

type RobotsSlot = Arc<tokio::sync::Mutex<Option<RobotsEntry>>>;

#[derive(Debug)]
struct Inner {
    config: FetchConfig,
    client: reqwest::Client,
    robots_client: reqwest::Client,
    robots_token: String,
    politeness: Politeness,
    robots: Mutex<HashMap<String, RobotsSlot>>,
    counters: Counters,
}

#[derive(Debug)]
struct RobotsEntry {
    robots: Arc<Robots>,
    expires: Instant,
    /// Whether `robots` came from a real answer (2xx or 4xx) rather than a failure.
    good: bool,
}

enum Request<'a> {
    Get(Option<&'a Validators>),
    PostForm(&'a [(String, String)]),
}

/// What one attempt came to.
enum Attempt {
    Done(Result<Fetched, FetchError>),
    Retryable { cause: String, retry_after: Option<Duration> },
    Timeout,
}

impl Fetcher {
    /// Builds the fetcher and its HTTP clients.
    pub fn new(mut config: FetchConfig) -> Result<Self, FetchError> {
        config.robots_cache_ttl = config.robots_cache_ttl.min(MAX_ROBOTS_TTL);
        let build = |max_redirects: usize| {
            reqwest::Client::builder()
                .user_agent(config.user_agent.clone())
                .connect_timeout(config.connect_timeout)
                .timeout(config.request_timeout)
                .redirect(redirect::Policy::limited(max_redirects))
                .build()
                .map_err(|e| FetchError::Client(e.to_string()))
        };
        let client = build(10)?;
        let robots_client = build(5)?;
        let politeness = Politeness::new(PolitenessConfig {
            per_host_concurrency: config.per_host_concurrency,
            min_delay: config.min_delay,
            max_delay: config.max_delay,
        });
        Ok(Fetcher {
            inner: Arc::new(Inner {
                robots_token: robots::product_token(&config.user_agent),
                config,
                client,
                robots_client,
                politeness,
                robots: Mutex::new(HashMap::new()),
                counters: Counters::default(),
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &FetchConfig {
        &self.inner.config
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }

    /// The current gap between request starts for `url`'s authority (adaptive; for monitoring).
    pub fn host_delay(&self, url: &Url) -> Result<Duration, FetchError> {
        Ok(self.inner.politeness.current_delay(&authority(url)?))
    }

    /// GETs `url`; with `validators` the request is conditional and may yield
    /// [`Fetched::NotModified`].
    pub async fn get(&self, url: &Url, validators: Option<&Validators>) -> Result<Fetched, FetchError> {
        self.execute(url, Request::Get(validators)).await
    }

    /// POSTs `form` as `application/x-www-form-urlencoded` (UTF-8). Retried like a GET: the
    /// list searches it serves are read-only.
    pub async fn post_form(&self, url: &Url, form: &[(String, String)]) -> Result<Fetched, FetchError> {
        self.execute(url, Request::PostForm(form)).await
    }

    async fn execute(&self, url: &Url, request: Request<'_>) -> Result<Fetched, FetchError> {
        let inner = &*self.inner;
        let host = authority(url)?;
        if inner.config.respect_robots {
            let robots = self.robots_for(url, &host).await;
            if !robots.allows(&path_and_query(url)) {
                Counters::add(&inner.counters.robots_denied, 1);
                tracing::debug!(%url, "robots.txt disallows");
                return Err(FetchError::RobotsDisallowed { url: url.clone() });
            }
        }
        let attempts = inner.config.max_retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(url, &host, &request).await;
            let last_try = attempt >= attempts;
            let wait = match outcome {
                Attempt::Done(result) => return result,
                Attempt::Timeout if last_try => return Err(FetchError::Timeout { url: url.clone() }),
                Attempt::Retryable { cause, .. } if last_try => {
                    return Err(FetchError::GaveUp { url: url.clone(), attempts: attempt, last: cause })
                }
                Attempt::Retryable { cause, retry_after: Some(after) } => {
                    // The pause holds back every request to the host; ours waits in `acquire`.
                    inner.politeness.pause(&host, after.min(MAX_PAUSE));
                    if after > inner.config.max_retry_after {
                        return Err(FetchError::GaveUp {
                            url: url.clone(),
                            attempts: attempt,
                            last: format!("{cause}, Retry-After {}s", after.as_secs()),
                        });
                    }
                    tracing::info!(%url, attempt, ?after, %cause, "retrying after Retry-After");
                    Duration::ZERO
                }
                Attempt::Retryable { cause, .. } => {
                    let wait = self.backoff(attempt);
                    tracing::info!(%url, attempt, ?wait, %cause, "retrying");
                    wait
                }
                Attempt::Timeout => {
                    let wait = self.backoff(attempt);
                    tracing::info!(%url, attempt, ?wait, "retrying after timeout");
                    wait
                }
            };
            Counters::add(&inner.counters.retries, 1);
            tokio::time::sleep(wait).await;
        }
    }

    fn backoff(&self, retry: u32) -> Duration {
        let c = &self.inner.config;
        retry::backoff(c.backoff_base, c.backoff_cap, retry)
    }

    /// One politeness-gated attempt, bounded by `request_timeout` as a whole.
    async fn attempt(&self, url: &Url, host: &str, request: &Request<'_>) -> Attempt {
        let inner = &*self.inner;
        let _permit = inner.politeness.acquire(host).await;
        Counters::add(&inner.counters.requests, 1);
        let started = Instant::now();
        let builder = match request {
            Request::Get(validators) => {
                let mut b = inner.client.get(url.clone());
                if let Some(v) = validators {
                    if let Some(etag) = v.etag.as_deref().and_then(header_value) {
                        b = b.header(reqwest::header::IF_NONE_MATCH, etag);
                    }
                    if let Some(lm) = v.last_modified.as_deref().and_then(header_value) {
                        b = b.header(reqwest::header::IF_MODIFIED_SINCE, lm);
                    }
                }
                b
            }
            Request::PostForm(form) => inner.client.post(url.clone()).form(form),
        };
        let work = async {
            let mut response = match builder.send().await {
                Ok(r) => r,
                Err(e) => return classify(url, e),
            };
            inner.politeness.record_latency(host, started.elapsed());
            let status = response.status();
            if status == StatusCode::NOT_MODIFIED {
                Counters::add(&inner.counters.not_modified, 1);
                let mut validators = Validators::from_headers(response.headers());
                if validators.is_empty() {
                    if let Request::Get(Some(sent)) = request {
                        validators = (*sent).clone();
                    }
                }
                return Attempt::Done(Ok(Fetched::NotModified { validators }));
            }
            if retry::retryable_status(status.as_u16()) {
                let retry_after = if retry::honours_retry_after(status.as_u16()) {
                    response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry::parse_retry_after(v, SystemTime::now()))
                } else {
                    None
                };
                return Attempt::Retryable { cause: format!("HTTP {}", status.as_u16()), retry_after };
            }
            if !status.is_success() {
                return Attempt::Done(Err(FetchError::Http { status: status.as_u16(), url: url.clone() }));
            }
            let body = match read_limited(&mut response, inner.config.max_body_bytes).await {
                Ok(Some(body)) => body,
                Ok(None) => {
                    return Attempt::Done(Err(FetchError::TooLarge {
                        url: url.clone(),
                        limit: inner.config.max_body_bytes,
                    }))
                }
                Err(e) => return classify(url, e),
            };
            Counters::add(&inner.counters.bytes, body.len() as u64);
            Attempt::Done(Ok(Fetched::Body {
                status: status.as_u16(),
                final_url: response.url().clone(),
                content_type: response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string),
                validators: Validators::from_headers(response.headers()),
                body,
                elapsed: started.elapsed(),
            }))
        };
        match tokio::time::timeout(inner.config.request_timeout, work).await {
            Ok(outcome) => {
                if matches!(outcome, Attempt::Timeout) {
                    inner.politeness.record_latency(host, started.elapsed());
                }
                outcome
            }
            Err(_) => {
                // A host too slow to answer counts as slow for the adaptive delay.
                inner.politeness.record_latency(host, started.elapsed());
                Attempt::Timeout
            }
        }
    }

    /// The robots.txt rules for `host`, fetched at most once per TTL (single flight per host).
    async fn robots_for(&self, url: &Url, host: &str) -> Arc<Robots> {
        let inner = &*self.inner;
        let slot = {
            let mut map = inner.robots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            map.entry(host.to_string()).or_default().clone()
        };
        let mut entry = slot.lock().await;
        if let Some(e) = entry.as_ref() {
            if e.expires > Instant::now() {
                return e.robots.clone();
            }
        }
        let fetched = self.fetch_robots(url, host).await;
        let config = &inner.config;
        let new = match fetched {
            Some(robots) => {
                RobotsEntry { robots: Arc::new(robots), expires: Instant::now() + config.robots_cache_ttl, good: true }
            }
            None => {
                // RFC 9309 §2.3.1.4: unreachable ⇒ complete disallow; a cached copy may be used.
                let robots = match entry.take() {
                    Some(old) if old.good => old.robots,
                    _ => Arc::new(Robots::DisallowAll),
                };
                tracing::warn!(%host, "robots.txt unreachable; using fallback rules");
                RobotsEntry {
                    robots,
                    expires: Instant::now() + config.robots_error_ttl.min(config.robots_cache_ttl),
                    good: false,
                }
            }
        };
        let robots = new.robots.clone();
        *entry = Some(new);
        robots
    }

    /// Downloads and parses robots.txt; `None` when it is unreachable (5xx, 429, network).
    async fn fetch_robots(&self, url: &Url, host: &str) -> Option<Robots> {
        let inner = &*self.inner;
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let _permit = inner.politeness.acquire(host).await;
        Counters::add(&inner.counters.requests, 1);
        Counters::add(&inner.counters.robots_fetches, 1);
        let started = Instant::now();
        let token = &inner.robots_token;
        let work = async {
            let mut response = match inner.robots_client.get(robots_url.clone()).send().await {
                Ok(r) => r,
                // More than five redirects: RFC 9309 lets us treat robots.txt as unavailable.
                Err(e) if e.is_redirect() => return Some(Robots::AllowAll),
                Err(e) => {
                    tracing::debug!(%robots_url, error = %e, "robots.txt fetch failed");
                    return None;
                }
            };
            inner.politeness.record_latency(host, started.elapsed());
            let status = response.status();
            if status.is_success() {
                let mut body = BytesMut::new();
                while let Ok(Some(chunk)) = response.chunk().await {
                    body.extend_from_slice(&chunk);
                    if body.len() >= robots::MAX_ROBOTS_BYTES {
                        break;
                    }
                }
                Counters::add(&inner.counters.bytes, body.len() as u64);
                Some(Robots::parse(&body, token))
            } else if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
                Some(Robots::AllowAll)
            } else {
                None
            }
        };
        tokio::time::timeout(inner.config.request_timeout, work).await.ok().flatten()
    }
}

/// The politeness / robots key of a URL: `scheme://host:port`.
fn authority(url: &Url) -> Result<String, FetchError> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(FetchError::InvalidUrl(format!("unsupported scheme {other}: {url}"))),
    }
    let host = url.host_str().ok_or_else(|| FetchError::InvalidUrl(format!("no host: {url}")))?;
    let port = url.port_or_known_default().ok_or_else(|| FetchError::InvalidUrl(format!("no port: {url}")))?;
    Ok(format!("{}://{}:{}", url.scheme(), host.to_ascii_lowercase(), port))
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{}", url.path(), q),
        None => url.path().to_string(),
    }
}

fn header_value(s: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(s).ok()
}

/// Reads the body, stopping as soon as it passes `limit`: `Ok(None)` then.
async fn read_limited(response: &mut Response, limit: u64) -> Result<Option<Bytes>, reqwest::Error> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Ok(None);
    }
    let capacity = response.content_length().unwrap_or(0).min(limit);
    let mut body = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response.chunk().await? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// Sorts a reqwest error into retryable, timeout or final.
fn classify(url: &Url, e: reqwest::Error) -> Attempt {
    if e.is_timeout() {
        Attempt::Timeout
    } else if e.is_redirect() {
        Attempt::Done(Err(FetchError::Redirect { url: url.clone(), cause: e.to_string() }))
    } else if e.is_builder() {
        Attempt::Done(Err(FetchError::InvalidUrl(format!("{url}: {e}"))))
    } else {
        // Connect, request, body and decode errors: often transient (reset, truncated body).
        let mut cause = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            cause.push_str(": ");
            cause.push_str(&s.to_string());
            source = s.source();
        }
        Attempt::Retryable { cause, retry_after: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_keys() {
        let u = |s: &str| Url::parse(s).expect("url");
        assert_eq!(authority(&u("https://WWW.Example.go.kr/a?b")).expect("ok"), "https://www.example.go.kr:443");
        assert_eq!(authority(&u("http://127.0.0.1:8080/")).expect("ok"), "http://127.0.0.1:8080");
        assert!(matches!(authority(&u("ftp://x/")), Err(FetchError::InvalidUrl(_))));
        assert!(matches!(authority(&u("data:text/plain,hi")), Err(FetchError::InvalidUrl(_))));
        assert_eq!(path_and_query(&u("http://x/a/b?c=1&d")), "/a/b?c=1&d");
        assert_eq!(path_and_query(&u("http://x")), "/");
    }

    #[test]
    fn default_config() {
        let c = FetchConfig::default();
        assert!(c.user_agent.starts_with("ConnectBot/"));
        assert!(c.user_agent.contains("https://"));
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.max_body_bytes, 20 * 1024 * 1024);
        assert_eq!(c.max_retries, 4);
        assert_eq!(c.per_host_concurrency, 2);
        assert!(c.respect_robots);
        assert!(c.robots_cache_ttl <= MAX_ROBOTS_TTL);
    }
}
