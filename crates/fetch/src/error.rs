//! The fetcher's error type. Messages are Korean for the operators, with the English cause in
//! parentheses so logs stay searchable.

use url::Url;

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// robots.txt forbids the URL for our user-agent (or robots.txt could not be fetched).
    #[error("robots.txt가 수집을 허용하지 않음 (disallowed by robots.txt): {url}")]
    RobotsDisallowed { url: Url },
    /// The body (after content decoding) exceeded `max_body_bytes`; reading stopped there.
    #[error("응답 본문이 한도 {limit}바이트를 넘음 (body too large): {url}")]
    TooLarge { url: Url, limit: u64 },
    /// Every attempt ran past `request_timeout`.
    #[error("요청 시간 초과 (request timed out): {url}")]
    Timeout { url: Url },
    /// A final HTTP status that is not retried: 4xx other than 429, or an unexpected 1xx/3xx.
    #[error("HTTP 오류 {status} (HTTP error status): {url}")]
    Http { status: u16, url: Url },
    /// 5xx, 429 or connection errors persisted through every retry.
    #[error("{attempts}회 시도 후 포기 (gave up after retries): {url}: {last}")]
    GaveUp { url: Url, attempts: u32, last: String },
    /// Not an absolute http(s) URL with a host, or a request that cannot be built from it.
    #[error("잘못된 URL (invalid URL): {0}")]
    InvalidUrl(String),
    /// Too many redirects or a redirect loop.
    #[error("리디렉션 오류 (redirect error): {url}: {cause}")]
    Redirect { url: Url, cause: String },
    /// The HTTP client could not be built from the configuration.
    #[error("HTTP 클라이언트를 만들 수 없음 (cannot build HTTP client): {0}")]
    Client(String),
}
