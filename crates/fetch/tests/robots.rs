//! robots.txt handling end to end: disallowed pages are never requested, robots.txt is fetched
//! once per authority, 4xx allows all, 5xx disallows all until the error TTL, our group wins
//! over `*`, and robots.txt redirects are followed.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use common::{fast_config, Server};
use fetch::{FetchConfig, FetchError, Fetched, Fetcher};

fn polite() -> FetchConfig {
    FetchConfig { respect_robots: true, ..fast_config() }
}

fn pages(router: Router) -> Router {
    router
        .route("/private", get(|| async { "secret" }))
        .route("/private/x", get(|| async { "secret" }))
        .route("/public", get(|| async { "public" }))
}

#[tokio::test]
async fn disallowed_page_is_never_requested_and_robots_is_cached() {
    let app = pages(Router::new().route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /private\n" })));
    let server = Server::start(app).await;
    let f = Fetcher::new(polite()).expect("fetcher");

    for path in ["/private", "/private/x"] {
        let url = server.url(path);
        match f.get(&url, None).await {
            Err(e @ FetchError::RobotsDisallowed { .. }) => {
                assert!(e.to_string().contains("robots.txt"), "{e}");
            }
            other => panic!("{path}: expected RobotsDisallowed, got {other:?}"),
        }
    }
    assert!(matches!(f.get(&server.url("/public"), None).await, Ok(Fetched::Body { .. })));
    // A POST is checked too.
    assert!(matches!(f.post_form(&server.url("/private"), &[]).await, Err(FetchError::RobotsDisallowed { .. })));

    let paths: Vec<String> = server.hits().into_iter().map(|h| h.path).collect();
    assert_eq!(paths, ["/robots.txt", "/public"], "robots fetched once, /private never");
    let stats = f.stats();
    assert_eq!(stats.robots_denied, 3);
    assert_eq!(stats.robots_fetches, 1);
    assert_eq!(server.hits()[0].header("user-agent").as_deref(), Some(f.config().user_agent.as_str()));
}

#[tokio::test]
async fn concurrent_first_requests_share_one_robots_fetch() {
    let app = pages(Router::new().route("/robots.txt", get(|| async { "" })));
    let server = Server::start(app).await;
    let f = Fetcher::new(polite()).expect("fetcher");
    let url = server.url("/public");
    let jobs: Vec<_> = (0..4)
        .map(|_| {
            let (f, url) = (f.clone(), url.clone());
            tokio::spawn(async move { f.get(&url, None).await })
        })
        .collect();
    for job in jobs {
        assert!(job.await.expect("task").is_ok());
    }
    assert_eq!(server.hits_to("/robots.txt").len(), 1);
}

#[tokio::test]
async fn robots_404_allows_everything() {
    let server = Server::start(pages(Router::new())).await;
    let f = Fetcher::new(polite()).expect("fetcher");
    assert!(matches!(f.get(&server.url("/private"), None).await, Ok(Fetched::Body { .. })));
    assert_eq!(server.hits_to("/robots.txt").len(), 1);
    assert_eq!(server.hits_to("/private").len(), 1);
}

#[tokio::test]
async fn robots_500_disallows_everything_until_the_error_ttl() {
    // robots.txt fails once, then is missing (404 ⇒ allow).
    let calls = Arc::new(AtomicUsize::new(0));
    let app = pages(Router::new().route(
        "/robots.txt",
        get(move || {
            let calls = calls.clone();
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NOT_FOUND
                }
            }
        }),
    ));
    let server = Server::start(app).await;
    let f = Fetcher::new(FetchConfig { robots_error_ttl: Duration::from_millis(300), ..polite() }).expect("fetcher");
    for _ in 0..2 {
        assert!(matches!(f.get(&server.url("/public"), None).await, Err(FetchError::RobotsDisallowed { .. })));
    }
    assert!(server.hits_to("/public").is_empty());
    assert_eq!(server.hits_to("/robots.txt").len(), 1, "the failure is cached");

    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(matches!(f.get(&server.url("/public"), None).await, Ok(Fetched::Body { .. })));
    assert_eq!(server.hits_to("/robots.txt").len(), 2);
}

#[tokio::test]
async fn unreachable_robots_disallows() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let f = Fetcher::new(polite()).expect("fetcher");
    let url = url::Url::parse(&format!("http://{addr}/page")).expect("url");
    assert!(matches!(f.get(&url, None).await, Err(FetchError::RobotsDisallowed { .. })));
}

#[tokio::test]
async fn our_group_wins_over_star() {
    let robots = "User-agent: *\nDisallow: /\n\nUser-agent: ConnectBot\nDisallow: /private\nAllow: /\n";
    let app = pages(Router::new().route("/robots.txt", get(move || async move { robots })));
    let server = Server::start(app).await;
    let f = Fetcher::new(polite()).expect("fetcher");
    assert!(f.get(&server.url("/public"), None).await.is_ok());
    assert!(matches!(f.get(&server.url("/private"), None).await, Err(FetchError::RobotsDisallowed { .. })));
    // Another crawler token falls back to the `*` group.
    let other = Fetcher::new(FetchConfig { user_agent: "OtherBot/1.0".to_string(), ..polite() }).expect("fetcher");
    assert!(matches!(other.get(&server.url("/public"), None).await, Err(FetchError::RobotsDisallowed { .. })));
}

#[tokio::test]
async fn robots_redirect_is_followed() {
    let app = pages(
        Router::new()
            .route("/robots.txt", get(|| async { Redirect::permanent("/r1") }))
            .route("/r1", get(|| async { Redirect::temporary("/real-robots.txt") }))
            .route(
                "/real-robots.txt",
                get(|| async {
                    ([(header::CONTENT_TYPE, "text/plain")], "User-agent: *\nDisallow: /private\n").into_response()
                }),
            ),
    );
    let server = Server::start(app).await;
    let f = Fetcher::new(polite()).expect("fetcher");
    assert!(matches!(f.get(&server.url("/private"), None).await, Err(FetchError::RobotsDisallowed { .. })));
    assert!(f.get(&server.url("/public"), None).await.is_ok());
    assert_eq!(server.hits_to("/real-robots.txt").len(), 1);
}

#[tokio::test]
async fn robots_can_be_turned_off() {
    let app = pages(Router::new().route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /\n" })));
    let server = Server::start(app).await;
    let f = Fetcher::new(fast_config()).expect("fetcher");
    assert!(f.get(&server.url("/private"), None).await.is_ok());
    assert!(server.hits_to("/robots.txt").is_empty());
}
