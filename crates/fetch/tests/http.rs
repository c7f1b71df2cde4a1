//! HTTP behaviour of the fetcher against a local fixture server: conditional GET, retries and
//! backoff, Retry-After, final errors, timeouts, the body limit, the User-Agent, content
//! decoding, form POSTs and counters. robots.txt is off here (see `robots.rs`).

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use common::{fast_config, Server};
use fetch::{FetchConfig, FetchError, Fetched, Fetcher, Validators};
use tokio::time::Instant;

fn fetcher(config: FetchConfig) -> Fetcher {
    Fetcher::new(config).expect("fetcher")
}

/// A handler that answers `first` for the first `n` calls and 200 "ok" afterwards.
fn flaky(n: usize, first: fn() -> Response) -> Router {
    let calls = Arc::new(AtomicUsize::new(0));
    Router::new().route(
        "/flaky",
        get(move || {
            let calls = calls.clone();
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) < n {
                    first()
                } else {
                    "ok".into_response()
                }
            }
        }),
    )
}

#[tokio::test]
async fn etag_then_304_on_conditional_request() {
    let app = Router::new().route(
        "/page",
        get(|headers: HeaderMap| async move {
            if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some("\"v1\"") {
                (StatusCode::NOT_MODIFIED, [(header::ETAG, "\"v1\"")]).into_response()
            } else {
                (
                    [
                        (header::ETAG, "\"v1\""),
                        (header::LAST_MODIFIED, "Wed, 21 Oct 2015 07:28:00 GMT"),
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    ],
                    "<p>공고</p>",
                )
                    .into_response()
            }
        }),
    );
    let server = Server::start(app).await;
    let f = fetcher(fast_config());
    let url = server.url("/page");

    let first = f.get(&url, None).await.expect("first fetch");
    let Fetched::Body { status, body, validators, content_type, final_url, .. } = first else {
        panic!("expected a body, got {first:?}");
    };
    assert_eq!(status, 200);
    assert_eq!(&body[..], "<p>공고</p>".as_bytes());
    assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert_eq!(final_url, url);
    assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(validators.last_modified.as_deref(), Some("Wed, 21 Oct 2015 07:28:00 GMT"));

    let second = f.get(&url, Some(&validators)).await.expect("second fetch");
    match second {
        Fetched::NotModified { validators: v } => assert_eq!(v.etag.as_deref(), Some("\"v1\"")),
        other => panic!("expected 304, got {other:?}"),
    }
    let hits = server.hits_to("/page");
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].header("if-none-match"), None);
    assert_eq!(hits[1].header("if-none-match").as_deref(), Some("\"v1\""));
    assert_eq!(hits[1].header("if-modified-since").as_deref(), Some("Wed, 21 Oct 2015 07:28:00 GMT"));
    let stats = f.stats();
    assert_eq!(stats.not_modified, 1);
    assert_eq!(stats.requests, 2);
    assert_eq!(stats.bytes, "<p>공고</p>".len() as u64);
}

#[tokio::test]
async fn validators_that_are_not_header_values_are_skipped() {
    let server = Server::start(Router::new().route("/", get(|| async { "x" }))).await;
    let f = fetcher(fast_config());
    let bad = Validators { etag: Some("\"a\nb\"".to_string()), last_modified: None };
    assert!(matches!(f.get(&server.url("/"), Some(&bad)).await, Ok(Fetched::Body { .. })));
    assert_eq!(server.hits()[0].header("if-none-match"), None);
}

#[tokio::test]
async fn retries_500_twice_then_succeeds() {
    let server = Server::start(flaky(2, || StatusCode::INTERNAL_SERVER_ERROR.into_response())).await;
    let f = fetcher(fast_config());
    let got = f.get(&server.url("/flaky"), None).await.expect("third attempt");
    assert!(matches!(got, Fetched::Body { status: 200, .. }));
    assert_eq!(server.hits_to("/flaky").len(), 3, "two failures + success");
    assert_eq!(f.stats().retries, 2);
    assert_eq!(f.stats().requests, 3);
}

#[tokio::test]
async fn retry_after_on_503_waits_and_pauses_the_host_for_everyone() {
    let mut app = flaky(1, || (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "1")]).into_response());
    app = app.route("/other", get(|| async { "other" }));
    let server = Server::start(app).await;
    let f = fetcher(fast_config());
    let t0 = Instant::now();
    let first = {
        let (f, url) = (f.clone(), server.url("/flaky"));
        tokio::spawn(async move { f.get(&url, None).await })
    };
    // Another job asks the same host while it is paused.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let other = f.get(&server.url("/other"), None).await.expect("other");
    assert!(matches!(other, Fetched::Body { .. }));
    let got = first.await.expect("task").expect("retried after 1 s");
    assert!(matches!(got, Fetched::Body { status: 200, .. }));
    assert!(t0.elapsed() >= Duration::from_secs(1));

    let flaky_hits = server.hits_to("/flaky");
    assert_eq!(flaky_hits.len(), 2);
    let gap = flaky_hits[1].at - flaky_hits[0].at;
    assert!(gap >= Duration::from_millis(950), "retry came after {gap:?}");
    let other_at = server.hits_to("/other")[0].at;
    assert!(
        other_at - flaky_hits[0].at >= Duration::from_millis(950),
        "the pause applies to other requests to the host"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_gives_up_at_once() {
    let server = Server::start(flaky(usize::MAX, || {
        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "3600")]).into_response()
    }))
    .await;
    let f = fetcher(fast_config());
    let t0 = Instant::now();
    match f.get(&server.url("/flaky"), None).await {
        Err(FetchError::GaveUp { attempts, last, .. }) => {
            assert_eq!(attempts, 1);
            assert!(last.contains("429") && last.contains("3600"), "{last}");
        }
        other => panic!("expected GaveUp, got {other:?}"),
    }
    assert!(t0.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn endless_429_gives_up_after_max_retries() {
    let server = Server::start(flaky(usize::MAX, || StatusCode::TOO_MANY_REQUESTS.into_response())).await;
    let f = fetcher(FetchConfig { max_retries: 2, ..fast_config() });
    let url = server.url("/flaky");
    match f.get(&url, None).await {
        Err(FetchError::GaveUp { url: u, attempts, last }) => {
            assert_eq!(u, url);
            assert_eq!(attempts, 3);
            assert_eq!(last, "HTTP 429");
        }
        other => panic!("expected GaveUp, got {other:?}"),
    }
    assert_eq!(server.hits_to("/flaky").len(), 3);
}

#[tokio::test]
async fn not_found_is_final_without_retry() {
    let server = Server::start(Router::new()).await;
    let f = fetcher(fast_config());
    let url = server.url("/missing");
    match f.get(&url, None).await {
        Err(FetchError::Http { status, url: u }) => {
            assert_eq!(status, 404);
            assert_eq!(u, url);
        }
        other => panic!("expected Http 404, got {other:?}"),
    }
    assert_eq!(server.hits_to("/missing").len(), 1);
    assert_eq!(f.stats().retries, 0);
}

#[tokio::test]
async fn slow_response_times_out() {
    let app = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            "late"
        }),
    );
    let server = Server::start(app).await;
    let f = fetcher(FetchConfig { request_timeout: Duration::from_millis(300), max_retries: 1, ..fast_config() });
    let t0 = Instant::now();
    let url = server.url("/slow");
    match f.get(&url, None).await {
        Err(FetchError::Timeout { url: u }) => assert_eq!(u, url),
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(t0.elapsed() < Duration::from_secs(3));
    assert_eq!(server.hits_to("/slow").len(), 2, "timeouts are retried");
    // The slow host's delay has grown (2 × ~300 ms).
    assert!(f.host_delay(&url).expect("delay") >= Duration::from_millis(500));
}

#[tokio::test]
async fn body_over_the_limit_is_too_large() {
    let app = Router::new()
        // Streamed without Content-Length: up to 64 MiB, far more than the limit.
        .route(
            "/stream",
            get(|| async {
                let chunks = futures::stream::iter((0..1024).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024])));
                Body::from_stream(chunks)
            }),
        )
        // Declared by Content-Length.
        .route("/declared", get(|| async { vec![b'y'; 20_000] }))
        .route("/fits", get(|| async { vec![b'z'; 10_000] }));
    let server = Server::start(app).await;
    let f = fetcher(FetchConfig { max_body_bytes: 10_000, ..fast_config() });
    let t0 = Instant::now();
    for path in ["/stream", "/declared"] {
        match f.get(&server.url(path), None).await {
            Err(FetchError::TooLarge { limit, .. }) => assert_eq!(limit, 10_000),
            other => panic!("{path}: expected TooLarge, got {other:?}"),
        }
    }
    assert!(t0.elapsed() < Duration::from_secs(3), "reading stopped early");
    match f.get(&server.url("/fits"), None).await {
        Ok(Fetched::Body { body, .. }) => assert_eq!(body.len(), 10_000),
        other => panic!("expected the body at the limit, got {other:?}"),
    }
    assert_eq!(f.stats().retries, 0);
}

#[tokio::test]
async fn server_sees_our_user_agent() {
    let server = Server::start(Router::new().route("/", get(|| async { "hi" }))).await;
    let f = fetcher(fast_config());
    f.get(&server.url("/"), None).await.expect("fetch");
    assert_eq!(server.hits()[0].header("user-agent").as_deref(), Some("ConnectBot/1.0 (+https://connect.example/bot)"));
    let custom = fetcher(FetchConfig {
        user_agent: "ConnectBot/2.0 (+https://other.example/contact)".to_string(),
        ..fast_config()
    });
    custom.get(&server.url("/"), None).await.expect("fetch");
    assert_eq!(
        server.hits()[1].header("user-agent").as_deref(),
        Some("ConnectBot/2.0 (+https://other.example/contact)")
    );
}

#[tokio::test]
async fn gzip_body_is_decoded() {
    let text = "사업공고 ".repeat(1000);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).expect("gzip");
    let gz = encoder.finish().expect("gzip");
    let gz_len = gz.len();
    let app =
        Router::new().route(
            "/gz",
            get(move || {
                let gz = gz.clone();
                async move {
                    ([(header::CONTENT_ENCODING, "gzip"), (header::CONTENT_TYPE, "text/plain; charset=utf-8")], gz)
                }
            }),
        );
    let server = Server::start(app).await;
    let f = fetcher(fast_config());
    match f.get(&server.url("/gz"), None).await {
        Ok(Fetched::Body { body, .. }) => {
            assert!(gz_len < body.len());
            assert_eq!(&body[..], text.as_bytes());
        }
        other => panic!("expected a decoded body, got {other:?}"),
    }
    let accept = server.hits()[0].header("accept-encoding").unwrap_or_default();
    assert!(accept.contains("gzip") && accept.contains("br"), "{accept}");
}

#[tokio::test]
async fn gzip_bomb_is_cut_at_the_decoded_limit() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0u8; 5_000_000]).expect("gzip");
    let gz = encoder.finish().expect("gzip");
    assert!(gz.len() < 100_000);
    let app = Router::new().route(
        "/bomb",
        get(move || {
            let gz = gz.clone();
            async move { ([(header::CONTENT_ENCODING, "gzip")], gz) }
        }),
    );
    let server = Server::start(app).await;
    let f = fetcher(FetchConfig { max_body_bytes: 1_000_000, ..fast_config() });
    assert!(matches!(f.get(&server.url("/bomb"), None).await, Err(FetchError::TooLarge { .. })));
}

#[tokio::test]
async fn post_form_sends_urlencoded_utf8() {
    let app = Router::new().route(
        "/list",
        post(|headers: HeaderMap, body: String| async move {
            let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            format!("{ct}|{body}")
        }),
    );
    let server = Server::start(app).await;
    let f = fetcher(fast_config());
    let form =
        vec![("pageIndex".to_string(), "2".to_string()), ("searchKeyword".to_string(), "연구 개발&x".to_string())];
    match f.post_form(&server.url("/list"), &form).await {
        Ok(Fetched::Body { body, .. }) => assert_eq!(
            std::str::from_utf8(&body).expect("utf8"),
            "application/x-www-form-urlencoded|pageIndex=2&searchKeyword=%EC%97%B0%EA%B5%AC+%EA%B0%9C%EB%B0%9C%26x"
        ),
        other => panic!("expected a body, got {other:?}"),
    }
    assert_eq!(server.hits()[0].method, "POST");
}

#[tokio::test]
async fn connection_refused_gives_up_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let f = fetcher(FetchConfig { max_retries: 2, ..fast_config() });
    let url = url::Url::parse(&format!("http://{addr}/")).expect("url");
    match f.get(&url, None).await {
        Err(e @ FetchError::GaveUp { attempts: 3, .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("3회 시도 후 포기"), "{msg}");
            assert!(msg.contains("gave up after retries"), "{msg}");
        }
        other => panic!("expected GaveUp, got {other:?}"),
    }
    assert_eq!(f.stats().retries, 2);
}

#[tokio::test]
async fn unsupported_urls_are_rejected() {
    let f = fetcher(fast_config());
    for u in ["ftp://example.go.kr/a", "file:///etc/passwd"] {
        let url = url::Url::parse(u).expect("url");
        assert!(matches!(f.get(&url, None).await, Err(FetchError::InvalidUrl(_))));
    }
    assert_eq!(f.stats().requests, 0);
}
